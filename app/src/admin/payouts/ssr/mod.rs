//! SQL of the payouts: the listing, and marking payouts and rep commissions paid; the daily
//! reconciliation is in [`reconcile`].

use super::{status_label, PayoutListing, PayoutRow, RepShare};
use crate::admin::scope;
use crate::domain::money::Clp;
use crate::domain::rate::Rate;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    ServerResult,
};
use crate::ui::pager::{self, Page};
use chrono::{DateTime, NaiveDate, Utc};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

mod reconcile;

pub use reconcile::{reconcile, ReconcileReport};

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

/// A payout with its rep's commission, if any, as the screen lists it.
#[derive(Debug, sqlx::FromRow)]
struct PayoutLine {
    id: Uuid,
    building: String,
    local_date: NaiveDate,
    bookings_count: i32,
    gross_clp: Clp,
    platform_commission_clp: Clp,
    building_share_clp: Clp,
    status: String,
    paid_at: Option<DateTime<Utc>>,
    payment_reference: Option<String>,
    commission_id: Option<Uuid>,
    rep: Option<String>,
    rep_rate: Option<Rate>,
    rep_amount: Option<Clp>,
    commission_status: Option<String>,
    time_zone: String,
}

/// The totals over every page of the filter.
#[derive(Debug, sqlx::FromRow)]
struct PayoutSums {
    total: i64,
    building_share: Clp,
    commission: Clp,
    unpaid: Clp,
}

/// One page of payouts in `actor`'s scope.
pub async fn list(pool: &PgPool, actor: &Actor, f: &Filter, page: u32) -> ServerResult<PayoutListing> {
    let page = Page::new(page);
    let rows: Vec<PayoutLine> = sqlx::query_as(
        "select p.id, b.name as building, p.local_date, p.bookings_count, p.gross_clp, p.platform_commission_clp,
                p.building_share_clp, p.status, p.paid_at, p.payment_reference,
                c.id as commission_id, u.full_name as rep, c.rate_bp as rep_rate, c.amount_clp as rep_amount,
                c.status as commission_status, b.time_zone
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
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let sums: PayoutSums = sqlx::query_as(
        "select count(*) as total, coalesce(sum(building_share_clp), 0)::bigint as building_share,
                coalesce(sum(platform_commission_clp), 0)::bigint as commission,
                coalesce(sum(building_share_clp) filter (where status = 'calculated'), 0)::bigint as unpaid
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
    let pages = page.pages(pager::total(sums.total));
    let rows = rows
        .into_iter()
        .map(|p| {
            let paid_note = p.paid_at.map(|at| {
                let local = p
                    .time_zone
                    .parse::<chrono_tz::Tz>()
                    .map_or_else(|_| at.date_naive(), |tz| at.with_timezone(&tz).date_naive());
                format!("Pagada el {}, ref. {}", local.format("%d-%m-%Y"), p.payment_reference.clone().unwrap_or_default())
            });
            let rep = match (sees_reps, p.commission_id, p.rep, p.rep_rate, p.rep_amount, p.commission_status) {
                (true, Some(cid), Some(rep), Some(rate), Some(amount), Some(cstatus)) => Some(RepShare {
                    id: cid.to_string(),
                    rep,
                    rate: rate.to_string(),
                    amount: amount.to_string(),
                    paid: cstatus == "paid",
                }),
                _ => None,
            };
            PayoutRow {
                id: p.id.to_string(),
                building: p.building,
                day: p.local_date.format("%d-%m-%Y").to_string(),
                bookings: p.bookings_count,
                gross: p.gross_clp.to_string(),
                commission: p.platform_commission_clp.to_string(),
                building_share: p.building_share_clp.to_string(),
                status_label: status_label(&p.status).to_string(),
                status: p.status,
                paid_note,
                rep,
            }
        })
        .collect();
    Ok(PayoutListing {
        rows,
        total: sums.total,
        page: page.number(),
        pages,
        total_building_share: sums.building_share.to_string(),
        total_commission: sums.commission.to_string(),
        total_unpaid: sums.unpaid.to_string(),
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

/// A payout about to be marked paid, locked.
#[derive(Debug, sqlx::FromRow)]
struct PayoutToPay {
    building_id: Uuid,
    status: String,
    building_share_clp: Clp,
    local_date: NaiveDate,
}

/// A rep's commission about to be marked paid, locked, with its payout's status.
#[derive(Debug, sqlx::FromRow)]
struct CommissionToPay {
    building_id: Uuid,
    sales_rep_id: Uuid,
    status: String,
    amount_clp: Clp,
    payout_status: String,
}

/// Marks payout `id` paid with `reference` (admins only). Paying twice is a conflict.
pub async fn mark_paid(pool: &PgPool, actor: &Actor, id: Uuid, reference: &str, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = pool.begin().await?;
    let payout: Option<PayoutToPay> =
        sqlx::query_as("select building_id, status, building_share_clp, local_date from payouts where id = $1 for update")
            .bind(id)
            .fetch_optional(&mut *tx)
            .await?;
    let Some(payout) = payout else {
        return Err(AppError::NotFound.into());
    };
    if payout.status == "paid" {
        return Err(AppError::Conflict("Esta liquidación ya está pagada.".into()).into());
    }
    sqlx::query("update payouts set status = 'paid', paid_at = now(), paid_by = $2, payment_reference = $3 where id = $1")
        .bind(id)
        .bind(actor.id)
        .bind(reference)
        .execute(&mut *tx)
        .await?;
    AuditEntry::new(&actor.audit(), "payout.paid")
        .on("payout", id)
        .building(payout.building_id)
        .with(json!({
            "day": payout.local_date.to_string(),
            "building_share_clp": payout.building_share_clp.pesos(),
            "reference": reference,
        }))
        .commit(tx, meta)
        .await?;
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
    let commission: Option<CommissionToPay> = sqlx::query_as(
        "select c.building_id, c.sales_rep_id, c.status, c.amount_clp, p.status as payout_status
           from sales_rep_commissions c join payouts p on p.id = c.payout_id
          where c.id = $1 for update of c",
    )
    .bind(id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(c) = commission else {
        return Err(AppError::NotFound.into());
    };
    if c.status == "paid" {
        return Err(AppError::Conflict("Esta comisión ya está pagada.".into()).into());
    }
    if c.payout_status != "paid" {
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
    AuditEntry::new(&actor.audit(), "commission.paid")
        .on("sales_rep_commission", id)
        .building(c.building_id)
        .with(json!({ "sales_rep_id": c.sales_rep_id, "amount_clp": c.amount_clp.pesos(), "reference": reference }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests;
