//! `bench_baseline`: the floor the search page is measured against in `scripts/bench.sh` — a bare
//! axum endpoint, `GET /building`, that runs one primary-key query
//! (`select name from buildings where id = $1`) on the same database, with the same pool settings
//! as the server (`DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`). No sessions, templates or
//! middleware: the cost of an HTTP request plus one database round trip on this machine.

use anyhow::Context as _;
use axum::{extract::State, http::StatusCode, routing::get, Router};
use clap::Parser;
use server::{config::Config, db};
use sqlx::PgPool;
use std::net::SocketAddr;
use uuid::Uuid;

/// Baseline HTTP server for the bench.
#[derive(Debug, Parser)]
#[command(name = "bench_baseline", about = "Estacionate bench: bare axum + one primary-key query")]
struct Cli {
    /// Where to listen (loopback only).
    #[arg(long, default_value = "127.0.0.1:3201")]
    addr: SocketAddr,
}

/// The pool and the building every request looks up.
#[derive(Clone)]
struct Baseline {
    pool: PgPool,
    building: Uuid,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(cli.addr.ip().is_loopback(), "the baseline listens on loopback only");
    let config = Config::from_env(cli.addr)?;
    let pool = db::connect(&config).await.context("connecting to DATABASE_URL")?;
    let building: Uuid = sqlx::query_scalar("select id from buildings order by name limit 1")
        .fetch_optional(&pool)
        .await?
        .context("no buildings: seed the bench database first")?;
    let router = Router::new().route("/building", get(building_name)).with_state(Baseline { pool, building });
    let listener = tokio::net::TcpListener::bind(cli.addr).await?;
    eprintln!("bench_baseline listening on http://{}", cli.addr);
    axum::serve(listener, router).with_graceful_shutdown(shutdown()).await?;
    Ok(())
}

/// `GET /building`: the building's name, or 500 if the query fails.
async fn building_name(State(state): State<Baseline>) -> Result<String, StatusCode> {
    sqlx::query_scalar("select name from buildings where id = $1")
        .bind(state.building)
        .fetch_one(&state.pool)
        .await
        .map_err(|_| StatusCode::INTERNAL_SERVER_ERROR)
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown() {
    let ctrl_c = async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    };
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut sig) => {
                sig.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
