//! Fixtures shared by the database tests of several areas.

use crate::domain::role::Role;
use crate::ssr::{
    actor::Actor,
    blind_index::{BlindField, BlindIndexer},
};
use sqlx::PgPool;
use uuid::Uuid;

/// An approved resident of `building` with placeholder PII (indexes are real, ciphertexts are
/// not: tests that decrypt create residents through sign-up instead).
pub async fn resident(pool: &PgPool, indexer: &BlindIndexer, building: Uuid, email: &str) -> Actor {
    let id = Uuid::new_v4();
    let unit: Uuid = sqlx::query_scalar("insert into units (building_id, number) values ($1, $2) returning id")
        .bind(building)
        .bind(format!("U{}", &id.simple().to_string()[..12]))
        .fetch_one(pool)
        .await
        .unwrap();
    sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name, phone_enc, phone_bidx)
         values ($1, $2, 'x', 'resident', $3, 'active', 'Camila Rojas', '\\x00', $4)",
    )
    .bind(id)
    .bind(email)
    .bind(building)
    .bind(indexer.index(BlindField::Phone, "+56912345678").to_vec())
    .execute(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name)
         values ($1, $2, $3, '\\x00', $4, 'Camila', 'Rojas')",
    )
    .bind(id)
    .bind(building)
    .bind(unit)
    .bind(indexer.index(BlindField::Rut, &format!("{}-K", id.as_u128() % 99_999_999)).to_vec())
    .execute(pool)
    .await
    .unwrap();
    Actor { id, role: Role::Resident, building_id: Some(building), full_name: "Camila Rojas".into() }
}

/// A building with one unit; returns its id.
pub async fn building(pool: &PgPool, name: &str) -> Uuid {
    sqlx::query_scalar("insert into buildings (name, address) values ($1, 'Av. Italia 1000') returning id")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// An active staff account (`building_admin`, `concierge`: with `building`; platform roles:
/// without).
pub async fn staff(pool: &PgPool, role: Role, building: Option<Uuid>) -> Actor {
    let id = Uuid::new_v4();
    let building = if role.is_building_scoped() { building } else { None };
    sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name)
         values ($1, $2, 'x', $3, $4, 'active', 'Andrea Soto')",
    )
    .bind(id)
    .bind(format!("{}@staff.cl", id.simple()))
    .bind(role.as_str())
    .bind(building)
    .execute(pool)
    .await
    .unwrap();
    Actor { id, role, building_id: building, full_name: "Andrea Soto".into() }
}

/// The development key ring's vault and indexer.
pub fn keys() -> (crate::ssr::vault::Vault, BlindIndexer) {
    let ring = crate::ssr::keys::KeyRing::from_config(None, None, false).unwrap();
    (crate::ssr::vault::Vault::new(&ring), BlindIndexer::new(&ring).unwrap())
}

/// The client-safe error of a failed server call (panics on success or an internal error).
pub fn app_error<T: std::fmt::Debug>(result: crate::ssr::ServerResult<T>) -> crate::error::AppError {
    match result {
        Err(crate::ssr::ServerError::App(e)) => e,
        other => panic!("expected an AppError, got {other:?}"),
    }
}

/// The local day in Santiago that dated fixtures sit on: 30 days after the day this test process
/// first asked, read once, so fixtures are always ahead of the real clock (they never rot into
/// the past) and every call within one run agrees, even across midnight.
pub fn test_day() -> chrono::NaiveDate {
    static DAY: std::sync::OnceLock<chrono::NaiveDate> = std::sync::OnceLock::new();
    *DAY.get_or_init(|| chrono::Utc::now().with_timezone(&chrono_tz::America::Santiago).date_naive() + chrono::Duration::days(30))
}

/// `hh:mm` in Santiago, `days` after [`test_day`], as text PostgreSQL reads as a `timestamptz`
/// (`yyyy-mm-dd 20:00 America/Santiago`): the offset follows the season, the wall time stays.
pub fn local(days: i64, hm: &str) -> String {
    format!("{} {hm} America/Santiago", test_day() + chrono::Duration::days(days))
}

/// `hh:00` in Santiago, `days` after [`test_day`], as an instant.
pub fn local_instant(days: i64, hour: u32) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone as _;
    let day = test_day() + chrono::Duration::days(days);
    chrono_tz::America::Santiago
        .from_local_datetime(&day.and_hms_opt(hour, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&chrono::Utc)
}

/// A local day as the screens write it (`dd-mm-yyyy`), `days` after [`test_day`].
pub fn day_text(days: i64) -> String {
    (test_day() + chrono::Duration::days(days)).format("%d-%m-%Y").to_string()
}

/// The local day in Santiago `days` after [`test_day`] (its `Display` is `yyyy-mm-dd`, as
/// PostgreSQL reads a `date`).
pub fn date(days: i64) -> chrono::NaiveDate {
    test_day() + chrono::Duration::days(days)
}

/// `hh:mm` in Santiago, `days` after [`test_day`], as the instant PostgreSQL reads [`local`]
/// as: a wall time a DST change skips reads an hour later, one it repeats reads as the later
/// (standard time) of the two.
pub fn local_at(days: i64, hm: &str) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone as _;
    let wall = date(days).and_time(chrono::NaiveTime::parse_from_str(hm, "%H:%M").unwrap());
    let zone = chrono_tz::America::Santiago;
    zone.from_local_datetime(&wall)
        .latest()
        .or_else(|| zone.from_local_datetime(&(wall + chrono::Duration::hours(1))).latest())
        .unwrap()
        .with_timezone(&chrono::Utc)
}
