//! The price of a block and how it splits between the platform, the building and the sales rep.
//!
//! Every step is exact integer arithmetic in `i128` (no float can turn 3.000 × 1,1 into 3.301), and
//! each rounding direction is part of the contract: the price and the platform commission round
//! up, the sales-rep commission rounds down.

use super::money::Clp;
use super::rate::{Multiplier, Rate};
use serde::{Deserialize, Serialize};

/// The platform commission a building pays unless its contract says otherwise (10 %).
pub const DEFAULT_COMMISSION_RATE: Rate = Rate::saturating_from_basis_points(1_000);
/// The share of the platform commission a sales rep earns by default (5 %).
pub const DEFAULT_SALES_REP_RATE: Rate = Rate::saturating_from_basis_points(500);

/// Basis points in one whole, the common denominator of multipliers and rates.
const UNIT: i128 = 10_000;

/// Everything the resident is charged and where the money goes, computed once so that search,
/// booking summary, payment page and booking all show the same number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Quote {
    /// The block's base price.
    pub base: Clp,
    /// The pricing-rule multiplier applied to the base.
    pub multiplier: Multiplier,
    /// What the resident pays: `ceil(base × multiplier)`.
    pub price: Clp,
    /// The platform's cut: `ceil(price × commission rate)`.
    pub platform_commission: Clp,
    /// What the building receives: `price − platform_commission`.
    pub building_share: Clp,
    /// The sales rep's cut of the platform commission: `floor(platform_commission × rep rate)`.
    pub sales_rep_commission: Clp,
}

/// Why a quote could not be computed; both cases mean corrupt input, not a user mistake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum PricingError {
    /// A negative base price.
    NegativeBase,
    /// The result does not fit in an `i64` of pesos.
    Overflow,
}

impl PricingError {
    /// The message shown when a price cannot be computed (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::NegativeBase => "El precio base no puede ser negativo.",
            Self::Overflow => "El precio es demasiado alto para calcularlo.",
        }
    }
}

/// Prices a block and splits the money.
///
/// Worked example from the contract: 10.000 at ×1 and 10 % gives a commission of 1.000, a building
/// share of 9.000, and a rep at 5 % gets 50.
pub fn quote(base: Clp, multiplier: Multiplier, commission: Rate, rep_rate: Rate) -> Result<Quote, PricingError> {
    let price = apply_multiplier(base, multiplier)?;
    let platform_commission = platform_commission(price, commission)?;
    let building_share = price.checked_sub(platform_commission).ok_or(PricingError::Overflow)?;
    let sales_rep_commission = sales_rep_commission(platform_commission, rep_rate)?;
    Ok(Quote { base, multiplier, price, platform_commission, building_share, sales_rep_commission })
}

/// `ceil(base × multiplier)`: what the resident pays.
pub fn apply_multiplier(base: Clp, multiplier: Multiplier) -> Result<Clp, PricingError> {
    scale(base, multiplier.basis_points(), Rounding::Up)
}

/// `ceil(price × rate)`: the platform's commission on a price.
pub fn platform_commission(price: Clp, rate: Rate) -> Result<Clp, PricingError> {
    scale(price, rate.basis_points(), Rounding::Up)
}

/// `floor(platform_commission × rate)`: the sales rep's commission.
///
/// Public on its own because reconciliation applies it to a payout's total commission, not to
/// each booking. A rate of 0 % yields 0.
pub fn sales_rep_commission(platform_commission: Clp, rate: Rate) -> Result<Clp, PricingError> {
    scale(platform_commission, rate.basis_points(), Rounding::Down)
}

/// Direction of the single rounding step of [`scale`].
#[derive(Clone, Copy)]
enum Rounding {
    Up,
    Down,
}

/// `amount × basis_points / 10_000`, rounded once in the given direction.
fn scale(amount: Clp, basis_points: u32, rounding: Rounding) -> Result<Clp, PricingError> {
    if amount.pesos() < 0 {
        return Err(PricingError::NegativeBase);
    }
    // i64 × u32 always fits in i128, so only the final narrowing can fail.
    let product = i128::from(amount.pesos()) * i128::from(basis_points);
    let scaled = match rounding {
        Rounding::Up => (product + UNIT - 1) / UNIT,
        Rounding::Down => product / UNIT,
    };
    i64::try_from(scaled).map(Clp::new).map_err(|_| PricingError::Overflow)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn m(s: &str) -> Multiplier {
        Multiplier::parse(s).unwrap_or(Multiplier::ONE)
    }

    fn r(s: &str) -> Rate {
        Rate::parse(s).unwrap_or(Rate::ZERO)
    }

    #[test]
    fn defaults_are_ten_and_five_percent() {
        assert_eq!(DEFAULT_COMMISSION_RATE.basis_points(), 1_000);
        assert_eq!(DEFAULT_SALES_REP_RATE.basis_points(), 500);
    }

    #[test]
    fn worked_example_from_the_contract() {
        let q = quote(Clp::new(10_000), Multiplier::ONE, r("10"), r("5"));
        assert_eq!(
            q,
            Ok(Quote {
                base: Clp::new(10_000),
                multiplier: Multiplier::ONE,
                price: Clp::new(10_000),
                platform_commission: Clp::new(1_000),
                building_share: Clp::new(9_000),
                sales_rep_commission: Clp::new(50),
            })
        );
    }

    #[test]
    fn multiplier_is_exact_not_float() {
        assert_eq!(apply_multiplier(Clp::new(3_000), m("1,1")), Ok(Clp::new(3_300)));
        assert_eq!(apply_multiplier(Clp::new(5_000), m("1,2")), Ok(Clp::new(6_000)));
        assert_eq!(apply_multiplier(Clp::new(5_000), m("0,85")), Ok(Clp::new(4_250)));
        assert_eq!(apply_multiplier(Clp::new(4_999), m("1,1")), Ok(Clp::new(5_499)));
        assert_eq!(apply_multiplier(Clp::new(1), m("0,0001")), Ok(Clp::new(1)));
        assert_eq!(apply_multiplier(Clp::new(0), m("10")), Ok(Clp::new(0)));
    }

    #[test]
    fn commission_rounds_up() {
        assert_eq!(platform_commission(Clp::new(12_345), r("10")), Ok(Clp::new(1_235)));
        assert_eq!(platform_commission(Clp::new(1_555), r("10")), Ok(Clp::new(156)));
        let q = quote(Clp::new(12_345), Multiplier::ONE, r("10"), r("5"));
        assert_eq!(q.map(|q| (q.building_share, q.sales_rep_commission)), Ok((Clp::new(11_110), Clp::new(61))));
    }

    #[test]
    fn rep_rate_zero_means_zero() {
        let q = quote(Clp::new(10_000), Multiplier::ONE, r("10"), Rate::ZERO);
        assert_eq!(q.map(|q| q.sales_rep_commission), Ok(Clp::ZERO));
        assert_eq!(sales_rep_commission(Clp::new(999), r("5")), Ok(Clp::new(49)));
    }

    #[test]
    fn refuses_corrupt_input() {
        assert_eq!(quote(Clp::new(-1), Multiplier::ONE, r("10"), r("5")), Err(PricingError::NegativeBase));
        assert_eq!(apply_multiplier(Clp::new(i64::MAX), m("2")), Err(PricingError::Overflow));
    }

    proptest! {
        #[test]
        fn quote_invariants(
            base in 0i64..=1_000_000_000_000,
            mult in 1u32..=100_000,
            commission in 0u32..=10_000,
            rep in 0u32..=10_000,
        ) {
            let multiplier = Multiplier::from_basis_points(mult).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let commission = Rate::from_basis_points(commission).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let rep = Rate::from_basis_points(rep).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let q = quote(Clp::new(base), multiplier, commission, rep).map_err(|e| TestCaseError::fail(e.to_string()))?;
            let (b, p, c, s, rc) = (
                i128::from(base),
                i128::from(q.price.pesos()),
                i128::from(q.platform_commission.pesos()),
                i128::from(q.building_share.pesos()),
                i128::from(q.sales_rep_commission.pesos()),
            );
            // price is the least integer with price × 10_000 ≥ base × bp.
            prop_assert!(p * 10_000 >= b * i128::from(mult));
            prop_assert!((p - 1) * 10_000 < b * i128::from(mult));
            // commission likewise rounds up, rep commission rounds down.
            prop_assert!(c * 10_000 >= p * i128::from(commission.basis_points()));
            prop_assert!(c == 0 || (c - 1) * 10_000 < p * i128::from(commission.basis_points()));
            prop_assert!(rc * 10_000 <= c * i128::from(rep.basis_points()));
            prop_assert!((rc + 1) * 10_000 > c * i128::from(rep.basis_points()));
            prop_assert_eq!(c + s, p);
            prop_assert!(s >= 0 && rc <= c);
        }

        #[test]
        fn multiplier_one_keeps_base(base in 0i64..=i64::MAX) {
            prop_assert_eq!(apply_multiplier(Clp::new(base), Multiplier::ONE), Ok(Clp::new(base)));
        }
    }
}
