//! The booking transaction, in the steps of the architecture: the block must be bookable, no
//! blocklist entry may match, the resident must be under their building's limit, the block is
//! priced with the rules in force, claimed if still available, and the booking is inserted (the
//! exclusion constraint has the last word) with its audit row and outbox event, in one commit.

use super::{price_block, rules, BLOCKED_MESSAGE, TAKEN_MESSAGE};
use crate::domain::{
    code::ConfirmationCode, money::Clp, names::VisitorName, phone::MobilePhone, plate::Plate, pricing::Quote, rate::Rate,
    role::Role,
};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{self, AuditEntry, RequestMeta},
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
use sqlx::{Acquire, PgConnection, PgPool};
use uuid::Uuid;

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
    let block = bookable_block(pool, new.block_id, building_id).await?;
    refuse_blocklisted(pool, indexer, actor, building_id, &new, meta).await?;
    let booking_id = Uuid::new_v4();
    let visitor_phone_enc = seal_visitor_phone(vault, booking_id, new.visitor_phone.as_ref())?;

    let mut tx = pool.begin().await?;
    let now = within_resident_limit(&mut tx, actor.id, &block).await?;
    let rules = rules(&mut tx, building_id, block.starts_at, block.ends_at).await?;
    let (quote, rule_id) = price_block(
        &rules,
        block.base_price_clp,
        block.starts_at,
        block.ends_at,
        block.commission_rate_bp,
        block.sales_rep_rate_bp,
    )?;
    claim_block(&mut tx, new.block_id).await?;
    let draft = Draft {
        id: booking_id,
        resident_id: actor.id,
        new: &new,
        visitor_phone_enc,
        visitor_phone_bidx: new.visitor_phone.as_ref().map(|p| indexer.index(BlindField::Phone, p.as_e164()).to_vec()),
        quote,
        rule_id,
        hold_expires_at: now + Duration::minutes(i64::from(block.hold_minutes)),
    };
    insert_booking(&mut tx, &block, &draft).await?;
    // The saved visitor with this plate, if any, moves to the top of the booking form's list.
    crate::visitors::ssr::touch(&mut tx, actor.id, &new.plate).await?;
    record_created(&mut tx, actor, &block, &draft, meta).await?;
    tx.commit().await?;
    // Counted after the commit, on the instance that served the request (`/metrics`).
    metrics::counter!("bookings_created_total").increment(1);
    Ok(Created { booking_id, amount: draft.quote.price, hold_expires_at: draft.hold_expires_at })
}

/// The block to book with its building's terms.
#[derive(sqlx::FromRow)]
struct Block {
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
}

/// The block, if it belongs to the resident's building (another building's block is "not
/// found": nothing about it may leak) and its building and spot take bookings.
async fn bookable_block(pool: &PgPool, block_id: Uuid, building_id: Uuid) -> ServerResult<Block> {
    let block: Option<Block> = sqlx::query_as(
        "select b.spot_id, b.building_id, b.starts_at, b.ends_at, b.base_price_clp, bl.status as building_status,
                bl.commission_rate_bp, bl.sales_rep_rate_bp, bl.max_active_bookings_per_resident,
                bl.hold_minutes, s.active as spot_active
           from availability_blocks b
           join buildings bl on bl.id = b.building_id
           join visitor_spots s on s.id = b.spot_id
          where b.id = $1",
    )
    .bind(block_id)
    .fetch_optional(pool)
    .await?;
    let block = block.filter(|b| b.building_id == building_id).ok_or(AppError::NotFound)?;
    if block.building_status != "active" || !block.spot_active {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }
    Ok(block)
}

/// The resident's stored blind indexes, for the blocklist.
#[derive(sqlx::FromRow)]
struct ResidentIndexes {
    email: String,
    rut_bidx: Option<Vec<u8>>,
    phone_bidx: Option<Vec<u8>>,
}

/// Refuses with the neutral message when the resident (email, RUT, phone), the visitor (plate,
/// phone) or the client address is blocklisted. On its own connection, so the audit of a hit
/// survives the refusal.
async fn refuse_blocklisted(
    pool: &PgPool,
    indexer: &BlindIndexer,
    actor: &Actor,
    building_id: Uuid,
    new: &NewBooking,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let resident: ResidentIndexes = sqlx::query_as(
        "select u.email::text as email, p.rut_bidx, u.phone_bidx
           from users u left join resident_profiles p on p.user_id = u.id where u.id = $1",
    )
    .bind(actor.id)
    .fetch_one(pool)
    .await?;
    let mut indexed = vec![
        (BlindField::Email, indexer.index(BlindField::Email, &resident.email).to_vec()),
        (BlindField::Plate, indexer.index(BlindField::Plate, new.plate.as_str()).to_vec()),
    ];
    indexed.extend(resident.rut_bidx.map(|b| (BlindField::Rut, b)));
    indexed.extend(resident.phone_bidx.map(|b| (BlindField::Phone, b)));
    if let Some(phone) = &new.visitor_phone {
        indexed.push((BlindField::Phone, indexer.index(BlindField::Phone, phone.as_e164()).to_vec()));
    }
    if let Some(ip) = meta.ip {
        indexed.push((BlindField::Ip, indexer.index(BlindField::Ip, &ip.to_string()).to_vec()));
    }
    let mut conn = pool.acquire().await?;
    if blocklist::is_blocked_by_index(&mut conn, Some(building_id), &indexed, "booking.create", &actor.audit(), meta).await? {
        return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
    }
    Ok(())
}

/// The visitor's phone sealed for the new booking's row, if one was given.
fn seal_visitor_phone(vault: &Vault, booking_id: Uuid, phone: Option<&MobilePhone>) -> ServerResult<Option<Vec<u8>>> {
    phone
        .map(|phone| vault.encrypt(phone.as_e164(), &pii::visitor_phone(&booking_id.to_string())))
        .transpose()
        .map_err(|e| ServerError::unexpected("vault", e))
}

/// Refuses a block that has started or a resident at their building's limit of active
/// bookings, and returns the database's clock. The count runs under a lock on the resident, so
/// two tabs cannot both pass the limit.
async fn within_resident_limit(conn: &mut PgConnection, resident_id: Uuid, block: &Block) -> ServerResult<DateTime<Utc>> {
    sqlx::query("select pg_advisory_xact_lock(hashtextextended($1::text, 0))")
        .bind(resident_id)
        .execute(&mut *conn)
        .await?;
    let (now, active): (DateTime<Utc>, i64) = sqlx::query_as(concat!(
        "select now(), count(*) from bookings where resident_id = $1 and status in ",
        crate::active_statuses!()
    ))
    .bind(resident_id)
    .fetch_one(&mut *conn)
    .await?;
    if block.starts_at <= now {
        return Err(AppError::Conflict("Este bloque ya comenzó. Elige uno que aún no empiece.".into()).into());
    }
    let max_active = block.max_active_bookings_per_resident;
    if active >= i64::from(max_active) {
        return Err(AppError::Conflict(format!(
            "Ya tienes {max_active} reservas activas, el máximo de tu edificio. Cancela o espera a que termine alguna."
        ))
        .into());
    }
    Ok(now)
}

/// Takes the block if it is still available and has not started; anything else lost the race.
async fn claim_block(conn: &mut PgConnection, block_id: Uuid) -> ServerResult<()> {
    let claimed = sqlx::query(
        "update availability_blocks set status = 'reserved'
          where id = $1 and status = 'available' and starts_at > now()",
    )
    .bind(block_id)
    .execute(conn)
    .await?;
    if claimed.rows_affected() == 0 {
        return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
    }
    Ok(())
}

/// The booking row to insert, besides what it copies from its block.
struct Draft<'a> {
    id: Uuid,
    resident_id: Uuid,
    new: &'a NewBooking,
    visitor_phone_enc: Option<Vec<u8>>,
    visitor_phone_bidx: Option<Vec<u8>>,
    quote: Quote,
    rule_id: Option<Uuid>,
    hold_expires_at: DateTime<Utc>,
}

/// Tries confirmation codes before giving up on a collision (one in 10⁹ or so per try).
const CODE_ATTEMPTS: u32 = 5;

/// Inserts the booking with a fresh confirmation code and guest-pass token, one savepoint per
/// try so a code collision does not abort the transaction. The code stays in the booking row:
/// the audit trail names the booking, not its code. An overlap (or a deadlock with a racing
/// booking of the same spot) is the taken block.
async fn insert_booking(conn: &mut PgConnection, block: &Block, draft: &Draft<'_>) -> ServerResult<()> {
    for attempt in 1..=CODE_ATTEMPTS {
        let code = ConfirmationCode::generate(&mut rand::rngs::OsRng);
        let mut token = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut token);
        let token = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(token);
        let mut sp = conn.begin().await?;
        let inserted = sqlx::query(
            "insert into bookings (id, block_id, spot_id, building_id, resident_id, during,
                                   visitor_name, visitor_plate, visitor_phone_enc, visitor_phone_bidx,
                                   base_price_clp, multiplier_bp, pricing_rule_id, amount_clp,
                                   commission_rate_bp, platform_commission_clp, building_share_clp,
                                   confirmation_code, guest_pass_token, hold_expires_at)
             select $1, b.id, b.spot_id, b.building_id, $2, b.during,
                    $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16
               from availability_blocks b where b.id = $17",
        )
        .bind(draft.id)
        .bind(draft.resident_id)
        .bind(draft.new.visitor_name.as_str())
        .bind(draft.new.plate.as_str())
        .bind(&draft.visitor_phone_enc)
        .bind(&draft.visitor_phone_bidx)
        .bind(block.base_price_clp)
        .bind(draft.quote.multiplier)
        .bind(draft.rule_id)
        .bind(draft.quote.price)
        .bind(block.commission_rate_bp)
        .bind(draft.quote.platform_commission)
        .bind(draft.quote.building_share)
        .bind(code.as_str())
        .bind(&token)
        .bind(draft.hold_expires_at)
        .bind(draft.new.block_id)
        .execute(&mut *sp)
        .await;
        match inserted {
            Ok(_) => return Ok(sp.commit().await?),
            Err(e) if is_violation(&e, "bookings_no_overlap") || is_deadlock(&e) => {
                return Err(AppError::Conflict(TAKEN_MESSAGE.into()).into());
            }
            Err(e) if is_violation(&e, "bookings_confirmation_code_key") && attempt < CODE_ATTEMPTS => {
                sp.rollback().await?;
            }
            Err(e) => return Err(e.into()),
        }
    }
    Err(ServerError::invariant("no confirmation code attempt left"))
}

/// The audit row and the `booking.created` outbox event, in the booking's transaction.
async fn record_created(
    conn: &mut PgConnection,
    actor: &Actor,
    block: &Block,
    draft: &Draft<'_>,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let quote = &draft.quote;
    audit::record(
        &mut *conn,
        &AuditEntry {
            actor: &actor.audit(),
            action: "booking.created",
            entity_type: Some("booking"),
            entity_id: Some(draft.id.to_string()),
            building_id: Some(block.building_id),
            metadata: json!({ "amount_clp": quote.price.pesos(), "block_id": draft.new.block_id }),
        },
        meta,
    )
    .await?;
    let payload = json!({
        "booking_id": draft.id,
        "block_id": draft.new.block_id,
        "spot_id": block.spot_id,
        "amount_clp": quote.price.pesos(),
        "multiplier_bp": quote.multiplier.basis_points(),
        "pricing_rule_id": draft.rule_id,
    });
    outbox::enqueue(
        conn,
        &OutboxEvent {
            event_type: "booking.created",
            version: 1,
            aggregate_type: "booking",
            aggregate_id: draft.id.to_string(),
            building_id: Some(block.building_id),
            payload: &payload,
        },
    )
    .await?;
    Ok(())
}
