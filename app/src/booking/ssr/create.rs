//! The booking transaction, as the steps of ARCHITECTURE.md: read the block, check the
//! blocklist, lock the resident, claim the block (with the quota and the rules), price it,
//! insert the booking (the exclusion constraint has the last word), then audit and outbox in the
//! same transaction.

use super::{price_block, RuleArrays, BLOCKED_MESSAGE, TAKEN_MESSAGE};
use crate::domain::{
    code::ConfirmationCode, money::Clp, names::VisitorName, phone::MobilePhone, plate::Plate, pricing::Quote, rate::Rate,
    role::Role,
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
use chrono::{DateTime, Duration, Utc};
use rand::RngCore;
use serde_json::json;
use sqlx::{PgConnection, PgPool, Postgres, Transaction};
use uuid::Uuid;

/// The booking transaction's claim, quota count and rules (see [`create`]); built once.
static BOOKING_CLAIM_SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    format!(
        "with claimed as (
              update availability_blocks set status = 'reserved'
               where id = $2 and status = 'available' and starts_at > now()
              returning id)
         select now() as now,
                (select count(*) from bookings where resident_id = $1 and status in {active}) as active,
                exists (select 1 from claimed) as claimed,
                r.*
           from ({rules}) r",
        active = crate::active_statuses!(),
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

/// The block to book with its building and spot, and the resident's own blind indexes for the
/// blocklist, read in one round trip before the transaction.
#[derive(Debug, sqlx::FromRow)]
struct BlockToBook {
    spot_id: Uuid,
    building_id: Uuid,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    base_price_clp: Clp,
    building_status: String,
    commission_rate_bp: Rate,
    sales_rep_rate_bp: Rate,
    max_active_bookings_per_resident: i32,
    hold_minutes: i32,
    spot_active: bool,
    resident_email: String,
    resident_rut_bidx: Option<Vec<u8>>,
    resident_phone_bidx: Option<Vec<u8>>,
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
    let block = read_block(pool, actor, &new, building_id).await?;
    refuse_blocked(pool, indexer, actor, &block, &new, meta).await?;
    let booking_id = Uuid::new_v4();
    let visitor_phone_enc = match &new.visitor_phone {
        Some(phone) => Some(
            vault
                .encrypt(phone.as_e164(), &pii::visitor_phone(&booking_id.to_string()))
                .map_err(|e| ServerError::unexpected("vault", e))?,
        ),
        None => None,
    };

    let mut tx = lock_resident(pool, actor.id).await?;
    let (now, q, rule_id) = claim(&mut tx, actor, &new, &block).await?;
    let hold_expires_at = now + Duration::minutes(i64::from(block.hold_minutes));
    let booking = Prepared { id: booking_id, visitor_phone_enc, quote: &q, rule_id, hold_expires_at };
    insert(&mut tx, indexer, actor, &new, &block, &booking).await?;
    // The saved visitor with this plate, if any, moves to the top of the booking form's list.
    crate::visitors::ssr::touch(&mut tx, actor.id, &new.plate).await?;
    record(&mut tx, actor, &new, &block, &booking, meta).await?;
    tx.commit().await?;
    // Counted after the commit, on the instance that served the request (`/metrics`).
    metrics::counter!("bookings_created_total").increment(1);
    Ok(Created { booking_id, amount: q.price, hold_expires_at })
}

/// The block, if it is in the resident's building and bookable at all. Another building's
/// block is "not found": nothing about it may leak.
async fn read_block(pool: &PgPool, actor: &Actor, new: &NewBooking, building_id: Uuid) -> ServerResult<BlockToBook> {
    let block: Option<BlockToBook> = sqlx::query_as(
        "select b.spot_id, b.building_id, b.starts_at, b.ends_at, b.base_price_clp, bl.status as building_status,
                bl.commission_rate_bp, bl.sales_rep_rate_bp, bl.max_active_bookings_per_resident,
                bl.hold_minutes, s.active as spot_active, u.email::text as resident_email,
                p.rut_bidx as resident_rut_bidx, u.phone_bidx as resident_phone_bidx
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
    let block = block.filter(|b| b.building_id == building_id).ok_or(AppError::NotFound)?;
    if block.building_status != "active" || !block.spot_active {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }
    Ok(block)
}

/// Refuses with the neutral message when the resident, the visitor or the client address is on
/// a blocklist. It runs on its own connection so the audit of a hit survives the refusal.
async fn refuse_blocked(
    pool: &PgPool,
    indexer: &BlindIndexer,
    actor: &Actor,
    block: &BlockToBook,
    new: &NewBooking,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let mut indexed = vec![
        (BlindField::Email, indexer.index(BlindField::Email, &block.resident_email).to_vec()),
        (BlindField::Plate, indexer.index(BlindField::Plate, new.plate.as_str()).to_vec()),
    ];
    indexed.extend(block.resident_rut_bidx.clone().map(|b| (BlindField::Rut, b)));
    indexed.extend(block.resident_phone_bidx.clone().map(|b| (BlindField::Phone, b)));
    if let Some(phone) = &new.visitor_phone {
        indexed.push((BlindField::Phone, indexer.index(BlindField::Phone, phone.as_e164()).to_vec()));
    }
    if let Some(ip) = meta.ip {
        indexed.push((BlindField::Ip, indexer.index(BlindField::Ip, &ip.to_string()).to_vec()));
    }
    let mut conn = pool.acquire().await?;
    if blocklist::is_blocked_by_index(&mut conn, Some(block.building_id), &indexed, "booking.create", &actor.audit(), meta)
        .await?
    {
        return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
    }
    Ok(())
}

/// Begins the transaction holding the resident's lock, so two tabs cannot both pass the limit.
/// The lock travels with `begin` in one simple-protocol message (one round trip); the only value
/// in it is a UUID, formatted by `Uuid`, never text from the request.
async fn lock_resident(pool: &PgPool, resident: Uuid) -> ServerResult<Transaction<'static, Postgres>> {
    Ok(pool
        .begin_with(format!("begin; select pg_advisory_xact_lock(hashtextextended('{}', 0))", resident.hyphenated()))
        .await?)
}

/// After the lock (its own statement: a statement's snapshot predates its waits), one round trip
/// claims the block, counts the resident's active bookings and reads the rules; then the quote.
/// A refusal rolls the claim back with the transaction. Returns the database's `now`, the quote
/// and the rule that priced it.
async fn claim(
    tx: &mut PgConnection,
    actor: &Actor,
    new: &NewBooking,
    block: &BlockToBook,
) -> ServerResult<(DateTime<Utc>, Quote, Option<Uuid>)> {
    let claim: BookingClaim = sqlx::query_as(BOOKING_CLAIM_SQL.as_str())
        .bind(actor.id)
        .bind(new.block_id)
        .bind(block.building_id)
        .bind(block.starts_at)
        .bind(block.ends_at)
        .fetch_one(&mut *tx)
        .await?;
    if block.starts_at <= claim.now {
        return Err(AppError::Conflict("Este bloque ya comenzó. Elige uno que aún no empiece.".into()).into());
    }
    let max_active = block.max_active_bookings_per_resident;
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
    let (q, rule_id) = price_block(
        &rules,
        block.base_price_clp,
        block.starts_at,
        block.ends_at,
        block.commission_rate_bp,
        block.sales_rep_rate_bp,
    )?;
    Ok((claim.now, q, rule_id))
}

/// The booking as the steps before the insert prepared it.
struct Prepared<'a> {
    /// `bookings.id`, chosen before the transaction (the visitor's phone is encrypted under it).
    id: Uuid,
    visitor_phone_enc: Option<Vec<u8>>,
    quote: &'a Quote,
    /// The pricing rule that set the multiplier, if any.
    rule_id: Option<Uuid>,
    hold_expires_at: DateTime<Utc>,
}

/// Inserts the booking with a fresh confirmation code and guest-pass token. A code collision
/// inserts nothing (no savepoint needed) and tries another code; an overlap still raises
/// `bookings_no_overlap`, which is the lost race. The code stays in the booking row: the audit
/// trail names the booking, not its code.
async fn insert(
    tx: &mut PgConnection,
    indexer: &BlindIndexer,
    actor: &Actor,
    new: &NewBooking,
    block: &BlockToBook,
    booking: &Prepared<'_>,
) -> ServerResult<()> {
    let q = booking.quote;
    for _attempt in 0..5 {
        let code = ConfirmationCode::generate(&mut rand::rngs::OsRng);
        let mut token = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut token);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token);
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
        .bind(booking.id)
        .bind(actor.id)
        .bind(new.visitor_name.as_str())
        .bind(new.plate.as_str())
        .bind(&booking.visitor_phone_enc)
        .bind(new.visitor_phone.as_ref().map(|p| indexer.index(BlindField::Phone, p.as_e164()).to_vec()))
        .bind(block.base_price_clp)
        .bind(q.multiplier)
        .bind(booking.rule_id)
        .bind(q.price)
        .bind(block.commission_rate_bp)
        .bind(q.platform_commission)
        .bind(q.building_share)
        .bind(code.as_str())
        .bind(&token)
        .bind(booking.hold_expires_at)
        .bind(new.block_id)
        .execute(&mut *tx)
        .await;
        match inserted {
            Ok(done) if done.rows_affected() == 1 => return Ok(()),
            Ok(_) => continue,
            Err(e) if is_violation(&e, "bookings_no_overlap") || is_deadlock(&e) => {
                return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServerError::invariant("five confirmation-code collisions in a row"))
}

/// The audit entry and the `booking.created` outbox event, in the booking's transaction.
async fn record(
    tx: &mut PgConnection,
    actor: &Actor,
    new: &NewBooking,
    block: &BlockToBook,
    booking: &Prepared<'_>,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let (q, booking_id) = (booking.quote, booking.id);
    AuditEntry::new(&actor.audit(), "booking.created")
        .on("booking", booking_id)
        .building(block.building_id)
        .with(json!({ "amount_clp": q.price.pesos(), "block_id": new.block_id }))
        .record(&mut *tx, meta)
        .await?;
    let payload = json!({
        "booking_id": booking_id,
        "block_id": new.block_id,
        "spot_id": block.spot_id,
        "amount_clp": q.price.pesos(),
        "multiplier_bp": q.multiplier.basis_points(),
        "pricing_rule_id": booking.rule_id,
    });
    outbox::enqueue(
        &mut *tx,
        &OutboxEvent {
            event_type: "booking.created",
            version: 1,
            aggregate_type: "booking",
            aggregate_id: booking_id.to_string(),
            building_id: Some(block.building_id),
            payload: &payload,
        },
    )
    .await?;
    Ok(())
}
