//! Server functions of the gate. Each one decodes its form and hands it to its handler (below,
//! server only), whose outcome it converts once.

use super::{GateLists, Verdict};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// Verifies a plate or code; the gate screen then shows the verdict (`/conserjeria?v=<id>`).
#[server(prefix = "/api", endpoint = "gate/verify")]
pub async fn verify_at_gate(q: String) -> Result<(), AppError> {
    serve(handlers::verify_and_show(q)).await
}

/// Opening a guest pass's QR link (`/conserjeria?pase=<code>`): the same verification as typing
/// the code — role and building scope, rate limit, access event — then the same verdict screen.
/// Only a navigation the person started themselves (`Sec-Fetch-Site: none`, as when the phone's
/// camera app opens the link, or `same-origin`; browsers without Fetch Metadata too) verifies at
/// once; a link followed from another site only offers the verification (`Some(code)`), so no
/// other site can spend the concierge's verifications. Anyone who may not use the gate gets its
/// refusal and nothing is recorded.
#[server(prefix = "/api", endpoint = "gate/verify_link")]
pub async fn verify_pass_link(pase: String) -> Result<Option<String>, AppError> {
    serve(handlers::verify_link(pase)).await
}

/// The verdict of an earlier verification, with the booking's current state.
#[server(prefix = "/api", endpoint = "gate/verdict")]
pub async fn gate_verdict(v: String) -> Result<Verdict, AppError> {
    serve(handlers::verdict(v)).await
}

/// Today's lists at the gate.
#[server(prefix = "/api", endpoint = "gate/lists")]
pub async fn load_gate_lists() -> Result<GateLists, AppError> {
    serve(handlers::lists()).await
}

/// Registers `accion` (`ingreso`, `salida`, `no_llego`) for a booking of the gate's building.
#[server(prefix = "/api", endpoint = "gate/register")]
pub async fn register_at_gate(booking_id: String, accion: String) -> Result<(), AppError> {
    serve(handlers::register(booking_id, accion)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{GateLists, Verdict};
    use crate::concierge::ssr;
    use crate::domain::booking::BookingEvent;
    use crate::error::AppError;
    use crate::ssr::{actor, app_state, rate_limit, ServerResult};
    use chrono::Utc;
    use uuid::Uuid;

    /// See [`super::verify_pass_link`].
    pub(super) async fn verify_link(pase: String) -> ServerResult<Option<String>> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        ssr::require_gate(&actor)?;
        let headers = leptos_axum::extract::<http::HeaderMap>().await.unwrap_or_default();
        let first_party = headers
            .get("sec-fetch-site")
            .and_then(|v| v.to_str().ok())
            .is_none_or(|site| site == "none" || site == "same-origin");
        if !first_party {
            let code: String = pase.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(16).collect();
            return Ok(Some(code));
        }
        verify_and_show(pase).await.map(|()| None)
    }

    /// Rate limit, verification and the redirect to its verdict, shared by typing and the QR
    /// link (see [`super::verify_at_gate`]).
    pub(super) async fn verify_and_show(q: String) -> ServerResult<()> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        rate_limit::check(&*state.rate_limiter, rate_limit::VERIFY_PER_ACCOUNT, &actor.id.to_string()).await?;
        let (_, event_id) = ssr::verify(&state.pool, &actor, &q, Utc::now()).await?;
        leptos_axum::redirect(&format!("/conserjeria?v={event_id}"));
        Ok(())
    }

    /// See [`super::gate_verdict`].
    pub(super) async fn verdict(v: String) -> ServerResult<Verdict> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        let id = Uuid::parse_str(v.trim()).map_err(|_| AppError::NotFound)?;
        ssr::load_verdict(&state.pool, &actor, id, Utc::now()).await
    }

    /// See [`super::load_gate_lists`].
    pub(super) async fn lists() -> ServerResult<GateLists> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        ssr::lists(&state.pool, &actor, Utc::now()).await
    }

    /// See [`super::register_at_gate`].
    pub(super) async fn register(booking_id: String, accion: String) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_actor(&state.pool).await?;
        let id = Uuid::parse_str(booking_id.trim()).map_err(|_| AppError::NotFound)?;
        let event = match accion.as_str() {
            "ingreso" => BookingEvent::CheckIn,
            "salida" => BookingEvent::CheckOut,
            "no_llego" => BookingEvent::NoShow,
            _ => return Err(AppError::field("accion", "Acción desconocida.").into()),
        };
        ssr::register(&state.pool, &actor, id, event, &meta, Utc::now()).await
    }
}
