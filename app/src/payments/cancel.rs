//! Cancellation with the policy's refund. The resident cancelling their own booking gets the
//! domain policy (`refund_amount`: 90 % more than 24 h before the start, else nothing); staff in
//! scope (the building's admin, support, admin) refund in full. The same computation feeds the
//! preview shown before confirming and the cancellation itself.

use super::gateway::PaymentGateway;
use super::refunds::{self, RefundRequest, RefundState};
use super::ssr::{booking_facts, lock_booking, read_booking, LockedBooking};
use super::{CancelOutcome, RefundQuote};
use crate::booking::transition;
use crate::domain::{
    booking::{transition as decide, BookingEvent, BookingStatus},
    money::Clp,
    refund::{refund_amount, Canceller, Refund},
    role::Role,
};
use crate::error::AppError;
use crate::ssr::{actor::Actor, audit::RequestMeta, ServerResult};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Who is cancelling, decided from the actor and the booking: the owner as a resident, staff
/// in the booking's building scope as staff; anyone else gets "not found" (a resident, a
/// building admin of another building) or "forbidden" (roles that never cancel).
fn canceller(actor: &Actor, booking: &LockedBooking) -> Result<Canceller, AppError> {
    match actor.role {
        Role::Resident if actor.id == booking.resident_id => Ok(Canceller::Resident),
        Role::Resident => Err(AppError::NotFound),
        Role::BuildingAdmin | Role::Support | Role::Admin => {
            actor.require_building(booking.building_id)?;
            Ok(Canceller::Staff)
        }
        Role::Concierge | Role::SalesRep => Err(AppError::Forbidden),
    }
}

/// The approved payment that paid the booking, if it is paid.
async fn paid_payment(conn: &mut PgConnection, booking: &LockedBooking) -> ServerResult<Option<(Uuid, Clp)>> {
    if booking.payment_status != "paid" {
        return Ok(None);
    }
    let row: Option<(Uuid, i64)> = sqlx::query_as(
        "select id, amount_clp from payments
          where booking_id = $1 and status = 'approved'
          order by approved_at desc limit 1",
    )
    .bind(booking.id)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(|(id, amount)| (id, Clp::new(amount))))
}

/// The policy applied to `booking` now.
async fn policy(
    conn: &mut PgConnection,
    booking: &LockedBooking,
    who: Canceller,
    now: DateTime<Utc>,
) -> ServerResult<(Refund, Option<Uuid>)> {
    let paid = paid_payment(conn, booking).await?;
    let refund = refund_amount(paid.map_or(Clp::ZERO, |p| p.1), who, booking.starts_at, now);
    Ok((refund, paid.map(|p| p.0)))
}

/// The refund a cancellation by `actor` would give right now (or, for a booking already
/// cancelled, what was refunded and where that refund stands).
pub async fn refund_preview(pool: &PgPool, actor: &Actor, booking_id: Uuid, now: DateTime<Utc>) -> ServerResult<RefundQuote> {
    // Read only, nothing locked: the cancellation itself recomputes under the booking lock.
    let mut tx = pool.begin().await?;
    let booking = read_booking(&mut tx, booking_id, false).await?.ok_or(AppError::NotFound)?;
    let who = canceller(actor, &booking)?;
    let cancellable = decide(booking.status, BookingEvent::Cancel).is_ok();
    let (refund, _) = policy(&mut tx, &booking, who, now).await?;
    let last_refund: Option<(i64, String)> =
        sqlx::query_as("select amount_clp, status from refunds where booking_id = $1 order by created_at desc limit 1")
            .bind(booking_id)
            .fetch_optional(&mut *tx)
            .await?;
    tx.rollback().await?;

    let facts = booking_facts(pool, booking_id).await?.ok_or(AppError::NotFound)?;
    let paid = match booking.payment_status.as_str() {
        "paid" | "refund_pending" | "refunded" | "partially_refunded" => booking.amount,
        _ => Clp::ZERO,
    };
    let (refund_clp, percent, reason, refund_state) = if cancellable {
        (refund.amount, refund.percent.to_string(), refund.reason.label_es().to_string(), None)
    } else {
        let state = last_refund.as_ref().map(|(_, status)| RefundState::parse(status).label_es().to_string());
        let amount = last_refund.map_or(Clp::ZERO, |(amount, _)| Clp::new(amount));
        (amount, String::new(), String::new(), state)
    };
    Ok(RefundQuote {
        booking_id: booking_id.to_string(),
        window: format!("{}, {}", facts.date(), facts.window()),
        building: facts.building,
        spot: facts.spot,
        status: booking.status.label_es().to_string(),
        paid: paid.to_string(),
        refund: refund_clp.to_string(),
        refund_pesos: refund_clp.pesos(),
        percent,
        reason,
        cancellable,
        refund_state,
    })
}

/// Cancels `booking_id` for `actor` with the policy's refund. One transaction: the booking's
/// lock, the policy, `transition::apply(Cancel)` (status, freed block, audit, outbox), and a
/// pending `refunds` row when there is money to give back. After the commit the gateway is
/// asked for the refund; its failure leaves the refund `failed` and retried, never done.
pub async fn cancel(
    pool: &PgPool,
    gateway: &dyn PaymentGateway,
    actor: &Actor,
    booking_id: Uuid,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> ServerResult<CancelOutcome> {
    let mut tx = pool.begin().await?;
    let booking = lock_booking(&mut tx, booking_id).await?.ok_or(AppError::NotFound)?;
    let who = canceller(actor, &booking)?;
    let (refund, payment_id) = policy(&mut tx, &booking, who, now).await?;
    let cancelled_by = match who {
        Canceller::Resident => "cancelled_by_resident",
        Canceller::Staff => "cancelled_by_staff",
    };
    transition::apply(
        &mut tx,
        booking_id,
        BookingEvent::Cancel,
        &actor.audit(),
        meta,
        json!({
            "reason": cancelled_by,
            "refund_clp": refund.amount.pesos(),
            "refund_percent_bp": refund.percent.basis_points(),
            "refund_reason": refund.reason.as_str(),
        }),
    )
    .await?;
    let queued = match payment_id {
        Some(payment_id) if refund.amount > Clp::ZERO => {
            let id = refunds::queue(
                &mut tx,
                &RefundRequest {
                    booking_id,
                    payment_id,
                    amount: refund.amount,
                    reason: refund.reason.as_str(),
                    requested_by: Some(actor.id),
                },
            )
            .await?;
            sqlx::query("update bookings set payment_status = 'refund_pending' where id = $1")
                .bind(booking_id)
                .execute(&mut *tx)
                .await?;
            Some(id)
        }
        _ => None,
    };
    tx.commit().await?;

    let refund_state = match queued {
        None => None,
        // The cancellation stands whatever happens next: a failed call is retried later.
        Some(id) => Some(match refunds::execute(pool, gateway, id).await {
            Ok(state) => state,
            Err(err) => {
                crate::ssr::error::log_cause_chain(&err);
                RefundState::Pending
            }
        }),
    };
    Ok(CancelOutcome { refund: refund.amount.to_string(), refund_state: refund_state.map(|s| s.label_es().to_string()) })
}

/// Whether `status` still allows a cancellation (for pages listing bookings).
pub fn cancellable(status: BookingStatus) -> bool {
    decide(status, BookingEvent::Cancel).is_ok()
}
