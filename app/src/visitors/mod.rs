//! Frequent visitors: a resident saves the people they book for (name, plate, optional phone),
//! manages them on `/mis-visitas`, and the booking form offers the five most recent — saved or
//! booked before — as links that prefill it (so it works without JavaScript).

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use crate::domain::{names::VisitorName, phone::MobilePhone, plate::Plate};
use crate::error::{AppError, FieldErrors};
use serde::{Deserialize, Serialize};

/// A saved visitor as the list shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedVisitor {
    /// `frequent_visitors.id`.
    pub id: String,
    /// Name.
    pub name: String,
    /// Plate, `KHJT-52`.
    pub plate: String,
    /// Phone, masked (`+56 9 •••• 5678`).
    pub phone_masked: Option<String>,
}

/// The saved visitors and the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorList {
    /// Newest use first.
    pub visitors: Vec<SavedVisitor>,
    /// The most a resident may save.
    pub max: i64,
}

/// What prefills a form: the visitor form when editing, the booking form when picking one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorDraft {
    /// `frequent_visitors.id` when it is a saved visitor (editing), empty otherwise.
    pub id: String,
    /// Name.
    pub name: String,
    /// Plate, `KHJT-52`.
    pub plate: String,
    /// Phone in E.164, or empty.
    pub phone: String,
}

/// One of the recent visitors the booking form offers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentVisitor {
    /// The link's `visita` value (`v-<uuid>` or `r-<uuid>`).
    pub reference: String,
    /// Name.
    pub name: String,
    /// Plate, `KHJT-52`.
    pub plate: String,
}

/// A parsed visitor form.
#[derive(Debug, Clone)]
pub struct VisitorInput {
    /// Name.
    pub name: VisitorName,
    /// Plate.
    pub plate: Plate,
    /// Phone, if given.
    pub phone: Option<MobilePhone>,
}

impl VisitorInput {
    /// Parses the form with the booking's own rules, one message per field.
    pub fn parse(name: &str, plate: &str, phone: &str) -> Result<Self, AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check("name", VisitorName::parse(name));
        let plate = errors.check("plate", Plate::parse(plate));
        let phone = if phone.trim().is_empty() { Some(None) } else { errors.check("phone", MobilePhone::parse(phone)).map(Some) };
        match (name, plate, phone) {
            (Some(name), Some(plate), Some(phone)) => Ok(Self { name, plate, phone }),
            _ => Err(errors.into_error_with("Revisa los datos de tu visita.")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_form_is_read_like_the_booking_and_names_each_bad_field() {
        let ok = VisitorInput::parse("  Ana   Pérez ", "kh-jt 52", "9 1234 5678").unwrap();
        assert_eq!(ok.name.as_str(), "Ana Pérez");
        assert_eq!(ok.plate.as_str(), "KHJT52");
        assert_eq!(ok.phone.unwrap().as_e164(), "+56912345678");
        assert!(VisitorInput::parse("Ana Pérez", "AB1234", " ").unwrap().phone.is_none());
        let err = VisitorInput::parse("A", "XX", "123").unwrap_err();
        for field in ["name", "plate", "phone"] {
            assert!(err.field_message(field).is_some(), "{field}");
        }
    }
}
