//! Pure business rules: no I/O, no clock, no framework. Compiled for the browser and the server,
//! so the browser validates with exactly the code the server trusts.
//!
//! Inputs are parsed into types that cannot hold invalid values (`parse(&str) -> Result<Self, _>`),
//! and every error has a `message()` in Spanish (es-CL) for the person who typed the value.
//! Anything that depends on the current time or on randomness takes it as a parameter.

/// Booking statuses, events and the state machine ([`booking::transition`]).
pub mod booking;
/// When clock-driven booking events are due (hold expiry, check-in window, no-show, overstay).
pub mod booking_timing;
/// iCalendar (RFC 5545) files of bookings.
pub mod calendar;
/// Bar-chart geometry of the analytics screen.
pub mod chart;
/// Confirmation codes without look-alike characters.
pub mod code;
/// Exact decimal parsing and es-CL digit grouping shared by money, rates and RUTs.
mod decimal;
/// E-mail addresses.
pub mod email;
/// Domain events as they travel from the outbox over the bus.
pub mod event;
/// Spanish date and time labels.
pub mod format;
/// A resident's saved visitors and the recent ones the booking form offers.
pub mod frequent_visitor;
/// The guest pass's QR link to the gate, and reading a code back out of a scan.
pub mod gate_link;
/// Buildings' terms and settings, unit lists, spots, closures and block templates as typed.
pub mod inventory;
/// Chilean pesos.
pub mod money;
/// Names of residents, staff and visitors.
pub mod names;
/// New-password rules.
pub mod password;
/// A building's daily payout and its sales rep's commission.
pub mod payout;
/// Chilean mobile numbers.
pub mod phone;
/// The building plan: spot positions, their bounds, and the layout of unplaced spots.
pub mod plan;
/// Chilean vehicle plates.
pub mod plate;
/// Price, commissions and building share of a block.
pub mod pricing;
/// Which pricing rule sets a block's multiplier.
pub mod pricing_rule;
/// Multipliers and percentage rates in basis points.
pub mod rate;
/// The cancellation refund policy.
pub mod refund;
/// Where to send a person back after logging in: same-site relative paths only.
pub mod return_path;
/// Roles, their homes and scopes.
pub mod role;
/// Chilean RUT with its check digit.
pub mod rut;
/// Block templates and their real instants across daylight-saving changes.
pub mod schedule;
/// One-time secrets (reset codes) masked in stored and displayed message texts.
pub mod secret;
/// Shares and rates (occupancy, no-show, cancellation) in basis points.
pub mod stats;
/// Reasons staff give and search terms: trimmed and bounded.
pub mod text;
