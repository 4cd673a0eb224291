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

/// The code confirming a new phone number.
#[derive(Template)]
#[template(path = "phone_change_code.txt")]
pub struct PhoneChangeCode<'a> {
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

/// A confirmed booking: to the visitor (with their access code) and to the resident.
#[derive(Template)]
#[template(path = "booking_confirmed.txt")]
pub struct BookingConfirmed<'a> {
    /// Who the message greets.
    pub name: &'a str,
    /// The audience-specific first line.
    pub intro: &'a str,
    /// Building name.
    pub building: &'a str,
    /// Building address.
    pub address: &'a str,
    /// Spot number.
    pub spot: &'a str,
    /// The window in the building's zone.
    pub window: &'a str,
    /// The plate as people write it.
    pub plate: &'a str,
    /// The confirmation code the concierge verifies (the real one).
    pub code: &'a str,
    /// The guest pass link.
    pub pass_url: &'a str,
}

/// A cancelled booking, with its refund.
#[derive(Template)]
#[template(path = "booking_cancelled.txt")]
pub struct BookingCancelled<'a> {
    /// Who the message greets.
    pub name: &'a str,
    /// Spot number.
    pub spot: &'a str,
    /// Building name.
    pub building: &'a str,
    /// The window.
    pub window: &'a str,
    /// Refunded pesos.
    pub refund: i64,
    /// `$4.950`.
    pub refund_label: &'a str,
}

/// The reminder, one hour before the window opens: to the visitor and to the resident.
#[derive(Template)]
#[template(path = "booking_reminder.txt")]
pub struct BookingReminder<'a> {
    /// Who the message greets.
    pub name: &'a str,
    /// The audience-specific first line.
    pub intro: &'a str,
    /// Building name.
    pub building: &'a str,
    /// Building address.
    pub address: &'a str,
    /// Spot number.
    pub spot: &'a str,
    /// The window in the building's zone.
    pub window: &'a str,
    /// The plate as people write it.
    pub plate: &'a str,
    /// The confirmation code.
    pub code: &'a str,
    /// The guest pass link.
    pub pass_url: &'a str,
}

/// A payment that was not approved: the booking is not confirmed.
#[derive(Template)]
#[template(path = "payment_failed.txt")]
pub struct PaymentFailed<'a> {
    /// Who the message greets.
    pub name: &'a str,
    /// Spot number.
    pub spot: &'a str,
    /// Building name.
    pub building: &'a str,
    /// The window.
    pub window: &'a str,
    /// Where to book again.
    pub search_url: &'a str,
}

/// The numbered variables of a Twilio content template (`{"1": …, "2": …}`), in the order the
/// template's text uses them. The approved content templates in Twilio follow this order.
pub trait ContentVariables {
    /// The variables, numbered from 1.
    fn variables(&self) -> Vec<&str>;

    /// As the JSON object Twilio's `ContentVariables` takes.
    fn content_variables(&self) -> serde_json::Value {
        let map: serde_json::Map<String, serde_json::Value> = self
            .variables()
            .into_iter()
            .enumerate()
            .map(|(i, v)| ((i + 1).to_string(), serde_json::Value::String(v.to_string())))
            .collect();
        serde_json::Value::Object(map)
    }
}

impl ContentVariables for PasswordReset<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.code]
    }
}

impl ContentVariables for PhoneChangeCode<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.code]
    }
}

impl ContentVariables for ResidentApproved<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.first_name, self.building, self.login_url]
    }
}

impl ContentVariables for ResidentRejected<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.first_name, self.building, self.reason]
    }
}

impl ContentVariables for BookingConfirmed<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.name, self.intro, self.building, self.address, self.spot, self.window, self.plate, self.code, self.pass_url]
    }
}

impl ContentVariables for BookingReminder<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.name, self.intro, self.building, self.address, self.spot, self.window, self.plate, self.code, self.pass_url]
    }
}

impl ContentVariables for BookingCancelled<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.name, self.spot, self.building, self.window, self.refund_label]
    }
}

impl ContentVariables for PaymentFailed<'_> {
    fn variables(&self) -> Vec<&str> {
        vec![self.name, self.spot, self.building, self.window, self.search_url]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reminder_and_payment_failed_texts_carry_what_the_reader_needs() {
        let reminder = BookingReminder {
            name: "Pedro",
            intro: "tu estacionamiento de visita es en una hora.",
            building: "Torre Los Leones",
            address: "Av. Los Leones 1450",
            spot: "V-03",
            window: "sábado, 28 de noviembre, 20:00 – 23:00",
            plate: "KHJT-52",
            code: "ABCD-2345",
            pass_url: "https://estacionate.cl/pase/x",
        };
        let text = reminder.render().unwrap();
        assert!(text.contains("Código de acceso: *ABCD-2345*") && text.contains("V-03"), "{text}");
        assert_eq!(reminder.content_variables()["8"], "ABCD-2345");
        let failed = PaymentFailed {
            name: "Ana",
            spot: "V-1",
            building: "Torre",
            window: "w",
            search_url: "https://estacionate.cl/buscar",
        };
        let text = failed.render().unwrap();
        assert!(text.contains("no fue aprobado") && text.contains("https://estacionate.cl/buscar"), "{text}");
        assert_eq!(failed.content_variables().as_object().unwrap().len(), 5);
    }

    #[test]
    fn reset_text_carries_the_code_and_expiry() {
        let text = PasswordReset { code: "042917", minutes: 10 }.render().unwrap();
        assert!(text.contains("*042917*"));
        assert!(text.contains("Vence en 10 minutos"));
    }

    #[test]
    fn confirmation_carries_the_real_code_and_the_pass() {
        let text = BookingConfirmed {
            name: "Pedro",
            intro: "tienes un estacionamiento reservado.",
            building: "Torre Los Leones",
            address: "Av. Los Leones 1450",
            spot: "V-03",
            window: "sábado, 28 de noviembre, 20:00 – domingo, 29 de noviembre, 07:00",
            plate: "KHJT-52",
            code: "ABCD-2345",
            pass_url: "https://estacionate.cl/pase/x",
        }
        .render()
        .unwrap();
        assert!(text.contains("Código de acceso: *ABCD-2345*"));
        assert!(text.contains("Estacionamiento V-03"));
        assert!(text.contains("https://estacionate.cl/pase/x"));
    }

    #[test]
    fn cancellation_states_the_refund_or_its_absence() {
        let with =
            BookingCancelled { name: "Ana", spot: "V-1", building: "B", window: "w", refund: 4950, refund_label: "$4.950" }
                .render()
                .unwrap();
        assert!(with.contains("Reembolso: $4.950."));
        let without = BookingCancelled { name: "Ana", spot: "V-1", building: "B", window: "w", refund: 0, refund_label: "$0" }
            .render()
            .unwrap();
        assert!(without.contains("no tiene reembolso"));
    }

    #[test]
    fn approval_text_names_building_and_link() {
        let text =
            ResidentApproved { first_name: "Camila", building: "Torre Los Leones", login_url: "https://estacionate.cl/ingresar" }
                .render()
                .unwrap();
        assert!(text.starts_with("✅ *Estacionate · Cuenta aprobada*"));
        assert!(text.contains("Hola Camila, la administración de Torre Los Leones aprobó tu cuenta."));
        assert!(text.contains("https://estacionate.cl/ingresar"));
    }
}
