//! Server-side sessions (tower-sessions). The store is PostgreSQL by default and Redis when
//! `REDIS_URL` is set, so any number of instances share sessions. The cookie holds only a random
//! 128-bit id: `HttpOnly`, `SameSite=Lax` (a link opened from WhatsApp still arrives logged in),
//! `Secure` with the `__Host-` prefix everywhere except plain-http development.

use crate::config::Config;
use async_trait::async_trait;
use tower_sessions::{
    cookie::SameSite,
    session::{Id, Record},
    session_store::{self, SessionStore},
    Expiry, SessionManagerLayer,
};
use tower_sessions_redis_store::{fred::prelude::Pool as RedisPool, RedisStore};
use tower_sessions_sqlx_store::PostgresStore;

/// Cookie name when cookies are `Secure`: the `__Host-` prefix pins it to our host and path.
pub const SECURE_COOKIE_NAME: &str = "__Host-estacionate";
/// Cookie name for plain-http development, where browsers refuse `__Host-` cookies.
pub const DEV_COOKIE_NAME: &str = "estacionate_sesion";

/// The session store chosen at startup.
#[derive(Debug, Clone)]
pub enum AppSessionStore {
    /// `tower_sessions.session` in the application database.
    Postgres(PostgresStore),
    /// Redis, shared by every instance.
    Redis(RedisStore<RedisPool>),
}

#[async_trait]
impl SessionStore for AppSessionStore {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        match self {
            Self::Postgres(s) => s.create(record).await,
            Self::Redis(s) => s.create(record).await,
        }
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        match self {
            Self::Postgres(s) => s.save(record).await,
            Self::Redis(s) => s.save(record).await,
        }
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        match self {
            Self::Postgres(s) => s.load(id).await,
            Self::Redis(s) => s.load(id).await,
        }
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        match self {
            Self::Postgres(s) => s.delete(id).await,
            Self::Redis(s) => s.delete(id).await,
        }
    }
}

/// The session layer with our cookie policy.
pub fn session_layer(store: AppSessionStore, config: &Config) -> SessionManagerLayer<AppSessionStore> {
    let secure = config.secure_cookies();
    SessionManagerLayer::new(store)
        .with_name(if secure { SECURE_COOKIE_NAME } else { DEV_COOKIE_NAME })
        .with_secure(secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(time::Duration::minutes(config.session_idle_minutes)))
}

/// Middleware: a fresh [`app::ssr::actor::ActorMemo`] in every request's extensions, so the
/// header and the page of one render read the actor from the database once.
pub async fn provide_actor_memo(mut req: axum::extract::Request, next: axum::middleware::Next) -> axum::response::Response {
    req.extensions_mut().insert(app::ssr::actor::ActorMemo::default());
    next.run(req).await
}
