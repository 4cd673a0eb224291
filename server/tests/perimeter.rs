//! The edge of the system through the real router: which client address counts (trusted
//! proxies and spoofed forwarding headers), the server functions' body limit, the request
//! timeout, PostgreSQL's statement timeout for the web pool and bounded free text.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::{body::Body, routing::get, Router};
use common::*;
use http::{header, Request, StatusCode};
use sqlx::PgPool;
use std::collections::HashMap;
use std::net::IpAddr;
use std::time::Duration;

const PROXIES: &[(&str, &str)] = &[("TRUSTED_PROXIES", "10.0.0.0/8")];

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

/// A server-function call with an `X-Forwarded-For` header.
async fn call_via(c: &mut Client, app: &TestApp, endpoint: &str, xff: &str, form: &[(&str, &str)]) -> Reply {
    let body = form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
    let req = Request::post(format!("/api/{endpoint}"))
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "application/json")
        .header("x-forwarded-for", xff)
        .body(Body::from(body))
        .unwrap();
    c.send(app, req).await
}

/// Ten reset requests per client address and hour are allowed; the eleventh is refused.
async fn exhaust_reset_budget(c: &mut Client, app: &TestApp, xff: impl Fn(usize) -> String) -> Vec<StatusCode> {
    let max = app::ssr::rate_limit::RESET_REQUEST_PER_IP.max as usize;
    let mut statuses = Vec::new();
    for i in 0..=max {
        let email = format!("nadie{i}@x.cl");
        statuses.push(call_via(c, app, "identity/request_reset", &xff(i), &[("email", &email)]).await.status);
    }
    statuses
}

async fn block_ip(app: &TestApp, value: &str) {
    user(app, "root@x.cl", "admin", "active", None).await;
    let mut admin = Client::default();
    assert_eq!(admin.log_in(app, "root@x.cl", PASSWORD).await.status, StatusCode::OK);
    let r = admin
        .call(app, "admin/blocklist_add", &[("kind", "ip"), ("value", value), ("reason", "Abuso"), ("building_id", "")])
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_forwarded_for_header_from_an_untrusted_peer_changes_nothing(pool: PgPool) {
    let app = app_with(pool, PROXIES).await;
    // Every request claims another client: the peer is not a proxy, so it is one client.
    let mut c = Client { cookie: None, ip: Some(ip("203.0.113.9")) };
    let statuses = exhaust_reset_budget(&mut c, &app, |i| format!("198.51.100.{i}")).await;
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");

    // A blocklisted address cannot hide behind a header either.
    let b = building(&app.state.pool, "Torre A").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    block_ip(&app, "203.0.113.77").await;
    let mut blocked = Client { cookie: None, ip: Some(ip("203.0.113.77")) };
    let r =
        call_via(&mut blocked, &app, "identity/log_in", "198.51.100.5", &[("email", "res@x.cl"), ("password", PASSWORD)]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_trusted_proxy_names_the_client(pool: PgPool) {
    let app = app_with(pool, PROXIES).await;
    let mut proxy = Client { cookie: None, ip: Some(ip("10.0.0.1")) };

    // One client behind the balancer spends its own budget, whatever it prepends...
    let statuses = exhaust_reset_budget(&mut proxy, &app, |i| format!("1.1.1.{i}, 198.51.100.20")).await;
    assert_eq!(statuses.last(), Some(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
    // ...and another client behind the same balancer still has all of its own.
    let r = call_via(&mut proxy, &app, "identity/request_reset", "198.51.100.21", &[("email", "otra@x.cl")]).await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);

    // The blocklist sees the client, not the balancer.
    let b = building(&app.state.pool, "Torre A").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    block_ip(&app, "198.51.100.66").await;
    let login = [("email", "res@x.cl"), ("password", PASSWORD)];
    let r = call_via(&mut proxy, &app, "identity/log_in", "198.51.100.66, 10.0.0.7", &login).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
    let mut other = Client { cookie: None, ip: Some(ip("10.0.0.1")) };
    let r = call_via(&mut other, &app, "identity/log_in", "198.51.100.67", &login).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);

    // The audit trail records the client too.
    call_via(&mut proxy, &app, "identity/log_in", "198.51.100.88", &[("email", "nadie@x.cl"), ("password", "x")]).await;
    let ips: Vec<String> = sqlx::query_scalar("select host(ip) from audit_log where ip is not null")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert!(ips.iter().any(|i| i == "198.51.100.88"), "{ips:?}");
    assert!(!ips.iter().any(|i| i == "10.0.0.1"), "the balancer is never the client: {ips:?}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_body_over_the_limit_answers_413_in_spanish(pool: PgPool) {
    let app = app(pool).await;
    let mut c = Client { cookie: None, ip: Some(ip("203.0.113.10")) };
    let big = "a".repeat(100 * 1024);
    let r = c.log_in(&app, "nadie@x.cl", &big).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE, "{}", &r.body[..r.body.len().min(200)]);
    assert!(r.body.contains("superan el máximo permitido (64 KB)"), "{}", r.body);

    // Without a declared length the body is still read only up to the limit.
    let chunks: Vec<Result<Vec<u8>, std::io::Error>> =
        (0..25).map(|_| Ok(format!("email=x%40x.cl&password={}", "b".repeat(4096)).into_bytes())).collect();
    let req = Request::post("/api/identity/log_in")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from_stream(futures_util::stream::iter(chunks)))
        .unwrap();
    let r = c.send(&app, req).await;
    assert_eq!(r.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert!(r.body.contains("Acorta el texto"), "{}", r.body);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_slow_request_gets_503_but_the_live_stream_stays_open(pool: PgPool) {
    let config = server::config::Config::from_lookup("127.0.0.1:3000".parse().unwrap(), |_| None).unwrap();
    let state = server::startup::state(&config, pool.clone(), options(), None).unwrap();
    let store = server::startup::session_store(&pool, None).await.unwrap();
    let slow = || async {
        tokio::time::sleep(Duration::from_millis(600)).await;
        "listo"
    };
    let extra = Router::new().route("/lento", get(slow)).route("/vivo/lento", get(slow));
    let mut perimeter = config.perimeter.clone();
    perimeter.request_timeout = Duration::from_millis(200);
    let router = server::http::router(
        state.clone(),
        server::http::session::session_layer(store, &config),
        server::http::DevReload::default(),
        extra,
        &perimeter,
        &server::lifecycle::Lifecycle::new(),
    );
    let app = TestApp {
        state,
        router,
        bus: server::startup::bus(&config).await.unwrap(),
        transport: server::notify::transport(&config).unwrap(),
    };
    let mut c = Client::default();
    let r = c.send(&app, Request::get("/lento").body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.body.contains("tardó demasiado"), "{}", r.body);
    let r = c.send(&app, Request::get("/vivo/lento").body(Body::empty()).unwrap()).await;
    assert_eq!((r.status, r.body.as_str()), (StatusCode::OK, "listo"));
}

/// The web pool's connections cancel a statement past `DATABASE_STATEMENT_TIMEOUT_MS`; the
/// pool jobs and commands use has no such limit.
#[tokio::test]
async fn a_slow_statement_is_cancelled_on_the_web_pool() {
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let vars: HashMap<&str, String> = HashMap::from([("DATABASE_URL", url), ("DATABASE_STATEMENT_TIMEOUT_MS", "200".into())]);
    let config = server::config::Config::from_lookup("127.0.0.1:3000".parse().unwrap(), |k| vars.get(k).cloned()).unwrap();
    let web = server::db::connect_web(&config).await.unwrap();
    let err = sqlx::query("select pg_sleep(2)").execute(&web).await.unwrap_err();
    let code = err.as_database_error().and_then(|e| e.code()).map(|c| c.to_string());
    assert_eq!(code.as_deref(), Some("57014"), "{err}");
    let jobs = server::db::connect(&config).await.unwrap();
    sqlx::query("select pg_sleep(0.4)").execute(&jobs).await.unwrap();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_over_long_reason_or_search_is_a_field_error_and_writes_nothing(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Torre A").await;
    user(&app, "adm@x.cl", "building_admin", "active", Some(b)).await;
    let pending = user(&app, "pend@x.cl", "resident", "pending", Some(b)).await;
    let mut admin = Client::default();
    assert_eq!(admin.log_in(&app, "adm@x.cl", PASSWORD).await.status, StatusCode::OK);
    let audit_rows = || async {
        sqlx::query_scalar::<_, i64>("select count(*) from audit_log where entity_id = $1")
            .bind(pending.to_string())
            .fetch_one(&app.state.pool)
            .await
            .unwrap()
    };
    let before = audit_rows().await;

    let long = "x".repeat(501);
    let r = admin
        .call(&app, "identity/reject_resident", &[("user_id", &pending.to_string()), ("reason", &long)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("\"reason\"") && r.body.contains("hasta 500 caracteres"), "{}", r.body);
    let status: String = sqlx::query_scalar("select status from users where id = $1")
        .bind(pending)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(status, "pending");
    assert_eq!(audit_rows().await, before);

    let r = admin
        .call(&app, "admin/residents", &[("edificio", ""), ("estado", ""), ("buscar", &"a".repeat(101))])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("\"buscar\""), "{}", r.body);

    // At the limit it is accepted.
    let r = admin
        .call(&app, "identity/reject_resident", &[("user_id", &pending.to_string()), ("reason", &"x".repeat(500))])
        .await;
    assert!(r.status.is_success(), "{} {}", r.status, r.body);
    let status: String = sqlx::query_scalar("select status from users where id = $1")
        .bind(pending)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(status, "banned");
}
