//! How much of a paid booking is given back when it is cancelled.
//!
//! The policy is shown to the resident before they confirm a cancellation, so it is a pure
//! function of who cancels, when, and how much was paid.

use super::money::Clp;
use super::rate::Rate;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

/// A resident cancelling more than this long before the start gets a partial refund.
pub const FREE_CANCELLATION_NOTICE: TimeDelta = TimeDelta::hours(24);
/// The share refunded to a resident who cancels in time (90 %).
pub const EARLY_CANCELLATION_REFUND: Rate = Rate::saturating_from_basis_points(9_000);

/// Who cancels a booking; staff (building admin, support, admin) always refund in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Canceller {
    /// The resident who booked.
    Resident,
    /// Staff acting on the booking's building.
    Staff,
}

/// Which rule of the policy decided the refund.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundReason {
    /// Staff cancelled: full refund.
    StaffCancellation,
    /// The resident cancelled more than 24 h before the start: 90 %.
    EarlyCancellation,
    /// The resident cancelled 24 h or less before the start, or after it: nothing.
    LateCancellation,
}

impl RefundReason {
    /// The value stored in the database and audit metadata.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::StaffCancellation => "staff_cancellation",
            Self::EarlyCancellation => "early_cancellation",
            Self::LateCancellation => "late_cancellation",
        }
    }

    /// The explanation shown before and after cancelling (es-CL).
    pub const fn label_es(self) -> &'static str {
        match self {
            Self::StaffCancellation => "Cancelada por la administración: se reembolsa el total.",
            Self::EarlyCancellation => "Cancelación con más de 24 horas de anticipación: se reembolsa el 90 %.",
            Self::LateCancellation => "Cancelación con 24 horas o menos de anticipación: no hay reembolso.",
        }
    }
}

/// The outcome of the refund policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Refund {
    /// Pesos to give back, rounded down.
    pub amount: Clp,
    /// The share of the paid amount refunded (shown as `90 %`).
    pub percent: Rate,
    /// The rule that applied.
    pub reason: RefundReason,
}

/// Applies the cancellation policy.
///
/// `paid` is what the gateway actually captured (zero for an unpaid booking, which therefore
/// refunds zero). "More than 24 h" is strict: exactly 24 h before the start is already late.
pub fn refund_amount(paid: Clp, canceller: Canceller, block_start: DateTime<Utc>, now: DateTime<Utc>) -> Refund {
    let (percent, reason) = match canceller {
        Canceller::Staff => (Rate::FULL, RefundReason::StaffCancellation),
        Canceller::Resident if block_start.signed_duration_since(now) > FREE_CANCELLATION_NOTICE => {
            (EARLY_CANCELLATION_REFUND, RefundReason::EarlyCancellation)
        }
        Canceller::Resident => (Rate::ZERO, RefundReason::LateCancellation),
    };
    // A negative "paid" amount is corrupt data; refunding nothing is the safe reading.
    let paid = i128::from(paid.pesos().max(0));
    let amount = paid * i128::from(percent.basis_points()) / 10_000;
    // Never more than `paid`, which came from an i64, so the narrowing cannot fail.
    let amount = i64::try_from(amount).map_or(Clp::ZERO, Clp::new);
    Refund { amount, percent, reason }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 23, 0, 0).single().unwrap_or_default()
    }

    #[test]
    fn matches_the_old_systems_tested_cases() {
        let early = refund_amount(Clp::new(10_000), Canceller::Resident, start(), start() - TimeDelta::hours(48));
        assert_eq!(
            early,
            Refund { amount: Clp::new(9_000), percent: EARLY_CANCELLATION_REFUND, reason: RefundReason::EarlyCancellation }
        );
        let late = refund_amount(Clp::new(5_000), Canceller::Resident, start(), start() - TimeDelta::hours(2));
        assert_eq!(late, Refund { amount: Clp::ZERO, percent: Rate::ZERO, reason: RefundReason::LateCancellation });
        let staff = refund_amount(Clp::new(5_000), Canceller::Staff, start(), start() + TimeDelta::hours(2));
        assert_eq!(staff, Refund { amount: Clp::new(5_000), percent: Rate::FULL, reason: RefundReason::StaffCancellation });
    }

    #[test]
    fn boundary_at_exactly_24_hours_is_late() {
        let exactly = refund_amount(Clp::new(5_000), Canceller::Resident, start(), start() - TimeDelta::hours(24));
        assert_eq!(exactly.reason, RefundReason::LateCancellation);
        let just_before = start() - TimeDelta::hours(24) - TimeDelta::seconds(1);
        let early = refund_amount(Clp::new(5_000), Canceller::Resident, start(), just_before);
        assert_eq!(early.amount, Clp::new(4_500));
    }

    #[test]
    fn rounds_down_and_ignores_corrupt_amounts() {
        let r = refund_amount(Clp::new(5_555), Canceller::Resident, start(), start() - TimeDelta::days(3));
        assert_eq!(r.amount, Clp::new(4_999));
        let r = refund_amount(Clp::new(-10), Canceller::Staff, start(), start());
        assert_eq!(r.amount, Clp::ZERO);
        assert_eq!(EARLY_CANCELLATION_REFUND.to_string(), "90 %");
    }

    proptest! {
        #[test]
        fn refund_never_exceeds_paid(paid in 0i64..=i64::MAX, offset_min in -100_000i64..100_000, staff in any::<bool>()) {
            let canceller = if staff { Canceller::Staff } else { Canceller::Resident };
            let now = start() - TimeDelta::minutes(offset_min);
            let r = refund_amount(Clp::new(paid), canceller, start(), now);
            prop_assert!(r.amount >= Clp::ZERO && r.amount <= Clp::new(paid));
            match r.reason {
                RefundReason::StaffCancellation => prop_assert_eq!(r.amount, Clp::new(paid)),
                RefundReason::LateCancellation => prop_assert_eq!(r.amount, Clp::ZERO),
                RefundReason::EarlyCancellation => {
                    prop_assert!(offset_min > 24 * 60);
                    prop_assert_eq!(i128::from(r.amount.pesos()), i128::from(paid) * 9 / 10);
                }
            }
        }
    }
}
