//! SQL of the buildings screens.

use super::{BuildingDetail, BuildingListing, BuildingRow, PAGE_SIZE};
use crate::availability::{self, ssr::insert_templates, GenerationReport};
use crate::domain::inventory::{BuildingSettings, BuildingTerms};
use crate::domain::money::Clp;
use crate::domain::rate::Rate;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{self, AuditEntry, RequestMeta},
    ServerResult,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

mod edit;
mod lifecycle;
pub use edit::{create, update, update_settings};
pub use lifecycle::{delete, generate, set_archived};

/// Only platform admins create, archive, restore and delete buildings and change their terms.
const TERMS_EDITORS: [Role; 1] = [Role::Admin];

/// Buildings in `actor`'s scope, filtered by status (`active`, `archived`, or any) and a name
/// search, one page.
pub async fn list(pool: &PgPool, actor: &Actor, status: Option<&str>, search: &str, page: u32) -> ServerResult<BuildingListing> {
    actor.require_role(&crate::admin::scope::READERS)?;
    let own = if actor.role.is_building_scoped() { Some(actor.building_id.ok_or(AppError::NotFound)?) } else { None };
    let search = search.trim();
    let pattern =
        (!search.is_empty()).then(|| format!("%{}%", search.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let total: i64 = sqlx::query_scalar(
        "select count(*) from buildings
          where ($1::uuid is null or id = $1) and ($2::text is null or status = $2)
            and ($3::text is null or name ilike $3 or coalesce(comuna, '') ilike $3)",
    )
    .bind(own)
    .bind(status)
    .bind(&pattern)
    .fetch_one(pool)
    .await?;
    let total = u32::try_from(total).unwrap_or(u32::MAX);
    let pages = total.div_ceil(PAGE_SIZE).max(1);
    let page = page.clamp(1, pages);
    type Row = (Uuid, String, String, Option<String>, String, i64, i64);
    let rows: Vec<Row> = sqlx::query_as(
        "select b.id, b.name, b.address, b.comuna, b.status,
                (select count(*) from units u where u.building_id = b.id and u.active),
                (select count(*) from visitor_spots s where s.building_id = b.id and s.active)
           from buildings b
          where ($1::uuid is null or b.id = $1) and ($2::text is null or b.status = $2)
            and ($3::text is null or b.name ilike $3 or coalesce(b.comuna, '') ilike $3)
          order by b.name, b.id
          limit $4 offset $5",
    )
    .bind(own)
    .bind(status)
    .bind(&pattern)
    .bind(i64::from(PAGE_SIZE))
    .bind(i64::from(page - 1) * i64::from(PAGE_SIZE))
    .fetch_all(pool)
    .await?;
    Ok(BuildingListing {
        rows: rows
            .into_iter()
            .map(|(id, name, address, comuna, status, units, spots)| BuildingRow {
                id: id.to_string(),
                name,
                address: comuna.map_or(address.clone(), |c| format!("{address}, {c}")),
                archived: status == "archived",
                units,
                spots,
            })
            .collect(),
        total,
        page,
        pages,
        can_create: TERMS_EDITORS.contains(&actor.role),
    })
}

/// Counts of what keeps a building from being deleted: bookings, money rows (payments,
/// payouts, sales-rep commissions) and user accounts.
pub async fn holdings(conn: &mut PgConnection, building_id: Uuid) -> ServerResult<(i64, i64, i64)> {
    let counts: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from bookings where building_id = $1),
                (select count(*) from payments p join bookings k on k.id = p.booking_id where k.building_id = $1)
                  + (select count(*) from payouts where building_id = $1)
                  + (select count(*) from sales_rep_commissions where building_id = $1),
                (select count(*) from users where building_id = $1)",
    )
    .bind(building_id)
    .fetch_one(conn)
    .await?;
    Ok(counts)
}

/// The Spanish explanation of why a building with these holdings cannot be deleted.
pub fn delete_blocker((bookings, money, users): (i64, i64, i64)) -> Option<String> {
    if bookings > 0 || money > 0 {
        let what = match (bookings, money) {
            (1, 0) => "1 reserva registrada".to_string(),
            (n, 0) => format!("{n} reservas registradas"),
            (0, _) => "pagos registrados".to_string(),
            (1, _) => "1 reserva y pagos registrados".to_string(),
            (n, _) => format!("{n} reservas y pagos registrados"),
        };
        return Some(format!("Este edificio tiene {what}; archívalo en su lugar."));
    }
    match users {
        0 => None,
        1 => Some("Este edificio tiene 1 cuenta de usuario (residente o personal); archívalo en su lugar.".into()),
        n => Some(format!("Este edificio tiene {n} cuentas de usuario (residentes o personal); archívalo en su lugar.")),
    }
}

/// One building for its page ("not found" outside `actor`'s scope).
pub async fn detail(pool: &PgPool, actor: &Actor, building_id: Uuid, now: DateTime<Utc>) -> ServerResult<BuildingDetail> {
    actor.require_role(&crate::admin::scope::READERS)?;
    actor.require_building(building_id)?;
    type Row = (String, String, Option<String>, String, i32, i64, String, i32, i32, i32, bool, i32, i32, i32);
    let row: Option<Row> = sqlx::query_as(
        "select name, address, comuna, time_zone, commission_rate_bp, monthly_fee_clp, status,
                booking_horizon_days, max_active_bookings_per_resident, hold_minutes, no_show_enabled,
                no_show_grace_minutes, overstay_grace_minutes, check_in_early_minutes
           from buildings where id = $1",
    )
    .bind(building_id)
    .fetch_optional(pool)
    .await?;
    let Some((
        name,
        address,
        comuna,
        time_zone,
        bp,
        fee,
        status,
        horizon,
        max_active,
        hold,
        no_show,
        no_show_grace,
        overstay_grace,
        check_in_early,
    )) = row
    else {
        return Err(AppError::NotFound.into());
    };
    let (units, spots, templates, future_available): (i64, i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from units where building_id = $1 and active),
                (select count(*) from visitor_spots where building_id = $1 and active),
                (select count(*) from block_templates where building_id = $1 and active),
                (select count(*) from availability_blocks where building_id = $1 and status = 'available' and starts_at > $2)",
    )
    .bind(building_id)
    .bind(now)
    .fetch_one(pool)
    .await?;
    let mut conn = pool.acquire().await?;
    let blocker = delete_blocker(holdings(&mut conn, building_id).await?);
    let rate = u32::try_from(bp).ok().and_then(|bp| Rate::from_basis_points(bp).ok()).unwrap_or_default();
    let writer = crate::admin::scope::WRITERS.contains(&actor.role);
    Ok(BuildingDetail {
        id: building_id.to_string(),
        name,
        address,
        comuna: comuna.unwrap_or_default(),
        time_zone,
        commission: rate.decimal(),
        monthly_fee: fee.to_string(),
        monthly_fee_text: Clp::new(fee).to_string(),
        horizon,
        max_active,
        hold,
        no_show,
        no_show_grace,
        overstay_grace,
        check_in_early,
        archived: status == "archived",
        units,
        spots,
        templates,
        future_available,
        delete_blocker: blocker,
        can_edit_terms: TERMS_EDITORS.contains(&actor.role),
        can_edit_settings: writer,
    })
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
