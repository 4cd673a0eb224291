//! The gate: a concierge verifies a car by plate or confirmation code, gets AUTORIZADO or
//! DENEGADO with the reason, and registers check-in, check-out or no-show — each through the
//! booking state machine, each recorded as an access event.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// A booking as the gate sees it: the minimum needed to let a car in (no resident email,
/// no phone numbers).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateBooking {
    /// `bookings.id`.
    pub id: String,
    /// Plate, `KHJT-52`.
    pub plate: String,
    /// Spot number.
    pub spot: String,
    /// Resident's unit.
    pub unit: String,
    /// Visitor name.
    pub visitor: String,
    /// `20:00 – 07:00`.
    pub window: String,
    /// Status label in Spanish.
    pub status: String,
    /// "Registrar ingreso" is allowed now.
    pub can_check_in: bool,
    /// "Registrar salida" is allowed now.
    pub can_check_out: bool,
    /// "No llegó" is allowed now.
    pub can_no_show: bool,
}

/// The answer to a verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Verdict {
    /// AUTORIZADO (true) or DENEGADO.
    pub allowed: bool,
    /// Why it was denied (or a note when allowed).
    pub reason: Option<String>,
    /// The booking found, if any.
    pub booking: Option<GateBooking>,
}

/// Today's lists at the gate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GateLists {
    /// Building name.
    pub building: String,
    /// Building id (the screen subscribes to its live events).
    pub building_id: String,
    /// Confirmed bookings still to arrive today (or in the next two hours), next first.
    pub arrivals: Vec<GateBooking>,
    /// Cars inside.
    pub inside: Vec<GateBooking>,
    /// Cars past their window.
    pub overstays: Vec<GateBooking>,
}
