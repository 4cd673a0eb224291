//! SQL of the spots screen, and the block-status rule every inventory change applies (see the
//! module documentation of `admin::spots`).

use super::{ClosureRow, OverlappingBooking, SpotListing, SpotRow};
use crate::admin::scope;
use crate::admin::switch::{Switch, Switchable};
use crate::domain::booking::BookingStatus;
use crate::domain::format::window_label;
use crate::domain::inventory::{ClosureInput, SpotInput};
use crate::domain::plan::{layout, Position};
use crate::domain::schedule::resolve_local;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    db::{constraint_error, insert_error, ConstraintField},
    ServerError, ServerResult,
};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::postgres::types::PgRange;
use sqlx::{PgConnection, PgPool};
use std::ops::Bound;
use uuid::Uuid;

/// What a violated constraint of `visitor_spots` means on its forms.
const CONSTRAINTS: [ConstraintField; 3] = [
    ("visitor_spots_building_number_key", "number", "Ya existe un estacionamiento con ese número en este edificio."),
    (
        "visitor_spots_map_no_overlap",
        "map_x",
        "Ese lugar del plano choca con otro estacionamiento: sepáralos al menos 80 en horizontal o 60 en vertical.",
    ),
    ("visitor_spots_map_position_check", "map_x", "Esa posición queda fuera del plano."),
];

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

/// One spot of the spots screen, with its future available blocks and its place on the plan.
#[derive(sqlx::FromRow)]
struct ListedSpot {
    id: Uuid,
    number: String,
    label: Option<String>,
    description: Option<String>,
    active: bool,
    available: i64,
    map_x: Option<i16>,
    map_y: Option<i16>,
}

/// A closure that has not ended yet, with its spot's number.
#[derive(sqlx::FromRow)]
struct CurrentClosure {
    id: Uuid,
    spot_id: Uuid,
    number: String,
    closed_from: DateTime<Utc>,
    closed_until: DateTime<Utc>,
    reason: String,
}

/// The spots and current closures of `building_id`.
pub async fn list(pool: &PgPool, actor: &Actor, building_id: Uuid, now: DateTime<Utc>) -> ServerResult<SpotListing> {
    actor.require_role(&scope::READERS)?;
    actor.require_building(building_id)?;
    let tz = scope::building_zone(pool, building_id).await?;
    let screen = scope::building_screen(pool, actor, building_id).await?;
    let spots: Vec<ListedSpot> = sqlx::query_as(
        "select s.id, s.number, s.label, s.description, s.active,
                (select count(*) from availability_blocks b where b.spot_id = s.id and b.status = 'available' and b.starts_at > $2)
                  as available,
                s.map_x, s.map_y
           from visitor_spots s where s.building_id = $1
          order by s.sort_order, length(s.number), s.number limit 500",
    )
    .bind(building_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let closures: Vec<CurrentClosure> = sqlx::query_as(
        "select c.id, c.spot_id, s.number, lower(c.during) as closed_from, upper(c.during) as closed_until, c.reason
           from spot_closures c join visitor_spots s on s.id = c.spot_id
          where c.building_id = $1 and upper(c.during) > $2
          order by lower(c.during), s.number limit 500",
    )
    .bind(building_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut rows = Vec::with_capacity(closures.len());
    for c in closures {
        rows.push(ClosureRow {
            id: c.id.to_string(),
            spot: c.number,
            range: window_label(c.closed_from, c.closed_until, tz),
            reason: c.reason,
            bookings: overlapping(pool, c.spot_id, c.closed_from, c.closed_until, tz).await?,
        });
    }
    let positions: Vec<Option<(i32, i32)>> =
        spots.iter().map(|s| s.map_x.zip(s.map_y).map(|(x, y)| (i32::from(x), i32::from(y)))).collect();
    let plan = layout(&positions);
    Ok(SpotListing {
        screen,
        spots: spots
            .into_iter()
            .zip(positions.into_iter().zip(plan.centres))
            .map(|(s, (position, drawn_at))| SpotRow {
                id: s.id.to_string(),
                number: s.number,
                label: s.label.unwrap_or_default(),
                description: s.description.unwrap_or_default(),
                active: s.active,
                available: s.available,
                position,
                drawn_at,
            })
            .collect(),
        closures: rows,
        plan_height: plan.height,
    })
}

/// An active booking overlapping a closure's range.
#[derive(sqlx::FromRow)]
struct BookingInRange {
    confirmation_code: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    status: String,
}

/// Active bookings of `spot` overlapping `[from, until)`.
pub async fn overlapping(
    pool: &PgPool,
    spot: Uuid,
    from: DateTime<Utc>,
    until: DateTime<Utc>,
    tz: Tz,
) -> ServerResult<Vec<OverlappingBooking>> {
    let rows: Vec<BookingInRange> = sqlx::query_as(concat!(
        "select confirmation_code, starts_at, ends_at, status from bookings
          where spot_id = $1 and during && tstzrange($2, $3, '[)')
            and status in ",
        crate::active_statuses!(),
        "
          order by starts_at limit 100",
    ))
    .bind(spot)
    .bind(from)
    .bind(until)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| OverlappingBooking {
            code: r.confirmation_code,
            window: window_label(r.starts_at, r.ends_at, tz),
            status: BookingStatus::parse(&r.status).map(|s| s.label_es().to_string()).unwrap_or(r.status),
        })
        .collect())
}

/// Creates a spot of `building_id`; a number already used there is a field error.
pub async fn create(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    input: &SpotInput,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    scope::require_writer_of(actor, building_id)?;
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query_scalar::<_, Uuid>(
        "insert into visitor_spots (building_id, number, label, description, sort_order)
         select $1, $2, $3, $4, coalesce(max(sort_order) + 1, 0) from visitor_spots where building_id = $1
         returning id",
    )
    .bind(building_id)
    .bind(&input.number)
    .bind(&input.label)
    .bind(&input.description)
    .fetch_one(&mut *tx)
    .await;
    let id = inserted.map_err(|e| insert_error(e, &CONSTRAINTS))?;
    AuditEntry::new(&actor.audit(), "spot.created")
        .on("visitor_spot", id)
        .building(building_id)
        .with(json!({ "number": input.number, "label": input.label }))
        .commit(tx, meta)
        .await?;
    Ok(id)
}

/// Locks a spot and checks scope; returns its building and number.
async fn lock_spot(conn: &mut PgConnection, actor: &Actor, spot_id: Uuid) -> ServerResult<(Uuid, String, bool)> {
    let row: Option<(Uuid, String, bool)> =
        sqlx::query_as("select building_id, number, active from visitor_spots where id = $1 for update")
            .bind(spot_id)
            .fetch_optional(conn)
            .await?;
    let row = row.ok_or(AppError::NotFound)?;
    actor.require_building(row.0)?;
    Ok(row)
}

/// Places a spot on its building's plan (`Some`) or takes it off (`None`: the layout draws it in
/// a free cell). A box overlapping another spot's is a field error (the database's exclusion
/// constraint decides, so two admins placing spots at once cannot both win). Audited when the
/// position changes. Returns the spot's building.
pub async fn place(
    pool: &PgPool,
    actor: &Actor,
    spot_id: Uuid,
    position: Option<Position>,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let (building_id, number, _) = lock_spot(&mut tx, actor, spot_id).await?;
    let before: (Option<i16>, Option<i16>) = sqlx::query_as("select map_x, map_y from visitor_spots where id = $1")
        .bind(spot_id)
        .fetch_one(&mut *tx)
        .await?;
    let before = before.0.zip(before.1).map(|(x, y)| (i32::from(x), i32::from(y)));
    let after = position.map(|p| (p.x, p.y));
    if before == after {
        return Ok(building_id);
    }
    let updated = sqlx::query("update visitor_spots set map_x = $2, map_y = $3 where id = $1")
        .bind(spot_id)
        .bind(after.map(|p| p.0))
        .bind(after.map(|p| p.1))
        .execute(&mut *tx)
        .await;
    updated.map_err(|e| constraint_error(e, &CONSTRAINTS))?;
    AuditEntry::new(&actor.audit(), if after.is_some() { "spot.placed" } else { "spot.unplaced" })
        .on("visitor_spot", spot_id)
        .building(building_id)
        .with(json!({ "number": number, "from": before, "to": after }))
        .commit(tx, meta)
        .await?;
    Ok(building_id)
}

/// Visitor spots, as they are switched off and on.
const SPOTS: Switchable = Switchable {
    table: "visitor_spots",
    entity: "visitor_spot",
    action: "spot",
    already_on: "El estacionamiento ya estaba activo.",
    already_off: "El estacionamiento ya estaba desactivado.",
};

/// Deactivates (`false`) or reactivates a spot. Deactivating blocks its future available
/// blocks (the generator makes no new ones); reactivating reopens those the rule allows.
/// Returns the building and how many blocks changed.
pub async fn set_active(
    pool: &PgPool,
    actor: &Actor,
    spot_id: Uuid,
    active: bool,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServerResult<(Uuid, u64)> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let (building_id, number, was) = lock_spot(&mut tx, actor, spot_id).await?;
    let switch = Switch { what: &SPOTS, id: spot_id, building_id, active };
    switch.set(&mut tx, was).await?;
    let changed = if active {
        reopen_blocks(&mut tx, Some(spot_id), None, now).await?
    } else {
        block_blocks(&mut tx, Some(spot_id), None, None, now).await?
    };
    switch.commit(tx, actor, json!({ "number": number, "blocks_changed": changed }), meta).await?;
    Ok((building_id, changed))
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
        crate::active_statuses!(),
    ))
    .bind(spot_id)
    .bind(during)
    .fetch_one(&mut *tx)
    .await?;
    let bookings = u64::try_from(bookings).unwrap_or(0);
    AuditEntry::new(&actor.audit(), "spot.closed")
        .on("spot_closure", closure_id)
        .building(building_id)
        .with(json!({ "spot": number, "from": from, "until": until, "reason": input.reason, "blocks_blocked": blocked, "overlapping_bookings": bookings }))
        .commit(tx, meta)
        .await?;
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
    AuditEntry::new(&actor.audit(), "spot.closure_lifted")
        .on("spot_closure", closure_id)
        .building(building_id)
        .with(json!({ "reason": reason, "blocks_reopened": reopened }))
        .commit(tx, meta)
        .await?;
    Ok((building_id, reopened))
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
