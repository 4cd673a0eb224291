//! The end of a building's life: archive, restore, and delete while nothing holds it.

use super::TERMS_EDITORS;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    ServerResult,
};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

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
    AuditEntry::new(&actor.audit(), action)
        .on_building(building_id)
        .with(json!({ "from": from, "to": to }))
        .commit(tx, meta)
        .await?;
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
        Err(e) if crate::ssr::db::is_foreign_key_violation(&e) => {
            return Err(AppError::Conflict("Este edificio tiene registros asociados; archívalo en su lugar.".into()).into());
        }
        Err(e) => return Err(e.into()),
    }
    AuditEntry::new(&actor.audit(), "building.deleted")
        .on("building", building_id)
        .with(json!({ "name": name }))
        .commit(tx, meta)
        .await?;
    Ok(())
}
