//! Blocklist matching. Values are compared by keyed blind index of their canonical form, so an
//! entry matches however the value was typed and nobody reading the table learns the values.
//! A hit is refused with one neutral message (never which list or value matched) and audited.

use super::audit::{AuditActor, AuditEntry, RequestMeta};
use super::blind_index::{BlindField, BlindIndexer};
use super::ServerResult;
use sqlx::PgConnection;
use uuid::Uuid;

/// What is being checked: a kind and its canonical value.
#[derive(Debug, Clone, Copy)]
pub struct Probe<'a> {
    /// `email`, `phone`, `rut`, `plate` or `ip`.
    pub kind: BlindField,
    /// The canonical value (lower-case email, E.164 phone, canonical RUT, plate, IP text).
    pub canonical: &'a str,
}

/// Whether any probe matches a global entry or an entry of `building_id`. On a hit, writes a
/// `blocklist.hit` audit row (kinds only, never values) on `conn`.
pub async fn is_blocked(
    conn: &mut PgConnection,
    indexer: &BlindIndexer,
    building_id: Option<Uuid>,
    probes: &[Probe<'_>],
    action: &str,
    actor: &AuditActor,
    meta: &RequestMeta,
) -> ServerResult<bool> {
    let indexed: Vec<(BlindField, Vec<u8>)> =
        probes.iter().map(|p| (p.kind, indexer.index(p.kind, p.canonical).to_vec())).collect();
    is_blocked_by_index(conn, building_id, &indexed, action, actor, meta).await
}

/// As [`is_blocked`], for values whose blind index is already stored (a resident's RUT and
/// phone): no decryption needed, the indexes compare directly.
pub async fn is_blocked_by_index(
    conn: &mut PgConnection,
    building_id: Option<Uuid>,
    indexed: &[(BlindField, Vec<u8>)],
    action: &str,
    actor: &AuditActor,
    meta: &RequestMeta,
) -> ServerResult<bool> {
    if indexed.is_empty() {
        return Ok(false);
    }
    let kinds: Vec<&str> = indexed.iter().map(|(k, _)| k.as_str()).collect();
    let indexes: Vec<Vec<u8>> = indexed.iter().map(|(_, i)| i.clone()).collect();
    let hits: Vec<String> = sqlx::query_scalar(
        "select distinct b.kind
           from blocklist_entries b
           join unnest($1::text[], $2::bytea[]) as p(kind, bidx)
             on b.kind = p.kind and b.value_bidx = p.bidx
          where b.building_id is null or b.building_id = $3",
    )
    .bind(&kinds)
    .bind(&indexes)
    .bind(building_id)
    .fetch_all(&mut *conn)
    .await?;
    if hits.is_empty() {
        return Ok(false);
    }
    AuditEntry::new(actor, "blocklist.hit")
        .building(building_id)
        .with(serde_json::json!({ "refused_action": action, "kinds": hits }))
        .record(conn, meta)
        .await?;
    Ok(true)
}
