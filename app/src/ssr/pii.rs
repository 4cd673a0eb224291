//! Where each encrypted column's associated data comes from. Every `*_enc` value is bound to its
//! table, column and row id, so a ciphertext copied to another row or column fails to decrypt.
//! Seeding, the application and key rotation all use these constructors.

use super::vault::Aad;

/// `users.phone_enc` of user `id`.
pub fn user_phone(id: &str) -> Aad<'_> {
    Aad::new("users", "phone_enc", id)
}

/// `resident_profiles.rut_enc` of user `id`.
pub fn resident_rut(id: &str) -> Aad<'_> {
    Aad::new("resident_profiles", "rut_enc", id)
}

/// `password_resets.code_enc` of reset `id`.
pub fn reset_code(id: &str) -> Aad<'_> {
    Aad::new("password_resets", "code_enc", id)
}

/// `notifications.recipient_enc` of notification `id`.
pub fn notification_recipient(id: &str) -> Aad<'_> {
    Aad::new("notifications", "recipient_enc", id)
}

/// `bookings.visitor_phone_enc` of booking `id`.
pub fn visitor_phone(id: &str) -> Aad<'_> {
    Aad::new("bookings", "visitor_phone_enc", id)
}
