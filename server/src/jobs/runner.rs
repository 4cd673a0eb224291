//! One run of one job: lock, record, run, record, unlock.

use std::fmt;

use chrono::Utc;
use serde_json::Value;
use sqlx::PgPool;
use uuid::Uuid;

use super::lock::JobLock;
use super::{Job, JobContext};

/// The longest error text kept in `job_runs.error`.
const MAX_ERROR_CHARS: usize = 2000;

/// How a call to [`run_job`] ended.
#[derive(Debug, Clone, PartialEq)]
pub enum JobOutcome {
    /// The job ran and succeeded; `result` is what it reported.
    Succeeded {
        /// The `job_runs` row.
        run_id: Uuid,
        /// The job's JSON summary.
        result: Value,
    },
    /// The job ran and failed (an error or a panic).
    Failed {
        /// The `job_runs` row.
        run_id: Uuid,
        /// The error text recorded.
        error: String,
    },
    /// Another run of the same job holds the lock (on this or another instance): nothing ran
    /// and nothing was recorded.
    SkippedLocked,
}

impl fmt::Display for JobOutcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Succeeded { result, .. } => write!(f, "succeeded: {result}"),
            Self::Failed { error, .. } => write!(f, "failed: {error}"),
            Self::SkippedLocked => f.write_str("skipped: locked"),
        }
    }
}

/// Runs `job` once if no other session is running it.
///
/// Holding the job's advisory lock, it first marks any `running` row of the job as failed (with
/// the lock held, no such run can still be alive: its instance died), then records a `running`
/// row, runs the job on its own task (so a panic is caught and recorded), records the result,
/// and releases the lock. `Err` means the bookkeeping itself failed (e.g. the database is down).
pub async fn run_job(pool: &PgPool, job: &Job, instance_id: &str) -> anyhow::Result<JobOutcome> {
    let Some(lock) = JobLock::try_acquire(pool, job.name).await? else {
        tracing::debug!(job = job.name, "job skipped: another run holds the lock");
        metrics::counter!("job_runs_total", "job" => job.name, "outcome" => "skipped").increment(1);
        return Ok(JobOutcome::SkippedLocked);
    };
    abandon_stale_runs(pool, job.name).await?;
    let run_id: Uuid = sqlx::query_scalar("insert into job_runs (job_name, instance_id) values ($1, $2) returning id")
        .bind(job.name)
        .bind(instance_id)
        .fetch_one(pool)
        .await?;

    let ctx = JobContext { pool: pool.clone(), now: Utc::now() };
    let outcome = match tokio::spawn(job.start(ctx)).await {
        Ok(Ok(result)) => {
            let result = as_object(result);
            sqlx::query(
                "update job_runs set status = 'succeeded', finished_at = now(), result = $2
                 where id = $1",
            )
            .bind(run_id)
            .bind(&result)
            .execute(pool)
            .await?;
            JobOutcome::Succeeded { run_id, result }
        }
        Ok(Err(err)) => failed(pool, run_id, format!("{err:#}")).await?,
        Err(join) if join.is_panic() => failed(pool, run_id, "the job panicked".into()).await?,
        Err(_) => failed(pool, run_id, "the job was cancelled".into()).await?,
    };
    match &outcome {
        JobOutcome::Failed { .. } => {
            tracing::warn!(job = job.name, %run_id, "job failed");
            metrics::counter!("job_runs_total", "job" => job.name, "outcome" => "failed").increment(1);
            metrics::counter!("job_failures_total", "job" => job.name).increment(1);
        }
        _ => {
            tracing::info!(job = job.name, %run_id, "job succeeded");
            metrics::counter!("job_runs_total", "job" => job.name, "outcome" => "succeeded").increment(1);
        }
    }
    lock.release().await?;
    Ok(outcome)
}

/// Records a failed run.
async fn failed(pool: &PgPool, run_id: Uuid, error: String) -> sqlx::Result<JobOutcome> {
    let error: String = error.chars().take(MAX_ERROR_CHARS).collect();
    sqlx::query("update job_runs set status = 'failed', finished_at = now(), error = $2 where id = $1")
        .bind(run_id)
        .bind(&error)
        .execute(pool)
        .await?;
    Ok(JobOutcome::Failed { run_id, error })
}

/// Closes `running` rows left by an instance that died mid-run. Only called with the job's lock
/// held, when no run of the job can be alive.
async fn abandon_stale_runs(pool: &PgPool, job_name: &str) -> sqlx::Result<()> {
    let abandoned = sqlx::query(
        "update job_runs
         set status = 'failed', finished_at = now(),
             error = 'abandoned: the instance stopped before the run finished'
         where job_name = $1 and status = 'running'",
    )
    .bind(job_name)
    .execute(pool)
    .await?
    .rows_affected();
    if abandoned > 0 {
        tracing::warn!(job = job_name, abandoned, "closed runs left by a stopped instance");
    }
    Ok(())
}

/// `job_runs.result` must be a JSON object; wrap anything else.
fn as_object(value: Value) -> Value {
    if value.is_object() {
        value
    } else {
        serde_json::json!({ "value": value })
    }
}
