//! Thin bootstrap: parse the command line, load configuration, connect, migrate, then serve.
//! Everything testable lives in the `server` library.

use clap::{Parser, Subcommand};
use leptos::prelude::get_configuration;
use server::{config::Config, db, startup, telemetry};

/// Estacionate server.
#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Estacionate: estacionamientos de visita")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the web application (the default).
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // A .env file is a development convenience; real deployments set the environment.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();

    let leptos_options = get_configuration(None)?.leptos_options;
    let config = Config::from_env(leptos_options.site_addr)?;
    telemetry::init(config.log_format);

    db::ensure_database(&config).await?;
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;

    match cli.command.unwrap_or(Command::Serve) {
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::Serve => serve(config, pool, leptos_options).await,
    }
}

async fn serve(
    config: Config,
    pool: sqlx::PgPool,
    leptos_options: leptos::prelude::LeptosOptions,
) -> anyhow::Result<()> {
    let addr = config.site_addr;
    let (state, router) = startup::app(&config, pool, leptos_options).await?;
    server::notify::spawn_worker(state);
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, origin = %config.public_origin, "listening");
    axum::serve(
        listener,
        router.into_make_service_with_connect_info::<std::net::SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown_signal())
    .await?;
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
