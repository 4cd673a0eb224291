//! `/admin/residentes/todos`: every resident of the building with their status; deactivate,
//! ban with a reason, and restore. Deactivating and banning bump the account's session epoch,
//! which ends every open session of the resident on their next request.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use serde::{Deserialize, Serialize};

/// A resident as staff see them in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentRow {
    /// `users.id`.
    pub user_id: String,
    /// Full name.
    pub full_name: String,
    /// E-mail.
    pub email: String,
    /// Building name.
    pub building: String,
    /// Unit number.
    pub unit: String,
    /// Status code (`active`, `pending`, `inactive`, `banned`).
    pub status: String,
    /// Status in Spanish.
    pub status_label: String,
    /// The reason of a ban or rejection.
    pub reason: Option<String>,
}

/// The residents screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResidentListing {
    /// One page of the residents in scope matching the filter.
    pub rows: Vec<ResidentRow>,
    /// Residents matching, over every page.
    pub total: i64,
    /// The current page, from 1.
    pub page: u32,
    /// Pages (at least 1).
    pub pages: u32,
    /// Buildings to filter by.
    pub buildings: Vec<BuildingChoice>,
    /// Whether the caller may change statuses (support only reads).
    pub can_edit: bool,
    /// The search as typed, for the search box (the URL carries it sealed).
    pub search: String,
}

/// The (value, label) choices of a status filter.
pub fn status_choices(statuses: &[&str]) -> Vec<(String, String)> {
    statuses.iter().map(|s| (s.to_string(), status_label(s).to_string())).collect()
}

/// The Spanish label of a user status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "active" => "Activo",
        "pending" => "Pendiente de aprobación",
        "inactive" => "Desactivado",
        "banned" => "Bloqueado",
        _ => "Desconocido",
    }
}

/// The statuses the filter offers.
pub const STATUSES: [&str; 4] = ["active", "pending", "inactive", "banned"];
