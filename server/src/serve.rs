//! `serve`: the HTTP server, the notification worker and the job scheduler, until Ctrl-C or
//! SIGTERM.

use crate::config::Config;
use crate::jobs::{self, scheduler::Scheduler};
use crate::startup;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;

/// Serves the application, delivers notifications and runs the scheduled jobs; on shutdown,
/// in-flight requests and job runs finish first.
pub async fn serve(
    config: Config,
    pool: PgPool,
    leptos_options: LeptosOptions,
) -> anyhow::Result<()> {
    let addr = config.site_addr;
    // Requests get a pool whose statements time out; the scheduled jobs keep `pool`.
    let web_pool = crate::db::connect_web(&config).await?;
    let startup::Assembled { state, router, bus, transport } =
        startup::app(&config, web_pool, leptos_options).await?;
    let gateway = state.gateway.clone();
    crate::notify::spawn_workers(state, bus, transport, jobs::instance_id(), Default::default());
    let listener = tokio::net::TcpListener::bind(addr).await?;
    let scheduler = Scheduler::start(pool, jobs::registry_with(Some(gateway)), jobs::instance_id());
    tracing::info!(%addr, origin = %config.public_origin, "listening");
    let served = axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await;
    scheduler.stop().await;
    served?;
    tracing::info!("stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM so in-flight requests finish before the process exits.
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
