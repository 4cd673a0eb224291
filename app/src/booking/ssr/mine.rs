//! A resident's own bookings.

use super::building_zone;
use crate::booking::MyBooking;
use crate::domain::{booking::BookingStatus, code::ConfirmationCode, format::window_label, money::Clp, plate::Plate, role::Role};
use crate::ssr::{actor::Actor, ServerResult};
use chrono::{DateTime, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// The resident's bookings, newest first; upcoming ones are those whose window has not ended.
pub async fn my_bookings(pool: &PgPool, actor: &Actor, now: DateTime<Utc>) -> ServerResult<Vec<MyBooking>> {
    actor.require_role(&[Role::Resident])?;
    let rows: Vec<MineRow> = sqlx::query_as(
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
    for row in rows {
        let tz = building_zone(&row.time_zone)?;
        let (status, start, end, code) = (row.status, row.starts_at, row.ends_at, row.confirmation_code);
        let confirmed_like = matches!(
            status,
            BookingStatus::Confirmed
                | BookingStatus::CheckedIn
                | BookingStatus::Overstay
                | BookingStatus::CheckedOut
                | BookingStatus::Completed
        );
        out.push(MyBooking {
            id: row.id.to_string(),
            status: status.label_es().to_string(),
            status_code: status.as_str().to_string(),
            spot: row.spot,
            window: window_label(start, end, tz),
            visitor: row.visitor_name.unwrap_or_default(),
            plate: row.visitor_plate.and_then(|p| Plate::parse(&p).ok()).map(|p| p.pretty()).unwrap_or_default(),
            code: confirmed_like.then(|| ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code)),
            amount: row.amount_clp.to_string(),
            guest_pass: (confirmed_like && end > now).then(|| format!("/pase/{}", row.guest_pass_token)),
            upcoming: end > now,
            can_pay: status == BookingStatus::Pending && row.hold_expires_at.is_some_and(|h| h > now),
            can_cancel: matches!(status, BookingStatus::Pending | BookingStatus::Confirmed) && start > now,
        });
    }
    Ok(out)
}

/// One of the resident's bookings as stored.
#[derive(sqlx::FromRow)]
struct MineRow {
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
