//! What a building is paid for a day, and what its sales rep earns on it.
//!
//! A payout covers the bookings whose block started on that local day and on which money was
//! kept. A booking refunded in part counts with what was kept (price minus refunds), and the
//! platform commission is recomputed on that kept amount with the booking's own rate, so a
//! late cancellation that kept nothing adds nothing, and an untouched booking adds exactly the
//! split stored on it. The sales rep's commission is taken once, on the day's total platform
//! commission (PRODUCT.md §3), never per booking: flooring per booking would shave a peso off
//! the rep for almost every booking.

use super::money::Clp;
use super::pricing::{platform_commission, sales_rep_commission, PricingError};
use super::rate::Rate;
use serde::{Deserialize, Serialize};

/// One paid booking as the reconciliation sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SettledBooking {
    /// What the resident paid.
    pub amount: Clp,
    /// What was (or is being) given back; more than the amount counts as the whole amount.
    pub refunded: Clp,
    /// The building's commission rate when the booking was made.
    pub commission_rate: Rate,
}

/// A day's totals for one building.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct PayoutTotals {
    /// Bookings that kept money.
    pub bookings: u32,
    /// Money kept from them.
    pub gross: Clp,
    /// The platform's part of `gross`.
    pub platform_commission: Clp,
    /// The building's part of `gross`: `gross − platform_commission`.
    pub building_share: Clp,
}

/// Sums a day's bookings into a payout.
pub fn settle(bookings: &[SettledBooking]) -> Result<PayoutTotals, PricingError> {
    let mut totals = PayoutTotals::default();
    for b in bookings {
        if b.amount.pesos() < 0 || b.refunded.pesos() < 0 {
            return Err(PricingError::NegativeBase);
        }
        let kept = Clp::new(b.amount.pesos() - b.refunded.pesos().min(b.amount.pesos()));
        if kept == Clp::ZERO {
            continue;
        }
        let commission = platform_commission(kept, b.commission_rate)?;
        let share = kept.checked_sub(commission).ok_or(PricingError::Overflow)?;
        totals.bookings = totals.bookings.checked_add(1).ok_or(PricingError::Overflow)?;
        totals.gross = totals.gross.checked_add(kept).ok_or(PricingError::Overflow)?;
        totals.platform_commission = totals.platform_commission.checked_add(commission).ok_or(PricingError::Overflow)?;
        totals.building_share = totals.building_share.checked_add(share).ok_or(PricingError::Overflow)?;
    }
    Ok(totals)
}

/// The sales rep's commission on a payout: `floor(platform commission × rate)`.
pub fn rep_commission(totals: &PayoutTotals, rate: Rate) -> Result<Clp, PricingError> {
    sales_rep_commission(totals.platform_commission, rate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn booking(amount: i64, refunded: i64, rate_bp: u32) -> SettledBooking {
        SettledBooking {
            amount: Clp::new(amount),
            refunded: Clp::new(refunded),
            commission_rate: Rate::saturating_from_basis_points(rate_bp),
        }
    }

    #[test]
    fn the_worked_example_of_the_contract() {
        // 10.000 at 10 %: commission 1.000, building 9.000; a rep at 5 % gets 50.
        let t = settle(&[booking(10_000, 0, 1_000)]).unwrap();
        assert_eq!(
            t,
            PayoutTotals {
                bookings: 1,
                gross: Clp::new(10_000),
                platform_commission: Clp::new(1_000),
                building_share: Clp::new(9_000),
            }
        );
        assert_eq!(rep_commission(&t, Rate::saturating_from_basis_points(500)), Ok(Clp::new(50)));
        assert_eq!(rep_commission(&t, Rate::ZERO), Ok(Clp::ZERO));
    }

    #[test]
    fn refunds_reduce_what_is_kept_and_a_full_refund_counts_nothing() {
        // A resident cancelling early keeps 10 % of 5.000 with the platform: 500 kept, 50 commission.
        let t = settle(&[booking(5_000, 4_500, 1_000), booking(3_000, 3_000, 1_000), booking(3_300, 9_999, 1_000)]).unwrap();
        assert_eq!(
            (t.bookings, t.gross, t.platform_commission, t.building_share),
            (1, Clp::new(500), Clp::new(50), Clp::new(450))
        );
    }

    #[test]
    fn the_rep_commission_is_floored_once_on_the_total() {
        // Three bookings of 3.300 at 10 % → 330 each, 990 in all; 5 % of 990 = 49,5 → 49.
        let t = settle(&[booking(3_300, 0, 1_000); 3]).unwrap();
        assert_eq!(t.platform_commission, Clp::new(990));
        assert_eq!(rep_commission(&t, Rate::saturating_from_basis_points(500)), Ok(Clp::new(49)));
    }

    #[test]
    fn negative_amounts_are_refused() {
        assert_eq!(settle(&[booking(-1, 0, 1_000)]), Err(PricingError::NegativeBase));
    }

    proptest! {
        #[test]
        fn totals_always_split_exactly(
            rows in proptest::collection::vec((0i64..2_000_000, 0i64..2_000_000, 0u32..=10_000), 0..40),
            rep in 0u32..=10_000,
        ) {
            let bookings: Vec<_> = rows.iter().map(|&(a, r, bp)| booking(a, r, bp)).collect();
            let t = settle(&bookings).unwrap();
            prop_assert_eq!(t.gross.pesos(), t.platform_commission.pesos() + t.building_share.pesos());
            prop_assert!(t.building_share.pesos() >= 0);
            let kept: i64 = rows.iter().map(|&(a, r, _)| a - r.min(a)).sum();
            prop_assert_eq!(t.gross.pesos(), kept);
            let c = rep_commission(&t, Rate::saturating_from_basis_points(rep)).unwrap();
            prop_assert!(c.pesos() >= 0 && c.pesos() <= t.platform_commission.pesos());
        }
    }
}
