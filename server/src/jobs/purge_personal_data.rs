//! `purge-personal-data`: the retention purge (see `app::privacy::purge`). Daily; the runner's
//! advisory lock keeps it to one instance at a time, and the purge is idempotent and resumable
//! besides. The period is `RETENTION_MONTHS` (default 24), checked at start-up by the config.

use super::{JobContext, JobResult};
use app::privacy::purge::{purge, retention_months};

/// Purges what is older than the retention period at the run's instant.
pub async fn run(ctx: JobContext) -> JobResult {
    let months = retention_months(std::env::var("RETENTION_MONTHS").ok().as_deref()).map_err(anyhow::Error::msg)?;
    let report = purge(&ctx.pool, ctx.now, months).await?;
    tracing::info!(
        months = report.retention_months,
        bookings = report.bookings,
        access_events = report.access_events,
        notifications = report.notifications,
        "personal data purged"
    );
    Ok(serde_json::to_value(report)?)
}
