//! `/admin/bloqueos`: the blocklist. Admins keep the global list and every building's list;
//! a building admin keeps their building's list; support reads. Values are parsed with the
//! domain parsers, stored as keyed blind index plus ciphertext, and shown decrypted to staff.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::BuildingChoice;
use serde::{Deserialize, Serialize};

/// One blocklist entry as staff see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlockedEntry {
    /// `blocklist_entries.id`.
    pub id: String,
    /// "Global" or the building's name.
    pub scope: String,
    /// Kind, in Spanish ("Patente").
    pub kind: String,
    /// The value, decrypted and formatted (`KHJT-52`, `12.345.678-5`).
    pub value: String,
    /// Why it was added.
    pub reason: String,
    /// Who added it.
    pub created_by: String,
    /// When (building's or Santiago's local time, `dd-mm-yyyy HH:MM`).
    pub created_at: String,
    /// Whether the caller may remove it.
    pub removable: bool,
}

/// The blocklist screen's data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlocklistListing {
    /// One page of the entries in scope (and matching the search, when there is one).
    pub entries: Vec<BlockedEntry>,
    /// Entries matching, over every page.
    pub total: i64,
    /// The current page, from 1.
    pub page: u32,
    /// Pages (at least 1).
    pub pages: u32,
    /// Buildings to filter by and add to.
    pub buildings: Vec<BuildingChoice>,
    /// Whether the caller may add and remove entries.
    pub can_edit: bool,
    /// Whether the caller may add global entries (admins).
    pub can_add_global: bool,
    /// The search as typed, for the search box (the URL carries it sealed).
    pub search: String,
}

/// The kinds of value a blocklist holds, as the form offers them.
pub const KINDS: [(&str, &str); 5] =
    [("plate", "Patente"), ("rut", "RUT"), ("email", "Correo electrónico"), ("phone", "Celular"), ("ip", "Dirección IP")];

/// The Spanish label of a kind.
pub fn kind_label(kind: &str) -> &'static str {
    KINDS.iter().find(|(k, _)| *k == kind).map_or("Valor", |(_, l)| l)
}
