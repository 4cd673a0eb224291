//! The operations section: metrics, shutdown timing and the other process settings.

use super::{keep, parse_or, ConfigError};
use std::net::SocketAddr;
use std::time::Duration;

/// Where the instance is observed from and how it leaves a load balancer.
#[derive(Debug, Clone)]
pub struct Operations {
    /// `METRICS_ADDR` (`127.0.0.1:9464`; `off` disables): the separate listener of `/metrics`.
    /// It has no authentication, so the default is loopback only.
    pub metrics_addr: Option<SocketAddr>,
    /// Whether `METRICS_ADDR` was set: then a listener that cannot bind refuses start-up; the
    /// default address may be taken by another instance on the same machine (a warning).
    pub metrics_addr_explicit: bool,
    /// `SHUTDOWN_DRAIN_SECONDS` (5 in production, else 0): after SIGTERM, how long `/readyz`
    /// answers 503 while requests are still served, so the balancer stops sending new ones first.
    pub drain: Duration,
    /// `SHUTDOWN_GRACE_SECONDS` (25): how long in-flight requests, workers and jobs get to
    /// finish once the listener has closed.
    pub grace: Duration,
    /// `OUTBOUND_CA_FILE`: a PEM file of extra certificate authorities that outbound HTTPS calls
    /// (Twilio, MercadoPago) trust besides the public ones (a private egress proxy or CA).
    pub outbound_ca_file: Option<std::path::PathBuf>,
}

/// The default metrics listener.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";

/// The operations settings: metrics listener, shutdown timings, extra outbound CAs. Each
/// problem is recorded in `problems` (and its default kept) so all are reported together.
pub(super) fn operations(get: &impl Fn(&str) -> Option<String>, production: bool, problems: &mut Vec<ConfigError>) -> Operations {
    let default_metrics = DEFAULT_METRICS_ADDR.parse().ok();
    let metrics_addr = match get("METRICS_ADDR").as_deref().map(str::trim) {
        Some("off") => None,
        Some(raw) => raw.parse().map(Some).unwrap_or_else(|_| {
            problems.push(ConfigError::new("METRICS_ADDR", "expected an address such as 127.0.0.1:9464, or off"));
            default_metrics
        }),
        None => default_metrics,
    };
    let default_drain = if production { 5 } else { 0 };
    let drain = keep(problems, parse_or(get, "SHUTDOWN_DRAIN_SECONDS", default_drain)).unwrap_or(default_drain);
    let grace = match keep(problems, parse_or(get, "SHUTDOWN_GRACE_SECONDS", 25)) {
        Some(0) => {
            problems.push(ConfigError::new("SHUTDOWN_GRACE_SECONDS", "must be greater than zero"));
            25
        }
        Some(n) => n,
        None => 25,
    };
    let outbound_ca_file = get("OUTBOUND_CA_FILE").map(|p| std::path::PathBuf::from(p.trim()));
    if let Some(path) = &outbound_ca_file {
        match std::fs::read_to_string(path) {
            Err(_) => problems.push(ConfigError::new("OUTBOUND_CA_FILE", "cannot be read")),
            Ok(pem) if !pem.contains("-----BEGIN CERTIFICATE-----") => {
                problems.push(ConfigError::new("OUTBOUND_CA_FILE", "holds no PEM certificate"));
            }
            Ok(_) => {}
        }
    }
    Operations {
        metrics_addr,
        metrics_addr_explicit: get("METRICS_ADDR").is_some(),
        drain: Duration::from_secs(drain),
        grace: Duration::from_secs(grace),
        outbound_ca_file,
    }
}
