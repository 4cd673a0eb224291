//! Calendar: every booking as an `.ics` file (from `/mis-reservas`, the payment confirmation
//! and the guest pass), and each resident's private calendar feed — a revocable link that
//! serves all their bookings as one calendar, without a session, to subscribe to from any
//! calendar program. The file format is [`crate::domain::calendar`].

pub mod api;
#[cfg(feature = "ssr")]
pub mod download;
pub mod panel;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// The resident's calendar feed as `/cuenta` shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FeedView {
    /// The subscription link, when a feed exists.
    pub url: Option<String>,
    /// When the current link was made (`dd-mm-aaaa HH:MM`, the building's zone).
    pub created: Option<String>,
}

/// `/mis-reservas/{id}/calendario.ics`: a resident's own booking as a file.
pub fn booking_ics_path(booking_id: &str) -> String {
    format!("/mis-reservas/{booking_id}/calendario.ics")
}

/// `/pase/{token}/calendario.ics`: the guest pass's booking as a file.
pub fn pass_ics_path(token: &str) -> String {
    format!("/pase/{token}/calendario.ics")
}
