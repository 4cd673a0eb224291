//! Server functions of payments. Each one decodes its form and hands it to its handler (below,
//! server only): authorise, parse the raw form strings, call the area's server code, redirect.
//! Plain HTML forms post here without JavaScript and are redirected onwards (or back, with the
//! error).

use super::{CancelOutcome, CheckoutTarget, PaymentOutcome, RefundQuote, SimulatorPage};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// Where to pay one of the resident's pending bookings (the `/pago/ir/{id}` page calls it).
/// A site-relative checkout (the simulator) is also a redirect, so the page answers 302; an
/// external one (MercadoPago) is returned for the page to open (see that page for why).
#[server(prefix = "/api", endpoint = "payments/checkout")]
pub async fn checkout(booking_id: String) -> Result<CheckoutTarget, AppError> {
    serve(handlers::checkout(booking_id)).await
}

/// The simulator's checkout page of a signed link (the owning resident only).
#[server(prefix = "/api", endpoint = "payments/simulator_checkout")]
pub async fn simulator_checkout(booking_id: String, firma: String) -> Result<SimulatorPage, AppError> {
    serve(handlers::simulator_checkout(booking_id, firma)).await
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
    serve(handlers::confirm_simulated(booking_id, firma, monto, decision)).await
}

/// What the payment result pages show about the resident's own booking.
#[server(prefix = "/api", endpoint = "payments/result")]
pub async fn payment_result(booking_id: String) -> Result<PaymentOutcome, AppError> {
    serve(handlers::result(booking_id)).await
}

/// The refund a cancellation would give now (shown before confirming), or the refund given.
#[server(prefix = "/api", endpoint = "payments/refund_preview")]
pub async fn refund_preview(booking_id: String) -> Result<RefundQuote, AppError> {
    serve(handlers::refund_preview(booking_id)).await
}

/// Cancels a booking: its resident (policy refund) or staff in scope (full refund).
#[server(prefix = "/api", endpoint = "payments/cancel_booking")]
pub async fn cancel_booking(booking_id: String) -> Result<CancelOutcome, AppError> {
    serve(handlers::cancel_booking(booking_id)).await
}

/// Staff in scope retry a booking's failed refund now (a plain POST button of the bookings
/// screen); back to the list of failed refunds.
#[server(prefix = "/api", endpoint = "payments/retry_refund")]
pub async fn retry_refund(booking_id: String) -> Result<(), AppError> {
    serve(handlers::retry_refund(booking_id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{CancelOutcome, CheckoutTarget, PaymentOutcome, RefundQuote, SimulatorPage};
    use crate::domain::{money::Clp, role::Role};
    use crate::error::AppError;
    use crate::payments::{cancel, refunds, simulator, ssr, Decision};
    use crate::ssr::{actor, app_state, ServerResult};
    use chrono::Utc;
    use uuid::Uuid;

    /// A booking id from a form or a query string; anything unreadable is simply "not found".
    fn booking_id(raw: &str) -> Result<Uuid, AppError> {
        Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
    }

    /// See [`super::checkout`].
    pub(super) async fn checkout(booking_id: String) -> ServerResult<CheckoutTarget> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        let id = self::booking_id(&booking_id)?;
        let url = ssr::start_checkout(&state.pool, &*state.gateway, &actor, id, Utc::now()).await?;
        // `redirect` needs a valid header value; a gateway URL that is not one is a gateway fault.
        if http::HeaderValue::from_str(&url).is_err() {
            tracing::error!(booking.id = %id, "gateway returned an unusable checkout URL");
            return Err(AppError::Internal.into());
        }
        let external = !url.starts_with('/') || url.starts_with("//");
        if !external {
            leptos_axum::redirect(&url);
        }
        Ok(CheckoutTarget { url, external })
    }

    /// See [`super::simulator_checkout`].
    pub(super) async fn simulator_checkout(booking_id: String, firma: String) -> ServerResult<SimulatorPage> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        let signer = state.simulator.clone().ok_or(AppError::NotFound)?;
        let id = self::booking_id(&booking_id)?;
        simulator::simulator_checkout(&state.pool, &signer, &actor, id, &firma, Utc::now()).await
    }

    /// See [`super::confirm_simulated_payment`].
    pub(super) async fn confirm_simulated(
        booking_id: String,
        firma: String,
        monto: String,
        decision: String,
    ) -> ServerResult<()> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        let signer = state.simulator.clone().ok_or(AppError::NotFound)?;
        let id = self::booking_id(&booking_id)?;
        let amount = Clp::parse(&monto).map_err(|_| AppError::Refused(ssr::INVALID_LINK_MESSAGE.into()))?;
        let decision = Decision::parse(&decision)
            .ok_or_else(|| AppError::field("decision", "Elige Aprobar, Rechazar o Dejar pendiente."))?;
        let meta = actor::request_meta();
        let post = simulator::SimulatorPost { booking_id: id, firma: &firma, amount, decision };
        let done = simulator::simulate(&state.pool, &signer, &actor, post, &meta, Utc::now()).await?;
        leptos_axum::redirect(&format!("{}?reserva={id}", done.result_path()));
        Ok(())
    }

    /// See [`super::payment_result`].
    pub(super) async fn result(booking_id: String) -> ServerResult<PaymentOutcome> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        let id = self::booking_id(&booking_id)?;
        let mut outcome = ssr::payment_result(&state.pool, &actor, id, Utc::now()).await?;
        // Shared links leave the site: they carry the public origin.
        outcome.guest_pass = outcome.guest_pass.map(|p| format!("{}{p}", state.settings.public_origin));
        Ok(outcome)
    }

    /// See [`super::refund_preview`].
    pub(super) async fn refund_preview(booking_id: String) -> ServerResult<RefundQuote> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        let id = self::booking_id(&booking_id)?;
        cancel::refund_preview(&state.pool, &actor, id, Utc::now()).await
    }

    /// See [`super::cancel_booking`].
    pub(super) async fn cancel_booking(booking_id: String) -> ServerResult<CancelOutcome> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        let id = self::booking_id(&booking_id)?;
        let meta = actor::request_meta();
        cancel::cancel(&state.pool, &*state.gateway, &actor, id, &meta, Utc::now()).await
    }

    /// See [`super::retry_refund`].
    pub(super) async fn retry_refund(booking_id: String) -> ServerResult<()> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &refunds::RETRIERS).await?;
        let id = self::booking_id(&booking_id)?;
        let meta = actor::request_meta();
        refunds::retry_failed(&state.pool, &*state.gateway, &actor, id, &meta).await?;
        leptos_axum::redirect("/admin/reservas?reembolso=fallido");
        Ok(())
    }
}
