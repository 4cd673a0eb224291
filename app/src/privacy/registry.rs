//! The inventory of personal data: every column of the schema that holds (or is named like) a
//! person's data, with what it is, why it is kept, how it is stored, how long, and what the
//! retention purge and an erasure do to it.
//!
//! It is the one source of truth of the privacy capability: the purge job nulls the columns
//! marked [`Retention::Purge`] (`privacy::purge` builds its statements from here), an erasure
//! applies each column's [`Erasure`] (`privacy::erasure`), `/privacidad` is rendered from it,
//! and a database test fails when a migration adds a column named like personal data that is not
//! listed here. Pure data: compiled for the browser too, so the notice needs no server call.

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

#[allow(clippy::too_many_arguments)]
const fn col(
    table: &'static str,
    column: &'static str,
    subject: Subject,
    what: &'static str,
    purpose: &'static str,
    storage: Storage,
    retention: Retention,
    erasure: Erasure,
) -> PersonalColumn {
    PersonalColumn { table, column, subject, what, purpose, storage, retention, erasure }
}

use Erasure::{DeleteRow, Keep, Null, Replace};
use Retention::{Minutes, Purge, WhileAccount};
use Storage::{BlindIndex, Clear, Encrypted, Hashed};
use Subject::{Account, NotPersonal, Visitor};

const LOGIN: &str = "Identificarte al ingresar y contactarte sobre tu cuenta";
const WHATSAPP: &str = "Enviarte por WhatsApp códigos, confirmaciones y recordatorios";
const VISIT: &str = "Que conserjería reconozca a tu visita y enviarle su pase";
const NOT_PERSONAL: &str = "Dato técnico del servicio";
const SAVED: &str = "Ofrecerte tus visitas frecuentes al reservar";

/// Every classified column.
pub const REGISTRY: &[PersonalColumn] = &[
    col("users", "full_name", Account, "Nombre completo", LOGIN, Clear, WhileAccount, Replace("'Usuario eliminado'")),
    col(
        "users",
        "email",
        Account,
        "Correo electrónico",
        LOGIN,
        Clear,
        WhileAccount,
        Replace("'eliminado-' || replace(id::text, '-', '') || '@eliminado.invalid'"),
    ),
    col("users", "phone_enc", Account, "Celular", WHATSAPP, Encrypted, WhileAccount, Null),
    col(
        "users",
        "phone_bidx",
        Account,
        "Celular (índice de búsqueda)",
        "Detectar cuentas duplicadas o bloqueadas",
        BlindIndex,
        WhileAccount,
        Null,
    ),
    col(
        "users",
        "status_reason",
        Account,
        "Motivo de suspensión o rechazo",
        "Explicar a la administración una decisión sobre la cuenta",
        Clear,
        WhileAccount,
        Null,
    ),
    col(
        "users",
        "password_hash",
        Account,
        "Contraseña",
        "Comprobar tu contraseña al ingresar",
        Hashed,
        WhileAccount,
        // The sign-in code's fixed hash of a random password nobody knows: a valid hash that
        // matches nothing, so even a guessed address of an erased account is a plain refusal.
        Replace("'$argon2id$v=19$m=19456,t=2,p=1$/BOemCvFIsHGDdXnCEv8xA$NCii0c3unfdEXOVOEEHbyugSI1tZAud55aInt+0lKfY'"),
    ),
    col(
        "resident_profiles",
        "first_name",
        Account,
        "Nombres",
        "Saludarte en los mensajes y que la administración te identifique",
        Clear,
        WhileAccount,
        Replace("'Eliminado'"),
    ),
    col(
        "resident_profiles",
        "last_name",
        Account,
        "Apellidos",
        "Que la administración de tu edificio te identifique",
        Clear,
        WhileAccount,
        Replace("'Eliminado'"),
    ),
    col(
        "resident_profiles",
        "rut_enc",
        Account,
        "RUT",
        "Verificar que eres residente del edificio",
        Encrypted,
        WhileAccount,
        Null,
    ),
    col(
        "resident_profiles",
        "rut_bidx",
        Account,
        "RUT (índice de búsqueda)",
        "Evitar cuentas duplicadas y aplicar bloqueos",
        BlindIndex,
        WhileAccount,
        Null,
    ),
    col("bookings", "visitor_name", Visitor, "Nombre de la visita", VISIT, Clear, Purge, Null),
    col("bookings", "visitor_plate", Visitor, "Patente de la visita", VISIT, Clear, Purge, Null),
    col(
        "bookings",
        "visitor_phone_enc",
        Visitor,
        "Celular de la visita",
        "Enviar el pase y el código a tu visita",
        Encrypted,
        Purge,
        Null,
    ),
    col(
        "bookings",
        "visitor_phone_bidx",
        Visitor,
        "Celular de la visita (índice de búsqueda)",
        "Aplicar bloqueos de la administración",
        BlindIndex,
        Purge,
        Null,
    ),
    col(
        "bookings",
        "cancel_reason",
        Account,
        "Motivo de anulación",
        "Registrar por qué se anuló una reserva",
        Clear,
        Purge,
        Null,
    ),
    col(
        "access_events",
        "plate_observed",
        Visitor,
        "Patente vista en portería",
        "Registrar entradas y salidas de tu visita",
        Clear,
        Purge,
        Null,
    ),
    col(
        "access_events",
        "query_text",
        Visitor,
        "Texto buscado en portería",
        "Registrar qué se verificó en portería",
        Clear,
        Purge,
        Null,
    ),
    col("notifications", "recipient_enc", Account, "Celular de destino de un mensaje", WHATSAPP, Encrypted, Purge, Null),
    col("notifications", "recipient_bidx", Account, "Celular de destino (índice de búsqueda)", WHATSAPP, BlindIndex, Purge, Null),
    col(
        "notifications",
        "rendered_body",
        Account,
        "Texto de un mensaje enviado",
        "Mostrar a la administración qué se envió y si llegó",
        Clear,
        Purge,
        Null,
    ),
    col("notifications", "template_variables", Account, "Datos de la plantilla de un mensaje", WHATSAPP, Clear, Purge, Null),
    col(
        "notifications",
        "secret_enc",
        Account,
        "Código de un solo uso de un mensaje",
        "Entregar el código por WhatsApp",
        Encrypted,
        Minutes,
        Null,
    ),
    col(
        "password_resets",
        "code_enc",
        Account,
        "Código de recuperación",
        "Entregarte el código por WhatsApp",
        Encrypted,
        Minutes,
        DeleteRow,
    ),
    col(
        "password_resets",
        "requested_ip",
        Account,
        "Dirección IP de la solicitud de código",
        "Prevenir abusos",
        Clear,
        Minutes,
        DeleteRow,
    ),
    col(
        "phone_changes",
        "phone_enc",
        Account,
        "Celular nuevo por confirmar",
        "Confirmar tu nuevo celular con un código",
        Encrypted,
        Minutes,
        DeleteRow,
    ),
    col(
        "phone_changes",
        "phone_bidx",
        Account,
        "Celular nuevo (índice de búsqueda)",
        "Aplicar bloqueos",
        BlindIndex,
        Minutes,
        DeleteRow,
    ),
    col(
        "phone_changes",
        "code_enc",
        Account,
        "Código de confirmación del celular",
        "Entregarte el código por WhatsApp",
        Encrypted,
        Minutes,
        DeleteRow,
    ),
    col("frequent_visitors", "name", Visitor, "Nombre de una visita guardada", SAVED, Clear, WhileAccount, DeleteRow),
    col("frequent_visitors", "plate", Visitor, "Patente de una visita guardada", SAVED, Clear, WhileAccount, DeleteRow),
    col("frequent_visitors", "phone_enc", Visitor, "Celular de una visita guardada", SAVED, Encrypted, WhileAccount, DeleteRow),
    col(
        "frequent_visitors",
        "phone_bidx",
        Visitor,
        "Celular de una visita guardada (índice de búsqueda)",
        "Aplicar bloqueos de la administración",
        BlindIndex,
        WhileAccount,
        DeleteRow,
    ),
    col(
        "calendar_feeds",
        "token_enc",
        Account,
        "Enlace privado de tu calendario",
        "Que tu aplicación de calendario muestre tus reservas",
        Encrypted,
        WhileAccount,
        DeleteRow,
    ),
    col(
        "buildings",
        "contact_email",
        NotPersonal,
        "Correo de contacto del edificio",
        NOT_PERSONAL,
        Clear,
        Retention::NotPersonal,
        Keep,
    ),
    col("job_runs", "job_name", NotPersonal, "Nombre de una tarea programada", NOT_PERSONAL, Clear, Retention::NotPersonal, Keep),
    col(
        "availability_blocks",
        "template_id",
        NotPersonal,
        "Plantilla de un bloque",
        NOT_PERSONAL,
        Clear,
        Retention::NotPersonal,
        Keep,
    ),
    col("notifications", "template_sid", NotPersonal, "Plantilla de WhatsApp", NOT_PERSONAL, Clear, Retention::NotPersonal, Keep),
];

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
