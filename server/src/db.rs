//! The PostgreSQL pool and migrations.

use crate::config::Config;
use sqlx::{
    migrate::MigrateDatabase,
    postgres::{PgConnectOptions, PgPool, PgPoolOptions},
    Postgres,
};
use std::str::FromStr;
use std::time::Duration;

/// Creates the database when it does not exist yet (first run on a fresh machine).
pub async fn ensure_database(config: &Config) -> anyhow::Result<()> {
    let url = config.database_url.expose();
    if !Postgres::database_exists(url).await? {
        tracing::info!("creating the database");
        Postgres::create_database(url).await?;
    }
    Ok(())
}

/// Connects the pool.
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect(config.database_url.expose())
        .await?;
    Ok(pool)
}

/// Connects the pool that serves web requests: every connection runs with PostgreSQL's
/// `statement_timeout` (`DATABASE_STATEMENT_TIMEOUT_MS`), so no request can keep a statement
/// (and the locks it holds) running for longer. Jobs and commands use [`connect`], whose
/// connections have no such limit; a job sets its own with `SET LOCAL` where it wants one.
pub async fn connect_web(config: &Config) -> anyhow::Result<PgPool> {
    let millis = config.perimeter.statement_timeout.as_millis().to_string();
    let options = PgConnectOptions::from_str(config.database_url.expose())?.options([("statement_timeout", millis.as_str())]);
    let pool = PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .connect_with(options)
        .await?;
    Ok(pool)
}

/// Applies every pending migration. Safe to run from several instances at once: sqlx takes an
/// advisory lock while migrating.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    crate::MIGRATOR.run(pool).await?;
    Ok(())
}
