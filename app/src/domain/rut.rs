//! The Chilean RUT (Rol Único Tributario): a body number and a modulo-11 check digit.
//!
//! A RUT is personal data: it is encrypted at rest and matched through a keyed blind index over
//! [`Rut::canonical`]. `Debug` prints it masked so it cannot leak into logs by accident.

use super::decimal::group_thousands;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The largest RUT body in use (8 digits).
const MAX_BODY: u32 = 99_999_999;

/// A RUT whose check digit has been verified. Only the body is stored: the digit follows from it.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Rut {
    body: u32,
}

impl Rut {
    /// Reads `12.345.678-5`, `12345678-5`, `123456785`, with `k` or `K` and stray spaces.
    pub fn parse(input: &str) -> Result<Self, RutError> {
        let cleaned: String = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '.')
            .map(|c| if matches!(c, '‐' | '‑' | '–' | '—') { '-' } else { c })
            .collect::<String>()
            .to_ascii_uppercase();
        if cleaned.is_empty() {
            return Err(RutError::Empty);
        }
        let (body_text, dv_text) = match cleaned.split_once('-') {
            Some((body, dv)) => (body, dv),
            // Without a dash the last character is the check digit; `split_at` is safe because
            // everything else in a valid RUT is ASCII and we check that just below.
            None if cleaned.is_ascii() && cleaned.len() >= 2 => cleaned.split_at(cleaned.len() - 1),
            None => return Err(RutError::Invalid),
        };
        let mut dv_chars = dv_text.chars();
        let (Some(dv), None) = (dv_chars.next(), dv_chars.next()) else {
            return Err(RutError::Invalid);
        };
        if !(dv.is_ascii_digit() || dv == 'K') {
            return Err(RutError::Invalid);
        }
        if body_text.is_empty() || !body_text.bytes().all(|b| b.is_ascii_digit()) {
            return Err(RutError::Invalid);
        }
        let digits = body_text.trim_start_matches('0');
        if digits.is_empty() || digits.len() > 8 {
            return Err(RutError::Invalid);
        }
        let body: u32 = digits.parse().map_err(|_| RutError::Invalid)?;
        let rut = Self::from_body(body)?;
        if rut.check_digit() != dv {
            return Err(RutError::WrongCheckDigit);
        }
        Ok(rut)
    }

    /// The RUT with this body and its computed check digit, for data whose digit was already
    /// verified (or that never had one, like generated test data).
    pub fn from_body(body: u32) -> Result<Self, RutError> {
        if body == 0 || body > MAX_BODY {
            return Err(RutError::Invalid);
        }
        Ok(Self { body })
    }

    /// The number before the dash.
    pub const fn body(self) -> u32 {
        self.body
    }

    /// The check digit: `0`–`9` or `K`.
    pub fn check_digit(self) -> char {
        check_digit(self.body)
    }

    /// `12345678-5`: the single normal form, hashed by the blind index and used for storage.
    pub fn canonical(self) -> String {
        format!("{}-{}", self.body, self.check_digit())
    }

    /// `••.•••.678-5`: enough to recognise one's own RUT, not enough to learn someone else's.
    pub fn masked(self) -> String {
        let pretty = self.to_string();
        let keep_from = pretty.len().saturating_sub("678-5".len());
        pretty
            .char_indices()
            .map(|(i, c)| if i < keep_from && c.is_ascii_digit() { '•' } else { c })
            .collect()
    }
}

/// Modulo 11 with weights 2, 3, 4, 5, 6, 7, 2, 3, … from the rightmost digit.
fn check_digit(body: u32) -> char {
    let mut rest = body;
    let mut sum = 0;
    let mut weight = 2;
    while rest > 0 {
        sum += (rest % 10) * weight;
        rest /= 10;
        weight = if weight == 7 { 2 } else { weight + 1 };
    }
    match 11 - sum % 11 {
        11 => '0',
        10 => 'K',
        digit => char::from_digit(digit, 10).unwrap_or('0'),
    }
}

impl fmt::Display for Rut {
    /// es-CL: `12.345.678-5`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&group_thousands(u64::from(self.body)))?;
        write!(f, "-{}", self.check_digit())
    }
}

impl fmt::Debug for Rut {
    /// Masked, so a stray `{:?}` in a log line does not leak personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Rut").field(&self.masked()).finish()
    }
}

impl FromStr for Rut {
    type Err = RutError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for Rut {
    type Error = RutError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<Rut> for String {
    fn from(rut: Rut) -> Self {
        rut.canonical()
    }
}

/// Why a RUT was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum RutError {
    /// Nothing was typed.
    Empty,
    /// Not shaped like a RUT.
    Invalid,
    /// Well formed, but the check digit does not match the body: almost always a typo.
    WrongCheckDigit,
}

impl RutError {
    /// The message shown to the person who typed the RUT (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa tu RUT.",
            Self::Invalid => "El RUT no es válido. Usa el formato 12.345.678-5.",
            Self::WrongCheckDigit => "El dígito verificador del RUT no coincide. Revisa que esté bien escrito.",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// The classic "M/S" formulation of the same algorithm, written independently of
    /// [`check_digit`] so the two can check each other.
    fn reference_dv(mut t: u32) -> char {
        let mut m = 0;
        let mut s = 1;
        while t > 0 {
            s = (s + (t % 10) * (9 - m % 6)) % 11;
            m += 1;
            t /= 10;
        }
        if s == 0 {
            'K'
        } else {
            char::from_digit(s - 1, 10).unwrap_or('?')
        }
    }

    #[test]
    fn known_ruts() {
        for (text, body, dv) in [
            ("11.111.111-1", 11_111_111, '1'),
            ("76.086.428-5", 76_086_428, '5'),
            ("12.345.678-5", 12_345_678, '5'),
            ("7.654.321-6", 7_654_321, '6'),
            ("10.000.013-K", 10_000_013, 'K'),
            ("1-9", 1, '9'),
        ] {
            assert_eq!(reference_dv(body), dv, "{text}");
            let rut = Rut::parse(text);
            assert_eq!(rut.map(|r| (r.body(), r.check_digit())), Ok((body, dv)), "{text}");
        }
    }

    #[test]
    fn accepts_the_ways_people_type_it() {
        let expected = Rut::from_body(12_345_678);
        for text in ["12.345.678-5", "12345678-5", "123456785", " 12 345 678 - 5 ", "12.345.678–5", "012345678-5"] {
            assert_eq!(Rut::parse(text), expected, "{text}");
        }
        let k = Rut::from_body(10_000_013);
        assert_eq!(Rut::parse("10000013-k"), k);
        assert_eq!(Rut::parse("10000013K"), k);
    }

    #[test]
    fn formats_three_ways() {
        let Ok(rut) = Rut::parse("123456785") else { panic!("valid RUT refused") };
        assert_eq!(rut.canonical(), "12345678-5");
        assert_eq!(rut.to_string(), "12.345.678-5");
        assert_eq!(rut.masked(), "••.•••.678-5");
        assert_eq!(format!("{rut:?}"), "Rut(\"••.•••.678-5\")");
        assert_eq!(Rut::parse("7654321-6").map(Rut::masked), Ok("•.•••.321-6".to_owned()));
    }

    #[test]
    fn refuses_with_spanish_messages() {
        assert_eq!(Rut::parse(""), Err(RutError::Empty));
        assert_eq!(Rut::parse("12.345.678-4"), Err(RutError::WrongCheckDigit));
        for text in ["abc", "12.345.678-", "-5", "12-34-5", "123456789-9", "0-0", "12.345.678-55", "5", "1234567X"] {
            assert_eq!(Rut::parse(text), Err(RutError::Invalid), "{text}");
        }
        assert_eq!(
            RutError::WrongCheckDigit.to_string(),
            "El dígito verificador del RUT no coincide. Revisa que esté bien escrito."
        );
    }

    proptest! {
        #[test]
        fn every_format_parses_back(body in 1u32..=MAX_BODY) {
            let rut = Rut::from_body(body).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(rut.check_digit(), reference_dv(body));
            prop_assert_eq!(Rut::parse(&rut.to_string()), Ok(rut));
            prop_assert_eq!(Rut::parse(&rut.canonical()), Ok(rut));
            prop_assert_eq!(Rut::parse(&rut.canonical().replace('-', "")), Ok(rut));
            prop_assert_eq!(Rut::parse(&rut.to_string().to_lowercase()), Ok(rut));
        }

        #[test]
        fn a_wrong_check_digit_is_always_refused(body in 1u32..=MAX_BODY, shift in 1usize..11) {
            const DIGITS: [char; 11] = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', 'K'];
            let right = DIGITS.iter().position(|d| *d == reference_dv(body)).unwrap_or(0);
            let wrong = DIGITS[(right + shift) % DIGITS.len()];
            prop_assert_eq!(Rut::parse(&format!("{body}-{wrong}")), Err(RutError::WrongCheckDigit));
            prop_assert_eq!(Rut::parse(&format!("{body}{wrong}")), Err(RutError::WrongCheckDigit));
        }

        #[test]
        fn parse_never_panics(input in ".{0,20}") {
            let _ = Rut::parse(&input);
        }
    }
}
