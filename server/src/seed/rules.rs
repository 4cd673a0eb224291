//! Demo pricing rules and blocklist entries.

use app::domain::{
    email::Email,
    plate::Plate,
    rate::Multiplier,
    schedule::{local_date, resolve_local},
};
use app::ssr::blind_index::BlindIndexer;
use app::ssr::pii::{blocklist_kind, PiiValue, BLOCKLIST_VALUE};
use app::ssr::vault::Vault;
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc, Weekday};
use chrono_tz::{America::Santiago, Tz};
use sqlx::PgConnection;
use uuid::Uuid;

use super::people::People;
use super::places::Places;

/// A pricing rule over whole local days `[first, last]` of a building.
struct Rule<'a> {
    building_id: Uuid,
    name: &'a str,
    multiplier: Multiplier,
    priority: i32,
    first_day: NaiveDate,
    last_day: NaiveDate,
    created_by: Uuid,
}

/// Creates the pricing rules and blocklist entries.
pub async fn create(
    conn: &mut PgConnection,
    places: &Places,
    people: &People,
    vault: &Vault,
    indexer: &BlindIndexer,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let fiestas_first = day(2027, 9, 17)?;
    let fiestas_last = day(2027, 9, 20)?;
    let (weekend_first, weekend_last) = long_weekend_next_month(local_date(now, Santiago))?;
    let rules = [
        Rule {
            building_id: places.parque,
            name: "Fiestas Patrias",
            multiplier: Multiplier::parse("1,5")?,
            priority: 10,
            first_day: fiestas_first,
            last_day: fiestas_last,
            created_by: people.parque_admin,
        },
        Rule {
            building_id: places.leones,
            name: "Fiestas Patrias",
            multiplier: Multiplier::parse("1,5")?,
            priority: 10,
            first_day: fiestas_first,
            last_day: fiestas_last,
            created_by: people.leones_admin,
        },
        Rule {
            building_id: places.parque,
            name: "Fin de semana largo",
            multiplier: Multiplier::parse("1,2")?,
            priority: 5,
            first_day: weekend_first,
            last_day: weekend_last,
            created_by: people.parque_admin,
        },
    ];
    for rule in &rules {
        insert_rule(conn, rule, Santiago).await?;
    }

    let plate = Plate::parse("ZZZZ-99")?;
    let email = Email::parse("visitas.falsas@correo.cl")?;
    let entries = [
        Blocked {
            building_id: None,
            value: PiiValue::plate(&plate),
            display: plate.pretty(),
            reason: "Vehículo denunciado por mal uso reiterado de estacionamientos de visita",
            created_by: people.admin,
        },
        Blocked {
            building_id: Some(places.parque),
            value: PiiValue::email(&email),
            display: masked_email(&email),
            reason: "Reservas pagadas con medios de pago desconocidos por su titular",
            created_by: people.parque_admin,
        },
    ];
    for entry in &entries {
        insert_blocked(conn, vault, indexer, entry).await?;
    }
    Ok(())
}

fn day(y: i32, m: u32, d: u32) -> anyhow::Result<NaiveDate> {
    NaiveDate::from_ymd_opt(y, m, d).ok_or_else(|| anyhow::anyhow!("invalid date {y}-{m}-{d}"))
}

/// Friday to Sunday of the first weekend of the month after `today`.
fn long_weekend_next_month(today: NaiveDate) -> anyhow::Result<(NaiveDate, NaiveDate)> {
    let first = today
        .with_day(1)
        .and_then(|d| d.checked_add_months(Months::new(1)))
        .ok_or_else(|| anyhow::anyhow!("no next month after {today}"))?;
    let friday = first
        .iter_days()
        .find(|d| d.weekday() == Weekday::Fri)
        .ok_or_else(|| anyhow::anyhow!("no Friday after {first}"))?;
    let sunday = friday
        .checked_add_days(chrono::Days::new(2))
        .ok_or_else(|| anyhow::anyhow!("no Sunday after {friday}"))?;
    Ok((friday, sunday))
}

/// Inserts a rule from local midnight of its first day to local midnight after its last day.
async fn insert_rule(conn: &mut PgConnection, rule: &Rule<'_>, tz: Tz) -> anyhow::Result<()> {
    let midnight = |d: NaiveDate| {
        resolve_local(tz, d.and_time(chrono::NaiveTime::MIN)).ok_or_else(|| anyhow::anyhow!("no local midnight on {d}"))
    };
    let after_last = rule.last_day.succ_opt().ok_or_else(|| anyhow::anyhow!("no day after {}", rule.last_day))?;
    sqlx::query(
        "insert into pricing_rules
            (building_id, name, priority, starts_at, ends_at, multiplier_bp, created_by)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(rule.building_id)
    .bind(rule.name)
    .bind(rule.priority)
    .bind(midnight(rule.first_day)?)
    .bind(midnight(after_last)?)
    .bind(i32::try_from(rule.multiplier.basis_points())?)
    .bind(rule.created_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// A blocklist entry to insert: global when `building_id` is `None`.
struct Blocked<'a> {
    building_id: Option<Uuid>,
    value: PiiValue,
    display: String,
    reason: &'a str,
    created_by: Uuid,
}

/// Inserts a blocklist entry with its blind index, its encrypted value (so that rotation can
/// re-index it) and a masked display.
async fn insert_blocked(
    conn: &mut PgConnection,
    vault: &Vault,
    indexer: &BlindIndexer,
    entry: &Blocked<'_>,
) -> anyhow::Result<()> {
    let id = Uuid::new_v4();
    let sealed = BLOCKLIST_VALUE.seal(vault, indexer, &id.to_string(), &entry.value)?;
    sqlx::query(
        "insert into blocklist_entries
            (id, building_id, kind, value_bidx, value_enc, value_display, reason, created_by)
         values ($1, $2, $3, $4, $5, $6, $7, $8)",
    )
    .bind(id)
    .bind(entry.building_id)
    .bind(blocklist_kind(entry.value.field()))
    .bind(&sealed.bidx)
    .bind(&sealed.enc)
    .bind(&entry.display)
    .bind(entry.reason)
    .bind(entry.created_by)
    .execute(conn)
    .await?;
    Ok(())
}

/// `vi•••@correo.cl`: enough for an administrator to recognise the entry.
fn masked_email(email: &Email) -> String {
    let (local, domain) = email.as_str().split_once('@').unwrap_or((email.as_str(), ""));
    let shown: String = local.chars().take(2).collect();
    format!("{shown}•••@{domain}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_weekend_is_the_first_friday_to_sunday_of_next_month() {
        let (fri, sun) = long_weekend_next_month(day(2026, 11, 28).unwrap()).unwrap();
        assert_eq!((fri, sun), (day(2026, 12, 4).unwrap(), day(2026, 12, 6).unwrap()));
        let (fri, _) = long_weekend_next_month(day(2026, 12, 31).unwrap()).unwrap();
        assert_eq!(fri, day(2027, 1, 1).unwrap());
    }

    #[test]
    fn emails_are_masked() {
        let email = Email::parse("Visitas.Falsas@correo.cl").unwrap();
        assert_eq!(masked_email(&email), "vi•••@correo.cl");
    }
}
