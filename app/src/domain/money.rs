//! Chilean pesos as integers. CLP has no minor unit (ISO 4217 exponent 0), so an `i64` of pesos
//! is exact and never needs rounding until a rate is applied.

use super::decimal::group_thousands;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// An amount of Chilean pesos.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
pub struct Clp(i64);

impl Clp {
    /// No money at all.
    pub const ZERO: Self = Self(0);

    /// Wraps a whole number of pesos.
    pub const fn new(pesos: i64) -> Self {
        Self(pesos)
    }

    /// The number of pesos.
    pub const fn pesos(self) -> i64 {
        self.0
    }

    /// `self + other`, or `None` on overflow (a corrupt sum must not wrap into a plausible amount).
    pub const fn checked_add(self, other: Self) -> Option<Self> {
        match self.0.checked_add(other.0) {
            Some(sum) => Some(Self(sum)),
            None => None,
        }
    }

    /// `self - other`, or `None` on overflow.
    pub const fn checked_sub(self, other: Self) -> Option<Self> {
        match self.0.checked_sub(other.0) {
            Some(diff) => Some(Self(diff)),
            None => None,
        }
    }

    /// The total of many amounts, or `None` on overflow (daily reconciliation sums bookings).
    pub fn checked_sum(amounts: impl IntoIterator<Item = Self>) -> Option<Self> {
        amounts.into_iter().try_fold(Self::ZERO, Self::checked_add)
    }

    /// Reads an amount typed by a person: `5000`, `5.000`, `$5.000` or ` $ 5.000 `.
    ///
    /// Dots are only accepted as thousands separators in the right places, because `5.00` is
    /// more likely a mistyped decimal than five thousand pesos.
    pub fn parse(input: &str) -> Result<Self, ClpError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(ClpError::Empty);
        }
        if text.starts_with('-') {
            return Err(ClpError::Negative);
        }
        let text = text.strip_prefix('$').unwrap_or(text).trim_start();
        if text.starts_with('-') {
            return Err(ClpError::Negative);
        }
        if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
            return Err(ClpError::Invalid);
        }
        if text.contains('.') && !well_grouped(text) {
            return Err(ClpError::Invalid);
        }
        let mut pesos: i64 = 0;
        for digit in text.bytes().filter(u8::is_ascii_digit) {
            pesos = pesos
                .checked_mul(10)
                .and_then(|p| p.checked_add(i64::from(digit - b'0')))
                .ok_or(ClpError::TooLarge)?;
        }
        Ok(Self(pesos))
    }
}

/// `1.234.567`: a first group of one to three digits, then groups of exactly three.
fn well_grouped(text: &str) -> bool {
    let mut groups = text.split('.');
    let first_ok = groups.next().is_some_and(|g| (1..=3).contains(&g.len()));
    first_ok && groups.all(|g| g.len() == 3)
}

impl fmt::Display for Clp {
    /// es-CL format: `$5.000`, `-$1.250`, `$0`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let grouped = group_thousands(self.0.unsigned_abs());
        let sign = if self.0 < 0 { "-" } else { "" };
        write!(f, "{sign}${grouped}")
    }
}

impl FromStr for Clp {
    type Err = ClpError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

/// Why a typed amount of pesos was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum ClpError {
    /// Nothing was typed.
    Empty,
    /// A minus sign: amounts typed by people are never negative.
    Negative,
    /// Letters, decimals or misplaced thousands separators.
    Invalid,
    /// More pesos than an `i64` holds.
    TooLarge,
}

impl ClpError {
    /// The message shown to the person who typed the amount (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa un monto.",
            Self::Negative => "El monto no puede ser negativo.",
            Self::Invalid => "Escribe el monto en pesos, sin decimales, por ejemplo 5.000.",
            Self::TooLarge => "El monto es demasiado grande.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn formats_with_dot_thousands() {
        assert_eq!(Clp::new(0).to_string(), "$0");
        assert_eq!(Clp::new(950).to_string(), "$950");
        assert_eq!(Clp::new(5000).to_string(), "$5.000");
        assert_eq!(Clp::new(1_234_567).to_string(), "$1.234.567");
        assert_eq!(Clp::new(-1250).to_string(), "-$1.250");
    }

    #[test]
    fn parses_the_ways_people_type_pesos() {
        for input in ["5000", "5.000", "$5.000", " $ 5.000 ", "$5000", "005000"] {
            assert_eq!(Clp::parse(input), Ok(Clp::new(5000)), "{input}");
        }
        assert_eq!(Clp::parse("0"), Ok(Clp::ZERO));
        assert_eq!(Clp::parse("$1.234.567"), Ok(Clp::new(1_234_567)));
    }

    #[test]
    fn refuses_garbage_in_spanish() {
        assert_eq!(Clp::parse("  "), Err(ClpError::Empty));
        assert_eq!(Clp::parse("-5000"), Err(ClpError::Negative));
        assert_eq!(Clp::parse("$-5.000"), Err(ClpError::Negative));
        for input in ["$", "cinco mil", "5,5", "5.00", "50.00.000", ".500", "5.000.", "5 000", "$$5"] {
            assert_eq!(Clp::parse(input), Err(ClpError::Invalid), "{input}");
        }
        assert_eq!(Clp::parse("99999999999999999999"), Err(ClpError::TooLarge));
        assert_eq!(
            Clp::parse("abc").map_err(|e| e.to_string()),
            Err("Escribe el monto en pesos, sin decimales, por ejemplo 5.000.".to_owned())
        );
    }

    #[test]
    fn checked_arithmetic_refuses_overflow() {
        assert_eq!(Clp::new(2).checked_add(Clp::new(3)), Some(Clp::new(5)));
        assert_eq!(Clp::new(2).checked_sub(Clp::new(3)), Some(Clp::new(-1)));
        assert_eq!(Clp::new(i64::MAX).checked_add(Clp::new(1)), None);
        assert_eq!(Clp::new(i64::MIN).checked_sub(Clp::new(1)), None);
        assert_eq!(Clp::checked_sum([Clp::new(1), Clp::new(2)]), Some(Clp::new(3)));
        assert_eq!(Clp::checked_sum([Clp::new(i64::MAX), Clp::new(1)]), None);
    }

    proptest! {
        #[test]
        fn display_then_parse_round_trips(pesos in 0i64..=i64::MAX) {
            let amount = Clp::new(pesos);
            prop_assert_eq!(Clp::parse(&amount.to_string()), Ok(amount));
            prop_assert_eq!(Clp::parse(&pesos.to_string()), Ok(amount));
        }

        #[test]
        fn parse_never_panics(input in ".{0,30}") {
            let _ = Clp::parse(&input);
        }

        #[test]
        fn add_then_sub_is_identity(a in -1_000_000_000_000i64..1_000_000_000_000, b in -1_000_000_000_000i64..1_000_000_000_000) {
            let sum = Clp::new(a).checked_add(Clp::new(b));
            prop_assert_eq!(sum.and_then(|s| s.checked_sub(Clp::new(b))), Some(Clp::new(a)));
        }
    }
}
