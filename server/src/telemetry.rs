//! Structured logging. `RUST_LOG` filters (default: info for our crates, warnings for
//! libraries); `LOG_FORMAT` picks human-readable or JSON lines. PII never reaches a log line:
//! fields are ids, never names, RUTs, phones or plates.

use crate::config::LogFormat;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

/// Installs the global subscriber once.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        EnvFilter::new("info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn,fred=warn")
    });
    let registry = tracing_subscriber::registry().with(filter);
    let result = match format {
        LogFormat::Json => registry.with(fmt::layer().json().flatten_event(true)).try_init(),
        LogFormat::Pretty => registry.with(fmt::layer().compact()).try_init(),
    };
    if result.is_err() {
        // Already installed (tests call this more than once): keep the first subscriber.
    }
}
