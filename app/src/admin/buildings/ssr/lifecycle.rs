//! A building's lifecycle: archiving, deleting (only without holdings) and generating its availability.

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

/// Archives (`true`) or restores a building. An archived building gets no new blocks (the
/// generator skips it) and no new bookings (booking refuses it, search shows its blocks as not
/// available); existing bookings and blocks are kept. Admins only.
pub async fn set_archived(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    archived: bool,
    meta: &RequestMeta,
) -> ServerResult<()> {
    actor.require_role(&TERMS_EDITORS)?;
    let mut tx = pool.begin().await?;
    let (from, to, action) =
        if archived { ("active", "archived", "building.archived") } else { ("archived", "active", "building.restored") };
    let exists: Option<String> = sqlx::query_scalar("select status from buildings where id = $1 for update")
        .bind(building_id)
        .fetch_optional(&mut *tx)
        .await?;
    match exists.as_deref() {
        None => return Err(AppError::NotFound.into()),
        Some(s) if s != from => {
            let msg = if archived { "El edificio ya estaba archivado." } else { "El edificio no está archivado." };
            return Err(AppError::Conflict(msg.into()).into());
        }
        _ => {}
    }
    sqlx::query("update buildings set status = $2, archived_at = case when $2 = 'archived' then now() end where id = $1")
        .bind(building_id)
        .bind(to)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action,
            entity_type: Some("building"),
            entity_id: Some(building_id.to_string()),
            building_id: Some(building_id),
            metadata: json!({ "from": from, "to": to }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Deletes a building that holds no bookings, money rows or accounts (its units, spots,
/// templates, blocks, closures, rules and blocklist go with it). Otherwise a conflict that
/// says why and suggests archiving. Admins only.
pub async fn delete(pool: &PgPool, actor: &Actor, building_id: Uuid, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&TERMS_EDITORS)?;
    let mut tx = pool.begin().await?;
    // The row lock conflicts with the key-share lock a concurrent booking's foreign key takes,
    // so no booking can slip in between the count and the delete.
    let name: Option<String> = sqlx::query_scalar("select name from buildings where id = $1 for update")
        .bind(building_id)
        .fetch_optional(&mut *tx)
        .await?;
    let name = name.ok_or(AppError::NotFound)?;
    if let Some(why) = delete_blocker(holdings(&mut tx, building_id).await?) {
        return Err(AppError::Conflict(why).into());
    }
    let deleted = sqlx::query("delete from buildings where id = $1").bind(building_id).execute(&mut *tx).await;
    match deleted {
        Ok(_) => {}
        Err(e) if e.as_database_error().is_some_and(|d| d.is_foreign_key_violation()) => {
            return Err(AppError::Conflict("Este edificio tiene registros asociados; archívalo en su lugar.".into()).into());
        }
        Err(e) => return Err(e.into()),
    }
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "building.deleted",
            entity_type: Some("building"),
            entity_id: Some(building_id.to_string()),
            building_id: None,
            metadata: json!({ "name": name }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
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
    actor.require_role(&crate::admin::scope::WRITERS)?;
    actor.require_building(building_id)?;
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
    audit::record(
        &mut conn,
        &AuditEntry {
            actor: &actor.audit(),
            action: "availability.generated",
            entity_type: Some("building"),
            entity_id: Some(building_id.to_string()),
            building_id: Some(building_id),
            metadata: json!({ "created": report.created, "created_blocked": report.created_blocked, "skipped_existing": report.skipped_existing }),
        },
        meta,
    )
    .await?;
    Ok(report)
}
