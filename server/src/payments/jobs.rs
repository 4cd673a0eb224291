//! The payment jobs, shaped for the scheduler (`async fn(…, now) -> anyhow::Result<Value>`, the
//! JSON being the run's summary). Both are safe to run on several instances at once.
//!
//! * `expire-holds` (every minute): [`expire_holds`].
//! * `retry-refunds` (every five minutes): [`retry_refunds`]; it needs the configured gateway
//!   (`AppState::gateway`, or `payments::gateways(&config, &ring)?.gateway`).

use app::payments::gateway::PaymentGateway;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};
use sqlx::PgPool;

/// Cancels the pending bookings whose payment hold lapsed by `now` (each exactly once).
pub async fn expire_holds(pool: &PgPool, now: DateTime<Utc>) -> anyhow::Result<Value> {
    let expired = app::payments::holds::expire_holds(pool, now).await?;
    if expired > 0 {
        tracing::info!(bookings.expired = expired, "payment holds expired");
    }
    Ok(json!({ "expired": expired }))
}

/// Retries the refunds due at `now` through `gateway`.
pub async fn retry_refunds(pool: &PgPool, gateway: &dyn PaymentGateway, now: DateTime<Utc>) -> anyhow::Result<Value> {
    let report = app::payments::refunds::retry_refunds(pool, gateway, now).await?;
    if report.attempted > 0 {
        tracing::info!(
            refunds.attempted = report.attempted,
            refunds.succeeded = report.succeeded,
            refunds.not_done = report.not_done,
            "refunds retried"
        );
    }
    Ok(serde_json::to_value(report)?)
}
