//! SQL and transactions of booking: search with effective prices, and the booking transaction.

use super::{BlockCard, BlockQuote, GuestPass, MapSpot, MyBooking, SearchResult};
use crate::domain::{
    booking::BookingStatus,
    code::ConfirmationCode,
    format::{block_window_label, long_date, window_label},
    money::Clp,
    names::VisitorName,
    phone::MobilePhone,
    plate::Plate,
    pricing::{quote, Quote},
    pricing_rule::{applicable_rule, PricingRuleView},
    rate::{Multiplier, Rate},
    role::Role,
    schedule::{duration_label, local_date, resolve_local},
};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    blocklist,
    db::{is_deadlock, is_violation},
    outbox::{self, OutboxEvent},
    pii,
    vault::Vault,
    ServerError, ServerResult,
};
use base64::Engine;
use chrono::{DateTime, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use rand::RngCore;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Lost race, taken block, or a block that overlaps another active booking of the spot.
pub const TAKEN_MESSAGE: &str = "Este estacionamiento ya no está disponible. Elige otro bloque.";
/// The neutral refusal of PRODUCT.md §3 (never says which list or value matched).
pub const BLOCKED_MESSAGE: &str = "No es posible completar la reserva. Contacta a la administración.";

fn building_zone(name: &str) -> ServerResult<Tz> {
    name.parse::<Tz>().map_err(|_| ServerError::invariant(format!("time zone {name}")))
}

/// Active pricing rules of a building that overlap `[from, to)`.
pub async fn rules(
    conn: &mut PgConnection,
    building_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServerResult<Vec<PricingRuleView<Uuid>>> {
    type Row = (Uuid, i32, DateTime<Utc>, DateTime<Utc>, i32, DateTime<Utc>);
    let rows: Vec<Row> = sqlx::query_as(
        "select id, priority, starts_at, ends_at, multiplier_bp, created_at
           from pricing_rules
          where building_id = $1 and active and starts_at < $3 and ends_at > $2",
    )
    .bind(building_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    rows.into_iter()
        .map(|(id, priority, starts_at, ends_at, bp, created_at)| rule_view(id, priority, starts_at, ends_at, bp, created_at))
        .collect()
}

/// An active pricing rule as read from its columns (the multiplier in basis points).
fn rule_view(
    id: Uuid,
    priority: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    bp: i32,
    created_at: DateTime<Utc>,
) -> ServerResult<PricingRuleView<Uuid>> {
    let multiplier = u32::try_from(bp)
        .ok()
        .and_then(|bp| Multiplier::from_basis_points(bp).ok())
        .ok_or_else(|| ServerError::invariant(format!("multiplier {bp}")))?;
    Ok(PricingRuleView { id, priority, starts_at, ends_at, multiplier, active: true, created_at })
}

/// The active pricing rules of a building as one row of arrays (one column per field), so a
/// statement that reads something else can bring the rules along in the same round trip.
#[derive(Debug, sqlx::FromRow)]
struct RuleArrays {
    rule_ids: Vec<Uuid>,
    rule_priorities: Vec<i32>,
    rule_starts: Vec<DateTime<Utc>>,
    rule_ends: Vec<DateTime<Utc>>,
    rule_bps: Vec<i32>,
    rule_created: Vec<DateTime<Utc>>,
}

impl RuleArrays {
    /// A subquery yielding the columns of [`RuleArrays`] for the rules of `building` (an SQL
    /// expression) that pass `filter` (over the alias `p`).
    fn select(building: &str, filter: &str) -> String {
        format!(
            "select coalesce(array_agg(p.id), '{{}}') rule_ids, coalesce(array_agg(p.priority), '{{}}') rule_priorities,
                    coalesce(array_agg(p.starts_at), '{{}}') rule_starts, coalesce(array_agg(p.ends_at), '{{}}') rule_ends,
                    coalesce(array_agg(p.multiplier_bp), '{{}}') rule_bps, coalesce(array_agg(p.created_at), '{{}}') rule_created
               from pricing_rules p where p.building_id = {building} and p.active and {filter}"
        )
    }

    /// The rules, checked.
    fn into_views(self) -> ServerResult<Vec<PricingRuleView<Uuid>>> {
        let n = self.rule_ids.len();
        if [
            self.rule_priorities.len(),
            self.rule_starts.len(),
            self.rule_ends.len(),
            self.rule_bps.len(),
            self.rule_created.len(),
        ]
        .iter()
        .any(|len| *len != n)
        {
            return Err(ServerError::invariant("rule arrays of different lengths"));
        }
        self.rule_ids
            .into_iter()
            .zip(self.rule_priorities)
            .zip(self.rule_starts.into_iter().zip(self.rule_ends))
            .zip(self.rule_bps.into_iter().zip(self.rule_created))
            .map(|(((id, priority), (starts_at, ends_at)), (bp, created_at))| {
                rule_view(id, priority, starts_at, ends_at, bp, created_at)
            })
            .collect()
    }
}

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

/// The booking transaction's claim, quota count and rules (see [`create`]); built once.
static BOOKING_CLAIM_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "with claimed as (
              update availability_blocks set status = 'reserved'
               where id = $2 and status = 'available' and starts_at > now()
              returning id)
         select now() as now,
                (select count(*) from bookings
                  where resident_id = $1 and status in ('pending', 'confirmed', 'checked_in', 'overstay')) as active,
                exists (select 1 from claimed) as claimed,
                r.*
           from ({rules}) r",
        rules = RuleArrays::select("$3", "p.starts_at < $5 and p.ends_at > $4"),
    )
});

/// What the booking transaction reads and claims in one statement after the resident's lock.
#[derive(Debug, sqlx::FromRow)]
struct BookingClaim {
    now: DateTime<Utc>,
    active: i64,
    claimed: bool,
    #[sqlx(flatten)]
    rules: RuleArrays,
}

/// What search reads of the resident's building in one statement.
#[derive(Debug, sqlx::FromRow)]
struct SearchBuilding {
    name: String,
    address: String,
    time_zone: String,
    commission_rate_bp: i32,
    sales_rep_rate_bp: i32,
    kinds: Vec<String>,
    spot_numbers: Vec<String>,
    map_xs: Vec<Option<i16>>,
    map_ys: Vec<Option<i16>>,
    #[sqlx(flatten)]
    rules: RuleArrays,
}

/// The quote of a block with the building's rates and rules.
pub fn price_block(
    rules: &[PricingRuleView<Uuid>],
    base: i64,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    commission_bp: i32,
    rep_bp: i32,
) -> ServerResult<(Quote, Option<Uuid>)> {
    let rate = |bp: i32| {
        u32::try_from(bp)
            .ok()
            .and_then(|bp| Rate::from_basis_points(bp).ok())
            .ok_or_else(|| ServerError::invariant(format!("rate {bp}")))
    };
    let rule = applicable_rule(rules, start, end);
    let multiplier = rule.map_or(Multiplier::ONE, |r| r.multiplier);
    let q = quote(Clp::new(base), multiplier, rate(commission_bp)?, rate(rep_bp)?)
        .map_err(|e| ServerError::unexpected("quote", e))?;
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
    // One round trip for everything of the building the page needs besides the day's blocks:
    // its settings, block types, spots and the pricing rules that can still apply (a block
    // shown has not started, so a rule ending before `now` cannot touch it).
    let b: SearchBuilding = sqlx::query_as(SEARCH_BUILDING_SQL.as_str()).bind(building_id).bind(now).fetch_one(pool).await?;
    let SearchBuilding {
        name,
        address,
        time_zone: zone,
        commission_rate_bp: commission_bp,
        sales_rep_rate_bp: rep_bp,
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
    type Row = (Uuid, String, Option<String>, DateTime<Utc>, DateTime<Utc>, i64, bool);
    // A block is taken when an active booking of its spot overlaps it. The day's candidates are
    // read once, by (building, starts_at), and merged per spot: blocks and so bookings last at
    // most 48 hours (availability_blocks_max_length_check), so any booking that overlaps a block
    // starting this day starts between two days before it and two days after it.
    let rows: Vec<Row> = sqlx::query_as(
        "with taken as (
              select k.spot_id, range_agg(k.during) as during
                from bookings k
               where k.building_id = $1
                 and k.starts_at > $2 - interval '2 days' and k.starts_at < $3 + interval '2 days'
                 and k.status in ('pending', 'confirmed', 'checked_in', 'overstay')
               group by k.spot_id)
         select b.id, s.number, t.name, b.starts_at, b.ends_at, b.base_price_clp,
                b.status = 'available' and bl.status = 'active'
                and not coalesce(tk.during && b.during, false)
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
    )
    .bind(building_id)
    .bind(day_start)
    .bind(day_end)
    .bind(now)
    .bind(kind)
    .fetch_all(pool)
    .await?;

    let mut cards = Vec::with_capacity(rows.len());
    for (id, spot, kind, start, end, base, available) in rows {
        let (q, _) = price_block(&rules, base, start, end, commission_bp, rep_bp)?;
        let minutes = u32::try_from((end - start).num_minutes()).unwrap_or(0);
        cards.push(BlockCard {
            block_id: id.to_string(),
            spot,
            kind: kind.unwrap_or_else(|| "Bloque".into()),
            window: block_window_label(start, end, tz),
            duration: duration_label(minutes),
            price: q.price.to_string(),
            available,
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
            MapSpot { x, y, free_blocks: u32::try_from(free).unwrap_or(0), number }
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
    type Row = (String, String, String, i32, i32, i32, String, Option<String>, DateTime<Utc>, DateTime<Utc>, i64, bool);
    let row: Option<Row> = sqlx::query_as(
        "select bl.name, bl.address, bl.time_zone, bl.commission_rate_bp, bl.sales_rep_rate_bp, bl.hold_minutes,
                s.number, t.name, b.starts_at, b.ends_at, b.base_price_clp,
                b.status = 'available' and s.active and bl.status = 'active' and not exists (
                    select 1 from bookings k where k.spot_id = b.spot_id and k.during && b.during
                       and k.status in ('pending', 'confirmed', 'checked_in', 'overstay'))
           from availability_blocks b
           join buildings bl on bl.id = b.building_id
           join visitor_spots s on s.id = b.spot_id
           left join block_templates t on t.id = b.template_id
          where b.id = $1 and b.building_id = $2 and b.starts_at > $3",
    )
    .bind(block_id)
    .bind(building_id)
    .bind(now)
    .fetch_optional(pool)
    .await?;
    let Some((building, address, zone, commission_bp, rep_bp, hold_minutes, spot, kind, start, end, base, available)) = row
    else {
        return Err(AppError::NotFound.into());
    };
    if !available {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }
    let tz = building_zone(&zone)?;
    let mut conn = pool.acquire().await?;
    let rules = rules(&mut conn, building_id, start, end).await?;
    let (q, _) = price_block(&rules, base, start, end, commission_bp, rep_bp)?;
    Ok(BlockQuote {
        block_id: block_id.to_string(),
        building,
        address,
        spot,
        kind: kind.unwrap_or_else(|| "Bloque".into()),
        date_label: long_date(start.with_timezone(&tz).date_naive()),
        window: block_window_label(start, end, tz),
        duration: duration_label(u32::try_from((end - start).num_minutes()).unwrap_or(0)),
        price: q.price.to_string(),
        hold_minutes,
    })
}

/// The resident's bookings, newest first; upcoming ones are those whose window has not ended.
pub async fn my_bookings(pool: &PgPool, actor: &Actor, now: DateTime<Utc>) -> ServerResult<Vec<MyBooking>> {
    actor.require_role(&[Role::Resident])?;
    type Row = (
        Uuid,
        String,
        String,
        String,
        DateTime<Utc>,
        DateTime<Utc>,
        Option<String>,
        Option<String>,
        String,
        i64,
        String,
        Option<DateTime<Utc>>,
    );
    let rows: Vec<Row> = sqlx::query_as(
        "select k.id, k.status, s.number, b.time_zone, k.starts_at, k.ends_at, k.visitor_name, k.visitor_plate,
                k.confirmation_code, k.amount_clp, k.guest_pass_token, k.hold_expires_at
           from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.resident_id = $1
          order by k.starts_at desc
          limit 200",
    )
    .bind(actor.id)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, status, spot, zone, start, end, visitor, plate, code, amount, token, hold) in rows {
        let tz = building_zone(&zone)?;
        let status = BookingStatus::parse(&status).map_err(|_| ServerError::invariant(format!("status {status}")))?;
        let confirmed_like = matches!(
            status,
            BookingStatus::Confirmed
                | BookingStatus::CheckedIn
                | BookingStatus::Overstay
                | BookingStatus::CheckedOut
                | BookingStatus::Completed
        );
        out.push(MyBooking {
            id: id.to_string(),
            status: status.label_es().to_string(),
            status_code: status.as_str().to_string(),
            spot,
            window: window_label(start, end, tz),
            visitor: visitor.unwrap_or_default(),
            plate: plate.and_then(|p| Plate::parse(&p).ok()).map(|p| p.pretty()).unwrap_or_default(),
            code: confirmed_like.then(|| ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code)),
            amount: Clp::new(amount).to_string(),
            guest_pass: (confirmed_like && end > now).then(|| format!("/pase/{token}")),
            upcoming: end > now,
            can_pay: status == BookingStatus::Pending && hold.is_some_and(|h| h > now),
            can_cancel: matches!(status, BookingStatus::Pending | BookingStatus::Confirmed) && start > now,
        });
    }
    Ok(out)
}

/// The guest pass behind `token` (anyone with the link; 256-bit random tokens).
pub async fn guest_pass(pool: &PgPool, token: &str, origin: &str, now: DateTime<Utc>) -> ServerResult<GuestPass> {
    type Row = (String, String, String, String, DateTime<Utc>, DateTime<Utc>, Option<String>, Option<String>, String, String);
    let row: Option<Row> = sqlx::query_as(
        "select b.name, b.address, b.time_zone, s.number, k.starts_at, k.ends_at, k.visitor_name, k.visitor_plate,
                k.confirmation_code, k.status
           from bookings k
           join visitor_spots s on s.id = k.spot_id
           join buildings b on b.id = k.building_id
          where k.guest_pass_token = $1 and k.status <> 'pending' and k.purged_at is null",
    )
    .bind(token)
    .fetch_optional(pool)
    .await?;
    let Some((building, address, zone, spot, start, end, visitor, plate, code, status)) = row else {
        return Err(AppError::NotFound.into());
    };
    let tz = building_zone(&zone)?;
    let state = match status.as_str() {
        "cancelled" | "no_show" => "cancelled",
        "checked_out" | "completed" => "used",
        _ if end <= now => "over",
        _ => "valid",
    };
    // The QR holds the gate link (the concierge's scanner reads the code out of it; opening it
    // verifies at the gate, see `domain::gate_link`); the code as stored if it ever fails to parse.
    let qr_text = ConfirmationCode::parse(&code)
        .map(|c| crate::domain::gate_link::gate_link(origin, &c))
        .unwrap_or_else(|_| code.clone());
    let qr_svg = qrcode::QrCode::new(qr_text.as_bytes())
        .map(|qr| {
            qr.render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(200, 200)
                .dark_color(qrcode::render::svg::Color("#000000"))
                .light_color(qrcode::render::svg::Color("#ffffff"))
                .build()
        })
        .map_err(|e| ServerError::unexpected("qr", e))?;
    Ok(GuestPass {
        building,
        address,
        spot,
        window: window_label(start, end, tz),
        visitor: visitor.unwrap_or_default(),
        plate: plate.and_then(|p| Plate::parse(&p).ok()).map(|p| p.pretty()).unwrap_or_default(),
        code: ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code),
        state: state.to_string(),
        qr_svg,
        url: format!("/pase/{token}"),
    })
}

/// A parsed booking request.
#[derive(Debug, Clone)]
pub struct NewBooking {
    /// The block to claim.
    pub block_id: Uuid,
    /// Who is coming.
    pub visitor_name: VisitorName,
    /// Their car.
    pub plate: Plate,
    /// Their WhatsApp, if given.
    pub visitor_phone: Option<MobilePhone>,
}

/// A booking just created, awaiting payment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Created {
    /// `bookings.id`.
    pub booking_id: Uuid,
    /// What will be charged.
    pub amount: Clp,
    /// When the unpaid hold lapses.
    pub hold_expires_at: DateTime<Utc>,
}

/// Creates a pending booking in one transaction: blocklist (resident email, RUT and phone;
/// visitor plate and phone; client IP — global and building entries), resident limit, future
/// block of the resident's own building, pricing rule and quote, the conditional claim of the
/// block, the insert (the exclusion constraint is the last word), audit and outbox.
pub async fn create(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    actor: &Actor,
    new: NewBooking,
    meta: &RequestMeta,
) -> ServerResult<Created> {
    actor.require_role(&[Role::Resident])?;
    let building_id = actor.building_id.ok_or(AppError::NotFound)?;

    // The block with its building and spot, and the resident's own blind indexes for the
    // blocklist, in one round trip.
    type BlockRow = (
        Uuid,
        Uuid,
        DateTime<Utc>,
        DateTime<Utc>,
        i64,
        String,
        i32,
        i32,
        i32,
        i32,
        bool,
        String,
        Option<Vec<u8>>,
        Option<Vec<u8>>,
    );
    let block: Option<BlockRow> = sqlx::query_as(
        "select b.spot_id, b.building_id, b.starts_at, b.ends_at, b.base_price_clp, bl.status,
                bl.commission_rate_bp, bl.sales_rep_rate_bp, bl.max_active_bookings_per_resident,
                bl.hold_minutes, s.active, u.email::text, p.rut_bidx, u.phone_bidx
           from availability_blocks b
           join buildings bl on bl.id = b.building_id
           join visitor_spots s on s.id = b.spot_id
           join users u on u.id = $2
           left join resident_profiles p on p.user_id = u.id
          where b.id = $1",
    )
    .bind(new.block_id)
    .bind(actor.id)
    .fetch_optional(pool)
    .await?;
    // Another building's block is "not found": nothing about it may leak.
    let Some((
        spot_id,
        block_building,
        starts_at,
        ends_at,
        base,
        building_status,
        commission_bp,
        rep_bp,
        max_active,
        hold_minutes,
        spot_active,
        email,
        rut_bidx,
        phone_bidx,
    )) = block.filter(|b| b.1 == building_id)
    else {
        return Err(AppError::NotFound.into());
    };
    if building_status != "active" || !spot_active {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }

    // Blocklist, on its own connection so the audit of a hit survives the refusal.
    let mut indexed = vec![
        (BlindField::Email, indexer.index(BlindField::Email, &email).to_vec()),
        (BlindField::Plate, indexer.index(BlindField::Plate, new.plate.as_str()).to_vec()),
    ];
    indexed.extend(rut_bidx.map(|b| (BlindField::Rut, b)));
    indexed.extend(phone_bidx.map(|b| (BlindField::Phone, b)));
    if let Some(phone) = &new.visitor_phone {
        indexed.push((BlindField::Phone, indexer.index(BlindField::Phone, phone.as_e164()).to_vec()));
    }
    if let Some(ip) = meta.ip {
        indexed.push((BlindField::Ip, indexer.index(BlindField::Ip, &ip.to_string()).to_vec()));
    }
    {
        let mut conn = pool.acquire().await?;
        if blocklist::is_blocked_by_index(&mut conn, Some(building_id), &indexed, "booking.create", &actor.audit(), meta).await? {
            return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
        }
    }

    let booking_id = Uuid::new_v4();
    let visitor_phone_enc = match &new.visitor_phone {
        Some(phone) => Some(
            vault
                .encrypt(phone.as_e164(), &pii::visitor_phone(&booking_id.to_string()))
                .map_err(|e| ServerError::unexpected("vault", e))?,
        ),
        None => None,
    };

    // One resident's bookings are counted under a lock, so two tabs cannot both pass the limit.
    // The lock travels with `begin` in one simple-protocol message (one round trip); the only
    // value in it is a UUID, formatted by `Uuid`, never text from the request.
    let mut tx = pool
        .begin_with(format!("begin; select pg_advisory_xact_lock(hashtextextended('{}', 0))", actor.id.hyphenated()))
        .await?;
    // After the lock (its own statement: a statement's snapshot predates its waits), one
    // round trip claims the block, counts the resident's active bookings and reads the rules.
    // A refusal below rolls the claim back with the transaction.
    let claim: BookingClaim = sqlx::query_as(BOOKING_CLAIM_SQL.as_str())
        .bind(actor.id)
        .bind(new.block_id)
        .bind(building_id)
        .bind(starts_at)
        .bind(ends_at)
        .fetch_one(&mut *tx)
        .await?;
    let now = claim.now;
    if starts_at <= now {
        return Err(AppError::Conflict("Este bloque ya comenzó. Elige uno que aún no empiece.".into()).into());
    }
    if claim.active >= i64::from(max_active) {
        return Err(AppError::Conflict(format!(
            "Ya tienes {max_active} reservas activas, el máximo de tu edificio. Cancela o espera a que termine alguna."
        ))
        .into());
    }
    if !claim.claimed {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }
    let rules = claim.rules.into_views()?;
    let (q, rule_id) = price_block(&rules, base, starts_at, ends_at, commission_bp, rep_bp)?;

    let hold_expires_at = now + Duration::minutes(i64::from(hold_minutes));
    let mut attempt = 0;
    // The code stays in the booking row: the audit trail names the booking, not its code.
    loop {
        attempt += 1;
        let code = ConfirmationCode::generate(&mut rand::rngs::OsRng);
        let mut token = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut token);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token);
        // A code collision inserts nothing (no savepoint needed) and tries another code; an
        // overlap still raises bookings_no_overlap.
        let inserted = sqlx::query(
            "insert into bookings (id, block_id, spot_id, building_id, resident_id, during,
                                   visitor_name, visitor_plate, visitor_phone_enc, visitor_phone_bidx,
                                   base_price_clp, multiplier_bp, pricing_rule_id, amount_clp,
                                   commission_rate_bp, platform_commission_clp, building_share_clp,
                                   confirmation_code, guest_pass_token, hold_expires_at)
             select $1, b.id, b.spot_id, b.building_id, $2, b.during,
                    $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
               from availability_blocks b where b.id = $17
             on conflict (confirmation_code) do nothing",
        )
        .bind(booking_id)
        .bind(actor.id)
        .bind(new.visitor_name.as_str())
        .bind(new.plate.as_str())
        .bind(&visitor_phone_enc)
        .bind(new.visitor_phone.as_ref().map(|p| indexer.index(BlindField::Phone, p.as_e164()).to_vec()))
        .bind(base)
        .bind(i32::try_from(q.multiplier.basis_points()).unwrap_or(i32::MAX))
        .bind(rule_id)
        .bind(q.price.pesos())
        .bind(commission_bp)
        .bind(q.platform_commission.pesos())
        .bind(q.building_share.pesos())
        .bind(code.as_str())
        .bind(&token)
        .bind(hold_expires_at)
        .bind(new.block_id)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 1 => break,
            Ok(_) if attempt < 5 => continue,
            Ok(_) => return Err(ServerError::invariant("five confirmation-code collisions in a row")),
            Err(e) if is_violation(&e, "bookings_no_overlap") || is_deadlock(&e) => {
                return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
            }
            Err(e) => return Err(e.into()),
        }
    }

    // The saved visitor with this plate, if any, moves to the top of the booking form's list.
    crate::visitors::ssr::touch(&mut tx, actor.id, &new.plate).await?;

    let payload = json!({
        "booking_id": booking_id,
        "block_id": new.block_id,
        "spot_id": spot_id,
        "amount_clp": q.price.pesos(),
        "multiplier_bp": q.multiplier.basis_points(),
        "pricing_rule_id": rule_id,
    });
    AuditEntry::new(&actor.audit(), "booking.created")
        .on("booking", booking_id)
        .building(block_building)
        .with(json!({ "amount_clp": q.price.pesos(), "block_id": new.block_id }))
        .record(&mut tx, meta)
        .await?;
    outbox::enqueue(
        &mut tx,
        &OutboxEvent {
            event_type: "booking.created",
            version: 1,
            aggregate_type: "booking",
            aggregate_id: booking_id.to_string(),
            building_id: Some(building_id),
            payload: &payload,
        },
    )
    .await?;
    tx.commit().await?;
    // Counted after the commit, on the instance that served the request (`/metrics`).
    metrics::counter!("bookings_created_total").increment(1);
    Ok(Created { booking_id, amount: q.price, hold_expires_at })
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
