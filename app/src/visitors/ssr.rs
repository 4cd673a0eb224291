//! SQL of frequent visitors. Every query is scoped to the resident (`resident_id = actor`):
//! another resident's id is "not found", indistinguishable from an id that never existed.

use super::{RecentVisitor, SavedVisitor, VisitorDraft, VisitorInput, VisitorList};
use crate::booking::ssr::BLOCKED_MESSAGE;
use crate::domain::{
    frequent_visitor::{self, Candidate, VisitorRef, DUPLICATE_PLATE_MESSAGE, LIMIT_MESSAGE, MAX_PER_RESIDENT, RECENT_COUNT},
    phone::MobilePhone,
    plate::Plate,
    role::Role,
};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    blocklist,
    db::is_violation,
    pii::{self, PiiValue, FREQUENT_VISITOR_PHONE},
    vault::Vault,
    ServerError, ServerResult,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

fn pretty_plate(plate: &str) -> String {
    Plate::parse(plate).map(|p| p.pretty()).unwrap_or_else(|_| plate.to_string())
}

/// Decrypts a saved visitor's phone; a value that does not decrypt is shown as absent (and
/// logged), never as an error page.
fn saved_phone(vault: &Vault, id: Uuid, enc: Option<Vec<u8>>) -> Option<MobilePhone> {
    let enc = enc?;
    // `open` logs an unreadable value (without it); the form then simply has no phone.
    let plain = pii::FREQUENT_VISITOR_PHONE.open(vault, &id.to_string(), &enc).ok()?;
    MobilePhone::parse(&plain).ok()
}

/// `times` × [`RECENT_COUNT`], as an SQL `limit`.
fn recent_limit(times: usize) -> ServerResult<i64> {
    let n = RECENT_COUNT * times;
    i64::try_from(n).map_err(|_| ServerError::invariant(format!("limit of {n} visitors")))
}

/// A saved visitor as stored (phone still sealed).
#[derive(sqlx::FromRow)]
struct SavedRow {
    id: Uuid,
    name: String,
    plate: String,
    phone_enc: Option<Vec<u8>>,
}

/// A visitor the resident had lately: saved, or named in one of their bookings.
#[derive(sqlx::FromRow)]
struct RecentRow {
    id: Uuid,
    name: String,
    plate: String,
    used_at: DateTime<Utc>,
}

/// The resident's saved visitors, most recently used (or saved) first.
pub async fn list(pool: &PgPool, vault: &Vault, actor: &Actor) -> ServerResult<VisitorList> {
    actor.require_role(&[Role::Resident])?;
    let rows: Vec<SavedRow> = sqlx::query_as(
        "select id, name, plate, phone_enc from frequent_visitors
          where resident_id = $1
          order by coalesce(last_used_at, created_at) desc, name, id",
    )
    .bind(actor.id)
    .fetch_all(pool)
    .await?;
    let visitors = rows
        .into_iter()
        .map(|SavedRow { id, name, plate, phone_enc: enc }| SavedVisitor {
            id: id.to_string(),
            name,
            plate: pretty_plate(&plate),
            phone_masked: saved_phone(vault, id, enc).map(|p| p.masked()),
        })
        .collect();
    Ok(VisitorList { visitors, max: MAX_PER_RESIDENT })
}

/// One of the resident's saved visitors, or the visitor of one of their own bookings, to
/// prefill a form.
pub async fn draft(pool: &PgPool, vault: &Vault, actor: &Actor, reference: VisitorRef) -> ServerResult<VisitorDraft> {
    actor.require_role(&[Role::Resident])?;
    match reference {
        VisitorRef::Saved(id) => {
            let row: Option<(String, String, Option<Vec<u8>>)> =
                sqlx::query_as("select name, plate, phone_enc from frequent_visitors where id = $1 and resident_id = $2")
                    .bind(id)
                    .bind(actor.id)
                    .fetch_optional(pool)
                    .await?;
            let (name, plate, enc) = row.ok_or(AppError::NotFound)?;
            Ok(VisitorDraft {
                id: id.to_string(),
                name,
                plate: pretty_plate(&plate),
                phone: saved_phone(vault, id, enc).map(|p| p.as_e164().to_string()).unwrap_or_default(),
            })
        }
        VisitorRef::Booking(id) => {
            // Name and plate are null once the booking was purged or its resident erased.
            type BookedVisitor = (Option<String>, Option<String>, Option<Vec<u8>>);
            let row: Option<BookedVisitor> = sqlx::query_as(
                "select visitor_name, visitor_plate, visitor_phone_enc from bookings
                  where id = $1 and resident_id = $2 and purged_at is null",
            )
            .bind(id)
            .bind(actor.id)
            .fetch_optional(pool)
            .await?;
            let Some((Some(name), Some(plate), enc)) = row else {
                return Err(AppError::NotFound.into());
            };
            let phone = enc
                .and_then(|enc| pii::BOOKING_VISITOR_PHONE.open(vault, &id.to_string(), &enc).ok())
                .and_then(|p| MobilePhone::parse(&p).ok())
                .map(|p| p.as_e164().to_string())
                .unwrap_or_default();
            Ok(VisitorDraft { id: String::new(), name, plate: pretty_plate(&plate), phone })
        }
    }
}

/// The five most recent visitors (saved ones, and those of the resident's bookings of the
/// last year), for the booking form.
pub async fn recent(pool: &PgPool, actor: &Actor) -> ServerResult<Vec<RecentVisitor>> {
    actor.require_role(&[Role::Resident])?;
    let saved: Vec<RecentRow> = sqlx::query_as(
        "select id, name, plate, coalesce(last_used_at, created_at) as used_at from frequent_visitors
          where resident_id = $1
          order by coalesce(last_used_at, created_at) desc limit $2",
    )
    .bind(actor.id)
    .bind(recent_limit(1)?)
    .fetch_all(pool)
    .await?;
    // The latest booking per plate; enough plates that five distinct ones survive merging.
    let booked: Vec<RecentRow> = sqlx::query_as(
        "select id, visitor_name as name, visitor_plate as plate, created_at as used_at from (
            select distinct on (visitor_plate) id, visitor_name, visitor_plate, created_at
              from bookings
             where resident_id = $1 and purged_at is null and visitor_name is not null
               and visitor_plate is not null and created_at > now() - interval '1 year'
             order by visitor_plate, created_at desc) latest
          order by created_at desc limit $2",
    )
    .bind(actor.id)
    .bind(recent_limit(2)?)
    .fetch_all(pool)
    .await?;
    let to = |r: fn(Uuid) -> VisitorRef| {
        move |RecentRow { id, name, plate, used_at }| Candidate { reference: r(id), name, plate, used_at }
    };
    let picked = frequent_visitor::recent(
        saved.into_iter().map(to(VisitorRef::Saved)).collect(),
        booked.into_iter().map(to(VisitorRef::Booking)).collect(),
        RECENT_COUNT,
    );
    Ok(picked
        .into_iter()
        .map(|c| RecentVisitor { reference: c.reference.encode(), name: c.name, plate: pretty_plate(&c.plate) })
        .collect())
}

/// Saves a new visitor (`id = None`) or changes one of the resident's own. A blocklisted plate
/// or phone is refused as the booking refuses it (one neutral message, the hit audited); more
/// than [`MAX_PER_RESIDENT`] is refused — counted under a lock on the resident, so two tabs
/// cannot both pass the limit; a plate already saved is a field error.
pub async fn save(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    actor: &Actor,
    id: Option<Uuid>,
    input: VisitorInput,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    actor.require_role(&[Role::Resident])?;
    let building_id = actor.building_id.ok_or(AppError::NotFound)?;

    let mut indexed = vec![(BlindField::Plate, indexer.index(BlindField::Plate, input.plate.as_str()).to_vec())];
    if let Some(phone) = &input.phone {
        indexed.push((BlindField::Phone, indexer.index(BlindField::Phone, phone.as_e164()).to_vec()));
    }
    {
        // Its own connection, so the audit of a hit survives the refusal.
        let mut conn = pool.acquire().await?;
        if blocklist::is_blocked_by_index(&mut conn, Some(building_id), &indexed, "frequent_visitor.save", &actor.audit(), meta)
            .await?
        {
            return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
        }
    }

    let row_id = id.unwrap_or_else(Uuid::new_v4);
    let sealed = match &input.phone {
        Some(phone) => Some(
            FREQUENT_VISITOR_PHONE
                .seal(vault, indexer, &row_id.to_string(), &PiiValue::phone(phone))
                .map_err(|e| ServerError::unexpected("seal visitor phone", e))?,
        ),
        None => None,
    };
    let (enc, bidx) = match sealed {
        Some(s) => (Some(s.enc), Some(s.bidx)),
        None => (None, None),
    };

    let mut tx = pool.begin().await?;
    let action = if let Some(id) = id {
        let updated = sqlx::query(
            "update frequent_visitors set name = $3, plate = $4, phone_enc = $5, phone_bidx = $6
              where id = $1 and resident_id = $2",
        )
        .bind(id)
        .bind(actor.id)
        .bind(input.name.as_str())
        .bind(input.plate.as_str())
        .bind(&enc)
        .bind(&bidx)
        .execute(&mut *tx)
        .await;
        match updated {
            Ok(r) if r.rows_affected() == 0 => return Err(AppError::NotFound.into()),
            Ok(_) => "frequent_visitor.updated",
            Err(e) if is_violation(&e, "frequent_visitors_resident_plate_key") => {
                return Err(AppError::field("plate", DUPLICATE_PLATE_MESSAGE).into())
            }
            Err(e) => return Err(e.into()),
        }
    } else {
        // The resident's row is the lock: concurrent saves of one resident queue here.
        sqlx::query("select 1 from users where id = $1 for update").bind(actor.id).execute(&mut *tx).await?;
        let count: i64 = sqlx::query_scalar("select count(*) from frequent_visitors where resident_id = $1")
            .bind(actor.id)
            .fetch_one(&mut *tx)
            .await?;
        if count >= MAX_PER_RESIDENT {
            return Err(AppError::Conflict(LIMIT_MESSAGE.into()).into());
        }
        let inserted = sqlx::query(
            "insert into frequent_visitors (id, resident_id, name, plate, phone_enc, phone_bidx)
             values ($1, $2, $3, $4, $5, $6)",
        )
        .bind(row_id)
        .bind(actor.id)
        .bind(input.name.as_str())
        .bind(input.plate.as_str())
        .bind(&enc)
        .bind(&bidx)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(_) => "frequent_visitor.created",
            Err(e) if is_violation(&e, "frequent_visitors_resident_plate_key") => {
                return Err(AppError::field("plate", DUPLICATE_PLATE_MESSAGE).into())
            }
            Err(e) => return Err(e.into()),
        }
    };
    AuditEntry::new(&actor.audit(), action)
        .on("frequent_visitor", row_id)
        .building(building_id)
        .with(json!({ "with_phone": input.phone.is_some() }))
        .commit(tx, meta)
        .await?;
    Ok(row_id)
}

/// Deletes one of the resident's saved visitors.
pub async fn delete(pool: &PgPool, actor: &Actor, id: Uuid, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&[Role::Resident])?;
    let mut tx = pool.begin().await?;
    let deleted = sqlx::query("delete from frequent_visitors where id = $1 and resident_id = $2")
        .bind(id)
        .bind(actor.id)
        .execute(&mut *tx)
        .await?;
    if deleted.rows_affected() == 0 {
        return Err(AppError::NotFound.into());
    }
    AuditEntry::new(&actor.audit(), "frequent_visitor.deleted")
        .on("frequent_visitor", id)
        .building(actor.building_id)
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// Marks the saved visitor with `plate` as just booked for (inside the booking transaction), so
/// the booking form offers them first next time.
pub async fn touch(conn: &mut sqlx::PgConnection, resident: Uuid, plate: &Plate) -> ServerResult<()> {
    sqlx::query("update frequent_visitors set last_used_at = now() where resident_id = $1 and plate = $2")
        .bind(resident)
        .bind(plate.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
