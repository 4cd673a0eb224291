//! `bench gate`: verification latency at the gate under concurrent concierges, against a bare
//! primary-key endpoint measured in the same run with the same driver and concurrency.
//!
//! Each concierge is a separate account in its own building, logged in through the real login,
//! with its own connection, verifying in a closed loop (next request as soon as the answer is
//! in). The application allows a concierge `VERIFY_PER_ACCOUNT` verifications per window and a
//! client address `LOGIN_PER_IP` logins per window; the load is shaped to stay inside both, never
//! around them: every round uses fresh accounts (other buildings) and each account makes at most
//! its allowance. Rounds alternate gate and baseline, so drift in the machine's load (it is
//! shared) falls on both alike.
//!
//! Every verdict is checked afterwards against its access event: a request counts only if the
//! gate answered what the data says it must (see [`mix`]).

mod client;
mod mix;
mod report;
mod run;
mod spell;

use crate::Env;
use anyhow::Context as _;
use app::ssr::rate_limit::{LOGIN_PER_IP, VERIFY_PER_ACCOUNT};
use clap::Args;
use std::path::PathBuf;
use uuid::Uuid;

/// Load shape.
#[derive(Debug, Args)]
pub struct GateArgs {
    /// Origin of the application server (also its `PUBLIC_ORIGIN`).
    #[arg(long, default_value = "http://127.0.0.1:3210")]
    app: String,
    /// The baseline endpoint (`bench_baseline`'s primary-key query).
    #[arg(long, default_value = "http://127.0.0.1:3211/building")]
    baseline: String,
    /// Concurrent concierges (and baseline clients).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..=256))]
    concierges: u32,
    /// Measured verifications per concierge and round.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    requests: u32,
    /// Unmeasured verifications per concierge before the measured ones (connection, caches).
    #[arg(long, default_value_t = 5, value_parser = clap::value_parser!(u32).range(0..=100))]
    warmup: u32,
    /// Rounds, each with fresh concierge accounts.
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    rounds: u32,
    /// Password of the seeded concierges.
    #[arg(long)]
    password: String,
    /// Also write the results as `key=value` lines to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A concierge account and the buildings its entries come from.
#[derive(Debug, Clone)]
struct Account {
    email: String,
    building: Uuid,
    /// Another building, whose cars inside are the "wrong building" plates.
    other: Uuid,
}

/// Runs the measurement and prints (and optionally writes) its results.
pub async fn run(env: &Env, args: &GateArgs) -> anyhow::Result<()> {
    let per_account = args.warmup + args.requests;
    anyhow::ensure!(
        per_account <= VERIFY_PER_ACCOUNT.max,
        "{per_account} verifications per concierge exceed the application's limit of {} per {} s",
        VERIFY_PER_ACCOUNT.max,
        VERIFY_PER_ACCOUNT.window.as_secs()
    );
    let logins = args.concierges * args.rounds;
    anyhow::ensure!(
        logins <= LOGIN_PER_IP.max,
        "{logins} logins exceed the application's limit of {} per address and {} s",
        LOGIN_PER_IP.max,
        LOGIN_PER_IP.window.as_secs()
    );
    let accounts = accounts(env, usize::try_from(logins)?).await?;
    let mixer = mix::Mixer::load(&env.pool).await.context("choosing what the concierges type")?;
    let plan = run::Plan {
        app: args.app.trim_end_matches('/').to_string(),
        baseline: args.baseline.clone(),
        password: args.password.clone(),
        concierges: usize::try_from(args.concierges)?,
        warmup: usize::try_from(args.warmup)?,
        requests: usize::try_from(args.requests)?,
    };
    let mut rounds = Vec::new();
    for (r, round_accounts) in accounts.chunks(plan.concierges).enumerate() {
        let work: Vec<(String, Vec<mix::Entry>)> = round_accounts
            .iter()
            .enumerate()
            .map(|(i, a)| (a.email.clone(), mixer.entries(a.building, a.other, plan.warmup + plan.requests, i)))
            .collect();
        eprintln!("round {}: logging in {} concierges", r + 1, work.len());
        rounds.push(run::round(&plan, work).await?);
    }
    report::report(env, args.out.as_deref(), &plan, rounds).await
}

/// `count` concierge accounts, each of a different building, with a neighbouring building.
async fn accounts(env: &Env, count: usize) -> anyhow::Result<Vec<Account>> {
    let rows: Vec<(String, Uuid)> = sqlx::query_as(
        "select u.email::text, u.building_id from users u join buildings b on b.id = u.building_id
          where u.role = 'concierge' and u.status = 'active'
          order by b.name, u.email",
    )
    .fetch_all(&env.pool)
    .await?;
    let mut seen = std::collections::BTreeSet::new();
    let rows: Vec<(String, Uuid)> = rows.into_iter().filter(|(_, b)| seen.insert(*b)).collect();
    anyhow::ensure!(
        rows.len() >= count && rows.len() >= 2,
        "{count} concierges of distinct buildings needed, the database has {}: seed more buildings \
         or use fewer concierges or rounds",
        rows.len()
    );
    let buildings: Vec<Uuid> = rows.iter().map(|(_, b)| *b).collect();
    Ok(rows
        .into_iter()
        .take(count)
        .enumerate()
        .map(|(i, (email, building))| Account {
            email,
            building,
            other: buildings.get((i + 1) % buildings.len()).copied().unwrap_or(building),
        })
        .collect())
}
