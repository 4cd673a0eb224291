//! Configuration: one typed struct built once from the environment (and `.env` in development).
//! Nothing else in the server reads environment variables. Every variable, with its default, is
//! documented in `.env.example` and the README.

use std::fmt;
use std::net::SocketAddr;

mod messaging;
mod operations;
mod payments;
mod perimeter;
use messaging::{notify_transport, twilio};
use operations::operations;
pub use operations::{Operations, DEFAULT_METRICS_ADDR};
use payments::payments;
pub use payments::{MercadoPagoConfig, PaymentsConfig};
use perimeter::perimeter;
pub use perimeter::Perimeter;

/// A secret string: never printed by `Debug` or `Display`.
#[derive(Clone, Default)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The secret itself; call only where it is used.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(****)")
    }
}

/// How logs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable lines (development default).
    Pretty,
    /// One JSON object per line (production default).
    Json,
}

/// The server's configuration.
#[derive(Debug, Clone)]
pub struct Config {
    /// `APP_ENV=production` turns on secure cookies and requires real keys.
    pub production: bool,
    /// `APP_ENV=development` (the default): the development outbox may show one-time secrets
    /// (reset codes) to platform admins. Never in `test` or `production`.
    pub development: bool,
    /// `DATABASE_URL`: the PostgreSQL database of record (contains credentials).
    pub database_url: Secret,
    /// `DATABASE_MAX_CONNECTIONS`: pool size per server process.
    pub database_max_connections: u32,
    /// `REDIS_URL`: when set, sessions and the event bus use Redis (many instances); otherwise
    /// PostgreSQL sessions and an in-process bus (one instance).
    pub redis_url: Option<Secret>,
    /// `REDIS_BUS_PREFIX`: key prefix of the event stream and live channel (`estacionate`).
    pub redis_bus_prefix: String,
    /// `PUBLIC_ORIGIN`: the origin people use, e.g. `https://estacionate.cl`.
    pub public_origin: String,
    /// `SESSION_IDLE_MINUTES`: a session ends after this long without authenticated requests.
    pub session_idle_minutes: i64,
    /// `LIVE_RECHECK_SECONDS`: how often an open live stream re-checks its viewer's session.
    pub live_recheck_seconds: u64,
    /// `LIVE_STREAMS_PER_USER`: open live streams one user may hold on one instance.
    pub live_streams_per_user: usize,
    /// `LOG_FORMAT`: `pretty` or `json`.
    pub log_format: LogFormat,
    /// `LEPTOS_SITE_ADDR` (read through Leptos' configuration): where to listen.
    pub site_addr: SocketAddr,
    /// `PII_ENCRYPTION_KEYS`: `id:base64` list of AES-256 keys (highest id encrypts).
    pub pii_encryption_keys: Option<Secret>,
    /// `PII_BLIND_INDEX_KEY`: base64 root key of the keyed blind indexes.
    pub pii_blind_index_key: Option<Secret>,
    /// `LEPTOS_WATCH` (set by `cargo leptos watch`): allow the live-reload websocket in the CSP.
    pub leptos_watch: bool,
    /// `PAYMENT_PROVIDER` and the `MERCADOPAGO_*` variables: the payment gateway.
    pub payments: PaymentsConfig,
    /// WhatsApp through Twilio, when `TWILIO_ACCOUNT_SID` is set; else the development outbox.
    pub twilio: Option<crate::notify::twilio::TwilioSettings>,
    /// Trust and work limits at the edge: proxies, body size, request and statement timeouts.
    pub perimeter: Perimeter,
    /// `METRICS_ADDR`, the Prometheus endpoint and how the instance stops.
    pub operations: Operations,
}

/// The database when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/estacionate";

/// A configuration value that could not be used; names the variable, never the value.
#[derive(Debug, thiserror::Error)]
#[error("invalid configuration: {variable}: {reason}")]
pub struct ConfigError {
    variable: &'static str,
    reason: String,
}

impl ConfigError {
    /// A problem with `variable`.
    pub fn new(variable: &'static str, reason: impl Into<String>) -> Self {
        Self { variable, reason: reason.into() }
    }

    /// The environment variable at fault.
    pub fn variable(&self) -> &'static str {
        self.variable
    }

    /// What is wrong with it (never its value).
    pub fn reason(&self) -> &str {
        &self.reason
    }
}

/// Keeps the value of a check, or records its problem (so every problem is reported at once).
fn keep<T>(problems: &mut Vec<ConfigError>, result: Result<T, ConfigError>) -> Option<T> {
    match result {
        Ok(value) => Some(value),
        Err(problem) => {
            problems.push(problem);
            None
        }
    }
}

impl Config {
    /// Reads the environment. `site_addr` comes from Leptos' own configuration so that
    /// `cargo leptos serve` and the plain binary agree.
    pub fn from_env(site_addr: SocketAddr) -> Result<Self, ConfigError> {
        Self::from_lookup(site_addr, |name| std::env::var(name).ok())
    }

    /// Builds the configuration from any lookup function (tests pass a map); the first problem
    /// when there are several (see [`Config::check`]).
    pub fn from_lookup(site_addr: SocketAddr, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        Self::check(site_addr, lookup).map_err(|problems| {
            problems.into_iter().next().unwrap_or_else(|| ConfigError::new("APP_ENV", "invalid configuration"))
        })
    }

    /// Builds the configuration, or returns every problem found (not only the first): what
    /// `server check-config` reports. Each value that cannot be used is checked on its own, the
    /// others still against the rules of the environment asked for.
    pub fn check(site_addr: SocketAddr, lookup: impl Fn(&str) -> Option<String>) -> Result<Self, Vec<ConfigError>> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        let mut problems = Vec::new();

        let development = matches!(get("APP_ENV").as_deref(), None | Some("development"));
        let production = match get("APP_ENV").as_deref() {
            None | Some("development") | Some("test") => false,
            Some("production") => true,
            Some(_) => {
                problems.push(ConfigError::new("APP_ENV", "expected development, test or production"));
                false
            }
        };
        let database_url = Secret::new(get("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.into()));
        let database_max_connections = keep(&mut problems, parse_or(&get, "DATABASE_MAX_CONNECTIONS", 16)).unwrap_or(16);
        let redis_url = get("REDIS_URL").map(Secret::new);
        let public_origin = get("PUBLIC_ORIGIN")
            .unwrap_or_else(|| format!("http://{site_addr}"))
            .trim_end_matches('/')
            .to_string();
        if !(public_origin.starts_with("http://") || public_origin.starts_with("https://")) {
            problems.push(ConfigError::new("PUBLIC_ORIGIN", "must start with http:// or https://"));
        } else if production && !public_origin.starts_with("https://") {
            problems.push(ConfigError::new("PUBLIC_ORIGIN", "production requires an https origin"));
        }
        let mut at_least_one = |variable: &'static str, default: u64| -> u64 {
            match keep(&mut problems, parse_or(&get, variable, default)) {
                Some(0) => {
                    problems.push(ConfigError::new(variable, "must be at least 1"));
                    default
                }
                Some(n) => n,
                None => default,
            }
        };
        let session_idle_minutes = at_least_one("SESSION_IDLE_MINUTES", 120);
        let live_recheck_seconds = at_least_one("LIVE_RECHECK_SECONDS", 60);
        let live_streams_per_user = at_least_one("LIVE_STREAMS_PER_USER", 5);
        let too_large = |variable| ConfigError::new(variable, "too large");
        let session_idle_minutes =
            keep(&mut problems, i64::try_from(session_idle_minutes).map_err(|_| too_large("SESSION_IDLE_MINUTES")))
                .unwrap_or(120);
        let live_streams_per_user =
            keep(&mut problems, usize::try_from(live_streams_per_user).map_err(|_| too_large("LIVE_STREAMS_PER_USER")))
                .unwrap_or(5);
        // Read by the purge job itself; refused here so a typo stops the start, not the job.
        if let Err(reason) = app::privacy::purge::retention_months(get("RETENTION_MONTHS").as_deref()) {
            problems.push(ConfigError::new("RETENTION_MONTHS", reason));
        }
        let log_format = match get("LOG_FORMAT").as_deref() {
            None if production => LogFormat::Json,
            None => LogFormat::Pretty,
            Some("json") => LogFormat::Json,
            Some("pretty") => LogFormat::Pretty,
            Some(_) => {
                problems.push(ConfigError::new("LOG_FORMAT", "expected pretty or json"));
                LogFormat::Pretty
            }
        };
        let payments = keep(&mut problems, payments(&get, production)).unwrap_or(PaymentsConfig::Simulator);
        let twilio = keep(&mut problems, twilio(&get, production, &public_origin)).flatten();
        let twilio = keep(&mut problems, notify_transport(&get, production, twilio)).flatten();
        let perimeter = keep(&mut problems, perimeter(&get));
        let operations = operations(&get, production, &mut problems);
        match perimeter {
            Some(perimeter) if problems.is_empty() => Ok(Self {
                production,
                development,
                database_url,
                database_max_connections,
                redis_url,
                redis_bus_prefix: get("REDIS_BUS_PREFIX").unwrap_or_else(|| "estacionate".into()).trim().to_string(),
                public_origin,
                session_idle_minutes,
                live_recheck_seconds,
                live_streams_per_user,
                log_format,
                site_addr,
                pii_encryption_keys: get("PII_ENCRYPTION_KEYS").map(Secret::new),
                pii_blind_index_key: get("PII_BLIND_INDEX_KEY").map(Secret::new),
                leptos_watch: get("LEPTOS_WATCH").is_some(),
                payments,
                twilio,
                perimeter,
                operations,
            }),
            _ => Err(problems),
        }
    }

    /// Whether cookies must carry `Secure` (and so may use the `__Host-` prefix): always except
    /// plain-http development.
    pub fn secure_cookies(&self) -> bool {
        self.production || self.public_origin.starts_with("https://")
    }
}

fn parse_or<T: std::str::FromStr>(
    get: &impl Fn(&str) -> Option<String>,
    variable: &'static str,
    default: T,
) -> Result<T, ConfigError> {
    match get(variable) {
        None => Ok(default),
        Some(raw) => raw.trim().parse().map_err(|_| ConfigError { variable, reason: "not a valid number".into() }),
    }
}

#[cfg(test)]
mod tests;
