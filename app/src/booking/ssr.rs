//! SQL and transactions of booking: search with effective prices, and the booking transaction.

use crate::ssr::{ServerError, ServerResult};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

mod create;
mod guest_pass;
mod mine;
mod search;
pub use create::{create, Created, NewBooking};
pub use guest_pass::guest_pass;
pub use mine::my_bookings;
pub use search::{price_block, quote_block, rules, search};

/// Lost race, taken block, or a block that overlaps another active booking of the spot.
pub const TAKEN_MESSAGE: &str = "Este estacionamiento ya no está disponible. Elige otro bloque.";
/// The neutral refusal of PRODUCT.md §3 (never says which list or value matched).
pub const BLOCKED_MESSAGE: &str = "No es posible completar la reserva. Contacta a la administración.";

fn building_zone(name: &str) -> ServerResult<Tz> {
    name.parse::<Tz>().map_err(|_| ServerError::invariant(format!("time zone {name}")))
}

/// A block's length in minutes; a block that ends before it starts breaks the schema's check.
fn block_minutes(start: DateTime<Utc>, end: DateTime<Utc>) -> ServerResult<u32> {
    let minutes = (end - start).num_minutes();
    u32::try_from(minutes).map_err(|_| ServerError::invariant(format!("block of {minutes} minutes")))
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
