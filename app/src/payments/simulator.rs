//! The built-in simulator's checkout: a signed page where the resident approves, rejects or
//! leaves pending the payment of their own booking (see `signing` for why the link is signed).

use super::apply::{apply_locked, Applied, GatewayPayment};
use super::gateway::Provider;
use super::signing::SimulatorSigner;
use super::ssr::{booking_facts, lock_booking, require_owner, EXPIRED_MESSAGE, INVALID_LINK_MESSAGE, NOT_PENDING_MESSAGE};
use super::{Decision, SimulatorPage};
use crate::domain::{booking::BookingStatus, booking_timing::hold_expired, money::Clp};
use crate::error::AppError;
use crate::ssr::{actor::Actor, audit::RequestMeta, ServerError, ServerResult};
use chrono::{DateTime, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Checks a simulator link for `actor`: the booking is theirs, pending, its hold has not lapsed,
/// and `firma` signs exactly its id, amount and hold expiry.
fn check_link(
    signer: &SimulatorSigner,
    actor: &Actor,
    booking_id: Uuid,
    resident_id: Uuid,
    amount: Clp,
    hold_expires_at: Option<DateTime<Utc>>,
    firma: &str,
) -> Result<DateTime<Utc>, AppError> {
    require_owner(actor, resident_id)?;
    let Some(expires_at) = hold_expires_at else {
        return Err(AppError::Refused(INVALID_LINK_MESSAGE.into()));
    };
    if !signer.verify(booking_id, amount, expires_at, firma) {
        return Err(AppError::Refused(INVALID_LINK_MESSAGE.into()));
    }
    Ok(expires_at)
}

/// The simulator's checkout page for a signed link.
pub async fn simulator_checkout(
    pool: &PgPool,
    signer: &SimulatorSigner,
    actor: &Actor,
    booking_id: Uuid,
    firma: &str,
    now: DateTime<Utc>,
) -> ServerResult<SimulatorPage> {
    let f = booking_facts(pool, booking_id).await?.ok_or(AppError::NotFound)?;
    let expires_at = check_link(signer, actor, booking_id, f.resident_id, f.amount, f.hold_expires_at, firma)?;
    if f.status != BookingStatus::Pending {
        return Err(AppError::Conflict(NOT_PENDING_MESSAGE.into()).into());
    }
    if hold_expired(now, expires_at) {
        return Err(AppError::Conflict(EXPIRED_MESSAGE.into()).into());
    }
    Ok(SimulatorPage {
        booking_id: booking_id.to_string(),
        firma: firma.trim().to_string(),
        amount_pesos: f.amount.pesos(),
        amount: f.amount.to_string(),
        window: format!("{}, {}", f.date(), f.window()),
        hold_until: f.hold_until().unwrap_or_default(),
        building: f.building,
        address: f.address,
        spot: f.spot,
        visitor: f.visitor,
        plate: f.plate,
    })
}

/// What the simulator page posts, parsed: the booking, the link's signature, the amount the
/// page showed and the decision.
#[derive(Debug, Clone, Copy)]
pub struct SimulatorPost<'a> {
    /// The booking being paid.
    pub booking_id: Uuid,
    /// The link's signature (`firma`).
    pub firma: &'a str,
    /// The signed amount the page posted back (`monto`).
    pub amount: Clp,
    /// Approve, reject or leave pending.
    pub decision: Decision,
}

/// The resident's decision on the simulator page. In one transaction under the booking's lock:
/// the link is checked (owner, signature over id + amount + expiry, the posted amount equal to
/// the signed one, hold not lapsed), then an approval records an approved payment and confirms
/// the booking, a rejection records a rejected payment and cancels it (freeing the spot), and
/// "leave pending" changes nothing. Approving twice is harmless (the second does nothing).
pub async fn simulate(
    pool: &PgPool,
    signer: &SimulatorSigner,
    actor: &Actor,
    post: SimulatorPost<'_>,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> ServerResult<Decision> {
    let SimulatorPost { booking_id, firma, amount, decision } = post;
    let mut tx = pool.begin().await?;
    let booking = lock_booking(&mut tx, booking_id).await?.ok_or(AppError::NotFound)?;
    let expires_at = check_link(signer, actor, booking_id, booking.resident_id, booking.amount, booking.hold_expires_at, firma)?;
    if amount != booking.amount {
        return Err(AppError::Refused(INVALID_LINK_MESSAGE.into()).into());
    }
    match (booking.status, decision) {
        (BookingStatus::Pending, _) if hold_expired(now, expires_at) => {
            return Err(AppError::Conflict(EXPIRED_MESSAGE.into()).into());
        }
        (BookingStatus::Pending, Decision::Leave) => return Ok(Decision::Leave),
        (BookingStatus::Pending, Decision::Approve | Decision::Reject) => {}
        // A second click after the first went through: nothing more to do.
        (BookingStatus::Confirmed, Decision::Approve) | (BookingStatus::Cancelled, Decision::Reject) => {
            return Ok(decision);
        }
        _ => return Err(AppError::Conflict(NOT_PENDING_MESSAGE.into()).into()),
    }
    let report = GatewayPayment {
        provider: Provider::Simulator,
        provider_payment_id: format!("sim-{}", Uuid::new_v4()),
        status: if decision == Decision::Approve { "approved" } else { "rejected" }.into(),
        status_detail: Some("simulated".into()),
        external_reference: Some(booking_id.to_string()),
        amount: Some(booking.amount),
        currency: Some("CLP".into()),
        raw: json!({ "simulator": true, "decision": decision.as_str() }),
    };
    let applied = apply_locked(&mut tx, Some(&booking), &report, &actor.audit(), meta).await?;
    if !matches!(applied, Applied::Confirmed | Applied::Rejected) {
        return Err(ServerError::invariant(format!("simulated payment applied as {applied:?}")));
    }
    tx.commit().await?;
    Ok(decision)
}
