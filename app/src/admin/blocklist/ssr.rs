//! SQL of the blocklist screen.

use super::{kind_label, BlockedEntry, BlocklistListing};
use crate::admin::scope;
use crate::domain::{email::Email, phone::MobilePhone, plate::Plate, role::Role, rut::Rut};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    db::{constraint_error, is_violation},
    pii::{blocklist_kind, field_of_kind, PiiValue, BLOCKLIST_VALUE},
    vault::Vault,
    ServerError, ServerResult,
};
use crate::ui::pager::{self, Page};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Message of a value already on the same list.
pub const DUPLICATE_MESSAGE: &str = "Este valor ya está en la lista de bloqueo.";

/// Parses `raw` as a value of `kind` into its canonical form (the domain parsers' errors are
/// the field's message).
pub fn parse_value(kind: BlindField, raw: &str) -> Result<PiiValue, String> {
    match kind {
        BlindField::Email => Email::parse(raw).map(|e| PiiValue::email(&e)).map_err(|e| e.to_string()),
        BlindField::Rut => Rut::parse(raw).map(PiiValue::rut).map_err(|e| e.to_string()),
        BlindField::Phone => MobilePhone::parse(raw).map(|p| PiiValue::phone(&p)).map_err(|e| e.to_string()),
        BlindField::Plate => Plate::parse(raw).map(|p| PiiValue::plate(&p)).map_err(|e| e.to_string()),
        BlindField::Ip => raw
            .trim()
            .parse::<std::net::IpAddr>()
            .map(PiiValue::ip)
            .map_err(|_| "Escribe una dirección IP válida (por ejemplo 192.0.2.10).".to_string()),
    }
}

/// The way staff read a canonical value: RUT with dots, plate with its dash, phone spaced.
fn pretty(kind: BlindField, canonical: &str) -> String {
    match kind {
        BlindField::Rut => Rut::parse(canonical).map_or_else(|_| canonical.to_string(), |r| r.to_string()),
        BlindField::Plate => Plate::parse(canonical).map_or_else(|_| canonical.to_string(), |p| p.pretty()),
        BlindField::Phone => MobilePhone::parse(canonical).map_or_else(|_| canonical.to_string(), |p| p.to_string()),
        BlindField::Email | BlindField::Ip => canonical.to_string(),
    }
}

/// What is stored in `value_display` (the column predates encryption and must not hold the
/// clear value of a RUT, phone or e-mail).
fn masked(value: &PiiValue) -> String {
    match value.field() {
        BlindField::Rut => Rut::parse(value.expose()).map_or_else(|_| "RUT".into(), |r| r.masked()),
        BlindField::Phone => MobilePhone::parse(value.expose()).map_or_else(|_| "Celular".into(), |p| p.masked()),
        BlindField::Email => {
            let (local, domain) = value.expose().split_once('@').unwrap_or((value.expose(), ""));
            format!("{}•••@{domain}", local.chars().take(2).collect::<String>())
        }
        BlindField::Plate | BlindField::Ip => pretty(value.field(), value.expose()),
    }
}

/// Every reading of a search box as a blocklist value: `(kind, blind index)` for each kind
/// whose parser accepts it, so "khjt 52", "KHJT-52" and "khjt52" all find the same entry.
pub fn search_probes(indexer: &BlindIndexer, query: &str) -> Vec<(String, Vec<u8>)> {
    BlindField::ALL
        .into_iter()
        .filter_map(|kind| parse_value(kind, query).ok())
        .map(|v| (blocklist_kind(v.field()).to_string(), v.blind_index(indexer).to_vec()))
        .collect()
}

/// One blocklist entry of the listing (the value still sealed), with the filter's match count.
#[derive(sqlx::FromRow)]
struct ListedEntry {
    id: Uuid,
    building_id: Option<Uuid>,
    building: Option<String>,
    kind: String,
    value_enc: Option<Vec<u8>>,
    value_display: String,
    reason: String,
    /// Full name of who added it.
    author: String,
    /// When it was added, local to its building, `DD-MM-YYYY HH24:MI`.
    created: String,
    total: i64,
}

/// The entries in `actor`'s scope: admins and support see global entries and every building's
/// (or one building's, with `building`); a building admin sees their own building's entries.
pub async fn list(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    actor: &Actor,
    building: Option<Uuid>,
    query: &str,
    page: u32,
) -> ServerResult<BlocklistListing> {
    let page = Page::new(page);
    let probes = if query.trim().is_empty() { None } else { Some(search_probes(indexer, query)) };
    let (kinds, indexes): (Vec<String>, Vec<Vec<u8>>) = probes.clone().unwrap_or_default().into_iter().unzip();
    let rows: Vec<ListedEntry> = sqlx::query_as(
        "select e.id, e.building_id, b.name as building, e.kind, e.value_enc, e.value_display, e.reason, u.full_name as author,
                to_char(e.created_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY HH24:MI') as created,
                count(*) over () as total
           from blocklist_entries e
           join users u on u.id = e.created_by
           left join buildings b on b.id = e.building_id
          where ($1::uuid is null or e.building_id = $1)
            and (not $2 or e.building_id is not null)
            and (not $3 or (e.kind, e.value_bidx) in (select * from unnest($4::text[], $5::bytea[])))
          order by e.created_at desc, e.id
          limit $6 offset $7",
    )
    .bind(building)
    .bind(actor.role.is_building_scoped())
    .bind(probes.is_some())
    .bind(&kinds)
    .bind(&indexes)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let pages = page.pages(pager::total(total));
    let can_edit = scope::WRITERS.contains(&actor.role);
    let entries = rows
        .into_iter()
        .map(|r| {
            let field = field_of_kind(&r.kind);
            let value = match (field, r.value_enc) {
                (Some(field), Some(enc)) => BLOCKLIST_VALUE.display(vault, &r.id.to_string(), &enc, |v| Some(pretty(field, v))),
                _ => r.value_display,
            };
            BlockedEntry {
                id: r.id.to_string(),
                scope: r.building.unwrap_or_else(|| "Global".into()),
                kind: kind_label(&r.kind).to_string(),
                value,
                reason: r.reason,
                created_by: r.author,
                created_at: r.created,
                removable: can_edit && (r.building_id.is_some() || actor.role == Role::Admin),
            }
        })
        .collect();
    Ok(BlocklistListing {
        entries,
        total,
        page: page.number(),
        pages,
        buildings: scope::buildings(pool, actor).await?,
        can_edit,
        can_add_global: actor.role == Role::Admin,
        search: query.trim().to_string(),
    })
}

/// A new entry: where (global = `None`), the parsed value and the reason.
pub struct NewEntry {
    /// `None` for the global list.
    pub building_id: Option<Uuid>,
    /// The canonical value.
    pub value: PiiValue,
    /// Why (1–500 characters, trimmed).
    pub reason: String,
}

/// Adds an entry (admins: global or any building; building admins: their own building only).
/// A value already on that list is a field error, mapped from the unique constraint.
pub async fn add(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    actor: &Actor,
    entry: NewEntry,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    actor.require_role(&scope::WRITERS)?;
    match entry.building_id {
        None if actor.role != Role::Admin => return Err(AppError::Forbidden.into()),
        None => {}
        Some(b) => actor.require_building(b)?,
    }
    let id = Uuid::new_v4();
    let sealed = BLOCKLIST_VALUE
        .seal(vault, indexer, &id.to_string(), &entry.value)
        .map_err(|e| ServerError::unexpected("seal blocklist value", e))?;
    let kind = blocklist_kind(entry.value.field());
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "insert into blocklist_entries
            (id, building_id, kind, value_bidx, value_enc, value_display, reason, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(entry.building_id)
    .bind(kind)
    .bind(&sealed.bidx)
    .bind(&sealed.enc)
    .bind(masked(&entry.value))
    .bind(&entry.reason)
    .bind(actor.id)
    .execute(&mut *tx)
    .await;
    match inserted {
        Ok(_) => {}
        Err(e) if is_violation(&e, "blocklist_entries_building_id_fkey") => return Err(AppError::NotFound.into()),
        Err(e) => return Err(constraint_error(e, &[("blocklist_entries_scope_kind_value_key", "value", DUPLICATE_MESSAGE)])),
    }
    AuditEntry::new(&actor.audit(), "blocklist.added")
        .on("blocklist_entry", id)
        .building(entry.building_id)
        .with(json!({ "kind": kind, "scope": if entry.building_id.is_some() { "building" } else { "global" }, "reason": entry.reason }))
        .commit(tx, meta)
        .await?;
    Ok(id)
}

/// Removes an entry in `actor`'s scope; global entries only by admins. Outside the scope it is
/// "not found".
pub async fn remove(pool: &PgPool, actor: &Actor, id: Uuid, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let row: Option<(Option<Uuid>, String, String)> =
        sqlx::query_as("select building_id, kind, reason from blocklist_entries where id = $1 for update")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((building_id, kind, reason)) = row else {
        return Err(AppError::NotFound.into());
    };
    match building_id {
        None if actor.role != Role::Admin => return Err(AppError::NotFound.into()),
        None => {}
        Some(b) => actor.require_building(b)?,
    }
    sqlx::query("delete from blocklist_entries where id = $1").bind(id).execute(&mut *tx).await?;
    AuditEntry::new(&actor.audit(), "blocklist.removed")
        .on("blocklist_entry", id)
        .building(building_id)
        .with(json!({ "kind": kind, "reason": reason }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
