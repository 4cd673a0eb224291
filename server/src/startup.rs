//! Assembles the running application from a configuration: state, session store, router.
//! Shared by `main` and the router tests so both exercise the same stack.

use crate::bus::{
    memory::InProcessBus,
    redis::{RedisBus, RedisBusNames},
    EventBus,
};
use crate::config::Config;
use crate::http::{self, AppSessionStore, DevReload};
use crate::lifecycle::Lifecycle;
use crate::notify::sender::Transport;
use crate::payments::{self, Gateways};
use app::ssr::{
    blind_index::BlindIndexer,
    keys::KeyRing,
    rate_limit::{MemoryRateLimiter, RateLimiter},
    vault::Vault,
    AppState, Settings,
};
use axum::Router;
use leptos::prelude::LeptosOptions;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use tower_sessions_redis_store::{
    fred::{
        clients::Pool as RedisPool,
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

/// Connects the shared Redis pool when `REDIS_URL` is set.
pub async fn redis(config: &Config) -> anyhow::Result<Option<RedisPool>> {
    let Some(url) = &config.redis_url else {
        return Ok(None);
    };
    let pool = Builder::from_config(RedisConfig::from_url(url.expose())?).build_pool(4)?;
    pool.init().await?;
    Ok(Some(pool))
}

/// Builds the application state.
pub fn state(config: &Config, pool: PgPool, leptos_options: LeptosOptions, redis: Option<RedisPool>) -> anyhow::Result<AppState> {
    Ok(state_and_gateways(config, pool, leptos_options, redis)?.0)
}

/// Builds the application state and returns the payment gateways it was built with (the
/// webhook route needs the concrete MercadoPago client).
pub fn state_and_gateways(
    config: &Config,
    pool: PgPool,
    leptos_options: LeptosOptions,
    redis: Option<RedisPool>,
) -> anyhow::Result<(AppState, Gateways)> {
    let ring = key_ring(config)?;
    let gateways = payments::gateways(config, &ring)?;
    let rate_limiter: Arc<dyn RateLimiter> = match redis {
        Some(redis) => Arc::new(crate::rate_limit::RedisRateLimiter::new(redis)),
        None => Arc::new(MemoryRateLimiter::default()),
    };
    let state = AppState {
        leptos_options,
        pool,
        settings: Arc::new(Settings {
            public_origin: config.public_origin.clone(),
            production: config.production,
            development: config.development,
            session_limits: app::ssr::actor::SessionLimits::with_idle_minutes(config.session_idle_minutes),
        }),
        vault: Arc::new(Vault::new(&ring)),
        blind_index: Arc::new(BlindIndexer::new(&ring)?),
        rate_limiter,
        gateway: gateways.gateway.clone(),
        simulator: gateways.simulator.clone(),
    };
    Ok((state, gateways))
}

/// Chooses and prepares the session store: Redis when configured, else PostgreSQL (whose table
/// is created here and swept of expired sessions by a background task).
pub async fn session_store(pool: &PgPool, redis: Option<RedisPool>) -> anyhow::Result<AppSessionStore> {
    match redis {
        Some(redis) => {
            tracing::info!("sessions: redis");
            Ok(AppSessionStore::Redis(RedisStore::new(redis)))
        }
        None => {
            let store = PostgresStore::new(pool.clone());
            store.migrate().await?;
            let sweeper = store.clone();
            tokio::spawn(async move {
                use tower_sessions::ExpiredDeletion;
                if let Err(err) = sweeper.continuously_delete_expired(Duration::from_secs(600)).await {
                    tracing::warn!(error = %err, "session sweeper stopped");
                }
            });
            tracing::info!("sessions: postgresql");
            Ok(AppSessionStore::Postgres(store))
        }
    }
}

/// Everything a running instance is made of.
pub struct Assembled {
    /// Shared application state.
    pub state: AppState,
    /// The router with every layer.
    pub router: Router,
    /// The event bus (Redis when configured, else in process).
    pub bus: Arc<dyn EventBus>,
    /// Where WhatsApp messages go.
    pub transport: Arc<dyn Transport>,
    /// Draining and stopping: `/readyz` and the live streams follow it.
    pub lifecycle: Lifecycle,
}

/// The event bus the configuration asks for: Redis Streams and Pub/Sub under `REDIS_BUS_PREFIX`
/// (default `estacionate`) when `REDIS_URL` is set, else in process.
pub async fn bus(config: &Config) -> anyhow::Result<Arc<dyn EventBus>> {
    Ok(match &config.redis_url {
        Some(url) => {
            let names = RedisBusNames::with_prefix(&config.redis_bus_prefix);
            tracing::info!(stream = %names.stream, "event bus: redis");
            Arc::new(RedisBus::connect(url.expose(), names).await?)
        }
        None => {
            tracing::info!("event bus: in process");
            Arc::new(InProcessBus::new(&[crate::bus::NOTIFICATIONS]))
        }
    })
}

/// The application state and the router with every layer, ready to serve.
pub async fn app(config: &Config, pool: PgPool, leptos_options: LeptosOptions) -> anyhow::Result<Assembled> {
    let redis = redis(config).await?;
    let store = session_store(&pool, redis.clone()).await?;
    let dev_reload = DevReload(
        config
            .leptos_watch
            .then(|| format!("ws://{}:{}", leptos_options.site_addr.ip(), leptos_options.reload_port)),
    );
    let (state, gateways) = state_and_gateways(config, pool, leptos_options, redis)?;
    let bus = bus(config).await?;
    let transport = crate::notify::transport(config)?;
    let lifecycle = Lifecycle::new();
    let mut extra = Router::new().merge(http::live::routes(http::live::LiveState {
        pool: state.pool.clone(),
        bus: bus.clone(),
        sessions: store.clone(),
        limits: state.settings.session_limits,
        recheck: Duration::from_secs(config.live_recheck_seconds),
        slots: http::stream_slots::StreamSlots::new(config.live_streams_per_user),
        lifecycle: lifecycle.clone(),
    }));
    if let Some(mercadopago) = gateways.mercadopago {
        extra = extra.merge(payments::webhook::routes(payments::webhook::WebhookState { pool: state.pool.clone(), mercadopago }));
    }
    if let Some(twilio) = &config.twilio {
        extra = extra.merge(crate::notify::status::routes(crate::notify::status::StatusState {
            pool: state.pool.clone(),
            auth_token: twilio.auth_token.as_str().into(),
            public_origin: twilio.public_origin.as_str().into(),
        }));
    }
    let router = http::router(
        state.clone(),
        http::session::session_layer(store, config),
        dev_reload,
        extra,
        &config.perimeter,
        &lifecycle,
    );
    Ok(Assembled { state, router, bus, transport, lifecycle })
}

/// The router alone (router tests).
pub async fn router(config: &Config, pool: PgPool, leptos_options: LeptosOptions) -> anyhow::Result<Router> {
    Ok(app(config, pool, leptos_options).await?.router)
}
