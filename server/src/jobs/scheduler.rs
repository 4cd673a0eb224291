//! The in-process scheduler `serve` starts: one tokio task per registered job, each running its
//! job through [`super::run_job`] on the job's interval (the first run right at startup, so a
//! fresh deployment has blocks at once).
//!
//! Every instance runs the same scheduler; the advisory lock in `run_job` turns the duplicate
//! starts into "skipped: locked", so no coordination between instances is needed.

use std::time::Duration;

use sqlx::PgPool;
use tokio::sync::watch;
use tokio::task::JoinHandle;
use tokio::time::MissedTickBehavior;

use super::{run_job, Job};

/// How long [`Scheduler::stop`] waits for a run in progress before giving up on it.
const STOP_GRACE: Duration = Duration::from_secs(30);

/// The running scheduler. Dropping it leaves the tasks running; call [`Scheduler::stop`].
#[derive(Debug)]
pub struct Scheduler {
    shutdown: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl Scheduler {
    /// Starts one task per job.
    pub fn start(pool: PgPool, jobs: Vec<Job>, instance_id: String) -> Self {
        let (shutdown, stop) = watch::channel(false);
        let tasks = jobs
            .into_iter()
            .map(|job| tokio::spawn(every(pool.clone(), job, instance_id.clone(), stop.clone())))
            .collect();
        Self { shutdown, tasks }
    }

    /// Stops scheduling and lets runs in progress finish (up to a grace period), so a deploy does
    /// not leave `running` rows behind.
    pub async fn stop(self) {
        // An error only means every task has already ended.
        let _ = self.shutdown.send(true);
        for task in self.tasks {
            if tokio::time::timeout(STOP_GRACE, task).await.is_err() {
                tracing::warn!("a job did not finish within the shutdown grace period");
            }
        }
    }
}

/// Runs `job` every `job.interval` until `stop` turns true.
async fn every(pool: PgPool, job: Job, instance_id: String, mut stop: watch::Receiver<bool>) {
    let mut ticker = tokio::time::interval(job.interval);
    // After a long run, wait a full interval rather than firing the missed ticks in a burst.
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => {}
            _ = stop.changed() => break,
        }
        if *stop.borrow() {
            break;
        }
        // Outcomes are logged by run_job; only a failure of the bookkeeping itself lands here.
        if let Err(err) = run_job(&pool, &job, &instance_id).await {
            tracing::warn!(job = job.name, error = %format!("{err:#}"), "job could not be run");
        }
    }
    tracing::debug!(job = job.name, "job scheduler stopped");
}
