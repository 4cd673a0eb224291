//! The perimeter section: trusted proxies and rate limits.

use super::{parse_or, ConfigError};
use app::ssr::client_ip::TrustedProxies;
use std::time::Duration;

/// Which forwarding headers to believe and how much work one request may cause.
#[derive(Debug, Clone)]
pub struct Perimeter {
    /// `TRUSTED_PROXIES` (CIDR list, empty by default) and `TRUSTED_PROXY_HEADER`
    /// (`x-forwarded-for` or `forwarded`): whose forwarding header names the client.
    pub trusted_proxies: TrustedProxies,
    /// `SERVER_FN_BODY_LIMIT_BYTES` (65 536): the largest body a server function accepts.
    pub server_fn_body_limit: usize,
    /// `REQUEST_TIMEOUT_SECONDS` (30): a request still without an answer after this gets 503
    /// (the live event stream is exempt: it is meant to stay open).
    pub request_timeout: Duration,
    /// `DATABASE_STATEMENT_TIMEOUT_MS` (15 000): PostgreSQL cancels a web request's statement
    /// after this (scheduled jobs and commands use their own connections without it).
    pub statement_timeout: Duration,
}

/// The edge settings. Every value must be usable: a typo in `TRUSTED_PROXIES` refuses to start
/// (trusting nobody by mistake would put every client of a balancer behind one rate limit;
/// trusting too much would let clients choose their address).
pub(super) fn perimeter(get: &impl Fn(&str) -> Option<String>) -> Result<Perimeter, ConfigError> {
    let header = match get("TRUSTED_PROXY_HEADER") {
        None => Default::default(),
        Some(raw) => raw.parse().map_err(|reason| ConfigError { variable: "TRUSTED_PROXY_HEADER", reason })?,
    };
    let trusted_proxies = TrustedProxies::parse(&get("TRUSTED_PROXIES").unwrap_or_default(), header)
        .map_err(|reason| ConfigError { variable: "TRUSTED_PROXIES", reason })?;
    let positive = |variable: &'static str, default: u64| -> Result<u64, ConfigError> {
        match parse_or(get, variable, default)? {
            0 => Err(ConfigError { variable, reason: "must be greater than zero".into() }),
            n => Ok(n),
        }
    };
    Ok(Perimeter {
        trusted_proxies,
        server_fn_body_limit: usize::try_from(positive("SERVER_FN_BODY_LIMIT_BYTES", 64 * 1024)?).unwrap_or(usize::MAX),
        request_timeout: Duration::from_secs(positive("REQUEST_TIMEOUT_SECONDS", 30)?),
        statement_timeout: Duration::from_millis(positive("DATABASE_STATEMENT_TIMEOUT_MS", 15_000)?),
    })
}
