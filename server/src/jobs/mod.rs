//! Scheduled work. Each job is a named async function with an interval; the scheduler runs every
//! registered job on its interval on every instance, and [`run_job`] makes sure that only one
//! instance runs a given job at a time (a PostgreSQL advisory lock), recording each run in
//! `job_runs`. `server run-job NAME` runs one job once through exactly the same path.
//!
//! Jobs must be idempotent: with several instances each ticking on its own, a job may run more
//! often than its interval, and a run that dies half-way is simply redone by the next one.
//!
//! Adding a job is one line in [`registry`] plus its module with an
//! `async fn run(ctx: JobContext) -> JobResult`.

pub mod booking_sweeps;
pub mod generate_availability;
mod lock;
pub mod purge_personal_data;
pub mod reconcile_payouts;
pub mod reminders;
mod runner;
pub mod scheduler;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub use runner::{run_job, JobOutcome};

/// What a job returns: a JSON summary stored in `job_runs.result`, or the error that failed it
/// (its text, with the cause chain, goes to `job_runs.error`; keep PII out of both).
pub type JobResult = anyhow::Result<serde_json::Value>;

/// What a running job gets.
#[derive(Debug, Clone)]
pub struct JobContext {
    /// The database.
    pub pool: PgPool,
    /// The instant the run started; jobs use it instead of reading the clock themselves, so a
    /// run sees one consistent "now".
    pub now: DateTime<Utc>,
}

type BoxedRun = Arc<dyn Fn(JobContext) -> Pin<Box<dyn Future<Output = JobResult> + Send + 'static>> + Send + Sync>;

/// A named, scheduled job.
#[derive(Clone)]
pub struct Job {
    /// Stable name: the CLI argument, the `job_runs.job_name` and the advisory-lock key.
    pub name: &'static str,
    /// How often the scheduler starts it (on each instance; the lock keeps runs apart).
    pub interval: Duration,
    run: BoxedRun,
}

impl Job {
    /// A job that runs `run` every `interval`.
    pub fn new<F, Fut>(name: &'static str, interval: Duration, run: F) -> Self
    where
        F: Fn(JobContext) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = JobResult> + Send + 'static,
    {
        Self { name, interval, run: Arc::new(move |ctx| Box::pin(run(ctx))) }
    }

    /// Starts the job's future (it runs when polled).
    fn start(&self, ctx: JobContext) -> Pin<Box<dyn Future<Output = JobResult> + Send + 'static>> {
        (self.run)(ctx)
    }
}

impl fmt::Debug for Job {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Job")
            .field("name", &self.name)
            .field("interval", &self.interval)
            .finish_non_exhaustive()
    }
}

/// One hour.
const HOURLY: Duration = Duration::from_secs(60 * 60);
/// One minute: the gate's lists must reflect no-shows and overstays promptly.
const MINUTELY: Duration = Duration::from_secs(60);

/// One day.
const DAILY: Duration = Duration::from_secs(24 * 60 * 60);

/// Five minutes.
const FIVE_MINUTES: Duration = Duration::from_secs(5 * 60);

/// Every job the server runs, without the payment gateway (listing names, tests).
pub fn registry() -> Vec<Job> {
    registry_with(None)
}

/// Every job the server runs; `retry-refunds` talks to `gateway` (and fails without one).
pub fn registry_with(gateway: Option<Arc<dyn app::payments::gateway::PaymentGateway>>) -> Vec<Job> {
    vec![
        Job::new("generate-availability", HOURLY, generate_availability::run),
        Job::new("reconcile-payouts", HOURLY, reconcile_payouts::run),
        Job::new("booking-no-show", MINUTELY, booking_sweeps::no_show),
        Job::new("booking-overstay", MINUTELY, booking_sweeps::overstay),
        Job::new("booking-complete", MINUTELY, booking_sweeps::complete),
        Job::new("booking-reminders", MINUTELY, reminders::run),
        Job::new("expire-holds", MINUTELY, |ctx: JobContext| async move {
            crate::payments::jobs::expire_holds(&ctx.pool, ctx.now).await
        }),
        Job::new("purge-personal-data", DAILY, purge_personal_data::run),
        Job::new("retry-refunds", FIVE_MINUTES, move |ctx: JobContext| {
            let gateway = gateway.clone();
            async move {
                let Some(gateway) = gateway else {
                    anyhow::bail!("retry-refunds needs the configured payment gateway");
                };
                crate::payments::jobs::retry_refunds(&ctx.pool, &*gateway, ctx.now).await
            }
        }),
    ]
}

/// The names of every registered job, in registry order.
pub fn names() -> Vec<&'static str> {
    registry().iter().map(|job| job.name).collect()
}

/// A job name that is not registered.
#[derive(Debug, thiserror::Error)]
#[error("unknown job '{name}'; known jobs: {}", known.join(", "))]
pub struct UnknownJob {
    name: String,
    known: Vec<&'static str>,
}

/// The registered job called `name` (with `gateway` for the jobs that need it).
pub fn find(name: &str, gateway: Option<Arc<dyn app::payments::gateway::PaymentGateway>>) -> Result<Job, UnknownJob> {
    registry_with(gateway)
        .into_iter()
        .find(|job| job.name == name)
        .ok_or_else(|| UnknownJob { name: name.to_owned(), known: names() })
}

/// An identifier of this process for `job_runs.instance_id`: which instance ran what.
pub fn instance_id() -> String {
    let nonce: String = uuid::Uuid::new_v4().simple().to_string().chars().take(8).collect();
    format!("pid{}-{nonce}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_names_list_the_known_ones() {
        assert_eq!(find("generate-availability", None).unwrap().name, "generate-availability");
        let err = find("nope", None).unwrap_err().to_string();
        assert_eq!(
            err,
            "unknown job 'nope'; known jobs: generate-availability, reconcile-payouts, booking-no-show, \
             booking-overstay, booking-complete, booking-reminders, expire-holds, purge-personal-data, retry-refunds"
        );
    }

    #[test]
    fn names_are_unique_and_intervals_positive() {
        let names = names();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len());
        assert!(registry().iter().all(|job| !job.interval.is_zero()));
    }
}
