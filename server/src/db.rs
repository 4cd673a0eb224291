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

/// A connection idle for longer than this is pinged before it is handed out again.
const PING_AFTER_IDLE: Duration = Duration::from_secs(30);

/// The settings every pool of ours shares. sqlx pings each connection before handing it out by
/// default: a second round trip for every statement run on the pool, which a profile of the
/// search page under load found in a tenth of the server's time. Connections in steady use skip
/// it; one that sat idle (the database may have restarted meanwhile) is still checked, and
/// replaced when the check fails.
fn pool_options(config: &Config) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(config.database_max_connections)
        .acquire_timeout(Duration::from_secs(5))
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                if meta.idle_for > PING_AFTER_IDLE {
                    sqlx::Connection::ping(conn).await?;
                }
                Ok(true)
            })
        })
}

/// Connects the pool.
pub async fn connect(config: &Config) -> anyhow::Result<PgPool> {
    Ok(pool_options(config).connect(config.database_url.expose()).await?)
}

/// Connects the pool that serves web requests: every connection runs with PostgreSQL's
/// `statement_timeout` (`DATABASE_STATEMENT_TIMEOUT_MS`), so no request can keep a statement
/// (and the locks it holds) running for longer. Jobs and commands use [`connect`], whose
/// connections have no such limit; a job sets its own with `SET LOCAL` where it wants one.
pub async fn connect_web(config: &Config) -> anyhow::Result<PgPool> {
    let millis = config.perimeter.statement_timeout.as_millis().to_string();
    let options = PgConnectOptions::from_str(config.database_url.expose())?.options([("statement_timeout", millis.as_str())]);
    Ok(pool_options(config).connect_with(options).await?)
}

/// Applies every pending migration. Safe to run from several instances at once: sqlx takes an
/// advisory lock while migrating.
pub async fn migrate(pool: &PgPool) -> anyhow::Result<()> {
    crate::MIGRATOR.run(pool).await?;
    Ok(())
}
