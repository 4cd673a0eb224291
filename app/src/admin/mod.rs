//! Administration screens. The landing page links to every tool the caller's role may use; each
//! tool is a folder of the usual shape (types here or in its own file, `api.rs` with the server
//! functions, `ssr.rs` with the SQL, `page.rs` with the screen).
//!
//! Who may do what (checked on the server in every function, tested by the tenant-isolation
//! matrices in `server/tests/tenant_isolation*.rs`):
//! - building admins read and change their own building only; another building's data is
//!   "no encontrado";
//! - support reads every building and may cancel bookings, but changes nothing else here;
//! - admins read and change every building, and own the global blocklist, payouts and sales
//!   reps (support reads those too; building admins read their own building's payouts); only
//!   admins create, archive, restore and delete buildings and change their commercial terms (a
//!   building admin changes only their building's settings, units, spots, closures and block
//!   templates).

#[cfg(feature = "ssr")]
pub mod account_status;
pub mod analytics;
pub mod audit_log;
pub mod blocklist;
pub mod bookings;
pub mod buildings;
pub mod dashboard;
pub mod pages;
pub mod payouts;
pub mod pricing;
pub mod residents;
pub mod sales_reps;
#[cfg(feature = "ssr")]
pub mod scope;
pub mod search;
pub mod spots;
pub mod staff;
#[cfg(feature = "ssr")]
pub mod switch;
pub mod templates;
pub mod units;

use serde::{Deserialize, Serialize};

/// What every one-building screen (units, spots, block templates, pricing) shows above its own
/// data: the building, the others the caller may switch to, and whether they may change it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingScreen {
    /// The building shown.
    pub building_id: String,
    /// Its name.
    pub building: String,
    /// Buildings to choose from.
    pub buildings: Vec<BuildingChoice>,
    /// Whether the caller may change what the screen shows.
    pub can_edit: bool,
}

/// A building an administrator can filter by or act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingChoice {
    /// `buildings.id`.
    pub id: String,
    /// Name.
    pub name: String,
}
