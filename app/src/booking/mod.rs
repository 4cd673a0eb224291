//! Booking: the resident's search of visitor spots with effective prices, the booking
//! transaction (blocklist, limits, pricing, the conditional claim of the block, the exclusion
//! constraint as the last word), and the state machine every status change goes through.

pub mod api;
pub mod pages;
pub mod share;
#[cfg(feature = "ssr")]
pub mod ssr;
#[cfg(feature = "ssr")]
pub mod sweeps;
#[cfg(feature = "ssr")]
pub mod transition;

use serde::{Deserialize, Serialize};

/// One bookable (or taken) block, as a search card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockCard {
    /// `availability_blocks.id`.
    pub block_id: String,
    /// Spot number ("V-03").
    pub spot: String,
    /// Template name ("Noche").
    pub kind: String,
    /// `20:00 – 07:00 (+1)`.
    pub window: String,
    /// `11 horas`.
    pub duration: String,
    /// Effective price, formatted (`$5.500`).
    pub price: String,
    /// Whether it can be booked now.
    pub available: bool,
}

/// A spot on the building's map.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MapSpot {
    /// Spot number.
    pub number: String,
    /// Box centre on the building's plan (plan units): `visitor_spots.map_x`, or the free cell
    /// the layout gave an unplaced spot (`domain::plan::layout`).
    pub x: i32,
    /// Box centre on the building's plan: `visitor_spots.map_y`, or the layout's.
    pub y: i32,
    /// Free blocks of the day on this spot.
    pub free_blocks: u32,
}

/// A day of availability in the resident's building.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchResult {
    /// Building name.
    pub building: String,
    /// Building address.
    pub address: String,
    /// The date searched, `aaaa-mm-dd`.
    pub date: String,
    /// `sábado, 28 de noviembre`.
    pub date_label: String,
    /// The next day, `aaaa-mm-dd` (the empty state offers it).
    pub next_date: String,
    /// Today in the building's zone (the date picker's minimum).
    pub today: String,
    /// Block type names the building offers.
    pub kinds: Vec<String>,
    /// Cards, ordered by start then spot.
    pub cards: Vec<BlockCard>,
    /// The building's spots for the map.
    pub map: Vec<MapSpot>,
    /// Height of the plan the map draws (its width is `domain::plan::PLAN_WIDTH`).
    pub map_height: i32,
}

/// Everything the resident sees before confirming: the exact amount that will be charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockQuote {
    /// The block.
    pub block_id: String,
    /// Building name.
    pub building: String,
    /// Building address.
    pub address: String,
    /// Spot number.
    pub spot: String,
    /// Block type.
    pub kind: String,
    /// `sábado, 28 de noviembre`.
    pub date_label: String,
    /// `20:00 – 07:00 (día siguiente)`.
    pub window: String,
    /// `11 horas`.
    pub duration: String,
    /// The exact amount, formatted.
    pub price: String,
    /// Minutes the spot is held while paying.
    pub hold_minutes: i32,
}

/// One of the resident's bookings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MyBooking {
    /// `bookings.id`.
    pub id: String,
    /// Status label in Spanish.
    pub status: String,
    /// Status as stored (for styling and the actions shown).
    pub status_code: String,
    /// Spot number.
    pub spot: String,
    /// `sábado, 28 de noviembre, 20:00 – domingo, 29 de noviembre, 07:00`.
    pub window: String,
    /// Visitor name.
    pub visitor: String,
    /// Plate, `KHJT-52`.
    pub plate: String,
    /// Confirmation code, `ABCD-2345` (only once confirmed).
    pub code: Option<String>,
    /// Amount, formatted.
    pub amount: String,
    /// Guest pass link, for confirmed bookings.
    pub guest_pass: Option<String>,
    /// Whether the block is still ahead (upcoming list) or done (history).
    pub upcoming: bool,
    /// Pending and still held: the resident can pay.
    pub can_pay: bool,
    /// The resident may cancel it now.
    pub can_cancel: bool,
}

/// The guest pass: what the visitor shows at the gate. Public through an unguessable link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct GuestPass {
    /// Building name.
    pub building: String,
    /// Building address.
    pub address: String,
    /// Spot number.
    pub spot: String,
    /// The window, in the building's zone.
    pub window: String,
    /// Visitor name.
    pub visitor: String,
    /// Plate.
    pub plate: String,
    /// Confirmation code.
    pub code: String,
    /// `valid`, `used`, `over` or `cancelled`.
    pub state: String,
    /// The QR code of the confirmation code, as SVG markup rendered on the server.
    pub qr_svg: String,
    /// This pass's link (absolute once the server function adds the public origin), to share.
    pub url: String,
}
