//! Search and quotes: the booking rules of a building, effective block prices, the search with its
//! map, and the quote of one block.

use super::{block_minutes, building_zone, TAKEN_MESSAGE};
use crate::booking::{BlockCard, BlockQuote, MapSpot, SearchResult};
use crate::domain::{
    format::{block_window_label, long_date},
    money::Clp,
    pricing::{quote, Quote},
    pricing_rule::{applicable_rule, PricingRuleView},
    rate::{Multiplier, Rate},
    role::Role,
    schedule::{duration_label, local_date, resolve_local},
};
use crate::error::AppError;
use crate::ssr::{actor::Actor, ServerError, ServerResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Active pricing rules of a building that overlap `[from, to)`.
pub async fn rules(
    conn: &mut PgConnection,
    building_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServerResult<Vec<PricingRuleView<Uuid>>> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "select id, priority, starts_at, ends_at, multiplier_bp, created_at
           from pricing_rules
          where building_id = $1 and active and starts_at < $3 and ends_at > $2",
    )
    .bind(building_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PricingRuleView {
            id: r.id,
            priority: r.priority,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            multiplier: r.multiplier_bp,
            active: true,
            created_at: r.created_at,
        })
        .collect())
}

/// An active pricing rule as stored.
#[derive(sqlx::FromRow)]
struct RuleRow {
    id: Uuid,
    priority: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    multiplier_bp: Multiplier,
    created_at: DateTime<Utc>,
}

/// The quote of a block with the building's rates and rules.
pub fn price_block(
    rules: &[PricingRuleView<Uuid>],
    base: Clp,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    commission: Rate,
    sales_rep: Rate,
) -> ServerResult<(Quote, Option<Uuid>)> {
    let rule = applicable_rule(rules, start, end);
    let multiplier = rule.map_or(Multiplier::ONE, |r| r.multiplier);
    let q = quote(base, multiplier, commission, sales_rep).map_err(|e| ServerError::unexpected("quote", e))?;
    Ok((q, rule.map(|r| r.id)))
}

/// A day of the resident's building: every block of active spots that has not started, with
/// its effective price and whether it can be booked; optionally one block type only.
pub async fn search(
    pool: &PgPool,
    actor: &Actor,
    date: Option<NaiveDate>,
    kind: Option<&str>,
    now: DateTime<Utc>,
) -> ServerResult<SearchResult> {
    actor.require_role(&[Role::Resident])?;
    let building_id = actor.building_id.ok_or(AppError::NotFound)?;
    let building: SearchBuilding =
        sqlx::query_as("select name, address, time_zone, commission_rate_bp, sales_rep_rate_bp from buildings where id = $1")
            .bind(building_id)
            .fetch_one(pool)
            .await?;
    let tz = building_zone(&building.time_zone)?;
    let today = local_date(now, tz);
    let date = date.filter(|d| *d >= today).unwrap_or(today);

    let kinds: Vec<String> = sqlx::query_scalar(
        "select name from block_templates where building_id = $1 and active order by sort_order, start_local, name",
    )
    .bind(building_id)
    .fetch_all(pool)
    .await?;

    // The local day as an instant range, so the (building, starts_at) index serves the query
    // (midnight may not exist on a DST night: resolve_local moves it forward).
    let day_start =
        resolve_local(tz, date.and_time(chrono::NaiveTime::MIN)).ok_or_else(|| ServerError::invariant("day start"))?;
    let day_end = resolve_local(tz, (date + Duration::days(1)).and_time(chrono::NaiveTime::MIN))
        .ok_or_else(|| ServerError::invariant("day end"))?;
    let rows: Vec<CardRow> = sqlx::query_as(concat!(
        "select b.id, s.number as spot, t.name as kind, b.starts_at, b.ends_at, b.base_price_clp,
                b.status = 'available'
                and exists (select 1 from buildings x where x.id = b.building_id and x.status = 'active')
                and not exists (
                    select 1 from bookings k
                     where k.spot_id = b.spot_id and k.during && b.during
                       and k.status in ",
        crate::active_statuses!(),
        ") as available
           from availability_blocks b
           join visitor_spots s on s.id = b.spot_id
           left join block_templates t on t.id = b.template_id
          where b.building_id = $1 and s.active
            and b.starts_at >= $2 and b.starts_at < $3
            and b.starts_at > $4
            and ($5::text is null or t.name = $5)
          order by b.starts_at, s.sort_order, s.number, b.ends_at"
    ))
    .bind(building_id)
    .bind(day_start)
    .bind(day_end)
    .bind(now)
    .bind(kind)
    .fetch_all(pool)
    .await?;

    let mut conn = pool.acquire().await?;
    let day_start = now.min(rows.first().map(|r| r.starts_at).unwrap_or(now));
    let day_end = rows.iter().map(|r| r.ends_at).max().unwrap_or(now);
    let rules = rules(&mut conn, building_id, day_start, day_end).await?;
    let mut cards = Vec::with_capacity(rows.len());
    for row in rows {
        let (start, end) = (row.starts_at, row.ends_at);
        let (q, _) =
            price_block(&rules, row.base_price_clp, start, end, building.commission_rate_bp, building.sales_rep_rate_bp)?;
        cards.push(BlockCard {
            block_id: row.id.to_string(),
            spot: row.spot,
            kind: row.kind.unwrap_or_else(|| "Bloque".into()),
            window: block_window_label(start, end, tz),
            duration: duration_label(block_minutes(start, end)?),
            price: q.price.to_string(),
            available: row.available,
        });
    }

    type SpotRow = (String, Option<i16>, Option<i16>);
    let spots: Vec<SpotRow> = sqlx::query_as(
        "select number, map_x, map_y from visitor_spots where building_id = $1 and active order by sort_order, length(number), number",
    )
    .bind(building_id)
    .fetch_all(&mut *conn)
    .await?;
    // Placed spots keep their position; the others take free cells, never overlapping.
    let plan = crate::domain::plan::layout(
        &spots.iter().map(|s| s.1.zip(s.2).map(|(x, y)| (i32::from(x), i32::from(y)))).collect::<Vec<_>>(),
    );
    let map = spots
        .into_iter()
        .zip(plan.centres)
        .map(|((number, ..), (x, y))| {
            let free = cards.iter().filter(|c| c.spot == number && c.available).count();
            let free_blocks = u32::try_from(free).map_err(|_| ServerError::invariant(format!("{free} free blocks")))?;
            Ok(MapSpot { x, y, free_blocks, number })
        })
        .collect::<ServerResult<_>>()?;

    Ok(SearchResult {
        building: building.name,
        address: building.address,
        date: date.to_string(),
        date_label: long_date(date),
        next_date: (date + Duration::days(1)).to_string(),
        today: today.to_string(),
        kinds,
        cards,
        map,
        map_height: plan.height,
    })
}

/// The summary of one bookable block for the resident about to book it (same price as search
/// and as the booking will store). Another building's block, or one already started, is
/// "not found".
pub async fn quote_block(pool: &PgPool, actor: &Actor, block_id: Uuid, now: DateTime<Utc>) -> ServerResult<BlockQuote> {
    actor.require_role(&[Role::Resident])?;
    let building_id = actor.building_id.ok_or(AppError::NotFound)?;
    let row: Option<QuoteRow> = sqlx::query_as(concat!(
        "select bl.name as building, bl.address, bl.time_zone, bl.commission_rate_bp, bl.sales_rep_rate_bp,
                bl.hold_minutes, s.number as spot, t.name as kind, b.starts_at, b.ends_at, b.base_price_clp,
                b.status = 'available' and s.active and bl.status = 'active' and not exists (
                    select 1 from bookings k where k.spot_id = b.spot_id and k.during && b.during
                       and k.status in ",
        crate::active_statuses!(),
        ") as available
           from availability_blocks b
           join buildings bl on bl.id = b.building_id
           join visitor_spots s on s.id = b.spot_id
           left join block_templates t on t.id = b.template_id
          where b.id = $1 and b.building_id = $2 and b.starts_at > $3"
    ))
    .bind(block_id)
    .bind(building_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let row = row.ok_or(AppError::NotFound)?;
    if !row.available {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }
    let (start, end) = (row.starts_at, row.ends_at);
    let tz = building_zone(&row.time_zone)?;
    let mut conn = pool.acquire().await?;
    let rules = rules(&mut conn, building_id, start, end).await?;
    let (q, _) = price_block(&rules, row.base_price_clp, start, end, row.commission_rate_bp, row.sales_rep_rate_bp)?;
    Ok(BlockQuote {
        block_id: block_id.to_string(),
        building: row.building,
        address: row.address,
        spot: row.spot,
        kind: row.kind.unwrap_or_else(|| "Bloque".into()),
        date_label: long_date(start.with_timezone(&tz).date_naive()),
        window: block_window_label(start, end, tz),
        duration: duration_label(block_minutes(start, end)?),
        price: q.price.to_string(),
        hold_minutes: row.hold_minutes,
    })
}

/// The resident's building, as search prices its blocks.
#[derive(sqlx::FromRow)]
struct SearchBuilding {
    name: String,
    address: String,
    time_zone: String,
    commission_rate_bp: Rate,
    sales_rep_rate_bp: Rate,
}

/// One block of the searched day.
#[derive(sqlx::FromRow)]
struct CardRow {
    id: Uuid,
    spot: String,
    kind: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    base_price_clp: Clp,
    available: bool,
}

/// The block to quote with its building's terms.
#[derive(sqlx::FromRow)]
struct QuoteRow {
    building: String,
    address: String,
    time_zone: String,
    commission_rate_bp: Rate,
    sales_rep_rate_bp: Rate,
    hold_minutes: i32,
    spot: String,
    kind: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    base_price_clp: Clp,
    available: bool,
}
