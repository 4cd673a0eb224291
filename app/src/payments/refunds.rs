//! Refunds through the gateway, never marked done without the gateway's word.
//!
//! A refund is queued as a `refunds` row (pending, with its idempotency key) in the transaction
//! that decides it, and executed after that transaction commits: claim the row (one attempt
//! more, leased so nobody else calls the gateway meanwhile), call the gateway outside any
//! transaction, then record the answer. A failure stays `failed`, visible to staff, with the
//! error and the next attempt time; [`retry_refunds`] retries it with the same idempotency key,
//! so the gateway never pays twice.

use super::apply::Refusal;
use super::gateway::{PaymentGateway, PaymentToRefund, Provider, RefundOutcome};
use crate::domain::{money::Clp, role::Role};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditActor, AuditEntry, RequestMeta},
    ServerError, ServerResult,
};
use chrono::{DateTime, TimeDelta, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// While one caller is talking to the gateway about a refund, nobody else picks it up.
pub const LEASE: TimeDelta = TimeDelta::minutes(10);
/// After this many attempts a failed refund waits for staff instead of being retried.
pub const MAX_ATTEMPTS: i32 = 12;
/// Refunds retried per batch.
const BATCH: i64 = 20;

/// A refund to queue.
#[derive(Debug, Clone)]
pub struct RefundRequest<'a> {
    /// The booking.
    pub booking_id: Uuid,
    /// The payment the money comes back from.
    pub payment_id: Uuid,
    /// How much (more than zero).
    pub amount: Clp,
    /// Why (`early_cancellation`, `staff_cancellation`, `amount_mismatch`, …).
    pub reason: &'a str,
    /// The person who caused it, if a person did.
    pub requested_by: Option<Uuid>,
}

/// Queues a refund in the caller's transaction and returns its id. Its first attempt is leased
/// to the caller, who executes it with [`execute`] right after committing.
pub async fn queue(conn: &mut PgConnection, request: &RefundRequest<'_>) -> ServerResult<Uuid> {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into refunds (id, booking_id, payment_id, amount_clp, reason, requested_by,
                              idempotency_key, next_attempt_at)
         values ($1, $2, $3, $4, $5, $6, $7, now() + $8)",
    )
    .bind(id)
    .bind(request.booking_id)
    .bind(request.payment_id)
    .bind(request.amount.pesos())
    .bind(request.reason)
    .bind(request.requested_by)
    .bind(format!("refund-{id}"))
    .bind(LEASE)
    .execute(conn)
    .await?;
    Ok(id)
}

/// Where a refund stands after an attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundState {
    /// Done.
    Succeeded,
    /// Waiting: not attempted yet, or the gateway is still processing it.
    Pending,
    /// The last attempt failed (retried later unless it cannot succeed).
    Failed,
}

impl RefundState {
    /// Reads `refunds.status`.
    pub fn parse(value: &str) -> Self {
        match value {
            "succeeded" => Self::Succeeded,
            "failed" => Self::Failed,
            _ => Self::Pending,
        }
    }

    /// What the resident or staff read about it (es-CL).
    pub const fn label_es(self) -> &'static str {
        match self {
            Self::Succeeded => "Reembolso realizado.",
            Self::Pending => "Reembolso en proceso.",
            Self::Failed => {
                "El reembolso no se pudo completar todavía. Lo reintentaremos automáticamente y la administración está informada."
            }
        }
    }
}

/// A claimed attempt: everything needed to call the gateway.
#[derive(Debug, Clone)]
struct Claimed {
    id: Uuid,
    booking_id: Uuid,
    amount: Clp,
    key: String,
    attempts: i32,
    reason: Option<String>,
    payment: PaymentToRefund,
}

/// A claimed refund attempt with the payment it refunds, as stored.
#[derive(sqlx::FromRow)]
struct ClaimedRow {
    id: Uuid,
    booking_id: Uuid,
    amount_clp: Clp,
    idempotency_key: String,
    attempts: i32,
    reason: Option<String>,
    payment_id: Uuid,
    provider: String,
    provider_payment_id: Option<String>,
    paid_clp: Clp,
}

/// The columns of a [`ClaimedRow`] (`r` the refund, `p` its payment).
const CLAIMED_COLUMNS: &str = "r.id, r.booking_id, r.amount_clp, r.idempotency_key, r.attempts, r.reason,
                               p.id as payment_id, p.provider, p.provider_payment_id, p.amount_clp as paid_clp";

fn claimed(row: ClaimedRow) -> ServerResult<Claimed> {
    let provider = &row.provider;
    let provider = Provider::parse(provider).ok_or_else(|| ServerError::invariant(format!("payment provider {provider}")))?;
    Ok(Claimed {
        id: row.id,
        booking_id: row.booking_id,
        amount: row.amount_clp,
        key: row.idempotency_key,
        attempts: row.attempts,
        reason: row.reason,
        payment: PaymentToRefund {
            payment_id: row.payment_id,
            provider,
            provider_payment_id: row.provider_payment_id,
            amount: row.paid_clp,
        },
    })
}

/// Executes the first attempt of a refund just queued by [`queue`] (after the commit). If that
/// attempt was already made (a retry job got there first), returns the refund's current state.
pub async fn execute(pool: &PgPool, gateway: &dyn PaymentGateway, refund_id: Uuid) -> ServerResult<RefundState> {
    let row: Option<ClaimedRow> = sqlx::query_as(&format!(
        "with c as (
            update refunds set attempts = attempts + 1, next_attempt_at = now() + $2
             where id = $1 and status = 'pending' and attempts = 0
             returning *)
         select {CLAIMED_COLUMNS} from c r join payments p on p.id = r.payment_id"
    ))
    .bind(refund_id)
    .bind(LEASE)
    .fetch_optional(pool)
    .await?;
    match row {
        Some(row) => attempt(pool, gateway, claimed(row)?).await,
        None => {
            let status: String = sqlx::query_scalar("select status from refunds where id = $1")
                .bind(refund_id)
                .fetch_one(pool)
                .await?;
            Ok(RefundState::parse(&status))
        }
    }
}

/// What a retry run did (the job's summary).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct RetryReport {
    /// Refunds attempted.
    pub attempted: u64,
    /// Of those, done.
    pub succeeded: u64,
    /// Of those, failed again (or still processing).
    pub not_done: u64,
}

/// Retries every refund that is due at `now`: queued ones whose first attempt never happened
/// (the process died) and failed ones whose backoff has passed. Safe to run on several
/// instances at once: each refund is claimed by one of them. A claimed refund is `pending`
/// while leased, so a staff retry ([`retry_failed`]) never claims it at the same time.
pub async fn retry_refunds(pool: &PgPool, gateway: &dyn PaymentGateway, now: DateTime<Utc>) -> ServerResult<RetryReport> {
    let mut report = RetryReport::default();
    // Each refund is tried at most once per run, whatever its new next attempt time says.
    let mut seen: Vec<Uuid> = Vec::new();
    loop {
        let rows: Vec<ClaimedRow> = sqlx::query_as(&format!(
            "with c as (
                update refunds set status = 'pending', attempts = attempts + 1, next_attempt_at = $1 + $2
                 where id in (select id from refunds
                               where status in ('pending', 'failed') and next_attempt_at <= $1
                                 and id <> all($4)
                               order by next_attempt_at, id
                               limit $3
                               for update skip locked)
                 returning *)
             select {CLAIMED_COLUMNS} from c r join payments p on p.id = r.payment_id"
        ))
        .bind(now)
        .bind(LEASE)
        .bind(BATCH)
        .bind(&seen)
        .fetch_all(pool)
        .await?;
        if rows.is_empty() {
            return Ok(report);
        }
        for row in rows {
            let claimed = claimed(row)?;
            seen.push(claimed.id);
            report.attempted += 1;
            match attempt(pool, gateway, claimed).await? {
                RefundState::Succeeded => report.succeeded += 1,
                _ => report.not_done += 1,
            }
        }
    }
}

/// Staff who may retry a failed refund: the roles that may cancel with a refund.
pub const RETRIERS: [Role; 3] = [Role::BuildingAdmin, Role::Support, Role::Admin];

/// A staff member retries the failed refunds of a booking now, whatever their backoff says
/// (also those that stopped being retried automatically). The claim turns each refund from
/// `failed` to `pending` under its row lock, so of two concurrent retries only one calls the
/// gateway; the other finds nothing failed and is refused. Out of scope: not found.
pub async fn retry_failed(
    pool: &PgPool,
    gateway: &dyn PaymentGateway,
    actor: &Actor,
    booking_id: Uuid,
    meta: &RequestMeta,
) -> ServerResult<RefundState> {
    actor.require_role(&RETRIERS)?;
    let building_id: Option<Uuid> = sqlx::query_scalar("select building_id from bookings where id = $1")
        .bind(booking_id)
        .fetch_optional(pool)
        .await?;
    let building_id = building_id.ok_or(AppError::NotFound)?;
    if !actor.can_see_building(building_id) {
        return Err(AppError::NotFound.into());
    }
    let mut tx = pool.begin().await?;
    let rows: Vec<ClaimedRow> = sqlx::query_as(&format!(
        "with c as (
            update refunds set status = 'pending', attempts = attempts + 1, next_attempt_at = now() + $2
             where booking_id = $1 and status = 'failed'
             returning *)
         select {CLAIMED_COLUMNS} from c r join payments p on p.id = r.payment_id order by r.id"
    ))
    .bind(booking_id)
    .bind(LEASE)
    .fetch_all(&mut *tx)
    .await?;
    if rows.is_empty() {
        return Err(AppError::Conflict("Esta reserva no tiene un reembolso fallido que reintentar.".into()).into());
    }
    let claimed = rows.into_iter().map(claimed).collect::<ServerResult<Vec<_>>>()?;
    for c in &claimed {
        AuditEntry::new(&actor.audit(), "payment.refund_retry_requested")
            .on("refund", c.id)
            .building(building_id)
            .with(json!({ "booking_id": booking_id, "amount_clp": c.amount.pesos(), "attempts": c.attempts }))
            .record(&mut tx, meta)
            .await?;
    }
    tx.commit().await?;
    // The gateway is called after the commit, outside any transaction.
    let mut state = RefundState::Succeeded;
    for c in claimed {
        match attempt(pool, gateway, c).await? {
            RefundState::Succeeded => {}
            other => state = other,
        }
    }
    Ok(state)
}

/// How long to wait after the `attempts`-th failure: 5 min, doubling, at most 6 h.
fn backoff(attempts: i32) -> TimeDelta {
    let doublings = attempts.saturating_sub(1).clamp(0, 7).unsigned_abs();
    TimeDelta::minutes((5i64 << doublings).min(360))
}

/// Calls the gateway for a claimed refund and records the answer.
async fn attempt(pool: &PgPool, gateway: &dyn PaymentGateway, c: Claimed) -> ServerResult<RefundState> {
    let outcome = gateway.refund(&c.payment, c.amount, &c.key).await;
    let mut tx = pool.begin().await?;
    let building_id: Uuid = sqlx::query_scalar("select building_id from bookings where id = $1")
        .bind(c.booking_id)
        .fetch_one(&mut *tx)
        .await?;
    let (state, action, detail) = match &outcome {
        RefundOutcome::Succeeded { provider_refund_id } => {
            sqlx::query(
                "update refunds set status = 'succeeded', succeeded_at = now(), provider_refund_id = $2,
                                    last_error = null, next_attempt_at = null
                  where id = $1",
            )
            .bind(c.id)
            .bind(provider_refund_id)
            .execute(&mut *tx)
            .await?;
            settle_payment(&mut tx, &c).await?;
            (RefundState::Succeeded, "payment.refund_succeeded", None)
        }
        RefundOutcome::InProcess { provider_refund_id } => {
            sqlx::query(
                "update refunds set provider_refund_id = $2, last_error = 'in process at the gateway',
                                    next_attempt_at = now() + $3
                  where id = $1",
            )
            .bind(c.id)
            .bind(provider_refund_id)
            .bind(backoff(c.attempts))
            .execute(&mut *tx)
            .await?;
            (RefundState::Pending, "payment.refund_in_process", None)
        }
        RefundOutcome::Failed { reason, retryable } => {
            let next = (*retryable && c.attempts < MAX_ATTEMPTS).then(|| backoff(c.attempts));
            sqlx::query(
                "update refunds set status = 'failed', failed_at = now(), last_error = $2,
                                    next_attempt_at = now() + $3
                  where id = $1",
            )
            .bind(c.id)
            .bind(reason.chars().take(500).collect::<String>())
            .bind(next)
            .execute(&mut *tx)
            .await?;
            tracing::warn!(refund.id = %c.id, attempts = c.attempts, retryable, error = %reason, "refund failed");
            (RefundState::Failed, "payment.refund_failed", Some(reason.clone()))
        }
    };
    AuditEntry::new(&AuditActor::System, action)
        .on("refund", c.id)
        .building(building_id)
        .with(json!({
            "booking_id": c.booking_id,
            "payment_id": c.payment.payment_id,
            "amount_clp": c.amount.pesos(),
            "attempts": c.attempts,
            "error": detail,
        }))
        .commit(tx, &RequestMeta::default())
        .await?;
    Ok(state)
}

/// After a refund succeeded: the payment is `refunded` once refunds cover it, and — for a
/// cancellation refund of the booking's own payment — the booking's payment status says how
/// much came back. Refunds of payments that never confirmed the booking leave it alone.
async fn settle_payment(conn: &mut PgConnection, c: &Claimed) -> ServerResult<()> {
    let refunded: i64 = sqlx::query_scalar(
        "select coalesce(sum(amount_clp), 0)::bigint from refunds where payment_id = $1 and status = 'succeeded'",
    )
    .bind(c.payment.payment_id)
    .fetch_one(&mut *conn)
    .await?;
    let full = refunded >= c.payment.amount.pesos();
    if full {
        sqlx::query("update payments set status = 'refunded' where id = $1")
            .bind(c.payment.payment_id)
            .execute(&mut *conn)
            .await?;
    }
    let unapplied = c.reason.as_deref().is_some_and(|r| Refusal::ALL.iter().any(|x| x.as_str() == r));
    if !unapplied {
        sqlx::query("update bookings set payment_status = $2 where id = $1")
            .bind(c.booking_id)
            .bind(if full { "refunded" } else { "partially_refunded" })
            .execute(&mut *conn)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_from_five_minutes_up_to_six_hours() {
        let minutes: Vec<i64> = (1..=10).map(|n| backoff(n).num_minutes()).collect();
        assert_eq!(minutes, vec![5, 10, 20, 40, 80, 160, 320, 360, 360, 360]);
        assert_eq!(backoff(0).num_minutes(), 5);
    }

    #[test]
    fn states_read_back_and_speak_spanish() {
        assert_eq!(RefundState::parse("succeeded"), RefundState::Succeeded);
        assert_eq!(RefundState::parse("failed"), RefundState::Failed);
        assert_eq!(RefundState::parse("pending"), RefundState::Pending);
        assert!(RefundState::Failed.label_es().contains("reintentaremos"));
    }
}
