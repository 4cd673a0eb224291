//! Access and portability: everything held about the logged-in person, decrypted, in one
//! [`PersonalData`] — for the readable page and the JSON download. Every query is keyed by the
//! person's own id: there is no parameter through which another person's data could be asked.

use super::{AuditRecord, BookingRecord, ErasureRecord, MessageRecord, PersonalData, Profile, SavedVisitorRecord, SignIn};
use crate::domain::rut::Rut;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    pii,
    vault::Vault,
    ServerResult,
};
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

fn time(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The person's account and profile, as stored (RUT and phone still sealed).
#[derive(sqlx::FromRow)]
struct ProfileRow {
    full_name: String,
    first_name: Option<String>,
    last_name: Option<String>,
    email: String,
    rut_enc: Option<Vec<u8>>,
    phone_enc: Option<Vec<u8>>,
    role: String,
    status: String,
    building: Option<String>,
    building_address: Option<String>,
    unit: Option<String>,
    reminders_opt_out: bool,
    created_at: DateTime<Utc>,
    last_login_at: Option<DateTime<Utc>>,
}

/// One of the person's bookings (the visitor's phone still sealed).
#[derive(sqlx::FromRow)]
struct BookingRow {
    id: Uuid,
    confirmation_code: String,
    building: String,
    spot: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    status: String,
    payment_status: String,
    amount_clp: i64,
    visitor_name: Option<String>,
    visitor_plate: Option<String>,
    visitor_phone_enc: Option<Vec<u8>>,
    purged_at: Option<DateTime<Utc>>,
}

/// A message to or about the person (the recipient still sealed).
#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    created_at: DateTime<Utc>,
    kind: String,
    status: String,
    recipient_enc: Option<Vec<u8>>,
    rendered_body: Option<String>,
}

/// An audit entry about the person or by them.
#[derive(sqlx::FromRow)]
struct AuditRow {
    occurred_at: DateTime<Utc>,
    action: String,
    actor_role: Option<String>,
    actor_id: Option<Uuid>,
    entity_type: Option<String>,
}

/// A saved visitor (phone still sealed).
#[derive(sqlx::FromRow)]
struct SavedRow {
    id: Uuid,
    name: String,
    plate: String,
    phone_enc: Option<Vec<u8>>,
}

/// The person's data at `now`.
pub async fn my_data(pool: &PgPool, vault: &Vault, actor: &Actor, now: DateTime<Utc>) -> ServerResult<PersonalData> {
    let id = actor.id;
    let id_text = id.to_string();
    let p: ProfileRow = sqlx::query_as(
        "select u.full_name, rp.first_name, rp.last_name, u.email::text as email, rp.rut_enc, u.phone_enc, u.role,
                u.status, b.name as building, b.address as building_address, un.number as unit, u.reminders_opt_out,
                u.created_at, u.last_login_at
           from users u
           left join resident_profiles rp on rp.user_id = u.id
           left join buildings b on b.id = u.building_id
           left join units un on un.id = rp.unit_id
          where u.id = $1",
    )
    .bind(id)
    .fetch_one(pool)
    .await?;
    let rut = p
        .rut_enc
        .map(|enc| pii::RESIDENT_RUT.display(vault, &id_text, &enc, |r| Some(r.to_string())))
        .map(|r| Rut::parse(&r).map_or(r, |rut| rut.to_string()));
    let phone = p.phone_enc.map(|enc| pii::USER_PHONE.display(vault, &id_text, &enc, |p| Some(p.to_string())));
    let profile = Profile {
        id: id_text.clone(),
        full_name: p.full_name,
        first_name: p.first_name,
        last_name: p.last_name,
        email: p.email,
        rut,
        phone,
        role: p.role,
        status: p.status,
        building: p.building,
        building_address: p.building_address,
        unit: p.unit,
        reminders_opt_out: p.reminders_opt_out,
        created_at: time(p.created_at),
        last_login_at: p.last_login_at.map(time),
    };

    let bookings: Vec<BookingRow> = sqlx::query_as(
        "select k.id, k.confirmation_code, b.name as building, s.number as spot, k.starts_at, k.ends_at, k.status, k.payment_status,
                k.amount_clp, k.visitor_name, k.visitor_plate, k.visitor_phone_enc, k.purged_at
           from bookings k
           join buildings b on b.id = k.building_id
           join visitor_spots s on s.id = k.spot_id
          where k.resident_id = $1
          order by k.starts_at desc",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let bookings = bookings
        .into_iter()
        .map(|k| BookingRecord {
            visitor_phone: k
                .visitor_phone_enc
                .map(|enc| pii::BOOKING_VISITOR_PHONE.display(vault, &k.id.to_string(), &enc, |p| Some(p.to_string()))),
            id: k.id.to_string(),
            code: k.confirmation_code,
            building: k.building,
            spot: k.spot,
            starts_at: time(k.starts_at),
            ends_at: time(k.ends_at),
            status: k.status,
            payment_status: k.payment_status,
            amount_clp: k.amount_clp,
            visitor_name: k.visitor_name,
            visitor_plate: k.visitor_plate,
            purged_at: k.purged_at.map(time),
        })
        .collect();

    let messages: Vec<MessageRow> = sqlx::query_as(
        "select n.id, n.created_at, n.kind, n.status, n.recipient_enc, n.rendered_body
           from notifications n
          where n.user_id = $1
             or (n.audience = 'resident' and n.booking_id in (select id from bookings where resident_id = $1))
          order by n.created_at desc
          limit 1000",
    )
    .bind(id)
    .fetch_all(pool)
    .await?;
    let messages = messages
        .into_iter()
        .map(|MessageRow { id: mid, created_at: created, kind, status, recipient_enc: recipient, rendered_body: body }| {
            MessageRecord {
                recipient: recipient
                    .map(|enc| pii::NOTIFICATION_RECIPIENT.display(vault, &mid.to_string(), &enc, |p| Some(p.to_string()))),
                id: mid.to_string(),
                created_at: time(created),
                kind,
                status,
                body,
            }
        })
        .collect();

    let sign_ins: Vec<(DateTime<Utc>, Option<String>)> = sqlx::query_as(
        "select occurred_at, host(ip) from audit_log
          where action = 'auth.login_succeeded' and entity_type = 'user' and entity_id = $1
          order by occurred_at desc limit 1000",
    )
    .bind(&id_text)
    .fetch_all(pool)
    .await?;
    let sign_ins = sign_ins.into_iter().map(|(at, ip)| SignIn { at: time(at), ip }).collect();

    let audit_rows: Vec<AuditRow> = sqlx::query_as(
        "select occurred_at, action, actor_role, actor_id, entity_type from audit_log
          where (entity_type = 'user' and entity_id = $1) or actor_id = $2
          order by occurred_at desc, id desc limit 1000",
    )
    .bind(&id_text)
    .bind(id)
    .fetch_all(pool)
    .await?;
    let audit = audit_rows
        .into_iter()
        .map(|AuditRow { occurred_at: at, action, actor_role, actor_id, entity_type }| AuditRecord {
            at: time(at),
            action,
            actor_role,
            by_me: actor_id == Some(id),
            entity_type,
        })
        .collect();

    let erasures: Vec<(String, DateTime<Utc>, DateTime<Utc>)> =
        sqlx::query_as("select status, requested_at, due_at from erasure_requests where user_id = $1 order by requested_at desc")
            .bind(id)
            .fetch_all(pool)
            .await?;
    let erasure_requests = erasures
        .into_iter()
        .map(|(status, requested, due)| ErasureRecord { status, requested_at: time(requested), due_at: time(due) })
        .collect();

    let saved: Vec<SavedRow> =
        sqlx::query_as("select id, name, plate, phone_enc from frequent_visitors where resident_id = $1 order by name")
            .bind(id)
            .fetch_all(pool)
            .await?;
    let saved_visitors = saved
        .into_iter()
        .map(|SavedRow { id: vid, name, plate, phone_enc: phone }| SavedVisitorRecord {
            phone: phone.map(|enc| pii::FREQUENT_VISITOR_PHONE.display(vault, &vid.to_string(), &enc, |p| Some(p.to_string()))),
            name,
            plate,
        })
        .collect();
    let calendar_feed: bool = sqlx::query_scalar("select exists (select 1 from calendar_feeds where user_id = $1)")
        .bind(id)
        .fetch_one(pool)
        .await?;

    Ok(PersonalData {
        generated_at: time(now),
        profile,
        bookings,
        messages,
        sign_ins,
        audit,
        erasure_requests,
        saved_visitors,
        calendar_feed,
    })
}

/// Audits that the person read (`format` = `page`) or downloaded (`json`) their data.
pub async fn record_export(pool: &PgPool, actor: &Actor, format: &str, meta: &RequestMeta) -> ServerResult<()> {
    let mut conn = pool.acquire().await?;
    AuditEntry::new(&actor.audit(), "privacy.data_exported")
        .on("user", actor.id)
        .building(actor.building_id)
        .with(json!({ "format": format }))
        .record(&mut conn, meta)
        .await
}

/// Copies of one's data per account: generous for a person, useless for scraping.
pub const EXPORT_PER_ACCOUNT: crate::ssr::rate_limit::Limit =
    crate::ssr::rate_limit::Limit { name: "privacy-export-acct", max: 20, window: std::time::Duration::from_secs(3600) };
