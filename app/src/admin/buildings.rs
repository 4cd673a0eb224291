//! `/admin/edificios` and `/admin/edificios/:id`: the buildings. Admins create, edit (terms and
//! settings), archive, restore and delete them (delete only while the building holds no
//! bookings, no money rows and no accounts); a building admin sees their own building and edits
//! only its settings; support reads. A new building gets the standard block templates. The
//! building page also runs the availability generator for that building on demand.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// A building in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingRow {
    /// `buildings.id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Address and comuna.
    pub address: String,
    /// Whether it is archived.
    pub archived: bool,
    /// Active units.
    pub units: i64,
    /// Active visitor spots.
    pub spots: i64,
}

/// The list screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingListing {
    /// The page's buildings.
    pub rows: Vec<BuildingRow>,
    /// Matching buildings in all pages.
    pub total: u32,
    /// Current page, from 1.
    pub page: u32,
    /// Number of pages.
    pub pages: u32,
    /// Whether the caller may create buildings (admins).
    pub can_create: bool,
}

/// One building with everything its page shows and its forms prefill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingDetail {
    /// `buildings.id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Comuna (may be empty).
    pub comuna: String,
    /// Time zone name.
    pub time_zone: String,
    /// Commission as the form shows it, `10,5`.
    pub commission: String,
    /// Monthly fee as the form shows it, `50000`.
    pub monthly_fee: String,
    /// Monthly fee formatted, `$50.000`.
    pub monthly_fee_text: String,
    /// Booking horizon, days.
    pub horizon: i32,
    /// Max active bookings per resident.
    pub max_active: i32,
    /// Hold minutes.
    pub hold: i32,
    /// No-show enabled.
    pub no_show: bool,
    /// No-show grace minutes.
    pub no_show_grace: i32,
    /// Overstay grace minutes.
    pub overstay_grace: i32,
    /// Check-in early minutes.
    pub check_in_early: i32,
    /// Whether it is archived.
    pub archived: bool,
    /// Units (active).
    pub units: i64,
    /// Visitor spots (active).
    pub spots: i64,
    /// Active templates.
    pub templates: i64,
    /// Future available blocks.
    pub future_available: i64,
    /// Why it cannot be deleted (Spanish), `None` when it can.
    pub delete_blocker: Option<String>,
    /// Whether the caller may change name, address, zone, commission and fee, archive and delete.
    pub can_edit_terms: bool,
    /// Whether the caller may change the settings and generate availability.
    pub can_edit_settings: bool,
}

/// The settings half of a building form as posted (raw strings under the form's field names).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingSettingsForm {
    /// Booking horizon, days.
    pub horizon: String,
    /// Maximum active bookings per resident.
    pub max_active: String,
    /// Hold minutes.
    pub hold: String,
    /// No-show enabled: the checkbox is sent only when ticked.
    pub no_show: Option<String>,
    /// No-show grace, minutes.
    pub no_show_grace: String,
    /// Overstay grace, minutes.
    pub overstay_grace: String,
    /// Check-in early, minutes.
    pub check_in_early: String,
}

/// A whole building form as posted: the terms and, flattened under their own names, the
/// settings.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingForm {
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Comuna.
    pub comuna: String,
    /// Time zone name.
    pub time_zone: String,
    /// Commission, `10 %` or `10,5`.
    pub commission: String,
    /// Monthly fee, `$50.000` or `50000`.
    pub monthly_fee: String,
    /// The settings fields.
    #[serde(flatten)]
    pub settings: BuildingSettingsForm,
}
