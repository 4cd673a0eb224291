//! Booking: the resident's search of visitor spots with effective prices, the booking
//! transaction (blocklist, limits, pricing, the conditional claim of the block, the exclusion
//! constraint as the last word), and the state machine every status change goes through.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
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
    /// Grid position.
    pub x: i32,
    /// Grid position.
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
}
