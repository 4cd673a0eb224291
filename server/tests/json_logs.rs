//! The JSON log lines: the request id and the route template, never personal data. In its own
//! test binary: it installs a thread-scoped subscriber, and a callsite first reached by another
//! test running at the same moment could cache its interest without it (tracing's interest cache
//! is process-wide), which made the lines it waits for vanish under load.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod log_capture;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use server::config::LogFormat;
use sqlx::PgPool;
use tracing_subscriber::prelude::*;

const GUEST_TOKEN: &str = "tokenSecretoDelPaseDeVisita0123456789abcdef";

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn json_logs_carry_the_request_id_and_route_but_no_personal_data(pool: PgPool) {
    let captured = log_capture::Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_subscriber::EnvFilter::new("info"))
        .with(server::telemetry::layer(LogFormat::Json, move || writer.clone()));
    let _guard = tracing::subscriber::set_default(subscriber);

    let app = app(pool.clone()).await;
    let (tower, unit) = building(&pool, "Torre Registro").await;
    user(&app, "camila.rojas@correo.cl", "resident", "active", Some((tower, unit))).await;
    let mut client = Client::default();
    assert_eq!(client.log_in(&app, "camila.rojas@correo.cl", PASSWORD).await.status, StatusCode::OK);
    assert_eq!(client.log_in(&app, "camila.rojas@correo.cl", "Clave.Equivocada.99").await.status, StatusCode::BAD_REQUEST);
    client.send(&app, Request::get(format!("/pase/{GUEST_TOKEN}")).body(Body::empty()).unwrap()).await;

    let text = captured.text();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("not JSON ({e}): {line}")))
        .collect();
    let served: Vec<&serde_json::Value> = lines.iter().filter(|l| l["message"] == "request served").collect();
    assert!(served.len() >= 3, "{text}");
    for line in &served {
        let span = &line["span"];
        assert_eq!(span["name"], "request", "{line}");
        assert!(!span["request.id"].as_str().unwrap_or_default().is_empty(), "{line}");
        assert!(line["http.status"].is_u64(), "{line}");
    }
    let routes: Vec<&str> = served.iter().filter_map(|l| l["span"]["http.route"].as_str()).collect();
    assert!(routes.contains(&"/api/identity/log_in"), "{routes:?}");
    assert!(routes.contains(&"/pase/{token}"), "{routes:?}");
    for secret in
        ["camila.rojas@correo.cl", "Camila", "Rojas", PASSWORD, "Clave.Equivocada.99", GUEST_TOKEN, "+56912345678", "912345678"]
    {
        assert!(!text.contains(secret), "{secret} reached the log:\n{text}");
    }
}
