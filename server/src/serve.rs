//! `serve`: the HTTP server, the metrics listener, the notification workers and the job
//! scheduler, until Ctrl-C or SIGTERM — then a graceful stop (see [`crate::lifecycle`]).

use crate::config::Config;
use crate::jobs::{self, scheduler::Scheduler};
use crate::lifecycle::Lifecycle;
use crate::{metrics, startup};
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::future::{Future, IntoFuture};
use std::time::Duration;

/// Serves the application, delivers notifications and runs the scheduled jobs. On SIGTERM or
/// Ctrl-C: `/readyz` fails for the drain period while requests are still served, then the
/// listener closes, in-flight requests finish (up to the grace period), live streams end with a
/// reconnect hint, and workers and jobs stop after their current batch.
pub async fn serve(config: Config, pool: PgPool, leptos_options: LeptosOptions) -> anyhow::Result<()> {
    let addr = config.site_addr;
    let ops = config.operations.clone();
    // Requests get a pool whose statements time out; the scheduled jobs keep `pool`.
    let web_pool = crate::db::connect_web(&config).await?;
    let handle = metrics::install();
    let startup::Assembled { state, router, bus, transport, lifecycle } =
        startup::app(&config, web_pool.clone(), leptos_options).await?;
    let metrics_listener = bind_metrics(&config).await?;
    let gateway = state.gateway.clone();
    let workers = crate::notify::spawn_workers(state, bus.clone(), transport, jobs::instance_id(), Default::default());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let scheduler = Scheduler::start(pool.clone(), jobs::registry_with(Some(gateway)), jobs::instance_id());
    let sources = metrics::Sources { web: web_pool, jobs: pool, bus, handle: handle.clone() };
    let collector = metrics::spawn_collector(sources, lifecycle.clone(), metrics::COLLECT_EVERY);
    let metrics_server = metrics_listener.map(|listener| {
        tracing::info!(addr = %listener.local_addr().map(|a| a.to_string()).unwrap_or_default(), "metrics on /metrics");
        tokio::spawn(metrics::serve(listener, handle, lifecycle.clone()))
    });
    tracing::info!(%addr, origin = %config.public_origin, "listening");

    tokio::spawn(drain_then_stop(shutdown_signal(), lifecycle.clone(), ops.drain));
    run_until_stopped(listener, router, &lifecycle, ops.grace).await?;

    // Workers and jobs finish their batch; both are bounded by the same grace period.
    tokio::join!(scheduler.stop(), workers.stop(ops.grace));
    collector.abort();
    if let Some(server) = metrics_server {
        let _ = tokio::time::timeout(Duration::from_secs(2), server).await;
    }
    tracing::info!("stopped");
    Ok(())
}

/// Binds the metrics listener. A busy default address (another instance on this machine) is a
/// warning; an address set on purpose that cannot be bound refuses start-up.
async fn bind_metrics(config: &Config) -> anyhow::Result<Option<tokio::net::TcpListener>> {
    let Some(addr) = config.operations.metrics_addr else {
        tracing::info!("metrics: off (METRICS_ADDR=off)");
        return Ok(None);
    };
    match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => Ok(Some(listener)),
        Err(err) if !config.operations.metrics_addr_explicit => {
            tracing::warn!(%addr, error = %err, "metrics: the default address is taken; set METRICS_ADDR for this instance");
            Ok(None)
        }
        Err(err) => Err(anyhow::anyhow!("METRICS_ADDR {addr} cannot be bound: {err}")),
    }
}

/// Serves `router` on `listener` until the lifecycle stops; then waits for in-flight requests,
/// at most `grace`.
pub async fn run_until_stopped(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    lifecycle: &Lifecycle,
    grace: Duration,
) -> std::io::Result<()> {
    let stopped = {
        let lifecycle = lifecycle.clone();
        async move { lifecycle.stopped().await }
    };
    let served = axum::serve(listener, router.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(stopped);
    let deadline = async {
        lifecycle.stopped().await;
        tokio::time::sleep(grace).await;
    };
    tokio::select! {
        result = served.into_future() => result,
        () = deadline => {
            tracing::warn!(grace_seconds = grace.as_secs(), "requests still in flight after the grace period; stopping anyway");
            Ok(())
        }
    }
}

/// After `signal`: the drain (readiness fails, requests still served) for `drain`, then the stop.
pub async fn drain_then_stop(signal: impl Future<Output = ()>, lifecycle: Lifecycle, drain: Duration) {
    signal.await;
    lifecycle.begin_draining();
    tracing::info!(drain_ms = u64::try_from(drain.as_millis()).unwrap_or(u64::MAX), "draining: /readyz answers 503");
    tokio::time::sleep(drain).await;
    tracing::info!("stopping: no new connections; finishing in-flight requests");
    lifecycle.stop();
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
    tracing::info!("shutting down");
}
