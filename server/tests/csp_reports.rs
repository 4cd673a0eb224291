//! CSP violations are reported (issue 12, item 10): pages name the report endpoint in their
//! strict, nonce-based policy; the endpoint counts and logs each violation as its directive and
//! the blocked origin only (no page URL, token, query or sample), limits each client address'
//! reports, and refuses large or malformed bodies.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod log_capture;

use axum::body::Body;
use common::*;
use http::{header, Request, StatusCode};
use log_capture::Captured;
use sqlx::PgPool;
use std::net::IpAddr;

/// A report as a browser posts it: no Origin, no cookie.
fn report(content_type: &str, body: impl Into<Body>) -> Request<Body> {
    Request::post("/csp-report").header(header::CONTENT_TYPE, content_type).body(body.into()).unwrap()
}

const LEGACY: &str = r#"{"csp-report": {
    "document-uri": "http://127.0.0.1:3000/pase/TOKEN-DEL-PASE-0123456789?rut=12.345.678-5",
    "referrer": "http://127.0.0.1:3000/admin/lista-negra?buscar=ana%40correo.cl",
    "violated-directive": "script-src-elem",
    "effective-directive": "script-src-elem",
    "original-policy": "default-src 'none'",
    "blocked-uri": "https://evil.example/robar?telefono=%2B56912345678",
    "script-sample": "alert('ana@correo.cl')",
    "status-code": 200}}"#;

fn client(ip: &str) -> Client {
    Client { ip: Some(ip.parse::<IpAddr>().unwrap()), ..Client::default() }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_name_the_report_endpoint_in_a_policy_that_stays_strict(pool: PgPool) {
    let app = app(pool).await;
    let r = client("198.51.100.1").send(&app, Request::get("/ingresar").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK);
    let csp = r.header("content-security-policy").unwrap();
    assert!(csp.contains("report-uri /csp-report") && csp.contains("report-to csp"), "{csp}");
    assert!(csp.contains("'nonce-") && !csp.contains("unsafe-inline") && csp.starts_with("default-src 'none'"), "{csp}");
    assert_eq!(r.header("reporting-endpoints"), Some("csp=\"/csp-report\""));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_violation_is_counted_and_logged_without_personal_data(pool: PgPool) {
    let logs = Captured::default();
    let _guard = logs.start();
    let app = app(pool).await;
    let mut browser = client("198.51.100.2");

    let r = browser.send(&app, report("application/csp-report", LEGACY)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);
    let batch = r#"[{"type": "csp-violation", "age": 3, "url": "http://127.0.0.1:3000/pase/OTRO-TOKEN-987",
        "body": {"documentURL": "http://127.0.0.1:3000/pase/OTRO-TOKEN-987", "effectiveDirective": "style-src-attr",
                 "blockedURL": "inline", "sample": "color: red", "disposition": "enforce"}}]"#;
    let r = browser.send(&app, report("application/reports+json", batch)).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT, "{}", r.body);

    let text = logs.text();
    let lines: Vec<&str> = text.lines().filter(|l| l.contains("content security policy violation reported")).collect();
    assert_eq!(lines.len(), 2, "{text}");
    assert!(lines[0].contains("script-src-elem") && lines[0].contains("https://evil.example"), "{}", lines[0]);
    assert!(lines[0].contains("violations_total=1") && lines[1].contains("violations_total=2"), "{lines:?}");
    assert!(lines[1].contains("style-src-attr") && lines[1].contains("inline"), "{}", lines[1]);
    for personal in [
        "TOKEN-DEL-PASE",
        "OTRO-TOKEN",
        "12.345.678-5",
        "ana@correo",
        "ana%40correo",
        "56912345678",
        "robar",
        "alert(",
        "color: red",
    ] {
        assert!(!text.contains(personal), "{personal} logged: {text}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn reports_are_rate_limited_per_client_and_bounded_in_size(pool: PgPool) {
    let app = app(pool).await;
    let mut flood = client("203.0.113.7");
    let mut statuses = Vec::new();
    for _ in 0..61 {
        statuses.push(flood.send(&app, report("application/csp-report", LEGACY)).await.status);
    }
    assert!(statuses[..60].iter().all(|s| *s == StatusCode::NO_CONTENT), "{statuses:?}");
    assert_eq!(statuses[60], StatusCode::TOO_MANY_REQUESTS);
    // Another client is not affected.
    let mut other = client("203.0.113.8");
    assert_eq!(other.send(&app, report("application/csp-report", LEGACY)).await.status, StatusCode::NO_CONTENT);

    let huge = format!(r#"{{"csp-report": {{"effective-directive": "img-src", "script-sample": "{}"}}}}"#, "x".repeat(64 * 1024));
    assert_eq!(other.send(&app, report("application/csp-report", huge)).await.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(other.send(&app, report("application/csp-report", "{not json")).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(other.send(&app, report("text/plain", LEGACY)).await.status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
}
