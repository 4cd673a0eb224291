//! `/admin/liquidaciones`: the daily payouts of every building in scope (what each building is
//! owed for a local day, the platform's commission and the sales rep's), filtered by building,
//! status and date range, paginated; admins mark payouts and rep commissions paid and can run
//! the reconciliation on demand. The reconciliation itself (`ssr::reconcile`) is the
//! `reconcile-payouts` job.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use serde::{Deserialize, Serialize};

/// Days before today that every run recomputes (unpaid payouts only): late refunds and
/// cancellations of those days are picked up; older days stay as they were.
pub const LOOKBACK_DAYS: u32 = 7;

/// The status filter's values.
pub const STATUSES: [&str; 2] = ["calculated", "paid"];

/// A payout status in Spanish.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "paid" => "Pagada",
        _ => "Por pagar",
    }
}

/// The sales rep's commission on one payout.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RepShare {
    /// `sales_rep_commissions.id`.
    pub id: String,
    /// The rep's name.
    pub rep: String,
    /// Their rate, `5 %`.
    pub rate: String,
    /// Amount, `$50`.
    pub amount: String,
    /// Whether it was paid to the rep.
    pub paid: bool,
}

/// One payout row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutRow {
    /// `payouts.id`.
    pub id: String,
    /// Building name.
    pub building: String,
    /// The local day, `dd-mm-aaaa`.
    pub day: String,
    /// Bookings that kept money that day.
    pub bookings: i32,
    /// Money kept, `$10.000`.
    pub gross: String,
    /// The platform's commission.
    pub commission: String,
    /// What the building is owed.
    pub building_share: String,
    /// `calculated` or `paid`.
    pub status: String,
    /// The status in Spanish.
    pub status_label: String,
    /// "Pagada el dd-mm-aaaa, ref. …" once paid.
    pub paid_note: Option<String>,
    /// The rep's commission (platform roles only).
    pub rep: Option<RepShare>,
}

/// The payouts screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PayoutListing {
    /// The page.
    pub rows: Vec<PayoutRow>,
    /// Payouts matching the filter.
    pub total: i64,
    /// The current page (from 1).
    pub page: u32,
    /// Pages (at least 1).
    pub pages: u32,
    /// Sum of building shares over the filter.
    pub total_building_share: String,
    /// Sum of platform commissions over the filter.
    pub total_commission: String,
    /// Sum of building shares still to pay over the filter.
    pub total_unpaid: String,
    /// Buildings for the filter.
    pub buildings: Vec<BuildingChoice>,
    /// Whether the caller may mark payouts paid and run the reconciliation (admins).
    pub can_pay: bool,
    /// Whether the caller sees the sales reps' commissions (platform roles).
    pub sees_reps: bool,
}

/// The query string of the screen.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PayoutQuery {
    /// Building id (platform roles).
    pub edificio: String,
    /// `calculated` / `paid` / empty.
    pub estado: String,
    /// From local date.
    pub desde: String,
    /// To local date.
    pub hasta: String,
    /// Page, from 1.
    pub pagina: String,
}
