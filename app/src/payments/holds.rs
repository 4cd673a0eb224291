//! Unpaid holds lapse: a pending booking past `hold_expires_at` is cancelled (event
//! `hold_expired`) and its block freed. Run by the scheduler as the `expire-holds` job.

use crate::booking::transition;
use crate::domain::booking::BookingEvent;
use crate::ssr::{
    audit::{AuditActor, RequestMeta},
    ServerResult,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Cancels every pending booking whose hold lapsed at or before `now`, one transaction per
/// booking, and returns how many it cancelled.
///
/// Each booking is taken with `for update skip locked`, so several instances running this at
/// once split the work and each booking expires exactly once; a booking whose row a payment
/// webhook holds is skipped, and the webhook's outcome stands (a confirmed booking is no longer
/// pending when the lock is released). Checkout attempts that were never paid are closed too.
pub async fn expire_holds(pool: &PgPool, now: DateTime<Utc>) -> ServerResult<u64> {
    let mut expired = 0;
    loop {
        let mut tx = pool.begin().await?;
        let due: Option<Uuid> = sqlx::query_scalar(
            "select id from bookings
              where status = 'pending' and hold_expires_at <= $1
              order by hold_expires_at, id
              limit 1
              for update skip locked",
        )
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some(booking_id) = due else {
            return Ok(expired);
        };
        transition::apply(
            &mut tx,
            booking_id,
            BookingEvent::HoldExpired,
            &AuditActor::System,
            &RequestMeta::default(),
            json!({}),
        )
        .await?;
        sqlx::query(
            "update payments set status = 'cancelled'
              where booking_id = $1 and status = 'pending' and provider_payment_id is null",
        )
        .bind(booking_id)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        expired += 1;
    }
}
