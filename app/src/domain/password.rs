//! A new password chosen at sign-up or reset, checked before it is hashed.
//!
//! Length beats composition rules (NIST SP 800-63B): at least 12 characters, not a well-known
//! password, no forced symbols. The value is never serialised and never printed.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Minimum length, in characters (not bytes: `ñ` counts once).
pub const MIN_CHARS: usize = 12;
/// Maximum length, in characters; hashing megabytes of "password" is a denial of service.
pub const MAX_CHARS: usize = 128;

/// Well-known passwords, one per line, lower-case; the ones of 12+ characters are the ones that
/// matter, since shorter ones already fail the length rule.
const COMMON_PASSWORDS: &str = include_str!("common_passwords.txt");

/// A password that passed the rules. Deliberately neither `Serialize` nor `Debug`-printable.
#[derive(Clone, PartialEq, Eq)]
pub struct NewPassword(String);

impl NewPassword {
    /// Checks a typed password. It is not trimmed: spaces are legitimate password characters.
    pub fn parse(input: &str) -> Result<Self, PasswordError> {
        let chars = input.chars().count();
        if chars < MIN_CHARS {
            return Err(PasswordError::TooShort);
        }
        if chars > MAX_CHARS {
            return Err(PasswordError::TooLong);
        }
        let lowered = input.to_lowercase();
        if is_common(&lowered) || is_short_pattern_repeated(&lowered) {
            return Err(PasswordError::TooCommon);
        }
        Ok(Self(input.to_owned()))
    }

    /// The password itself, for the hasher and nothing else.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Whether the (lower-cased) password is on the bundled list.
fn is_common(lowered: &str) -> bool {
    COMMON_PASSWORDS.lines().any(|known| known == lowered)
}

/// `aaaaaaaaaaaa`, `abababababab`, `123412341234`: long, yet guessed instantly.
fn is_short_pattern_repeated(lowered: &str) -> bool {
    let chars: Vec<char> = lowered.chars().collect();
    (1..=4).any(|period| chars.len() > period && chars.iter().skip(period).zip(&chars).all(|(a, b)| a == b))
}

impl fmt::Debug for NewPassword {
    /// Redacted: a password must never reach a log line.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword(<redacted>)")
    }
}

/// Why a new password was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum PasswordError {
    /// Under 12 characters.
    TooShort,
    /// Over 128 characters.
    TooLong,
    /// On the list of common passwords, or a short pattern repeated.
    TooCommon,
}

impl PasswordError {
    /// The message shown to the person choosing the password (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::TooShort => "La contraseña debe tener al menos 12 caracteres.",
            Self::TooLong => "La contraseña puede tener como máximo 128 caracteres.",
            Self::TooCommon => "Esa contraseña es muy común y fácil de adivinar. Elige otra.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn counts_characters_not_bytes() {
        assert_eq!(NewPassword::parse("ñandú-ñandú").map(|_| ()), Err(PasswordError::TooShort));
        assert!(NewPassword::parse("ñandú-ñandú!").is_ok());
        assert!(NewPassword::parse(&"ñandú azul. ".repeat(10)[..]).is_ok_and(|p| p.expose().chars().count() == 120));
        assert_eq!(NewPassword::parse(&"x1y2z".repeat(26)).map(|_| ()), Err(PasswordError::TooLong));
    }

    #[test]
    fn refuses_common_passwords_in_any_case() {
        for common in [
            "123456789012",
            "password1234",
            "qwertyuiopas",
            "contraseña123",
            "contrasena1234",
            "estacionate123",
            "iloveyou1234",
            "123456789abc",
            "administrador",
            "PASSWORD1234",
            "Contraseña123",
            "Colocolo1234",
            "tequieromucho",
            "aaaaaaaaaaaa",
            "abcabcabcabc",
            "123412341234",
        ] {
            assert_eq!(NewPassword::parse(common).map(|_| ()), Err(PasswordError::TooCommon), "{common}");
        }
    }

    #[test]
    fn the_list_is_lower_case_and_long_enough() {
        let entries: Vec<&str> = COMMON_PASSWORDS.lines().collect();
        assert!(entries.len() >= 300);
        assert!(entries.iter().all(|p| *p == p.to_lowercase() && !p.is_empty() && p.trim() == *p));
        assert!(entries.iter().filter(|p| p.chars().count() >= MIN_CHARS).count() >= 300);
    }

    #[test]
    fn never_prints_the_value() {
        let Ok(password) = NewPassword::parse("caballo correcto batería grapa") else { panic!("strong password refused") };
        assert_eq!(format!("{password:?}"), "NewPassword(<redacted>)");
        assert_eq!(password.expose(), "caballo correcto batería grapa");
        assert_eq!(
            NewPassword::parse("  espacios al borde  ").map(|p| p.expose().to_owned()),
            Ok("  espacios al borde  ".to_owned())
        );
    }

    proptest! {
        #[test]
        fn accepted_passwords_respect_the_rules(input in "\\PC{0,140}") {
            match NewPassword::parse(&input) {
                Ok(p) => {
                    prop_assert!((MIN_CHARS..=MAX_CHARS).contains(&p.expose().chars().count()));
                    prop_assert!(!is_common(&input.to_lowercase()));
                }
                Err(PasswordError::TooShort) => prop_assert!(input.chars().count() < MIN_CHARS),
                Err(PasswordError::TooLong) => prop_assert!(input.chars().count() > MAX_CHARS),
                Err(PasswordError::TooCommon) => {}
            }
        }
    }
}
