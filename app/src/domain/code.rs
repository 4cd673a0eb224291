//! Booking confirmation codes: what the guest shows at the gate and the concierge types.
//!
//! The alphabet leaves out look-alikes (0/O, 1/I/L) so a code read aloud or off a phone screen
//! is typed right the first time.

use rand_core::RngCore;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// The 31 symbols a code is made of.
pub const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
/// Symbols per code; 31⁸ ≈ 8,5 × 10¹¹ codes.
pub const LENGTH: usize = 8;

/// The largest multiple of the alphabet size that fits in a byte; bytes at or above it are
/// rejected so every symbol is equally likely (a plain `% 31` would favour the first symbols).
const ACCEPT_BELOW: u8 = (256 / ALPHABET.len() * ALPHABET.len()) as u8;

/// An 8-symbol confirmation code, stored plain (`ABCD2345`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ConfirmationCode([u8; LENGTH]);

impl ConfirmationCode {
    /// Draws a uniformly random code. Pass a cryptographic generator: codes admit people in.
    pub fn generate(rng: &mut impl RngCore) -> Self {
        let mut code = [0u8; LENGTH];
        let mut filled = 0;
        while filled < LENGTH {
            for byte in rng.next_u32().to_le_bytes() {
                if byte < ACCEPT_BELOW && filled < LENGTH {
                    code[filled] = ALPHABET[usize::from(byte) % ALPHABET.len()];
                    filled += 1;
                }
            }
        }
        Self(code)
    }

    /// Reads a typed code: trims, upper-cases and drops spaces and dashes (`abcd-2345`).
    pub fn parse(input: &str) -> Result<Self, CodeError> {
        let cleaned: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && !matches!(c, '-' | '‐' | '–' | '—'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if cleaned.is_empty() {
            return Err(CodeError::Empty);
        }
        if cleaned.len() != LENGTH {
            return Err(CodeError::WrongLength);
        }
        let mut code = [0u8; LENGTH];
        for (slot, ch) in code.iter_mut().zip(cleaned) {
            let byte = u8::try_from(ch).map_err(|_| CodeError::InvalidCharacter)?;
            if !ALPHABET.contains(&byte) {
                return Err(CodeError::InvalidCharacter);
            }
            *slot = byte;
        }
        Ok(Self(code))
    }

    /// `ABCD2345`: the stored and compared form.
    pub fn as_str(&self) -> &str {
        // Every byte comes from ALPHABET, which is ASCII, so this never falls back.
        std::str::from_utf8(&self.0).unwrap_or("")
    }
}

impl fmt::Display for ConfirmationCode {
    /// `ABCD-2345`, easier to read aloud; [`ConfirmationCode::parse`] accepts it back.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let text = self.as_str();
        let (head, tail) = text.split_at(LENGTH / 2);
        write!(f, "{head}-{tail}")
    }
}

impl FromStr for ConfirmationCode {
    type Err = CodeError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl TryFrom<String> for ConfirmationCode {
    type Error = CodeError;

    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<ConfirmationCode> for String {
    fn from(code: ConfirmationCode) -> Self {
        code.as_str().to_owned()
    }
}

/// Why a typed confirmation code was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum CodeError {
    /// Nothing was typed.
    Empty,
    /// Not 8 symbols once spaces and dashes are removed.
    WrongLength,
    /// A symbol outside the alphabet (including the excluded 0, O, 1, I and L).
    InvalidCharacter,
}

impl CodeError {
    /// The message shown to the person who typed the code (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::Empty => "Ingresa el código de confirmación.",
            Self::WrongLength => "El código de confirmación tiene 8 caracteres, por ejemplo ABCD-2345.",
            Self::InvalidCharacter => {
                "El código de confirmación no es válido. Usa solo letras y números (no incluye 0, O, 1, I ni L)."
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use rand::rngs::StdRng;
    use rand::SeedableRng;

    #[test]
    fn alphabet_has_no_look_alikes() {
        assert_eq!(ALPHABET.len(), 31);
        for excluded in b"01OIL" {
            assert!(!ALPHABET.contains(excluded));
        }
        assert_eq!(ACCEPT_BELOW, 248);
    }

    #[test]
    fn parses_typed_codes() {
        let expected = ConfirmationCode(*b"ABCD2345");
        for input in ["ABCD2345", "abcd2345", " abcd-2345 ", "AB CD 23 45", "ABCD–2345"] {
            assert_eq!(ConfirmationCode::parse(input), Ok(expected), "{input}");
        }
        assert_eq!(expected.as_str(), "ABCD2345");
        assert_eq!(expected.to_string(), "ABCD-2345");
    }

    #[test]
    fn refuses_bad_codes() {
        assert_eq!(ConfirmationCode::parse(" - "), Err(CodeError::Empty));
        assert_eq!(ConfirmationCode::parse("ABCD234"), Err(CodeError::WrongLength));
        assert_eq!(ConfirmationCode::parse("ABCD23456"), Err(CodeError::WrongLength));
        assert_eq!(ConfirmationCode::parse("ABCD2340"), Err(CodeError::InvalidCharacter));
        assert_eq!(ConfirmationCode::parse("OBCD2345"), Err(CodeError::InvalidCharacter));
        assert_eq!(ConfirmationCode::parse("ABCD234ñ"), Err(CodeError::InvalidCharacter));
        assert_eq!(ConfirmationCode::parse("ABCD.345"), Err(CodeError::InvalidCharacter));
    }

    /// An rng that returns 0xFF bytes first, forcing rejections, then zeros.
    struct Biased(u32);
    impl rand_core::RngCore for Biased {
        fn next_u32(&mut self) -> u32 {
            self.0 += 1;
            if self.0 <= 3 {
                u32::MAX
            } else {
                0
            }
        }
        fn next_u64(&mut self) -> u64 {
            u64::from(self.next_u32())
        }
        fn fill_bytes(&mut self, dest: &mut [u8]) {
            dest.fill(0);
        }
        fn try_fill_bytes(&mut self, dest: &mut [u8]) -> Result<(), rand_core::Error> {
            self.fill_bytes(dest);
            Ok(())
        }
    }

    #[test]
    fn rejected_bytes_are_skipped_not_folded() {
        // 0xFF % 31 would be '9'; rejection sampling must skip it and use the zeros that follow.
        assert_eq!(ConfirmationCode::generate(&mut Biased(0)).as_str(), "22222222");
    }

    #[test]
    fn symbols_are_roughly_uniform() {
        let mut rng = StdRng::seed_from_u64(7);
        let mut counts = [0u32; 31];
        for _ in 0..20_000 {
            for b in ConfirmationCode::generate(&mut rng).0 {
                if let Some(i) = ALPHABET.iter().position(|a| *a == b) {
                    counts[i] += 1;
                }
            }
        }
        // 160_000 draws over 31 symbols: about 5_161 each. A modulo bias would give the first
        // eight symbols 9/8 of the others' share, far outside this ±5 % band.
        let mean = 160_000 / 31;
        for count in counts {
            assert!(count.abs_diff(mean) * 20 < mean, "{counts:?}");
        }
    }

    proptest! {
        #[test]
        fn generated_codes_parse_back(seed in any::<u64>()) {
            let code = ConfirmationCode::generate(&mut StdRng::seed_from_u64(seed));
            prop_assert_eq!(ConfirmationCode::parse(code.as_str()), Ok(code));
            prop_assert_eq!(ConfirmationCode::parse(&code.to_string()), Ok(code));
            prop_assert_eq!(ConfirmationCode::parse(&code.to_string().to_lowercase()), Ok(code));
        }

        #[test]
        fn parse_never_panics(input in ".{0,12}") {
            if let Ok(code) = ConfirmationCode::parse(&input) {
                prop_assert!(code.as_str().bytes().all(|b| ALPHABET.contains(&b)));
            }
        }
    }
}
