//! Pricing rules as search and the booking transaction read them, and the quote of a block.

use crate::domain::{
    money::Clp,
    pricing::{quote, Quote},
    pricing_rule::{applicable_rule, PricingRuleView},
    rate::{Multiplier, Rate},
};
use crate::ssr::{ServerError, ServerResult};
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

/// One active pricing rule as stored.
#[derive(Debug, sqlx::FromRow)]
struct RuleRow {
    id: Uuid,
    priority: i32,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    multiplier_bp: Multiplier,
    created_at: DateTime<Utc>,
}

/// Active pricing rules of a building that overlap `[from, to)`.
pub async fn rules(
    conn: &mut PgConnection,
    building_id: Uuid,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
) -> ServerResult<Vec<PricingRuleView<Uuid>>> {
    let rows: Vec<RuleRow> = sqlx::query_as(
        "select id, priority, starts_at, ends_at, multiplier_bp, created_at
           from pricing_rules
          where building_id = $1 and active and starts_at < $3 and ends_at > $2",
    )
    .bind(building_id)
    .bind(from)
    .bind(to)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| PricingRuleView {
            id: r.id,
            priority: r.priority,
            starts_at: r.starts_at,
            ends_at: r.ends_at,
            multiplier: r.multiplier_bp,
            active: true,
            created_at: r.created_at,
        })
        .collect())
}

/// The active pricing rules of a building as one row of arrays (one column per field), so a
/// statement that reads something else can bring the rules along in the same round trip.
#[derive(Debug, sqlx::FromRow)]
pub(super) struct RuleArrays {
    rule_ids: Vec<Uuid>,
    rule_priorities: Vec<i32>,
    rule_starts: Vec<DateTime<Utc>>,
    rule_ends: Vec<DateTime<Utc>>,
    rule_multipliers: Vec<Multiplier>,
    rule_created: Vec<DateTime<Utc>>,
}

impl RuleArrays {
    /// A subquery yielding the columns of [`RuleArrays`] for the rules of `building` (an SQL
    /// expression) that pass `filter` (over the alias `p`).
    pub(super) fn select(building: &str, filter: &str) -> String {
        format!(
            "select coalesce(array_agg(p.id), '{{}}') rule_ids, coalesce(array_agg(p.priority), '{{}}') rule_priorities,
                    coalesce(array_agg(p.starts_at), '{{}}') rule_starts, coalesce(array_agg(p.ends_at), '{{}}') rule_ends,
                    coalesce(array_agg(p.multiplier_bp), '{{}}') rule_multipliers,
                    coalesce(array_agg(p.created_at), '{{}}') rule_created
               from pricing_rules p where p.building_id = {building} and p.active and {filter}"
        )
    }

    /// The rules, checked.
    pub(super) fn into_views(self) -> ServerResult<Vec<PricingRuleView<Uuid>>> {
        let n = self.rule_ids.len();
        if [
            self.rule_priorities.len(),
            self.rule_starts.len(),
            self.rule_ends.len(),
            self.rule_multipliers.len(),
            self.rule_created.len(),
        ]
        .iter()
        .any(|len| *len != n)
        {
            return Err(ServerError::invariant("rule arrays of different lengths"));
        }
        Ok(self
            .rule_ids
            .into_iter()
            .zip(self.rule_priorities)
            .zip(self.rule_starts.into_iter().zip(self.rule_ends))
            .zip(self.rule_multipliers.into_iter().zip(self.rule_created))
            .map(|(((id, priority), (starts_at, ends_at)), (multiplier, created_at))| PricingRuleView {
                id,
                priority,
                starts_at,
                ends_at,
                multiplier,
                active: true,
                created_at,
            })
            .collect())
    }
}

/// The quote of a block with the building's rates and rules, and the rule that priced it.
pub fn price_block(
    rules: &[PricingRuleView<Uuid>],
    base: Clp,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    commission: Rate,
    sales_rep: Rate,
) -> ServerResult<(Quote, Option<Uuid>)> {
    let rule = applicable_rule(rules, start, end);
    let multiplier = rule.map_or(Multiplier::ONE, |r| r.multiplier);
    let q = quote(base, multiplier, commission, sales_rep).map_err(|e| ServerError::unexpected("quote", e))?;
    Ok((q, rule.map(|r| r.id)))
}
