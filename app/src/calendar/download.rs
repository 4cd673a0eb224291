//! The `.ics` downloads, as plain axum handlers (files, not pages):
//! - `GET /mis-reservas/{id}/calendario.ics`: one of the logged-in resident's bookings;
//! - `GET /pase/{token}/calendario.ics`: the booking of a guest pass (no login, like the pass);
//! - `GET /calendario/{token}.ics`: a resident's private feed (no session: calendar programs
//!   fetch it on their own).
//!
//! Token endpoints are rate-limited per client address and answer an unknown, revoked or
//! malformed token with the same Spanish 404.

use crate::domain::calendar::CONTENT_TYPE;
use crate::error::AppError;
use crate::ssr::{
    actor::actor_of_session,
    client_ip::ClientIp,
    rate_limit::{self, CALENDAR_PER_IP},
    AppState, ServerError,
};
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::{header, StatusCode};
use tower_sessions::Session;
use uuid::Uuid;

/// Tokens are 43 characters (32 random bytes, base64url); anything far from that is refused
/// before touching the database.
fn plausible_token(token: &str) -> bool {
    (32..=64).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn error_response(err: ServerError) -> Response {
    // Logs the cause of anything unexpected, once.
    let err = AppError::from(err);
    match err {
        AppError::Unauthenticated => {
            (StatusCode::SEE_OTHER, [(header::LOCATION, "/ingresar?volver=%2Fmis-reservas")]).into_response()
        }
        other => {
            let status = StatusCode::from_u16(other.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            let text = match other {
                AppError::NotFound => {
                    "No encontramos ese calendario. Si el enlace fue revocado, genera uno nuevo en «Mi cuenta».".to_string()
                }
                other => other.to_string(),
            };
            (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
        }
    }
}

fn file(name: &str, body: String, attachment: bool) -> Response {
    let disposition = if attachment { "attachment" } else { "inline" };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, CONTENT_TYPE.to_string()),
            (header::CONTENT_DISPOSITION, format!("{disposition}; filename=\"{name}\"")),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        body,
    )
        .into_response()
}

async fn limited(state: &AppState, client: Option<Extension<ClientIp>>) -> Result<(), ServerError> {
    let subject = client.map_or_else(|| "unknown".to_string(), |Extension(ClientIp(ip))| ip.to_string());
    rate_limit::check(&*state.rate_limiter, CALENDAR_PER_IP, &subject).await?;
    Ok(())
}

/// `GET /mis-reservas/{id}/calendario.ics`.
pub async fn booking_file(State(state): State<AppState>, session: Session, Path(id): Path<String>) -> Response {
    let result = async {
        let actor = actor_of_session(&state.pool, &session, state.settings.session_limits)
            .await?
            .ok_or(AppError::Unauthenticated)?;
        let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
        super::ssr::resident_booking(&state.pool, &state.settings.public_origin, &actor, id, chrono::Utc::now()).await
    }
    .await;
    match result {
        Ok((name, body)) => file(&name, body, true),
        Err(e) => error_response(e),
    }
}

/// `GET /pase/{token}/calendario.ics`.
pub async fn pass_file(
    State(state): State<AppState>,
    client: Option<Extension<ClientIp>>,
    Path(token): Path<String>,
) -> Response {
    let result = async {
        limited(&state, client).await?;
        if !plausible_token(&token) {
            return Err(AppError::NotFound.into());
        }
        super::ssr::guest_pass(&state.pool, &state.settings.public_origin, &token, chrono::Utc::now()).await
    }
    .await;
    match result {
        Ok((name, body)) => file(&name, body, true),
        Err(e) => error_response(e),
    }
}

/// `GET /calendario/{token}.ics`.
pub async fn feed(State(state): State<AppState>, client: Option<Extension<ClientIp>>, Path(file_name): Path<String>) -> Response {
    let result = async {
        limited(&state, client).await?;
        let token = file_name.strip_suffix(".ics").filter(|t| plausible_token(t)).ok_or(AppError::NotFound)?;
        super::ssr::feed(&state.pool, &state.settings.public_origin, token, chrono::Utc::now())
            .await?
            .ok_or_else(|| ServerError::from(AppError::NotFound))
    }
    .await;
    match result {
        Ok(body) => file("estacionate.ics", body, false),
        Err(e) => error_response(e),
    }
}
