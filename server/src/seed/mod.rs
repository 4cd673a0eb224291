//! `seed-demo`: realistic Chilean demo data on an empty database, so `make run` opens on
//! something to click through. Two buildings in Providencia with units, visitor spots on a map,
//! the standard block templates, one account per staff role, three residents (approved, pending,
//! banned), pricing rules and blocklist entries, then the availability blocks.
//!
//! It only ever writes to a database without buildings, inside one transaction serialised by an
//! advisory lock, so running it on every start (scripts/run.sh does) is safe: a populated
//! database is left alone and two concurrent seeders cannot both seed.
//!
//! PII goes through the same path as production code: values are parsed into domain types,
//! sealed with [`app::ssr::pii`] (AES-GCM bound to table/column/row, keyed blind index), and
//! passwords are argon2id hashes.

mod people;
mod places;
mod rules;

use app::availability::{ssr::generate_blocks, GenerationReport};
use app::domain::password::NewPassword;
use app::ssr::{blind_index::BlindIndexer, vault::Vault};
use chrono::{DateTime, Utc};
use sqlx::PgPool;

pub use people::DemoLogin;

/// The password of every demo account (≥ 12 characters, not a common password). Printed by the
/// command: it protects demo data only.
pub const DEMO_PASSWORD: &str = "Estacionate.Demo.2026";

/// What `seed-demo` did.
#[derive(Debug)]
pub enum SeedOutcome {
    /// The database was empty and now holds the demo data.
    Seeded(SeedReport),
    /// The database already had buildings; nothing was written.
    AlreadyPopulated,
}

/// Summary of a seeding run, for the command's output.
#[derive(Debug)]
pub struct SeedReport {
    /// The demo accounts (all with [`DEMO_PASSWORD`]).
    pub logins: Vec<DemoLogin>,
    /// Buildings created.
    pub buildings: usize,
    /// Units created.
    pub units: u64,
    /// Visitor spots created.
    pub spots: usize,
    /// The availability generated afterwards.
    pub availability: GenerationReport,
}

/// Seeds the demo data if the database has no buildings.
pub async fn seed_demo(pool: &PgPool, vault: &Vault, indexer: &BlindIndexer, now: DateTime<Utc>) -> anyhow::Result<SeedOutcome> {
    let password = NewPassword::parse(DEMO_PASSWORD)?;
    let mut tx = pool.begin().await?;
    // Serialises concurrent seeders (two instances starting at once); released at commit.
    sqlx::query("select pg_advisory_xact_lock(hashtext('estacionate.seed-demo'))")
        .execute(&mut *tx)
        .await?;
    let populated: bool = sqlx::query_scalar("select exists(select 1 from buildings)").fetch_one(&mut *tx).await?;
    if populated {
        return Ok(SeedOutcome::AlreadyPopulated);
    }

    let places = places::create(&mut tx).await?;
    let people = people::create(&mut tx, &places, &password, vault, indexer).await?;
    rules::create(&mut tx, &places, &people, vault, indexer, now).await?;
    tx.commit().await?;

    // After commit: the generator reads committed templates and spots, and is idempotent, so a
    // failure here is repaired by the next hourly run.
    let availability = generate_blocks(pool, now).await?;
    Ok(SeedOutcome::Seeded(SeedReport {
        logins: people.logins,
        buildings: places::BUILDINGS,
        units: places.units,
        spots: places.spots,
        availability,
    }))
}
