//! Server function of the sales dashboard.

use super::SalesDashboard;
use crate::error::AppError;
use leptos::prelude::*;

/// The caller's own sales dashboard (sales reps only).
#[server(prefix = "/api", endpoint = "sales/dashboard")]
pub async fn load_sales_dashboard() -> Result<SalesDashboard, AppError> {
    use super::{RepBuilding, RepCommission};
    use crate::domain::{money::Clp, rate::Rate, role::Role};
    use crate::ssr::{actor, app_state, error::finish, ServerError};
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::SalesRep]).await)?;
    let pool = &state.pool;
    let (total, month, pending): (i64, i64, i64) = finish(
        sqlx::query_as(
            "select coalesce(sum(c.amount_clp), 0)::bigint,
                    coalesce(sum(c.amount_clp) filter (where date_trunc('month', p.local_date)
                        = date_trunc('month', (now() at time zone 'America/Santiago')::date)), 0)::bigint,
                    coalesce(sum(c.amount_clp) filter (where c.status = 'pending'), 0)::bigint
               from sales_rep_commissions c join payouts p on p.id = c.payout_id
              where c.sales_rep_id = $1",
        )
        .bind(actor.id)
        .fetch_one(pool)
        .await
        .map_err(ServerError::from),
    )?;
    let buildings: Vec<(String, String, i32, String, i64)> = finish(
        sqlx::query_as(
            "select b.name, b.address, b.sales_rep_rate_bp, b.status,
                    coalesce((select sum(c.amount_clp) from sales_rep_commissions c
                               where c.building_id = b.id and c.sales_rep_id = $1), 0)::bigint
               from buildings b where b.sales_rep_id = $1 order by b.name",
        )
        .bind(actor.id)
        .fetch_all(pool)
        .await
        .map_err(ServerError::from),
    )?;
    let commissions: Vec<(String, String, i64, i64, i64, String)> = finish(
        sqlx::query_as(
            "select b.name, to_char(p.local_date, 'DD-MM-YYYY'), p.gross_clp, c.base_clp, c.amount_clp, c.status
               from sales_rep_commissions c
               join payouts p on p.id = c.payout_id
               join buildings b on b.id = c.building_id
              where c.sales_rep_id = $1
              order by p.local_date desc limit 50",
        )
        .bind(actor.id)
        .fetch_all(pool)
        .await
        .map_err(ServerError::from),
    )?;
    let rate = |bp: i32| {
        u32::try_from(bp)
            .ok()
            .and_then(|bp| Rate::from_basis_points(bp).ok())
            .map(|r| r.to_string())
            .unwrap_or_default()
    };
    Ok(SalesDashboard {
        name: actor.full_name,
        total: Clp::new(total).to_string(),
        this_month: Clp::new(month).to_string(),
        pending: Clp::new(pending).to_string(),
        buildings: buildings
            .into_iter()
            .map(|(name, address, bp, status, earned)| RepBuilding {
                name,
                address,
                rate: rate(bp),
                status: if status == "active" { "Activo" } else { "Archivado" }.into(),
                earned: Clp::new(earned).to_string(),
            })
            .collect(),
        commissions: commissions
            .into_iter()
            .map(|(building, day, gross, base, amount, status)| RepCommission {
                building,
                day,
                payout_gross: Clp::new(gross).to_string(),
                payout_commission: Clp::new(base).to_string(),
                amount: Clp::new(amount).to_string(),
                status: if status == "paid" { "Pagada" } else { "Pendiente" }.into(),
            })
            .collect(),
    })
}
