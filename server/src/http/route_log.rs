//! Request logs name the route a request matched (`/pase/{token}`, `/api/identity/log_in`),
//! never its raw path: a guest pass's path is its bearer token, and other paths may carry ids
//! people should not find in logs. The request span starts with an empty `http.route`; this
//! layer, which runs only for matched routes, fills it in (on the request span itself, which
//! [`keep_request_span`] hands down: inner layers such as the session layer open spans of their
//! own, so the current span there is not the request's).

use axum::{
    extract::{MatchedPath, Request},
    middleware::Next,
    response::Response,
};

/// The span the trace layer opened for this request.
#[derive(Clone)]
struct RequestSpan(tracing::Span);

/// Middleware directly inside the trace layer: keeps its span in the request's extensions.
pub async fn keep_request_span(mut req: Request, next: Next) -> Response {
    req.extensions_mut().insert(RequestSpan(tracing::Span::current()));
    next.run(req).await
}

/// The route template a response answered, for the request metrics (a response extension: the
/// metrics layer sits outside the router, where the matched path is no longer known).
#[derive(Debug, Clone)]
pub struct RouteTemplate(pub std::sync::Arc<str>);

/// Route layer: records the matched route template on the request span and on the response.
pub async fn record_route(req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| std::sync::Arc::<str>::from(m.as_str()));
    if let (Some(route), Some(RequestSpan(span))) = (&route, req.extensions().get::<RequestSpan>()) {
        span.record("http.route", tracing::field::display(route));
    }
    let mut response = next.run(req).await;
    if let Some(route) = route {
        response.extensions_mut().insert(RouteTemplate(route));
    }
    response
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
