//! Maintenance closures of a spot: closing a range (its free blocks blocked, overlapping bookings
//! listed) and lifting it (blocks reopened).

use super::{create, list, lock_spot, overlapping, place, set_active};
use crate::admin::scope;
use crate::admin::spots::{ClosureRow, OverlappingBooking, SpotListing, SpotRow};
use crate::domain::booking::BookingStatus;
use crate::domain::format::window_label;
use crate::domain::inventory::{ClosureInput, SpotInput};
use crate::domain::plan::{layout, Position};
use crate::domain::schedule::resolve_local;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{self, AuditEntry, RequestMeta},
    db::is_violation,
    ServerError, ServerResult,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::postgres::types::PgRange;
use sqlx::{PgConnection, PgPool};
use std::ops::Bound;
use uuid::Uuid;

/// Turns back to `available` the blocked future blocks of `spot` (or of `template`) that the
/// rule allows again: active spot, active (or no) template, no overlapping closure. Returns how
/// many changed.
pub async fn reopen_blocks(
    conn: &mut PgConnection,
    spot: Option<Uuid>,
    template: Option<Uuid>,
    now: DateTime<Utc>,
) -> ServerResult<u64> {
    let done = sqlx::query(
        "update availability_blocks b set status = 'available'
          where b.status = 'blocked' and b.starts_at > $3
            and ($1::uuid is null or b.spot_id = $1)
            and ($2::uuid is null or b.template_id = $2)
            and exists (select 1 from visitor_spots s where s.id = b.spot_id and s.active)
            and (b.template_id is null or exists (select 1 from block_templates t where t.id = b.template_id and t.active))
            and not exists (select 1 from spot_closures c where c.spot_id = b.spot_id and c.during && b.during)",
    )
    .bind(spot)
    .bind(template)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// Turns the available future blocks of `spot` (or of `template`), optionally only those
/// overlapping `during`, into `blocked`. Returns how many changed.
pub async fn block_blocks(
    conn: &mut PgConnection,
    spot: Option<Uuid>,
    template: Option<Uuid>,
    during: Option<&PgRange<DateTime<Utc>>>,
    now: DateTime<Utc>,
) -> ServerResult<u64> {
    let done = sqlx::query(
        "update availability_blocks set status = 'blocked'
          where status = 'available' and starts_at > $4
            and ($1::uuid is null or spot_id = $1)
            and ($2::uuid is null or template_id = $2)
            and ($3::tstzrange is null or during && $3)",
    )
    .bind(spot)
    .bind(template)
    .bind(during)
    .bind(now)
    .execute(conn)
    .await?;
    Ok(done.rows_affected())
}

/// What closing a range did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    /// The closure.
    pub closure_id: Uuid,
    /// The spot's building.
    pub building_id: Uuid,
    /// Future available blocks now blocked.
    pub blocked: u64,
    /// Active bookings overlapping the range (left as they are).
    pub bookings: u64,
}

/// Closes a spot for maintenance over a local range: records the closure and blocks the
/// overlapping future available blocks, in one transaction. Bookings in the range stay.
pub async fn close(
    pool: &PgPool,
    actor: &Actor,
    spot_id: Uuid,
    input: &ClosureInput,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServerResult<Closed> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let (building_id, number, _) = lock_spot(&mut tx, actor, spot_id).await?;
    let zone: String = sqlx::query_scalar("select time_zone from buildings where id = $1")
        .bind(building_id)
        .fetch_one(&mut *tx)
        .await?;
    let tz: Tz = zone.parse().map_err(|_| ServerError::invariant(format!("time zone {zone}")))?;
    let (Some(from), Some(until)) = (resolve_local(tz, input.from), resolve_local(tz, input.until)) else {
        return Err(AppError::field("desde", "Esa fecha está fuera del rango permitido.").into());
    };
    if until <= from {
        return Err(AppError::field("hasta", "El término debe ser posterior al inicio.").into());
    }
    if until <= now {
        return Err(AppError::field("hasta", "El cierre ya habría terminado: elige un término futuro.").into());
    }
    let during = PgRange { start: Bound::Included(from), end: Bound::Excluded(until) };
    let closure_id: Uuid = sqlx::query_scalar(
        "insert into spot_closures (spot_id, building_id, during, reason, created_by) values ($1, $2, $3, $4, $5) returning id",
    )
    .bind(spot_id)
    .bind(building_id)
    .bind(during)
    .bind(&input.reason)
    .bind(actor.id)
    .fetch_one(&mut *tx)
    .await?;
    let blocked = block_blocks(&mut tx, Some(spot_id), None, Some(&during), now).await?;
    let bookings: i64 = sqlx::query_scalar(concat!(
        "select count(*) from bookings where spot_id = $1 and during && $2 and status in ",
        crate::active_statuses!()
    ))
    .bind(spot_id)
    .bind(during)
    .fetch_one(&mut *tx)
    .await?;
    let bookings = u64::try_from(bookings).unwrap_or(0);
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "spot.closed",
            entity_type: Some("spot_closure"),
            entity_id: Some(closure_id.to_string()),
            building_id: Some(building_id),
            metadata: json!({ "spot": number, "from": from, "until": until, "reason": input.reason, "blocks_blocked": blocked, "overlapping_bookings": bookings }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(Closed { closure_id, building_id, blocked, bookings })
}

/// Lifts a closure: deletes it and reopens its blocked future blocks that no other closure
/// (and no inactive spot or template) keeps blocked. Returns the building and how many
/// blocks reopened.
pub async fn lift(
    pool: &PgPool,
    actor: &Actor,
    closure_id: Uuid,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServerResult<(Uuid, u64)> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, Uuid, String)> =
        sqlx::query_as("select spot_id, building_id, reason from spot_closures where id = $1 for update")
            .bind(closure_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (spot_id, building_id, reason) = row.ok_or(AppError::NotFound)?;
    actor.require_building(building_id)?;
    // Lock the spot too, so a closure created concurrently on it is seen by the reopen below.
    lock_spot(&mut tx, actor, spot_id).await?;
    sqlx::query("delete from spot_closures where id = $1").bind(closure_id).execute(&mut *tx).await?;
    let reopened = reopen_blocks(&mut tx, Some(spot_id), None, now).await?;
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "spot.closure_lifted",
            entity_type: Some("spot_closure"),
            entity_id: Some(closure_id.to_string()),
            building_id: Some(building_id),
            metadata: json!({ "reason": reason, "blocks_reopened": reopened }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok((building_id, reopened))
}
