//! SQL of the availability area: block templates and the block generator.
//!
//! The generator is the only writer of new blocks. It runs hourly (server job
//! `generate-availability`) and on `seed-demo`, and reruns are no-ops: the unique key
//! `availability_blocks_spot_template_start_key` (spot, template, start) absorbs every block an
//! earlier run already made, so the job needs no bookkeeping of its own.
//!
//! Spot closures: a block that overlaps a closure of its spot is created with status `blocked`
//! rather than skipped. That keeps a maintenance range visible as blocked blocks in the admin's
//! calendar, gives the range one uniform representation whether the closure came before or after
//! the blocks were generated (the closure flow blocks the existing ones), and makes lifting a
//! closure a single update back to `available` instead of depending on the next generator run.
//! The generator never changes existing blocks.

use std::collections::HashMap;

use chrono::{DateTime, NaiveTime, Utc};
use chrono_tz::Tz;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

use super::GenerationReport;
use crate::domain::money::Clp;
use crate::domain::schedule::{dates_in_horizon, local_date, BlockTemplate, ScheduleError};
use crate::ssr::{ServerError, ServerResult};

/// Inserts `templates` (with their base prices) for a building, in the given order.
pub async fn insert_templates(
    conn: &mut PgConnection,
    building_id: Uuid,
    templates: &[(BlockTemplate, Clp)],
) -> ServerResult<()> {
    let mut names = Vec::with_capacity(templates.len());
    let mut starts = Vec::with_capacity(templates.len());
    let mut durations = Vec::with_capacity(templates.len());
    let mut prices = Vec::with_capacity(templates.len());
    for (template, price) in templates {
        names.push(template.name.clone());
        starts.push(template.start_local);
        durations.push(
            i32::try_from(template.duration_minutes)
                .map_err(|_| ServerError::invariant("block template duration out of range"))?,
        );
        prices.push(price.pesos());
    }
    sqlx::query(
        "insert into block_templates
            (building_id, name, start_local, duration_minutes, base_price_clp, sort_order)
         select $1, t.name, t.start_local, t.duration_minutes, t.base_price_clp, t.ord::integer
         from unnest($2::text[], $3::time[], $4::integer[], $5::bigint[])
              with ordinality as t(name, start_local, duration_minutes, base_price_clp, ord)",
    )
    .bind(building_id)
    .bind(&names)
    .bind(&starts)
    .bind(&durations)
    .bind(&prices)
    .execute(conn)
    .await?;
    Ok(())
}

/// A building the generator works on.
#[derive(sqlx::FromRow)]
struct BuildingRow {
    id: Uuid,
    time_zone: String,
    booking_horizon_days: i32,
}

/// An active template of an active building.
#[derive(sqlx::FromRow)]
struct TemplateRow {
    building_id: Uuid,
    id: Uuid,
    name: String,
    start_local: NaiveTime,
    duration_minutes: i32,
    base_price_clp: i64,
}

/// An active spot of an active building.
#[derive(sqlx::FromRow)]
struct SpotRow {
    building_id: Uuid,
    id: Uuid,
}

/// The blocks of one building's templates over its horizon, column by column (the shape
/// `unnest` wants).
#[derive(Default)]
struct Windows {
    template_ids: Vec<Uuid>,
    starts: Vec<DateTime<Utc>>,
    ends: Vec<DateTime<Utc>>,
    prices: Vec<i64>,
}

/// Materialises availability blocks for every active spot of every active building, from the
/// building's active templates, for `booking_horizon_days` days starting today in the building's
/// time zone. Idempotent; never creates a block that has already ended at `now`.
///
/// Costs three reads plus one `insert … select from unnest(…)` per building, whatever the number
/// of spots and days.
pub async fn generate_blocks(pool: &PgPool, now: DateTime<Utc>) -> ServerResult<GenerationReport> {
    generate_blocks_for(pool, now, None).await
}

/// [`generate_blocks`] for one building only (`Some`), or for all (`None`): the administration's
/// "Generar disponibilidad ahora" runs it for the building at hand so its report counts only
/// that building's blocks. An archived building gets nothing.
pub async fn generate_blocks_for(pool: &PgPool, now: DateTime<Utc>, only: Option<Uuid>) -> ServerResult<GenerationReport> {
    let buildings: Vec<BuildingRow> = sqlx::query_as(
        "select id, time_zone, booking_horizon_days
         from buildings where status = 'active' and ($1::uuid is null or id = $1) order by id",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let templates: Vec<TemplateRow> = sqlx::query_as(
        "select t.building_id, t.id, t.name, t.start_local, t.duration_minutes, t.base_price_clp
         from block_templates t join buildings b on b.id = t.building_id
         where t.active and b.status = 'active' and ($1::uuid is null or b.id = $1)
         order by t.building_id, t.sort_order, t.id",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;
    let spots: Vec<SpotRow> = sqlx::query_as(
        "select s.building_id, s.id
         from visitor_spots s join buildings b on b.id = s.building_id
         where s.active and b.status = 'active' and ($1::uuid is null or b.id = $1)
         order by s.building_id, s.id",
    )
    .bind(only)
    .fetch_all(pool)
    .await?;

    let mut templates_of: HashMap<Uuid, Vec<TemplateRow>> = HashMap::new();
    for t in templates {
        templates_of.entry(t.building_id).or_default().push(t);
    }
    let mut spots_of: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    for s in spots {
        spots_of.entry(s.building_id).or_default().push(s.id);
    }

    let mut report = GenerationReport::default();
    for building in buildings {
        let Ok(tz) = building.time_zone.parse::<Tz>() else {
            // PostgreSQL accepted the zone name but chrono-tz does not know it; generating in
            // a guessed zone would put every block at the wrong hour, so skip loudly.
            tracing::warn!(building.id = %building.id, "unknown time zone; no blocks generated");
            report.buildings_skipped += 1;
            continue;
        };
        report.buildings += 1;
        let spot_ids = spots_of.remove(&building.id).unwrap_or_default();
        report.spots += spot_ids.len() as u64;
        let templates = templates_of.remove(&building.id).unwrap_or_default();
        let horizon = u32::try_from(building.booking_horizon_days)
            .map_err(|_| ServerError::invariant(format!("booking horizon of {} days", building.booking_horizon_days)))?;
        let windows = windows(&templates, tz, horizon, now)?;
        if spot_ids.is_empty() || windows.starts.is_empty() {
            continue;
        }
        let (created, blocked) = insert_blocks(pool, building.id, &spot_ids, &windows).await?;
        let candidates = (spot_ids.len() as u64) * (windows.starts.len() as u64);
        report.created += created;
        report.created_blocked += blocked;
        report.skipped_existing += candidates.saturating_sub(created);
    }
    Ok(report)
}

/// The real windows of `templates` on each date of the horizon in `tz`, leaving out the ones
/// that have ended by `now` and the ones a daylight-saving jump swallows whole.
fn windows(templates: &[TemplateRow], tz: Tz, horizon_days: u32, now: DateTime<Utc>) -> ServerResult<Windows> {
    let mut out = Windows::default();
    for date in dates_in_horizon(local_date(now, tz), horizon_days) {
        for row in templates {
            let template = BlockTemplate {
                name: row.name.clone(),
                start_local: row.start_local,
                duration_minutes: u32::try_from(row.duration_minutes)
                    .map_err(|_| ServerError::invariant(format!("template of {} minutes", row.duration_minutes)))?,
            };
            let (starts_at, ends_at) = match template.window(date, tz) {
                Ok(window) => window,
                // The block does not exist that day (DST gap): nothing to offer.
                Err(ScheduleError::EmptyWindow) => continue,
                Err(err) => {
                    tracing::warn!(template.id = %row.id, %date, error = %err, "block window skipped");
                    continue;
                }
            };
            if ends_at <= now {
                continue;
            }
            out.template_ids.push(row.id);
            out.starts.push(starts_at);
            out.ends.push(ends_at);
            out.prices.push(row.base_price_clp);
        }
    }
    Ok(out)
}

/// Inserts every (spot × window) block of one building in one statement; returns how many rows
/// were new and how many of those were created `blocked` by a closure.
async fn insert_blocks(pool: &PgPool, building_id: Uuid, spot_ids: &[Uuid], windows: &Windows) -> ServerResult<(u64, u64)> {
    let (created, blocked): (i64, i64) = sqlx::query_as(
        "with new_blocks as (
             insert into availability_blocks
                 (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp, status)
             select s.spot_id, $1, w.template_id, w.starts_at, w.ends_at, w.base_price_clp,
                    case when exists (
                        select 1 from spot_closures c
                        where c.spot_id = s.spot_id
                          and c.during && tstzrange(w.starts_at, w.ends_at, '[)')
                    ) then 'blocked' else 'available' end
             from unnest($2::uuid[]) as s(spot_id)
             cross join unnest($3::uuid[], $4::timestamptz[], $5::timestamptz[], $6::bigint[])
                 as w(template_id, starts_at, ends_at, base_price_clp)
             on conflict on constraint availability_blocks_spot_template_start_key do nothing
             returning status
         )
         select count(*), count(*) filter (where status = 'blocked') from new_blocks",
    )
    .bind(building_id)
    .bind(spot_ids)
    .bind(&windows.template_ids)
    .bind(&windows.starts)
    .bind(&windows.ends)
    .bind(&windows.prices)
    .fetch_one(pool)
    .await?;
    let count = |n: i64| u64::try_from(n).map_err(|_| ServerError::invariant(format!("{n} blocks inserted")));
    Ok((count(created)?, count(blocked)?))
}

#[cfg(test)]
mod tests;
