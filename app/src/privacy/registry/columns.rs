//! The registry's rows: one entry per personal column of the schema, with the purposes they serve.

use super::{Erasure, PersonalColumn, Retention, Storage, Subject};

/// A column with what it holds and why, before how it is kept is said ([`Described::kept`]).
struct Described {
    table: &'static str,
    column: &'static str,
    subject: Subject,
    what: &'static str,
    purpose: &'static str,
}

/// The column `table.column`, whose data is `subject`'s, holding `what` for `purpose`.
const fn col(
    table: &'static str,
    column: &'static str,
    subject: Subject,
    what: &'static str,
    purpose: &'static str,
) -> Described {
    Described { table, column, subject, what, purpose }
}

impl Described {
    /// The registry entry: the column as described, stored, retained and erased as given.
    const fn kept(self, storage: Storage, retention: Retention, erasure: Erasure) -> PersonalColumn {
        let Described { table, column, subject, what, purpose } = self;
        PersonalColumn { table, column, subject, what, purpose, storage, retention, erasure }
    }
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
    col("users", "full_name", Account, "Nombre completo", LOGIN).kept(Clear, WhileAccount, Replace("'Usuario eliminado'")),
    col("users", "email", Account, "Correo electrónico", LOGIN).kept(
        Clear,
        WhileAccount,
        Replace("'eliminado-' || replace(id::text, '-', '') || '@eliminado.invalid'"),
    ),
    col("users", "phone_enc", Account, "Celular", WHATSAPP).kept(Encrypted, WhileAccount, Null),
    col("users", "phone_bidx", Account, "Celular (índice de búsqueda)", "Detectar cuentas duplicadas o bloqueadas").kept(
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
    )
    .kept(Clear, WhileAccount, Null),
    col("users", "password_hash", Account, "Contraseña", "Comprobar tu contraseña al ingresar").kept(
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
    )
    .kept(Clear, WhileAccount, Replace("'Eliminado'")),
    col("resident_profiles", "last_name", Account, "Apellidos", "Que la administración de tu edificio te identifique").kept(
        Clear,
        WhileAccount,
        Replace("'Eliminado'"),
    ),
    col("resident_profiles", "rut_enc", Account, "RUT", "Verificar que eres residente del edificio").kept(
        Encrypted,
        WhileAccount,
        Null,
    ),
    col("resident_profiles", "rut_bidx", Account, "RUT (índice de búsqueda)", "Evitar cuentas duplicadas y aplicar bloqueos")
        .kept(BlindIndex, WhileAccount, Null),
    col("bookings", "visitor_name", Visitor, "Nombre de la visita", VISIT).kept(Clear, Purge, Null),
    col("bookings", "visitor_plate", Visitor, "Patente de la visita", VISIT).kept(Clear, Purge, Null),
    col("bookings", "visitor_phone_enc", Visitor, "Celular de la visita", "Enviar el pase y el código a tu visita")
        .kept(Encrypted, Purge, Null),
    col(
        "bookings",
        "visitor_phone_bidx",
        Visitor,
        "Celular de la visita (índice de búsqueda)",
        "Aplicar bloqueos de la administración",
    )
    .kept(BlindIndex, Purge, Null),
    col("bookings", "cancel_reason", Account, "Motivo de anulación", "Registrar por qué se anuló una reserva")
        .kept(Clear, Purge, Null),
    col("access_events", "plate_observed", Visitor, "Patente vista en portería", "Registrar entradas y salidas de tu visita")
        .kept(Clear, Purge, Null),
    col("access_events", "query_text", Visitor, "Texto buscado en portería", "Registrar qué se verificó en portería")
        .kept(Clear, Purge, Null),
    col("notifications", "recipient_enc", Account, "Celular de destino de un mensaje", WHATSAPP).kept(Encrypted, Purge, Null),
    col("notifications", "recipient_bidx", Account, "Celular de destino (índice de búsqueda)", WHATSAPP)
        .kept(BlindIndex, Purge, Null),
    col(
        "notifications",
        "rendered_body",
        Account,
        "Texto de un mensaje enviado",
        "Mostrar a la administración qué se envió y si llegó",
    )
    .kept(Clear, Purge, Null),
    col("notifications", "template_variables", Account, "Datos de la plantilla de un mensaje", WHATSAPP).kept(Clear, Purge, Null),
    col("notifications", "secret_enc", Account, "Código de un solo uso de un mensaje", "Entregar el código por WhatsApp")
        .kept(Encrypted, Minutes, Null),
    col("password_resets", "code_enc", Account, "Código de recuperación", "Entregarte el código por WhatsApp")
        .kept(Encrypted, Minutes, DeleteRow),
    col("password_resets", "requested_ip", Account, "Dirección IP de la solicitud de código", "Prevenir abusos")
        .kept(Clear, Minutes, DeleteRow),
    col("phone_changes", "phone_enc", Account, "Celular nuevo por confirmar", "Confirmar tu nuevo celular con un código")
        .kept(Encrypted, Minutes, DeleteRow),
    col("phone_changes", "phone_bidx", Account, "Celular nuevo (índice de búsqueda)", "Aplicar bloqueos")
        .kept(BlindIndex, Minutes, DeleteRow),
    col("phone_changes", "code_enc", Account, "Código de confirmación del celular", "Entregarte el código por WhatsApp")
        .kept(Encrypted, Minutes, DeleteRow),
    col("frequent_visitors", "name", Visitor, "Nombre de una visita guardada", SAVED).kept(Clear, WhileAccount, DeleteRow),
    col("frequent_visitors", "plate", Visitor, "Patente de una visita guardada", SAVED).kept(Clear, WhileAccount, DeleteRow),
    col("frequent_visitors", "phone_enc", Visitor, "Celular de una visita guardada", SAVED).kept(
        Encrypted,
        WhileAccount,
        DeleteRow,
    ),
    col(
        "frequent_visitors",
        "phone_bidx",
        Visitor,
        "Celular de una visita guardada (índice de búsqueda)",
        "Aplicar bloqueos de la administración",
    )
    .kept(BlindIndex, WhileAccount, DeleteRow),
    col(
        "calendar_feeds",
        "token_enc",
        Account,
        "Enlace privado de tu calendario",
        "Que tu aplicación de calendario muestre tus reservas",
    )
    .kept(Encrypted, WhileAccount, DeleteRow),
    col("buildings", "contact_email", NotPersonal, "Correo de contacto del edificio", NOT_PERSONAL).kept(
        Clear,
        Retention::NotPersonal,
        Keep,
    ),
    col("job_runs", "job_name", NotPersonal, "Nombre de una tarea programada", NOT_PERSONAL).kept(
        Clear,
        Retention::NotPersonal,
        Keep,
    ),
    col("availability_blocks", "template_id", NotPersonal, "Plantilla de un bloque", NOT_PERSONAL).kept(
        Clear,
        Retention::NotPersonal,
        Keep,
    ),
    col("notifications", "template_sid", NotPersonal, "Plantilla de WhatsApp", NOT_PERSONAL).kept(
        Clear,
        Retention::NotPersonal,
        Keep,
    ),
];
