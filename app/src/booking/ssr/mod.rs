//! SQL and transactions of booking: search with effective prices ([`search`]), the resident's
//! bookings and the guest pass ([`mine`]), and the booking transaction ([`create`]), over the
//! pricing rules as they are read for both ([`rules`]).

use crate::ssr::{ServerError, ServerResult};
use chrono_tz::Tz;

mod create;
mod mine;
mod rules;
mod search;

pub use create::{create, Created, NewBooking};
pub use mine::{guest_pass, my_bookings};
pub use rules::{price_block, rules};
pub use search::{quote_block, search};

use rules::RuleArrays;

/// Lost race, taken block, or a block that overlaps another active booking of the spot.
pub const TAKEN_MESSAGE: &str = "Este estacionamiento ya no está disponible. Elige otro bloque.";
/// The neutral refusal of PRODUCT.md §3 (never says which list or value matched).
pub const BLOCKED_MESSAGE: &str = "No es posible completar la reserva. Contacta a la administración.";

/// The building's time zone; a zone the database holds but chrono-tz does not know is a broken
/// invariant (the schema checks the name against PostgreSQL's list).
fn building_zone(name: &str) -> ServerResult<Tz> {
    name.parse::<Tz>().map_err(|_| ServerError::invariant(format!("time zone {name}")))
}

#[cfg(test)]
mod tests;
