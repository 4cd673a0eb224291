//! Search: a day of the resident's building with effective prices, and the quote of one block.

use super::{building_zone, price_block, rules, RuleArrays, TAKEN_MESSAGE};
use crate::booking::{BlockCard, BlockQuote, MapSpot, SearchResult};
use crate::domain::{
    format::{block_window_label, long_date},
    money::Clp,
    rate::Rate,
    role::Role,
    schedule::{duration_label, local_date, resolve_local},
};
use crate::error::AppError;
use crate::ssr::{actor::Actor, ServerError, ServerResult};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use sqlx::PgPool;
use uuid::Uuid;

/// Search's one statement about the building (see [`search`]); built once, from [`RuleArrays::select`].
static SEARCH_BUILDING_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "select bl.name, bl.address, bl.time_zone, bl.commission_rate_bp, bl.sales_rep_rate_bp,
                array(select t.name from block_templates t where t.building_id = bl.id and t.active
                       order by t.sort_order, t.start_local, t.name) kinds,
                s.spot_numbers, s.map_xs, s.map_ys, r.*
           from buildings bl
          cross join lateral (
                select coalesce(array_agg(v.number order by v.sort_order, length(v.number), v.number), '{{}}') spot_numbers,
                       coalesce(array_agg(v.map_x order by v.sort_order, length(v.number), v.number), '{{}}') map_xs,
                       coalesce(array_agg(v.map_y order by v.sort_order, length(v.number), v.number), '{{}}') map_ys
                  from visitor_spots v where v.building_id = bl.id and v.active) s
          cross join lateral ({rules}) r
          where bl.id = $1",
        rules = RuleArrays::select("bl.id", "p.ends_at > $2"),
    )
});

/// What search reads of the resident's building in one statement.
#[derive(Debug, sqlx::FromRow)]
struct SearchBuilding {
    name: String,
    address: String,
    time_zone: String,
    commission_rate_bp: Rate,
    sales_rep_rate_bp: Rate,
    kinds: Vec<String>,
    spot_numbers: Vec<String>,
    map_xs: Vec<Option<i16>>,
    map_ys: Vec<Option<i16>>,
    #[sqlx(flatten)]
    rules: RuleArrays,
}

/// One block of the day as search lists it.
#[derive(Debug, sqlx::FromRow)]
struct DayBlock {
    id: Uuid,
    spot: String,
    kind: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    base_price_clp: Clp,
    available: bool,
}

/// One block with its building's rates, as the page before booking quotes it.
#[derive(Debug, sqlx::FromRow)]
struct QuotedBlock {
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

/// Whole minutes from `start` to `end` (a block lasts at most 48 hours: the schema checks it).
fn minutes_between(start: DateTime<Utc>, end: DateTime<Utc>) -> u32 {
    u32::try_from((end - start).num_minutes()).unwrap_or(0)
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
    // One round trip for everything of the building the page needs besides the day's blocks:
    // its settings, block types, spots and the pricing rules that can still apply (a block
    // shown has not started, so a rule ending before `now` cannot touch it).
    let b: SearchBuilding = sqlx::query_as(SEARCH_BUILDING_SQL.as_str()).bind(building_id).bind(now).fetch_one(pool).await?;
    let SearchBuilding {
        name,
        address,
        time_zone: zone,
        commission_rate_bp: commission,
        sales_rep_rate_bp: sales_rep,
        kinds,
        spot_numbers,
        map_xs,
        map_ys,
        rules,
    } = b;
    let rules = rules.into_views()?;
    let tz = building_zone(&zone)?;
    let today = local_date(now, tz);
    let date = date.filter(|d| *d >= today).unwrap_or(today);

    // The local day as an instant range, so the (building, starts_at) index serves the query
    // (midnight may not exist on a DST night: resolve_local moves it forward).
    let day_start =
        resolve_local(tz, date.and_time(chrono::NaiveTime::MIN)).ok_or_else(|| ServerError::invariant("day start"))?;
    let day_end = resolve_local(tz, (date + Duration::days(1)).and_time(chrono::NaiveTime::MIN))
        .ok_or_else(|| ServerError::invariant("day end"))?;
    // A block is taken when an active booking of its spot overlaps it. The day's candidates are
    // read once, by (building, starts_at), and merged per spot: blocks and so bookings last at
    // most 48 hours (availability_blocks_max_length_check), so any booking that overlaps a block
    // starting this day starts between two days before it and two days after it.
    let rows: Vec<DayBlock> = sqlx::query_as(concat!(
        "with taken as (
              select k.spot_id, range_agg(k.during) as during
                from bookings k
               where k.building_id = $1
                 and k.starts_at > $2 - interval '2 days' and k.starts_at < $3 + interval '2 days'
                 and k.status in ",
        crate::active_statuses!(),
        "
               group by k.spot_id)
         select b.id, s.number as spot, t.name as kind, b.starts_at, b.ends_at, b.base_price_clp,
                b.status = 'available' and bl.status = 'active'
                and not coalesce(tk.during && b.during, false) as available
           from availability_blocks b
           join buildings bl on bl.id = b.building_id
           join visitor_spots s on s.id = b.spot_id and s.building_id = b.building_id
           left join block_templates t on t.id = b.template_id and t.building_id = b.building_id
           left join taken tk on tk.spot_id = b.spot_id
          where b.building_id = $1 and s.active
            and b.starts_at >= $2 and b.starts_at < $3
            and b.starts_at > $4
            and ($5::text is null or t.name = $5)
          order by b.starts_at, s.sort_order, s.number, b.ends_at",
    ))
    .bind(building_id)
    .bind(day_start)
    .bind(day_end)
    .bind(now)
    .bind(kind)
    .fetch_all(pool)
    .await?;

    let mut cards = Vec::with_capacity(rows.len());
    for b in rows {
        let (q, _) = price_block(&rules, b.base_price_clp, b.starts_at, b.ends_at, commission, sales_rep)?;
        cards.push(BlockCard {
            block_id: b.id.to_string(),
            window: block_window_label(b.starts_at, b.ends_at, tz),
            duration: duration_label(minutes_between(b.starts_at, b.ends_at)),
            spot: b.spot,
            kind: b.kind.unwrap_or_else(|| "Bloque".into()),
            price: q.price.to_string(),
            available: b.available,
        });
    }

    // Placed spots keep their position; the others take free cells, never overlapping.
    let positions: Vec<Option<(i32, i32)>> = map_xs
        .iter()
        .zip(&map_ys)
        .map(|(x, y)| x.zip(*y).map(|(x, y)| (i32::from(x), i32::from(y))))
        .collect();
    let plan = crate::domain::plan::layout(&positions);
    let map = spot_numbers
        .into_iter()
        .zip(plan.centres)
        .map(|(number, (x, y))| {
            let free = cards.iter().filter(|c| c.spot == number && c.available).count();
            MapSpot { x, y, free_blocks: u32::try_from(free).unwrap_or(u32::MAX), number }
        })
        .collect();

    Ok(SearchResult {
        building: name,
        address,
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
    let q: Option<QuotedBlock> = sqlx::query_as(concat!(
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
          where b.id = $1 and b.building_id = $2 and b.starts_at > $3",
    ))
    .bind(block_id)
    .bind(building_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some(b) = q else {
        return Err(AppError::NotFound.into());
    };
    if !b.available {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }
    let tz = building_zone(&b.time_zone)?;
    let mut conn = pool.acquire().await?;
    let rules = rules(&mut conn, building_id, b.starts_at, b.ends_at).await?;
    let (q, _) = price_block(&rules, b.base_price_clp, b.starts_at, b.ends_at, b.commission_rate_bp, b.sales_rep_rate_bp)?;
    Ok(BlockQuote {
        block_id: block_id.to_string(),
        date_label: long_date(b.starts_at.with_timezone(&tz).date_naive()),
        window: block_window_label(b.starts_at, b.ends_at, tz),
        duration: duration_label(minutes_between(b.starts_at, b.ends_at)),
        building: b.building,
        address: b.address,
        spot: b.spot,
        kind: b.kind.unwrap_or_else(|| "Bloque".into()),
        price: q.price.to_string(),
        hold_minutes: b.hold_minutes,
    })
}
