//! `GET /cuenta/mis-datos.json`: the person's data as a JSON file (portability). A plain axum
//! handler (a download, not a page) that reads the session as every server function does;
//! rate-limited per account and audited.

use super::export::{my_data, record_export, EXPORT_PER_ACCOUNT};
use crate::error::AppError;
use crate::ssr::{actor::actor_of_session, audit::RequestMeta, client_ip::ClientIp, rate_limit, AppState, ServerError};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::{header, HeaderMap, StatusCode};
use tower_sessions::Session;

/// The handler.
pub async fn download(
    State(state): State<AppState>,
    session: Session,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let meta = RequestMeta {
        ip: client.map(|Extension(ClientIp(ip))| ip),
        user_agent: header("user-agent"),
        request_id: header("x-request-id"),
    };
    match build(&state, &session, &meta).await {
        Ok(body) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "application/json; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, "attachment; filename=\"mis-datos-estacionate.json\"".to_string()),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(err) => {
            let err: AppError = err.into();
            match err {
                AppError::Unauthenticated => {
                    (StatusCode::SEE_OTHER, [(header::LOCATION, "/ingresar?volver=/cuenta/mis-datos")]).into_response()
                }
                other => {
                    let status = StatusCode::from_u16(other.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
                    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], other.to_string()).into_response()
                }
            }
        }
    }
}

async fn build(state: &AppState, session: &Session, meta: &RequestMeta) -> Result<String, ServerError> {
    let actor = actor_of_session(&state.pool, session, state.settings.session_limits)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    rate_limit::check(&*state.rate_limiter, EXPORT_PER_ACCOUNT, &actor.id.to_string()).await?;
    let data = my_data(&state.pool, &state.vault, &actor, chrono::Utc::now()).await?;
    record_export(&state.pool, &actor, "json", meta).await?;
    serde_json::to_string_pretty(&data).map_err(|e| ServerError::unexpected("json", e))
}
