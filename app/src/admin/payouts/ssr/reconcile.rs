//! The daily reconciliation of payouts and sales-rep commissions.
//!
//! The reconciliation is safe to run on several instances at once (the job runner's advisory
//! lock normally keeps it to one, and an admin can also start it from the screen): each
//! building-day is settled in its own transaction that first locks the payout row, a new row is
//! inserted with `on conflict do nothing` and then locked, and a row already paid is never
//! touched again. A rerun that finds nothing new writes nothing, not even an audit row.

use crate::domain::money::Clp;
use crate::domain::payout::{rep_commission, settle, PayoutTotals, SettledBooking};
use crate::domain::rate::Rate;
use crate::ssr::{
    audit::{AuditActor, AuditEntry, RequestMeta},
    ServerError, ServerResult,
};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::Serialize;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use std::collections::{BTreeMap, BTreeSet};
use uuid::Uuid;

/// What a reconciliation run did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct ReconcileReport {
    /// Buildings looked at.
    pub buildings: u32,
    /// Building-days with money or an unpaid payout.
    pub days: u32,
    /// Payouts created or changed.
    pub payouts_written: u32,
    /// Rep commissions created, changed or withdrawn.
    pub commissions_written: u32,
}

fn rate(bp: i32) -> ServerResult<Rate> {
    u32::try_from(bp)
        .ok()
        .and_then(|bp| Rate::from_basis_points(bp).ok())
        .ok_or_else(|| ServerError::invariant(format!("rate of {bp} basis points")))
}

fn pricing(e: crate::domain::pricing::PricingError) -> ServerError {
    ServerError::unexpected("payout arithmetic", e)
}

/// Settles the last `lookback_days` local days before today (each building's own zone) of every
/// building: one payout per building and day with money, and the rep's commission where a rep
/// held the building that day.
pub async fn reconcile(pool: &PgPool, now: DateTime<Utc>, lookback_days: u32) -> ServerResult<ReconcileReport> {
    let buildings: Vec<(Uuid, String)> =
        sqlx::query_as("select id, time_zone from buildings order by id").fetch_all(pool).await?;
    let mut report = ReconcileReport::default();
    for (building, zone) in buildings {
        report.buildings += 1;
        let tz: chrono_tz::Tz = zone.parse().map_err(|_| ServerError::invariant(format!("time zone {zone}")))?;
        let today = now.with_timezone(&tz).date_naive();
        let last = today - Duration::days(1);
        let first = today - Duration::days(i64::from(lookback_days.max(1)));
        let days = bookings_by_day(pool, building, &zone, first, last, now).await?;
        let mut all_days: BTreeSet<NaiveDate> = days.keys().copied().collect();
        let unpaid: Vec<NaiveDate> = sqlx::query_scalar(
            "select local_date from payouts
              where building_id = $1 and local_date between $2 and $3 and status = 'calculated'",
        )
        .bind(building)
        .bind(first)
        .bind(last)
        .fetch_all(pool)
        .await?;
        all_days.extend(unpaid);
        for day in all_days {
            report.days += 1;
            let bookings = days.get(&day).map(Vec::as_slice).unwrap_or(&[]);
            let totals = settle(bookings).map_err(pricing)?;
            let (payout, commission) = settle_day(pool, building, day, &totals).await?;
            report.payouts_written += u32::from(payout);
            report.commissions_written += u32::from(commission);
        }
    }
    Ok(report)
}

/// A paid booking with what was refunded of it.
#[derive(Debug, sqlx::FromRow)]
struct DayBooking {
    /// The local date its block started.
    day: NaiveDate,
    amount_clp: Clp,
    refunded: Clp,
    commission_rate_bp: Rate,
}

/// The paid bookings of `building` whose block started between `first` and `last` (local
/// dates), grouped by that date.
async fn bookings_by_day(
    pool: &PgPool,
    building: Uuid,
    zone: &str,
    first: NaiveDate,
    last: NaiveDate,
    now: DateTime<Utc>,
) -> ServerResult<BTreeMap<NaiveDate, Vec<SettledBooking>>> {
    // The UTC bounds only let the index narrow the scan; the local date decides.
    let rows: Vec<DayBooking> = sqlx::query_as(
        "select (k.starts_at at time zone $2)::date as day, k.amount_clp,
                coalesce((select sum(r.amount_clp) from refunds r where r.booking_id = k.id), 0)::bigint as refunded,
                k.commission_rate_bp
           from bookings k
          where k.building_id = $1
            and k.payment_status in ('paid', 'refund_pending', 'refunded', 'partially_refunded')
            and k.starts_at >= $5 - make_interval(days => $6) and k.starts_at < $5
            and (k.starts_at at time zone $2)::date between $3 and $4",
    )
    .bind(building)
    .bind(zone)
    .bind(first)
    .bind(last)
    .bind(now)
    .bind(i32::try_from((now.date_naive() - first).num_days() + 2).unwrap_or(i32::MAX))
    .fetch_all(pool)
    .await?;
    let mut days: BTreeMap<NaiveDate, Vec<SettledBooking>> = BTreeMap::new();
    for b in rows {
        days.entry(b.day).or_default().push(SettledBooking {
            amount: b.amount_clp,
            refunded: b.refunded,
            commission_rate: b.commission_rate_bp,
        });
    }
    Ok(days)
}

/// Writes one building-day; returns whether the payout and the commission were written.
async fn settle_day(pool: &PgPool, building: Uuid, day: NaiveDate, totals: &PayoutTotals) -> ServerResult<(bool, bool)> {
    let mut tx = pool.begin().await?;
    let mut existing = lock_payout(&mut tx, building, day).await?;
    if existing.is_none() {
        if totals.bookings == 0 {
            return Ok((false, false));
        }
        // A racing instance may insert the same day first: then this one updates (or finds
        // nothing to change) like any rerun.
        sqlx::query(
            "insert into payouts (building_id, local_date) values ($1, $2)
             on conflict on constraint payouts_building_day_key do nothing",
        )
        .bind(building)
        .bind(day)
        .execute(&mut *tx)
        .await?;
        existing = lock_payout(&mut tx, building, day).await?;
    }
    let Some(current) = existing else {
        return Err(ServerError::invariant("payout row vanished"));
    };
    if current.status == "paid" {
        return Ok((false, false));
    }
    let fresh = current.bookings == 0 && current.gross == 0 && current.commission == 0;
    let changed = (current.bookings, current.gross, current.commission, current.share)
        != (i64::from(totals.bookings), totals.gross.pesos(), totals.platform_commission.pesos(), totals.building_share.pesos());
    let system = AuditActor::System;
    if changed {
        sqlx::query(
            "update payouts set bookings_count = $2, gross_clp = $3, platform_commission_clp = $4, building_share_clp = $5
              where id = $1",
        )
        .bind(current.id)
        .bind(i64::from(totals.bookings))
        .bind(totals.gross.pesos())
        .bind(totals.platform_commission.pesos())
        .bind(totals.building_share.pesos())
        .execute(&mut *tx)
        .await?;
        AuditEntry::new(&system, if fresh { "payout.calculated" } else { "payout.recalculated" })
            .on("payout", current.id)
            .building(building)
            .with(json!({
                "day": day.to_string(),
                "bookings": totals.bookings,
                "gross_clp": totals.gross.pesos(),
                "platform_commission_clp": totals.platform_commission.pesos(),
                "building_share_clp": totals.building_share.pesos(),
            }))
            .record(&mut tx, &RequestMeta::default())
            .await?;
    }
    let commission = settle_commission(&mut tx, building, day, current.id, totals).await?;
    tx.commit().await?;
    Ok((changed, commission))
}

/// A payout row as the reconciliation reads it.
#[derive(Debug, sqlx::FromRow)]
struct Current {
    id: Uuid,
    status: String,
    bookings: i64,
    gross: i64,
    commission: i64,
    share: i64,
}

async fn lock_payout(conn: &mut PgConnection, building: Uuid, day: NaiveDate) -> ServerResult<Option<Current>> {
    Ok(sqlx::query_as(
        "select id, status, bookings_count::bigint as bookings, gross_clp as gross,
                platform_commission_clp as commission, building_share_clp as share
           from payouts where building_id = $1 and local_date = $2 for update",
    )
    .bind(building)
    .bind(day)
    .fetch_optional(&mut *conn)
    .await?)
}

/// A payout's rep commission as stored, locked.
#[derive(Debug, sqlx::FromRow)]
struct RepCommission {
    id: Uuid,
    sales_rep_id: Uuid,
    rate_bp: i32,
    base_clp: i64,
    amount_clp: i64,
    status: String,
}

/// The rep's commission of an unpaid payout: the rep who held the building on `day` at their
/// rate then; withdrawn (if still unpaid) when nobody did or the day kept no money.
async fn settle_commission(
    conn: &mut PgConnection,
    building: Uuid,
    day: NaiveDate,
    payout: Uuid,
    totals: &PayoutTotals,
) -> ServerResult<bool> {
    let holder: Option<(Uuid, i32)> =
        sqlx::query_as("select sales_rep_id, rate_bp from sales_rep_assignments where building_id = $1 and valid @> $2::date")
            .bind(building)
            .bind(day)
            .fetch_optional(&mut *conn)
            .await?;
    let existing: Option<RepCommission> = sqlx::query_as(
        "select id, sales_rep_id, rate_bp, base_clp, amount_clp, status
           from sales_rep_commissions where payout_id = $1 for update",
    )
    .bind(payout)
    .fetch_optional(&mut *conn)
    .await?;
    if existing.as_ref().is_some_and(|e| e.status == "paid") {
        return Ok(false);
    }
    let system = AuditActor::System;
    let wanted = match holder {
        Some((rep, bp)) if totals.bookings > 0 => {
            let amount = rep_commission(totals, rate(bp)?).map_err(pricing)?;
            Some((rep, bp, totals.platform_commission.pesos(), amount.pesos()))
        }
        _ => None,
    };
    let have = existing.as_ref().map(|e| (e.sales_rep_id, e.rate_bp, e.base_clp, e.amount_clp));
    if have == wanted {
        return Ok(false);
    }
    let (action, rep, amount) = match (wanted, &existing) {
        (Some((rep, bp, base, amount)), _) => {
            sqlx::query(
                "insert into sales_rep_commissions (payout_id, building_id, sales_rep_id, rate_bp, base_clp, amount_clp)
                 values ($1, $2, $3, $4, $5, $6)
                 on conflict on constraint sales_rep_commissions_payout_key do update
                    set sales_rep_id = excluded.sales_rep_id, rate_bp = excluded.rate_bp,
                        base_clp = excluded.base_clp, amount_clp = excluded.amount_clp",
            )
            .bind(payout)
            .bind(building)
            .bind(rep)
            .bind(bp)
            .bind(base)
            .bind(amount)
            .execute(&mut *conn)
            .await?;
            ("commission.calculated", rep, amount)
        }
        (None, Some(e)) => {
            sqlx::query("delete from sales_rep_commissions where id = $1 and status = 'pending'")
                .bind(e.id)
                .execute(&mut *conn)
                .await?;
            ("commission.withdrawn", e.sales_rep_id, 0)
        }
        (None, None) => return Ok(false),
    };
    AuditEntry::new(&system, action)
        .on("payout", payout)
        .building(building)
        .with(json!({ "day": day.to_string(), "sales_rep_id": rep, "amount_clp": amount }))
        .record(conn, &RequestMeta::default())
        .await?;
    Ok(true)
}
