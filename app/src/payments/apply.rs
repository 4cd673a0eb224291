//! Applying what a gateway reports about a payment: exactly once per report, under the
//! booking's row lock, with the amount, the currency and the booking's state checked before
//! anything is confirmed. The MercadoPago webhook and the simulator both end here.

use super::gateway::Provider;
use super::refunds::{self, RefundRequest};
use super::ssr::LockedBooking;
use crate::booking::transition;
use crate::domain::{
    booking::{BookingEvent, BookingStatus},
    money::Clp,
};
use crate::ssr::{
    audit::{AuditActor, AuditEntry, RequestMeta},
    ServerResult,
};
use serde_json::{json, Value};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A payment as the gateway reports it (re-fetched from the gateway, never taken from a
/// notification's body).
#[derive(Debug, Clone, PartialEq)]
pub struct GatewayPayment {
    /// Who reports it.
    pub provider: Provider,
    /// The gateway's payment id.
    pub provider_payment_id: String,
    /// The gateway's status text (`approved`, `rejected`, `in_process`, …).
    pub status: String,
    /// The gateway's status detail, if any.
    pub status_detail: Option<String>,
    /// Our booking id, as we sent it (`external_reference`).
    pub external_reference: Option<String>,
    /// The amount paid, when it is a whole number of pesos.
    pub amount: Option<Clp>,
    /// ISO 4217 code of the amount.
    pub currency: Option<String>,
    /// The gateway's payload without personal data (stored in `payments.raw`).
    pub raw: Value,
}

/// Why an authentic report did not confirm a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The external reference names no booking of ours.
    UnknownBooking,
    /// The amount or currency differ from the booking's.
    AmountMismatch,
    /// The booking is no longer pending (expired, cancelled, or already paid).
    BookingNotPending,
}

impl Refusal {
    /// Every refusal.
    pub const ALL: [Self; 3] = [Self::UnknownBooking, Self::AmountMismatch, Self::BookingNotPending];

    /// The value recorded in `payment_events.process_error` and the audit trail.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::UnknownBooking => "unknown_booking",
            Self::AmountMismatch => "amount_mismatch",
            Self::BookingNotPending => "booking_not_pending",
        }
    }
}

/// What applying a report did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Applied {
    /// The booking was confirmed.
    Confirmed,
    /// The booking was cancelled (payment rejected or cancelled).
    Rejected,
    /// Recorded; the booking is unchanged (payment still pending, or informational).
    Recorded,
    /// This report was applied before: nothing changed.
    Replay,
    /// An approved payment that cannot confirm anything; `refund` is the refund queued for it
    /// (to execute after commit), when there is money to give back.
    Refused {
        /// Why.
        reason: Refusal,
        /// The refund to execute.
        refund: Option<Uuid>,
    },
}

impl Applied {
    /// The refund the caller must execute now that the transaction is committed.
    pub fn refund_to_execute(&self) -> Option<Uuid> {
        match self {
            Self::Refused { refund, .. } => *refund,
            _ => None,
        }
    }
}

/// The stored payment status a gateway status maps to.
fn stored_status(gateway_status: &str) -> &'static str {
    match gateway_status {
        "approved" => "approved",
        "rejected" => "rejected",
        "cancelled" => "cancelled",
        "refunded" | "charged_back" => "refunded",
        _ => "pending",
    }
}

/// Applies a gateway's report of a payment (the MercadoPago webhook, after the signature check
/// and the re-fetch). One transaction, under the booking's row lock:
///
/// * the report is recorded once per `(provider, payment id, status)` in `payment_events`; a
///   replay changes nothing;
/// * an approved payment confirms the booking only if the booking is pending and the amount and
///   currency are exactly the booking's; otherwise it is recorded, refused, audited, never
///   confirms anything, and a refund of what was captured is queued;
/// * a rejected or cancelled payment cancels a pending booking (the spot is freed);
/// * anything else is recorded and the booking waits.
///
/// The caller executes [`Applied::refund_to_execute`] after this returns (the commit).
pub async fn apply_gateway_payment(pool: &PgPool, payment: &GatewayPayment, meta: &RequestMeta) -> ServerResult<Applied> {
    let booking_id = payment.external_reference.as_deref().and_then(|r| Uuid::parse_str(r.trim()).ok());
    let mut tx = pool.begin().await?;
    let booking = match booking_id {
        Some(id) => super::ssr::lock_booking(&mut tx, id).await?,
        None => None,
    };
    let applied = apply_locked(&mut tx, booking.as_ref(), payment, &AuditActor::System, meta).await?;
    tx.commit().await?;
    Ok(applied)
}

/// The body of [`apply_gateway_payment`], also used by the simulator, on a booking the caller
/// has locked (or `None` when the report names no booking of ours).
pub(crate) async fn apply_locked(
    conn: &mut PgConnection,
    booking: Option<&LockedBooking>,
    payment: &GatewayPayment,
    actor: &AuditActor,
    meta: &RequestMeta,
) -> ServerResult<Applied> {
    let provider = payment.provider.as_str();
    let event_key = format!("{}:{}", payment.provider_payment_id, payment.status);
    let event: Option<Uuid> = sqlx::query_scalar(
        "insert into payment_events (provider, provider_event_id, event_type, booking_id, payload)
         values ($1, $2, $3, $4, $5)
         on conflict (provider, provider_event_id) do nothing
         returning id",
    )
    .bind(provider)
    .bind(&event_key)
    .bind(format!("payment.{}", payment.status))
    .bind(booking.map(|b| b.id))
    .bind(&payment.raw)
    .fetch_optional(&mut *conn)
    .await?;
    let Some(event_id) = event else {
        return Ok(Applied::Replay);
    };

    let Some(booking) = booking else {
        finish_event(conn, event_id, None, Some(Refusal::UnknownBooking.as_str())).await?;
        tracing::warn!(payment.provider = provider, "payment report for an unknown booking");
        return Ok(Applied::Refused { reason: Refusal::UnknownBooking, refund: None });
    };

    let status = stored_status(&payment.status);
    let received = payment.amount.unwrap_or(Clp::ZERO).max(Clp::ZERO);
    let payment_id = upsert_payment(conn, booking.id, payment, status, received).await?;

    let applied = match status {
        "approved" => {
            let amount_ok = payment.amount == Some(booking.amount) && payment.currency.as_deref() == Some("CLP");
            let refusal = if !amount_ok {
                Some(Refusal::AmountMismatch)
            } else if booking.status != BookingStatus::Pending {
                Some(Refusal::BookingNotPending)
            } else {
                None
            };
            match refusal {
                None => {
                    transition::apply(
                        conn,
                        booking.id,
                        BookingEvent::PaymentApproved,
                        actor,
                        meta,
                        json!({ "payment_id": payment_id, "provider": provider, "amount_clp": received.pesos() }),
                    )
                    .await?;
                    Applied::Confirmed
                }
                Some(reason) => {
                    let payment = StoredPayment { id: payment_id, provider, received };
                    refuse(conn, booking, payment, reason, actor, meta).await?
                }
            }
        }
        "rejected" | "cancelled" if booking.status == BookingStatus::Pending => {
            transition::apply(
                conn,
                booking.id,
                BookingEvent::PaymentRejected,
                actor,
                meta,
                json!({ "payment_id": payment_id, "provider": provider, "reason": "payment_rejected" }),
            )
            .await?;
            sqlx::query("update bookings set payment_status = 'failed' where id = $1 and payment_status = 'pending'")
                .bind(booking.id)
                .execute(&mut *conn)
                .await?;
            Applied::Rejected
        }
        _ => Applied::Recorded,
    };
    let error = match applied {
        Applied::Refused { reason, .. } => Some(reason.as_str()),
        _ => None,
    };
    finish_event(conn, event_id, Some(payment_id), error).await?;
    Ok(applied)
}

/// A gateway payment as stored: its `payments` row, the provider and what it captured.
#[derive(Debug, Clone, Copy)]
struct StoredPayment<'a> {
    id: Uuid,
    provider: &'a str,
    received: Clp,
}

/// Records and audits an approved payment that cannot confirm the booking, and queues the
/// refund of what it captured.
async fn refuse(
    conn: &mut PgConnection,
    booking: &LockedBooking,
    payment: StoredPayment<'_>,
    reason: Refusal,
    actor: &AuditActor,
    meta: &RequestMeta,
) -> ServerResult<Applied> {
    let StoredPayment { id: payment_id, provider, received } = payment;
    tracing::warn!(booking.id = %booking.id, payment.provider = provider, reason = reason.as_str(), "approved payment refused");
    AuditEntry::new(actor, "payment.refused")
        .on("payment", payment_id)
        .building(booking.building_id)
        .with(json!({
            "booking_id": booking.id,
            "reason": reason.as_str(),
            "received_clp": received.pesos(),
            "expected_clp": booking.amount.pesos(),
            "booking_status": booking.status.as_str(),
        }))
        .record(conn, meta)
        .await?;
    let refund = if received > Clp::ZERO {
        Some(
            refunds::queue(
                conn,
                &RefundRequest {
                    booking_id: booking.id,
                    payment_id,
                    amount: received,
                    reason: reason.as_str(),
                    requested_by: None,
                },
            )
            .await?,
        )
    } else {
        None
    };
    Ok(Applied::Refused { reason, refund })
}

/// Finds or creates the `payments` row of a gateway payment and stores what the gateway says.
/// A checkout attempt of the booking not yet tied to a gateway payment is reused. An approved
/// or refunded payment is never moved back to pending by an out-of-order report.
async fn upsert_payment(
    conn: &mut PgConnection,
    booking_id: Uuid,
    payment: &GatewayPayment,
    status: &str,
    received: Clp,
) -> ServerResult<Uuid> {
    let provider = payment.provider.as_str();
    let existing: Option<Uuid> =
        sqlx::query_scalar("select id from payments where provider = $1 and provider_payment_id = $2 for update")
            .bind(provider)
            .bind(&payment.provider_payment_id)
            .fetch_optional(&mut *conn)
            .await?;
    let id = match existing {
        Some(id) => id,
        None => {
            let attempt: Option<Uuid> = sqlx::query_scalar(
                "update payments set provider_payment_id = $3
                  where id = (select id from payments
                               where booking_id = $1 and provider = $2 and provider_payment_id is null
                                 and status = 'pending'
                               order by created_at desc limit 1 for update)
                  returning id",
            )
            .bind(booking_id)
            .bind(provider)
            .bind(&payment.provider_payment_id)
            .fetch_optional(&mut *conn)
            .await?;
            match attempt {
                Some(id) => id,
                None => {
                    sqlx::query_scalar(
                        "insert into payments (booking_id, provider, provider_payment_id, amount_clp)
                         values ($1, $2, $3, $4) returning id",
                    )
                    .bind(booking_id)
                    .bind(provider)
                    .bind(&payment.provider_payment_id)
                    .bind(received.pesos())
                    .fetch_one(&mut *conn)
                    .await?
                }
            }
        }
    };
    sqlx::query(
        "update payments set
            status = case when status in ('approved', 'refunded') and $2 = 'pending' then status else $2 end,
            status_detail = $3,
            amount_clp = $4,
            raw = $5,
            approved_at = case when $2 in ('approved', 'refunded') then coalesce(approved_at, now()) else approved_at end
          where id = $1",
    )
    .bind(id)
    .bind(status)
    .bind(payment.status_detail.as_deref())
    .bind(received.pesos())
    .bind(&payment.raw)
    .execute(&mut *conn)
    .await?;
    Ok(id)
}

async fn finish_event(
    conn: &mut PgConnection,
    event_id: Uuid,
    payment_id: Option<Uuid>,
    error: Option<&str>,
) -> ServerResult<()> {
    sqlx::query("update payment_events set processed_at = now(), payment_id = $2, process_error = $3 where id = $1")
        .bind(event_id)
        .bind(payment_id)
        .bind(error)
        .execute(conn)
        .await?;
    Ok(())
}
