//! The job runner against a real database: one run at a time under concurrency (advisory lock),
//! `job_runs` bookkeeping for success, failure and panic, stale `running` rows, and the
//! registered `generate-availability` job by name.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use std::time::Duration;

use serde_json::json;
use server::jobs::{self, run_job, Job, JobOutcome};
use sqlx::PgPool;
use tokio::sync::{mpsc, Notify};

/// A job that signals `entered` when its body starts and then waits for `gate`.
fn gated_job(entered: Arc<Notify>, gate: Arc<Notify>) -> Job {
    Job::new("test-gated", Duration::from_secs(60), move |_ctx| {
        let (entered, gate) = (entered.clone(), gate.clone());
        async move {
            entered.notify_one();
            gate.notified().await;
            Ok(json!({ "ran": true }))
        }
    })
}

async fn runs(pool: &PgPool, job: &str) -> Vec<(String, Option<String>, serde_json::Value, bool)> {
    sqlx::query_as(
        "select status, error, result, finished_at is not null
         from job_runs where job_name = $1 order by started_at, id",
    )
    .bind(job)
    .fetch_all(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_concurrent_runs_of_one_job_run_it_once(pool: PgPool) {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let job = gated_job(entered.clone(), gate.clone());

    let first = tokio::spawn({
        let (pool, job) = (pool.clone(), job.clone());
        async move { run_job(&pool, &job, "instance-a").await.unwrap() }
    });
    // The first run is inside the job body, holding the lock: the second must not run.
    entered.notified().await;
    let second = run_job(&pool, &job, "instance-b").await.unwrap();
    assert_eq!(second, JobOutcome::SkippedLocked);
    assert_eq!(second.to_string(), "skipped: locked");
    gate.notify_one();
    let first = first.await.unwrap();
    assert!(matches!(&first, JobOutcome::Succeeded { result, .. } if *result == json!({ "ran": true })), "{first:?}");
    assert_eq!(runs(&pool, "test-gated").await, vec![("succeeded".into(), None, json!({ "ran": true }), true)]);
    let instance: String = sqlx::query_scalar("select instance_id from job_runs").fetch_one(&pool).await.unwrap();
    assert_eq!(instance, "instance-a");

    // The lock was released: the next run runs.
    let again = tokio::spawn({
        let (pool, job) = (pool.clone(), job.clone());
        async move { run_job(&pool, &job, "instance-b").await.unwrap() }
    });
    entered.notified().await;
    gate.notify_one();
    assert!(matches!(again.await.unwrap(), JobOutcome::Succeeded { .. }));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn of_many_racing_runs_exactly_one_runs(pool: PgPool) {
    const RACERS: usize = 6;
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let job = gated_job(entered.clone(), gate.clone());
    let (tx, mut rx) = mpsc::unbounded_channel();
    for i in 0..RACERS {
        let (pool, job, tx) = (pool.clone(), job.clone(), tx.clone());
        tokio::spawn(async move {
            let outcome = run_job(&pool, &job, &format!("instance-{i}")).await.unwrap();
            tx.send(outcome).unwrap();
        });
    }
    // The winner waits at the gate until every loser has answered, so no loser can come late
    // enough to find the lock free.
    let mut outcomes = Vec::new();
    for _ in 1..RACERS {
        outcomes.push(rx.recv().await.unwrap());
    }
    assert!(outcomes.iter().all(|o| *o == JobOutcome::SkippedLocked), "{outcomes:?}");
    gate.notify_one();
    assert!(matches!(rx.recv().await.unwrap(), JobOutcome::Succeeded { .. }));
    assert_eq!(runs(&pool, "test-gated").await.len(), 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_failing_job_records_failed_with_the_error_text(pool: PgPool) {
    let job = Job::new("test-failing", Duration::from_secs(60), |_ctx| async {
        let cause = anyhow::anyhow!("la pasarela no respondió");
        Err(cause.context("reconciliation of building 42"))
    });
    let outcome = run_job(&pool, &job, "instance-a").await.unwrap();
    let JobOutcome::Failed { error, .. } = &outcome else { panic!("{outcome:?}") };
    assert_eq!(error, "reconciliation of building 42: la pasarela no respondió");
    assert_eq!(outcome.to_string(), format!("failed: {error}"));
    // The failure released the lock: a second run runs (and fails) too.
    assert!(matches!(run_job(&pool, &job, "instance-a").await.unwrap(), JobOutcome::Failed { .. }));
    let rows = runs(&pool, "test-failing").await;
    assert_eq!(rows.len(), 2);
    for (status, error, result, finished) in rows {
        assert_eq!(status, "failed");
        assert_eq!(error.as_deref(), Some("reconciliation of building 42: la pasarela no respondió"));
        assert_eq!(result, json!({}));
        assert!(finished);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_panicking_job_is_recorded_and_releases_its_lock(pool: PgPool) {
    let job = Job::new("test-panicking", Duration::from_secs(60), |_ctx| async {
        if true {
            panic!("boom");
        }
        Ok(json!({}))
    });
    for _ in 0..2 {
        let outcome = run_job(&pool, &job, "instance-a").await.unwrap();
        assert!(matches!(&outcome, JobOutcome::Failed { error, .. } if error == "the job panicked"), "{outcome:?}");
    }
    // Recorded: both runs are closed as failed with the panic, none left `running`.
    assert_eq!(
        runs(&pool, "test-panicking").await,
        vec![("failed".to_string(), Some("the job panicked".to_string()), json!({}), true); 2]
    );
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn runs_left_running_by_a_dead_instance_are_closed(pool: PgPool) {
    sqlx::query("insert into job_runs (job_name, instance_id, started_at) values ('test-ok', 'dead', now() - interval '1 hour')")
        .execute(&pool)
        .await
        .unwrap();
    let job = Job::new("test-ok", Duration::from_secs(60), |_ctx| async { Ok(json!(7)) });
    let outcome = run_job(&pool, &job, "instance-a").await.unwrap();
    assert!(matches!(&outcome, JobOutcome::Succeeded { result, .. } if *result == json!({ "value": 7 })));
    let rows = runs(&pool, "test-ok").await;
    assert_eq!(rows[0].0, "failed");
    assert!(rows[0].1.as_deref().unwrap().starts_with("abandoned"));
    assert_eq!(rows[1].0, "succeeded");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn generate_availability_runs_by_name(pool: PgPool) {
    let building: uuid::Uuid =
        sqlx::query_scalar("insert into buildings (name, address) values ('Edificio', 'Av. Italia 1000') returning id")
            .fetch_one(&pool)
            .await
            .unwrap();
    sqlx::query("insert into visitor_spots (building_id, number) values ($1, 'V1')")
        .bind(building)
        .execute(&pool)
        .await
        .unwrap();
    let mut conn = pool.acquire().await.unwrap();
    app::availability::ssr::insert_templates(&mut conn, building, &app::availability::standard_templates())
        .await
        .unwrap();
    drop(conn);

    let job = jobs::find("generate-availability", None).unwrap();
    let JobOutcome::Succeeded { result: first, .. } = run_job(&pool, &job, "cli").await.unwrap() else {
        panic!("generation failed")
    };
    assert_eq!(first["buildings"], json!(1));
    assert_eq!(first["spots"], json!(1));
    // 30 days x 3 templates, less today's blocks that may already have ended.
    let created = first["created"].as_u64().unwrap();
    assert!((87..=90).contains(&created), "{first}");
    let blocks: i64 = sqlx::query_scalar("select count(*) from availability_blocks where building_id = $1")
        .bind(building)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(u64::try_from(blocks).unwrap(), created, "the result counts the blocks really created");
    let JobOutcome::Succeeded { result: second, .. } = run_job(&pool, &job, "cli").await.unwrap() else {
        panic!("generation failed")
    };
    assert_eq!(second["created"], json!(0));
    // Each run by name left its job_runs row under the registered name: succeeded, closed, with
    // the result it returned, by the instance that ran it.
    assert_eq!(
        runs(&pool, "generate-availability").await,
        vec![("succeeded".to_string(), None, first, true), ("succeeded".to_string(), None, second, true),]
    );
    let instances: Vec<String> = sqlx::query_scalar("select instance_id from job_runs where job_name = 'generate-availability'")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(instances, ["cli", "cli"]);
    assert!(jobs::find("nope", None).unwrap_err().to_string().contains("generate-availability"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_cancelled_run_frees_its_lock_and_is_closed_by_the_next_run(pool: PgPool) {
    let (entered, gate) = (Arc::new(Notify::new()), Arc::new(Notify::new()));
    let job = gated_job(entered.clone(), gate.clone());
    let cancelled = tokio::spawn({
        let (pool, job) = (pool.clone(), job.clone());
        async move { run_job(&pool, &job, "instance-a").await }
    });
    entered.notified().await;
    // Dropping the run mid-way (a shutdown, say) must not leave the lock on a pooled connection.
    cancelled.abort();
    assert!(cancelled.await.unwrap_err().is_cancelled());
    // The guard closes its connection in the background; PostgreSQL then drops the session's
    // lock. (Polling pg_locks rather than retrying run_job: a session-level advisory lock is
    // re-entrant, so a leaked lock on a pooled connection would let *this* process re-lock it
    // while every other instance stayed locked out.)
    let mut held = 1;
    for _ in 0..50 {
        held = sqlx::query_scalar::<_, i64>(
            "select count(*) from pg_locks
             where locktype = 'advisory' and granted
               and database = (select oid from pg_database where datname = current_database())",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        if held == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(held, 0, "the cancelled run's advisory lock is still held");
    let ok = Job::new("test-gated", Duration::from_secs(60), |_ctx| async { Ok(json!({})) });
    let outcome = run_job(&pool, &ok, "instance-b").await.unwrap();
    assert!(matches!(outcome, JobOutcome::Succeeded { .. }), "{outcome:?}");
    let statuses: Vec<String> = runs(&pool, "test-gated").await.into_iter().map(|r| r.0).collect();
    assert_eq!(statuses, vec!["failed", "succeeded"]);
}
