//! The only way a booking's status changes. Each call locks the booking row, asks the domain
//! state machine whether the event is allowed from the current status, records the timestamp
//! the event implies, frees the block when the new status no longer holds the spot, and writes
//! the audit row and the outbox event — all in the caller's transaction.

use crate::domain::booking::{transition as decide, BookingEvent, BookingStatus};
use crate::error::AppError;
use crate::ssr::{
    audit::{AuditActor, AuditEntry, RequestMeta},
    outbox::{self, OutboxEvent},
    ServerError, ServerResult,
};
use serde_json::{json, Value};
use sqlx::PgConnection;
use uuid::Uuid;

/// What a transition did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Transitioned {
    /// Status before.
    pub from: BookingStatus,
    /// Status after.
    pub to: BookingStatus,
    /// The booking's building.
    pub building_id: Uuid,
}

/// Applies `event` to booking `booking_id` on `conn` (a transaction the caller commits).
/// `cancelled_by` names the user cancelling (for `Cancel`); `details` goes to the audit row and
/// the outbox payload (ids and amounts only).
pub async fn apply(
    conn: &mut PgConnection,
    booking_id: Uuid,
    event: BookingEvent,
    actor: &AuditActor,
    meta: &RequestMeta,
    details: Value,
) -> ServerResult<Transitioned> {
    let row: Option<(String, Uuid, Uuid)> =
        sqlx::query_as("select status, building_id, block_id from bookings where id = $1 for update")
            .bind(booking_id)
            .fetch_optional(&mut *conn)
            .await?;
    let Some((status, building_id, block_id)) = row else {
        return Err(AppError::NotFound.into());
    };
    let from = BookingStatus::parse(&status).map_err(|_| ServerError::invariant(format!("booking status {status}")))?;
    let to = decide(from, event).map_err(|e| AppError::Conflict(e.message()))?;

    let cancelled_by = match actor {
        AuditActor::User { id, .. } if to == BookingStatus::Cancelled => Some(*id),
        _ => None,
    };
    let reason = details.get("reason").and_then(Value::as_str).map(str::to_string);
    sqlx::query(
        "update bookings set
            status = $2,
            payment_status = case when $3 = 'payment_approved' then 'paid' else payment_status end,
            confirmed_at   = case when $3 = 'payment_approved' then now() else confirmed_at end,
            cancelled_at   = case when $2 = 'cancelled' then now() else cancelled_at end,
            cancelled_by   = case when $2 = 'cancelled' then $4 else cancelled_by end,
            cancel_reason  = case when $2 = 'cancelled' then coalesce($5, $3) else cancel_reason end,
            checked_in_at  = case when $3 = 'check_in' then now() else checked_in_at end,
            checked_out_at = case when $3 = 'check_out' then now() else checked_out_at end,
            no_show_at     = case when $3 = 'no_show' then now() else no_show_at end,
            completed_at   = case when $3 = 'complete' then now() else completed_at end
          where id = $1",
    )
    .bind(booking_id)
    .bind(to.as_str())
    .bind(event.as_str())
    .bind(cancelled_by)
    .bind(reason)
    .execute(&mut *conn)
    .await?;

    // A booking that no longer holds the spot gives its block back, if the block is still ahead.
    if from.is_active() && !to.is_active() {
        sqlx::query(
            "update availability_blocks set status = 'available'
              where id = $1 and status = 'reserved' and starts_at > now()",
        )
        .bind(block_id)
        .execute(&mut *conn)
        .await?;
    }

    let action = format!("booking.{}", event.as_str());
    let mut payload = json!({ "booking_id": booking_id, "from": from.as_str(), "to": to.as_str() });
    if let (Some(p), Some(d)) = (payload.as_object_mut(), details.as_object()) {
        for (k, v) in d {
            p.insert(k.clone(), v.clone());
        }
    }
    AuditEntry::new(actor, &action)
        .on("booking", booking_id)
        .building(building_id)
        .with(payload.clone())
        .record(conn, meta)
        .await?;
    outbox::enqueue(
        conn,
        &OutboxEvent {
            event_type: &action,
            version: 1,
            aggregate_type: "booking",
            aggregate_id: booking_id.to_string(),
            building_id: Some(building_id),
            payload: &payload,
        },
    )
    .await?;
    // Counted for `/metrics` when the transition is written; every caller commits right after
    // (a later failure of the same transaction, which would roll it back, is the rare exception).
    match to {
        BookingStatus::Confirmed => metrics::counter!("bookings_confirmed_total").increment(1),
        BookingStatus::Cancelled => metrics::counter!("bookings_cancelled_total").increment(1),
        _ => {}
    }
    Ok(Transitioned { from, to, building_id })
}
