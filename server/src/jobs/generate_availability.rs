//! `generate-availability`: materialises the next days' availability blocks of every active
//! building (see `app::availability::ssr::generate_blocks`). Hourly, so a new day's blocks
//! appear soon after local midnight in every time zone and a new spot or template is bookable
//! within the hour; reruns create nothing.

use super::{JobContext, JobResult};

/// Runs the generator at the run's instant.
pub async fn run(ctx: JobContext) -> JobResult {
    let report = app::availability::ssr::generate_blocks(&ctx.pool, ctx.now).await?;
    tracing::info!(
        blocks.created = report.created,
        blocks.skipped_existing = report.skipped_existing,
        buildings = report.buildings,
        "availability generated"
    );
    Ok(serde_json::to_value(report)?)
}
