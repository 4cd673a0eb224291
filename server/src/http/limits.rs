//! Bounded work per request: a server function's body is read only up to a limit (64 KiB by
//! default; no form comes near it), and a request that has not produced its answer within the
//! request timeout is abandoned — except the live event stream, which is meant to stay open.

use app::error::AppError;
use axum::{
    body::Body,
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{header, StatusCode};
use std::time::Duration;

/// Prefix of the server functions' routes.
const SERVER_FN_PREFIX: &str = "/api/";
/// Prefix of the live event streams, exempt from the request timeout.
const LIVE_PREFIX: &str = "/vivo/";

/// The largest body a server function accepts, in bytes.
#[derive(Debug, Clone, Copy)]
pub struct BodyLimit(pub usize);

/// How long a request may take to produce its answer.
#[derive(Debug, Clone, Copy)]
pub struct RequestTimeout(pub Duration);

/// Middleware: buffers a server function's body up to the limit (whether or not it declared a
/// length) and answers 413 with a Spanish message past it, before any server function runs.
pub async fn limit_server_fn_body(State(limit): State<BodyLimit>, req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with(SERVER_FN_PREFIX) {
        return next.run(req).await;
    }
    let declared = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > u64::try_from(limit.0).unwrap_or(u64::MAX)) {
        return too_large(&req, limit);
    }
    let (parts, body) = req.into_parts();
    match axum::body::to_bytes(body, limit.0).await {
        Ok(bytes) => next.run(Request::from_parts(parts, Body::from(bytes))).await,
        // Past the limit (or the client stopped sending): nothing was read beyond the limit.
        Err(_) => too_large(&Request::from_parts(parts, Body::empty()), limit),
    }
}

/// 413 with the message a person can act on: the server-function error shape (JSON) for the
/// app's own requests, plain text for a form posted without JavaScript.
fn too_large(req: &Request, limit: BodyLimit) -> Response {
    tracing::warn!(limit = limit.0, "server function body over the limit refused");
    let error = AppError::Invalid {
        message: format!(
            "Los datos enviados superan el máximo permitido ({} KB). Acorta el texto e inténtalo nuevamente.",
            limit.0 / 1024
        ),
        fields: Vec::new(),
    };
    let wants_json = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("json"));
    match serde_json::to_string(&error) {
        Ok(json) if wants_json => {
            (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "application/json")], json).into_response()
        }
        _ => (StatusCode::PAYLOAD_TOO_LARGE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], error.to_string())
            .into_response(),
    }
}

/// Middleware: gives up on a request (503, Spanish text) when its answer takes longer than the
/// timeout. The handler's future is dropped; `statement_timeout` bounds what PostgreSQL may
/// still be doing for it.
pub async fn time_limit(State(limit): State<RequestTimeout>, req: Request, next: Next) -> Response {
    if req.uri().path().starts_with(LIVE_PREFIX) {
        return next.run(req).await;
    }
    match tokio::time::timeout(limit.0, next.run(req)).await {
        Ok(response) => response,
        Err(_) => {
            tracing::warn!(timeout_ms = u64::try_from(limit.0.as_millis()).unwrap_or(u64::MAX), "request timed out");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                "La solicitud tardó demasiado. Inténtalo nuevamente en unos minutos.",
            )
                .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use axum::{middleware, routing::get, Router};
    use http_body_util::BodyExt;
    use tower::ServiceExt;

    fn slow_router(limit: Duration) -> Router {
        async fn slow() -> &'static str {
            tokio::time::sleep(Duration::from_millis(300)).await;
            "listo"
        }
        Router::new()
            .route("/lento", get(slow))
            .route("/vivo/lento", get(slow))
            .layer(middleware::from_fn_with_state(RequestTimeout(limit), time_limit))
    }

    async fn get_text(router: Router, path: &str) -> (StatusCode, String) {
        let res = router.oneshot(Request::get(path).body(Body::empty()).unwrap()).await.unwrap();
        let status = res.status();
        let body = res.into_body().collect().await.unwrap().to_bytes();
        (status, String::from_utf8_lossy(&body).into_owned())
    }

    #[tokio::test]
    async fn a_request_past_the_timeout_gets_a_spanish_503_and_one_within_it_its_answer() {
        let (status, body) = get_text(slow_router(Duration::from_millis(50)), "/lento").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body.contains("La solicitud tardó demasiado"), "{body}");
        assert_eq!(get_text(slow_router(Duration::from_secs(5)), "/lento").await, (StatusCode::OK, "listo".into()));
    }

    #[tokio::test]
    async fn the_live_stream_is_exempt_from_the_timeout() {
        let (status, body) = get_text(slow_router(Duration::from_millis(50)), "/vivo/lento").await;
        assert_eq!((status, body.as_str()), (StatusCode::OK, "listo"));
    }
}
