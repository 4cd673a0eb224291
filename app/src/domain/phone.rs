//! Chilean mobile numbers in E.164, the form WhatsApp (Twilio) needs and the blind index hashes.
//!
//! Phone numbers are personal data: `Debug` prints them masked.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A Chilean mobile number, stored as `+569XXXXXXXX`.
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct MobilePhone(String);

impl MobilePhone {
    /// Reads `+56 9 1234 5678`, `56912345678`, `912345678`, `9 1234 5678` or `(+56) 9-1234-5678`.
    ///
    /// Only mobiles are accepted because the product talks to people over WhatsApp.
    pub fn parse(input: &str) -> Result<Self, PhoneError> {
        let text = input.trim();
        if text.is_empty() {
            return Err(PhoneError::Empty);
        }
        let mut digits = String::with_capacity(12);
        let mut plus_seen = false;
        for ch in text.chars() {
            match ch {
                '0'..='9' => digits.push(ch),
                // A plus is only meaningful before the country code.
                '+' if digits.is_empty() && !plus_seen => plus_seen = true,
                ' ' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
                _ => return Err(PhoneError::Invalid),
            }
        }
        let national = if plus_seen {
            digits.strip_prefix("56").ok_or(PhoneError::NotChilean)?
        } else if let Some(rest) = digits.strip_prefix("0056") {
            rest
        } else if digits.len() == 11 {
            digits.strip_prefix("56").ok_or(PhoneError::Invalid)?
        } else {
            digits.as_str()
        };
        if national.len() != 9 {
            return Err(PhoneError::Invalid);
        }
        if !national.starts_with('9') {
            // Nine national digits not starting with 9 are landlines (2 for Santiago, 3x–7x
            // for the regions), which cannot receive WhatsApp messages.
            return Err(PhoneError::NotMobile);
        }
        Ok(Self(format!("+56{national}")))
    }

    /// `+56912345678`: the stored, hashed and dialled form.
    pub fn as_e164(&self) -> &str {
        &self.0
    }

    /// `+56 9 •••• 5678`: enough to recognise one's own number on screen.
    pub fn masked(&self) -> String {
        format!("+56 9 •••• {}", self.last_four())
    }

    /// The last four digits, which is all that screens without a need for the number show.
    fn last_four(&self) -> &str {
        self.0.get(self.0.len().saturating_sub(4)..).unwrap_or("")
    }
}

impl fmt::Display for MobilePhone {
    /// `+56 9 1234 5678`, the way Chileans write it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.0.get(4..8).unwrap_or("");
        write!(f, "+56 9 {first} {}", self.last_four())
    }
}

impl fmt::Debug for MobilePhone {
    /// Masked, so a stray `{:?}` in a log line does not leak personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("MobilePhone").field(&self.masked()).finish()
    }
}

impl FromStr for MobilePhone {
    type Err = PhoneError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for MobilePhone {
    type Error = PhoneError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<MobilePhone> for String {
    fn from(phone: MobilePhone) -> Self {
        phone.0
    }
}

/// Why a phone number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum PhoneError {
    /// Nothing was typed.
    Empty,
    /// Letters, or the wrong number of digits.
    Invalid,
    /// A country code other than Chile's.
    NotChilean,
    /// A Chilean number that is not a mobile.
    NotMobile,
}

impl PhoneError {
    /// The message shown to the person who typed the number (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa un número de celular.",
            Self::Invalid => "El número de celular no es válido. Usa el formato +56 9 1234 5678.",
            Self::NotChilean => "Ingresa un celular chileno (+56 9 …).",
            Self::NotMobile => "Ingresa un número de celular (+56 9 …); no se aceptan teléfonos fijos.",
        }
    }
}

/// `text` (a provider's error message) with every phone-number-like run masked: a run of 8 to
/// 15 digits, optionally after `+` and with spaces or dashes between them, keeps its last four
/// digits, the rest become `•`. Shorter numbers (error codes, amounts) are left alone.
pub fn mask_phone_numbers(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        if !(chars[i].is_ascii_digit() || (chars[i] == '+' && chars.get(i + 1).is_some_and(char::is_ascii_digit))) {
            out.push(chars[i]);
            i += 1;
            continue;
        }
        // The run: digits, with single spaces or dashes between them.
        let start = i;
        let mut end = i + 1;
        while end < chars.len() {
            let c = chars[end];
            let joins = (c == ' ' || c == '-') && chars.get(end + 1).is_some_and(char::is_ascii_digit);
            if c.is_ascii_digit() || joins {
                end += 1;
            } else {
                break;
            }
        }
        let run = &chars[start..end];
        let digits = run.iter().filter(|c| c.is_ascii_digit()).count();
        if (8..=15).contains(&digits) {
            let mut seen = 0;
            for c in run {
                if c.is_ascii_digit() {
                    seen += 1;
                    out.push(if seen > digits - 4 { *c } else { '•' });
                } else {
                    out.push(*c);
                }
            }
        } else {
            out.extend(run);
        }
        i = end;
    }
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn provider_errors_lose_phone_numbers_but_keep_codes() {
        assert_eq!(
            mask_phone_numbers("21211 The 'To' number whatsapp:+56912345678 is not valid"),
            "21211 The 'To' number whatsapp:+•••••••5678 is not valid"
        );
        assert_eq!(mask_phone_numbers("to +56 9 1234 5678."), "to +•• • •••• 5678.");
        assert_eq!(mask_phone_numbers("HTTP 400 amount 4950 refused"), "HTTP 400 amount 4950 refused");
        assert_eq!(mask_phone_numbers("+1 415-555-2671"), "+• •••-•••-2671");
        assert_eq!(mask_phone_numbers(""), "");
    }

    use super::*;
    use proptest::prelude::*;

    #[test]
    fn accepts_the_ways_people_type_it() {
        for input in [
            "+56 9 1234 5678",
            "56912345678",
            "912345678",
            "9 1234 5678",
            "(+56) 9-1234-5678",
            "+56912345678",
            "0056 9 1234 5678",
            " 9.1234.5678 ",
        ] {
            let phone = MobilePhone::parse(input);
            assert_eq!(phone.as_ref().map(MobilePhone::as_e164), Ok("+56912345678"), "{input}");
        }
    }

    #[test]
    fn displays_and_masks() {
        let Ok(phone) = MobilePhone::parse("912345678") else { panic!("valid phone refused") };
        assert_eq!(phone.to_string(), "+56 9 1234 5678");
        assert_eq!(phone.masked(), "+56 9 •••• 5678");
        assert_eq!(format!("{phone:?}"), "MobilePhone(\"+56 9 •••• 5678\")");
    }

    #[test]
    fn refuses_landlines_and_garbage() {
        assert_eq!(MobilePhone::parse(""), Err(PhoneError::Empty));
        assert_eq!(MobilePhone::parse("+56 2 2345 6789"), Err(PhoneError::NotMobile));
        assert_eq!(MobilePhone::parse("223456789"), Err(PhoneError::NotMobile));
        assert_eq!(MobilePhone::parse("+54 9 11 2345 6789"), Err(PhoneError::NotChilean));
        assert_eq!(MobilePhone::parse("+1 415 555 0100"), Err(PhoneError::NotChilean));
        for input in ["12345678", "9123456789", "nueve", "+56 9 1234 567", "9+12345678", "++56912345678", "46912345678"] {
            assert_eq!(MobilePhone::parse(input), Err(PhoneError::Invalid), "{input}");
        }
    }

    proptest! {
        #[test]
        fn any_mobile_round_trips(subscriber in 0u32..100_000_000, style in 0usize..4) {
            let national = format!("9{subscriber:08}");
            let typed = match style {
                0 => national.clone(),
                1 => format!("+56{national}"),
                2 => format!("56{national}"),
                _ => format!("+56 9 {} {}", &national[1..5], &national[5..]),
            };
            let phone = MobilePhone::parse(&typed).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(phone.as_e164(), format!("+56{national}"));
            prop_assert_eq!(MobilePhone::parse(&phone.to_string()), Ok(phone.clone()));
            prop_assert_eq!(MobilePhone::parse(phone.as_e164()), Ok(phone));
        }

        #[test]
        fn parse_never_panics(input in ".{0,20}") {
            if let Ok(phone) = MobilePhone::parse(&input) {
                prop_assert!(phone.as_e164().starts_with("+569") && phone.as_e164().len() == 12);
            }
        }
    }
}
