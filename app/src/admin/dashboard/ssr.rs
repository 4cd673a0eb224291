//! SQL of the dashboard. Every number is limited to the caller's scope (a building admin's own
//! building whatever was asked); `now` is a parameter so the tests can pin the clock.

use super::{Dashboard, Period};
use crate::admin::audit_log::{self, AuditQuery};
use crate::admin::scope;
use crate::domain::money::Clp;
use crate::ssr::{actor::Actor, ServerResult};
use crate::ui::pager::total as total_of;
use chrono::{DateTime, Utc};
use sqlx::PgPool;

/// Audit entries the dashboard shows.
pub const RECENT: usize = 10;

/// Booking statuses that hold a spot right now (the gate's "inside" and "expected").
pub const HOLDING: [&str; 3] = ["confirmed", "checked_in", "overstay"];

/// The paid bookings of the period and what they brought in, in total.
#[derive(sqlx::FromRow)]
struct PaidTotals {
    bookings: i64,
    revenue: Clp,
    commission: Clp,
    building_share: Clp,
}

/// The dashboard of `building` (or every building in scope) at `now`.
pub async fn load(pool: &PgPool, actor: &Actor, requested: &str, period: Period, now: DateTime<Utc>) -> ServerResult<Dashboard> {
    let scope::Overview { building, buildings, label: scope_label, selected } = scope::overview(pool, actor, requested).await?;
    let holding: Vec<String> = HOLDING.iter().map(|s| s.to_string()).collect();

    let (active, occupied, total): (i64, i64, i64) = sqlx::query_as(
        "with spots as (
             select s.id from visitor_spots s join buildings b on b.id = s.building_id
              where s.active and b.status = 'active' and ($1::uuid is null or s.building_id = $1))
         select (select count(*) from bookings k
                  where ($1::uuid is null or k.building_id = $1) and k.status = any($3)),
                (select count(distinct k.spot_id) from bookings k join spots on spots.id = k.spot_id
                  where k.status = any($3) and k.during @> $2::timestamptz),
                (select count(*) from spots)",
    )
    .bind(building)
    .bind(now)
    .bind(&holding)
    .fetch_one(pool)
    .await?;

    // Paid bookings whose payment was confirmed on one of the period's local days (each
    // building's own zone), today included.
    let paid: PaidTotals = sqlx::query_as(
        "select count(*) as bookings, coalesce(sum(k.amount_clp), 0)::bigint as revenue,
                coalesce(sum(k.platform_commission_clp), 0)::bigint as commission,
                coalesce(sum(k.building_share_clp), 0)::bigint as building_share
           from bookings k join buildings b on b.id = k.building_id
          where ($1::uuid is null or k.building_id = $1)
            and k.payment_status = 'paid'
            and k.confirmed_at <= $2
            and (k.confirmed_at at time zone b.time_zone)::date > ($2::timestamptz at time zone b.time_zone)::date - $3::int",
    )
    .bind(building)
    .bind(now)
    .bind(period.days())
    .fetch_one(pool)
    .await?;

    let pending: i64 = sqlx::query_scalar(
        "select count(*) from users where role = 'resident' and status = 'pending' and ($1::uuid is null or building_id = $1)",
    )
    .bind(building)
    .fetch_one(pool)
    .await?;

    // Counted as the bookings list's "reembolso fallido" filter counts them.
    let failed_refunds: i64 = sqlx::query_scalar(
        "select count(*) from bookings k
          where ($1::uuid is null or k.building_id = $1)
            and exists (select 1 from refunds r where r.booking_id = k.id and r.status = 'failed')",
    )
    .bind(building)
    .fetch_one(pool)
    .await?;

    let audit_filter = AuditQuery { edificio: building.map(|b| b.to_string()).unwrap_or_default(), ..AuditQuery::default() };
    let mut recent = audit_log::ssr::list(pool, actor, &audit_filter, 1).await?.rows;
    recent.truncate(RECENT);

    Ok(Dashboard {
        scope_label,
        building_id: building.map(|b| b.to_string()).unwrap_or_default(),
        selected,
        buildings,
        period,
        active_bookings: total_of(active),
        occupied_spots: total_of(occupied),
        total_spots: total_of(total),
        paid_bookings: total_of(paid.bookings),
        revenue: paid.revenue.to_string(),
        commission: paid.commission.to_string(),
        building_share: paid.building_share.to_string(),
        pending_approvals: total_of(pending),
        failed_refunds: total_of(failed_refunds),
        recent,
    })
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
pub(crate) mod tests;
