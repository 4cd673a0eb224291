//! The clock-driven transitions, run by scheduled jobs: no-show after the building's grace,
//! overstay after the end plus its grace, and completion of confirmed bookings whose window
//! ended without check-in where no-show is disabled. Each booking goes through the state
//! machine on its own, rows are claimed with `FOR UPDATE SKIP LOCKED` (two instances never
//! take the same booking) and a rerun finds nothing left to do.

use super::transition;
use crate::domain::booking::BookingEvent;
use crate::ssr::{
    audit::{AuditActor, RequestMeta},
    ServerResult,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Which sweep.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sweep {
    /// Confirmed, never arrived, start + no-show grace passed (buildings with no-show on).
    NoShow,
    /// Checked in, end + overstay grace passed.
    Overstay,
    /// Confirmed, never arrived, window over, building with no-show off.
    Complete,
}

impl Sweep {
    fn event(self) -> BookingEvent {
        match self {
            Sweep::NoShow => BookingEvent::NoShow,
            Sweep::Overstay => BookingEvent::Overstay,
            Sweep::Complete => BookingEvent::Complete,
        }
    }

    fn due_sql(self) -> &'static str {
        match self {
            Sweep::NoShow => {
                "k.status = 'confirmed' and b.no_show_enabled
                 and k.starts_at + make_interval(mins => b.no_show_grace_minutes) <= $1"
            }
            Sweep::Overstay => {
                "k.status = 'checked_in'
                 and k.ends_at + make_interval(mins => b.overstay_grace_minutes) <= $1"
            }
            Sweep::Complete => "k.status = 'confirmed' and not b.no_show_enabled and k.ends_at <= $1",
        }
    }
}

/// Applies `sweep` to every due booking; returns how many changed.
pub async fn run(pool: &PgPool, sweep: Sweep, now: DateTime<Utc>) -> ServerResult<u64> {
    let mut changed = 0;
    loop {
        let mut tx = pool.begin().await?;
        let due: Option<(Uuid, Uuid, Option<String>)> = sqlx::query_as(&format!(
            "select k.id, k.building_id, k.visitor_plate from bookings k join buildings b on b.id = k.building_id
              where {} order by k.starts_at limit 1 for update of k skip locked",
            sweep.due_sql()
        ))
        .bind(now)
        .fetch_optional(&mut *tx)
        .await?;
        let Some((booking_id, building_id, plate)) = due else {
            return Ok(changed);
        };
        transition::apply(
            &mut tx,
            booking_id,
            sweep.event(),
            &AuditActor::System,
            &RequestMeta::default(),
            json!({ "by": "job" }),
        )
        .await?;
        if sweep == Sweep::NoShow {
            sqlx::query(
                "insert into access_events (booking_id, building_id, kind, plate_observed, reason)
                 values ($1, $2, 'no_show', $3, 'Marcado automáticamente al vencer la tolerancia')",
            )
            .bind(booking_id)
            .bind(building_id)
            .bind(plate)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        changed += 1;
    }
}
