//! SQL of the payouts: the daily reconciliation, the listing, and marking payouts and rep
//! commissions paid.
//!
//! The reconciliation is safe to run on several instances at once (the job runner's advisory
//! lock normally keeps it to one, and an admin can also start it from the screen): each
//! building-day is settled in its own transaction that first locks the payout row, a new row is
//! inserted with `on conflict do nothing` and then locked, and a row already paid is never
//! touched again. A rerun that finds nothing new writes nothing, not even an audit row.

use super::{status_label, PayoutListing, PayoutRow, RepShare, PAGE_SIZE};
use crate::admin::scope;
use crate::domain::money::Clp;
use crate::domain::payout::{rep_commission, settle, PayoutTotals, SettledBooking};
use crate::domain::rate::Rate;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{self, AuditActor, AuditEntry, RequestMeta},
    ServerError, ServerResult,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

mod reconcile;
pub use reconcile::{reconcile, ReconcileReport};

fn rate(bp: i32) -> ServerResult<Rate> {
    u32::try_from(bp)
        .ok()
        .and_then(|bp| Rate::from_basis_points(bp).ok())
        .ok_or_else(|| ServerError::invariant(format!("rate of {bp} basis points")))
}

/// A parsed filter of the screen.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// One building, or every building in scope.
    pub building: Option<Uuid>,
    /// `calculated` / `paid`.
    pub status: Option<&'static str>,
    /// From this local date.
    pub from: Option<NaiveDate>,
    /// To this local date.
    pub to: Option<NaiveDate>,
}

/// One page of payouts in `actor`'s scope.
pub async fn list(pool: &PgPool, actor: &Actor, f: &Filter, page: u32) -> ServerResult<PayoutListing> {
    type Row = (
        Uuid,
        String,
        NaiveDate,
        i32,
        i64,
        i64,
        i64,
        String,
        Option<DateTime<Utc>>,
        Option<String>,
        Option<Uuid>,
        Option<String>,
        Option<i32>,
        Option<i64>,
        Option<String>,
        String,
    );
    let page = page.max(1);
    let offset = i64::from(page - 1) * i64::from(PAGE_SIZE);
    let rows: Vec<Row> = sqlx::query_as(
        "select p.id, b.name, p.local_date, p.bookings_count, p.gross_clp, p.platform_commission_clp,
                p.building_share_clp, p.status, p.paid_at, p.payment_reference,
                c.id, u.full_name, c.rate_bp, c.amount_clp, c.status, b.time_zone
           from payouts p
           join buildings b on b.id = p.building_id
           left join sales_rep_commissions c on c.payout_id = p.id
           left join users u on u.id = c.sales_rep_id
          where ($1::uuid is null or p.building_id = $1)
            and ($2::text is null or p.status = $2)
            and ($3::date is null or p.local_date >= $3)
            and ($4::date is null or p.local_date <= $4)
          order by p.local_date desc, b.name, p.id
          limit $5 offset $6",
    )
    .bind(f.building)
    .bind(f.status)
    .bind(f.from)
    .bind(f.to)
    .bind(i64::from(PAGE_SIZE))
    .bind(offset)
    .fetch_all(pool)
    .await?;
    let (total, share, commission, unpaid): (i64, i64, i64, i64) = sqlx::query_as(
        "select count(*), coalesce(sum(building_share_clp), 0)::bigint,
                coalesce(sum(platform_commission_clp), 0)::bigint,
                coalesce(sum(building_share_clp) filter (where status = 'calculated'), 0)::bigint
           from payouts
          where ($1::uuid is null or building_id = $1)
            and ($2::text is null or status = $2)
            and ($3::date is null or local_date >= $3)
            and ($4::date is null or local_date <= $4)",
    )
    .bind(f.building)
    .bind(f.status)
    .bind(f.from)
    .bind(f.to)
    .fetch_one(pool)
    .await?;
    let sees_reps = !actor.role.is_building_scoped();
    let pages = u32::try_from(total).unwrap_or(u32::MAX).div_ceil(PAGE_SIZE).max(1);
    let rows = rows
        .into_iter()
        .map(
            |(
                id,
                building,
                day,
                bookings,
                gross,
                commission,
                share,
                status,
                paid_at,
                reference,
                cid,
                rep,
                bp,
                amount,
                cstatus,
                zone,
            )| {
                let paid_note = paid_at.map(|at| {
                    let local = zone
                        .parse::<chrono_tz::Tz>()
                        .map_or_else(|_| at.date_naive(), |tz| at.with_timezone(&tz).date_naive());
                    format!("Pagada el {}, ref. {}", local.format("%d-%m-%Y"), reference.clone().unwrap_or_default())
                });
                let rep = match (sees_reps, cid, rep, bp, amount, cstatus) {
                    (true, Some(cid), Some(rep), Some(bp), Some(amount), Some(cstatus)) => Some(RepShare {
                        id: cid.to_string(),
                        rep,
                        rate: rate(bp).map(|r| r.to_string()).unwrap_or_default(),
                        amount: Clp::new(amount).to_string(),
                        paid: cstatus == "paid",
                    }),
                    _ => None,
                };
                PayoutRow {
                    id: id.to_string(),
                    building,
                    day: day.format("%d-%m-%Y").to_string(),
                    bookings,
                    gross: Clp::new(gross).to_string(),
                    commission: Clp::new(commission).to_string(),
                    building_share: Clp::new(share).to_string(),
                    status_label: status_label(&status).to_string(),
                    status,
                    paid_note,
                    rep,
                }
            },
        )
        .collect();
    Ok(PayoutListing {
        rows,
        total,
        page,
        pages,
        total_building_share: Clp::new(share).to_string(),
        total_commission: Clp::new(commission).to_string(),
        total_unpaid: Clp::new(unpaid).to_string(),
        buildings: scope::buildings(pool, actor).await?,
        can_pay: actor.role == Role::Admin,
        sees_reps,
    })
}

/// A payment reference as typed (bank transfer number, voucher): 3–100 characters.
pub fn parse_reference(raw: &str) -> Result<String, AppError> {
    let r = raw.trim();
    if (3..=100).contains(&r.chars().count()) {
        Ok(r.to_string())
    } else {
        Err(AppError::field("reference", "Indica la referencia del pago (entre 3 y 100 caracteres)."))
    }
}

/// Marks payout `id` paid with `reference` (admins only). Paying twice is a conflict.
pub async fn mark_paid(pool: &PgPool, actor: &Actor, id: Uuid, reference: &str, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, String, i64, NaiveDate)> =
        sqlx::query_as("select building_id, status, building_share_clp, local_date from payouts where id = $1 for update")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some((building, status, share, day)) = row else {
        return Err(AppError::NotFound.into());
    };
    if status == "paid" {
        return Err(AppError::Conflict("Esta liquidación ya está pagada.".into()).into());
    }
    sqlx::query("update payouts set status = 'paid', paid_at = now(), paid_by = $2, payment_reference = $3 where id = $1")
        .bind(id)
        .bind(actor.id)
        .bind(reference)
        .execute(&mut *tx)
        .await?;
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "payout.paid",
            entity_type: Some("payout"),
            entity_id: Some(id.to_string()),
            building_id: Some(building),
            metadata: json!({ "day": day.to_string(), "building_share_clp": share, "reference": reference }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a sales rep's commission paid (admins only); its payout must be paid first, since the
/// commission comes out of money the platform has settled.
pub async fn mark_commission_paid(
    pool: &PgPool,
    actor: &Actor,
    id: Uuid,
    reference: &str,
    meta: &RequestMeta,
) -> ServerResult<()> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, Uuid, String, i64, String)> = sqlx::query_as(
        "select c.building_id, c.sales_rep_id, c.status, c.amount_clp, p.status
           from sales_rep_commissions c join payouts p on p.id = c.payout_id
          where c.id = $1 for update of c",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((building, rep, status, amount, payout_status)) = row else {
        return Err(AppError::NotFound.into());
    };
    if status == "paid" {
        return Err(AppError::Conflict("Esta comisión ya está pagada.".into()).into());
    }
    if payout_status != "paid" {
        return Err(AppError::Conflict("Primero marca como pagada la liquidación del edificio.".into()).into());
    }
    sqlx::query(
        "update sales_rep_commissions set status = 'paid', paid_at = now(), paid_by = $2, payment_reference = $3 where id = $1",
    )
    .bind(id)
    .bind(actor.id)
    .bind(reference)
    .execute(&mut *tx)
    .await?;
    audit::record(
        &mut tx,
        &AuditEntry {
            actor: &actor.audit(),
            action: "commission.paid",
            entity_type: Some("sales_rep_commission"),
            entity_id: Some(id.to_string()),
            building_id: Some(building),
            metadata: json!({ "sales_rep_id": rep, "amount_clp": amount, "reference": reference }),
        },
        meta,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
