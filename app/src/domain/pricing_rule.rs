//! Which pricing rule sets the multiplier of a block.
//!
//! Rules do not stack: exactly one rule (or none) decides, and the choice must not depend on the
//! order the database happened to return the rules in (the old system's ties did).

use super::rate::Multiplier;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// The fields of a building's pricing rule that matter for choosing a multiplier.
///
/// Generic over the id type so the server can use its database ids and the browser plain strings.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct PricingRuleView<Id> {
    /// The rule's id, returned so callers can tell which rule priced a block.
    pub id: Id,
    /// Higher wins.
    pub priority: i32,
    /// Start of the period the rule covers.
    pub starts_at: DateTime<Utc>,
    /// End of the period the rule covers.
    pub ends_at: DateTime<Utc>,
    /// The multiplier the rule applies.
    pub multiplier: Multiplier,
    /// Inactive rules are kept for history but never apply.
    pub active: bool,
    /// Breaks priority ties: the most recently created rule wins.
    pub created_at: DateTime<Utc>,
}

impl<Id> PricingRuleView<Id> {
    /// Whether the rule is active and its period overlaps `[block_start, block_end)`.
    ///
    /// Touching is not overlapping: a rule ending exactly when the block starts does not apply.
    /// A rule whose end is not after its start covers nothing.
    pub fn applies_to(&self, block_start: DateTime<Utc>, block_end: DateTime<Utc>) -> bool {
        self.active && self.starts_at < self.ends_at && self.starts_at < block_end && self.ends_at > block_start
    }
}

/// The rule that prices the block: the applicable rule with the highest priority, then the most
/// recently created; among exact twins, the lower multiplier (the resident's benefit), so the
/// answer never depends on the order of `rules`.
pub fn applicable_rule<Id>(
    rules: &[PricingRuleView<Id>],
    block_start: DateTime<Utc>,
    block_end: DateTime<Utc>,
) -> Option<&PricingRuleView<Id>> {
    rules.iter().filter(|rule| rule.applies_to(block_start, block_end)).max_by(|a, b| {
        a.priority
            .cmp(&b.priority)
            .then(a.created_at.cmp(&b.created_at))
            .then(b.multiplier.cmp(&a.multiplier))
    })
}

/// The multiplier for a block: that of [`applicable_rule`], or ×1 when no rule applies.
pub fn effective_multiplier<Id>(
    rules: &[PricingRuleView<Id>],
    block_start: DateTime<Utc>,
    block_end: DateTime<Utc>,
) -> Multiplier {
    applicable_rule(rules, block_start, block_end).map_or(Multiplier::ONE, |rule| rule.multiplier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{TimeDelta, TimeZone};
    use proptest::prelude::*;

    fn at(hour: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 0, 0, 0).single().unwrap_or_default() + TimeDelta::hours(hour)
    }

    fn mult(bp: u32) -> Multiplier {
        Multiplier::from_basis_points(bp).unwrap_or(Multiplier::ONE)
    }

    fn rule(id: u32, priority: i32, from: i64, to: i64, bp: u32, created: i64) -> PricingRuleView<u32> {
        PricingRuleView {
            id,
            priority,
            starts_at: at(from),
            ends_at: at(to),
            multiplier: mult(bp),
            active: true,
            created_at: at(created - 1_000),
        }
    }

    #[test]
    fn no_rule_means_one() {
        assert_eq!(effective_multiplier::<u32>(&[], at(8), at(19)), Multiplier::ONE);
    }

    #[test]
    fn highest_priority_overlapping_rule_wins() {
        let rules = [
            rule(1, 1, 0, 24, 12_000, 0),
            rule(2, 5, 0, 24, 15_000, 0),
            rule(3, 9, 30, 40, 20_000, 0), // higher but does not overlap
        ];
        assert_eq!(applicable_rule(&rules, at(8), at(19)).map(|r| r.id), Some(2));
        assert_eq!(effective_multiplier(&rules, at(8), at(19)), mult(15_000));
    }

    #[test]
    fn ties_go_to_the_most_recent_rule() {
        let rules = [rule(1, 5, 0, 24, 12_000, 10), rule(2, 5, 0, 24, 13_000, 20), rule(3, 5, 0, 24, 11_000, 5)];
        assert_eq!(applicable_rule(&rules, at(8), at(19)).map(|r| r.id), Some(2));
    }

    #[test]
    fn touching_is_not_overlapping() {
        let ends_at_start = [rule(1, 1, 0, 8, 12_000, 0)];
        let starts_at_end = [rule(1, 1, 19, 30, 12_000, 0)];
        assert_eq!(effective_multiplier(&ends_at_start, at(8), at(19)), Multiplier::ONE);
        assert_eq!(effective_multiplier(&starts_at_end, at(8), at(19)), Multiplier::ONE);
        let partial = [rule(1, 1, 18, 30, 12_000, 0)];
        assert_eq!(effective_multiplier(&partial, at(8), at(19)), mult(12_000));
    }

    #[test]
    fn inactive_and_inverted_rules_never_apply() {
        let mut inactive = rule(1, 9, 0, 24, 20_000, 0);
        inactive.active = false;
        let inverted = rule(2, 9, 24, 0, 20_000, 0);
        assert_eq!(effective_multiplier(&[inactive, inverted], at(8), at(19)), Multiplier::ONE);
    }

    fn arb_rule() -> impl Strategy<Value = PricingRuleView<u32>> {
        (any::<u32>(), -3i32..3, -48i64..48, 0i64..48, 1u32..=100_000, 0i64..5, any::<bool>()).prop_map(
            |(id, priority, from, len, bp, created, active)| {
                let mut r = rule(id, priority, from, from + len, bp, created);
                r.active = active;
                r
            },
        )
    }

    proptest! {
        #[test]
        fn choice_ignores_order(mut rules in proptest::collection::vec(arb_rule(), 0..8), start in -24i64..24, len in 1i64..24) {
            let expected = effective_multiplier(&rules, at(start), at(start + len));
            rules.reverse();
            prop_assert_eq!(effective_multiplier(&rules, at(start), at(start + len)), expected);
            let half = rules.len() / 2;
            rules.rotate_left(half);
            prop_assert_eq!(effective_multiplier(&rules, at(start), at(start + len)), expected);
        }

        #[test]
        fn chosen_rule_dominates_all_applicable(rules in proptest::collection::vec(arb_rule(), 0..8), start in -24i64..24, len in 1i64..24) {
            let (s, e) = (at(start), at(start + len));
            match applicable_rule(&rules, s, e) {
                None => prop_assert!(rules.iter().all(|r| !r.applies_to(s, e))),
                Some(best) => {
                    prop_assert!(best.applies_to(s, e));
                    for r in rules.iter().filter(|r| r.applies_to(s, e)) {
                        prop_assert!((r.priority, r.created_at) <= (best.priority, best.created_at));
                    }
                }
            }
        }
    }
}
