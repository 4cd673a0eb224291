//! The public home page: what Estacionate does for a resident, with a live price estimate and a
//! fact read from the server.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// What the home page asks the server for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeInfo {
    /// Today's date in Santiago by the database clock, e.g. `sábado, 28 de noviembre de 2026`.
    pub today: String,
    /// Buildings currently using Estacionate.
    pub active_buildings: i64,
}
