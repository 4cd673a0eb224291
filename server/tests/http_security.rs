//! Router tests of the security perimeter: the full header set on an HTML page, a
//! server-function answer and the 404 page; the CSP nonce in the header equals the nonce on
//! every inline script and changes per response; the same-origin check on server functions.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use axum::body::Body;
use http::{header, Request, Response, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::config::Config;
use sqlx::PgPool;
use std::collections::HashMap;
use tower::ServiceExt;

const ORIGIN: &str = "http://127.0.0.1:3000";

async fn app(pool: PgPool) -> axum::Router {
    let config = Config::from_lookup("127.0.0.1:3000".parse().unwrap(), |_| None).unwrap();
    let options = LeptosOptions::builder().output_name("estacionate").site_root("target/site").build();
    server::startup::router(&config, pool, options).await.unwrap()
}

async fn send(app: &axum::Router, req: Request<Body>) -> (Response<()>, String) {
    let res = app.clone().oneshot(req).await.unwrap();
    let (parts, body) = res.into_parts();
    let bytes = body.collect().await.unwrap().to_bytes();
    (Response::from_parts(parts, ()), String::from_utf8_lossy(&bytes).into_owned())
}

fn get(path: &str) -> Request<Body> {
    Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap()
}

fn header_map(res: &Response<()>) -> HashMap<String, String> {
    res.headers()
        .iter()
        .map(|(k, v)| (k.as_str().to_string(), v.to_str().unwrap().to_string()))
        .collect()
}

/// Headers every response must carry, whatever its type.
fn assert_common_headers(res: &Response<()>) {
    let h = header_map(res);
    assert_eq!(h["strict-transport-security"], "max-age=63072000; includeSubDomains; preload");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert_eq!(h["referrer-policy"], "strict-origin-when-cross-origin");
    assert_eq!(h["cross-origin-opener-policy"], "same-origin");
    assert_eq!(h["cross-origin-resource-policy"], "same-origin");
    assert_eq!(h["x-frame-options"], "DENY");
    assert!(h["permissions-policy"].contains("camera=()"));
    assert!(h["permissions-policy"].contains("geolocation=()"));
    assert!(h.contains_key("x-request-id"), "request id echoed");
}

/// Asserts the strict page policy and returns its nonce.
fn page_nonce(res: &Response<()>) -> String {
    let csp = header_map(res)["content-security-policy"].clone();
    for directive in [
        "default-src 'none'",
        "'wasm-unsafe-eval'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        "base-uri 'none'",
        "object-src 'none'",
    ] {
        assert!(csp.contains(directive), "{directive} missing from {csp}");
    }
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    let start = csp.find("'nonce-").expect("nonce in CSP") + "'nonce-".len();
    let end = start + csp[start..].find('\'').unwrap();
    csp[start..end].to_string()
}

/// Every `<script` tag in the page carries exactly `nonce`; returns how many there are.
fn assert_scripts_carry(body: &str, nonce: &str) -> usize {
    let mut count = 0;
    for (i, _) in body.match_indices("<script") {
        let tag_end = i + body[i..].find('>').unwrap();
        let tag = &body[i..tag_end];
        assert!(tag.contains(&format!("nonce=\"{nonce}\"")), "script without the header's nonce: {tag}");
        count += 1;
    }
    count
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn html_pages_get_the_full_header_set_and_a_fresh_matching_nonce(pool: PgPool) {
    let app = app(pool).await;

    let (res, body) = send(&app, get("/")).await;
    assert_eq!(res.status(), StatusCode::OK);
    assert!(header_map(&res)["content-type"].starts_with("text/html"));
    assert_common_headers(&res);
    assert_eq!(header_map(&res)["cache-control"], "no-store");
    let nonce = page_nonce(&res);
    assert!(nonce.len() >= 22, "at least 128 bits");
    assert!(body.contains("<html lang=\"es-CL\""));
    let scripts = assert_scripts_carry(&body, &nonce);
    assert!(scripts >= 1, "the hydration script is inline and nonced");
    assert!(!body.contains(" style=\""), "no inline style attributes");

    let (res2, body2) = send(&app, get("/")).await;
    let nonce2 = page_nonce(&res2);
    assert_ne!(nonce, nonce2, "a fresh nonce per response");
    assert_scripts_carry(&body2, &nonce2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_404_page_gets_the_same_nonce_as_its_header(pool: PgPool) {
    let app = app(pool).await;
    let (res, body) = send(&app, get("/esta-pagina-no-existe")).await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert_common_headers(&res);
    let nonce = page_nonce(&res);
    assert!(assert_scripts_carry(&body, &nonce) >= 1);
    assert!(body.contains("Página no encontrada"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn server_function_answers_get_the_non_html_policy(pool: PgPool) {
    let app = app(pool).await;
    let req = Request::post("/api/home/facts")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .body(Body::empty())
        .unwrap();
    let (res, body) = send(&app, req).await;
    assert_eq!(res.status(), StatusCode::OK, "{body}");
    assert_common_headers(&res);
    let h = header_map(&res);
    assert_eq!(h["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    assert_eq!(h["cache-control"], "no-store");
    assert!(body.contains("\"today\""), "{body}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn cross_origin_and_originless_posts_are_refused(pool: PgPool) {
    let app = app(pool).await;
    let post = |origin: Option<&str>, site: Option<&str>| {
        let mut req = Request::post("/api/home/facts").header(header::CONTENT_TYPE, "application/x-www-form-urlencoded");
        if let Some(o) = origin {
            req = req.header(header::ORIGIN, o);
        }
        if let Some(s) = site {
            req = req.header("sec-fetch-site", s);
        }
        req.body(Body::empty()).unwrap()
    };
    let (res, body) = send(&app, post(Some("https://evil.example"), None)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(body.contains("Solicitud rechazada"));
    assert_common_headers(&res);
    let (res, _) = send(&app, post(None, None)).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (res, _) = send(&app, post(Some(ORIGIN), Some("cross-site"))).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let (res, _) = send(&app, post(None, Some("same-origin"))).await;
    assert_eq!(res.status(), StatusCode::OK);
    let (res, _) = send(&app, post(Some(ORIGIN), Some("same-origin"))).await;
    assert_eq!(res.status(), StatusCode::OK);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn health_endpoints_answer(pool: PgPool) {
    let app = app(pool).await;
    let (res, body) = send(&app, get("/healthz")).await;
    assert_eq!((res.status(), body.as_str()), (StatusCode::OK, "ok"));
    assert_eq!(header_map(&res)["content-security-policy"], "default-src 'none'; frame-ancestors 'none'");
    let (res, body) = send(&app, get("/readyz")).await;
    assert_eq!((res.status(), body.as_str()), (StatusCode::OK, "ok"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn readyz_answers_503_while_the_database_is_down_and_healthz_stays_200(pool: PgPool) {
    use sqlx::Connection as _;
    let app = app(pool.clone()).await;
    let (res, _) = send(&app, get("/readyz")).await;
    assert_eq!(res.status(), StatusCode::OK);

    // The database goes down for this server: it refuses new connections and every open one,
    // the pool's included, is ended. An administrative session on another database brings it
    // back afterwards.
    let db = pool.connect_options().get_database().unwrap().to_string();
    let admin_options = (*pool.connect_options()).clone().database("postgres");
    let mut admin = sqlx::PgConnection::connect_with(&admin_options).await.unwrap();
    sqlx::query(&format!(r#"alter database "{db}" with allow_connections false"#))
        .execute(&mut admin)
        .await
        .unwrap();
    sqlx::query("select pg_terminate_backend(pid) from pg_stat_activity where datname = $1")
        .bind(&db)
        .execute(&mut admin)
        .await
        .unwrap();
    let (res, body) = send(&app, get("/readyz")).await;
    assert_eq!((res.status(), body.as_str()), (StatusCode::SERVICE_UNAVAILABLE, "database unavailable"));
    // Liveness does not depend on the database: a load balancer must not restart the process.
    let (res, body) = send(&app, get("/healthz")).await;
    assert_eq!((res.status(), body.as_str()), (StatusCode::OK, "ok"));

    // Back up: ready again without a restart (the pool replaces its dead connections).
    sqlx::query(&format!(r#"alter database "{db}" with allow_connections true"#))
        .execute(&mut admin)
        .await
        .unwrap();
    let mut status = StatusCode::SERVICE_UNAVAILABLE;
    for _ in 0..30 {
        status = send(&app, get("/readyz")).await.0.status();
        if status == StatusCode::OK {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, StatusCode::OK, "ready again once the database is back");
}
