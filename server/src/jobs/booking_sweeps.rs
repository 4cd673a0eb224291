//! `booking-no-show`, `booking-overstay`, `booking-complete`: the clock-driven booking
//! transitions (see `app::booking::sweeps`). Every minute; idempotent.

use super::{JobContext, JobResult};
use app::booking::sweeps::{run, Sweep};

/// Confirmed bookings whose visitor never came within the building's grace.
pub async fn no_show(ctx: JobContext) -> JobResult {
    Ok(serde_json::json!({ "no_show": run(&ctx.pool, Sweep::NoShow, ctx.now).await.map_err(into)? }))
}

/// Cars still inside after the end plus the grace.
pub async fn overstay(ctx: JobContext) -> JobResult {
    Ok(serde_json::json!({ "overstay": run(&ctx.pool, Sweep::Overstay, ctx.now).await.map_err(into)? }))
}

/// Confirmed bookings whose window ended unused where no-show is disabled.
pub async fn complete(ctx: JobContext) -> JobResult {
    Ok(serde_json::json!({ "completed": run(&ctx.pool, Sweep::Complete, ctx.now).await.map_err(into)? }))
}

fn into(err: app::ssr::ServerError) -> anyhow::Error {
    anyhow::anyhow!(err)
}
