//! Roles and what they imply: where each lands after login and whether it is tied to one
//! building.

use serde::{Deserialize, Serialize};

/// A user's role. One table holds every role (`users.role`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Books visitor spots in their own building.
    Resident,
    /// Works the gate of one building.
    Concierge,
    /// Runs one building.
    BuildingAdmin,
    /// Platform support: every building, read-mostly.
    Support,
    /// Platform administrator.
    Admin,
    /// Brings buildings in; sees their own commissions.
    SalesRep,
}

impl Role {
    /// Every role, in display order.
    pub const ALL: [Role; 6] = [Role::Resident, Role::Concierge, Role::BuildingAdmin, Role::Support, Role::Admin, Role::SalesRep];

    /// The stored text (`users.role`).
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Resident => "resident",
            Role::Concierge => "concierge",
            Role::BuildingAdmin => "building_admin",
            Role::Support => "support",
            Role::Admin => "admin",
            Role::SalesRep => "sales_rep",
        }
    }

    /// Parses the stored text.
    pub fn parse(value: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == value)
    }

    /// Spanish label.
    pub fn label_es(self) -> &'static str {
        match self {
            Role::Resident => "Residente",
            Role::Concierge => "Conserjería",
            Role::BuildingAdmin => "Administración del edificio",
            Role::Support => "Soporte",
            Role::Admin => "Administración de la plataforma",
            Role::SalesRep => "Ventas",
        }
    }

    /// Where the role lands after logging in.
    pub fn home_path(self) -> &'static str {
        match self {
            Role::Resident => "/buscar",
            Role::Concierge => "/conserjeria",
            Role::SalesRep => "/ventas",
            Role::BuildingAdmin | Role::Support | Role::Admin => "/admin",
        }
    }

    /// Roles confined to one building (their data of other buildings is "not found").
    pub fn is_building_scoped(self) -> bool {
        matches!(self, Role::Resident | Role::Concierge | Role::BuildingAdmin)
    }

    /// Roles that administer buildings (approve residents, see the audit trail).
    pub fn administers(self) -> bool {
        matches!(self, Role::BuildingAdmin | Role::Support | Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stored_text_round_trips() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(role));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn every_role_has_a_home() {
        assert_eq!(Role::Resident.home_path(), "/buscar");
        assert_eq!(Role::Concierge.home_path(), "/conserjeria");
        assert_eq!(Role::Support.home_path(), "/admin");
        assert_eq!(Role::Admin.home_path(), "/admin");
        assert_eq!(Role::BuildingAdmin.home_path(), "/admin");
        assert_eq!(Role::SalesRep.home_path(), "/ventas");
        assert!(Role::Concierge.is_building_scoped());
        assert!(!Role::Support.is_building_scoped());
    }
}
