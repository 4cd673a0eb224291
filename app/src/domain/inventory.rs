//! What administrators type when they set up a building: the building's terms and settings,
//! lists of unit numbers ("101-120, PH"), visitor spots, maintenance ranges and block templates.
//!
//! Every parser collects all of a form's problems at once as `(field, message)` pairs in Spanish,
//! so the form can mark each field; the server maps them to `FieldError`s.

use super::money::ClpError;

mod building;
mod spots;
mod templates;
mod units;
pub use building::{BuildingSettings, BuildingTerms, SettingsForm, TermsForm, CHILEAN_ZONES, MAX_MONTHLY_FEE};
pub use spots::{parse_local_datetime, ClosureInput, SpotInput};
pub use templates::{duration_field, duration_text, parse_duration_minutes, parse_start_time, TemplateInput, MAX_BASE_PRICE};
pub use units::{parse_unit_list, valid_number, UnitListError, MAX_UNITS_PER_REQUEST};

/// A problem with one field of a form: its name and the Spanish message.
pub type FieldProblem = (&'static str, String);

/// The Spanish message of a refused amount.
fn clp_message(e: ClpError) -> String {
    e.message().to_string()
}

/// Collapses runs of whitespace and trims.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests;
