//! SQL of the payouts: the daily reconciliation, the listing, and marking payouts and rep
//! commissions paid.
//!
//! The reconciliation is safe to run on several instances at once (the job runner's advisory
//! lock normally keeps it to one, and an admin can also start it from the screen): each
//! building-day is settled in its own transaction that first locks the payout row, a new row is
//! inserted with `on conflict do nothing` and then locked, and a row already paid is never
//! touched again. A rerun that finds nothing new writes nothing, not even an audit row.

use super::{status_label, PayoutListing, PayoutRow, RepShare};
use crate::admin::scope;
use crate::domain::money::Clp;
use crate::domain::payout::{rep_commission, settle, PayoutTotals, SettledBooking};
use crate::domain::rate::Rate;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditActor, AuditEntry, RequestMeta},
    ServerError, ServerResult,
};
use crate::ui::pager::{self, Page};
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
    let rows: Vec<(NaiveDate, i64, i64, i32)> = sqlx::query_as(
        "select (k.starts_at at time zone $2)::date, k.amount_clp,
                coalesce((select sum(r.amount_clp) from refunds r where r.booking_id = k.id), 0)::bigint,
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
    for (day, amount, refunded, bp) in rows {
        days.entry(day).or_default().push(SettledBooking {
            amount: Clp::new(amount),
            refunded: Clp::new(refunded),
            commission_rate: rate(bp)?,
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
        .bind(i32::try_from(totals.bookings).unwrap_or(i32::MAX))
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
struct Current {
    id: Uuid,
    status: String,
    bookings: i64,
    gross: i64,
    commission: i64,
    share: i64,
}

async fn lock_payout(conn: &mut PgConnection, building: Uuid, day: NaiveDate) -> ServerResult<Option<Current>> {
    let row: Option<(Uuid, String, i32, i64, i64, i64)> = sqlx::query_as(
        "select id, status, bookings_count, gross_clp, platform_commission_clp, building_share_clp
           from payouts where building_id = $1 and local_date = $2 for update",
    )
    .bind(building)
    .bind(day)
    .fetch_optional(&mut *conn)
    .await?;
    Ok(row.map(|(id, status, bookings, gross, commission, share)| Current {
        id,
        status,
        bookings: i64::from(bookings),
        gross,
        commission,
        share,
    }))
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
    let existing: Option<(Uuid, Uuid, i32, i64, i64, String)> = sqlx::query_as(
        "select id, sales_rep_id, rate_bp, base_clp, amount_clp, status
           from sales_rep_commissions where payout_id = $1 for update",
    )
    .bind(payout)
    .fetch_optional(&mut *conn)
    .await?;
    if existing.as_ref().is_some_and(|e| e.5 == "paid") {
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
    let have = existing.as_ref().map(|e| (e.1, e.2, e.3, e.4));
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
                .bind(e.0)
                .execute(&mut *conn)
                .await?;
            ("commission.withdrawn", e.1, 0)
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
    let page = Page::new(page);
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
    .bind(page.limit())
    .bind(page.offset())
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
    let pages = page.pages(pager::total(total));
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
        page: page.number(),
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
    AuditEntry::new(&actor.audit(), "payout.paid")
        .on("payout", id)
        .building(building)
        .with(json!({ "day": day.to_string(), "building_share_clp": share, "reference": reference }))
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
    AuditEntry::new(&actor.audit(), "commission.paid")
        .on("sales_rep_commission", id)
        .building(building)
        .with(json!({ "sales_rep_id": rep, "amount_clp": amount, "reference": reference }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
