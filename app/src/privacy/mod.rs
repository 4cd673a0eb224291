//! Privacy under Ley 21.719: the inventory of personal data ([`registry`]) and the rights it
//! serves — access and portability (`/cuenta/mis-datos`, JSON download), rectification with
//! re-authentication (`/cuenta/contacto`, `/cuenta/celular`), erasure (`/cuenta/eliminar`, processed by the
//! building's administration at `/admin/privacidad`), opposition to reminders, the privacy
//! notice (`/privacidad`) and the retention purge (job `purge-personal-data`).

pub mod api;
pub mod notice;
pub mod pages;
pub mod registry;
pub mod requests;

#[cfg(feature = "ssr")]
pub mod download;
#[cfg(feature = "ssr")]
pub mod erasure;
#[cfg(feature = "ssr")]
pub mod export;
#[cfg(feature = "ssr")]
pub mod purge;
#[cfg(feature = "ssr")]
pub mod rectify;

#[cfg(all(test, feature = "ssr"))]
mod schema_tests;
#[cfg(all(test, feature = "ssr"))]
mod tests;

use serde::{Deserialize, Serialize};

/// What screens show in place of personal data the retention purge or an erasure removed.
pub const PURGED_LABEL: &str = "Datos eliminados";

/// The refusal while a booking is active within the next 24 hours.
pub const ACTIVE_BOOKING_MESSAGE: &str = "Tienes una reserva activa en las próximas 24 horas. Espera a que termine o anúlala antes de pedir la eliminación de tu cuenta.";

/// Everything the platform holds about one person: the body of the JSON download
/// (`/cuenta/mis-datos.json`) and of the readable page. Times are RFC 3339 in UTC; money is
/// integer pesos. Each field is documented here and in the README.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonalData {
    /// When this copy was produced.
    pub generated_at: String,
    /// The account, decrypted.
    pub profile: Profile,
    /// Bookings the person made, with their visitors (empty for staff).
    pub bookings: Vec<BookingRecord>,
    /// WhatsApp messages sent to the person (to their own phone).
    pub messages: Vec<MessageRecord>,
    /// Successful sign-ins.
    pub sign_ins: Vec<SignIn>,
    /// Audit entries about the account or made by it.
    pub audit: Vec<AuditRecord>,
    /// Erasure requests.
    pub erasure_requests: Vec<ErasureRecord>,
    /// Visitors the person saved (`/mis-visitas`), phone decrypted.
    pub saved_visitors: Vec<SavedVisitorRecord>,
    /// Whether a private calendar-feed link exists (the link itself is shown on `/cuenta`).
    pub calendar_feed: bool,
}

/// One saved (frequent) visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedVisitorRecord {
    /// Name.
    pub name: String,
    /// Plate, canonical.
    pub plate: String,
    /// Phone, decrypted ("No disponible" when it cannot be read).
    pub phone: Option<String>,
}

/// The account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Profile {
    /// `users.id`.
    pub id: String,
    /// Full name.
    pub full_name: String,
    /// Given names (residents).
    pub first_name: Option<String>,
    /// Surnames (residents).
    pub last_name: Option<String>,
    /// Login e-mail.
    pub email: String,
    /// RUT, `12.345.678-5` (residents).
    pub rut: Option<String>,
    /// Mobile, E.164.
    pub phone: Option<String>,
    /// Role (`resident`, `building_admin`, …).
    pub role: String,
    /// Account status.
    pub status: String,
    /// Building name.
    pub building: Option<String>,
    /// Building address.
    pub building_address: Option<String>,
    /// Unit number (residents).
    pub unit: Option<String>,
    /// Whether reminder messages are refused (opposition).
    pub reminders_opt_out: bool,
    /// Sign-up time.
    pub created_at: String,
    /// Last successful sign-in.
    pub last_login_at: Option<String>,
}

/// One booking and its visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BookingRecord {
    /// `bookings.id`.
    pub id: String,
    /// Confirmation code.
    pub code: String,
    /// Building.
    pub building: String,
    /// Visitor spot.
    pub spot: String,
    /// Start of the block.
    pub starts_at: String,
    /// End of the block.
    pub ends_at: String,
    /// Booking status.
    pub status: String,
    /// Payment status.
    pub payment_status: String,
    /// Amount paid, pesos.
    pub amount_clp: i64,
    /// Visitor's name (`null` once purged).
    pub visitor_name: Option<String>,
    /// Visitor's plate (`null` once purged).
    pub visitor_plate: Option<String>,
    /// Visitor's mobile, E.164 (`null` when none or purged).
    pub visitor_phone: Option<String>,
    /// When the visitor's data was removed by the retention purge.
    pub purged_at: Option<String>,
}

/// One message sent to the person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageRecord {
    /// `notifications.id`.
    pub id: String,
    /// When it was created.
    pub created_at: String,
    /// Kind (`booking_confirmed`, `password_reset`, …).
    pub kind: String,
    /// Delivery status.
    pub status: String,
    /// The phone it went to, E.164 (`null` once purged).
    pub recipient: Option<String>,
    /// The text (one-time codes masked; `null` once purged).
    pub body: Option<String>,
}

/// One successful sign-in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignIn {
    /// When.
    pub at: String,
    /// From which address.
    pub ip: Option<String>,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditRecord {
    /// When.
    pub at: String,
    /// Action (`auth.login_succeeded`, `privacy.data_exported`, …).
    pub action: String,
    /// Role of whoever acted (`null`: the system or an anonymous visitor).
    pub actor_role: Option<String>,
    /// Whether the person themself acted.
    pub by_me: bool,
    /// Kind of thing acted on.
    pub entity_type: Option<String>,
}

/// One erasure request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRecord {
    /// `pending` or `processed`.
    pub status: String,
    /// When asked.
    pub requested_at: String,
    /// The legal deadline.
    pub due_at: String,
}

/// What `/cuenta/eliminar` shows before asking for the password.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureState {
    /// The open request's deadline (`dd-mm-yyyy`), if one is open.
    pub pending_due: Option<String>,
    /// Whether an active booking in the next 24 hours blocks a new request.
    pub blocked_by_booking: bool,
    /// Future bookings that processing would cancel.
    pub future_bookings: i64,
}

/// An erasure request as the building's administration sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErasureRequestView {
    /// `erasure_requests.id`.
    pub id: String,
    /// The resident's name (until processed).
    pub name: String,
    /// Building.
    pub building: String,
    /// Unit.
    pub unit: String,
    /// When asked (`dd-mm-yyyy HH:MM`, building's zone).
    pub requested_at: String,
    /// Legal deadline (`dd-mm-yyyy`).
    pub due: String,
    /// Calendar days left (negative: late).
    pub days_left: i64,
    /// `Pendiente` / `Procesada`.
    pub status: String,
    /// Whether the caller may process it.
    pub can_process: bool,
}
