//! Liveness and readiness probes for load balancers and the run scripts.

use crate::lifecycle::Lifecycle;
use axum::extract::State;
use http::StatusCode;
use sqlx::PgPool;
use std::time::Duration;

/// `/healthz`: the process is up and serving.
pub async fn healthz() -> &'static str {
    "ok"
}

/// What the readiness probe looks at.
#[derive(Clone)]
pub struct Readiness {
    /// The pool requests use.
    pub pool: PgPool,
    /// Whether the instance is draining.
    pub lifecycle: Lifecycle,
}

/// `/readyz`: 503 once the instance drains (so the balancer stops sending it requests before it
/// stops accepting them), else whether the database answers within two seconds. The cause of a
/// failure goes to the log, never to the caller.
pub async fn readyz(State(ready): State<Readiness>) -> (StatusCode, &'static str) {
    if ready.lifecycle.is_draining() {
        return (StatusCode::SERVICE_UNAVAILABLE, "draining");
    }
    let probe = sqlx::query_scalar::<_, i32>("select 1").fetch_one(&ready.pool);
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
