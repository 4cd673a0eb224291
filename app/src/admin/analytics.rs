//! `/admin/analitica`: the last 30 or 90 days of one building (a building admin's own) or of
//! every building, as server-rendered SVG bar charts with their numbers beside them —
//! occupancy by day and by hour of day, revenue by day, bookings per day — and the no-show and
//! cancellation rates.
//!
//! Definitions (each building's own time zone decides its local days and hours):
//! - a block-hour is *booked* when the block has a booking that was paid and not cancelled
//!   (confirmed, checked in or out, overstaying, no-show or completed); maintenance blocks
//!   count only if booked;
//! - occupancy by day: booked block-hours ÷ block-hours of the blocks starting that day;
//! - occupancy by hour: the share of days on which some such booking covered that hour;
//! - revenue by day: paid bookings by the day their payment was confirmed;
//! - bookings per day: bookings paid at some point, by the day they were made; the rates are
//!   over the same bookings: cancelled ÷ all of them, no-shows ÷ those whose visit has an
//!   outcome (arrived, no-show or completed).

pub mod api;
pub mod chart;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use crate::domain::{money::Clp, rate::Rate};
use serde::{Deserialize, Serialize};

/// What a chart's values are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    /// Basis points of a whole (drawn against a fixed 100 % scale).
    Percent,
    /// Chilean pesos.
    Clp,
    /// A number of things.
    Count,
}

impl Kind {
    /// A value as the table and the axis show it.
    pub fn format(self, value: u64) -> String {
        match self {
            Kind::Percent => Rate::saturating_from_basis_points(u32::try_from(value).unwrap_or(u32::MAX)).to_string(),
            Kind::Clp => Clp::new(i64::try_from(value).unwrap_or(i64::MAX)).to_string(),
            Kind::Count => value.to_string(),
        }
    }
}

/// One bar: its axis label, its row label in the table, and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Point {
    /// Under the bar (`15-01`, `8`).
    pub label: String,
    /// In the table (`15-01-2030`, `08:00–09:00`).
    pub full: String,
    /// The value (basis points, pesos or a count).
    pub value: u64,
    /// The value as text; "—" when there was nothing to measure.
    pub text: String,
}

/// One chart's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Series {
    /// The bars, in order.
    pub points: Vec<Point>,
    /// What the values are.
    pub kind: Kind,
    /// Whether the period had anything to show (otherwise "Sin datos en el período").
    pub has_data: bool,
}

/// The analytics screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Analytics {
    /// Buildings to filter by (one for a building admin).
    pub buildings: Vec<BuildingChoice>,
    /// The selected building filter ("" = all).
    pub selected: String,
    /// A building's name or "Todos los edificios".
    pub scope_label: String,
    /// 30 or 90.
    pub days: u32,
    /// "del 17-12-2029 al 15-01-2030".
    pub range: String,
    /// Occupancy by day.
    pub occupancy_by_day: Series,
    /// Occupancy by hour of day, 0–23.
    pub occupancy_by_hour: Series,
    /// Revenue by day.
    pub revenue_by_day: Series,
    /// Bookings per day.
    pub bookings_by_day: Series,
    /// Bookings of the period (paid at some point).
    pub bookings: u32,
    /// Of them, cancelled.
    pub cancelled: u32,
    /// Cancelled ÷ bookings, "12,5 %" or "—".
    pub cancellation_rate: String,
    /// Bookings whose visit has an outcome.
    pub outcomes: u32,
    /// Of them, no-shows.
    pub no_shows: u32,
    /// No-shows ÷ outcomes, or "—".
    pub no_show_rate: String,
}

/// The period a query string asks for: 90 days, or 30 for anything else.
pub fn parse_days(raw: &str) -> u32 {
    if raw.trim() == "90" {
        90
    } else {
        30
    }
}
