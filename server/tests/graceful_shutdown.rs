//! The graceful stop an instance behind a load balancer needs: after SIGTERM `/readyz` fails at
//! once while requests are still served (the drain), then the listener closes, the request in
//! flight still gets its answer, open live streams end with a reconnect hint, and the process
//! exits 0.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::{body::Body, routing::get, Router};
use common::*;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use server::lifecycle::Lifecycle;
use sqlx::PgPool;
use std::process::{Command, Stdio};
use std::time::Duration;
use tower::ServiceExt;

fn config(vars: &[(&str, &str)]) -> server::config::Config {
    let map: std::collections::HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    server::config::Config::from_lookup("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned()).unwrap()
}

/// A client that opens a new connection for every request (a closed listener shows at once).
fn fresh_client() -> reqwest::Client {
    reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn readiness_fails_first_then_the_in_flight_request_completes_and_serving_ends(pool: PgPool) {
    let config = config(&[]);
    let state = server::startup::state(&config, pool.clone(), options(), None).unwrap();
    let store = server::startup::session_store(&pool, None).await.unwrap();
    let lifecycle = Lifecycle::new();
    let slow = || async {
        tokio::time::sleep(Duration::from_millis(1200)).await;
        "listo"
    };
    let router = server::http::router(
        state,
        server::http::session::session_layer(store, &config),
        server::http::DevReload::default(),
        Router::new().route("/lento", get(slow)),
        &config.perimeter,
        &lifecycle,
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let serving = tokio::spawn({
        let lifecycle = lifecycle.clone();
        async move { server::serve::run_until_stopped(listener, router, &lifecycle, Duration::from_secs(10)).await }
    });
    let http = fresh_client();
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::OK);

    let in_flight = tokio::spawn({
        let (http, url) = (http.clone(), format!("{base}/lento"));
        async move { http.get(url).send().await }
    });
    tokio::time::sleep(Duration::from_millis(150)).await;
    let (sigterm, signal) = tokio::sync::oneshot::channel::<()>();
    let stopping = tokio::spawn(server::serve::drain_then_stop(
        async move {
            let _ = signal.await;
        },
        lifecycle.clone(),
        Duration::from_millis(500),
    ));
    sigterm.send(()).unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;

    // Draining: the balancer's probe fails, but requests are still answered.
    let ready = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(ready.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(ready.text().await.unwrap(), "draining");
    assert_eq!(http.get(format!("{base}/healthz")).send().await.unwrap().status(), StatusCode::OK);
    assert!(!lifecycle.is_stopping());

    stopping.await.unwrap();
    assert!(lifecycle.is_stopping());
    // The request that was in flight when the stop began still gets its whole answer.
    let answered = in_flight.await.unwrap().unwrap();
    assert_eq!(answered.status(), StatusCode::OK);
    assert_eq!(answered.text().await.unwrap(), "listo");
    // And serving ends (well within the grace period): no new connection is accepted.
    tokio::time::timeout(Duration::from_secs(5), serving).await.unwrap().unwrap().unwrap();
    assert!(http.get(format!("{base}/healthz")).send().await.is_err());
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_stopping_instance_ends_live_streams_with_a_reconnect_hint(pool: PgPool) {
    let config = config(&[]);
    let server::startup::Assembled { state, router, bus, transport, lifecycle } =
        server::startup::app(&config, pool.clone(), options()).await.unwrap();
    let app = TestApp { state, router, bus, transport };
    let (tower, unit) = building(&pool, "Torre Central").await;
    user(&app, "conserje@x.cl", "concierge", "active", Some((tower, unit))).await;
    let mut client = Client::default();
    assert_eq!(client.log_in(&app, "conserje@x.cl", PASSWORD).await.status, StatusCode::OK);
    let mut req = Request::get(format!("/vivo/edificio/{tower}")).body(Body::empty()).unwrap();
    req.headers_mut().insert(header::COOKIE, client.cookie.clone().unwrap().parse().unwrap());
    let res = app.router.clone().oneshot(req).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let mut body = res.into_body();

    lifecycle.stop();
    let mut text = String::new();
    let ended = tokio::time::timeout(Duration::from_secs(3), async {
        while let Some(frame) = body.frame().await {
            if let Ok(data) = frame.unwrap().into_data() {
                text.push_str(&String::from_utf8_lossy(&data));
            }
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream must end when the instance stops: {text}");
    assert!(text.contains("event: reconectar"), "{text}");
    assert!(text.contains("retry: 1500"), "{text}");
}

/// A free port on loopback (bound, then released for the child process).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The test database's URL (the child process serves it).
async fn url_of(pool: &PgPool) -> String {
    let name: String = sqlx::query_scalar("select current_database()").fetch_one(pool).await.unwrap();
    let url = std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/estacionate_test".into());
    let server = url.rsplit_once('/').map_or(url.as_str(), |(server, _)| server).to_string();
    format!("{server}/{name}")
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_server_process_exits_0_after_sigterm_and_exports_metrics_until_then(pool: PgPool) {
    let (port, metrics_port) = (free_port(), free_port());
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env("APP_ENV", "test")
        .env("DATABASE_URL", url_of(&pool).await)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .env("METRICS_ADDR", format!("127.0.0.1:{metrics_port}"))
        .env("SHUTDOWN_DRAIN_SECONDS", "1")
        .env("RUST_LOG", "warn")
        .env_remove("REDIS_URL")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let http = fresh_client();
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..240 {
        if http.get(format!("{base}/readyz")).send().await.is_ok_and(|r| r.status() == StatusCode::OK) {
            ready = true;
            break;
        }
        assert!(child.try_wait().unwrap().is_none(), "the server exited during start-up");
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(ready, "the server never became ready");
    assert_eq!(http.get(format!("{base}/ingresar")).send().await.unwrap().status(), StatusCode::OK);

    // The metrics listener answers on its own port, not on the application's.
    let metrics = http.get(format!("http://127.0.0.1:{metrics_port}/metrics")).send().await.unwrap();
    assert_eq!(metrics.status(), StatusCode::OK);
    let text = metrics.text().await.unwrap();
    for series in
        ["http_requests_total", "db_pool_connections", "outbox_backlog", "bookings_confirmed_total", "live_streams_open"]
    {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
    assert!(text.contains(r#"route="/ingresar""#), "{text}");
    assert_eq!(http.get(format!("{base}/metrics")).send().await.unwrap().status(), StatusCode::NOT_FOUND);

    let killed = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status().unwrap();
    assert!(killed.success());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let draining = http.get(format!("{base}/readyz")).send().await.unwrap();
    assert_eq!(draining.status(), StatusCode::SERVICE_UNAVAILABLE);
    let mut status = None;
    for _ in 0..100 {
        status = child.try_wait().unwrap();
        if status.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let status = status.unwrap_or_else(|| {
        let _ = child.kill();
        panic!("the server did not exit within 10 s of SIGTERM")
    });
    assert_eq!(status.code(), Some(0), "{status:?}");
}
