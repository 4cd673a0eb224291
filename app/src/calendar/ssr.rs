//! SQL of calendar files and feeds. A feed is found by the SHA-256 of its token (a random
//! 256-bit secret); the token is also kept sealed by the vault, only so its owner can see the
//! link again.

use super::FeedView;
use crate::domain::{
    booking::BookingStatus,
    calendar::{calendar, CalendarEvent},
    format::window_label,
    role::Role,
};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    pii,
    vault::Vault,
    ServerError, ServerResult,
};
use base64::Engine;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use rand::RngCore;
use serde_json::json;
use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

/// Statuses whose booking was paid: the ones a calendar shows (a cancelled one as cancelled).
const SHOWN: &str = "k.status <> 'pending' and (k.status <> 'cancelled' or k.confirmed_at is not null)";

/// How far back a feed goes.
const FEED_DAYS_BACK: i32 = 90;

/// Most events in one feed.
const FEED_MAX_EVENTS: i64 = 500;

/// The booking columns every event needs ([`Row`]).
const COLUMNS: &str = "k.id, k.status, k.starts_at, k.ends_at, k.guest_pass_token, s.number as spot, b.name as building,
                       b.address, b.time_zone";

/// A booking with its spot and building, as one calendar event shows it.
#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    status: BookingStatus,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    guest_pass_token: String,
    spot: String,
    building: String,
    address: String,
    time_zone: String,
}

/// Where an event's link points.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Link {
    /// The guest pass (single files: the person already holds that link).
    Pass,
    /// `/mis-reservas` (the feed: a feed link that leaked must not hand out passes).
    MyBookings,
}

fn event(origin: &str, row: Row, link: Link) -> ServerResult<CalendarEvent> {
    let Row { id, status, starts_at, ends_at, guest_pass_token: token, spot, building, address, time_zone: zone } = row;
    let tz: Tz = zone.parse().map_err(|_| ServerError::invariant(format!("time zone {zone}")))?;
    let cancelled = matches!(status, BookingStatus::Cancelled | BookingStatus::NoShow);
    let url = match link {
        Link::Pass => format!("{origin}/pase/{token}"),
        Link::MyBookings => format!("{origin}/mis-reservas"),
    };
    Ok(CalendarEvent {
        uid: format!("reserva-{id}@estacionate"),
        starts_at,
        ends_at,
        summary: format!("Estacionamiento de visita {spot} · {building}"),
        location: address,
        description: format!(
            "{building}, estacionamiento de visita {spot}.\nHorario: {}.\nMuestra el pase o el código en conserjería al llegar.",
            window_label(starts_at, ends_at, tz)
        ),
        url: Some(url),
        cancelled,
    })
}

/// File name of one booking's `.ics`.
pub fn file_name(booking: Uuid) -> String {
    format!("reserva-{}.ics", &booking.simple().to_string()[..8])
}

/// One of the resident's own paid bookings as a calendar file; anyone else's is "not found".
pub async fn resident_booking(
    pool: &PgPool,
    origin: &str,
    actor: &Actor,
    booking: Uuid,
    now: DateTime<Utc>,
) -> ServerResult<(String, String)> {
    actor.require_role(&[Role::Resident])?;
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.id = $1 and k.resident_id = $2 and k.purged_at is null and {SHOWN}"
    ))
    .bind(booking)
    .bind(actor.id)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    Ok((file_name(booking), calendar(None, &[event(origin, row, Link::Pass)?], now)))
}

/// The booking of a guest pass as a calendar file (anyone holding the pass link).
pub async fn guest_pass(pool: &PgPool, origin: &str, token: &str, now: DateTime<Utc>) -> ServerResult<(String, String)> {
    let row: Option<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.guest_pass_token = $1 and k.purged_at is null and {SHOWN}"
    ))
    .bind(token)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    let id = row.id;
    Ok((file_name(id), calendar(None, &[event(origin, row, Link::Pass)?], now)))
}

/// SHA-256 of a feed token: what the table stores and looks up.
pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// The feed behind `token`: every paid booking of its (active) owner from the last
/// [`FEED_DAYS_BACK`] days on. `None` for an unknown or revoked token.
pub async fn feed(pool: &PgPool, origin: &str, token: &str, now: DateTime<Utc>) -> ServerResult<Option<String>> {
    let owner: Option<Uuid> = sqlx::query_scalar(
        "select f.user_id from calendar_feeds f join users u on u.id = f.user_id
          where f.token_hash = $1 and u.status = 'active' and u.role = 'resident'",
    )
    .bind(token_hash(token))
    .fetch_optional(pool)
    .await?;
    let Some(owner) = owner else { return Ok(None) };
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "select {COLUMNS} from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.resident_id = $1 and k.purged_at is null and {SHOWN}
            and k.ends_at > $2 - make_interval(days => $3::int)
          order by k.starts_at
          limit $4"
    ))
    .bind(owner)
    .bind(now)
    .bind(FEED_DAYS_BACK)
    .bind(FEED_MAX_EVENTS)
    .fetch_all(pool)
    .await?;
    let events = rows.into_iter().map(|r| event(origin, r, Link::MyBookings)).collect::<ServerResult<Vec<_>>>()?;
    Ok(Some(calendar(Some("Estacionate: mis reservas"), &events, now)))
}

/// `{origin}/calendario/{token}.ics`.
pub fn feed_url(origin: &str, token: &str) -> String {
    format!("{origin}/calendario/{token}.ics")
}

/// The caller's feed link, if they have one.
pub async fn view(pool: &PgPool, vault: &Vault, origin: &str, actor: &Actor) -> ServerResult<FeedView> {
    actor.require_role(&[Role::Resident])?;
    let row: Option<(Vec<u8>, DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "select f.token_enc, f.created_at, b.time_zone from calendar_feeds f
           join users u on u.id = f.user_id left join buildings b on b.id = u.building_id
          where f.user_id = $1",
    )
    .bind(actor.id)
    .fetch_optional(pool)
    .await?;
    let Some((enc, created, zone)) = row else {
        return Ok(FeedView { url: None, created: None });
    };
    let token = vault
        .decrypt(&enc, &pii::calendar_feed_token(&actor.id.to_string()))
        .map_err(|e| ServerError::unexpected("feed token", e))?;
    let tz: Tz = zone.and_then(|z| z.parse().ok()).unwrap_or(chrono_tz::America::Santiago);
    Ok(FeedView {
        url: Some(feed_url(origin, &token)),
        created: Some(created.with_timezone(&tz).format("%d-%m-%Y %H:%M").to_string()),
    })
}

/// Makes a new feed link for the caller (replacing the old one, which stops working at once).
pub async fn rotate(pool: &PgPool, vault: &Vault, actor: &Actor, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&[Role::Resident])?;
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let enc = vault
        .encrypt(&token, &pii::calendar_feed_token(&actor.id.to_string()))
        .map_err(|e| ServerError::unexpected("seal feed token", e))?;
    let mut tx = pool.begin().await?;
    let replaced: bool = sqlx::query_scalar(
        "insert into calendar_feeds (user_id, token_hash, token_enc) values ($1, $2, $3)
         on conflict (user_id) do update set token_hash = excluded.token_hash, token_enc = excluded.token_enc,
                                             created_at = now()
         returning (xmax::text <> '0')",
    )
    .bind(actor.id)
    .bind(token_hash(&token))
    .bind(enc)
    .fetch_one(&mut *tx)
    .await?;
    AuditEntry::new(&actor.audit(), "calendar_feed.created")
        .on("user", actor.id)
        .building(actor.building_id)
        .with(json!({ "replaced": replaced }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// Revokes the caller's feed link; `false` when there was none.
pub async fn revoke(pool: &PgPool, actor: &Actor, meta: &RequestMeta) -> ServerResult<bool> {
    actor.require_role(&[Role::Resident])?;
    let mut tx = pool.begin().await?;
    let gone = sqlx::query("delete from calendar_feeds where user_id = $1")
        .bind(actor.id)
        .execute(&mut *tx)
        .await?
        .rows_affected()
        > 0;
    if gone {
        AuditEntry::new(&actor.audit(), "calendar_feed.revoked")
            .on("user", actor.id)
            .building(actor.building_id)
            .record(&mut tx, meta)
            .await?;
    }
    tx.commit().await?;
    Ok(gone)
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
