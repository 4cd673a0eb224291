//! `/admin/reservas`: every booking in the caller's scope, filtered by status, local date
//! range and building, searched by plate, confirmation code or visitor name, paginated, with
//! the cancellation (full refund, through the state machine) and a CSV export of the filter.

pub mod api;
#[cfg(feature = "ssr")]
pub mod csv;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use serde::{Deserialize, Serialize};

/// The refund filter's choices: query value, `refunds.status`, label (es-CL).
pub const REFUND_FILTERS: [(&str, &str, &str); 2] =
    [("fallido", "failed", "Reembolso fallido"), ("pendiente", "pending", "Reembolso pendiente")];

/// One booking as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AdminBooking {
    /// `bookings.id`.
    pub id: String,
    /// Confirmation code (`ABCD2345`).
    pub code: String,
    /// Building name.
    pub building: String,
    /// Spot number.
    pub spot: String,
    /// Start, `dd-mm-yyyy HH:MM` in the building's zone.
    pub starts: String,
    /// End, same format.
    pub ends: String,
    /// Visitor name ("—" once purged).
    pub visitor: String,
    /// Plate, `KHJT-52`.
    pub plate: String,
    /// Status in Spanish.
    pub status: String,
    /// Amount, `$5.000`.
    pub amount: String,
    /// Whether the state machine still allows a cancellation.
    pub cancellable: bool,
    /// The latest refund in Spanish ("—" without one).
    pub refund: String,
    /// Whether a refund of the booking failed (staff may retry it).
    pub refund_failed: bool,
}

/// The bookings screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingListing {
    /// The page of bookings.
    pub rows: Vec<AdminBooking>,
    /// Bookings matching the filter.
    pub total: u32,
    /// This page (from 1).
    pub page: u32,
    /// Number of pages (at least 1).
    pub pages: u32,
    /// Buildings to filter by.
    pub buildings: Vec<BuildingChoice>,
}

/// The raw filter of the screen, as its query string carries it (all optional, empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct BookingQuery {
    /// Status (`confirmed`, …).
    pub estado: String,
    /// First local date, `yyyy-mm-dd`.
    pub desde: String,
    /// Last local date, `yyyy-mm-dd`.
    pub hasta: String,
    /// Building id (platform roles).
    pub edificio: String,
    /// Plate, code or visitor name.
    pub buscar: String,
    /// Refund state: `fallido` or `pendiente`.
    pub reembolso: String,
}

impl BookingQuery {
    /// The filter as a query string (for the pager and the export link).
    pub fn to_query_string(&self) -> String {
        crate::ui::admin::query_string(&[
            ("estado", &self.estado),
            ("desde", &self.desde),
            ("hasta", &self.hasta),
            ("edificio", &self.edificio),
            ("buscar", &self.buscar),
            ("reembolso", &self.reembolso),
        ])
    }
}
