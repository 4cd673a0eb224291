//! Where browsers report Content-Security-Policy violations (`report-uri`, and the Reporting
//! API's `report-to`): each report is counted and logged as the violated directive and the
//! blocked resource's origin only. A report also carries the page's full URL (a guest-pass token,
//! search terms), the script sample and the referrer: none of that is logged or kept.
//!
//! Browsers send reports without our `Origin`, so the same-origin check lets this path through
//! (it changes nothing but a counter); abuse is bounded by a per-IP rate limit and a small body
//! limit.

use app::ssr::rate_limit::{self, Limit, RateLimiter};
use axum::{
    body::Bytes,
    extract::{DefaultBodyLimit, Request, State},
    http::{header, StatusCode},
    routing::post,
    Router,
};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// The path the CSP names.
pub const CSP_REPORT_PATH: &str = "/csp-report";

/// The Reporting API endpoint name the CSP's `report-to` uses (`Reporting-Endpoints`).
pub const REPORT_TO_GROUP: &str = "csp";

/// A report is a few hundred bytes; a batch of the Reporting API a few kilobytes.
pub const MAX_REPORT_BYTES: usize = 16 * 1024;

/// Reports per client address: a page with a real problem reports a handful; more is a flood.
pub const CSP_REPORT_PER_IP: Limit = Limit { name: "csp-report-ip", max: 60, window: Duration::from_secs(60) };

/// What the endpoint needs.
#[derive(Clone)]
pub struct CspReportState {
    /// The shared rate limiter (memory or Redis).
    pub limiter: Arc<dyn RateLimiter>,
    /// Violations received by this process.
    pub received: Arc<AtomicU64>,
}

/// The report route, with its own body limit.
pub fn routes(limiter: Arc<dyn RateLimiter>) -> Router {
    let state = CspReportState { limiter, received: Arc::default() };
    Router::new()
        .route(CSP_REPORT_PATH, post(receive))
        .layer(DefaultBodyLimit::max(MAX_REPORT_BYTES))
        .with_state(state)
}

async fn receive(State(state): State<CspReportState>, req: Request) -> StatusCode {
    // The one client address the perimeter resolved (TRUSTED_PROXIES), like every other limit.
    let ip = req
        .extensions()
        .get::<app::ssr::client_ip::ClientIp>()
        .map(|c| c.0.to_string())
        .or_else(|| req.extensions().get::<axum::extract::ConnectInfo<SocketAddr>>().map(|ci| ci.0.ip().to_string()))
        .unwrap_or_else(|| "unknown".into());
    if rate_limit::check(&*state.limiter, CSP_REPORT_PER_IP, &ip).await.is_err() {
        return StatusCode::TOO_MANY_REQUESTS;
    }
    let json_body = req.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        let ct = ct.split(';').next().unwrap_or_default().trim();
        ct.eq_ignore_ascii_case("application/csp-report")
            || ct.eq_ignore_ascii_case("application/reports+json")
            || ct.eq_ignore_ascii_case("application/json")
    });
    if !json_body {
        return StatusCode::UNSUPPORTED_MEDIA_TYPE;
    }
    let body: Bytes = match axum::body::to_bytes(req.into_body(), MAX_REPORT_BYTES).await {
        Ok(body) => body,
        Err(_) => return StatusCode::PAYLOAD_TOO_LARGE,
    };
    let Some(violations) = violations(&body) else {
        return StatusCode::BAD_REQUEST;
    };
    for v in violations {
        let total = state.received.fetch_add(1, Ordering::Relaxed).saturating_add(1);
        tracing::warn!(
            csp.directive = %v.directive,
            csp.blocked = %v.blocked,
            csp.violations_total = total,
            "content security policy violation reported"
        );
    }
    StatusCode::NO_CONTENT
}

/// The loggable part of one violation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation {
    /// The effective (or violated) directive, e.g. `script-src-elem`.
    pub directive: String,
    /// The blocked resource as a keyword (`inline`, `eval`) or an origin (`https://cdn.example`).
    pub blocked: String,
}

/// The violations of a `report-uri` body (`{"csp-report": {…}}`) or of a Reporting API batch
/// (`[{"type": "csp-violation", "body": {…}}]`); `None` when the body is neither.
pub fn violations(body: &[u8]) -> Option<Vec<Violation>> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    match value {
        serde_json::Value::Object(ref map) => {
            let report = map.get("csp-report")?;
            Some(vec![violation(report, "effective-directive", "violated-directive", "blocked-uri")])
        }
        serde_json::Value::Array(items) => Some(
            items
                .iter()
                .filter(|item| item.get("type").and_then(|t| t.as_str()) == Some("csp-violation"))
                .filter_map(|item| item.get("body"))
                .map(|body| violation(body, "effectiveDirective", "effectiveDirective", "blockedURL"))
                .collect(),
        ),
        _ => None,
    }
}

fn violation(report: &serde_json::Value, directive_key: &str, fallback_key: &str, blocked_key: &str) -> Violation {
    let text = |key: &str| report.get(key).and_then(|v| v.as_str()).unwrap_or_default();
    let directive = Some(text(directive_key)).filter(|d| !d.is_empty()).unwrap_or_else(|| text(fallback_key));
    Violation { directive: directive_name(directive), blocked: blocked_origin(text(blocked_key)) }
}

/// The directive's name alone (a `violated-directive` may carry the whole policy line).
fn directive_name(directive: &str) -> String {
    let name: String = directive.split_whitespace().next().unwrap_or_default().chars().take(40).collect();
    if !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '-') {
        name
    } else {
        "unknown".into()
    }
}

/// A keyword stays as it is; a URL is cut to its origin (its path and query may hold tokens or
/// personal data, its user-info credentials).
fn blocked_origin(blocked: &str) -> String {
    const KEYWORDS: [&str; 6] = ["inline", "eval", "wasm-eval", "trusted-types-policy", "trusted-types-sink", "self"];
    if blocked.is_empty() {
        return "none".into();
    }
    if let Some(keyword) = KEYWORDS.iter().find(|k| **k == blocked) {
        return (*keyword).to_string();
    }
    if let Some(scheme) = ["data", "blob", "filesystem"].iter().find(|s| blocked.starts_with(&format!("{s}:"))) {
        return (*scheme).to_string();
    }
    let Ok(uri) = blocked.parse::<http::Uri>() else {
        return "other".into();
    };
    match (uri.scheme_str(), uri.host()) {
        (Some(scheme), Some(host)) => match uri.port_u16() {
            Some(port) => format!("{scheme}://{host}:{port}"),
            None => format!("{scheme}://{host}"),
        },
        _ => "other".into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_report_formats_keep_only_directive_and_origin() {
        let legacy = br#"{"csp-report": {"document-uri": "http://x/pase/SECRET-TOKEN?rut=1-9",
            "violated-directive": "script-src-elem 'self' 'nonce-abc'",
            "blocked-uri": "https://user:pw@evil.example:8443/steal?email=ana@x.cl", "script-sample": "alert(1)"}}"#;
        assert_eq!(
            violations(legacy).unwrap(),
            [Violation { directive: "script-src-elem".into(), blocked: "https://evil.example:8443".into() }]
        );
        let batch = br#"[{"type": "csp-violation", "url": "http://x/pase/T", "body": {"effectiveDirective": "style-src-attr",
            "blockedURL": "inline", "documentURL": "http://x/pase/T"}}, {"type": "deprecation", "body": {}}]"#;
        assert_eq!(violations(batch).unwrap(), [Violation { directive: "style-src-attr".into(), blocked: "inline".into() }]);
        assert_eq!(violations(b"[1, 2").map(|v| v.len()), None);
        assert_eq!(violations(br#"{"other": 1}"#), None);
        assert_eq!(blocked_origin("data"), "other");
        assert_eq!(blocked_origin("data:image/png;base64,AAAA"), "data");
        assert_eq!(directive_name("<script>"), "unknown");
    }
}
