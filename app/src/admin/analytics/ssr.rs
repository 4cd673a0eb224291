//! SQL of the analytics screen (the definitions are in the module above). Every query works on
//! the buildings in the caller's scope, each with its own zone and its own "today" at `now`.

use super::{Analytics, Kind, Point, Series};
use crate::admin::scope;
use crate::domain::{format, stats};
use crate::ssr::{actor::Actor, ServerResult};
use chrono::{DateTime, NaiveDate, Utc};
use sqlx::PgPool;
use std::collections::HashMap;
use uuid::Uuid;

/// Statuses of a booking that was paid and not cancelled: its block-hours count as booked.
pub const BOOKED: [&str; 6] = ["confirmed", "checked_in", "checked_out", "overstay", "no_show", "completed"];

/// The buildings in scope with their zone and local today (`$1` building or all, `$2` now).
const SCOPE: &str = "sb as (select id, time_zone, ($2::timestamptz at time zone time_zone)::date as today
                             from buildings where ($1::uuid is null or id = $1))";

fn booked() -> Vec<String> {
    BOOKED.iter().map(|s| s.to_string()).collect()
}

fn u(n: i64) -> u64 {
    u64::try_from(n).unwrap_or(0)
}

fn count(n: i64) -> u32 {
    u32::try_from(n).unwrap_or(u32::MAX)
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
    actor.require_role(&scope::READERS)?;
    let building: Option<Uuid> = scope::listing_scope(actor, requested)?;
    let buildings = scope::buildings(pool, actor).await?;
    let scope_label = match building {
        Some(id) => buildings
            .iter()
            .find(|b| b.id == id.to_string())
            .map(|b| b.name.clone())
            .ok_or(crate::error::AppError::NotFound)?,
        None => "Todos los edificios".to_string(),
    };
    let sb = SCOPE;
    let n = i32::try_from(days).unwrap_or(30);
    let (first, last): (Option<NaiveDate>, Option<NaiveDate>) =
        sqlx::query_as(&format!("with {sb} select min(today) - ($3::int - 1), max(today) from sb"))
            .bind(building)
            .bind(now)
            .bind(n)
            .fetch_one(pool)
            .await?;
    let day_list: Vec<NaiveDate> = match (first, last) {
        (Some(f), Some(l)) => f.iter_days().take_while(|d| *d <= l).collect(),
        _ => Vec::new(),
    };

    // Occupancy by day: block seconds and booked block seconds per local day.
    let rows: Vec<(NaiveDate, i64, i64)> = sqlx::query_as(&format!(
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
    .bind(building)
    .bind(now)
    .bind(n)
    .bind(booked())
    .fetch_all(pool)
    .await?;
    let by_day: HashMap<NaiveDate, (u64, u64)> = rows.into_iter().map(|(d, t, b)| (d, (u(t), u(b)))).collect();
    let occupancy_by_day = Series {
        has_data: by_day.values().any(|(t, _)| *t > 0),
        kind: Kind::Percent,
        points: day_list
            .iter()
            .map(|d| {
                let (total, booked) = by_day.get(d).copied().unwrap_or((0, 0));
                let share = stats::share(booked, total);
                day_point(*d, share.map_or(0, |r| u64::from(r.basis_points())), stats::share_label(share))
            })
            .collect(),
    };

    // Occupancy by hour of day: of the building-days of the period, how many had the hour booked.
    let rows: Vec<(i32, i64, i64)> = sqlx::query_as(&format!(
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
    .bind(building)
    .bind(now)
    .bind(n)
    .bind(booked())
    .fetch_all(pool)
    .await?;
    let by_hour: HashMap<i32, (u64, u64)> = rows.into_iter().map(|(h, t, o)| (h, (u(t), u(o)))).collect();
    let occupancy_by_hour = Series {
        has_data: by_hour.values().any(|(_, o)| *o > 0),
        kind: Kind::Percent,
        points: (0..24)
            .map(|h: i32| {
                let (total, occupied) = by_hour.get(&h).copied().unwrap_or((0, 0));
                let share = stats::share(occupied, total);
                Point {
                    label: h.to_string(),
                    full: format!("{h:02}:00–{:02}:00", (h + 1) % 24),
                    value: share.map_or(0, |r| u64::from(r.basis_points())),
                    text: stats::share_label(share),
                }
            })
            .collect(),
    };

    // Revenue by the local day the payment was confirmed.
    let rows: Vec<(NaiveDate, i64)> = sqlx::query_as(&format!(
        "with {sb}
         select (k.confirmed_at at time zone sb.time_zone)::date, sum(k.amount_clp)::bigint
           from bookings k join sb on sb.id = k.building_id
          where k.payment_status = 'paid'
            and k.confirmed_at >= (sb.today - ($3::int - 1))::timestamp at time zone sb.time_zone
            and k.confirmed_at < (sb.today + 1)::timestamp at time zone sb.time_zone
          group by 1"
    ))
    .bind(building)
    .bind(now)
    .bind(n)
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
    let rows: Vec<(NaiveDate, i64)> = sqlx::query_as(&format!("{period_bookings} select day, count(*) from pk group by day"))
        .bind(building)
        .bind(now)
        .bind(n)
        .fetch_all(pool)
        .await?;
    let bookings_by_day = per_day(&day_list, rows.into_iter().map(|(d, v)| (d, u(v))).collect(), Kind::Count);
    let period: PeriodOutcomes = sqlx::query_as(&format!(
        "{period_bookings}
         select count(*) as total, count(*) filter (where status = 'cancelled') as cancelled,
                count(*) filter (where status = 'no_show') as no_shows,
                count(*) filter (where status in ('checked_in', 'checked_out', 'overstay', 'no_show', 'completed')) as outcomes
           from pk"
    ))
    .bind(building)
    .bind(now)
    .bind(n)
    .fetch_one(pool)
    .await?;
    let PeriodOutcomes { total, cancelled, no_shows, outcomes } = period;

    let range = match (day_list.first(), day_list.last()) {
        (Some(f), Some(l)) => format!("del {} al {}", format::short_date(*f), format::short_date(*l)),
        _ => String::new(),
    };
    Ok(Analytics {
        selected: if actor.role.is_building_scoped() {
            String::new()
        } else {
            building.map(|b| b.to_string()).unwrap_or_default()
        },
        buildings,
        scope_label,
        days,
        range,
        occupancy_by_day,
        occupancy_by_hour,
        revenue_by_day,
        bookings_by_day,
        bookings: count(total),
        cancelled: count(cancelled),
        cancellation_rate: stats::share_label(stats::share(u(cancelled), u(total))),
        outcomes: count(outcomes),
        no_shows: count(no_shows),
        no_show_rate: stats::share_label(stats::share(u(no_shows), u(outcomes))),
    })
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
