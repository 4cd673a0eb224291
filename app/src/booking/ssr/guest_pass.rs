//! The visitor's guest pass, opened by its token.

use super::building_zone;
use crate::booking::GuestPass;
use crate::domain::{booking::BookingStatus, code::ConfirmationCode, format::window_label, plate::Plate};
use crate::error::AppError;
use crate::ssr::{ServerError, ServerResult};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// The guest pass behind `token` (anyone with the link; 256-bit random tokens).
pub async fn guest_pass(pool: &PgPool, token: &str, origin: &str, now: DateTime<Utc>) -> ServerResult<GuestPass> {
    let row: Option<PassRow> = sqlx::query_as(
        "select b.name as building, b.address, b.time_zone, s.number as spot, k.starts_at, k.ends_at, k.visitor_name, k.visitor_plate,
                k.confirmation_code, k.status
           from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.guest_pass_token = $1 and k.status <> 'pending' and k.purged_at is null",
    )
    .bind(token)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    let (start, end, code) = (row.starts_at, row.ends_at, row.confirmation_code);
    let tz = building_zone(&row.time_zone)?;
    let state = match row.status {
        BookingStatus::Cancelled | BookingStatus::NoShow => "cancelled",
        BookingStatus::CheckedOut | BookingStatus::Completed => "used",
        _ if end <= now => "over",
        _ => "valid",
    };
    // The QR holds the gate link (the concierge's scanner reads the code out of it; opening it
    // verifies at the gate, see `domain::gate_link`); the code as stored if it ever fails to parse.
    let qr_text = ConfirmationCode::parse(&code)
        .map(|c| crate::domain::gate_link::gate_link(origin, &c))
        .unwrap_or_else(|_| code.clone());
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
        building: row.building,
        address: row.address,
        spot: row.spot,
        window: window_label(start, end, tz),
        visitor: row.visitor_name.unwrap_or_default(),
        plate: row.visitor_plate.and_then(|p| Plate::parse(&p).ok()).map(|p| p.pretty()).unwrap_or_default(),
        code: ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code),
        state: state.to_string(),
        qr_svg,
        url: format!("/pase/{token}"),
    })
}

/// The booking behind a guest pass, with its building and spot.
#[derive(sqlx::FromRow)]
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
