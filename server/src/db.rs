//! The PostgreSQL pool and migrations.

use crate::config::Config;
use sqlx::{
    migrate::MigrateDatabase,
    postgres::{PgPool, PgPoolOptions},
    Postgres,
};
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

/// Applies every pending migration. Safe to run from several instances at once: sqlx takes an
/// advisory lock while migrating.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    crate::MIGRATOR.run(pool).await?;
    Ok(())
}
