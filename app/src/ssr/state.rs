//! The state every request can reach: built once by the server at startup, provided to Leptos
//! as context for both page renders and server functions.

use super::{blind_index::BlindIndexer, rate_limit::RateLimiter, vault::Vault};
use crate::error::AppError;
use crate::payments::{gateway::PaymentGateway, signing::SimulatorSigner};
use axum::extract::FromRef;
use leptos::prelude::*;
use sqlx::PgPool;
use std::sync::Arc;

/// Settings the application code needs at request time (a subset of the server's `Config`).
#[derive(Debug, Clone)]
pub struct Settings {
    /// The public origin, e.g. `https://estacionate.cl`: used for the CSRF origin check and for
    /// absolute links in messages (guest passes, payment return URLs).
    pub public_origin: String,
    /// Production mode: secure cookies, real keys required.
    pub production: bool,
    /// `APP_ENV=development`: platform admins may read one-time secrets (reset codes) of
    /// messages the development outbox "sent", since no phone received them.
    pub development: bool,
    /// Idle and absolute session lifetimes (`SESSION_IDLE_MINUTES`).
    pub session_limits: super::actor::SessionLimits,
}

/// Shared application state. Cheap to clone (everything inside is reference-counted).
#[derive(Clone, FromRef)]
pub struct AppState {
    /// Leptos' own options (site root, output name); required by `leptos_axum`.
    pub leptos_options: LeptosOptions,
    /// The PostgreSQL pool: the system of record.
    pub pool: PgPool,
    /// Request-time settings.
    pub settings: Arc<Settings>,
    /// Encrypts and decrypts PII columns.
    pub vault: Arc<Vault>,
    /// Computes keyed blind indexes of PII for lookups and blocklist matches.
    pub blind_index: Arc<BlindIndexer>,
    /// Counters for the rate-limited actions (memory or Redis).
    pub rate_limiter: Arc<dyn RateLimiter>,
    /// The payment gateway chosen at startup (MercadoPago when configured, else the simulator).
    pub gateway: Arc<dyn PaymentGateway>,
    /// Signs and checks simulator checkout links; `None` when the simulator is not the gateway,
    /// so its pages and server functions answer "not found".
    pub simulator: Option<Arc<SimulatorSigner>>,
}

/// The [`AppState`] of the current request. leptos_axum provides the router state as context
/// to every render and server function; it is absent only while routes are listed at startup,
/// so this returns an error rather than panicking.
pub fn app_state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}
