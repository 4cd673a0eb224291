//! `bench seed-gate`: the database the gate verification is measured against — a year of
//! bookings for a portfolio of buildings, as the application would have left it.
//!
//! Buildings, spots and the two default block templates (Día 08:00 and Noche 20:00, 11 hours
//! each) are plain SQL; residents and concierges need the vault and the blind indexer
//! ([`people`]); blocks, bookings and the access history are set-based SQL with
//! `generate_series` ([`history`]). Everything is one transaction, so a failed seed leaves an
//! empty database, and every row passes every constraint of `migrations/` (the foreign keys and
//! the exclusion constraint are checked as the rows go in, not switched off).
//!
//! The statuses are those the state machine and the sweeps would have produced by now, so the
//! sweeps the server runs every minute find nothing to do at start-up.

mod history;
mod people;

use crate::Env;
use app::ssr::password;
use clap::Args;
use uuid::Uuid;

/// Size and shape of the seeded history.
#[derive(Debug, Args)]
pub struct GateSeedArgs {
    /// Number of buildings (one concierge account each).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=1000))]
    buildings: u32,
    /// Visitor spots per building.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=99))]
    spots: u32,
    /// Days of history, ending today (local date of each building) included.
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=730))]
    days: u32,
    /// Days of future blocks after today (the buildings' booking horizon is this plus today).
    #[arg(long, default_value_t = 14, value_parser = clap::value_parser!(u32).range(0..=179))]
    ahead: u32,
    /// Residents (one unit each) per building.
    #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u32).range(1..=1000))]
    residents: u32,
    /// Distinct visitor plates per building over the whole history (used with a skew: a few
    /// regular visitors come almost daily, most plates a few times a year).
    #[arg(long, default_value_t = 800, value_parser = clap::value_parser!(u32).range(1..=10000))]
    plates: u32,
    /// Password of every seeded user.
    #[arg(long)]
    password: String,
}

/// A seeded building: its id and its number (`Edificio Bench 0007` is 7).
#[derive(Debug, Clone, Copy)]
pub struct Building {
    /// `buildings.id`.
    pub id: Uuid,
    /// The number in its name, also the number in its people's e-mail addresses.
    pub number: i32,
}

/// The concierge account of building `number` (the load driver logs in with it).
pub fn concierge_email(number: i32) -> String {
    format!("conserje.edificio{number}@bench.estacionate.cl")
}

/// Seeds and prints `key=value` lines for the script: the row count of every table written.
pub async fn run(env: &Env, args: &GateSeedArgs) -> anyhow::Result<()> {
    let existing: i64 = sqlx::query_scalar("select count(*) from buildings").fetch_one(&env.pool).await?;
    anyhow::ensure!(existing == 0, "the bench database is not empty; recreate it first");
    let pw = args.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash_password(&pw))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the bench password: {e}"))?;

    let mut tx = env.pool.begin().await?;
    // random() decides fates and plates; a fixed seed makes two seeds of the same size alike.
    sqlx::query("select setseed(0.2026)").execute(&mut *tx).await?;
    let buildings = buildings(&mut tx, args).await?;
    eprintln!("{} buildings with spots and templates", buildings.len());
    people::insert(env, &mut tx, &buildings, args.residents, &hash).await?;
    eprintln!("{} residents and {} concierges", buildings.len() * args.residents as usize, buildings.len());
    let shape = history::Shape { days: args.days, ahead: args.ahead, plates: args.plates, residents: args.residents };
    history::insert(&mut tx, &shape).await?;
    tx.commit().await?;

    // Row counts from the database itself, for the summary.
    for table in ["buildings", "visitor_spots", "users", "availability_blocks", "bookings", "access_events"] {
        let n: i64 = sqlx::query_scalar(&format!("select count(*) from {table}")).fetch_one(&env.pool).await?;
        println!("rows_{table}={n}");
    }
    let by_status: Vec<(String, i64)> = sqlx::query_as("select status, count(*) from bookings group by 1 order by 2 desc")
        .fetch_all(&env.pool)
        .await?;
    let statuses: Vec<String> = by_status.iter().map(|(s, n)| format!("{s} {n}")).collect();
    println!("bookings_by_status={}", statuses.join(", "));
    Ok(())
}

/// Buildings (every tenth with no-show off, so its unattended bookings end `completed`), their
/// spots and the two default templates. A plate always visits the same resident, and a regular
/// visitor may have a booking on most days of the horizon, so the limit of active bookings per
/// resident is 25 instead of the default 4 (a per-building setting; the seed checks it holds).
async fn buildings(tx: &mut sqlx::PgConnection, args: &GateSeedArgs) -> anyhow::Result<Vec<Building>> {
    let rows: Vec<(Uuid, i32)> = sqlx::query_as(
        "insert into buildings (name, address, comuna, booking_horizon_days, no_show_enabled,
                                max_active_bookings_per_resident)
         select format('Edificio Bench %s', lpad(g::text, 4, '0')), format('Av. Providencia %s', 1000 + g),
                'Providencia', $2, g % 10 <> 0, 25
           from generate_series(1, $1) g
         returning id, (regexp_replace(name, '\\D', '', 'g'))::int",
    )
    .bind(i32::try_from(args.buildings)?)
    // The generator materialises today plus the horizon; the seed already holds all of it.
    .bind(i32::try_from(args.ahead + 1)?)
    .fetch_all(&mut *tx)
    .await?;
    sqlx::query(
        // No plan positions: the search's layout draws the spots in free cells.
        "insert into visitor_spots (building_id, number, sort_order)
         select b.id, format('V-%s', lpad(g::text, 2, '0')), g
           from buildings b cross join generate_series(1, $1) g",
    )
    .bind(i32::try_from(args.spots)?)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp, sort_order)
         select b.id, t.name, t.start_local, 660, 5000, t.sort_order
           from buildings b
          cross join (values ('Día', time '08:00', 0), ('Noche', time '20:00', 1)) t(name, start_local, sort_order)",
    )
    .execute(&mut *tx)
    .await?;
    Ok(rows.into_iter().map(|(id, number)| Building { id, number }).collect())
}
