//! Structured logging. `RUST_LOG` filters (default: info for our crates, warnings for
//! libraries); `LOG_FORMAT` picks human-readable or JSON lines. PII never reaches a log line:
//! fields are ids, never names, RUTs, phones or plates.
//!
//! In JSON every line is one object: the event's fields flattened at the top, and `span` /
//! `spans` with the fields of the spans it happened in — for a request, `request.id` and the
//! route template `http.route` (never the raw path).

use crate::config::LogFormat;
use tracing::Subscriber;
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::{fmt, prelude::*, EnvFilter, Layer};

/// The default filter when `RUST_LOG` is unset.
const DEFAULT_FILTER: &str = "info,sqlx=warn,tower_sessions=warn,tower_sessions_core=warn,fred=warn";

/// Installs the global subscriber once.
pub fn init(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(DEFAULT_FILTER));
    let result = tracing_subscriber::registry().with(filter).with(layer(format, std::io::stdout)).try_init();
    if result.is_err() {
        // Already installed (tests call this more than once): keep the first subscriber.
    }
}

/// The formatting layer of `format`, writing to `writer` (the process uses standard output;
/// tests capture what production would print).
pub fn layer<S, W>(format: LogFormat, writer: W) -> Box<dyn Layer<S> + Send + Sync + 'static>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    match format {
        LogFormat::Json => fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(true)
            .with_writer(writer)
            .boxed(),
        LogFormat::Pretty => fmt::layer().compact().with_writer(writer).boxed(),
    }
}
