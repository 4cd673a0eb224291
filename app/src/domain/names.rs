//! People's names as typed in forms: trimmed, inner whitespace collapsed, length-limited.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest name accepted, in characters.
const MAX_CHARS: usize = 80;

/// Trims and collapses runs of whitespace to one space, so "Ana   María" equals "Ana María".
fn tidy(input: &str) -> String {
    input.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Shared checks; `min` differs between residents and visitors.
fn check(input: &str, min: usize, too_short: NameError) -> Result<String, NameError> {
    let name = tidy(input);
    let chars = name.chars().count();
    if chars == 0 {
        return Err(NameError::Empty);
    }
    if name.chars().any(char::is_control) || !name.chars().any(char::is_alphabetic) {
        return Err(NameError::Invalid);
    }
    if chars < min {
        return Err(too_short);
    }
    if chars > MAX_CHARS {
        return Err(NameError::TooLong);
    }
    Ok(name)
}

/// The name of a resident or staff member: 2 to 80 characters, with at least one letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PersonName(String);

impl PersonName {
    /// Tidies and checks a typed name.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        check(input, 2, NameError::PersonTooShort).map(Self)
    }

    /// The tidied name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The visitor's name on a booking: 3 to 80 characters, with at least one letter.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct VisitorName(String);

impl VisitorName {
    /// Tidies and checks a typed visitor name.
    pub fn parse(input: &str) -> Result<Self, NameError> {
        check(input, 3, NameError::VisitorTooShort).map(Self)
    }

    /// The tidied name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// `Display`, `FromStr` and the string conversions serde uses, identical for both name types.
macro_rules! name_conversions {
    ($name:ident) => {
        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl FromStr for $name {
            type Err = NameError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::parse(s)
            }
        }

        impl TryFrom<String> for $name {
            type Error = NameError;

            fn try_from(value: String) -> Result<Self, Self::Error> {
                Self::parse(&value)
            }
        }

        impl From<$name> for String {
            fn from(name: $name) -> Self {
                name.0
            }
        }
    };
}

name_conversions!(PersonName);
name_conversions!(VisitorName);

/// Why a name was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum NameError {
    /// Nothing but whitespace.
    Empty,
    /// A resident's name under 2 characters.
    PersonTooShort,
    /// A visitor's name under 3 characters.
    VisitorTooShort,
    /// Over 80 characters.
    TooLong,
    /// No letters at all, or control characters.
    Invalid,
}

impl NameError {
    /// The message shown to the person who typed the name (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa un nombre.",
            Self::PersonTooShort => "El nombre debe tener al menos 2 caracteres.",
            Self::VisitorTooShort => "El nombre del visitante debe tener al menos 3 caracteres.",
            Self::TooLong => "El nombre puede tener como máximo 80 caracteres.",
            Self::Invalid => "El nombre debe contener letras.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn tidies_whitespace() {
        assert_eq!(PersonName::parse("  Ana   María\tPérez ").map(String::from), Ok("Ana María Pérez".to_owned()));
        assert_eq!(VisitorName::parse(" Ñuño ").map(String::from), Ok("Ñuño".to_owned()));
    }

    #[test]
    fn enforces_lengths_in_characters() {
        assert_eq!(PersonName::parse("Al").map(String::from), Ok("Al".to_owned()));
        assert_eq!(PersonName::parse("A"), Err(NameError::PersonTooShort));
        assert_eq!(VisitorName::parse("Al"), Err(NameError::VisitorTooShort));
        assert_eq!(VisitorName::parse("Ana").map(String::from), Ok("Ana".to_owned()));
        assert_eq!(VisitorName::parse("A  l"), Ok(VisitorName("A l".to_owned())));
        assert!(PersonName::parse(&"á".repeat(80)).is_ok());
        assert_eq!(PersonName::parse(&"á".repeat(81)), Err(NameError::TooLong));
        assert_eq!(PersonName::parse("   "), Err(NameError::Empty));
        assert_eq!(PersonName::parse("1234"), Err(NameError::Invalid));
        assert_eq!(PersonName::parse("Ana\u{7}"), Err(NameError::Invalid));
    }

    proptest! {
        #[test]
        fn parsed_names_are_tidy_and_stable(input in "\\PC{0,100}") {
            if let Ok(name) = PersonName::parse(&input) {
                let n = name.as_str();
                prop_assert_eq!(n.trim(), n);
                prop_assert!(!n.contains("  "));
                prop_assert!((2..=80).contains(&n.chars().count()));
                prop_assert_eq!(PersonName::parse(n), Ok(name.clone()));
            }
            if let Ok(name) = VisitorName::parse(&input) {
                prop_assert!(name.as_str().chars().count() >= 3);
                prop_assert!(PersonName::parse(name.as_str()).is_ok());
            }
        }
    }
}
