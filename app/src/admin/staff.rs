//! `/admin/personal`: staff accounts (concierge, building admin, support, admin, sales rep) —
//! list, filter and search; create with an initial password; change role; assign building;
//! ban and unban. Role, building and ban changes bump the account's session epoch, which ends
//! its open sessions on their next request.
//!
//! Who may do what (checked on the server): platform admins everything except banning
//! themselves, changing their own role, or demoting or banning the last active admin; a
//! building admin creates, bans and unbans concierge accounts of their own building and reads
//! their building's staff; support reads every building's staff.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use crate::domain::role::Role;
use serde::{Deserialize, Serialize};

/// The roles this screen manages (every role but resident).
pub const STAFF_ROLES: [Role; 5] = [Role::Concierge, Role::BuildingAdmin, Role::Support, Role::Admin, Role::SalesRep];

/// The statuses the filter offers.
pub const STATUSES: [&str; 2] = ["active", "banned"];

/// A staff role typed in a form (`concierge`, …); residents are not staff.
pub fn parse_staff_role(raw: &str) -> Option<Role> {
    Role::parse(raw.trim()).filter(|r| STAFF_ROLES.contains(r))
}

/// The raw filter, as the query string carries it (empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct StaffQuery {
    /// Role code.
    pub rol: String,
    /// Building id (platform roles).
    pub edificio: String,
    /// Status code.
    pub estado: String,
    /// Part of the name or e-mail.
    pub buscar: String,
}

impl StaffQuery {
    /// The filter as a query string (for the pager and the action links).
    pub fn to_query_string(&self) -> String {
        crate::ui::admin::query_string(&[
            ("rol", &self.rol),
            ("edificio", &self.edificio),
            ("estado", &self.estado),
            ("buscar", &self.buscar),
        ])
    }
}

/// The new-account form as posted: the text as typed, parsed on the server.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewStaffForm {
    /// Full name.
    pub full_name: String,
    /// E-mail, the login.
    pub email: String,
    /// Mobile phone (optional).
    pub phone: String,
    /// Role code.
    pub role: String,
    /// Building id (building-scoped roles).
    pub building_id: String,
    /// The initial password the creator shares with the person.
    pub password: String,
}

/// A staff account as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffRow {
    /// `users.id`.
    pub user_id: String,
    /// Full name.
    pub full_name: String,
    /// E-mail.
    pub email: String,
    /// Role code.
    pub role: String,
    /// Role in Spanish.
    pub role_label: String,
    /// Building id ("" for platform roles).
    pub building_id: String,
    /// Building name ("" for platform roles).
    pub building: String,
    /// Status code.
    pub status: String,
    /// Status in Spanish.
    pub status_label: String,
    /// The reason of a ban.
    pub reason: Option<String>,
    /// Whether the caller may ban or unban this account.
    pub can_ban: bool,
    /// Whether the caller may change this account's role and building.
    pub can_change_role: bool,
}

/// A role the caller may give a new account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleChoice {
    /// Role code.
    pub code: String,
    /// Spanish label.
    pub label: String,
}

/// The staff screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffListing {
    /// The page of accounts.
    pub rows: Vec<StaffRow>,
    /// Matching accounts.
    pub total: u32,
    /// This page (from 1).
    pub page: u32,
    /// Pages (at least 1).
    pub pages: u32,
    /// Buildings to filter by and assign.
    pub buildings: Vec<BuildingChoice>,
    /// Roles the caller may create (empty: the caller only reads).
    pub creatable_roles: Vec<RoleChoice>,
    /// The search as typed, for the search box (the URL carries it sealed).
    pub search: String,
}

/// Roles as choices for a `<select>`.
pub fn role_choices(roles: &[Role]) -> Vec<RoleChoice> {
    roles
        .iter()
        .map(|r| RoleChoice { code: r.as_str().to_string(), label: r.label_es().to_string() })
        .collect()
}
