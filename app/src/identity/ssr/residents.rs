//! Approval of pending residents by their building's administration.

use crate::domain::{phone::MobilePhone, rut::Rut};
use crate::error::AppError;
use crate::identity::PendingResident;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    outbox::{self, OutboxEvent},
    pii,
    vault::Vault,
    ServerResult,
};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// A resident awaiting approval, with their PII still encrypted.
#[derive(Debug, sqlx::FromRow)]
struct Pending {
    id: Uuid,
    full_name: String,
    email: String,
    building: String,
    unit: String,
    rut_enc: Vec<u8>,
    phone_enc: Option<Vec<u8>>,
    /// When they signed up, in their building's zone.
    requested_at: String,
}

/// Residents awaiting approval that `actor` may decide on.
pub async fn pending_residents(pool: &PgPool, vault: &Vault, actor: &Actor) -> ServerResult<Vec<PendingResident>> {
    let scope = if actor.role.is_building_scoped() { actor.building_id } else { None };
    let rows: Vec<Pending> = sqlx::query_as(
        "select u.id, u.full_name, u.email::text as email, b.name as building, un.number as unit, p.rut_enc, u.phone_enc,
                to_char(u.created_at at time zone b.time_zone, 'DD-MM-YYYY HH24:MI') as requested_at
           from users u
           join resident_profiles p on p.user_id = u.id
           join buildings b on b.id = u.building_id
           join units un on un.id = p.unit_id
          where u.role = 'resident' and u.status = 'pending'
            and ($1::uuid is null or u.building_id = $1)
          order by u.created_at",
    )
    .bind(scope)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let id_text = r.id.to_string();
        let rut_masked = pii::RESIDENT_RUT.display(vault, &id_text, &r.rut_enc, |r| Rut::parse(r).ok().map(|r| r.masked()));
        let phone_masked = r.phone_enc.map_or_else(
            || "—".into(),
            |p| pii::USER_PHONE.display(vault, &id_text, &p, |p| MobilePhone::parse(p).ok().map(|p| p.masked())),
        );
        out.push(PendingResident {
            user_id: id_text,
            full_name: r.full_name,
            email: r.email,
            building: r.building,
            unit: r.unit,
            rut_masked,
            phone_masked,
            requested_at: r.requested_at,
            can_decide: actor.role != crate::domain::role::Role::Support,
        });
    }
    Ok(out)
}

/// Approves (`approve = true`) or rejects a pending resident in `actor`'s scope. Rejection bans
/// the account with the reason. The resident hears about it by WhatsApp through the outbox.
pub async fn decide_resident(
    pool: &PgPool,
    actor: &Actor,
    user_id: Uuid,
    approve: bool,
    reason: Option<&str>,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let mut tx = pool.begin().await?;
    let building: Option<Uuid> =
        sqlx::query_scalar("select building_id from users where id = $1 and role = 'resident' and status = 'pending' for update")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
    let Some(building_id) = building else {
        return Err(AppError::NotFound.into());
    };
    actor.require_building(building_id)?;
    if approve {
        sqlx::query("update users set status = 'active', status_reason = null where id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update resident_profiles set approved_at = now(), approved_by = $2 where user_id = $1")
            .bind(user_id)
            .bind(actor.id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("update users set status = 'banned', status_reason = $2, session_epoch = session_epoch + 1 where id = $1")
            .bind(user_id)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
    }
    let (event, action) =
        if approve { ("resident.approved", "resident.approved") } else { ("resident.rejected", "resident.rejected") };
    outbox::enqueue(
        &mut tx,
        &OutboxEvent {
            event_type: event,
            version: 1,
            aggregate_type: "user",
            aggregate_id: user_id.to_string(),
            building_id: Some(building_id),
            payload: &json!({ "user_id": user_id }),
        },
    )
    .await?;
    AuditEntry::new(&actor.audit(), action)
        .on("user", user_id)
        .building(building_id)
        .with(json!({ "reason": reason }))
        .commit(tx, meta)
        .await?;
    Ok(())
}
