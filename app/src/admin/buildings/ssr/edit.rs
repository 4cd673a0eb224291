//! Creating a building and editing its terms and settings (each write audited with a snapshot).

use super::{delete_blocker, detail, holdings, list, TERMS_EDITORS};
use crate::admin::buildings::{BuildingDetail, BuildingListing, BuildingRow, PAGE_SIZE};
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
                monthly_fee_clp = $7, booking_horizon_days = $8, max_active_bookings_per_resident = $9,
                hold_minutes = $10, no_show_enabled = $11, no_show_grace_minutes = $12,
                overstay_grace_minutes = $13, check_in_early_minutes = $14
          where id = $1",
    )
    .bind(id)
    .bind(&terms.name)
    .bind(&terms.address)
    .bind(&terms.comuna)
    .bind(terms.time_zone)
    .bind(i32::try_from(terms.commission.basis_points()).unwrap_or(0))
    .bind(terms.monthly_fee.pesos())
    .bind(settings.booking_horizon_days)
    .bind(settings.max_active_bookings)
    .bind(settings.hold_minutes)
    .bind(settings.no_show_enabled)
    .bind(settings.no_show_grace_minutes)
    .bind(settings.overstay_grace_minutes)
    .bind(settings.check_in_early_minutes)
    .execute(&mut *conn)
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
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "building.created",
            entity_type: Some("building"),
            entity_id: Some(id.to_string()),
            building_id: Some(id),
            metadata,
        },
        meta,
    )
    .await?;
    tx.commit().await?;
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
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "building.updated",
            entity_type: Some("building"),
            entity_id: Some(building_id.to_string()),
            building_id: Some(building_id),
            metadata: snapshot(Some(terms), settings),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
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
    actor.require_role(&crate::admin::scope::WRITERS)?;
    actor.require_building(building_id)?;
    let mut tx = pool.begin().await?;
    let done = sqlx::query(
        "update buildings set booking_horizon_days = $2, max_active_bookings_per_resident = $3,
                hold_minutes = $4, no_show_enabled = $5, no_show_grace_minutes = $6,
                overstay_grace_minutes = $7, check_in_early_minutes = $8
          where id = $1",
    )
    .bind(building_id)
    .bind(settings.booking_horizon_days)
    .bind(settings.max_active_bookings)
    .bind(settings.hold_minutes)
    .bind(settings.no_show_enabled)
    .bind(settings.no_show_grace_minutes)
    .bind(settings.overstay_grace_minutes)
    .bind(settings.check_in_early_minutes)
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound.into());
    }
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "building.settings_updated",
            entity_type: Some("building"),
            entity_id: Some(building_id.to_string()),
            building_id: Some(building_id),
            metadata: snapshot(None, settings),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
