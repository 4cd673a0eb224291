//! E-mail addresses, normalised so that sign-up, login and the blocklist compare equal strings.
//!
//! Only the structure is checked; whether the mailbox exists is not knowable without sending mail.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The longest address SMTP can carry (RFC 5321 path limit minus the angle brackets).
const MAX_LEN: usize = 254;
/// The longest local part SMTP allows.
const MAX_LOCAL_LEN: usize = 64;

/// A trimmed, lower-case, structurally valid e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Email(String);

impl Email {
    /// Trims, lower-cases and checks the shape `local@domain.tld`.
    pub fn parse(input: &str) -> Result<Self, EmailError> {
        let address = input.trim().to_lowercase();
        if address.is_empty() {
            return Err(EmailError::Empty);
        }
        if address.chars().count() > MAX_LEN {
            return Err(EmailError::TooLong);
        }
        if address.chars().any(|c| c.is_whitespace() || c.is_control()) {
            return Err(EmailError::Invalid);
        }
        let Some((local, domain)) = address.split_once('@') else {
            return Err(EmailError::Invalid);
        };
        let local_ok = !local.is_empty()
            && local.chars().count() <= MAX_LOCAL_LEN
            && !local.starts_with('.')
            && !local.ends_with('.')
            && !local.contains("..")
            && !local.contains(['"', '(', ')', ',', ':', ';', '<', '>', '[', ']', '\\']);
        let domain_ok = domain.contains('.')
            && domain.split('.').all(|label| {
                !label.is_empty()
                    && !label.starts_with('-')
                    && !label.ends_with('-')
                    && label.chars().all(|c| c.is_alphanumeric() || c == '-')
            });
        if !local_ok || !domain_ok {
            return Err(EmailError::Invalid);
        }
        Ok(Self(address))
    }

    /// The normalised address, for storage, matching and sending.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl FromStr for Email {
    type Err = EmailError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Email {
    type Error = EmailError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Email> for String {
    fn from(email: Email) -> Self {
        email.0
    }
}

/// Why an e-mail address was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum EmailError {
    /// Nothing was typed.
    Empty,
    /// Longer than 254 characters.
    TooLong,
    /// Not shaped like `nombre@dominio.cl`.
    Invalid,
}

impl EmailError {
    /// The message shown to the person who typed the address (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa tu correo electrónico.",
            Self::TooLong => "El correo electrónico es demasiado largo.",
            Self::Invalid => "El correo electrónico no es válido. Debe tener la forma nombre@dominio.cl.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn normalises_case_and_spaces() {
        assert_eq!(Email::parse("  Ana.Perez@Correo.CL ").map(String::from), Ok("ana.perez@correo.cl".to_owned()));
        assert_eq!(Email::parse("a+tag@sub.dominio.cl").map(String::from), Ok("a+tag@sub.dominio.cl".to_owned()));
        assert_eq!(Email::parse("josé@ñuñoa.cl").map(String::from), Ok("josé@ñuñoa.cl".to_owned()));
    }

    #[test]
    fn refuses_malformed_addresses() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        for input in [
            "ana",
            "ana@",
            "@correo.cl",
            "ana@correo",
            "ana@@correo.cl",
            "ana@co@rreo.cl",
            "ana perez@correo.cl",
            "ana@correo..cl",
            "ana@.correo.cl",
            "ana@correo.cl.",
            ".ana@correo.cl",
            "ana.@correo.cl",
            "a..b@correo.cl",
            "ana@-correo.cl",
            "ana@correo_x.cl",
            "<ana>@correo.cl",
            "ana\t@correo.cl",
        ] {
            assert_eq!(Email::parse(input), Err(EmailError::Invalid), "{input}");
        }
        let long = format!("{}@{}.cl", "a".repeat(60), "b".repeat(200));
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong));
        let long_local = format!("{}@correo.cl", "a".repeat(65));
        assert_eq!(Email::parse(&long_local), Err(EmailError::Invalid));
    }

    proptest! {
        #[test]
        fn valid_addresses_round_trip(local in "[a-zA-Z0-9_+]{1,20}(\\.[a-z0-9]{1,5})?", domain in "[a-zA-Z0-9]{1,20}\\.[a-z]{2,6}") {
            let typed = format!(" {local}@{domain} ");
            let email = Email::parse(&typed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(email.as_str(), typed.trim().to_lowercase());
            prop_assert_eq!(Email::parse(email.as_str()), Ok(email.clone()));
        }

        #[test]
        fn parse_never_panics(input in ".{0,40}") {
            if let Ok(email) = Email::parse(&input) {
                prop_assert_eq!(email.as_str().matches('@').count(), 1);
            }
        }
    }
}
