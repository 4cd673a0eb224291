//! Free text people type that is neither a name nor an identifier: the reasons staff give for a
//! decision, and search boxes. Both are bounded, so one request cannot store or search with an
//! arbitrarily long text.

/// Characters of a reason (rejection, ban, blocklist entry, closure).
pub const MAX_REASON_CHARS: usize = 500;
/// Shortest reason worth recording.
pub const MIN_REASON_CHARS: usize = 3;
/// Characters of a search term (a plate, a code, part of a name or an e-mail).
pub const MAX_SEARCH_CHARS: usize = 100;

/// A reason given for a staff decision, trimmed, between [`MIN_REASON_CHARS`] and
/// [`MAX_REASON_CHARS`] characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reason(String);

/// Why a text was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum TextError {
    /// Shorter than the minimum.
    #[error("Indica el motivo (al menos 3 caracteres).")]
    ReasonTooShort,
    /// Longer than the maximum.
    #[error("El motivo admite hasta 500 caracteres.")]
    ReasonTooLong,
    /// A search term longer than the maximum.
    #[error("La búsqueda admite hasta 100 caracteres.")]
    SearchTooLong,
}

impl Reason {
    /// Trims and checks the length.
    pub fn parse(input: &str) -> Result<Self, TextError> {
        let trimmed = input.trim();
        match trimmed.chars().count() {
            n if n < MIN_REASON_CHARS => Err(TextError::ReasonTooShort),
            n if n > MAX_REASON_CHARS => Err(TextError::ReasonTooLong),
            _ => Ok(Self(trimmed.to_string())),
        }
    }

    /// The reason.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The reason, owned.
    pub fn into_string(self) -> String {
        self.0
    }
}

/// A search box's term, trimmed (empty means "no search"), at most [`MAX_SEARCH_CHARS`].
pub fn search_term(input: &str) -> Result<&str, TextError> {
    let trimmed = input.trim();
    if trimmed.chars().count() > MAX_SEARCH_CHARS {
        Err(TextError::SearchTooLong)
    } else {
        Ok(trimmed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reasons_are_trimmed_and_bounded() {
        assert_eq!(Reason::parse("  no vive aquí ").map(Reason::into_string), Ok("no vive aquí".into()));
        assert_eq!(Reason::parse(" no "), Err(TextError::ReasonTooShort));
        assert!(Reason::parse(&"ñ".repeat(MAX_REASON_CHARS)).is_ok(), "characters, not bytes");
        assert_eq!(Reason::parse(&"a".repeat(MAX_REASON_CHARS + 1)), Err(TextError::ReasonTooLong));
        assert_eq!(search_term("  KHJT52 "), Ok("KHJT52"));
        assert_eq!(search_term(&"x".repeat(MAX_SEARCH_CHARS + 1)), Err(TextError::SearchTooLong));
    }

    proptest! {
        #[test]
        fn an_accepted_reason_is_always_within_bounds(input in "\\PC{0,700}") {
            if let Ok(r) = Reason::parse(&input) {
                let n = r.as_str().chars().count();
                prop_assert!((MIN_REASON_CHARS..=MAX_REASON_CHARS).contains(&n));
                prop_assert_eq!(r.as_str(), input.trim());
            }
        }
    }
}
