//! The retention purge (job `purge-personal-data`): personal data older than the retention
//! period is nulled, the rows stay. Bookings whose block ended more than `RETENTION_MONTHS` ago
//! lose their visitor; access events lose the plate and the typed text; sent messages lose the
//! recipient and the text. Money, statuses and the audit log are untouched.
//!
//! The columns come from [`super::registry`] (those with `Retention::Purge`). Each batch is its
//! own short statement over at most [`BATCH`] rows (`for update skip locked`, so a booking being
//! worked on is left for the next run); a run that dies half-way leaves whole batches done and
//! the next run continues. Purged rows carry `purged_at` and are never selected again, so a
//! rerun changes nothing.

use super::registry::{purged_columns, DEFAULT_RETENTION_MONTHS};
use crate::ssr::ServerResult;
use chrono::{DateTime, Months, Utc};
use serde::Serialize;
use sqlx::PgPool;

/// Rows per statement: small enough that no lock is held for long.
pub const BATCH: i64 = 500;

/// `RETENTION_MONTHS` parsed: 1..=120 months, default 24.
pub fn retention_months(value: Option<&str>) -> Result<u32, String> {
    match value.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(DEFAULT_RETENTION_MONTHS),
        Some(v) => match v.parse::<u32>() {
            Ok(m) if (1..=120).contains(&m) => Ok(m),
            _ => Err(format!("RETENTION_MONTHS must be a whole number of months between 1 and 120, got {v:?}")),
        },
    }
}

/// What a run purged.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PurgeReport {
    /// The retention period applied.
    pub retention_months: u32,
    /// Bookings that lost their visitor.
    pub bookings: u64,
    /// Access events that lost their plate and text.
    pub access_events: u64,
    /// Messages that lost their recipient and text.
    pub notifications: u64,
}

/// One purged table: which rows are old enough, and by which time column.
struct Target {
    table: &'static str,
    time_column: &'static str,
    extra: &'static str,
}

const TARGETS: [Target; 3] = [
    Target { table: "bookings", time_column: "ends_at", extra: "" },
    Target {
        table: "access_events",
        time_column: "occurred_at",
        // The append-only trigger allows exactly this update; rows without a plate or text
        // hold nothing to purge.
        extra: "and (plate_observed is not null or query_text is not null)",
    },
    Target {
        table: "notifications",
        time_column: "created_at",
        // A message still being sent keeps its recipient.
        extra: "and status not in ('pending', 'sending')",
    },
];

/// The statement purging one batch of `t` (built from the registry's column names, which are
/// compile-time constants: nothing user-supplied reaches the SQL text).
fn statement(t: &Target) -> String {
    let sets: Vec<String> = purged_columns(t.table).iter().map(|c| format!("{c} = null")).collect();
    format!(
        "update {table} set {sets}, purged_at = $2
          where id in (select id from {table}
                        where purged_at is null and {time} < $1 {extra}
                        order by {time} limit $3
                        for update skip locked)",
        table = t.table,
        sets = sets.join(", "),
        time = t.time_column,
        extra = t.extra,
    )
}

/// The instant before which data is purged at `now`.
pub fn cutoff(now: DateTime<Utc>, months: u32) -> DateTime<Utc> {
    now.checked_sub_months(Months::new(months)).unwrap_or(DateTime::<Utc>::MIN_UTC)
}

/// Purges everything older than `months` at `now`.
pub async fn purge(pool: &PgPool, now: DateTime<Utc>, months: u32) -> ServerResult<PurgeReport> {
    let cutoff = cutoff(now, months);
    let mut counts = [0u64; 3];
    for (target, count) in TARGETS.iter().zip(counts.iter_mut()) {
        let sql = statement(target);
        loop {
            let n = sqlx::query(&sql).bind(cutoff).bind(now).bind(BATCH).execute(pool).await?.rows_affected();
            *count += n;
            if n < BATCH.unsigned_abs() {
                break;
            }
        }
    }
    Ok(PurgeReport { retention_months: months, bookings: counts[0], access_events: counts[1], notifications: counts[2] })
}

#[cfg(test)]
mod unit {
    use super::*;

    #[test]
    fn retention_defaults_to_24_and_refuses_nonsense() {
        assert_eq!(retention_months(None), Ok(24));
        assert_eq!(retention_months(Some(" ")), Ok(24));
        assert_eq!(retention_months(Some("36")), Ok(36));
        for bad in ["0", "-1", "121", "dos", "2.5"] {
            assert!(retention_months(Some(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn statements_null_the_registry_columns_only() {
        let sql = statement(&TARGETS[0]);
        assert!(sql.contains("visitor_name = null, visitor_plate = null"), "{sql}");
        assert!(!sql.contains("amount_clp") && !sql.contains("status ="), "{sql}");
        let cut = cutoff("2028-12-07T12:00:00Z".parse().unwrap(), 24);
        assert_eq!(cut, "2026-12-07T12:00:00Z".parse::<DateTime<Utc>>().unwrap());
    }
}
