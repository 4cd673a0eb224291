//! What operators see: the Prometheus series (by route template, never a raw path), the JSON
//! log lines (request id and route template, never personal data), and `server check-config`
//! naming every problem of an environment at once.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod log_capture;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use http_body_util::BodyExt;
use server::config::LogFormat;
use sqlx::PgPool;
use std::process::Command;
use tower::ServiceExt;
use tracing_subscriber::prelude::*;

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
    user(
        &app,
        "metricas@x.cl",
        "resident",
        "active",
        Some((tower, unit)),
    )
    .await;
    let mut client = Client::default();
    assert_eq!(
        client.log_in(&app, "metricas@x.cl", PASSWORD).await.status,
        StatusCode::OK
    );
    client
        .send(
            &app,
            Request::get(format!("/pase/{GUEST_TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;
    let job = server::jobs::find("expire-holds", None).unwrap();
    server::jobs::run_job(&pool, &job, "metricas")
        .await
        .unwrap();
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

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn json_logs_carry_the_request_id_and_route_but_no_personal_data(pool: PgPool) {
    let captured = log_capture::Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("info"))
        .with(server::telemetry::layer(LogFormat::Json, move || {
            writer.clone()
        }));
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app(pool.clone()).await;
    let (tower, unit) = building(&pool, "Torre Registro").await;
    user(
        &app,
        "camila.rojas@correo.cl",
        "resident",
        "active",
        Some((tower, unit)),
    )
    .await;
    let mut client = Client::default();
    assert_eq!(
        client
            .log_in(&app, "camila.rojas@correo.cl", PASSWORD)
            .await
            .status,
        StatusCode::OK
    );
    assert_eq!(
        client
            .log_in(&app, "camila.rojas@correo.cl", "Clave.Equivocada.99")
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
    client
        .send(
            &app,
            Request::get(format!("/pase/{GUEST_TOKEN}"))
                .body(Body::empty())
                .unwrap(),
        )
        .await;

    let text = captured.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let served: Vec<&serde_json::Value> = lines
        .iter()
        .filter(|l| l["message"] == "request served")
        .collect();
    assert!(served.len() >= 3, "{text}");
    for line in &served {
        let span = &line["span"];
        assert_eq!(span["name"], "request", "{line}");
        assert!(
            !span["request.id"].as_str().unwrap_or_default().is_empty(),
            "{line}"
        );
        assert!(line["http.status"].is_u64(), "{line}");
    }
    let routes: Vec<&str> = served
        .iter()
        .filter_map(|l| l["span"]["http.route"].as_str())
        .collect();
    assert!(routes.contains(&"/api/identity/log_in"), "{routes:?}");
    assert!(routes.contains(&"/pase/{token}"), "{routes:?}");
    for secret in [
        "camila.rojas@correo.cl",
        "Camila",
        "Rojas",
        PASSWORD,
        "Clave.Equivocada.99",
        GUEST_TOKEN,
        "+56912345678",
        "912345678",
    ] {
        assert!(!text.contains(secret), "{secret} reached the log:\n{text}");
    }
}

/// Runs `server check-config` with exactly `vars` (and nothing else from this environment).
fn check_config(vars: &[(&str, &str)]) -> (bool, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("check-config")
        .env_clear()
        .envs(vars.iter().copied())
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

fn database_url() -> String {
    std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/estacionate_test".into())
}

#[test]
fn check_config_names_every_problem_and_exits_non_zero() {
    let (ok, text) = check_config(&[
        ("APP_ENV", "production"),
        ("PUBLIC_ORIGIN", "http://estacionate.cl"),
        ("PII_ENCRYPTION_KEYS", "1:corta"),
        ("TRUSTED_PROXIES", "el-balanceador"),
        ("METRICS_ADDR", "en todas partes"),
        (
            "DATABASE_URL",
            "postgres://postgres:secreto@127.0.0.1:1/estacionate",
        ),
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
        assert!(
            text.contains(&format!("  {variable}: ")),
            "{variable} not named:\n{text}"
        );
    }
    // Secrets are never printed, only what is wrong with them.
    assert!(
        !text.contains("corta") && !text.contains("secreto"),
        "{text}"
    );
}

#[test]
fn check_config_accepts_a_complete_production_environment() {
    let database = database_url();
    let (ok, text) = check_config(&[
        ("APP_ENV", "production"),
        ("PUBLIC_ORIGIN", "https://estacionate.cl"),
        ("DATABASE_URL", database.as_str()),
        (
            "PII_ENCRYPTION_KEYS",
            "1:q5Vq8bOQ2m1XnMlqk0yA7d0Cq6F0rJ6y5Xv6b1kq2mE=",
        ),
        (
            "PII_BLIND_INDEX_KEY",
            "u3Jc9k2sWq0bX8y7v6t5r4e3w2q1a0s9d8f7g6h5j4k=",
        ),
        ("PAYMENT_PROVIDER", "simulator"),
        ("NOTIFY_TRANSPORT", "outbox"),
        ("TRUSTED_PROXIES", "10.0.0.0/8"),
    ]);
    assert!(ok, "{text}");
    assert!(
        text.contains("check-config: OK") && text.contains("environment   production"),
        "{text}"
    );
    assert!(
        !text.contains("q5Vq8b") && !text.contains("u3Jc9k"),
        "{text}"
    );
}
