//! SQL shared by the payments area: the booking's row lock every money path takes first, the
//! facts the pages show, starting a checkout, and the result pages' data.

use super::gateway::{Checkout, PaymentGateway};
use super::{PaymentOutcome, ResultKind};
use crate::domain::{
    booking::BookingStatus,
    booking_timing::hold_expired,
    code::ConfirmationCode,
    format::{long_date, time_hm},
    money::Clp,
    role::Role,
};
use crate::error::AppError;
use crate::ssr::{actor::Actor, ServerError, ServerResult};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A link whose signature does not match the booking, its amount or its expiry.
pub const INVALID_LINK_MESSAGE: &str = "El enlace de pago no es válido. Vuelve a tu reserva e inicia el pago nuevamente.";
/// The hold lapsed before the payment.
pub const EXPIRED_MESSAGE: &str =
    "El plazo para pagar esta reserva terminó y el estacionamiento se liberó. Haz una nueva reserva.";
/// Paying a booking that is no longer waiting for payment.
pub const NOT_PENDING_MESSAGE: &str = "Esta reserva ya no está pendiente de pago.";
/// The gateway could not start a checkout.
pub const GATEWAY_DOWN_MESSAGE: &str = "No pudimos comunicarnos con el medio de pago. Inténtalo nuevamente en unos minutos.";

/// The fields of a booking that payments decide on, read under its row lock.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(crate) struct LockedBooking {
    pub(crate) id: Uuid,
    pub(crate) resident_id: Uuid,
    pub(crate) building_id: Uuid,
    pub(crate) status: BookingStatus,
    pub(crate) payment_status: String,
    #[sqlx(rename = "amount_clp")]
    pub(crate) amount: Clp,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) hold_expires_at: Option<DateTime<Utc>>,
}

/// Locks booking `id` (`for update`) for the rest of the caller's transaction. Every path that
/// changes a booking because of money takes this lock first, so a webhook, the hold-expiry job
/// and a cancellation on the same booking run one after the other.
pub(crate) async fn lock_booking(conn: &mut PgConnection, id: Uuid) -> ServerResult<Option<LockedBooking>> {
    read_booking(conn, id, true).await
}

/// Reads booking `id`, locking its row when `for_update`.
pub(crate) async fn read_booking(conn: &mut PgConnection, id: Uuid, for_update: bool) -> ServerResult<Option<LockedBooking>> {
    let sql = if for_update {
        "select id, resident_id, building_id, status, payment_status, amount_clp, starts_at, hold_expires_at
           from bookings where id = $1 for update"
    } else {
        "select id, resident_id, building_id, status, payment_status, amount_clp, starts_at, hold_expires_at
           from bookings where id = $1"
    };
    Ok(sqlx::query_as(sql).bind(id).fetch_optional(conn).await?)
}

/// Refuses unless `actor` is the resident who made the booking ("not found" otherwise, so
/// nothing about another person's booking leaks).
pub(crate) fn require_owner(actor: &Actor, resident_id: Uuid) -> Result<(), AppError> {
    if actor.role == Role::Resident && actor.id == resident_id {
        Ok(())
    } else {
        Err(AppError::NotFound)
    }
}

/// What the pages show about a booking: building, spot, window, visitor.
#[derive(Debug, Clone)]
pub(crate) struct BookingFacts {
    pub(crate) resident_id: Uuid,
    pub(crate) status: BookingStatus,
    pub(crate) amount: Clp,
    pub(crate) hold_expires_at: Option<DateTime<Utc>>,
    pub(crate) code: String,
    pub(crate) building: String,
    pub(crate) address: String,
    pub(crate) spot: String,
    pub(crate) tz: Tz,
    pub(crate) starts_at: DateTime<Utc>,
    pub(crate) ends_at: DateTime<Utc>,
    pub(crate) visitor: String,
    pub(crate) plate: String,
}

impl BookingFacts {
    /// The start date in the building's zone (`martes, 15 de enero`).
    pub(crate) fn date(&self) -> String {
        long_date(self.starts_at.with_timezone(&self.tz).date_naive())
    }

    /// `20:00 – 07:00 (día siguiente)`.
    pub(crate) fn window(&self) -> String {
        crate::domain::format::block_window_label(self.starts_at, self.ends_at, self.tz)
    }

    /// When the unpaid hold lapses, local time (`12:45`).
    pub(crate) fn hold_until(&self) -> Option<String> {
        self.hold_expires_at.map(|t| time_hm(t.with_timezone(&self.tz).time()))
    }
}

/// A booking with its building and spot, as stored.
#[derive(sqlx::FromRow)]
struct FactsRow {
    resident_id: Uuid,
    status: BookingStatus,
    amount_clp: Clp,
    hold_expires_at: Option<DateTime<Utc>>,
    confirmation_code: String,
    building: String,
    address: String,
    spot: String,
    time_zone: String,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visitor_name: Option<String>,
    visitor_plate: Option<String>,
}

/// What the pages show about booking `booking_id`, if it exists.
pub(crate) async fn booking_facts(pool: &PgPool, booking_id: Uuid) -> ServerResult<Option<BookingFacts>> {
    let row: Option<FactsRow> = sqlx::query_as(
        "select k.resident_id, k.status, k.amount_clp, k.hold_expires_at, k.confirmation_code,
                b.name as building, b.address, s.number as spot, b.time_zone, k.starts_at, k.ends_at,
                k.visitor_name, k.visitor_plate
           from bookings k
           join buildings b on b.id = k.building_id
           join visitor_spots s on s.id = k.spot_id
          where k.id = $1",
    )
    .bind(booking_id)
    .fetch_optional(pool)
    .await?;
    let Some(FactsRow {
        resident_id,
        status,
        amount_clp: amount,
        hold_expires_at,
        confirmation_code: code,
        building,
        address,
        spot,
        time_zone: zone,
        starts_at,
        ends_at,
        visitor_name: visitor,
        visitor_plate: plate,
    }) = row
    else {
        return Ok(None);
    };
    Ok(Some(BookingFacts {
        resident_id,
        status,
        amount,
        hold_expires_at,
        code,
        building,
        address,
        spot,
        tz: zone.parse::<Tz>().map_err(|_| ServerError::invariant(format!("time zone {zone}")))?,
        starts_at,
        ends_at,
        visitor: visitor.unwrap_or_default(),
        plate: pretty_plate(plate),
    }))
}

/// Starts (or resumes) paying a pending booking of `actor`: records the checkout attempt, asks
/// the gateway for a checkout outside any transaction, stores its id and URL, and returns where
/// to send the resident.
pub async fn start_checkout(
    pool: &PgPool,
    gateway: &dyn PaymentGateway,
    actor: &Actor,
    booking_id: Uuid,
    now: DateTime<Utc>,
) -> ServerResult<String> {
    let facts = booking_facts(pool, booking_id).await?.ok_or(AppError::NotFound)?;
    require_owner(actor, facts.resident_id)?;
    if facts.status != BookingStatus::Pending {
        return Err(AppError::Conflict(NOT_PENDING_MESSAGE.into()).into());
    }
    let Some(expires_at) = facts.hold_expires_at.filter(|t| !hold_expired(now, *t)) else {
        return Err(AppError::Conflict(EXPIRED_MESSAGE.into()).into());
    };
    let provider = gateway.provider().as_str();
    // The open checkout attempt of this booking, with the gateway's URL when it has one: a
    // second visit reuses the same preference (it expires with the hold) instead of making more.
    let open: Option<(Uuid, Option<String>)> = sqlx::query_as(
        "select id, raw->>'checkout_url' from payments
          where booking_id = $1 and provider = $2 and provider_payment_id is null and status = 'pending'
          order by created_at desc limit 1",
    )
    .bind(booking_id)
    .bind(provider)
    .fetch_optional(pool)
    .await?;
    let attempt = match open {
        Some((_, Some(url))) => return Ok(url),
        Some((id, None)) => id,
        None => {
            sqlx::query_scalar("insert into payments (booking_id, provider, amount_clp) values ($1, $2, $3) returning id")
                .bind(booking_id)
                .bind(provider)
                .bind(facts.amount.pesos())
                .fetch_one(pool)
                .await?
        }
    };
    let checkout = Checkout {
        booking_id,
        amount: facts.amount,
        title: format!("Estacionamiento de visita {} · {}", facts.spot, facts.building),
        expires_at,
    };
    let url = match gateway.create_checkout(&checkout).await {
        Ok(url) => url,
        Err(err) => {
            tracing::error!(booking.id = %booking_id, error = %err, "checkout could not be started");
            return Err(AppError::Conflict(GATEWAY_DOWN_MESSAGE.into()).into());
        }
    };
    if let Some(preference) = &url.preference_id {
        sqlx::query(
            "update payments set provider_preference_id = $2, raw = raw || jsonb_build_object('checkout_url', $3::text)
              where id = $1",
        )
        .bind(attempt)
        .bind(preference)
        .bind(&url.url)
        .execute(pool)
        .await?;
    }
    Ok(url.url)
}

/// The result page's view of a booking, for its resident only.
pub async fn payment_result(pool: &PgPool, actor: &Actor, booking_id: Uuid, now: DateTime<Utc>) -> ServerResult<PaymentOutcome> {
    let f = booking_facts(pool, booking_id).await?.ok_or(AppError::NotFound)?;
    require_owner(actor, f.resident_id)?;
    let kind = match f.status {
        BookingStatus::Pending => ResultKind::Pending,
        BookingStatus::Cancelled => ResultKind::Failed,
        _ => ResultKind::Confirmed,
    };
    let can_pay = kind == ResultKind::Pending && f.hold_expires_at.is_some_and(|t| !hold_expired(now, t));
    let code = ConfirmationCode::parse(&f.code).map(|c| c.to_string()).unwrap_or_else(|_| f.code.clone());
    let guest_pass = if kind == ResultKind::Confirmed && f.ends_at > now {
        let token: Option<String> =
            sqlx::query_scalar("select guest_pass_token from bookings where id = $1 and purged_at is null")
                .bind(booking_id)
                .fetch_optional(pool)
                .await?;
        token.map(|t| format!("/pase/{t}"))
    } else {
        None
    };
    Ok(PaymentOutcome {
        guest_pass,
        booking_id: booking_id.to_string(),
        kind,
        code,
        date: f.date(),
        window: f.window(),
        hold_until: f.hold_until().filter(|_| kind == ResultKind::Pending),
        amount: f.amount.to_string(),
        can_pay,
        building: f.building,
        address: f.address,
        spot: f.spot,
        visitor: f.visitor,
        plate: f.plate,
    })
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;

/// A stored plate as people write it (`KHJT-52`).
fn pretty_plate(plate: Option<String>) -> String {
    plate
        .map(|p| crate::domain::plate::Plate::parse(&p).map(|p| p.pretty()).unwrap_or(p))
        .unwrap_or_default()
}
