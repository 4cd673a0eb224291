//! `bench seed`: buildings × spots × days of availability blocks (a "Día" and a "Noche" block per
//! spot and day, from tomorrow on) and approved residents, generated in SQL in one transaction.
//!
//! Residents are real-shaped: a valid RUT and mobile number, encrypted with the vault and blind
//! indexed with the configured keys, exactly as sign-up stores them, so the booking transaction's
//! blocklist lookup works on genuine indexes. The buildings' limit of active bookings per
//! resident is raised to `--max-active` (the schema allows at most 100), and each building gets
//! as many residents as needed for all its blocks to be bookable within that limit; the first
//! resident of each building is the one `scripts/bench.sh` logs in with.

use crate::Env;
use anyhow::Context as _;
use app::domain::rut::Rut;
use app::ssr::{blind_index::BlindField, password, pii};
use clap::Args;
use uuid::Uuid;

/// Size of the seeded data.
#[derive(Debug, Args)]
pub struct SeedArgs {
    /// Number of buildings.
    #[arg(long, default_value_t = 20, value_parser = clap::value_parser!(u32).range(1..=1000))]
    buildings: u32,
    /// Visitor spots per building.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=99))]
    spots: u32,
    /// Days of blocks, starting tomorrow (two blocks per spot and day).
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u32).range(1..=179))]
    days: u32,
    /// Active bookings allowed per resident (`buildings.max_active_bookings_per_resident`).
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u32).range(1..=100))]
    max_active: u32,
    /// Password of every seeded user.
    #[arg(long)]
    password: String,
}

/// Templates seeded in every building: name, local start, minutes, base price (CLP).
const TEMPLATES: [(&str, &str, i32, i64); 2] = [("Día", "08:00", 660, 3000), ("Noche", "20:00", 660, 2500)];

/// Seeds and prints `key=value` lines for the script (block and resident counts, the login email).
pub async fn run(env: &Env, args: &SeedArgs) -> anyhow::Result<()> {
    let existing: i64 = sqlx::query_scalar("select count(*) from buildings").fetch_one(&env.pool).await?;
    anyhow::ensure!(existing == 0, "the bench database is not empty; recreate it first");
    let blocks_per_building = args.spots * args.days * u32::try_from(TEMPLATES.len())?;
    let residents_per_building = blocks_per_building.div_ceil(args.max_active).max(1);
    let pw = args.password.clone();
    let hash = tokio::task::spawn_blocking(move || password::hash_password(&pw))
        .await?
        .map_err(|e| anyhow::anyhow!("hashing the bench password: {e}"))?;

    let mut tx = env.pool.begin().await?;
    let buildings: Vec<(Uuid, i32)> = sqlx::query_as(
        "insert into buildings (name, address, comuna, max_active_bookings_per_resident, booking_horizon_days)
         select format('Edificio Bench %s', lpad(g::text, 4, '0')), format('Av. Providencia %s', 1000 + g),
                'Providencia', $2, $3
           from generate_series(1, $1) g
         returning id, (regexp_replace(name, '\\D', '', 'g'))::int",
    )
    .bind(i32::try_from(args.buildings)?)
    .bind(i32::try_from(args.max_active)?)
    .bind(i32::try_from(args.days + 1)?)
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
    for (i, (name, start, minutes, price)) in TEMPLATES.iter().enumerate() {
        sqlx::query(
            "insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp, sort_order)
             select id, $1, $2::time, $3, $4, $5 from buildings",
        )
        .bind(name)
        .bind(start)
        .bind(minutes)
        .bind(price)
        .bind(i32::try_from(i)?)
        .execute(&mut *tx)
        .await?;
    }
    // Local wall-clock starts from tomorrow in each building's zone, converted to instants.
    let blocks = sqlx::query(
        "insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp)
         select s.id, s.building_id, t.id, x.starts_at,
                x.starts_at + make_interval(mins => t.duration_minutes), t.base_price_clp
           from visitor_spots s
           join buildings b on b.id = s.building_id
           join block_templates t on t.building_id = s.building_id
          cross join generate_series(1, $1) d
          cross join lateral (
                select (((now() at time zone b.time_zone)::date + d) + t.start_local) at time zone b.time_zone
                       as starts_at) x",
    )
    .bind(i32::try_from(args.days)?)
    .execute(&mut *tx)
    .await?
    .rows_affected();
    // One pricing rule per building (a long weekend at ×1,2) so quotes take the rule path.
    sqlx::query(
        "insert into pricing_rules (building_id, name, priority, starts_at, ends_at, multiplier_bp)
         select id, 'Fin de semana largo', 1, now() + interval '10 days', now() + interval '13 days', 12000
           from buildings",
    )
    .execute(&mut *tx)
    .await?;

    let admin = Uuid::new_v4();
    sqlx::query(
        "insert into users (id, email, password_hash, role, status, full_name, password_changed_at)
         values ($1, 'admin@bench.estacionate.cl', $2, 'admin', 'active', 'Admin Bench', now())",
    )
    .bind(admin)
    .bind(&hash)
    .execute(&mut *tx)
    .await?;
    let mut serial: u32 = 0;
    for (building, number) in &buildings {
        for k in 1..=residents_per_building {
            serial += 1;
            insert_resident(env, &mut tx, (*building, *number), k, serial, &hash, admin).await?;
        }
    }
    tx.commit().await?;

    eprintln!(
        "seeded {} buildings × {} spots × {} days = {blocks} blocks; {} residents ({} per building, limit {} active bookings each)",
        args.buildings, args.spots, args.days, serial, residents_per_building, args.max_active
    );
    println!("blocks={blocks}");
    println!("residents={serial}");
    println!("login_email={}", resident_email(1, 1));
    Ok(())
}

fn resident_email(building_number: i32, k: u32) -> String {
    format!("residente{k}.edificio{building_number}@bench.estacionate.cl")
}

/// A unit, an active resident user with encrypted phone, and an approved profile with an
/// encrypted RUT, all derived from `serial` (unique across the seed).
async fn insert_resident(
    env: &Env,
    tx: &mut sqlx::PgConnection,
    (building, number): (Uuid, i32),
    k: u32,
    serial: u32,
    hash: &str,
    admin: Uuid,
) -> anyhow::Result<()> {
    let id = Uuid::new_v4();
    let id_text = id.to_string();
    let phone = format!("+569{:08}", 10_000_000 + serial);
    let rut = Rut::from_body(10_000_000 + serial).map_err(|e| anyhow::anyhow!("rut: {e:?}"))?.canonical();
    let unit: Uuid = sqlx::query_scalar("insert into units (building_id, number) values ($1, $2) returning id")
        .bind(building)
        .bind(format!("{}", 100 + k))
        .fetch_one(&mut *tx)
        .await?;
    sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name,
                            phone_enc, phone_bidx, password_changed_at)
         values ($1, $2, $3, 'resident', $4, 'active', $5, $6, $7, now())",
    )
    .bind(id)
    .bind(resident_email(number, k))
    .bind(hash)
    .bind(building)
    .bind(format!("Residente {k} Edificio {number}"))
    .bind(env.vault.encrypt(&phone, &pii::user_phone(&id_text))?)
    .bind(env.indexer.index(BlindField::Phone, &phone).to_vec())
    .execute(&mut *tx)
    .await
    .context("inserting a resident")?;
    sqlx::query(
        "insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name,
                                        approved_at, approved_by)
         values ($1, $2, $3, $4, $5, 'Residente', 'Bench', now(), $6)",
    )
    .bind(id)
    .bind(building)
    .bind(unit)
    .bind(env.vault.encrypt(&rut, &pii::resident_rut(&id_text))?)
    .bind(env.indexer.index(BlindField::Rut, &rut).to_vec())
    .bind(admin)
    .execute(&mut *tx)
    .await?;
    Ok(())
}
