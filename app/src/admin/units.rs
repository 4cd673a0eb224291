//! `/admin/unidades`: a building's units. Bulk creation from a list such as `101-120, PH`
//! (parsed by `domain::inventory::parse_unit_list`; numbers that already exist are skipped and
//! reported), search, and deactivate/reactivate. A deactivated unit is not offered at sign-up
//! (identity lists only active units) and its residents keep their accounts.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingScreen;
use serde::{Deserialize, Serialize};

/// A unit in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitRow {
    /// `units.id`.
    pub id: String,
    /// Number (`101`, `PH`).
    pub number: String,
    /// Whether it is active.
    pub active: bool,
    /// Residents registered in it.
    pub residents: i64,
}

/// The units screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitListing {
    /// The building shown, the others to choose from, and whether the caller may change it.
    #[serde(flatten)]
    pub screen: BuildingScreen,
    /// The page's units.
    pub rows: Vec<UnitRow>,
    /// Matching units in all pages.
    pub total: u32,
    /// Current page.
    pub page: u32,
    /// Number of pages.
    pub pages: u32,
}

/// What a bulk creation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkResult {
    /// Units created.
    pub created: u32,
    /// Numbers that already existed (skipped).
    pub existing: Vec<String>,
}

impl BulkResult {
    /// `20 creadas, 2 ya existían (101, 102)`.
    pub fn summary(&self) -> String {
        let created = match self.created {
            1 => "1 unidad creada".to_string(),
            n => format!("{n} unidades creadas"),
        };
        match self.existing.len() {
            0 => format!("{created}."),
            1 => format!("{created}, 1 ya existía ({}).", self.existing[0]),
            n => {
                let shown: Vec<&str> = self.existing.iter().take(10).map(String::as_str).collect();
                let more = if n > 10 { ", …" } else { "" };
                format!("{created}, {n} ya existían ({}{more}).", shown.join(", "))
            }
        }
    }
}
