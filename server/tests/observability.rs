//! What operators see: the Prometheus series (by route template, never a raw path) and
//! `server check-config` naming every problem of an environment at once (the JSON log lines are
//! in json_logs.rs).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use sqlx::PgPool;
use std::process::Command;
use tower::ServiceExt;

const GUEST_TOKEN: &str = "tokenSecretoDelPaseDeVisita0123456789abcdef";

async fn render_metrics(handle: metrics_exporter_prometheus::PrometheusHandle) -> String {
    let res = server::metrics::router(handle)
        .oneshot(Request::get("/metrics").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    String::from_utf8(res.into_body().collect().await.unwrap().to_bytes().to_vec()).unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn metrics_expose_every_named_series_by_route_template(pool: PgPool) {
    let handle = server::metrics::install();
    let app = app(pool.clone()).await;
    let (tower, unit) = building(&pool, "Torre Métrica").await;
    user(&app, "metricas@x.cl", "resident", "active", Some((tower, unit))).await;
    let mut client = Client::default();
    assert_eq!(client.log_in(&app, "metricas@x.cl", PASSWORD).await.status, StatusCode::OK);
    client.send(&app, Request::get(format!("/pase/{GUEST_TOKEN}")).body(Body::empty()).unwrap()).await;
    let job = server::jobs::find("expire-holds", None).unwrap();
    server::jobs::run_job(&pool, &job, "metricas").await.unwrap();
    server::metrics::collect_once(&server::metrics::Sources {
        web: pool.clone(),
        jobs: pool.clone(),
        bus: app.bus.clone(),
        handle: handle.clone(),
    })
    .await;

    let text = render_metrics(handle).await;
    for series in [
        r#"http_requests_total{method="POST",route="/api/identity/log_in",status="200"}"#,
        r#"http_request_duration_seconds_bucket{method="GET",route="/pase/{token}""#,
        r#"db_pool_connections{pool="web",state="in_use"}"#,
        r#"db_pool_connections{pool="jobs",state="idle"}"#,
        r#"db_pool_acquire_wait_seconds{pool="web"}"#,
        "outbox_backlog ",
        "outbox_oldest_unrelayed_age_seconds ",
        "notifications_sent_total ",
        "notifications_failed_total ",
        "notifications_retrying_total ",
        r#"job_runs_total{job="expire-holds",outcome="succeeded"}"#,
        "bookings_created_total ",
        "bookings_confirmed_total ",
        "bookings_cancelled_total ",
        r#"bus_consumer_lag{group="notifications"}"#,
        r#"bus_consumer_pending{group="notifications"}"#,
        "live_streams_open ",
    ] {
        assert!(text.contains(series), "{series} missing from:\n{text}");
    }
    assert!(!text.contains(GUEST_TOKEN), "a raw path reached a label");
    // The metrics router serves nothing else.
    let other = server::metrics::router(server::metrics::install())
        .oneshot(Request::get("/").body(Body::empty()).unwrap())
        .await
        .unwrap();
    assert_eq!(other.status(), StatusCode::NOT_FOUND);
}

/// Runs `server check-config` with exactly `vars` (and nothing else from this environment).
fn check_config(vars: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("check-config")
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let text = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    (out.status.success(), text)
}

fn database_url() -> String {
    std::env::var("DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/estacionate_test".into())
}

#[test]
fn check_config_names_every_problem_and_exits_non_zero() {
    let (ok, text) = check_config(&[
        ("APP_ENV", "production"),
        ("PUBLIC_ORIGIN", "http://estacionate.cl"),
        ("PII_ENCRYPTION_KEYS", "1:corta"),
        ("TRUSTED_PROXIES", "el-balanceador"),
        ("METRICS_ADDR", "en todas partes"),
        ("DATABASE_URL", "postgres://postgres:secreto@127.0.0.1:1/estacionate"),
        ("REDIS_URL", "redis://127.0.0.1:1"),
    ]);
    assert!(!ok, "{text}");
    for variable in [
        "PUBLIC_ORIGIN",
        "PII_ENCRYPTION_KEYS",
        "PII_BLIND_INDEX_KEY",
        "PAYMENT_PROVIDER",
        "NOTIFY_TRANSPORT",
        "TRUSTED_PROXIES",
        "METRICS_ADDR",
        "DATABASE_URL",
        "REDIS_URL",
    ] {
        assert!(text.contains(&format!("  {variable}: ")), "{variable} not named:\n{text}");
    }
    // Secrets are never printed, only what is wrong with them.
    assert!(!text.contains("corta") && !text.contains("secreto"), "{text}");
}

#[test]
fn check_config_accepts_a_complete_production_environment() {
    let database = database_url();
    let (ok, text) = check_config(&[
        ("APP_ENV", "production"),
        ("PUBLIC_ORIGIN", "https://estacionate.cl"),
        ("DATABASE_URL", database.as_str()),
        ("PII_ENCRYPTION_KEYS", "1:q5Vq8bOQ2m1XnMlqk0yA7d0Cq6F0rJ6y5Xv6b1kq2mE="),
        ("PII_BLIND_INDEX_KEY", "u3Jc9k2sWq0bX8y7v6t5r4e3w2q1a0s9d8f7g6h5j4k="),
        ("PAYMENT_PROVIDER", "simulator"),
        ("NOTIFY_TRANSPORT", "outbox"),
        ("TRUSTED_PROXIES", "10.0.0.0/8"),
    ]);
    assert!(ok, "{text}");
    assert!(text.contains("check-config: OK") && text.contains("environment   production"), "{text}");
    assert!(!text.contains("q5Vq8b") && !text.contains("u3Jc9k"), "{text}");
}
