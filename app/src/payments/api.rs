//! Server functions of payments. Each one: authorise, parse the raw form strings, call the
//! area's server code, map the error. Plain HTML forms post here without JavaScript and are
//! redirected onwards (or back, with the error).

use super::{CancelOutcome, CheckoutTarget, PaymentOutcome, RefundQuote, SimulatorPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::domain::{money::Clp, role::Role},
    crate::ssr::{actor, app_state, error::finish},
    uuid::Uuid,
};

/// A booking id from a form or a query string; anything unreadable is simply "not found".
#[cfg(feature = "ssr")]
fn booking_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
}

/// Where to pay one of the resident's pending bookings (the `/pago/ir/{id}` page calls it).
/// A site-relative checkout (the simulator) is also a redirect, so the page answers 302; an
/// external one (MercadoPago) is returned for the page to open (see that page for why).
#[server(prefix = "/api", endpoint = "payments/checkout")]
pub async fn checkout(booking_id: String) -> Result<CheckoutTarget, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    let id = finish(self::booking_id(&booking_id))?;
    let url = finish(super::ssr::start_checkout(&state.pool, &*state.gateway, &actor, id, chrono::Utc::now()).await)?;
    // `redirect` needs a valid header value; a gateway URL that is not one is a gateway fault.
    if http::HeaderValue::from_str(&url).is_err() {
        tracing::error!(booking.id = %id, "gateway returned an unusable checkout URL");
        return finish::<CheckoutTarget, AppError>(Err(AppError::Internal));
    }
    let external = !url.starts_with('/') || url.starts_with("//");
    if !external {
        leptos_axum::redirect(&url);
    }
    Ok(CheckoutTarget { url, external })
}

/// The simulator's checkout page of a signed link (the owning resident only).
#[server(prefix = "/api", endpoint = "payments/simulator_checkout")]
pub async fn simulator_checkout(booking_id: String, firma: String) -> Result<SimulatorPage, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    let signer = finish(state.simulator.clone().ok_or(AppError::NotFound))?;
    let id = finish(self::booking_id(&booking_id))?;
    finish(super::simulator::simulator_checkout(&state.pool, &signer, &actor, id, &firma, chrono::Utc::now()).await)
}

/// The simulator's decision (`aprobar`, `rechazar`, `pendiente`): valid only for the owning
/// resident, with the link's signature and the signed amount; then on to the result page.
#[server(prefix = "/api", endpoint = "payments/simulator_confirm")]
pub async fn confirm_simulated_payment(
    booking_id: String,
    firma: String,
    monto: String,
    decision: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    let signer = finish(state.simulator.clone().ok_or(AppError::NotFound))?;
    let id = finish(self::booking_id(&booking_id))?;
    let invalid = || AppError::Refused(super::ssr::INVALID_LINK_MESSAGE.into());
    let amount = finish(Clp::parse(&monto).map_err(|_| invalid()))?;
    let decision = finish(
        super::Decision::parse(&decision)
            .ok_or_else(|| AppError::field("decision", "Elige Aprobar, Rechazar o Dejar pendiente.")),
    )?;
    let meta = actor::request_meta();
    let done = finish(
        super::simulator::simulate(&state.pool, &signer, &actor, id, &firma, amount, decision, &meta, chrono::Utc::now()).await,
    )?;
    leptos_axum::redirect(&format!("{}?reserva={id}", done.result_path()));
    Ok(())
}

/// What the payment result pages show about the resident's own booking.
#[server(prefix = "/api", endpoint = "payments/result")]
pub async fn payment_result(booking_id: String) -> Result<PaymentOutcome, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    let id = finish(self::booking_id(&booking_id))?;
    let mut outcome = finish(super::ssr::payment_result(&state.pool, &actor, id, chrono::Utc::now()).await)?;
    // Shared links leave the site: they carry the public origin.
    outcome.guest_pass = outcome.guest_pass.map(|p| format!("{}{p}", state.settings.public_origin));
    Ok(outcome)
}

/// The refund a cancellation would give now (shown before confirming), or the refund given.
#[server(prefix = "/api", endpoint = "payments/refund_preview")]
pub async fn refund_preview(booking_id: String) -> Result<RefundQuote, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    let id = finish(self::booking_id(&booking_id))?;
    finish(super::cancel::refund_preview(&state.pool, &actor, id, chrono::Utc::now()).await)
}

/// Cancels a booking: its resident (policy refund) or staff in scope (full refund).
#[server(prefix = "/api", endpoint = "payments/cancel_booking")]
pub async fn cancel_booking(booking_id: String) -> Result<CancelOutcome, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    let id = finish(self::booking_id(&booking_id))?;
    let meta = actor::request_meta();
    finish(super::cancel::cancel(&state.pool, &*state.gateway, &actor, id, &meta, chrono::Utc::now()).await)
}

/// Staff in scope retry a booking's failed refund now (a plain POST button of the bookings
/// screen); back to the list of failed refunds.
#[server(prefix = "/api", endpoint = "payments/retry_refund")]
pub async fn retry_refund(booking_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &super::refunds::RETRIERS).await)?;
    let id = finish(self::booking_id(&booking_id))?;
    let meta = actor::request_meta();
    finish(super::refunds::retry_failed(&state.pool, &*state.gateway, &actor, id, &meta).await)?;
    leptos_axum::redirect("/admin/reservas?reembolso=fallido");
    Ok(())
}
