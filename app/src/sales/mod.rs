//! The sales rep's own dashboard (`/ventas`): the buildings assigned to them with their rate,
//! and the commissions computed per payout. A rep sees only their own.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// A building a rep brought in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepBuilding {
    /// Name.
    pub name: String,
    /// Address.
    pub address: String,
    /// The rep's rate, `5 %`.
    pub rate: String,
    /// `Activo` / `Archivado`.
    pub status: String,
    /// Commissions earned on it, formatted.
    pub earned: String,
}

/// One commission.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepCommission {
    /// Building name.
    pub building: String,
    /// The payout's local day, `dd-mm-aaaa`.
    pub day: String,
    /// What the building's bookings kept that day (the payout's gross), formatted.
    pub payout_gross: String,
    /// The platform commission of that payout, the base of the rep's share, formatted.
    pub payout_commission: String,
    /// Amount, formatted.
    pub amount: String,
    /// `Pagada` / `Pendiente`.
    pub status: String,
}

/// The dashboard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SalesDashboard {
    /// The rep's name.
    pub name: String,
    /// Total commissions, formatted.
    pub total: String,
    /// Commissions of the current month (Santiago), formatted.
    pub this_month: String,
    /// Pending (unpaid) commissions, formatted.
    pub pending: String,
    /// Assigned buildings.
    pub buildings: Vec<RepBuilding>,
    /// The 50 most recent commissions.
    pub commissions: Vec<RepCommission>,
}
