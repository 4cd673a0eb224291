//! Unit numbers and the lists administrators type for them ("101-120, PH").

use std::collections::HashSet;

/// The most unit numbers one bulk request may create.
pub const MAX_UNITS_PER_REQUEST: usize = 500;

/// A unit or spot number as the database accepts it (`^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,19}$`).
pub fn valid_number(number: &str) -> bool {
    let mut chars = number.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && number.chars().count() <= 20
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '/' | '-'))
}

/// Why a list of unit numbers was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum UnitListError {
    /// Nothing was typed.
    Empty,
    /// A piece that is neither a range nor a valid unit number.
    Invalid(String),
    /// A range whose end is below its start (`120-101`).
    Reversed(String),
    /// A range, or the whole list, with more than [`MAX_UNITS_PER_REQUEST`] numbers.
    TooMany,
}

impl UnitListError {
    /// The message shown to the administrator (es-CL).
    pub fn message(&self) -> String {
        match self {
            Self::Empty => "Escribe al menos un número de unidad, por ejemplo 101-120 o 101, 102, PH.".into(),
            Self::Invalid(piece) => format!(
                "«{piece}» no es un número de unidad válido: usa letras, dígitos, espacios, puntos, guiones o barras (hasta 20 caracteres)."
            ),
            Self::Reversed(piece) => format!("El rango «{piece}» está al revés: escribe primero el número menor."),
            Self::TooMany => format!("Puedes crear como máximo {MAX_UNITS_PER_REQUEST} unidades por vez."),
        }
    }
}

/// Reads a list of unit numbers: pieces separated by commas, semicolons or line breaks, each a
/// single number (`PH`, `B-12`, `1001`) or a numeric range (`101-120`, `01-09` keeps the zeros).
/// Duplicates are dropped (first occurrence kept), order is preserved, and the result never
/// exceeds [`MAX_UNITS_PER_REQUEST`] numbers.
pub fn parse_unit_list(input: &str) -> Result<Vec<String>, UnitListError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |number: String, out: &mut Vec<String>| -> Result<(), UnitListError> {
        if seen.insert(number.to_uppercase()) {
            if out.len() >= MAX_UNITS_PER_REQUEST {
                return Err(UnitListError::TooMany);
            }
            out.push(number);
        }
        Ok(())
    };
    for piece in input.split([',', ';', '\n', '\r']) {
        let piece = piece.split_whitespace().collect::<Vec<_>>().join(" ");
        if piece.is_empty() {
            continue;
        }
        if let Some((from, to)) = numeric_range(&piece) {
            let (Ok(start), Ok(end)) = (from.parse::<u64>(), to.parse::<u64>()) else {
                return Err(UnitListError::Invalid(piece));
            };
            if end < start {
                return Err(UnitListError::Reversed(piece));
            }
            if end - start >= MAX_UNITS_PER_REQUEST as u64 {
                return Err(UnitListError::TooMany);
            }
            // "01-09" keeps its width; "1-10" does not pad.
            let width = if from.starts_with('0') { from.len() } else { 0 };
            for n in start..=end {
                let number = format!("{n:0width$}");
                if !valid_number(&number) {
                    return Err(UnitListError::Invalid(piece));
                }
                push(number, &mut out)?;
            }
        } else if valid_number(&piece) {
            push(piece, &mut out)?;
        } else {
            return Err(UnitListError::Invalid(piece));
        }
    }
    if out.is_empty() {
        return Err(UnitListError::Empty);
    }
    Ok(out)
}

/// The dashes accepted between the ends of a range: administrators paste "101–120" (en dash,
/// as word processors and PRODUCT.md write it) or "101 — 120" (em dash) as often as "101-120".
const RANGE_DASHES: [char; 3] = ['-', '\u{2013}', '\u{2014}'];

/// `("101", "120")` when `piece` is `digits-dash-digits` (hyphen, en dash or em dash; spaces around
/// the dash allowed).
fn numeric_range(piece: &str) -> Option<(&str, &str)> {
    let (from, to) = piece.split_once(RANGE_DASHES)?;
    let (from, to) = (from.trim(), to.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(from) && digits(to)).then_some((from, to))
}
