//! The command line: `server [serve | migrate | seed-demo | rotate-keys | run-job NAME |
//! create-admin --email E | verify-audit | check-config]`.
//!
//! Every command but `check-config` loads the configuration, creates the database if needed and
//! applies pending migrations first, so each works on a fresh machine and against an older schema.

use crate::config::Config;
use crate::{audit_chain, check_config, create_admin, db, jobs, rotate, seed, serve, startup, telemetry};
use app::ssr::{blind_index::BlindIndexer, vault::Vault};
use clap::{builder::PossibleValuesParser, Parser, Subcommand};
use leptos::prelude::get_configuration;
use sqlx::PgPool;

/// Estacionate server.
#[derive(Debug, Parser)]
#[command(name = "server", version, about = "Estacionate: estacionamientos de visita")]
pub struct Cli {
    /// What to do; `serve` when omitted.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Clone, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Serve the web application and run the scheduled jobs (the default).
    Serve,
    /// Create the database if needed and apply pending migrations, then exit.
    Migrate,
    /// On an empty database, create demo buildings, accounts and availability; print the logins.
    SeedDemo,
    /// Re-encrypt PII under the newest key and recompute blind indexes with the current key.
    RotateKeys,
    /// Run one scheduled job once (through the same lock and job_runs bookkeeping as `serve`).
    RunJob {
        /// The job's name.
        #[arg(value_parser = PossibleValuesParser::new(jobs::names()))]
        name: String,
    },
    /// Create a platform admin (the way in on a fresh database); the password is read from
    /// ADMIN_PASSWORD or the first line of standard input.
    CreateAdmin {
        /// The admin's login e-mail.
        #[arg(long)]
        email: String,
        /// The admin's full name.
        #[arg(long, default_value = "Administración Estacionate")]
        name: String,
    },
    /// Walk the audit log's hash chain; name the first broken row and exit non-zero if any.
    VerifyAudit,
    /// Validate the environment (variables, keys, database and Redis reachable) without
    /// changing anything; name every problem and exit non-zero if there is any.
    CheckConfig,
}

/// Parses the command line and runs the command.
pub async fn main() -> anyhow::Result<()> {
    // A .env file is a development convenience; real deployments set the environment.
    let _ = dotenvy::dotenv();
    let cli = Cli::parse();

    let command = cli.command.unwrap_or(Command::Serve);
    if command == Command::CheckConfig {
        // Before anything connects or migrates: the point is to find problems first.
        let site_addr = get_configuration(None).map(|c| c.leptos_options.site_addr).map_err(|e| e.to_string());
        return check_config::run(site_addr).await;
    }
    let leptos_options = get_configuration(None)?.leptos_options;
    let config = Config::from_env(leptos_options.site_addr)?;
    telemetry::init(config.log_format);

    db::ensure_database(&config).await?;
    let pool = db::connect(&config).await?;
    db::migrate(&pool).await?;

    match command {
        Command::CheckConfig => Ok(()),
        Command::Serve => serve::serve(config, pool, leptos_options).await,
        Command::Migrate => {
            tracing::info!("migrations applied");
            Ok(())
        }
        Command::SeedDemo => seed_demo(&config, &pool).await,
        Command::CreateAdmin { email, name } => {
            let password =
                create_admin::read_password(std::env::var(create_admin::PASSWORD_VARIABLE).ok(), &mut std::io::stdin().lock())?;
            let id = create_admin::create_admin(&pool, &email, &name, &password).await?;
            println!("create-admin: admin {id} created; log in at {}/ingresar", config.public_origin);
            Ok(())
        }
        Command::RotateKeys => rotate_keys(&config, &pool).await,
        Command::RunJob { name } => {
            let gateway = crate::payments::gateways(&config, &startup::key_ring(&config)?)?.gateway;
            run_job(&pool, &name, gateway).await
        }
        Command::VerifyAudit => verify_audit(&pool).await,
    }
}

/// The PII vault and blind indexer of the configured keys.
fn crypto(config: &Config) -> anyhow::Result<(Vault, BlindIndexer)> {
    let ring = startup::key_ring(config)?;
    Ok((Vault::new(&ring), BlindIndexer::new(&ring)?))
}

async fn seed_demo(config: &Config, pool: &PgPool) -> anyhow::Result<()> {
    // Demo accounts share a published password: never on a real deployment.
    if config.production {
        anyhow::bail!("seed-demo refuses APP_ENV=production: its accounts share a published password");
    }
    let (vault, indexer) = crypto(config)?;
    match seed::seed_demo(pool, &vault, &indexer, chrono::Utc::now()).await? {
        seed::SeedOutcome::AlreadyPopulated => {
            println!("seed-demo: the database already has buildings; nothing was created.");
        }
        seed::SeedOutcome::Seeded(report) => {
            println!(
                "seed-demo: {} buildings, {} units, {} visitor spots, {} availability blocks.",
                report.buildings, report.units, report.spots, report.availability.created
            );
            println!();
            println!("Demo accounts (password for all: {}):", seed::DEMO_PASSWORD);
            for login in &report.logins {
                let building = login.building.map(|b| format!(", {b}")).unwrap_or_default();
                println!("  {:<32} {:<15} {}{building}", login.email, login.role, login.note);
            }
        }
    }
    Ok(())
}

async fn rotate_keys(config: &Config, pool: &PgPool) -> anyhow::Result<()> {
    let (vault, indexer) = crypto(config)?;
    println!("rotate-keys: current encryption key id {}", vault.current_key_id());
    let report = rotate::rotate_keys(pool, &vault, &indexer).await?;
    print!("{report}");
    if report.problems() > 0 {
        anyhow::bail!(
            "{} rows could not be rotated (see the log); keep every old key configured until this reports none",
            report.problems()
        );
    }
    println!("rotate-keys: done, {} changes", report.changed());
    Ok(())
}

async fn run_job(
    pool: &PgPool,
    name: &str,
    gateway: std::sync::Arc<dyn app::payments::gateway::PaymentGateway>,
) -> anyhow::Result<()> {
    let job = jobs::find(name, Some(gateway))?;
    let outcome = jobs::run_job(pool, &job, &jobs::instance_id()).await?;
    println!("{name}: {outcome}");
    if let jobs::JobOutcome::Failed { .. } = outcome {
        anyhow::bail!("job {name} failed");
    }
    Ok(())
}

async fn verify_audit(pool: &PgPool) -> anyhow::Result<()> {
    let report = audit_chain::verify(pool).await?;
    match report.first_broken {
        None => {
            println!("verify-audit: the chain holds ({} rows)", report.verified);
            Ok(())
        }
        Some(broken) => {
            let row = broken.id.map_or_else(|| "none".to_string(), |id| id.to_string());
            anyhow::bail!(
                "verify-audit: chain broken at audit_log id {row} (sequence {}): {}; {} rows before it verified",
                broken.expected_seq,
                broken.reason,
                report.verified
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn subcommands_parse() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.command);
        assert_eq!(parse(&["server"]).unwrap(), None);
        assert_eq!(parse(&["server", "serve"]).unwrap(), Some(Command::Serve));
        assert_eq!(parse(&["server", "seed-demo"]).unwrap(), Some(Command::SeedDemo));
        assert_eq!(parse(&["server", "rotate-keys"]).unwrap(), Some(Command::RotateKeys));
        assert_eq!(parse(&["server", "verify-audit"]).unwrap(), Some(Command::VerifyAudit));
        assert_eq!(
            parse(&["server", "run-job", "generate-availability"]).unwrap(),
            Some(Command::RunJob { name: "generate-availability".into() })
        );
    }

    #[test]
    fn create_admin_takes_an_email_and_an_optional_name() {
        let parse = |args: &[&str]| Cli::try_parse_from(args).map(|cli| cli.command);
        assert_eq!(
            parse(&["server", "create-admin", "--email", "root@x.cl"]).unwrap(),
            Some(Command::CreateAdmin { email: "root@x.cl".into(), name: "Administración Estacionate".into() })
        );
        assert!(parse(&["server", "create-admin"]).is_err());
    }

    #[test]
    fn the_admin_password_comes_from_the_environment_or_one_line_of_stdin() {
        let mut empty = std::io::Cursor::new(Vec::new());
        let from_env = create_admin::read_password(Some("Clave Con Espacios 2026".into()), &mut empty).unwrap();
        assert_eq!(from_env.as_str(), "Clave Con Espacios 2026");
        let mut stdin = std::io::Cursor::new(b" Clave.Segura.2026 \r\nsegunda linea\n".to_vec());
        assert_eq!(create_admin::read_password(None, &mut stdin).unwrap().as_str(), " Clave.Segura.2026 ");
        assert!(create_admin::read_password(Some(String::new()), &mut empty).is_err());
    }

    #[test]
    fn an_unknown_job_is_refused_with_the_known_names() {
        let err = Cli::try_parse_from(["server", "run-job", "nope"]).unwrap_err().to_string();
        assert!(err.contains("'nope'"), "{err}");
        assert!(err.contains("generate-availability"), "{err}");
        assert!(Cli::try_parse_from(["server", "run-job"]).is_err());
    }
}
