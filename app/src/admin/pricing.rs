//! `/admin/precios`: a building's pricing rules (create, edit, deactivate) and a preview of the
//! effective prices they produce for the next 14 days, computed by the booking's own pricing
//! code (`booking::ssr::{rules, price_block}`), so the preview is what residents will pay.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingScreen;
use serde::{Deserialize, Serialize};

/// Days the preview covers, from today in the building's zone.
pub const PREVIEW_DAYS: u32 = 14;

/// A pricing rule as staff see it.
/// The pricing-rule form as posted: the text as typed, parsed on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingRuleForm {
    /// The rule's name.
    pub name: String,
    /// An integer from -1000 to 1000 (empty: 0); the higher wins.
    pub priority: String,
    /// First day, `dd-mm-aaaa`.
    pub desde: String,
    /// Last day, `dd-mm-aaaa`.
    pub hasta: String,
    /// The multiplier as typed (`1,5`, `150 %`).
    pub multiplier: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleRow {
    /// `pricing_rules.id`.
    pub id: String,
    /// Name ("Fiestas Patrias").
    pub name: String,
    /// Higher wins.
    pub priority: i32,
    /// First local day, `yyyy-mm-dd` (for the edit form).
    pub first_day: String,
    /// Last local day, `yyyy-mm-dd`.
    pub last_day: String,
    /// The range as shown, `17-09-2027 al 20-09-2027`.
    pub range: String,
    /// Multiplier as typed, `1,5`.
    pub multiplier: String,
    /// Whether it is active.
    pub active: bool,
}

/// One line of the preview: a template on one day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PreviewRow {
    /// `sábado, 28 de noviembre`.
    pub day: String,
    /// `yyyy-mm-dd`.
    pub date: String,
    /// Template name.
    pub template: String,
    /// Base price, `$5.000`.
    pub base: String,
    /// Multiplier, `×2`.
    pub multiplier: String,
    /// Effective price, `$10.000`.
    pub effective: String,
    /// The rule that set the multiplier, if any.
    pub rule: Option<String>,
}

/// The pricing screen's data for one building.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PricingListing {
    /// The building shown, the others to choose from, and whether the caller may change it.
    #[serde(flatten)]
    pub screen: BuildingScreen,
    /// Its rules, newest first.
    pub rules: Vec<RuleRow>,
    /// The next 14 days' effective prices.
    pub preview: Vec<PreviewRow>,
}
