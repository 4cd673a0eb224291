//! The Spanish text of each WhatsApp message, rendered with askama from `server/templates/`.
//! The same text is the free-form body, what the development outbox shows, and the reference
//! copy of the Twilio content template.

use askama::Template;

/// Password reset code.
#[derive(Template)]
#[template(path = "password_reset.txt")]
pub struct PasswordReset<'a> {
    /// The 6-digit code.
    pub code: &'a str,
    /// Minutes it stays valid.
    pub minutes: i32,
}

/// Resident account approved.
#[derive(Template)]
#[template(path = "resident_approved.txt")]
pub struct ResidentApproved<'a> {
    /// The resident's first name.
    pub first_name: &'a str,
    /// Building name.
    pub building: &'a str,
    /// Where to log in.
    pub login_url: &'a str,
}

/// Resident account rejected.
#[derive(Template)]
#[template(path = "resident_rejected.txt")]
pub struct ResidentRejected<'a> {
    /// The resident's first name.
    pub first_name: &'a str,
    /// Building name.
    pub building: &'a str,
    /// The administration's reason.
    pub reason: &'a str,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reset_text_carries_the_code_and_expiry() {
        let text = PasswordReset { code: "042917", minutes: 10 }.render().unwrap();
        assert!(text.contains("*042917*"));
        assert!(text.contains("Vence en 10 minutos"));
    }

    #[test]
    fn approval_text_names_building_and_link() {
        let text = ResidentApproved {
            first_name: "Camila",
            building: "Torre Los Leones",
            login_url: "https://estacionate.cl/ingresar",
        }
        .render()
        .unwrap();
        assert!(text.starts_with("✅ *Estacionate · Cuenta aprobada*"));
        assert!(text.contains("Hola Camila, la administración de Torre Los Leones aprobó tu cuenta."));
        assert!(text.contains("https://estacionate.cl/ingresar"));
    }
}
