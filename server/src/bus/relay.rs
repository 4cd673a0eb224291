//! The outbox relay: committed outbox rows onto the bus, and the redelivery sweep.
//!
//! A batch is claimed with `FOR UPDATE SKIP LOCKED` and leased in a short transaction of its
//! own (so several instances share the work and nothing talks to Redis inside a transaction),
//! then published, then marked relayed. A relay that dies between publishing and marking lets
//! the lease lapse and the rows go out again: the bus is at-least-once and consumers deduplicate
//! on the outbox id.

use super::EventBus;
use app::domain::event::{DomainEvent, Envelope, EVENT_VERSION};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use std::time::Duration;
use uuid::Uuid;

/// How long a claimed batch is reserved for its relay.
const LEASE_SECONDS: i32 = 30;

/// A due outbox row, leased for this relay.
#[derive(sqlx::FromRow)]
struct DueRow {
    id: i64,
    event_type: String,
    event_version: i32,
    building_id: Option<Uuid>,
    payload: serde_json::Value,
    created_at: DateTime<Utc>,
}

/// Relays up to `max` due outbox rows; returns how many went onto the bus.
pub async fn relay_batch(pool: &PgPool, bus: &dyn EventBus, max: i64) -> Result<usize, RelayError> {
    let rows: Vec<DueRow> = sqlx::query_as(
        "update outbox o set next_attempt_at = now() + make_interval(secs => $2), attempts = o.attempts + 1
           from (select id from outbox
                  where relayed_at is null and next_attempt_at <= now()
                  order by id limit $1
                  for update skip locked) due
          where o.id = due.id
          returning o.id, o.event_type, o.event_version, o.building_id, o.payload, o.created_at",
    )
    .bind(max)
    .bind(LEASE_SECONDS)
    .fetch_all(pool)
    .await?;
    let mut rows = rows;
    rows.sort_by_key(|r| r.id);
    let batch: Vec<i64> = rows.iter().map(|r| r.id).collect();

    let mut relayed = Vec::with_capacity(rows.len());
    let mut unreadable = Vec::new();
    let mut failure = None;
    for DueRow { id, event_type, event_version: version, building_id, payload, created_at } in rows {
        let event = match DomainEvent::from_outbox(&event_type, i64::from(version), &payload) {
            Ok(event) => event,
            Err(err) => {
                // A row this build cannot read is a bug, not a transient failure: park it.
                tracing::error!(outbox.id = id, event.type = %event_type, error = %err, "outbox event unreadable; parked");
                unreadable.push((id, err.to_string()));
                continue;
            }
        };
        let envelope = Envelope { v: EVENT_VERSION, id, building_id, occurred_at: created_at.to_rfc3339(), event };
        if let Err(err) = bus.publish(&envelope).await {
            failure = Some(err.to_string());
            break;
        }
        relayed.push(id);
    }

    if !relayed.is_empty() {
        sqlx::query("update outbox set relayed_at = now(), last_error = null where id = any($1)")
            .bind(&relayed)
            .execute(pool)
            .await?;
    }
    for (id, error) in unreadable {
        sqlx::query("update outbox set relayed_at = now(), notified_at = now(), last_error = $2 where id = $1")
            .bind(id)
            .bind(error)
            .execute(pool)
            .await?;
    }
    if let Some(error) = failure {
        // The bus is down: release the unpublished rest of the batch for a quick retry.
        sqlx::query(
            "update outbox set next_attempt_at = now() + interval '1 second', last_error = $2
              where id = any($1) and relayed_at is null",
        )
        .bind(&batch)
        .bind(&error)
        .execute(pool)
        .await?;
        return Err(RelayError::Bus(error));
    }
    Ok(relayed.len())
}

/// Makes outbox events that were relayed more than `after` ago but never handled by the
/// notification consumer due for relaying again (the bus lost them). Returns how many.
pub async fn redeliver_unhandled(pool: &PgPool, after: Duration) -> Result<u64, RelayError> {
    let done = sqlx::query(
        "update outbox set relayed_at = null, next_attempt_at = now()
          where relayed_at is not null and notified_at is null
            and relayed_at < now() - make_interval(secs => $1)",
    )
    .bind(after.as_secs_f64())
    .execute(pool)
    .await?;
    if done.rows_affected() > 0 {
        tracing::warn!(events = done.rows_affected(), "republishing events the bus never delivered");
    }
    Ok(done.rows_affected())
}

/// Why a relay pass stopped.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The bus refused or was unreachable; the rows stay in the outbox.
    #[error("bus: {0}")]
    Bus(String),
}
