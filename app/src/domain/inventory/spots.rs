//! Visitor spots and the maintenance ranges that close them.

use super::{squash, valid_number, FieldProblem};
use chrono::NaiveDateTime;

/// A visitor spot as typed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotInput {
    /// Number (`V-01`), as the database accepts it.
    pub number: String,
    /// Short label (`Subterráneo -1`), optional, up to 60 characters.
    pub label: Option<String>,
    /// Longer description, optional, up to 500 characters.
    pub description: Option<String>,
}

impl SpotInput {
    /// Reads the spot form.
    pub fn parse(number: &str, label: &str, description: &str) -> Result<Self, Vec<FieldProblem>> {
        let mut p: Vec<FieldProblem> = Vec::new();
        let number = squash(number);
        if !valid_number(&number) {
            p.push(("number", "Escribe el número del estacionamiento (letras, dígitos, guiones; hasta 20 caracteres).".into()));
        }
        let label = Some(squash(label)).filter(|l| !l.is_empty());
        if label.as_ref().is_some_and(|l| l.chars().count() > 60) {
            p.push(("label", "La etiqueta admite hasta 60 caracteres.".into()));
        }
        let description = Some(description.trim().to_string()).filter(|d| !d.is_empty());
        if description.as_ref().is_some_and(|d| d.chars().count() > 500) {
            p.push(("description", "La descripción admite hasta 500 caracteres.".into()));
        }
        if p.is_empty() {
            Ok(Self { number, label, description })
        } else {
            Err(p)
        }
    }
}

/// A maintenance range as typed (local wall-clock times of the building), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureInput {
    /// First local instant.
    pub from: NaiveDateTime,
    /// Local instant it ends (exclusive).
    pub until: NaiveDateTime,
    /// Why, 3–500 characters.
    pub reason: String,
}

/// A local date and time as `<input type=datetime-local>` sends it (`2027-03-01T08:00`), or
/// typed as `01-03-2027 08:00`.
pub fn parse_local_datetime(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
}

impl ClosureInput {
    /// Reads the closure form.
    pub fn parse(from: &str, until: &str, reason: &str) -> Result<Self, Vec<FieldProblem>> {
        let mut p: Vec<FieldProblem> = Vec::new();
        let start = parse_local_datetime(from);
        if start.is_none() {
            p.push(("desde", "Escribe la fecha y hora de inicio.".into()));
        }
        let end = parse_local_datetime(until);
        match (start, end) {
            (_, None) => p.push(("hasta", "Escribe la fecha y hora de término.".into())),
            (Some(s), Some(e)) if e <= s => p.push(("hasta", "El término debe ser posterior al inicio.".into())),
            (Some(s), Some(e)) if e - s > chrono::Duration::days(366) => {
                p.push(("hasta", "Un cierre puede durar como máximo un año.".into()));
            }
            _ => {}
        }
        let reason = squash(reason);
        if reason.chars().count() < 3 || reason.chars().count() > 500 {
            p.push(("reason", "Indica el motivo (entre 3 y 500 caracteres).".into()));
        }
        match (start, end) {
            (Some(from), Some(until)) if p.is_empty() => Ok(Self { from, until, reason }),
            _ => Err(p),
        }
    }
}
