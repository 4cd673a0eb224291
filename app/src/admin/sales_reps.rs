//! `/admin/vendedores`: the sales reps, the buildings each one holds and at which rate, and
//! what they have earned; admins assign a building to a rep (or change the rate) and really
//! unassign it. An assignment counts from the building's current local day: the day's payout
//! credits whoever holds the building on that day (see `sales_rep_assignments`).

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use serde::{Deserialize, Serialize};

/// A building a rep currently holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HeldBuilding {
    /// `buildings.id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// The rate, `5 %`.
    pub rate: String,
    /// Since (local date, `dd-mm-aaaa`).
    pub since: String,
}

/// One sales rep.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepRow {
    /// `users.id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// E-mail.
    pub email: String,
    /// Whether the account is active (only active reps can be assigned).
    pub active: bool,
    /// The buildings they hold now.
    pub buildings: Vec<HeldBuilding>,
    /// Commissions not yet paid, formatted.
    pub pending: String,
    /// Commissions paid, formatted.
    pub paid: String,
}

/// A past or current assignment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignmentRow {
    /// Building name.
    pub building: String,
    /// Rep name.
    pub rep: String,
    /// Rate.
    pub rate: String,
    /// First local day, `dd-mm-aaaa`.
    pub from: String,
    /// Day after the last one, or "—" while current.
    pub until: String,
}

/// The screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesRepListing {
    /// The reps, by name.
    pub reps: Vec<RepRow>,
    /// Active buildings, for the assignment form.
    pub buildings: Vec<BuildingChoice>,
    /// The latest assignments.
    pub history: Vec<AssignmentRow>,
    /// Whether the caller may assign and unassign (admins).
    pub can_edit: bool,
}
