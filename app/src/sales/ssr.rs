//! SQL of the sales dashboard.

use super::{RepBuilding, RepCommission, SalesDashboard};
use crate::domain::{money::Clp, rate::Rate};
use crate::ssr::{actor::Actor, ServerResult};
use sqlx::PgPool;

/// A rep's commission totals.
#[derive(sqlx::FromRow)]
struct Totals {
    total: i64,
    month: i64,
    pending: i64,
}

/// A building assigned to the rep.
#[derive(sqlx::FromRow)]
struct BuildingRow {
    name: String,
    address: String,
    rate_bp: i32,
    status: String,
    earned: i64,
}

/// One commission with its payout.
#[derive(sqlx::FromRow)]
struct CommissionRow {
    building: String,
    day: String,
    gross: i64,
    base: i64,
    amount: i64,
    status: String,
}

/// `rep`'s own dashboard: totals, assigned buildings, the 50 most recent commissions.
pub async fn dashboard(pool: &PgPool, rep: &Actor) -> ServerResult<SalesDashboard> {
    let totals: Totals = sqlx::query_as(
        "select coalesce(sum(c.amount_clp), 0)::bigint as total,
                coalesce(sum(c.amount_clp) filter (where date_trunc('month', p.local_date)
                    = date_trunc('month', (now() at time zone 'America/Santiago')::date)), 0)::bigint as month,
                coalesce(sum(c.amount_clp) filter (where c.status = 'pending'), 0)::bigint as pending
           from sales_rep_commissions c join payouts p on p.id = c.payout_id
          where c.sales_rep_id = $1",
    )
    .bind(rep.id)
    .fetch_one(pool)
    .await?;
    let buildings: Vec<BuildingRow> = sqlx::query_as(
        "select b.name, b.address, b.sales_rep_rate_bp as rate_bp, b.status,
                coalesce((select sum(c.amount_clp) from sales_rep_commissions c
                           where c.building_id = b.id and c.sales_rep_id = $1), 0)::bigint as earned
           from buildings b where b.sales_rep_id = $1 order by b.name",
    )
    .bind(rep.id)
    .fetch_all(pool)
    .await?;
    let commissions: Vec<CommissionRow> = sqlx::query_as(
        "select b.name as building, to_char(p.local_date, 'DD-MM-YYYY') as day, p.gross_clp as gross,
                c.base_clp as base, c.amount_clp as amount, c.status
           from sales_rep_commissions c
           join payouts p on p.id = c.payout_id
           join buildings b on b.id = c.building_id
          where c.sales_rep_id = $1
          order by p.local_date desc limit 50",
    )
    .bind(rep.id)
    .fetch_all(pool)
    .await?;
    let rate = |bp: i32| {
        u32::try_from(bp)
            .ok()
            .and_then(|bp| Rate::from_basis_points(bp).ok())
            .map(|r| r.to_string())
            .unwrap_or_default()
    };
    Ok(SalesDashboard {
        name: rep.full_name.clone(),
        total: Clp::new(totals.total).to_string(),
        this_month: Clp::new(totals.month).to_string(),
        pending: Clp::new(totals.pending).to_string(),
        buildings: buildings
            .into_iter()
            .map(|b| RepBuilding {
                name: b.name,
                address: b.address,
                rate: rate(b.rate_bp),
                status: if b.status == "active" { "Activo" } else { "Archivado" }.into(),
                earned: Clp::new(b.earned).to_string(),
            })
            .collect(),
        commissions: commissions
            .into_iter()
            .map(|c| RepCommission {
                building: c.building,
                day: c.day,
                payout_gross: Clp::new(c.gross).to_string(),
                payout_commission: Clp::new(c.base).to_string(),
                amount: Clp::new(c.amount).to_string(),
                status: if c.status == "paid" { "Pagada" } else { "Pendiente" }.into(),
            })
            .collect(),
    })
}
