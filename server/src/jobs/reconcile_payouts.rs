//! `reconcile-payouts`: settles each building's recent local days into payouts and the sales
//! rep's commissions (see `app::admin::payouts::ssr::reconcile`). Hourly, so a day is settled
//! within the hour after it ends in every time zone; the runner's advisory lock keeps it to one
//! instance at a time, and the reconciliation is idempotent besides.

use super::{JobContext, JobResult};
use app::admin::payouts::{ssr::reconcile, LOOKBACK_DAYS};

/// Reconciles the last days at the run's instant.
pub async fn run(ctx: JobContext) -> JobResult {
    let report = reconcile(&ctx.pool, ctx.now, LOOKBACK_DAYS).await?;
    tracing::info!(
        buildings = report.buildings,
        days = report.days,
        payouts.written = report.payouts_written,
        commissions.written = report.commissions_written,
        "payouts reconciled"
    );
    Ok(serde_json::to_value(report)?)
}
