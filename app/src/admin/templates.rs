//! `/admin/bloques`: a building's block templates (the daily shapes residents book) and their
//! base prices. Create, edit the name and base price, deactivate and reactivate. A new base
//! price applies to the template's future *available* blocks (reserved, blocked and past ones
//! keep theirs); the edit first shows how many blocks will change and asks for confirmation,
//! then saves template and blocks in one transaction. Start time and duration are fixed once a
//! template exists (its blocks are keyed by start): to change the schedule, create a new
//! template and deactivate the old one, whose future available blocks are then blocked.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingScreen;
use serde::{Deserialize, Serialize};

/// A template in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRow {
    /// `block_templates.id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Start, `08:00`.
    pub start: String,
    /// Duration, `11 h`.
    pub duration: String,
    /// Base price, `$5.000`.
    pub price: String,
    /// Base price as the form shows it, `5000`.
    pub price_field: String,
    /// Whether it is active.
    pub active: bool,
    /// Future available blocks of the template.
    pub available: i64,
}

/// The templates screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateListing {
    /// The building shown, the others to choose from, and whether the caller may change it.
    #[serde(flatten)]
    pub screen: BuildingScreen,
    /// Its templates.
    pub rows: Vec<TemplateRow>,
}

/// What a base-price change will do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricePreview {
    /// The template.
    pub template_id: String,
    /// The new name, as typed (cleaned).
    pub name: String,
    /// Current base price, `$5.000`.
    pub from: String,
    /// New base price, `$6.000`.
    pub to: String,
    /// New base price in pesos, for the confirming form.
    pub to_pesos: i64,
    /// Future available blocks whose price will change.
    pub blocks: i64,
}
