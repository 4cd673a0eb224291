//! What a resident and a visitor read of their bookings: the resident's list and the guest pass.

use super::building_zone;
use crate::booking::{GuestPass, MyBooking};
use crate::domain::{booking::BookingStatus, code::ConfirmationCode, format::window_label, money::Clp, plate::Plate, role::Role};
use crate::error::AppError;
use crate::ssr::{actor::Actor, ServerError, ServerResult};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// One of the resident's bookings as their list shows it.
#[derive(Debug, sqlx::FromRow)]
struct ResidentBooking {
    id: Uuid,
    status: BookingStatus,
    spot: String,
    time_zone: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visitor_name: Option<String>,
    visitor_plate: Option<String>,
    confirmation_code: String,
    amount_clp: Clp,
    guest_pass_token: String,
    hold_expires_at: Option<DateTime<Utc>>,
}

/// A booking as its guest pass shows it.
#[derive(Debug, sqlx::FromRow)]
struct PassRow {
    building: String,
    address: String,
    time_zone: String,
    spot: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visitor_name: Option<String>,
    visitor_plate: Option<String>,
    confirmation_code: String,
    status: BookingStatus,
}

/// The confirmation code grouped for reading; the code as stored if it ever fails to parse.
fn pretty_code(code: String) -> String {
    ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code)
}

/// The resident's bookings, newest first; upcoming ones are those whose window has not ended.
pub async fn my_bookings(pool: &PgPool, actor: &Actor, now: DateTime<Utc>) -> ServerResult<Vec<MyBooking>> {
    actor.require_role(&[Role::Resident])?;
    let rows: Vec<ResidentBooking> = sqlx::query_as(
        "select k.id, k.status, s.number as spot, b.time_zone, k.starts_at, k.ends_at, k.visitor_name, k.visitor_plate,
                k.confirmation_code, k.amount_clp, k.guest_pass_token, k.hold_expires_at
           from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.resident_id = $1
          order by k.starts_at desc
          limit 200",
    )
    .bind(actor.id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for k in rows {
        let tz = building_zone(&k.time_zone)?;
        let (status, start, end) = (k.status, k.starts_at, k.ends_at);
        let confirmed_like = matches!(
            status,
            BookingStatus::Confirmed
                | BookingStatus::CheckedIn
                | BookingStatus::Overstay
                | BookingStatus::CheckedOut
                | BookingStatus::Completed
        );
        out.push(MyBooking {
            id: k.id.to_string(),
            status: status.label_es().to_string(),
            status_code: status.as_str().to_string(),
            spot: k.spot,
            window: window_label(start, end, tz),
            visitor: k.visitor_name.unwrap_or_default(),
            plate: Plate::shown(k.visitor_plate.as_deref()),
            code: confirmed_like.then(|| pretty_code(k.confirmation_code)),
            amount: k.amount_clp.to_string(),
            guest_pass: (confirmed_like && end > now).then(|| format!("/pase/{}", k.guest_pass_token)),
            upcoming: end > now,
            can_pay: status == BookingStatus::Pending && k.hold_expires_at.is_some_and(|h| h > now),
            can_cancel: matches!(status, BookingStatus::Pending | BookingStatus::Confirmed) && start > now,
        });
    }
    Ok(out)
}

/// The guest pass behind `token` (anyone with the link; 256-bit random tokens).
pub async fn guest_pass(pool: &PgPool, token: &str, origin: &str, now: DateTime<Utc>) -> ServerResult<GuestPass> {
    let pass: Option<PassRow> = sqlx::query_as(
        "select b.name as building, b.address, b.time_zone, s.number as spot, k.starts_at, k.ends_at,
                k.visitor_name, k.visitor_plate, k.confirmation_code, k.status
           from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.guest_pass_token = $1 and k.status <> 'pending' and k.purged_at is null",
    )
    .bind(token)
    .fetch_optional(pool)
    .await?;
    let Some(p) = pass else {
        return Err(AppError::NotFound.into());
    };
    let tz = building_zone(&p.time_zone)?;
    let state = match p.status {
        BookingStatus::Cancelled | BookingStatus::NoShow => "cancelled",
        BookingStatus::CheckedOut | BookingStatus::Completed => "used",
        _ if p.ends_at <= now => "over",
        _ => "valid",
    };
    // The QR holds the gate link (the concierge's scanner reads the code out of it; opening it
    // verifies at the gate, see `domain::gate_link`); the code as stored if it ever fails to parse.
    let qr_text = ConfirmationCode::parse(&p.confirmation_code)
        .map(|c| crate::domain::gate_link::gate_link(origin, &c))
        .unwrap_or_else(|_| p.confirmation_code.clone());
    let qr_svg = qrcode::QrCode::new(qr_text.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build()
        })
        .map_err(|e| ServerError::unexpected("qr", e))?;
    Ok(GuestPass {
        window: window_label(p.starts_at, p.ends_at, tz),
        building: p.building,
        address: p.address,
        spot: p.spot,
        visitor: p.visitor_name.unwrap_or_default(),
        plate: Plate::shown(p.visitor_plate.as_deref()),
        code: pretty_code(p.confirmation_code),
        state: state.to_string(),
        qr_svg,
        url: format!("/pase/{token}"),
    })
}
