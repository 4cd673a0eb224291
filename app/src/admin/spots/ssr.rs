//! SQL of the spots screen, and the block-status rule every inventory change applies (see the
//! module documentation of `admin::spots`).

use super::{ClosureRow, OverlappingBooking, SpotListing, SpotRow};
use crate::admin::scope;
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

mod closures;
pub use closures::{block_blocks, close, lift, reopen_blocks, Closed};

/// The spots and current closures of `building_id`.
pub async fn list(pool: &PgPool, actor: &Actor, building_id: Uuid, now: DateTime<Utc>) -> ServerResult<SpotListing> {
    actor.require_role(&scope::READERS)?;
    actor.require_building(building_id)?;
    let tz = scope::building_zone(pool, building_id).await?;
    let name: String = sqlx::query_scalar("select name from buildings where id = $1")
        .bind(building_id)
        .fetch_one(pool)
        .await?;
    type Spot = (Uuid, String, Option<String>, Option<String>, bool, i64, Option<i16>, Option<i16>);
    let spots: Vec<Spot> = sqlx::query_as(
        "select s.id, s.number, s.label, s.description, s.active,
                (select count(*) from availability_blocks b where b.spot_id = s.id and b.status = 'available' and b.starts_at > $2),
                s.map_x, s.map_y
           from visitor_spots s where s.building_id = $1
          order by s.sort_order, length(s.number), s.number limit 500",
    )
    .bind(building_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    type Closure = (Uuid, Uuid, String, DateTime<Utc>, DateTime<Utc>, String);
    let closures: Vec<Closure> = sqlx::query_as(
        "select c.id, c.spot_id, s.number, lower(c.during), upper(c.during), c.reason
           from spot_closures c join visitor_spots s on s.id = c.spot_id
          where c.building_id = $1 and upper(c.during) > $2
          order by lower(c.during), s.number limit 500",
    )
    .bind(building_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut rows = Vec::with_capacity(closures.len());
    for (id, spot_id, number, from, until, reason) in closures {
        rows.push(ClosureRow {
            id: id.to_string(),
            spot: number,
            range: window_label(from, until, tz),
            reason,
            bookings: overlapping(pool, spot_id, from, until, tz).await?,
        });
    }
    let positions: Vec<Option<(i32, i32)>> =
        spots.iter().map(|s| s.6.zip(s.7).map(|(x, y)| (i32::from(x), i32::from(y)))).collect();
    let plan = layout(&positions);
    Ok(SpotListing {
        building_id: building_id.to_string(),
        building: name,
        spots: spots
            .into_iter()
            .zip(positions.into_iter().zip(plan.centres))
            .map(|((id, number, label, description, active, available, ..), (position, drawn_at))| SpotRow {
                id: id.to_string(),
                number,
                label: label.unwrap_or_default(),
                description: description.unwrap_or_default(),
                active,
                available,
                position,
                drawn_at,
            })
            .collect(),
        closures: rows,
        buildings: scope::buildings(pool, actor).await?,
        can_edit: scope::WRITERS.contains(&actor.role),
        plan_height: plan.height,
    })
}

/// An active booking in the way of a closure.
#[derive(sqlx::FromRow)]
struct OverlapRow {
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
    let rows: Vec<OverlapRow> = sqlx::query_as(concat!(
        "select confirmation_code, starts_at, ends_at, status from bookings
          where spot_id = $1 and during && tstzrange($2, $3, '[)')
            and status in ",
        crate::active_statuses!(),
        "
          order by starts_at limit 100"
    ))
    .bind(spot)
    .bind(from)
    .bind(until)
    .fetch_all(pool)
    .await?;
    Ok(rows
        .into_iter()
        .map(|OverlapRow { confirmation_code: code, starts_at: s, ends_at: e, status }| OverlappingBooking {
            code,
            window: window_label(s, e, tz),
            status: BookingStatus::parse(&status).map(|s| s.label_es().to_string()).unwrap_or(status),
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
    actor.require_role(&scope::WRITERS)?;
    actor.require_building(building_id)?;
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
    let id = match inserted {
        Ok(id) => id,
        Err(e) if is_violation(&e, "visitor_spots_building_number_key") => {
            return Err(AppError::field("number", "Ya existe un estacionamiento con ese número en este edificio.").into());
        }
        Err(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => return Err(AppError::NotFound.into()),
        Err(e) => return Err(e.into()),
    };
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "spot.created",
            entity_type: Some("visitor_spot"),
            entity_id: Some(id.to_string()),
            building_id: Some(building_id),
            metadata: json!({ "number": input.number, "label": input.label }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
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
    match updated {
        Ok(_) => {}
        Err(e) if is_violation(&e, "visitor_spots_map_no_overlap") => {
            return Err(AppError::field(
                "map_x",
                "Ese lugar del plano choca con otro estacionamiento: sepáralos al menos 80 en horizontal o 60 en vertical.",
            )
            .into());
        }
        Err(e) if is_violation(&e, "visitor_spots_map_position_check") => {
            return Err(AppError::field("map_x", "Esa posición queda fuera del plano.").into());
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: if after.is_some() { "spot.placed" } else { "spot.unplaced" },
            entity_type: Some("visitor_spot"),
            entity_id: Some(spot_id.to_string()),
            building_id: Some(building_id),
            metadata: json!({ "number": number, "from": before, "to": after }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(building_id)
}

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
    if was == active {
        let msg = if active { "El estacionamiento ya estaba activo." } else { "El estacionamiento ya estaba desactivado." };
        return Err(AppError::Conflict(msg.into()).into());
    }
    sqlx::query("update visitor_spots set active = $2 where id = $1")
        .bind(spot_id)
        .bind(active)
        .execute(&mut *tx)
        .await?;
    let changed = if active {
        reopen_blocks(&mut tx, Some(spot_id), None, now).await?
    } else {
        block_blocks(&mut tx, Some(spot_id), None, None, now).await?
    };
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: if active { "spot.reactivated" } else { "spot.deactivated" },
            entity_type: Some("visitor_spot"),
            entity_id: Some(spot_id.to_string()),
            building_id: Some(building_id),
            metadata: json!({ "number": number, "blocks_changed": changed }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok((building_id, changed))
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
