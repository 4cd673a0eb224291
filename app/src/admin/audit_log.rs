//! `/admin/auditoria`: the audit trail, filtered by actor, action, entity, building and date,
//! paginated, with each entry's metadata. A building admin sees their building's entries only.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use serde::{Deserialize, Serialize};

/// The raw filter, as the query string carries it (empty = any).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    /// Part of the actor's name or e-mail.
    pub actor: String,
    /// Action or its prefix (`blocklist.`, `booking.cancelled`).
    pub accion: String,
    /// Entity type (`booking`) or an entity id.
    pub entidad: String,
    /// Building id (platform roles).
    pub edificio: String,
    /// First local date, `yyyy-mm-dd`.
    pub desde: String,
    /// Last local date.
    pub hasta: String,
}

impl AuditQuery {
    /// The filter as a query string.
    pub fn to_query_string(&self) -> String {
        crate::ui::admin::query_string(&[
            ("actor", &self.actor),
            ("accion", &self.accion),
            ("entidad", &self.entidad),
            ("edificio", &self.edificio),
            ("desde", &self.desde),
            ("hasta", &self.hasta),
        ])
    }
}

/// One audit entry as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRow {
    /// When, `dd-mm-yyyy HH:MM:SS` local.
    pub at: String,
    /// Who ("Sistema", "Anónimo" or the person's name and e-mail).
    pub actor: String,
    /// The role they acted in.
    pub role: String,
    /// Action (`blocklist.added`).
    pub action: String,
    /// Entity type and id.
    pub entity: String,
    /// Building name, if any.
    pub building: String,
    /// Metadata, pretty JSON.
    pub metadata: String,
}

/// The audit screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditListing {
    /// The page of entries, newest first.
    pub rows: Vec<AuditRow>,
    /// Matching entries.
    pub total: u32,
    /// This page.
    pub page: u32,
    /// Pages.
    pub pages: u32,
    /// Buildings to filter by.
    pub buildings: Vec<BuildingChoice>,
    /// The "who" filter as the staff member typed it (the URL carries it sealed).
    pub actor_search: String,
}
