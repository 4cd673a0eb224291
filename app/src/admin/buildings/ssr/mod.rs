//! SQL of the buildings screens.

use super::{BuildingDetail, BuildingListing, BuildingRow};
use crate::availability::{self, ssr::insert_templates, GenerationReport};
use crate::domain::inventory::{BuildingSettings, BuildingTerms};
use crate::domain::money::Clp;
use crate::domain::rate::Rate;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    db::like_contains,
    ServerResult,
};
use crate::ui::pager::{self, Page};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

mod lifecycle;

pub use lifecycle::{delete, delete_blocker, holdings, set_archived};

/// Only platform admins create, archive, restore and delete buildings and change their terms.
const TERMS_EDITORS: [Role; 1] = [Role::Admin];

/// A building as the list shows it, with its active units and spots counted.
#[derive(Debug, sqlx::FromRow)]
struct ListedBuilding {
    id: Uuid,
    name: String,
    address: String,
    comuna: Option<String>,
    status: String,
    units: i64,
    spots: i64,
}

/// Buildings in `actor`'s scope, filtered by status (`active`, `archived`, or any) and a name
/// search, one page.
pub async fn list(pool: &PgPool, actor: &Actor, status: Option<&str>, search: &str, page: u32) -> ServerResult<BuildingListing> {
    actor.require_role(&crate::admin::scope::READERS)?;
    let own = if actor.role.is_building_scoped() { Some(actor.building_id.ok_or(AppError::NotFound)?) } else { None };
    let search = search.trim();
    let pattern = (!search.is_empty()).then(|| like_contains(search));
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
    let total = pager::total(total);
    let page = Page::new(page).within(total);
    let rows: Vec<ListedBuilding> = sqlx::query_as(
        "select b.id, b.name, b.address, b.comuna, b.status,
                (select count(*) from units u where u.building_id = b.id and u.active) as units,
                (select count(*) from visitor_spots s where s.building_id = b.id and s.active) as spots
           from buildings b
          where ($1::uuid is null or b.id = $1) and ($2::text is null or b.status = $2)
            and ($3::text is null or b.name ilike $3 or coalesce(b.comuna, '') ilike $3)
          order by b.name, b.id
          limit $4 offset $5",
    )
    .bind(own)
    .bind(status)
    .bind(&pattern)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    Ok(BuildingListing {
        rows: rows
            .into_iter()
            .map(|b| BuildingRow {
                id: b.id.to_string(),
                address: b.comuna.map_or(b.address.clone(), |c| format!("{}, {c}", b.address)),
                name: b.name,
                archived: b.status == "archived",
                units: b.units,
                spots: b.spots,
            })
            .collect(),
        total,
        page: page.number(),
        pages: page.pages(total),
        can_create: TERMS_EDITORS.contains(&actor.role),
    })
}

/// A building's row as its page shows it.
#[derive(sqlx::FromRow)]
struct BuildingRecord {
    name: String,
    address: String,
    comuna: Option<String>,
    time_zone: String,
    commission_rate_bp: Rate,
    monthly_fee_clp: Clp,
    status: String,
    booking_horizon_days: i32,
    max_active_bookings_per_resident: i32,
    hold_minutes: i32,
    no_show_enabled: bool,
    no_show_grace_minutes: i32,
    overstay_grace_minutes: i32,
    check_in_early_minutes: i32,
}

/// What a building holds, as its page counts it.
#[derive(sqlx::FromRow)]
struct HoldingCounts {
    units: i64,
    spots: i64,
    templates: i64,
    future_available: i64,
}

/// One building for its page ("not found" outside `actor`'s scope).
pub async fn detail(pool: &PgPool, actor: &Actor, building_id: Uuid, now: DateTime<Utc>) -> ServerResult<BuildingDetail> {
    actor.require_role(&crate::admin::scope::READERS)?;
    actor.require_building(building_id)?;
    let Some(b) = sqlx::query_as::<_, BuildingRecord>(
        "select name, address, comuna, time_zone, commission_rate_bp, monthly_fee_clp, status,
                booking_horizon_days, max_active_bookings_per_resident, hold_minutes, no_show_enabled,
                no_show_grace_minutes, overstay_grace_minutes, check_in_early_minutes
           from buildings where id = $1",
    )
    .bind(building_id)
    .fetch_optional(pool)
    .await?
    else {
        return Err(AppError::NotFound.into());
    };
    let counts: HoldingCounts = sqlx::query_as(
        "select (select count(*) from units where building_id = $1 and active) as units,
                (select count(*) from visitor_spots where building_id = $1 and active) as spots,
                (select count(*) from block_templates where building_id = $1 and active) as templates,
                (select count(*) from availability_blocks where building_id = $1 and status = 'available' and starts_at > $2)
                  as future_available",
    )
    .bind(building_id)
    .bind(now)
    .fetch_one(pool)
    .await?;
    let mut conn = pool.acquire().await?;
    let blocker = delete_blocker(holdings(&mut conn, building_id).await?);
    let writer = crate::admin::scope::WRITERS.contains(&actor.role);
    Ok(BuildingDetail {
        id: building_id.to_string(),
        name: b.name,
        address: b.address,
        comuna: b.comuna.unwrap_or_default(),
        time_zone: b.time_zone,
        commission: b.commission_rate_bp.decimal(),
        monthly_fee: b.monthly_fee_clp.pesos().to_string(),
        monthly_fee_text: b.monthly_fee_clp.to_string(),
        horizon: b.booking_horizon_days,
        max_active: b.max_active_bookings_per_resident,
        hold: b.hold_minutes,
        no_show: b.no_show_enabled,
        no_show_grace: b.no_show_grace_minutes,
        overstay_grace: b.overstay_grace_minutes,
        check_in_early: b.check_in_early_minutes,
        archived: b.status == "archived",
        units: counts.units,
        spots: counts.spots,
        templates: counts.templates,
        future_available: counts.future_available,
        delete_blocker: blocker,
        can_edit_terms: TERMS_EDITORS.contains(&actor.role),
        can_edit_settings: writer,
    })
}

/// The audit metadata of a building's terms and settings (no PII: a building's own data).
fn snapshot(terms: Option<&BuildingTerms>, s: &BuildingSettings) -> serde_json::Value {
    let mut v = json!({
        "booking_horizon_days": s.booking_horizon_days,
        "max_active_bookings_per_resident": s.max_active_bookings,
        "hold_minutes": s.hold_minutes,
        "no_show_enabled": s.no_show_enabled,
        "no_show_grace_minutes": s.no_show_grace_minutes,
        "overstay_grace_minutes": s.overstay_grace_minutes,
        "check_in_early_minutes": s.check_in_early_minutes,
    });
    if let (Some(t), Some(obj)) = (terms, v.as_object_mut()) {
        obj.insert("name".into(), json!(t.name));
        obj.insert("time_zone".into(), json!(t.time_zone));
        obj.insert("commission_rate_bp".into(), json!(t.commission.basis_points()));
        obj.insert("monthly_fee_clp".into(), json!(t.monthly_fee.pesos()));
    }
    v
}

/// Writes every term and setting of building `id`; false when there is no such building.
async fn write(
    conn: &mut sqlx::PgConnection,
    id: Uuid,
    terms: &BuildingTerms,
    settings: &BuildingSettings,
) -> ServerResult<bool> {
    let done = sqlx::query(
        "update buildings set name = $2, address = $3, comuna = $4, time_zone = $5, commission_rate_bp = $6,
                monthly_fee_clp = $7
          where id = $1",
    )
    .bind(id)
    .bind(&terms.name)
    .bind(&terms.address)
    .bind(&terms.comuna)
    .bind(terms.time_zone)
    .bind(terms.commission)
    .bind(terms.monthly_fee.pesos())
    .execute(&mut *conn)
    .await?;
    Ok(done.rows_affected() == 1 && write_settings(conn, id, settings).await?)
}

/// Writes the settings of building `id`; false when there is no such building.
async fn write_settings(conn: &mut sqlx::PgConnection, id: Uuid, settings: &BuildingSettings) -> ServerResult<bool> {
    let done = sqlx::query(
        "update buildings set booking_horizon_days = $2, max_active_bookings_per_resident = $3,
                hold_minutes = $4, no_show_enabled = $5, no_show_grace_minutes = $6,
                overstay_grace_minutes = $7, check_in_early_minutes = $8
          where id = $1",
    )
    .bind(id)
    .bind(settings.booking_horizon_days)
    .bind(settings.max_active_bookings)
    .bind(settings.hold_minutes)
    .bind(settings.no_show_enabled)
    .bind(settings.no_show_grace_minutes)
    .bind(settings.overstay_grace_minutes)
    .bind(settings.check_in_early_minutes)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Creates a building with its terms, settings and the standard block templates (*Día*,
/// *Noche*, and *Día completo* when `full_day`). Admins only.
pub async fn create(
    pool: &PgPool,
    actor: &Actor,
    terms: &BuildingTerms,
    settings: &BuildingSettings,
    full_day: bool,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    actor.require_role(&TERMS_EDITORS)?;
    let mut tx = pool.begin().await?;
    // The row starts with the database's defaults; `write` then sets every term and setting,
    // the same statement an edit runs.
    let id: Uuid = sqlx::query_scalar("insert into buildings (name, address) values ($1, $2) returning id")
        .bind(&terms.name)
        .bind(&terms.address)
        .fetch_one(&mut *tx)
        .await?;
    write(&mut tx, id, terms, settings).await?;
    let templates: Vec<_> = availability::standard_templates()
        .into_iter()
        .filter(|(t, _)| full_day || t.name != "Día completo")
        .collect();
    insert_templates(&mut tx, id, &templates).await?;
    let mut metadata = snapshot(Some(terms), settings);
    if let Some(obj) = metadata.as_object_mut() {
        obj.insert("templates".into(), json!(templates.iter().map(|(t, _)| t.name.clone()).collect::<Vec<_>>()));
    }
    AuditEntry::new(&actor.audit(), "building.created")
        .on_building(id)
        .with(metadata)
        .commit(tx, meta)
        .await?;
    Ok(id)
}

/// Changes a building's terms and settings. Admins only.
pub async fn update(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    terms: &BuildingTerms,
    settings: &BuildingSettings,
    meta: &RequestMeta,
) -> ServerResult<()> {
    actor.require_role(&TERMS_EDITORS)?;
    let mut tx = pool.begin().await?;
    let done = write(&mut tx, building_id, terms, settings).await?;
    if !done {
        return Err(AppError::NotFound.into());
    }
    AuditEntry::new(&actor.audit(), "building.updated")
        .on_building(building_id)
        .with(snapshot(Some(terms), settings))
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// Changes only a building's settings: admins, and the building admin of that building.
pub async fn update_settings(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    settings: &BuildingSettings,
    meta: &RequestMeta,
) -> ServerResult<()> {
    crate::admin::scope::require_writer_of(actor, building_id)?;
    let mut tx = pool.begin().await?;
    if !write_settings(&mut tx, building_id, settings).await? {
        return Err(AppError::NotFound.into());
    }
    AuditEntry::new(&actor.audit(), "building.settings_updated")
        .on_building(building_id)
        .with(snapshot(None, settings))
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// Runs the availability generator for one building now (idempotent) and audits how many
/// blocks it created. Admins and that building's admin; an archived building is a conflict.
pub async fn generate(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServerResult<GenerationReport> {
    crate::admin::scope::require_writer_of(actor, building_id)?;
    let status: Option<String> = sqlx::query_scalar("select status from buildings where id = $1")
        .bind(building_id)
        .fetch_optional(pool)
        .await?;
    match status.as_deref() {
        None => return Err(AppError::NotFound.into()),
        Some("archived") => {
            return Err(AppError::Conflict("El edificio está archivado: no se generan bloques nuevos.".into()).into())
        }
        _ => {}
    }
    // The generator is one idempotent insert per building and needs no transaction of its own;
    // the audit row follows it (a crash in between loses only the note, never blocks).
    let report = availability::ssr::generate_blocks_for(pool, now, Some(building_id)).await?;
    let mut conn = pool.acquire().await?;
    AuditEntry::new(&actor.audit(), "availability.generated")
        .on_building(building_id)
        .with(json!({ "created": report.created, "created_blocked": report.created_blocked, "skipped_existing": report.skipped_existing }))
        .record(&mut conn, meta)
        .await?;
    Ok(report)
}

#[cfg(test)]
mod tests;
