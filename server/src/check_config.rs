//! `server check-config`: validates the environment the way `serve` would load it and names
//! every problem at once (not only the first), without changing anything: the configuration
//! loader's own checks ([`Config::check`]), the PII keys (each variable on its own), and whether
//! PostgreSQL and Redis answer. Exits non-zero when anything is wrong. Values are never printed,
//! only variable names and what is wrong with them.

use crate::config::{Config, PaymentsConfig};
use app::ssr::keys::KeyRing;
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection};
use std::net::SocketAddr;
use std::str::FromStr;
use std::time::Duration;

/// A throwaway, valid key used to check the other variable of the pair on its own (neither a
/// development key nor all-zero; never used to encrypt anything).
const PROBE_ENCRYPTION_KEYS: &str = "1:WVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVlZWVk=";
const PROBE_BLIND_INDEX_KEY: &str = "WlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlpaWlo=";

/// How long each connectivity check may take.
const REACH_TIMEOUT: Duration = Duration::from_secs(3);

/// One problem: the variable at fault and what is wrong (never its value).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The environment variable.
    pub variable: String,
    /// What is wrong with it.
    pub reason: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.variable, self.reason)
    }
}

/// What the check found: the loaded configuration when it loads, and every problem.
pub struct Report {
    /// The configuration, when the loader accepted it.
    pub config: Option<Config>,
    /// Every problem found.
    pub problems: Vec<Problem>,
}

/// Checks the configuration `lookup` describes (the process environment for the command).
/// `reach` also checks that PostgreSQL and Redis answer.
pub async fn check(site_addr: SocketAddr, lookup: impl Fn(&str) -> Option<String>, reach: bool) -> Report {
    let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
    let mut problems = Vec::new();
    let production = get("APP_ENV").as_deref() == Some("production");
    let encryption = get("PII_ENCRYPTION_KEYS");
    let blind_index = get("PII_BLIND_INDEX_KEY");
    let keys = [
        ("PII_ENCRYPTION_KEYS", KeyRing::from_config(encryption.as_deref(), Some(PROBE_BLIND_INDEX_KEY), production)),
        ("PII_BLIND_INDEX_KEY", KeyRing::from_config(Some(PROBE_ENCRYPTION_KEYS), blind_index.as_deref(), production)),
    ];
    let keys_ok = keys.iter().all(|(_, ring)| ring.is_ok());
    for (variable, ring) in keys {
        if let Err(err) = ring {
            problems.push(Problem { variable: variable.into(), reason: key_reason(&err.to_string(), variable) });
        }
    }
    if keys_ok {
        if let Err(err) = KeyRing::from_config(encryption.as_deref(), blind_index.as_deref(), production) {
            problems.push(Problem { variable: "PII_BLIND_INDEX_KEY".into(), reason: err.to_string() });
        }
    }
    let config = match Config::check(site_addr, &lookup) {
        Ok(config) => Some(config),
        Err(found) => {
            problems.extend(found.iter().map(|p| Problem { variable: p.variable().into(), reason: p.reason().into() }));
            None
        }
    };
    if reach {
        // Whatever else is wrong: the servers the variables name (or the default database).
        let database = get("DATABASE_URL").unwrap_or_else(|| crate::config::DEFAULT_DATABASE_URL.into());
        if let Some(problem) = reach_database(database.trim()).await {
            problems.push(problem);
        }
        if let Some(url) = get("REDIS_URL") {
            if let Some(problem) = reach_redis(url.trim()).await {
                problems.push(problem);
            }
        }
    }
    Report { config, problems }
}

/// The key error without the variable name the line already starts with.
fn key_reason(message: &str, variable: &str) -> String {
    message
        .strip_prefix(variable)
        .map_or(message, |rest| rest.trim_start_matches([':', ' ']))
        .to_string()
}

/// Whether the database server answers (a database that does not exist yet is fine: every
/// command creates it).
async fn reach_database(url: &str) -> Option<Problem> {
    let problem = |reason: String| Some(Problem { variable: "DATABASE_URL".into(), reason });
    let options = match PgConnectOptions::from_str(url) {
        Ok(options) => options,
        Err(_) => return problem("not a PostgreSQL URL".into()),
    };
    match tokio::time::timeout(REACH_TIMEOUT, options.connect()).await {
        Ok(Ok(connection)) => {
            let _ = connection.close().await;
            None
        }
        Ok(Err(sqlx::Error::Database(db))) if db.code().as_deref() == Some("3D000") => None,
        Ok(Err(sqlx::Error::Database(db))) => {
            problem(format!("the server refused the connection ({})", db.code().unwrap_or_default()))
        }
        Ok(Err(err)) => problem(format!("the server does not answer: {}", kind_of(&err))),
        Err(_) => problem(format!("the server did not answer within {} s", REACH_TIMEOUT.as_secs())),
    }
}

/// A connection error's kind, without hosts or credentials.
fn kind_of(err: &sqlx::Error) -> String {
    match err {
        sqlx::Error::Io(io) => io.kind().to_string(),
        sqlx::Error::Tls(_) => "TLS failed".into(),
        sqlx::Error::Configuration(_) => "invalid settings".into(),
        _ => "connection failed".into(),
    }
}

/// Whether Redis answers a PING.
async fn reach_redis(url: &str) -> Option<Problem> {
    use fred::prelude::{ClientLike, Config as RedisConfig};
    let problem = |reason: &str| Some(Problem { variable: "REDIS_URL".into(), reason: reason.into() });
    let Ok(config) = RedisConfig::from_url(url) else {
        return problem("not a Redis URL");
    };
    let Ok(client) = fred::types::Builder::from_config(config).build() else {
        return problem("not a usable Redis configuration");
    };
    let ping = async {
        client.init().await?;
        let pong: String = client.ping(None).await?;
        let _ = client.quit().await;
        Ok::<_, fred::error::Error>(pong)
    };
    match tokio::time::timeout(REACH_TIMEOUT, ping).await {
        Ok(Ok(_)) => None,
        Ok(Err(_)) => problem("the server does not answer"),
        Err(_) => problem("the server did not answer in time"),
    }
}

/// The command: prints a summary (no secrets) or every problem; fails when there is any.
pub async fn run(site_addr: Result<SocketAddr, String>) -> anyhow::Result<()> {
    let (addr, mut early) = match site_addr {
        Ok(addr) => (addr, Vec::new()),
        Err(reason) => (SocketAddr::from(([127, 0, 0, 1], 3000)), vec![Problem { variable: "LEPTOS_SITE_ADDR".into(), reason }]),
    };
    let report = check(addr, |name| std::env::var(name).ok(), true).await;
    early.extend(report.problems);
    if !early.is_empty() {
        eprintln!("check-config: {} problem(s):", early.len());
        for problem in &early {
            eprintln!("  {problem}");
        }
        anyhow::bail!("check-config: the configuration is not usable");
    }
    if let Some(c) = report.config {
        let environment = if c.production {
            "production"
        } else if c.development {
            "development"
        } else {
            "test"
        };
        println!("check-config: OK");
        println!("  environment   {environment}, origin {}, listening on {}", c.public_origin, c.site_addr);
        println!(
            "  sessions/bus  {}",
            if c.redis_url.is_some() {
                "redis (several instances may share them)"
            } else {
                "postgresql sessions, in-process bus (one instance only)"
            }
        );
        println!(
            "  payments      {}",
            match c.payments {
                PaymentsConfig::Simulator => "simulator",
                PaymentsConfig::MercadoPago(_) => "mercadopago",
            }
        );
        println!("  whatsapp      {}", if c.twilio.is_some() { "twilio" } else { "development outbox" });
        println!(
            "  metrics       {}",
            c.operations.metrics_addr.map_or_else(|| "off".to_string(), |a| format!("http://{a}/metrics"))
        );
        let proxies = std::env::var("TRUSTED_PROXIES").ok().filter(|v| !v.trim().is_empty());
        println!(
            "  proxies       {}",
            proxies.map_or_else(
                || "none trusted (clients connect directly)".to_string(),
                |p| format!("forwarding headers trusted from {p}")
            )
        );
        println!("  shutdown      drain {} s, grace {} s", c.operations.drain.as_secs(), c.operations.grace.as_secs());
    }
    Ok(())
}
