//! Prometheus metrics: recorded through the `metrics` facade (here and in `app`), rendered by
//! `metrics-exporter-prometheus` on `GET /metrics` of a listener of its own (`METRICS_ADDR`,
//! loopback by default: the endpoint has no authentication and must not be reachable through
//! the load balancer).
//!
//! The series (every label value is bounded: route templates, never raw paths; no ids, no PII):
//!
//! | series | kind | labels |
//! |---|---|---|
//! | `http_requests_total`, `http_request_duration_seconds` | counter, histogram | `method`, `route`, `status` |
//! | `db_pool_connections` | gauge | `pool` (`web`, `jobs`), `state` (`in_use`, `idle`) |
//! | `db_pool_max_connections` | gauge | `pool` |
//! | `db_pool_acquire_wait_seconds` | gauge | `pool`: how long the last probe waited for a connection |
//! | `outbox_backlog`, `outbox_oldest_unrelayed_age_seconds` | gauge | — |
//! | `notifications_sent_total`, `notifications_failed_total`, `notifications_retrying_total` | counter | — |
//! | `job_runs_total` | counter | `job`, `outcome` (`succeeded`, `failed`, `skipped`) |
//! | `job_failures_total` | counter | `job` |
//! | `bookings_created_total`, `bookings_confirmed_total`, `bookings_cancelled_total` | counter | — |
//! | `bus_consumer_lag`, `bus_consumer_pending` | gauge | `group` |
//! | `live_streams_open` | gauge | — |
//!
//! Counters are per instance (Prometheus sums them); the gauges read from PostgreSQL or Redis
//! (outbox, bus) describe the shared system and are the same on every instance.

use crate::bus::{EventBus, NOTIFICATIONS};
use crate::http::route_log::RouteTemplate;
use crate::lifecycle::Lifecycle;
use axum::{extract::Request, middleware::Next, response::Response, routing::get, Router};
use http::{header, Method, StatusCode};
use metrics::{counter, describe_counter, describe_gauge, describe_histogram, gauge, histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use sqlx::PgPool;
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use tokio::task::JoinHandle;

/// Upper bounds of the request-latency buckets, in seconds.
const LATENCY_BUCKETS: &[f64] = &[0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0];

/// How often the gauges read from the pools, the outbox and the bus are refreshed.
pub const COLLECT_EVERY: Duration = Duration::from_secs(5);

/// The label of a request no route matched (static files, unknown paths).
const UNMATCHED: &str = "(fallback)";

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the process-wide Prometheus recorder (once; later calls return the same handle).
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = match PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Full("http_request_duration_seconds".into()), LATENCY_BUCKETS)
            {
                Ok(with_buckets) => with_buckets,
                // Only an empty bucket list is refused; the constant is not empty.
                Err(err) => {
                    tracing::warn!(error = %err, "metrics: latency buckets refused; exporting summaries");
                    PrometheusBuilder::new()
                }
            };
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if let Err(err) = metrics::set_global_recorder(recorder) {
                tracing::warn!(error = %err, "metrics: another recorder is installed; /metrics stays empty");
            }
            describe();
            handle
        })
        .clone()
}

/// HELP texts, and every counter registered at zero so a fresh instance exports the whole set.
fn describe() {
    describe_counter!("http_requests_total", "HTTP requests answered, by route template, method and status");
    describe_histogram!(
        "http_request_duration_seconds",
        Unit::Seconds,
        "Time to the response head, by route template, method and status"
    );
    describe_gauge!("db_pool_connections", "PostgreSQL connections of a pool, in use or idle");
    describe_gauge!("db_pool_max_connections", "Size limit of a PostgreSQL pool");
    describe_gauge!(
        "db_pool_acquire_wait_seconds",
        Unit::Seconds,
        "How long the last probe waited for a pool connection (requests waiting for one wait about this long)"
    );
    describe_gauge!("outbox_backlog", "Outbox events not yet relayed to the bus");
    describe_gauge!(
        "outbox_oldest_unrelayed_age_seconds",
        Unit::Seconds,
        "Age of the oldest outbox event not yet relayed (0 when none)"
    );
    describe_counter!("notifications_sent_total", "WhatsApp messages accepted by the transport");
    describe_counter!(
        "notifications_failed_total",
        "WhatsApp messages given up on (permanent errors, attempts exhausted, interrupted sends)"
    );
    describe_counter!("notifications_retrying_total", "WhatsApp send attempts that failed and will be retried");
    describe_counter!("job_runs_total", "Scheduled job runs by job and outcome");
    describe_counter!("job_failures_total", "Scheduled job runs that failed, by job");
    describe_counter!("bookings_created_total", "Bookings created (pending payment)");
    describe_counter!("bookings_confirmed_total", "Bookings confirmed by an approved payment");
    describe_counter!("bookings_cancelled_total", "Bookings cancelled (resident, staff, rejected payment, expired hold)");
    describe_gauge!("bus_consumer_lag", "Bus entries not yet delivered to the consumer group");
    describe_gauge!("bus_consumer_pending", "Bus entries delivered to the consumer group but not acknowledged");
    describe_gauge!("live_streams_open", "Live event streams open on this instance");
    for name in [
        "notifications_sent_total",
        "notifications_failed_total",
        "notifications_retrying_total",
        "bookings_created_total",
        "bookings_confirmed_total",
        "bookings_cancelled_total",
    ] {
        counter!(name).increment(0);
    }
    gauge!("live_streams_open").set(0.0);
}

/// The metrics listener's router: `GET /metrics` in the Prometheus text format.
pub fn router(handle: PrometheusHandle) -> Router {
    Router::new().route(
        "/metrics",
        get(move || {
            let handle = handle.clone();
            async move { (StatusCode::OK, [(header::CONTENT_TYPE, "text/plain; version=0.0.4; charset=utf-8")], handle.render()) }
        }),
    )
}

/// Serves [`router`] on `listener` until the instance has stopped.
pub async fn serve(listener: tokio::net::TcpListener, handle: PrometheusHandle, lifecycle: Lifecycle) {
    let shutdown = async move { lifecycle.stopped().await };
    if let Err(err) = axum::serve(listener, router(handle)).with_graceful_shutdown(shutdown).await {
        tracing::warn!(error = %err, "metrics listener stopped");
    }
}

/// A bounded method label.
fn method_label(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::HEAD => "HEAD",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        Method::OPTIONS => "OPTIONS",
        _ => "OTHER",
    }
}

/// Middleware inside the request span: counts and times every request by route template and
/// status, and writes the access line (status and time only: the span carries the request id
/// and the route template, never the path).
pub async fn track_http(req: Request, next: Next) -> Response {
    let method = method_label(req.method());
    let started = Instant::now();
    let response = next.run(req).await;
    let elapsed = started.elapsed();
    let route = response
        .extensions()
        .get::<RouteTemplate>()
        .map_or_else(|| Arc::<str>::from(UNMATCHED), |r| r.0.clone());
    let status = response.status().as_u16();
    let labels = [("method", method.to_string()), ("route", route.to_string()), ("status", status.to_string())];
    counter!("http_requests_total", &labels).increment(1);
    histogram!("http_request_duration_seconds", &labels).record(elapsed.as_secs_f64());
    let duration_ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    // The balancer's probes arrive every half second: only at debug level.
    if matches!(&*route, "/readyz" | "/healthz") {
        tracing::debug!(http.status = status, duration_ms, "request served");
    } else {
        tracing::info!(http.status = status, duration_ms, "request served");
    }
    response
}

/// One more open live stream until the guard is dropped.
#[derive(Debug)]
pub struct LiveStreamGauge(());

impl LiveStreamGauge {
    /// Counts a stream as open.
    pub fn open() -> Self {
        gauge!("live_streams_open").increment(1.0);
        Self(())
    }
}

impl Drop for LiveStreamGauge {
    fn drop(&mut self) {
        gauge!("live_streams_open").decrement(1.0);
    }
}

/// What the collector reads.
#[derive(Clone)]
pub struct Sources {
    /// The pool requests use.
    pub web: PgPool,
    /// The pool jobs, workers and commands use.
    pub jobs: PgPool,
    /// The bus whose consumer lag is reported.
    pub bus: Arc<dyn EventBus>,
    /// The recorder, for its periodic upkeep.
    pub handle: PrometheusHandle,
}

/// Refreshes the gauges every `every` until the instance stops.
pub fn spawn_collector(sources: Sources, lifecycle: Lifecycle, every: Duration) -> JoinHandle<()> {
    tokio::spawn(async move {
        let mut stop = lifecycle.subscribe();
        loop {
            collect_once(&sources).await;
            tokio::select! {
                _ = tokio::time::sleep(every) => {}
                () = crate::lifecycle::until_true(&mut stop) => break,
            }
        }
    })
}

/// Reads every gauge once (failures are logged and leave the previous values).
pub async fn collect_once(sources: &Sources) {
    for (name, pool) in [("web", &sources.web), ("jobs", &sources.jobs)] {
        pool_gauges(name, pool).await;
    }
    let backlog: Result<(i64, Option<f64>), sqlx::Error> = sqlx::query_as(
        "select count(*), extract(epoch from now() - min(created_at))::float8
           from outbox where relayed_at is null",
    )
    .fetch_one(&sources.jobs)
    .await;
    match backlog {
        Ok((count, age)) => {
            gauge!("outbox_backlog").set(count as f64);
            gauge!("outbox_oldest_unrelayed_age_seconds").set(age.unwrap_or(0.0).max(0.0));
        }
        Err(err) => tracing::warn!(error = %err, "metrics: outbox backlog unreadable"),
    }
    match sources.bus.backlog(NOTIFICATIONS).await {
        Ok(backlog) => {
            if let Some(lag) = backlog.lag {
                gauge!("bus_consumer_lag", "group" => NOTIFICATIONS).set(lag as f64);
            }
            gauge!("bus_consumer_pending", "group" => NOTIFICATIONS).set(backlog.pending as f64);
        }
        Err(err) => tracing::warn!(error = %err, "metrics: bus backlog unreadable"),
    }
    sources.handle.run_upkeep();
}

/// The pool's connections by state, and how long a connection takes to get right now.
async fn pool_gauges(name: &'static str, pool: &PgPool) {
    let size = pool.size();
    let idle = u32::try_from(pool.num_idle()).unwrap_or(u32::MAX);
    gauge!("db_pool_connections", "pool" => name, "state" => "in_use").set(f64::from(size.saturating_sub(idle)));
    gauge!("db_pool_connections", "pool" => name, "state" => "idle").set(f64::from(idle));
    gauge!("db_pool_max_connections", "pool" => name).set(f64::from(pool.options().get_max_connections()));
    // sqlx does not count its waiters; a probe that waits in the same queue measures the wait.
    let started = Instant::now();
    let waited = match tokio::time::timeout(Duration::from_secs(2), pool.acquire()).await {
        Ok(Ok(_connection)) => started.elapsed(),
        Ok(Err(_)) | Err(_) => Duration::from_secs(2),
    };
    gauge!("db_pool_acquire_wait_seconds", "pool" => name).set(waited.as_secs_f64());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn method_labels_are_bounded() {
        assert_eq!(method_label(&Method::GET), "GET");
        assert_eq!(method_label(&Method::from_bytes(b"PROPFIND").unwrap()), "OTHER");
    }
}
