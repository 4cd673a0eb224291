//! Identity: sign-up, login, logout, password reset, the approval of residents, and what the
//! header shows about the person logged in.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::domain::role::Role;
use serde::{Deserialize, Serialize};

/// What the browser may know about the logged-in person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionUser {
    /// Display name.
    pub name: String,
    /// Role.
    pub role: Role,
}

/// The sign-up form as posted: raw strings under the form's field names, parsed into domain
/// types by the handler (so every field's problem is shown at once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignUpForm {
    /// Given names.
    pub first_name: String,
    /// Surnames.
    pub last_name: String,
    /// Login e-mail.
    pub email: String,
    /// Chosen password.
    pub password: String,
    /// RUT.
    pub rut: String,
    /// Mobile for WhatsApp.
    pub phone: String,
    /// `buildings.id` chosen from the list.
    pub building_id: String,
    /// `units.id` chosen from the list.
    pub unit_id: String,
}

/// A unit a resident can choose at sign-up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitOption {
    /// `units.id`.
    pub id: String,
    /// Unit number ("1204").
    pub number: String,
}

/// A building and its units, for the sign-up form.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingOption {
    /// `buildings.id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// Active units.
    pub units: Vec<UnitOption>,
}

/// A resident waiting for approval, as staff see them (PII masked).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingResident {
    /// `users.id`.
    pub user_id: String,
    /// Full name.
    pub full_name: String,
    /// Email.
    pub email: String,
    /// Building name.
    pub building: String,
    /// Unit number.
    pub unit: String,
    /// Masked RUT (`••.•••.678-5`).
    pub rut_masked: String,
    /// Masked phone.
    pub phone_masked: String,
    /// When they signed up (building's local time).
    pub requested_at: String,
    /// Whether the caller may approve or reject (support only reads the queue).
    pub can_decide: bool,
}
