//! Administration screens. The landing page links to every tool the caller's role may use; each
//! tool is a folder of the usual shape (types here or in its own file, `api.rs` with the server
//! functions, `ssr.rs` with the SQL, `page.rs` with the screen).
//!
//! Who may do what (checked on the server in every function, tested by the tenant-isolation
//! matrices in `server/tests/tenant_isolation.rs` and `tenant_isolation_people.rs`):
//! - building admins read and change their own building only; another building's data is
//!   "no encontrado";
//! - support reads every building and may cancel bookings, but changes nothing else here;
//! - admins read and change every building, and own the global blocklist, payouts, sales
//!   reps and the staff accounts (support reads those too; building admins read their own
//!   building's payouts, and create and ban the concierge accounts of their own building).

#[cfg(feature = "ssr")]
pub mod account_status;
pub mod analytics;
pub mod audit_log;
pub mod blocklist;
pub mod bookings;
pub mod dashboard;
pub mod pages;
pub mod payouts;
pub mod pricing;
pub mod residents;
pub mod sales_reps;
#[cfg(feature = "ssr")]
pub mod scope;
pub mod staff;
pub mod ui;

use serde::{Deserialize, Serialize};

/// A building an administrator can filter by or act on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BuildingChoice {
    /// `buildings.id`.
    pub id: String,
    /// Name.
    pub name: String,
}
