//! Shares and rates of the dashboards and analytics (occupancy, no-show and cancellation rates),
//! exact in basis points.

use super::rate::Rate;

/// `part` of `whole` as a rate, rounded half up to the basis point (0,01 %); `None` when
/// `whole` is zero (no data is not 0 %). A part larger than the whole counts as 100 %.
pub fn share(part: u64, whole: u64) -> Option<Rate> {
    if whole == 0 {
        return None;
    }
    let part = u128::from(part.min(whole));
    let whole = u128::from(whole);
    let bp = (part * 10_000 + whole / 2) / whole;
    Some(Rate::saturating_from_basis_points(u32::try_from(bp).unwrap_or(10_000)))
}

/// "12,5 %", or "—" when there is nothing to divide by.
pub fn share_label(rate: Option<Rate>) -> String {
    rate.map_or_else(|| "—".to_string(), |r| r.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn shares_round_half_up_to_the_basis_point() {
        assert_eq!(share(0, 0), None);
        assert_eq!(share(0, 5).map(Rate::basis_points), Some(0));
        assert_eq!(share(1, 2).map(Rate::basis_points), Some(5_000));
        assert_eq!(share(1, 3).map(Rate::basis_points), Some(3_333));
        assert_eq!(share(2, 3).map(Rate::basis_points), Some(6_667));
        assert_eq!(share(7, 5).map(Rate::basis_points), Some(10_000));
        assert_eq!(share_label(share(1, 8)), "12,5 %");
        assert_eq!(share_label(None), "—");
    }

    proptest! {
        #[test]
        fn shares_stay_between_0_and_100_percent(part in any::<u64>(), whole in 1u64..) {
            let bp = share(part, whole).map(Rate::basis_points);
            prop_assert!(bp.is_some_and(|bp| bp <= 10_000));
            if part >= whole {
                prop_assert_eq!(bp, Some(10_000));
            }
        }
    }
}
