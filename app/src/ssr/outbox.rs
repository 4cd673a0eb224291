//! The outbox writer: a state change that others must hear about (a WhatsApp message, a live
//! concierge screen) writes an outbox row in its own transaction. Nothing talks to Redis,
//! Twilio or MercadoPago inside a transaction; the relay publishes committed rows afterwards.

use super::ServerResult;
use serde::Serialize;
use sqlx::PgConnection;
use uuid::Uuid;

/// An event to publish after commit.
#[derive(Debug, Clone)]
pub struct OutboxEvent<'a, P: Serialize> {
    /// Dotted event type (`booking.confirmed`, `auth.password_reset_requested`).
    pub event_type: &'a str,
    /// Payload schema version.
    pub version: i32,
    /// What the event is about (`booking`, `user`).
    pub aggregate_type: &'a str,
    /// Its id.
    pub aggregate_id: String,
    /// The building, for per-building fan-out.
    pub building_id: Option<Uuid>,
    /// Ids and facts only: consumers load (and decrypt) what they need.
    pub payload: &'a P,
}

/// Writes `event` on `conn` (the transaction of the change) and returns the outbox id.
pub async fn enqueue<P: Serialize>(conn: &mut PgConnection, event: &OutboxEvent<'_, P>) -> ServerResult<i64> {
    let payload = serde_json::to_value(event.payload).map_err(|e| super::ServerError::unexpected("outbox payload", e))?;
    let id: i64 = sqlx::query_scalar(
        "insert into outbox (event_type, event_version, aggregate_type, aggregate_id, building_id, payload)
         values ($1, $2, $3, $4, $5, $6)
         returning id",
    )
    .bind(event.event_type)
    .bind(event.version)
    .bind(event.aggregate_type)
    .bind(&event.aggregate_id)
    .bind(event.building_id)
    .bind(payload)
    .fetch_one(conn)
    .await?;
    Ok(id)
}
