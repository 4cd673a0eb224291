//! The HTTP stack: Leptos pages and server functions, static files, health endpoints, and the
//! middleware every response passes through (the client address, request id and tracing,
//! security headers with the CSP nonce, the request timeout, compression, sessions, the
//! same-origin check, the server functions' body limit).

pub mod client_ip;
pub mod csp_report;
pub mod health;
pub mod limits;
pub mod live;
pub mod origin;
pub mod route_log;
pub mod security;
pub mod session;
pub mod stream_slots;
pub mod whole_html;

use crate::config::Perimeter;
use crate::lifecycle::Lifecycle;
use app::ssr::{client_ip::ClientIp, AppState};
use app::{shell, App};
use axum::{
    middleware,
    routing::{get, post},
    Router,
};
use http::{HeaderName, Request};
use leptos_axum::{generate_route_list, AxumRouteListing, LeptosRoutes};
use std::sync::Arc;
use std::sync::OnceLock;
use tower_http::{
    compression::CompressionLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    trace::TraceLayer,
};
use tower_sessions::SessionManagerLayer;

pub use origin::AllowedOrigin;
pub use security::DevReload;
pub use session::AppSessionStore;

/// Header carrying the request id in both directions.
const REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The application's routes, generated once per process. Generating them runs the app with
/// resource loading suppressed through a process-wide flag (leptos_server's
/// `SuppressResourceLoad`, leptos issue #4773): a page whose resource first polls on another
/// thread at that moment waits forever. Generated once, before any router exists, no page can
/// be rendering; routers built later (the tests build one per test, in parallel) reuse it.
pub fn routes() -> Vec<AxumRouteListing> {
    static ROUTES: OnceLock<Vec<AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// Builds the complete application router. `extra` routes (the live-event stream, and the
/// payment and WhatsApp provider callbacks under `/webhooks/`, which the same-origin check
/// exempts) get every layer. `perimeter` says whose forwarding header to believe and bounds
/// each request's body and time.
pub fn router(
    state: AppState,
    sessions: SessionManagerLayer<AppSessionStore>,
    dev_reload: DevReload,
    extra: Router,
    perimeter: &Perimeter,
    lifecycle: &Lifecycle,
) -> Router {
    let routes = routes();
    let allowed = AllowedOrigin { public_origin: state.settings.public_origin.clone().into() };

    let leptos_options = state.leptos_options.clone();
    let csp_reports = csp_report::routes(state.rate_limiter.clone());
    let readiness = Router::new()
        .route("/readyz", get(health::readyz))
        .with_state(health::Readiness { pool: state.pool.clone(), lifecycle: lifecycle.clone() });
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/admin/reservas/exportar", get(app::admin::bookings::csv::export))
        .route("/cuenta/mis-datos.json", get(app::privacy::download::download))
        .route(app::admin::search::SEARCH_PATH, post(app::admin::search::redirect))
        .route("/mis-reservas/{id}/calendario.ics", get(app::calendar::download::booking_file))
        .route("/pase/{token}/calendario.ics", get(app::calendar::download::pass_file))
        .route("/calendario/{file}", get(app::calendar::download::feed))
        .leptos_routes_with_context(&state, routes, security::provide_request_nonce, move || shell(leptos_options.clone()))
        .fallback(leptos_axum::file_and_error_handler_with_context::<AppState, _>(security::provide_request_nonce, shell))
        .with_state(state)
        .merge(extra)
        .layer(middleware::from_fn_with_state(limits::BodyLimit(perimeter.server_fn_body_limit), limits::limit_server_fn_body))
        .merge(csp_reports)
        .merge(readiness)
        .route_layer(middleware::from_fn(route_log::record_route))
        .layer(middleware::from_fn_with_state(allowed, origin::require_same_origin))
        .layer(middleware::from_fn(session::provide_actor_memo))
        .layer(sessions)
        .layer(middleware::from_fn(whole_html::collect_pages))
        .layer(CompressionLayer::new())
        .layer(middleware::from_fn_with_state(limits::RequestTimeout(perimeter.request_timeout), limits::time_limit))
        .layer(middleware::from_fn_with_state(dev_reload, security::security_headers))
        .layer(middleware::from_fn(route_log::keep_request_span))
        .layer(middleware::from_fn(crate::metrics::track_http))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &Request<_>| {
            let request_id = req.headers().get(&REQUEST_ID).and_then(|v| v.to_str().ok()).unwrap_or_default();
            let client_ip = req.extensions().get::<ClientIp>().map(|c| c.0.to_string()).unwrap_or_default();
            tracing::info_span!(
                "request",
                http.method = %req.method(),
                // Filled in by `route_log` with the matched template, never the raw path.
                http.route = tracing::field::Empty,
                request.id = %request_id,
                client.ip = %client_ip,
            )
        }))
        .layer(PropagateRequestIdLayer::new(REQUEST_ID))
        .layer(SetRequestIdLayer::new(REQUEST_ID, MakeRequestUuid))
        .layer(middleware::from_fn_with_state(Arc::new(perimeter.trusted_proxies.clone()), client_ip::resolve_client_ip))
}
