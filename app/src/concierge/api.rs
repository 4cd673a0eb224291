//! Server functions of the gate.

use super::{GateLists, Verdict};
use crate::error::AppError;
use leptos::prelude::*;

/// Verifies a plate or code; the gate screen then shows the verdict (`/conserjeria?v=<id>`).
#[server(prefix = "/api", endpoint = "gate/verify")]
pub async fn verify_at_gate(q: String) -> Result<(), AppError> {
    verify_and_show(&q).await
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
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(super::ssr::require_gate(&actor))?;
    let headers = leptos_axum::extract::<http::HeaderMap>().await.unwrap_or_default();
    let first_party = headers
        .get("sec-fetch-site")
        .and_then(|v| v.to_str().ok())
        .is_none_or(|site| site == "none" || site == "same-origin");
    if !first_party {
        let code: String = pase.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').take(16).collect();
        return Ok(Some(code));
    }
    verify_and_show(&pase).await.map(|()| None)
}

/// Rate limit, verification and the redirect to its verdict, shared by typing and the QR link.
#[cfg(feature = "ssr")]
async fn verify_and_show(q: &str) -> Result<(), AppError> {
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(
        crate::ssr::rate_limit::check(&*state.rate_limiter, crate::ssr::rate_limit::VERIFY_PER_ACCOUNT, &actor.id.to_string())
            .await,
    )?;
    let (_, event_id) = finish(super::ssr::verify(&state.pool, &actor, q, chrono::Utc::now()).await)?;
    leptos_axum::redirect(&format!("/conserjeria?v={event_id}"));
    Ok(())
}

/// The verdict of an earlier verification, with the booking's current state.
#[server(prefix = "/api", endpoint = "gate/verdict")]
pub async fn gate_verdict(v: String) -> Result<Verdict, AppError> {
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    let id = finish::<_, AppError>(uuid::Uuid::parse_str(v.trim()).map_err(|_| AppError::NotFound))?;
    finish(super::ssr::load_verdict(&state.pool, &actor, id, chrono::Utc::now()).await)
}

/// Today's lists at the gate.
#[server(prefix = "/api", endpoint = "gate/lists")]
pub async fn load_gate_lists() -> Result<GateLists, AppError> {
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(super::ssr::lists(&state.pool, &actor, chrono::Utc::now()).await)
}

/// Registers `accion` (`ingreso`, `salida`, `no_llego`) for a booking of the gate's building.
#[server(prefix = "/api", endpoint = "gate/register")]
pub async fn register_at_gate(booking_id: String, accion: String) -> Result<(), AppError> {
    use crate::domain::booking::BookingEvent;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_actor(&state.pool).await)?;
    let id = finish::<_, AppError>(uuid::Uuid::parse_str(booking_id.trim()).map_err(|_| AppError::NotFound))?;
    let event = match accion.as_str() {
        "ingreso" => BookingEvent::CheckIn,
        "salida" => BookingEvent::CheckOut,
        "no_llego" => BookingEvent::NoShow,
        _ => return finish::<(), AppError>(Err(AppError::field("accion", "Acción desconocida."))),
    };
    finish(super::ssr::register(&state.pool, &actor, id, event, &meta, chrono::Utc::now()).await)
}
