//! SQL of the analytics screen (the definitions are in the module above). Every query works on
//! the buildings in the caller's scope, each with its own zone and its own "today" at `now`.

use super::{Analytics, Kind, Point, Series};
use crate::admin::scope;
use crate::domain::{format, rate::Rate, stats};
use crate::ssr::{actor::Actor, ServerResult};
use crate::ui::pager::total as total_of;
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::postgres::{PgArguments, PgRow};
use sqlx::query::QueryAs;
use sqlx::{FromRow, PgPool, Postgres};
use std::collections::HashMap;
use std::hash::Hash;
use uuid::Uuid;

/// Statuses of a booking that was paid and not cancelled: its block-hours count as booked.
pub const BOOKED: [&str; 6] = ["confirmed", "checked_in", "checked_out", "overstay", "no_show", "completed"];

/// The buildings in scope with their zone and local today (`$1` building or all, `$2` now).
const SCOPE: &str = "sb as (select id, time_zone, ($2::timestamptz at time zone time_zone)::date as today
                             from buildings where ($1::uuid is null or id = $1))";

/// What every query of the screen reads: `$1` the building (`None`: every building in scope),
/// `$2` the instant "today" is taken at, `$3` the number of local days.
struct Period {
    building: Option<Uuid>,
    now: DateTime<Utc>,
    days: i32,
}

impl Period {
    /// `sql`, which starts `with {SCOPE}`, with the period bound as `$1` to `$3`.
    fn query<'q, T>(&self, sql: &'q str) -> QueryAs<'q, Postgres, T, PgArguments>
    where
        T: for<'r> FromRow<'r, PgRow>,
    {
        sqlx::query_as(sql).bind(self.building).bind(self.now).bind(self.days)
    }
}

fn booked() -> Vec<String> {
    BOOKED.iter().map(|s| s.to_string()).collect()
}

fn u(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

/// The bookings of the period, counted by what became of them.
#[derive(sqlx::FromRow)]
struct PeriodOutcomes {
    total: i64,
    cancelled: i64,
    no_shows: i64,
    /// Those whose visitor came or did not (checked in, out, overstayed, no-show, completed).
    outcomes: i64,
}

/// The last `days` local days up to today, for `actor`'s scope (`requested`: a building id or
/// empty for all), as of `now`.
pub async fn load(pool: &PgPool, actor: &Actor, requested: &str, days: u32, now: DateTime<Utc>) -> ServerResult<Analytics> {
    let scope::Overview { building, buildings, label: scope_label, selected } = scope::overview(pool, actor, requested).await?;
    let sb = SCOPE;
    let period = Period { building, now, days: i32::try_from(days).unwrap_or(30) };
    let (first, last): (Option<NaiveDate>, Option<NaiveDate>) = period
        .query(&format!("with {sb} select min(today) - ($3::int - 1), max(today) from sb"))
        .fetch_one(pool)
        .await?;
    let day_list: Vec<NaiveDate> = match (first, last) {
        (Some(f), Some(l)) => f.iter_days().take_while(|d| *d <= l).collect(),
        _ => Vec::new(),
    };

    // Occupancy by day: block seconds and booked block seconds per local day.
    let rows: Vec<(NaiveDate, i64, i64)> = period
        .query(&format!(
            "with {sb}
         select day, sum(secs)::bigint, coalesce(sum(secs) filter (where booked), 0)::bigint
           from (select (ab.starts_at at time zone sb.time_zone)::date as day,
                        extract(epoch from ab.ends_at - ab.starts_at) as secs,
                        ab.status,
                        exists (select 1 from bookings k where k.block_id = ab.id and k.status = any($4)) as booked
                   from availability_blocks ab join sb on sb.id = ab.building_id
                  where ab.starts_at >= (sb.today - ($3::int - 1))::timestamp at time zone sb.time_zone
                    and ab.starts_at < (sb.today + 1)::timestamp at time zone sb.time_zone) x
          where status <> 'blocked' or booked
          group by day"
        ))
        .bind(booked())
        .fetch_all(pool)
        .await?;
    let by_day = Shares::new(rows);
    let occupancy_by_day = Series {
        has_data: by_day.any_whole(),
        kind: Kind::Percent,
        points: day_list
            .iter()
            .map(|d| {
                let share = by_day.of(d);
                day_point(*d, percent(share), stats::share_label(share))
            })
            .collect(),
    };

    // Occupancy by hour of day: of the building-days of the period, how many had the hour booked.
    let rows: Vec<(i32, i64, i64)> = period
        .query(&format!(
            "with {sb},
         slots as (
             select sb.id, h,
                    (d + make_interval(hours => h)) at time zone sb.time_zone as s,
                    (d + make_interval(hours => h + 1)) at time zone sb.time_zone as e
               from sb,
                    generate_series((sb.today - ($3::int - 1))::timestamp, sb.today::timestamp, interval '1 day') d,
                    generate_series(0, 23) h)
         select h, count(*)::bigint, count(*) filter (where occupied)::bigint
           from (select slots.h,
                        exists (select 1 from bookings k
                                 where k.building_id = slots.id and k.status = any($4)
                                   and k.starts_at < slots.e and k.ends_at > slots.s
                                   and k.starts_at > slots.s - interval '48 hours') as occupied
                   from slots) x
          group by h order by h"
        ))
        .bind(booked())
        .fetch_all(pool)
        .await?;
    let by_hour = Shares::new(rows);
    let occupancy_by_hour = Series {
        has_data: by_hour.any_taken(),
        kind: Kind::Percent,
        points: (0..24)
            .map(|h: i32| {
                let share = by_hour.of(&h);
                let full = format!("{h:02}:00–{:02}:00", (h + 1) % 24);
                Point { label: h.to_string(), full, value: percent(share), text: stats::share_label(share) }
            })
            .collect(),
    };

    // Revenue by the local day the payment was confirmed.
    let rows: Vec<(NaiveDate, i64)> = period
        .query(&format!(
            "with {sb}
         select (k.confirmed_at at time zone sb.time_zone)::date, sum(k.amount_clp)::bigint
           from bookings k join sb on sb.id = k.building_id
          where k.payment_status = 'paid'
            and k.confirmed_at >= (sb.today - ($3::int - 1))::timestamp at time zone sb.time_zone
            and k.confirmed_at < (sb.today + 1)::timestamp at time zone sb.time_zone
          group by 1"
        ))
        .fetch_all(pool)
        .await?;
    let revenue_by_day = per_day(&day_list, rows.into_iter().map(|(d, v)| (d, u(v))).collect(), Kind::Clp);

    // Bookings made per local day (those paid at some point), and their outcomes.
    let period_bookings = format!(
        "with {sb}, pk as (
             select k.status, (k.created_at at time zone sb.time_zone)::date as day
               from bookings k join sb on sb.id = k.building_id
              where k.confirmed_at is not null
                and k.created_at >= (sb.today - ($3::int - 1))::timestamp at time zone sb.time_zone
                and k.created_at < (sb.today + 1)::timestamp at time zone sb.time_zone)"
    );
    let rows: Vec<(NaiveDate, i64)> = period
        .query(&format!("{period_bookings} select day, count(*) from pk group by day"))
        .fetch_all(pool)
        .await?;
    let bookings_by_day = per_day(&day_list, rows.into_iter().map(|(d, v)| (d, u(v))).collect(), Kind::Count);
    let outcomes_row: PeriodOutcomes = period
        .query(&format!(
            "{period_bookings}
         select count(*) as total, count(*) filter (where status = 'cancelled') as cancelled,
                count(*) filter (where status = 'no_show') as no_shows,
                count(*) filter (where status in ('checked_in', 'checked_out', 'overstay', 'no_show', 'completed')) as outcomes
           from pk"
        ))
        .fetch_one(pool)
        .await?;
    let PeriodOutcomes { total, cancelled, no_shows, outcomes } = outcomes_row;

    let range = match (day_list.first(), day_list.last()) {
        (Some(f), Some(l)) => format!("del {} al {}", format::short_date(*f), format::short_date(*l)),
        _ => String::new(),
    };
    Ok(Analytics {
        selected,
        buildings,
        scope_label,
        days,
        range,
        occupancy_by_day,
        occupancy_by_hour,
        revenue_by_day,
        bookings_by_day,
        bookings: total_of(total),
        cancelled: total_of(cancelled),
        cancellation_rate: stats::share_label(stats::share(u(cancelled), u(total))),
        outcomes: total_of(outcomes),
        no_shows: total_of(no_shows),
        no_show_rate: stats::share_label(stats::share(u(no_shows), u(outcomes))),
    })
}

/// Per key (a day, an hour), how much of a whole was taken, from `(key, whole, taken)` rows.
struct Shares<K>(HashMap<K, (u64, u64)>);

impl<K: Eq + Hash> Shares<K> {
    fn new(rows: Vec<(K, i64, i64)>) -> Self {
        Self(rows.into_iter().map(|(k, whole, taken)| (k, (u(whole), u(taken)))).collect())
    }

    /// The share taken at `key` (`None`: no whole there).
    fn of(&self, key: &K) -> Option<Rate> {
        self.0.get(key).and_then(|(whole, taken)| stats::share(*taken, *whole))
    }

    /// Whether any key has a whole at all.
    fn any_whole(&self) -> bool {
        self.0.values().any(|(whole, _)| *whole > 0)
    }

    /// Whether anything was taken at any key.
    fn any_taken(&self) -> bool {
        self.0.values().any(|(_, taken)| *taken > 0)
    }
}

/// A share as a chart value, in basis points (0 when there is none).
fn percent(share: Option<Rate>) -> u64 {
    share.map_or(0, |r| u64::from(r.basis_points()))
}

fn day_point(day: NaiveDate, value: u64, text: String) -> Point {
    Point { label: day.format("%d-%m").to_string(), full: format::short_date(day), value, text }
}

fn per_day(days: &[NaiveDate], values: HashMap<NaiveDate, u64>, kind: Kind) -> Series {
    Series {
        has_data: values.values().any(|v| *v > 0),
        kind,
        points: days
            .iter()
            .map(|d| {
                let v = values.get(d).copied().unwrap_or(0);
                day_point(*d, v, kind.format(v))
            })
            .collect(),
    }
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
