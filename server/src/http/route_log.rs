//! Request logs name the route a request matched (`/pase/{token}`, `/api/identity/log_in`),
//! never its raw path: a guest pass's path is its bearer token, and other paths may carry ids
//! people should not find in logs. The request span starts with an empty `http.route`; this
//! layer, which runs only for matched routes, fills it in.

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};

/// Route layer: records the matched route template on the current request span.
pub async fn record_route(req: Request, next: Next) -> Response {
    if let Some(route) = req.extensions().get::<MatchedPath>() {
        tracing::Span::current().record("http.route", tracing::field::display(route.as_str()));
    }
    next.run(req).await
}

/// What a log may say about a path no route matched: server-function paths are fixed names;
/// anything else (a page, a mistyped guest pass) is left out.
pub fn loggable_path(path: &str) -> &str {
    if path.starts_with("/api/") && path.len() <= 100 {
        path
    } else {
        "(page)"
    }
}
