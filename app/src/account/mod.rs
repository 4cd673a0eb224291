//! `/cuenta`: the logged-in person's own account — who they are, their building and unit, and
//! their contact data masked.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// The account as its owner sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountView {
    /// Full name.
    pub full_name: String,
    /// Email.
    pub email: String,
    /// Role label in Spanish.
    pub role_label: String,
    /// Building name, for scoped roles.
    pub building: Option<String>,
    /// Unit, for residents.
    pub unit: Option<String>,
    /// Masked RUT, for residents.
    pub rut_masked: Option<String>,
    /// Masked phone.
    pub phone_masked: Option<String>,
}
