//! WhatsApp messages as staff see them: every notification with its delivery status. Without
//! Twilio settings this is the development outbox — the rendered Spanish text of each message.

pub mod api;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// One message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageView {
    /// Created, building-local `dd-mm-aaaa hh:mm`.
    pub created_at: String,
    /// Kind in Spanish.
    pub kind: String,
    /// Masked recipient phone.
    pub recipient: String,
    /// Status in Spanish.
    pub status: String,
    /// `twilio` or `dev_outbox`.
    pub transport: Option<String>,
    /// The text sent, with one-time secrets (reset codes) as the mask unless the caller may
    /// read them (see [`api::list_messages`]).
    pub body: String,
    /// Send attempts so far.
    pub attempts: i32,
    /// Why the last attempt failed (shown to staff, never to residents).
    pub last_error: Option<String>,
}

/// Spanish label of a notification kind.
pub fn kind_label(kind: &str) -> &'static str {
    match kind {
        "booking_confirmed" => "Reserva confirmada",
        "booking_cancelled" => "Reserva cancelada",
        "booking_reminder" => "Recordatorio",
        "payment_failed" => "Pago fallido",
        "password_reset" => "Código de recuperación",
        "resident_approved" => "Cuenta aprobada",
        "resident_rejected" => "Cuenta rechazada",
        "phone_change_code" => "Código de cambio de celular",
        _ => "Mensaje",
    }
}

/// Spanish label of a delivery status.
pub fn status_label(status: &str) -> &'static str {
    match status {
        "pending" => "En cola",
        "sending" => "Enviando",
        "sent" => "Enviado",
        "delivered" => "Entregado",
        "failed" => "Falló",
        "undeliverable" => "No entregable",
        _ => "Desconocido",
    }
}
