//! Price multipliers and percentage rates as exact integers of basis points.
//!
//! Both are typed by administrators as decimals (`1,1`, `10,5 %`) and applied to money, so they
//! are parsed digit by digit into integers: no binary float ever sees them.

use super::decimal::{self, DecimalError};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Basis points in one whole unit (×1, or 100 %).
const BASIS_POINTS_PER_UNIT: u32 = 10_000;

/// A price multiplier of a pricing rule, in basis points: `10_000` is ×1, `11_000` is ×1,1.
///
/// Always in `0 < m ≤ 10` (`1..=100_000` basis points): a zero multiplier would give spots away and
/// the old system's unchecked multipliers allowed exactly that.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct Multiplier(u32);

impl Multiplier {
    /// ×1, the multiplier when no pricing rule applies.
    pub const ONE: Self = Self(BASIS_POINTS_PER_UNIT);
    /// The largest multiplier allowed, ×10.
    pub const MAX: Self = Self(10 * BASIS_POINTS_PER_UNIT);
    /// Fractional digits a multiplier may have (its basis-point resolution).
    pub const DECIMALS: u32 = 4;

    /// Reads `1,1`, `1.1`, `2`, `0,85` or `×1,2` (up to four decimals, exactly).
    pub fn parse(input: &str) -> Result<Self, MultiplierError> {
        let text = input.trim();
        let text = text.strip_prefix(['×', 'x', 'X']).unwrap_or(text);
        let basis_points = decimal::parse_scaled(text, Self::DECIMALS).map_err(|e| match e {
            DecimalError::Empty => MultiplierError::Empty,
            DecimalError::Invalid => MultiplierError::Invalid,
            DecimalError::TooManyDecimals => MultiplierError::TooManyDecimals,
            DecimalError::Overflow => MultiplierError::OutOfRange,
        })?;
        let basis_points = u32::try_from(basis_points).map_err(|_| MultiplierError::OutOfRange)?;
        Self::from_basis_points(basis_points)
    }

    /// Wraps basis points read back from storage, refusing values outside `1..=100_000`.
    pub fn from_basis_points(basis_points: u32) -> Result<Self, MultiplierError> {
        if basis_points == 0 || basis_points > Self::MAX.0 {
            return Err(MultiplierError::OutOfRange);
        }
        Ok(Self(basis_points))
    }

    /// The multiplier in basis points (`11_000` for ×1,1).
    pub const fn basis_points(self) -> u32 {
        self.0
    }

    /// The bare decimal, `1,1`, for a form field that already shows the `×`.
    pub fn decimal(self) -> String {
        decimal::format_scaled(u64::from(self.0), Self::DECIMALS)
    }
}

impl Default for Multiplier {
    fn default() -> Self {
        Self::ONE
    }
}

impl fmt::Display for Multiplier {
    /// es-CL: `×1,1`, `×2`, `×0,85`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "×{}", self.decimal())
    }
}

impl FromStr for Multiplier {
    type Err = MultiplierError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<u32> for Multiplier {
    type Error = MultiplierError;

    fn try_from(basis_points: u32) -> Result<Self, Self::Error> {
        Self::from_basis_points(basis_points)
    }
}

impl From<Multiplier> for u32 {
    fn from(multiplier: Multiplier) -> Self {
        multiplier.0
    }
}

/// Why a multiplier was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum MultiplierError {
    /// Nothing was typed.
    Empty,
    /// Not a decimal number.
    Invalid,
    /// More than four decimals.
    TooManyDecimals,
    /// Zero, or more than ten.
    OutOfRange,
}

impl MultiplierError {
    /// The message shown to the administrator (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa un multiplicador.",
            Self::Invalid => "Escribe el multiplicador como número, por ejemplo 1,2.",
            Self::TooManyDecimals => "El multiplicador admite como máximo 4 decimales.",
            Self::OutOfRange => "El multiplicador debe ser mayor que 0 y como máximo 10.",
        }
    }
}

/// A percentage in basis points of the whole: `1_000` is 10 %, `10_000` is 100 %.
///
/// Used for the platform commission, the sales-rep commission and refund percentages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize, Default)]
#[serde(try_from = "u32", into = "u32")]
pub struct Rate(u32);

impl Rate {
    /// 0 %. A sales rep at 0 % earns nothing (the old system silently turned 0 into 5 %).
    pub const ZERO: Self = Self(0);
    /// 100 %.
    pub const FULL: Self = Self(BASIS_POINTS_PER_UNIT);
    /// Fractional digits a percentage may have (one basis point is 0,01 %).
    pub const DECIMALS: u32 = 2;

    /// Reads `10`, `10%`, `10,5 %` or `10.5` (a percentage with up to two decimals).
    pub fn parse(input: &str) -> Result<Self, RateError> {
        let text = input.trim();
        let text = text.strip_suffix('%').unwrap_or(text);
        let basis_points = decimal::parse_scaled(text, Self::DECIMALS).map_err(|e| match e {
            DecimalError::Empty => RateError::Empty,
            DecimalError::Invalid => RateError::Invalid,
            DecimalError::TooManyDecimals => RateError::TooManyDecimals,
            DecimalError::Overflow => RateError::OutOfRange,
        })?;
        let basis_points = u32::try_from(basis_points).map_err(|_| RateError::OutOfRange)?;
        Self::from_basis_points(basis_points)
    }

    /// Wraps basis points read back from storage, refusing anything above 100 %.
    pub const fn from_basis_points(basis_points: u32) -> Result<Self, RateError> {
        if basis_points > BASIS_POINTS_PER_UNIT {
            return Err(RateError::OutOfRange);
        }
        Ok(Self(basis_points))
    }

    /// Wraps basis points, capping them at 100 %; for constants, where `?` is not available.
    pub const fn saturating_from_basis_points(basis_points: u32) -> Self {
        if basis_points > BASIS_POINTS_PER_UNIT {
            Self(BASIS_POINTS_PER_UNIT)
        } else {
            Self(basis_points)
        }
    }

    /// The rate in basis points (`1_000` for 10 %).
    pub const fn basis_points(self) -> u32 {
        self.0
    }

    /// The bare percentage, `10,5`, for a form field that already shows the `%`.
    pub fn decimal(self) -> String {
        decimal::format_scaled(u64::from(self.0), Self::DECIMALS)
    }
}

impl fmt::Display for Rate {
    /// es-CL, with the space the RAE asks for: `10 %`, `10,5 %`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} %", self.decimal())
    }
}

impl FromStr for Rate {
    type Err = RateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<u32> for Rate {
    type Error = RateError;

    fn try_from(basis_points: u32) -> Result<Self, Self::Error> {
        Self::from_basis_points(basis_points)
    }
}

impl From<Rate> for u32 {
    fn from(rate: Rate) -> Self {
        rate.0
    }
}

/// Why a percentage was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum RateError {
    /// Nothing was typed.
    Empty,
    /// Not a percentage.
    Invalid,
    /// More than two decimals.
    TooManyDecimals,
    /// Above 100 %.
    OutOfRange,
}

impl RateError {
    /// The message shown to the administrator (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa un porcentaje.",
            Self::Invalid => "Escribe el porcentaje como número, por ejemplo 10 o 10,5 %.",
            Self::TooManyDecimals => "El porcentaje admite como máximo 2 decimales.",
            Self::OutOfRange => "El porcentaje debe estar entre 0 % y 100 %.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn multiplier_parses_exactly() {
        let bp = |s: &str| Multiplier::parse(s).map(Multiplier::basis_points);
        assert_eq!(bp("1,1"), Ok(11_000));
        assert_eq!(bp("1.1"), Ok(11_000));
        assert_eq!(bp("2"), Ok(20_000));
        assert_eq!(bp("0,85"), Ok(8_500));
        assert_eq!(bp("0,0001"), Ok(1));
        assert_eq!(bp("10"), Ok(100_000));
        assert_eq!(bp("×1,2"), Ok(12_000));
        assert_eq!(bp(" x 1,2 "), Ok(12_000));
    }

    #[test]
    fn multiplier_refuses_out_of_range_and_garbage() {
        assert_eq!(Multiplier::parse(""), Err(MultiplierError::Empty));
        assert_eq!(Multiplier::parse("0"), Err(MultiplierError::OutOfRange));
        assert_eq!(Multiplier::parse("0,00001"), Err(MultiplierError::TooManyDecimals));
        assert_eq!(Multiplier::parse("10,0001"), Err(MultiplierError::OutOfRange));
        assert_eq!(Multiplier::parse("-1"), Err(MultiplierError::Invalid));
        assert_eq!(Multiplier::parse("uno"), Err(MultiplierError::Invalid));
        assert_eq!(Multiplier::parse("1,12345"), Err(MultiplierError::TooManyDecimals));
        assert_eq!(Multiplier::parse("123456789012"), Err(MultiplierError::OutOfRange));
        assert_eq!(Multiplier::from_basis_points(0), Err(MultiplierError::OutOfRange));
        assert_eq!(Multiplier::from_basis_points(100_001), Err(MultiplierError::OutOfRange));
    }

    #[test]
    fn multiplier_displays_es_cl() {
        assert_eq!(Multiplier::ONE.to_string(), "×1");
        assert_eq!(Multiplier::from_basis_points(11_000).map(|m| m.to_string()), Ok("×1,1".into()));
        assert_eq!(Multiplier::from_basis_points(20_000).map(|m| m.to_string()), Ok("×2".into()));
        assert_eq!(Multiplier::from_basis_points(8_500).map(|m| m.to_string()), Ok("×0,85".into()));
    }

    #[test]
    fn multiplier_deserialization_validates() {
        let ok: Result<Multiplier, _> = serde_json_like("11000");
        assert_eq!(ok, Ok(Multiplier(11_000)));
        assert!(serde_json_like::<Multiplier>("0").is_err());
        assert!(serde_json_like::<Rate>("10001").is_err());
    }

    #[test]
    fn rate_parses_percentages() {
        let bp = |s: &str| Rate::parse(s).map(Rate::basis_points);
        assert_eq!(bp("10"), Ok(1_000));
        assert_eq!(bp("10%"), Ok(1_000));
        assert_eq!(bp("10,5 %"), Ok(1_050));
        assert_eq!(bp("10.5%"), Ok(1_050));
        assert_eq!(bp("0"), Ok(0));
        assert_eq!(bp("100 %"), Ok(10_000));
        assert_eq!(bp("0,01"), Ok(1));
        assert_eq!(bp("%"), Err(RateError::Empty));
        assert_eq!(bp("100,01"), Err(RateError::OutOfRange));
        assert_eq!(bp("10,555"), Err(RateError::TooManyDecimals));
        assert_eq!(bp("diez"), Err(RateError::Invalid));
        assert_eq!(bp("10 %%"), Err(RateError::Invalid));
    }

    #[test]
    fn rate_displays_es_cl() {
        assert_eq!(Rate::from_basis_points(1_000).map(|r| r.to_string()), Ok("10 %".into()));
        assert_eq!(Rate::from_basis_points(1_050).map(|r| r.to_string()), Ok("10,5 %".into()));
        assert_eq!(Rate::ZERO.to_string(), "0 %");
        assert_eq!(Rate::FULL.to_string(), "100 %");
        assert_eq!(Rate::saturating_from_basis_points(20_000), Rate::FULL);
    }

    /// Deserializes a bare integer through serde's value machinery without pulling in a JSON crate.
    fn serde_json_like<T: serde::de::DeserializeOwned>(number: &str) -> Result<T, String> {
        use serde::de::IntoDeserializer;
        let value: u32 = number.parse().map_err(|_| "not a number".to_owned())?;
        let de: serde::de::value::U32Deserializer<serde::de::value::Error> = value.into_deserializer();
        T::deserialize(de).map_err(|e| e.to_string())
    }

    proptest! {
        #[test]
        fn multiplier_display_round_trips(bp in 1u32..=100_000) {
            let m = Multiplier::from_basis_points(bp);
            prop_assert!(m.is_ok());
            let m = m.map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Multiplier::parse(&m.to_string()), Ok(m));
            prop_assert_eq!(Multiplier::parse(&m.decimal().replace(',', ".")), Ok(m));
        }

        #[test]
        fn rate_display_round_trips(bp in 0u32..=10_000) {
            let r = Rate::from_basis_points(bp).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(Rate::parse(&r.to_string()), Ok(r));
        }

        #[test]
        fn parsers_never_panic(input in ".{0,20}") {
            let _ = Multiplier::parse(&input);
            let _ = Rate::parse(&input);
        }
    }
}
