//! `server create-admin --email …`: the first platform admin of a fresh deployment. The password
//! comes from `ADMIN_PASSWORD` or the first line of standard input (never the command line,
//! which other users of the machine can read in the process list), and must pass the sign-up
//! rules.

use anyhow::{anyhow, bail, Context};
use app::domain::{email::Email, names::PersonName, password::NewPassword};
use app::error::AppError;
use app::ssr::ServerError;
use sqlx::PgPool;
use std::io::BufRead;
use uuid::Uuid;
use zeroize::Zeroizing;

/// The environment variable that may carry the new admin's password.
pub const PASSWORD_VARIABLE: &str = "ADMIN_PASSWORD";

/// The password: `from_env` when set and not empty, else the first line of `stdin` (its line
/// ending removed, nothing else: spaces are legitimate password characters).
pub fn read_password(from_env: Option<String>, stdin: &mut impl BufRead) -> anyhow::Result<Zeroizing<String>> {
    if let Some(password) = from_env.filter(|p| !p.is_empty()) {
        return Ok(Zeroizing::new(password));
    }
    let mut line = Zeroizing::new(String::new());
    stdin.read_line(&mut line).context("reading the password from standard input")?;
    let password = line.trim_end_matches(['\n', '\r']).to_string();
    if password.is_empty() {
        bail!("no password: set {PASSWORD_VARIABLE} or write it on standard input");
    }
    Ok(Zeroizing::new(password))
}

/// Checks the e-mail, name and password and creates the admin (audited).
pub async fn create_admin(pool: &PgPool, email: &str, name: &str, password: &str) -> anyhow::Result<Uuid> {
    let email = Email::parse(email).map_err(|e| anyhow!("--email: {e}"))?;
    let name = PersonName::parse(name).map_err(|e| anyhow!("--name: {e}"))?;
    let password = NewPassword::parse(password).map_err(|e| anyhow!("password: {e}"))?;
    match app::admin::staff::ssr::create_platform_admin(pool, &email, &name, &password).await {
        Ok(id) => Ok(id),
        Err(ServerError::App(AppError::Invalid { .. })) => {
            bail!("an account with the e-mail {} already exists; nothing was created", email.as_str())
        }
        Err(other) => Err(anyhow!(other).context("creating the admin")),
    }
}
