//! `/admin/estacionamientos`: a building's visitor spots and their maintenance closures.
//!
//! Which future blocks are bookable follows one rule: a block that has not started is
//! `available` only while its spot is active, its template is active and no closure of its
//! spot overlaps it; otherwise it is `blocked`. Deactivating a spot, closing a range or
//! deactivating a template turns the affected future *available* blocks into `blocked` (never
//! deleted: a block may be referenced by a past booking, and blocked blocks keep the calendar
//! honest); reactivating or lifting turns back to `available` exactly the blocked ones the rule
//! allows again. Reserved blocks and their bookings are never touched: bookings that overlap a
//! closure are listed for staff to handle, not cancelled automatically.

pub mod api;
pub mod page;
pub mod plan;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingScreen;
use serde::{Deserialize, Serialize};

/// A visitor spot in the list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotRow {
    /// `visitor_spots.id`.
    pub id: String,
    /// Number (`V-01`).
    pub number: String,
    /// Label, may be empty.
    pub label: String,
    /// Description, may be empty.
    pub description: String,
    /// Whether it is active.
    pub active: bool,
    /// Future available blocks.
    pub available: i64,
    /// Its position on the building plan (box centre), when an admin placed it.
    pub position: Option<(i32, i32)>,
    /// Where the plan draws it: its position, or the free cell the layout gave it.
    pub drawn_at: (i32, i32),
}

/// A booking that overlaps a closure (shown, not cancelled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverlappingBooking {
    /// Confirmation code.
    pub code: String,
    /// Window in the building's zone.
    pub window: String,
    /// Status in Spanish.
    pub status: String,
}

/// A maintenance closure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClosureRow {
    /// `spot_closures.id`.
    pub id: String,
    /// The spot's number.
    pub spot: String,
    /// The range in the building's zone.
    pub range: String,
    /// Why.
    pub reason: String,
    /// Active bookings overlapping the range.
    pub bookings: Vec<OverlappingBooking>,
}

/// The spots screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SpotListing {
    /// The building shown, the others to choose from, and whether the caller may change it.
    #[serde(flatten)]
    pub screen: BuildingScreen,
    /// Its spots.
    pub spots: Vec<SpotRow>,
    /// Its closures that have not ended, soonest first.
    pub closures: Vec<ClosureRow>,
    /// Height of the plan as drawn (it grows when unplaced spots do not fit).
    pub plan_height: i32,
}
