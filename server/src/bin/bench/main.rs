//! `bench`: the load driver behind `scripts/bench.sh` and `scripts/bench-gate.sh` (measurements run on
//! demand, never part of `make test`).
//!
//! * `bench seed` fills a dedicated bench database with buildings, spots, block templates,
//!   availability blocks and approved residents.
//! * `bench book` runs the application's real booking transaction
//!   ([`app::booking::ssr::create`]) from concurrent clients, each booking blocks nobody else
//!   touches, for a fixed time, and reports bookings per second and latency percentiles.
//! * `bench seed-gate` fills a bench database with a year of bookings and gate history for a
//!   portfolio of buildings (`scripts/bench-gate.sh`).
//! * `bench gate` measures gate verifications over HTTP from concurrent concierges against the
//!   running server, and the baseline endpoint with the same driver.
//!
//! All read the server's own configuration (`DATABASE_URL`, `DATABASE_MAX_CONNECTIONS`, the PII
//! keys), so the booking path runs with exactly the pool and keys the server would use. All
//! refuse to touch a database whose name does not contain `bench`.

mod book;
mod gate;
mod gate_seed;
mod seed;
mod stats;

use anyhow::Context as _;
use app::ssr::{blind_index::BlindIndexer, vault::Vault};
use clap::{Parser, Subcommand};
use server::{config::Config, db, startup, telemetry};
use sqlx::PgPool;
use std::sync::Arc;

/// Estacionate's load driver.
#[derive(Debug, Parser)]
#[command(name = "bench", about = "Estacionate: seed a bench database, measure bookings and gate verifications")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Fill an empty, migrated bench database.
    Seed(seed::SeedArgs),
    /// Book distinct blocks from concurrent clients for a fixed time.
    Book(book::BookArgs),
    /// Fill an empty, migrated bench database with a year of bookings and gate history.
    SeedGate(gate_seed::GateSeedArgs),
    /// Measure gate verifications from concurrent concierges against a running server.
    Gate(gate::GateArgs),
}

/// What the subcommands need: the pool and the PII machinery, as the server builds them.
pub struct Env {
    /// The bench database.
    pub pool: PgPool,
    /// Encrypts PII exactly as the server does.
    pub vault: Arc<Vault>,
    /// Blind indexes exactly as the server computes them.
    pub indexer: Arc<BlindIndexer>,
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    // The listen address is irrelevant here; Config only needs one.
    let config = Config::from_env("127.0.0.1:0".parse()?)?;
    telemetry::init(config.log_format);
    let pool = db::connect(&config).await.context("connecting to DATABASE_URL")?;
    let database: String = sqlx::query_scalar("select current_database()").fetch_one(&pool).await?;
    anyhow::ensure!(database.contains("bench"), "refusing to run against database {database:?}: its name must contain \"bench\"");
    let ring = startup::key_ring(&config)?;
    let env = Env { pool, vault: Arc::new(Vault::new(&ring)), indexer: Arc::new(BlindIndexer::new(&ring)?) };
    match cli.command {
        Command::Seed(args) => seed::run(&env, &args).await,
        Command::Book(args) => book::run(&env, &args).await,
        Command::SeedGate(args) => gate_seed::run(&env, &args).await,
        Command::Gate(args) => gate::run(&env, &args).await,
    }
}
