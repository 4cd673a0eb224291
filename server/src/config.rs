//! Configuration: one typed struct built once from the environment (and `.env` in development).
//! Nothing else in the server reads environment variables. Every variable, with its default, is
//! documented in `.env.example` and the README.

use app::ssr::client_ip::TrustedProxies;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

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

/// MercadoPago Checkout Pro credentials.
#[derive(Debug, Clone)]
pub struct MercadoPagoConfig {
    /// `MERCADOPAGO_ACCESS_TOKEN`: the seller's access token (Bearer) for the REST API.
    pub access_token: Secret,
    /// `MERCADOPAGO_WEBHOOK_SECRET`: the key MercadoPago signs webhook notifications with.
    pub webhook_secret: Secret,
    /// `MERCADOPAGO_API_BASE`: the API origin (tests point it at a local fake).
    pub api_base: String,
}

/// Which payment gateway serves checkouts and refunds.
#[derive(Debug, Clone)]
pub enum PaymentsConfig {
    /// The built-in, signed simulator (development default).
    Simulator,
    /// MercadoPago Checkout Pro.
    MercadoPago(MercadoPagoConfig),
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

/// The database when `DATABASE_URL` is unset.
pub const DEFAULT_DATABASE_URL: &str = "postgres://postgres@127.0.0.1:5432/estacionate";

/// The default metrics listener.
pub const DEFAULT_METRICS_ADDR: &str = "127.0.0.1:9464";

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
        let session_idle_minutes = i64::try_from(at_least_one("SESSION_IDLE_MINUTES", 120)).unwrap_or(120);
        let live_recheck_seconds = at_least_one("LIVE_RECHECK_SECONDS", 60);
        let live_streams_per_user = usize::try_from(at_least_one("LIVE_STREAMS_PER_USER", 5)).unwrap_or(5);
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

/// The payment gateway: MercadoPago when its access token is set (the webhook secret is then
/// required too: unsigned notifications are never accepted), otherwise the simulator — except
/// in production, where letting residents approve their own payments must be chosen on purpose
/// with `PAYMENT_PROVIDER=simulator`.
fn payments(get: &impl Fn(&str) -> Option<String>, production: bool) -> Result<PaymentsConfig, ConfigError> {
    let error = |variable, reason: &str| ConfigError { variable, reason: reason.into() };
    let token = get("MERCADOPAGO_ACCESS_TOKEN");
    let use_mercadopago = match get("PAYMENT_PROVIDER").as_deref() {
        Some("simulator") => false,
        Some("mercadopago") => true,
        None if token.is_some() => true,
        None if production => {
            return Err(error(
                "PAYMENT_PROVIDER",
                "production needs MERCADOPAGO_ACCESS_TOKEN and MERCADOPAGO_WEBHOOK_SECRET, or PAYMENT_PROVIDER=simulator to run the simulator on purpose",
            ))
        }
        None => false,
        Some(_) => return Err(error("PAYMENT_PROVIDER", "expected simulator or mercadopago")),
    };
    if !use_mercadopago {
        return Ok(PaymentsConfig::Simulator);
    }
    let access_token = token.ok_or_else(|| error("MERCADOPAGO_ACCESS_TOKEN", "required for MercadoPago"))?;
    let webhook_secret = get("MERCADOPAGO_WEBHOOK_SECRET").ok_or_else(|| {
        error("MERCADOPAGO_WEBHOOK_SECRET", "required with MERCADOPAGO_ACCESS_TOKEN (webhooks are always verified)")
    })?;
    let api_base = get("MERCADOPAGO_API_BASE")
        .unwrap_or_else(|| "https://api.mercadopago.com".into())
        .trim()
        .trim_end_matches('/')
        .to_string();
    let acceptable = api_base.starts_with("https://") || (!production && api_base.starts_with("http://"));
    if !acceptable {
        return Err(error("MERCADOPAGO_API_BASE", "must be an http(s) URL (https in production)"));
    }
    Ok(PaymentsConfig::MercadoPago(MercadoPagoConfig {
        access_token: Secret::new(access_token.trim()),
        webhook_secret: Secret::new(webhook_secret.trim()),
        api_base,
    }))
}

/// Twilio: the account SID and auth token, a sender (`TWILIO_WHATSAPP_FROM` or
/// `TWILIO_MESSAGING_SERVICE_SID`), optional content templates per message kind
/// (`TWILIO_CONTENT_SIDS=booking_confirmed=HX…,booking_reminder=HX…`) and API base.
fn twilio(
    get: &impl Fn(&str) -> Option<String>,
    production: bool,
    public_origin: &str,
) -> Result<Option<crate::notify::twilio::TwilioSettings>, ConfigError> {
    use crate::notify::twilio::{TwilioSender, TwilioSettings};
    let error = |variable, reason: &str| ConfigError { variable, reason: reason.into() };
    let Some(account_sid) = get("TWILIO_ACCOUNT_SID") else {
        return Ok(None);
    };
    let auth_token = get("TWILIO_AUTH_TOKEN").ok_or_else(|| error("TWILIO_AUTH_TOKEN", "required with TWILIO_ACCOUNT_SID"))?;
    let sender = match (get("TWILIO_WHATSAPP_FROM"), get("TWILIO_MESSAGING_SERVICE_SID")) {
        (_, Some(service)) => TwilioSender::MessagingService(service.trim().to_string()),
        (Some(from), None) => TwilioSender::From(from.trim().to_string()),
        (None, None) => {
            return Err(error(
                "TWILIO_WHATSAPP_FROM",
                "TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID",
            ))
        }
    };
    let api_base = get("TWILIO_API_BASE")
        .unwrap_or_else(|| "https://api.twilio.com".into())
        .trim()
        .trim_end_matches('/')
        .to_string();
    if !(api_base.starts_with("https://") || (!production && api_base.starts_with("http://"))) {
        return Err(error("TWILIO_API_BASE", "must be an http(s) URL (https in production)"));
    }
    let mut content_sids = std::collections::HashMap::new();
    for pair in get("TWILIO_CONTENT_SIDS").unwrap_or_default().split(',').filter(|p| !p.trim().is_empty()) {
        let (kind, sid) = pair
            .split_once('=')
            .ok_or_else(|| error("TWILIO_CONTENT_SIDS", "expected kind=HX… pairs separated by commas"))?;
        content_sids.insert(kind.trim().to_string(), sid.trim().to_string());
    }
    Ok(Some(TwilioSettings {
        account_sid: account_sid.trim().to_string(),
        auth_token: auth_token.trim().to_string(),
        sender,
        api_base,
        content_sids,
        public_origin: public_origin.to_string(),
    }))
}

/// The edge settings. Every value must be usable: a typo in `TRUSTED_PROXIES` refuses to start
/// (trusting nobody by mistake would put every client of a balancer behind one rate limit;
/// trusting too much would let clients choose their address).
fn perimeter(get: &impl Fn(&str) -> Option<String>) -> Result<Perimeter, ConfigError> {
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

/// The operations settings: metrics listener, shutdown timings, extra outbound CAs. Each
/// problem is recorded in `problems` (and its default kept) so all are reported together.
fn operations(get: &impl Fn(&str) -> Option<String>, production: bool, problems: &mut Vec<ConfigError>) -> Operations {
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

/// `NOTIFY_TRANSPORT`: `twilio` (requires the Twilio settings) or `outbox` (the development
/// outbox, even when Twilio is configured). Unset, Twilio is used when configured — except that
/// production refuses to start with only the development outbox unless it is chosen on purpose,
/// since then no resident or visitor would receive any WhatsApp message.
fn notify_transport(
    get: &impl Fn(&str) -> Option<String>,
    production: bool,
    twilio: Option<crate::notify::twilio::TwilioSettings>,
) -> Result<Option<crate::notify::twilio::TwilioSettings>, ConfigError> {
    let error = |reason: &str| ConfigError { variable: "NOTIFY_TRANSPORT", reason: reason.into() };
    match get("NOTIFY_TRANSPORT").as_deref().map(str::trim) {
        Some("outbox") => Ok(None),
        Some("twilio") if twilio.is_none() => Err(error("twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a sender")),
        Some("twilio") => Ok(twilio),
        Some(_) => Err(error("expected twilio or outbox")),
        None if production && twilio.is_none() => Err(error(
            "production needs the Twilio settings, or NOTIFY_TRANSPORT=outbox to keep WhatsApp messages in the development outbox on purpose",
        )),
        None => Ok(twilio),
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
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn build(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned())
    }

    #[test]
    fn defaults_are_a_local_development_setup() {
        let c = build(&[]).unwrap();
        assert!(!c.production);
        assert_eq!(c.public_origin, "http://127.0.0.1:3000");
        assert!(!c.secure_cookies());
        assert!(c.redis_url.is_none());
        assert_eq!(c.log_format, LogFormat::Pretty);
    }

    #[test]
    fn production_requires_https_and_never_prints_secrets() {
        assert!(build(&[("APP_ENV", "production")]).is_err());
        let c = build(&[
            ("APP_ENV", "production"),
            ("PUBLIC_ORIGIN", "https://estacionate.cl/"),
            ("DATABASE_URL", "postgres://u:hunter2@db/x"),
            ("PAYMENT_PROVIDER", "simulator"),
            ("NOTIFY_TRANSPORT", "outbox"),
        ])
        .unwrap();
        assert_eq!(c.public_origin, "https://estacionate.cl");
        assert!(c.secure_cookies());
        assert!(!format!("{c:?}").contains("hunter2"));
    }

    #[test]
    fn trusted_proxies_must_all_be_valid_blocks() {
        let c = build(&[("TRUSTED_PROXIES", "10.0.0.0/8, 2001:db8::/32")]).unwrap();
        assert!(c.perimeter.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        assert!(!build(&[]).unwrap().perimeter.trusted_proxies.contains("10.1.2.3".parse().unwrap()));
        for bad in ["10.0.0.0/8,10.0.0.300", "10.0.0.0/40", "balancer"] {
            let err = build(&[("TRUSTED_PROXIES", bad)]).unwrap_err().to_string();
            assert!(err.contains("TRUSTED_PROXIES"), "{err}");
        }
        let err = build(&[("TRUSTED_PROXY_HEADER", "x-real-ip")]).unwrap_err().to_string();
        assert!(err.contains("TRUSTED_PROXY_HEADER"), "{err}");
        assert!(build(&[("REQUEST_TIMEOUT_SECONDS", "0")]).is_err());
        let d = build(&[]).unwrap().perimeter;
        assert_eq!(d.server_fn_body_limit, 65_536);
        assert_eq!(d.request_timeout, Duration::from_secs(30));
        assert_eq!(d.statement_timeout, Duration::from_millis(15_000));
    }

    #[test]
    fn check_names_every_problem_not_only_the_first() {
        let map: HashMap<String, String> = [
            ("APP_ENV", "production"),
            ("PUBLIC_ORIGIN", "http://estacionate.cl"),
            ("DATABASE_MAX_CONNECTIONS", "muchas"),
            ("LOG_FORMAT", "xml"),
            ("TRUSTED_PROXIES", "balanceador"),
            ("METRICS_ADDR", "todas partes"),
            ("SHUTDOWN_GRACE_SECONDS", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let problems = Config::check("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned()).unwrap_err();
        let named: Vec<&str> = problems.iter().map(ConfigError::variable).collect();
        for variable in
            ["PUBLIC_ORIGIN", "DATABASE_MAX_CONNECTIONS", "LOG_FORMAT", "PAYMENT_PROVIDER", "NOTIFY_TRANSPORT", "TRUSTED_PROXIES"]
        {
            assert!(named.contains(&variable), "{variable} missing from {named:?}");
        }
        // Each operations setting is checked on its own.
        let map: HashMap<String, String> = [("METRICS_ADDR", "todas partes"), ("SHUTDOWN_GRACE_SECONDS", "0")]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        let problems = Config::check("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned()).unwrap_err();
        assert_eq!(problems.iter().map(ConfigError::variable).collect::<Vec<_>>(), ["METRICS_ADDR", "SHUTDOWN_GRACE_SECONDS"]);
        assert!(problems[0].to_string().contains("METRICS_ADDR") && !problems[0].to_string().contains("todas partes"));
    }

    #[test]
    fn metrics_listen_on_loopback_by_default_and_can_be_turned_off() {
        let c = build(&[]).unwrap();
        let addr = c.operations.metrics_addr.unwrap();
        assert!(addr.ip().is_loopback(), "{addr}");
        assert!(!c.operations.metrics_addr_explicit);
        assert!(build(&[("METRICS_ADDR", "off")]).unwrap().operations.metrics_addr.is_none());
        let explicit = build(&[("METRICS_ADDR", "127.0.0.1:9500")]).unwrap().operations;
        assert_eq!(explicit.metrics_addr.unwrap().port(), 9500);
        assert!(explicit.metrics_addr_explicit);
        // Draining only by default where a balancer is expected.
        assert_eq!(c.operations.drain, Duration::ZERO);
        assert!(build(&[("OUTBOUND_CA_FILE", "/no/such/ca.pem")]).is_err());
    }

    #[test]
    fn bad_numbers_name_the_variable() {
        let err = build(&[("DATABASE_MAX_CONNECTIONS", "many")]).unwrap_err();
        assert!(err.to_string().contains("DATABASE_MAX_CONNECTIONS"));
        let err = build(&[("RETENTION_MONTHS", "0")]).unwrap_err();
        assert!(err.to_string().contains("RETENTION_MONTHS"));
        assert!(build(&[("RETENTION_MONTHS", "36")]).is_ok());
    }

    #[test]
    fn payments_default_to_the_simulator_and_need_both_mercadopago_secrets() {
        assert!(matches!(build(&[]).unwrap().payments, PaymentsConfig::Simulator));
        let err = build(&[("MERCADOPAGO_ACCESS_TOKEN", "APP_USR-1")]).unwrap_err();
        assert!(err.to_string().contains("MERCADOPAGO_WEBHOOK_SECRET"));
        let c = build(&[("MERCADOPAGO_ACCESS_TOKEN", "APP_USR-token-secreto"), ("MERCADOPAGO_WEBHOOK_SECRET", "firma-secreta")])
            .unwrap();
        match &c.payments {
            PaymentsConfig::MercadoPago(mp) => assert_eq!(mp.api_base, "https://api.mercadopago.com"),
            PaymentsConfig::Simulator => panic!("expected MercadoPago"),
        }
        let printed = format!("{c:?}");
        assert!(!printed.contains("token-secreto") && !printed.contains("firma-secreta"));
        assert!(build(&[("PAYMENT_PROVIDER", "mercadopago")]).is_err());
        assert!(build(&[("PAYMENT_PROVIDER", "paypal")]).is_err());
    }

    #[test]
    fn production_never_falls_back_to_the_simulator_silently() {
        let prod = [("APP_ENV", "production"), ("PUBLIC_ORIGIN", "https://estacionate.cl")];
        let err = build(&prod).unwrap_err();
        assert!(err.to_string().contains("PAYMENT_PROVIDER"));
        let mut vars = prod.to_vec();
        vars.extend([
            ("MERCADOPAGO_ACCESS_TOKEN", "APP_USR-1"),
            ("MERCADOPAGO_WEBHOOK_SECRET", "s"),
            ("MERCADOPAGO_API_BASE", "http://127.0.0.1:9"),
        ]);
        assert!(build(&vars).unwrap_err().to_string().contains("MERCADOPAGO_API_BASE"));
    }

    #[test]
    fn production_refuses_the_development_outbox_unless_chosen() {
        let prod = [("APP_ENV", "production"), ("PUBLIC_ORIGIN", "https://estacionate.cl"), ("PAYMENT_PROVIDER", "simulator")];
        let err = build(&prod).unwrap_err();
        assert_eq!(err.variable, "NOTIFY_TRANSPORT");
        let with = |extra: &[(&'static str, &'static str)]| {
            let mut vars = prod.to_vec();
            vars.extend_from_slice(extra);
            build(&vars)
        };
        assert!(with(&[("NOTIFY_TRANSPORT", "outbox")]).unwrap().twilio.is_none());
        let twilio =
            [("TWILIO_ACCOUNT_SID", "AC1"), ("TWILIO_AUTH_TOKEN", "t"), ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886")];
        assert!(with(&twilio).unwrap().twilio.is_some());
        let mut outbox_on_purpose = twilio.to_vec();
        outbox_on_purpose.push(("NOTIFY_TRANSPORT", "outbox"));
        assert!(with(&outbox_on_purpose).unwrap().twilio.is_none());
        assert_eq!(with(&[("NOTIFY_TRANSPORT", "twilio")]).unwrap_err().variable, "NOTIFY_TRANSPORT");
        assert_eq!(with(&[("NOTIFY_TRANSPORT", "sms")]).unwrap_err().variable, "NOTIFY_TRANSPORT");
        // Development keeps the outbox by default.
        assert!(build(&[]).unwrap().twilio.is_none());
    }
}
