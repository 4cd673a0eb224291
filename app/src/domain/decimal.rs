//! Exact fixed-point decimals typed the Chilean way (`1,1`) or the computer way (`1.1`), and
//! whole numbers grouped with es-CL thousands dots.
//!
//! Multipliers and rates must never touch binary floats (3.000 × 1,1 would become 3.301), so they
//! are read straight from the text into a scaled integer.

/// Why a decimal string could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecimalError {
    /// Nothing but whitespace.
    Empty,
    /// Not a plain non-negative decimal number.
    Invalid,
    /// More fractional digits than the scale keeps; rounding silently would change the value.
    TooManyDecimals,
    /// Larger than any value we could care about.
    Overflow,
}

/// Reads `int[,frac]` or `int[.frac]` into an integer scaled by `10^scale`.
///
/// The integer part may be empty (`,5` is one half) but at least one digit must appear.
pub(crate) fn parse_scaled(input: &str, scale: u32) -> Result<u64, DecimalError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(DecimalError::Empty);
    }
    let (int_part, frac_part) = match text.find([',', '.']) {
        Some(at) => (&text[..at], Some(&text[at + 1..])),
        None => (text, None),
    };
    let frac_part = frac_part.unwrap_or("");
    let all_digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !all_digits(int_part) || !all_digits(frac_part) {
        return Err(DecimalError::Invalid);
    }
    if int_part.is_empty() && frac_part.is_empty() {
        return Err(DecimalError::Invalid);
    }
    // A trailing separator ("1,") is a typo we can read unambiguously, but a separator with
    // nothing on either side is not a number.
    let frac_digits = u32::try_from(frac_part.len()).map_err(|_| DecimalError::TooManyDecimals)?;
    if frac_digits > scale {
        return Err(DecimalError::TooManyDecimals);
    }
    let mut value: u64 = 0;
    for digit in int_part.bytes().chain(frac_part.bytes()) {
        value = value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(digit - b'0')))
            .ok_or(DecimalError::Overflow)?;
    }
    value.checked_mul(10u64.pow(scale - frac_digits)).ok_or(DecimalError::Overflow)
}

/// Writes a scaled integer the es-CL way: comma separator, no trailing zeros (`11000, 4` → `1,1`).
pub(crate) fn format_scaled(value: u64, scale: u32) -> String {
    let unit = 10u64.pow(scale);
    let whole = value / unit;
    let frac = value % unit;
    if frac == 0 {
        return whole.to_string();
    }
    let width = scale as usize;
    let frac = format!("{frac:0width$}");
    format!("{whole},{}", frac.trim_end_matches('0'))
}

/// Writes a whole number with es-CL thousands dots: `1234567` → `1.234.567`.
pub(crate) fn group_thousands(value: u64) -> String {
    let digits = value.to_string();
    let mut grouped = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            grouped.push('.');
        }
        grouped.push(ch);
    }
    grouped
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn reads_both_separators() {
        assert_eq!(parse_scaled("1,1", 4), Ok(11_000));
        assert_eq!(parse_scaled("1.1", 4), Ok(11_000));
        assert_eq!(parse_scaled(" 2 ", 4), Ok(20_000));
        assert_eq!(parse_scaled("0,85", 4), Ok(8_500));
        assert_eq!(parse_scaled(",5", 2), Ok(50));
        assert_eq!(parse_scaled("1,", 2), Ok(100));
        assert_eq!(parse_scaled("1,2345", 4), Ok(12_345));
    }

    #[test]
    fn refuses_garbage_and_excess_precision() {
        assert_eq!(parse_scaled("", 4), Err(DecimalError::Empty));
        assert_eq!(parse_scaled(",", 4), Err(DecimalError::Invalid));
        assert_eq!(parse_scaled("1,1,1", 4), Err(DecimalError::Invalid));
        assert_eq!(parse_scaled("-1", 4), Err(DecimalError::Invalid));
        assert_eq!(parse_scaled("1e3", 4), Err(DecimalError::Invalid));
        assert_eq!(parse_scaled("1 1", 4), Err(DecimalError::Invalid));
        assert_eq!(parse_scaled("1,23456", 4), Err(DecimalError::TooManyDecimals));
        assert_eq!(parse_scaled("99999999999999999999", 4), Err(DecimalError::Overflow));
    }

    #[test]
    fn formats_without_trailing_zeros() {
        assert_eq!(format_scaled(11_000, 4), "1,1");
        assert_eq!(format_scaled(20_000, 4), "2");
        assert_eq!(format_scaled(8_500, 4), "0,85");
        assert_eq!(format_scaled(10_001, 4), "1,0001");
        assert_eq!(format_scaled(1_050, 2), "10,5");
    }

    #[test]
    fn groups_thousands() {
        assert_eq!(group_thousands(0), "0");
        assert_eq!(group_thousands(999), "999");
        assert_eq!(group_thousands(1_000), "1.000");
        assert_eq!(group_thousands(12_345_678), "12.345.678");
        assert_eq!(group_thousands(u64::MAX), "18.446.744.073.709.551.615");
    }

    proptest! {
        #[test]
        fn format_then_parse_round_trips(value in 0u64..10_000_000_000, scale in 0u32..=6) {
            prop_assert_eq!(parse_scaled(&format_scaled(value, scale), scale), Ok(value));
        }
    }
}
