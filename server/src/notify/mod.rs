//! Notifications: committed outbox events become WhatsApp messages (one `notifications` row
//! each, created once thanks to its idempotency key), which a sender then delivers. Without
//! Twilio settings the sender is the development outbox: the message is marked sent and its
//! text is readable in /admin/mensajes (and by tests).
//!
//! Runs as a background worker in every instance; `FOR UPDATE SKIP LOCKED` lets instances share
//! the work without sending anything twice.

pub mod dispatch;
pub mod templates;

use app::ssr::AppState;
use std::time::Duration;

/// Marks due pending messages as delivered to the development outbox.
pub async fn send_dev_outbox(pool: &sqlx::PgPool) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "update notifications
            set status = 'sent', transport = 'dev_outbox', sent_at = now(), attempts = attempts + 1
          where status = 'pending' and next_attempt_at <= now()",
    )
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Starts the worker: every second, turn new outbox events into messages and send them.
pub fn spawn_worker(state: AppState) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(Duration::from_secs(1));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = dispatch::dispatch_batch(&state).await {
                tracing::warn!(error = %err, "outbox dispatch failed");
            }
            if let Err(err) = send_dev_outbox(&state.pool).await {
                tracing::warn!(error = %err, "development outbox send failed");
            }
        }
    });
}
