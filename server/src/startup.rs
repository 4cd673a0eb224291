//! Assembles the running application from a configuration: state, session store, router.
//! Shared by `main` and the router tests so both exercise the same stack.

use crate::config::Config;
use crate::http::{self, AppSessionStore, DevReload};
use app::ssr::{blind_index::BlindIndexer, keys::KeyRing, vault::Vault, AppState, Settings};
use axum::Router;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions_redis_store::{
    fred::{
        interfaces::ClientLike,
        types::{config::Config as RedisConfig, Builder},
    },
    RedisStore,
};
use tower_sessions_sqlx_store::PostgresStore;

/// Loads the PII keys. Production refuses to start without real ones; development falls back
/// to fixed development keys and says so loudly.
pub fn key_ring(config: &Config) -> anyhow::Result<KeyRing> {
    let ring = KeyRing::from_config(
        config.pii_encryption_keys.as_ref().map(|s| s.expose()),
        config.pii_blind_index_key.as_ref().map(|s| s.expose()),
        config.production,
    )?;
    if ring.is_development() {
        tracing::warn!("PII keys: using the DEVELOPMENT keys; set PII_ENCRYPTION_KEYS and PII_BLIND_INDEX_KEY for real data");
    }
    Ok(ring)
}

/// Builds the application state.
pub fn state(
    config: &Config,
    pool: PgPool,
    leptos_options: LeptosOptions,
) -> anyhow::Result<AppState> {
    let ring = key_ring(config)?;
    Ok(AppState {
        leptos_options,
        pool,
        settings: Arc::new(Settings {
            public_origin: config.public_origin.clone(),
            production: config.production,
        }),
        vault: Arc::new(Vault::new(&ring)),
        blind_index: Arc::new(BlindIndexer::new(&ring)?),
    })
}

/// Chooses and prepares the session store: Redis when configured, else PostgreSQL (whose table
/// is created here and swept of expired sessions by a background task).
pub async fn session_store(config: &Config, pool: &PgPool) -> anyhow::Result<AppSessionStore> {
    match &config.redis_url {
        Some(url) => {
            let redis_config = RedisConfig::from_url(url.expose())?;
            let redis = Builder::from_config(redis_config).build_pool(4)?;
            redis.init().await?;
            tracing::info!("sessions: redis");
            Ok(AppSessionStore::Redis(RedisStore::new(redis)))
        }
        None => {
            let store = PostgresStore::new(pool.clone());
            store.migrate().await?;
            let sweeper = store.clone();
            tokio::spawn(async move {
                use tower_sessions::ExpiredDeletion;
                if let Err(err) = sweeper
                    .continuously_delete_expired(Duration::from_secs(600))
                    .await
                {
                    tracing::warn!(error = %err, "session sweeper stopped");
                }
            });
            tracing::info!("sessions: postgresql");
            Ok(AppSessionStore::Postgres(store))
        }
    }
}

/// The router with every layer, ready to serve.
pub async fn router(
    config: &Config,
    pool: PgPool,
    leptos_options: LeptosOptions,
) -> anyhow::Result<Router> {
    let store = session_store(config, &pool).await?;
    let dev_reload = DevReload(config.leptos_watch.then(|| {
        format!(
            "ws://{}:{}",
            leptos_options.site_addr.ip(),
            leptos_options.reload_port
        )
    }));
    let state = state(config, pool, leptos_options)?;
    Ok(http::router(
        state,
        http::session::session_layer(store, config),
        dev_reload,
    ))
}
