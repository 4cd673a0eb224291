//! Liveness and readiness probes for load balancers and the run scripts.

use app::ssr::AppState;
use axum::extract::State;
use http::StatusCode;
use std::time::Duration;

/// `/healthz`: the process is up and serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// `/readyz`: the database answers within two seconds. The cause of a failure goes to the log,
/// never to the caller.
pub async fn readyz(State(state): State<AppState>) -> (StatusCode, &'static str) {
    let probe = sqlx::query_scalar::<_, i32>("select 1").fetch_one(&state.pool);
    match tokio::time::timeout(Duration::from_secs(2), probe).await {
        Ok(Ok(_)) => (StatusCode::OK, "ok"),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness probe: database error");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
        Err(_) => {
            tracing::warn!("readiness probe: database timeout");
            (StatusCode::SERVICE_UNAVAILABLE, "database unavailable")
        }
    }
}
