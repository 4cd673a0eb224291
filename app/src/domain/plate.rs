//! Chilean vehicle plates (patentes), normalised so the concierge, the blocklist and the booking
//! all compare the same string however it was typed.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A plate in one of the Chilean shapes, stored upper-case without separators (`KHJT52`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Plate(String);

/// The letter/digit shapes of Chilean plates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlateShape {
    /// `BBBB12`, cars since 2007.
    Current,
    /// `AB1234`, cars before 2007.
    Old,
    /// `BBB12`, motorcycles since 2007.
    MotorcycleCurrent,
    /// `BB123`, older motorcycles.
    MotorcycleOld,
}

impl PlateShape {
    /// Letters, then digits, of each shape.
    const fn layout(self) -> (usize, usize) {
        match self {
            Self::Current => (4, 2),
            Self::Old => (2, 4),
            Self::MotorcycleCurrent => (3, 2),
            Self::MotorcycleOld => (2, 3),
        }
    }

    /// The shape of a separator-free upper-case candidate, if any.
    fn of(candidate: &str) -> Option<Self> {
        let letters = candidate.bytes().take_while(u8::is_ascii_uppercase).count();
        let digits = candidate.len() - letters;
        let digits_ok = candidate.bytes().skip(letters).all(|b| b.is_ascii_digit());
        [Self::Current, Self::Old, Self::MotorcycleCurrent, Self::MotorcycleOld]
            .into_iter()
            .find(|shape| digits_ok && shape.layout() == (letters, digits))
    }
}

impl Plate {
    /// Reads a plate typed any way: `khjt-52`, `KH·JT·52`, `ab 12 34`, `AB.1234`.
    pub fn parse(input: &str) -> Result<Self, PlateError> {
        let canonical: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '.' | '·' | '‐' | '–' | '—'))
            .collect::<String>()
            .to_ascii_uppercase();
        if canonical.is_empty() {
            return Err(PlateError::Empty);
        }
        if PlateShape::of(&canonical).is_none() {
            return Err(PlateError::Invalid);
        }
        Ok(Self(canonical))
    }

    /// `KHJT52`: the stored, compared and blocklisted form.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Which of the Chilean formats the plate follows.
    pub fn shape(&self) -> PlateShape {
        PlateShape::of(&self.0).unwrap_or(PlateShape::Current)
    }

    /// A stored plate as screens show it (`KHJT-52`); empty when there is none (a purged
    /// visitor) or it no longer parses.
    pub fn shown(stored: Option<&str>) -> String {
        stored.and_then(|p| Self::parse(p).ok()).map(|p| p.pretty()).unwrap_or_default()
    }

    /// `KHJT-52`, `AB-12-34`, `BBB-12`, `BB-123`: grouped the way the physical plate reads.
    pub fn pretty(&self) -> String {
        let (letters, _) = self.shape().layout();
        let (head, tail) = self.0.split_at(letters.min(self.0.len()));
        if self.shape() == PlateShape::Old {
            let (first, second) = tail.split_at(2.min(tail.len()));
            format!("{head}-{first}-{second}")
        } else {
            format!("{head}-{tail}")
        }
    }
}

impl fmt::Display for Plate {
    /// The human form, [`Plate::pretty`]; use [`Plate::as_str`] for storage.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.pretty())
    }
}

impl FromStr for Plate {
    type Err = PlateError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Plate {
    type Error = PlateError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Plate> for String {
    fn from(plate: Plate) -> Self {
        plate.0
    }
}

/// Why a plate was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum PlateError {
    /// Nothing was typed.
    Empty,
    /// Not one of the Chilean shapes.
    Invalid,
}

impl PlateError {
    /// The message shown to the person who typed the plate (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa la patente del vehículo.",
            Self::Invalid => "Patente inválida. Usa el formato BBBB12 o AB1234.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_stored_plate_is_shown_grouped_and_a_missing_or_broken_one_blank() {
        assert_eq!(Plate::shown(Some("KHJT52")), "KHJT-52");
        assert_eq!(Plate::shown(None), "");
        assert_eq!(Plate::shown(Some("no es patente")), "");
    }

    #[test]
    fn accepts_every_shape_typed_any_way() {
        for (input, canonical, pretty, shape) in [
            ("BBBB12", "BBBB12", "BBBB-12", PlateShape::Current),
            ("KHJT-52", "KHJT52", "KHJT-52", PlateShape::Current),
            (" kh·jt·52 ", "KHJT52", "KHJT-52", PlateShape::Current),
            ("AB1234", "AB1234", "AB-12-34", PlateShape::Old),
            ("ab-12-34", "AB1234", "AB-12-34", PlateShape::Old),
            ("ab.12.34", "AB1234", "AB-12-34", PlateShape::Old),
            ("BBB12", "BBB12", "BBB-12", PlateShape::MotorcycleCurrent),
            ("bb 123", "BB123", "BB-123", PlateShape::MotorcycleOld),
        ] {
            let plate = Plate::parse(input);
            assert_eq!(plate.as_ref().map(Plate::as_str), Ok(canonical), "{input}");
            assert_eq!(plate.as_ref().map(Plate::pretty), Ok(pretty.to_owned()), "{input}");
            assert_eq!(plate.as_ref().map(Plate::shape), Ok(shape), "{input}");
        }
    }

    #[test]
    fn refuses_other_shapes() {
        assert_eq!(Plate::parse(" - "), Err(PlateError::Empty));
        for input in ["ABCDE1", "A12345", "123456", "ABCD123", "AB12C4", "ÑBCD12", "BBBB1", "AB12", "KHJT52X"] {
            assert_eq!(Plate::parse(input), Err(PlateError::Invalid), "{input}");
        }
        assert_eq!(PlateError::Invalid.to_string(), "Patente inválida. Usa el formato BBBB12 o AB1234.");
    }

    fn arb_plate() -> impl Strategy<Value = String> {
        prop_oneof!["[A-Z]{4}[0-9]{2}", "[A-Z]{2}[0-9]{4}", "[A-Z]{3}[0-9]{2}", "[A-Z]{2}[0-9]{3}"]
    }

    proptest! {
        #[test]
        fn separators_and_case_do_not_matter(plate in arb_plate(), lower in any::<bool>(), sep in prop_oneof![Just(""), Just("-"), Just(" "), Just(".")]) {
            let (head, tail) = plate.split_at(2);
            let typed = format!("{head}{sep}{tail}");
            let typed = if lower { typed.to_lowercase() } else { typed };
            let parsed = Plate::parse(&typed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(parsed.as_str(), plate.as_str());
            prop_assert_eq!(Plate::parse(&parsed.pretty()), Ok(parsed.clone()));
        }

        #[test]
        fn parse_never_panics(input in ".{0,12}") {
            if let Ok(plate) = Plate::parse(&input) {
                prop_assert!(plate.as_str().len() == 5 || plate.as_str().len() == 6);
            }
        }
    }
}
