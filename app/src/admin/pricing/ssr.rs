//! SQL of the pricing screen.

use super::{PreviewRow, PricingListing, RuleRow, PREVIEW_DAYS};
use crate::admin::scope;
use crate::booking::ssr::{price_block, rules};
use crate::domain::{
    format::long_date,
    money::Clp,
    rate::{Multiplier, Rate},
    schedule::{dates_in_horizon, local_date, resolve_local, BlockTemplate},
};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    ServerError, ServerResult,
};
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::{PgPool, Row};
use uuid::Uuid;

/// A rule as typed in the form, parsed.
#[derive(Debug, Clone)]
pub struct RuleInput {
    /// Name, 1–100 characters.
    pub name: String,
    /// Priority.
    pub priority: i32,
    /// First local day.
    pub first_day: NaiveDate,
    /// Last local day (inclusive).
    pub last_day: NaiveDate,
    /// Multiplier.
    pub multiplier: Multiplier,
}

/// `[first_day 00:00, last_day + 1 00:00)` in the building's zone, as instants.
pub fn rule_period(tz: Tz, first: NaiveDate, last: NaiveDate) -> ServerResult<(DateTime<Utc>, DateTime<Utc>)> {
    let start = resolve_local(tz, first.and_time(NaiveTime::MIN));
    let end = resolve_local(tz, (last + Duration::days(1)).and_time(NaiveTime::MIN));
    match (start, end) {
        (Some(s), Some(e)) if s < e => Ok((s, e)),
        _ => Err(ServerError::invariant("rule period")),
    }
}

/// An active template, as the preview prices it.
#[derive(sqlx::FromRow)]
struct ActiveTemplate {
    name: String,
    start_local: NaiveTime,
    duration_minutes: i32,
    base_price_clp: Clp,
}

/// The effective prices of every active template of `building_id` for `days` days from the
/// building's today: the same rules query and `price_block` the booking transaction uses.
pub async fn preview(pool: &PgPool, building_id: Uuid, now: DateTime<Utc>, days: u32) -> ServerResult<Vec<PreviewRow>> {
    let (zone, commission, sales_rep): (String, Rate, Rate) =
        sqlx::query_as("select time_zone, commission_rate_bp, sales_rep_rate_bp from buildings where id = $1")
            .bind(building_id)
            .fetch_optional(pool)
            .await?
            .ok_or(AppError::NotFound)?;
    let tz: Tz = zone.parse().map_err(|_| ServerError::invariant(format!("time zone {zone}")))?;
    let templates: Vec<ActiveTemplate> = sqlx::query_as(
        "select name, start_local, duration_minutes, base_price_clp from block_templates
          where building_id = $1 and active order by sort_order, start_local, name",
    )
    .bind(building_id)
    .fetch_all(pool)
    .await?;
    let today = local_date(now, tz);
    let mut windows = Vec::new();
    for date in dates_in_horizon(today, days) {
        for t in &templates {
            let template = BlockTemplate {
                name: t.name.clone(),
                start_local: t.start_local,
                duration_minutes: u32::try_from(t.duration_minutes).unwrap_or(0),
            };
            if let Ok((start, end)) = template.window(date, tz) {
                windows.push((date, t.name.clone(), start, end, t.base_price_clp));
            }
        }
    }
    let (Some(from), Some(to)) = (windows.iter().map(|w| w.2).min(), windows.iter().map(|w| w.3).max()) else {
        return Ok(Vec::new());
    };
    let mut conn = pool.acquire().await?;
    let rules = rules(&mut conn, building_id, from, to).await?;
    let names: std::collections::HashMap<Uuid, String> =
        sqlx::query_as::<_, (Uuid, String)>("select id, name from pricing_rules where building_id = $1")
            .bind(building_id)
            .fetch_all(&mut *conn)
            .await?
            .into_iter()
            .collect();
    windows
        .into_iter()
        .map(|(date, template, start, end, base)| {
            let (q, rule) = price_block(&rules, base, start, end, commission, sales_rep)?;
            Ok(PreviewRow {
                day: long_date(date),
                date: date.to_string(),
                template,
                base: q.base.to_string(),
                multiplier: q.multiplier.to_string(),
                effective: q.price.to_string(),
                rule: rule.and_then(|id| names.get(&id).cloned()),
            })
        })
        .collect()
}

/// A pricing rule of the building, as stored.
#[derive(sqlx::FromRow)]
struct StoredRule {
    id: Uuid,
    name: String,
    priority: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    multiplier_bp: i32,
    active: bool,
}

/// The screen's data for `building_id`.
pub async fn listing(pool: &PgPool, actor: &Actor, building_id: Uuid, now: DateTime<Utc>) -> ServerResult<PricingListing> {
    actor.require_building(building_id)?;
    let tz = scope::building_zone(pool, building_id).await?;
    let screen = scope::building_screen(pool, actor, building_id).await?;
    let rows: Vec<StoredRule> = sqlx::query_as(
        "select id, name, priority, starts_at, ends_at, multiplier_bp, active from pricing_rules
          where building_id = $1 order by active desc, starts_at desc, created_at desc",
    )
    .bind(building_id)
    .fetch_all(pool)
    .await?;
    let rules = rows
        .into_iter()
        .map(|r| {
            let first = local_date(r.starts_at, tz);
            let last = local_date(r.ends_at - Duration::seconds(1), tz);
            let bp = r.multiplier_bp;
            let multiplier = u32::try_from(bp).ok().and_then(|bp| Multiplier::from_basis_points(bp).ok());
            RuleRow {
                id: r.id.to_string(),
                name: r.name,
                priority: r.priority,
                first_day: first.to_string(),
                last_day: last.to_string(),
                range: format!("{} al {}", first.format("%d-%m-%Y"), last.format("%d-%m-%Y")),
                multiplier: multiplier.map_or_else(|| bp.to_string(), |m| m.decimal()),
                active: r.active,
            }
        })
        .collect();
    Ok(PricingListing { screen, rules, preview: preview(pool, building_id, now, PREVIEW_DAYS).await? })
}

/// Creates a rule (`rule_id` `None`) or edits one of `building_id`.
pub async fn save(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    rule_id: Option<Uuid>,
    input: &RuleInput,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    scope::require_writer_of(actor, building_id)?;
    let tz = scope::building_zone(pool, building_id).await?;
    let (starts_at, ends_at) = rule_period(tz, input.first_day, input.last_day)?;
    let bp = i32::try_from(input.multiplier.basis_points()).map_err(|_| ServerError::invariant("multiplier"))?;
    let mut tx = pool.begin().await?;
    // Both statements take the rule's building and fields as `$1` to `$6`.
    let rule = move |sql: &'static str| {
        sqlx::query(sql)
            .bind(building_id)
            .bind(&input.name)
            .bind(input.priority)
            .bind(starts_at)
            .bind(ends_at)
            .bind(bp)
    };
    let (id, action) = match rule_id {
        None => {
            let row = rule(
                "insert into pricing_rules (building_id, name, priority, starts_at, ends_at, multiplier_bp, created_by)
                 values ($1, $2, $3, $4, $5, $6, $7) returning id",
            )
            .bind(actor.id)
            .fetch_one(&mut *tx)
            .await?;
            (row.try_get::<Uuid, _>("id")?, "pricing_rule.created")
        }
        Some(id) => {
            let updated = rule(
                "update pricing_rules set name = $2, priority = $3, starts_at = $4, ends_at = $5, multiplier_bp = $6
                  where building_id = $1 and id = $7",
            )
            .bind(id)
            .execute(&mut *tx)
            .await?;
            if updated.rows_affected() == 0 {
                return Err(AppError::NotFound.into());
            }
            (id, "pricing_rule.updated")
        }
    };
    AuditEntry::new(&actor.audit(), action)
        .on("pricing_rule", id)
        .building(building_id)
        .with(json!({
            "name": input.name, "priority": input.priority, "multiplier_bp": bp,
            "first_day": input.first_day, "last_day": input.last_day,
        }))
        .commit(tx, meta)
        .await?;
    Ok(id)
}

/// The building of a rule, "not found" outside `actor`'s scope.
pub async fn rule_building(pool: &PgPool, actor: &Actor, rule_id: Uuid) -> ServerResult<Uuid> {
    let building: Option<Uuid> = sqlx::query_scalar("select building_id from pricing_rules where id = $1")
        .bind(rule_id)
        .fetch_optional(pool)
        .await?;
    let building = building.ok_or(AppError::NotFound)?;
    actor.require_building(building)?;
    Ok(building)
}

/// Deactivates a rule (kept for history; bookings already made keep their price).
pub async fn deactivate(pool: &PgPool, actor: &Actor, rule_id: Uuid, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&scope::WRITERS)?;
    let building = rule_building(pool, actor, rule_id).await?;
    let mut tx = pool.begin().await?;
    let done = sqlx::query("update pricing_rules set active = false where id = $1 and active")
        .bind(rule_id)
        .execute(&mut *tx)
        .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::Conflict("La regla ya estaba desactivada.".into()).into());
    }
    AuditEntry::new(&actor.audit(), "pricing_rule.deactivated")
        .on("pricing_rule", rule_id)
        .building(building)
        .commit(tx, meta)
        .await?;
    Ok(())
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
