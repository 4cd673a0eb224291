//! The inventory of personal data: every column of the schema that holds (or is named like) a
//! person's data, with what it is, why it is kept, how it is stored, how long, and what the
//! retention purge and an erasure do to it.
//!
//! It is the one source of truth of the privacy capability: the purge job nulls the columns
//! marked [`Retention::Purge`] (`privacy::purge` builds its statements from here), an erasure
//! applies each column's [`Erasure`] (`privacy::erasure`), `/privacidad` is rendered from it,
//! and a database test fails when a migration adds a column named like personal data that is not
//! listed here. Pure data: compiled for the browser too, so the notice needs no server call.

mod columns;
pub use columns::REGISTRY;
use Erasure::{DeleteRow, Null, Replace};
use Subject::NotPersonal;

/// Whose data a column holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Subject {
    /// The account holder (resident or staff member).
    Account,
    /// The visitor a resident books for.
    Visitor,
    /// Not personal data, although the name looks like it (`template_id`, `job_name`).
    NotPersonal,
}

/// How a value is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Storage {
    /// AES-256-GCM with a per-column associated data (the vault).
    Encrypted,
    /// A keyed HMAC-SHA256 blind index: lets the platform find a value without storing it.
    BlindIndex,
    /// A one-way argon2id hash.
    Hashed,
    /// Readable text in the database (protected by access control and disk encryption).
    Clear,
}

impl Storage {
    /// Spanish label for the notice.
    pub const fn label_es(self) -> &'static str {
        match self {
            Storage::Encrypted => "Cifrado (AES-256-GCM)",
            Storage::BlindIndex => "Índice ciego (HMAC-SHA256, no reversible)",
            Storage::Hashed => "Resumen irreversible (argon2id)",
            Storage::Clear => "Texto legible, con acceso restringido",
        }
    }
}

/// How long a value is kept.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Retention {
    /// Nulled by the `purge-personal-data` job `RETENTION_MONTHS` after the booking's block ended
    /// (access events: after they occurred; messages: after they were created).
    Purge,
    /// While the account exists; removed when the person's erasure is processed.
    WhileAccount,
    /// Minutes: until the code is used, expires or the message is sent.
    Minutes,
    /// Not personal: kept as long as the row.
    NotPersonal,
}

impl Retention {
    /// Spanish label for the notice (`months` is `RETENTION_MONTHS`).
    pub fn label_es(self, months: u32) -> String {
        match self {
            Retention::Purge => format!("{months} meses después de la reserva; luego se elimina"),
            Retention::WhileAccount => "Mientras tu cuenta exista; se elimina al procesar tu solicitud de eliminación".into(),
            Retention::Minutes => "Minutos: hasta que el código se usa, vence o el mensaje se envía".into(),
            Retention::NotPersonal => "No es un dato personal".into(),
        }
    }
}

/// What processing an erasure does to the column (in the erased person's rows).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Erasure {
    /// Set to null.
    Null,
    /// Replaced by this SQL expression over the row (for `not null` columns that the rest of the
    /// schema still needs, e.g. a unique login e-mail that no longer names anyone).
    Replace(&'static str),
    /// The rows are deleted.
    DeleteRow,
    /// Kept: not personal.
    Keep,
}

/// One classified column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersonalColumn {
    /// Table.
    pub table: &'static str,
    /// Column.
    pub column: &'static str,
    /// Whose data.
    pub subject: Subject,
    /// What it is, in Spanish.
    pub what: &'static str,
    /// Why it is kept, in Spanish.
    pub purpose: &'static str,
    /// How it is stored.
    pub storage: Storage,
    /// How long.
    pub retention: Retention,
    /// What an erasure does.
    pub erasure: Erasure,
}

/// Default of `RETENTION_MONTHS`: PRODUCT.md §7 promises 24 months.
pub const DEFAULT_RETENTION_MONTHS: u32 = 24;

/// Who to write to about personal data (the controller's privacy contact).
pub const PRIVACY_CONTACT: &str = "privacidad@estacionate.cl";

/// Days the controller has to answer a request of access, rectification, erasure, opposition or
/// portability (Ley 19.628 art. 11 as replaced by Ley 21.719: 30 calendar days from the request,
/// extendable once by 30 more with reasons).
pub const RESPONSE_DAYS: i64 = 30;

/// Whether a column name looks like personal data (`*_name`, `*phone*`, `*rut*`, `*email*`,
/// `*plate*`): the schema test asks the registry to classify every such column.
pub fn looks_personal(column: &str) -> bool {
    column.ends_with("_name") || ["phone", "rut", "email", "plate"].iter().any(|p| column.contains(p))
}

/// The registry entry of `table.column`, if classified.
pub fn classify(table: &str, column: &str) -> Option<&'static PersonalColumn> {
    REGISTRY.iter().find(|c| c.table == table && c.column == column)
}

/// The columns of `table` the retention purge nulls, in registry order.
pub fn purged_columns(table: &str) -> Vec<&'static str> {
    REGISTRY
        .iter()
        .filter(|c| c.table == table && c.retention == Retention::Purge)
        .map(|c| c.column)
        .collect()
}

/// The personal columns of `table` an erasure changes (null or replace), in registry order.
pub fn erased_columns(table: &str) -> Vec<&'static PersonalColumn> {
    REGISTRY.iter().filter(|c| c.table == table && matches!(c.erasure, Null | Replace(_))).collect()
}

/// Tables whose rows of the person an erasure deletes.
pub fn erased_tables() -> Vec<&'static str> {
    let mut tables: Vec<&'static str> = REGISTRY.iter().filter(|c| c.erasure == DeleteRow).map(|c| c.table).collect();
    tables.dedup();
    tables
}

/// The personal columns, for the notice (not-personal ones are left out).
pub fn personal() -> impl Iterator<Item = &'static PersonalColumn> {
    REGISTRY.iter().filter(|c| c.subject != NotPersonal)
}

#[cfg(test)]
mod tests {
    use super::*;
    use Erasure::Keep;

    #[test]
    fn every_entry_is_unique_and_consistent() {
        for (i, a) in REGISTRY.iter().enumerate() {
            assert!(
                !REGISTRY[i + 1..].iter().any(|b| a.table == b.table && a.column == b.column),
                "{}.{} listed twice",
                a.table,
                a.column
            );
            // Not-personal columns are kept; personal ones always go at some point.
            assert_eq!(a.subject == NotPersonal, a.erasure == Keep, "{}.{}", a.table, a.column);
            assert_eq!(a.subject == NotPersonal, a.retention == Retention::NotPersonal, "{}.{}", a.table, a.column);
        }
    }

    #[test]
    fn the_purge_covers_the_visitor_and_the_messages() {
        assert_eq!(
            purged_columns("bookings"),
            ["visitor_name", "visitor_plate", "visitor_phone_enc", "visitor_phone_bidx", "cancel_reason"]
        );
        assert_eq!(purged_columns("access_events"), ["plate_observed", "query_text"]);
        assert!(purged_columns("notifications").contains(&"rendered_body"));
        assert!(purged_columns("users").is_empty(), "accounts are erased on request, not purged");
        assert_eq!(erased_tables(), ["password_resets", "phone_changes", "frequent_visitors", "calendar_feeds"]);
    }

    #[test]
    fn personal_looking_names_are_recognised() {
        for name in ["full_name", "visitor_phone_enc", "rut_bidx", "contact_email", "visitor_plate", "template_id"] {
            assert!(looks_personal(name), "{name}");
        }
        for name in ["id", "name", "status", "recipient_enc", "amount_clp"] {
            assert!(!looks_personal(name), "{name}");
        }
    }
}
