//! CSRF defence for server functions: a state-changing request must come from our own pages.
//! Browsers send `Origin` on every POST (forms included) and `Sec-Fetch-Site` on every request;
//! a request whose origin is foreign, or that carries neither header, is refused before any
//! server function runs. Safe methods (GET, HEAD, OPTIONS) pass: they never change state.
//!
//! Payment gateways' webhooks (`/webhooks/…`) come from the gateway's servers, never from a
//! browser, so they are exempt; each authenticates its requests itself (MercadoPago: an HMAC
//! signature checked before anything else), and no session cookie grants anything there.

use axum::{
    extract::{Request, State},
    middleware::Next,
    response::{IntoResponse, Response},
};
use http::{header, Method, StatusCode};
use std::sync::Arc;

/// The origins a state-changing request may come from.
#[derive(Debug, Clone)]
pub struct AllowedOrigin {
    /// `PUBLIC_ORIGIN`, e.g. `https://estacionate.cl`.
    pub public_origin: Arc<str>,
}

/// Middleware applied to `/api/*` (server functions).
pub async fn require_same_origin(State(allowed): State<AllowedOrigin>, req: Request, next: Next) -> Response {
    if is_safe(req.method()) || is_webhook(&req) || is_same_origin(&req, &allowed) {
        return next.run(req).await;
    }
    tracing::warn!(
        http.method = %req.method(),
        http.path = %super::route_log::loggable_path(req.uri().path()),
        "cross-origin state-changing request refused"
    );
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "Solicitud rechazada: debe enviarse desde las páginas de Estacionate.",
    )
        .into_response()
}

/// The prefix of gateway webhooks, exempt from the same-origin check.
pub const WEBHOOK_PREFIX: &str = "/webhooks/";

fn is_webhook(req: &Request) -> bool {
    let path = req.uri().path();
    // Browsers post CSP reports without our Origin; the report changes nothing but a counter.
    path.starts_with(WEBHOOK_PREFIX) || path == super::csp_report::CSP_REPORT_PATH
}

fn is_safe(method: &Method) -> bool {
    matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

fn is_same_origin(req: &Request, allowed: &AllowedOrigin) -> bool {
    let headers = req.headers();
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        // "none" means the person typed the address or used a bookmark: not a forgery.
        if site != "same-origin" && site != "none" {
            return false;
        }
    }
    match headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) {
        Some(origin) => origin == &*allowed.public_origin || origin == host_origin(req, allowed),
        // Without Origin we rely on Sec-Fetch-Site having said same-origin.
        None => headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()).is_some_and(|s| s == "same-origin"),
    }
}

/// The origin the request was addressed to (`scheme://Host`), with the public origin's scheme:
/// accepts `localhost` and `127.0.0.1` alike during development.
fn host_origin(req: &Request, allowed: &AllowedOrigin) -> String {
    let scheme = if allowed.public_origin.starts_with("https://") { "https" } else { "http" };
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    format!("{scheme}://{host}")
}
