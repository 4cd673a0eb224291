//! Domain events: what happened, as typed values, carried from the outbox over the bus to the
//! notification consumers and to the live screens.
//!
//! An event names ids and amounts only, never personal data: a consumer that needs a phone
//! number or a plate loads (and decrypts) it from the database. The wire form is a versioned
//! JSON object (`{"v":1,"id":…,"type":"booking_confirmed",…}`) so an old consumer can refuse a
//! newer shape instead of misreading it.
//!
//! The outbox stores the dotted action name the state change recorded (`booking.check_in`) and
//! a JSON payload; [`DomainEvent::from_outbox`] is the one place that reads them back.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// The event schema version this build writes and understands.
pub const EVENT_VERSION: u16 = 1;

/// Something that happened, with the ids a consumer needs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum DomainEvent {
    /// A resident booked a block; the booking waits for payment.
    BookingCreated {
        /// The booking.
        booking_id: Uuid,
    },
    /// The payment was approved: the booking is confirmed.
    BookingConfirmed {
        /// The booking.
        booking_id: Uuid,
    },
    /// The booking was cancelled (by the resident or staff).
    BookingCancelled {
        /// The booking.
        booking_id: Uuid,
        /// What the policy refunds, in pesos.
        refund_clp: i64,
    },
    /// The payment was rejected.
    PaymentFailed {
        /// The booking.
        booking_id: Uuid,
    },
    /// The payment hold expired before payment.
    HoldExpired {
        /// The booking.
        booking_id: Uuid,
    },
    /// The visitor's car entered.
    BookingCheckedIn {
        /// The booking.
        booking_id: Uuid,
    },
    /// The visitor's car left.
    BookingCheckedOut {
        /// The booking.
        booking_id: Uuid,
    },
    /// The visitor never arrived.
    BookingNoShow {
        /// The booking.
        booking_id: Uuid,
    },
    /// The car stayed past the end of the window.
    BookingOverstay {
        /// The booking.
        booking_id: Uuid,
    },
    /// The window ended without a check-in where no-show is disabled.
    BookingCompleted {
        /// The booking.
        booking_id: Uuid,
    },
    /// The booking starts within the hour: time to remind.
    BookingReminderDue {
        /// The booking.
        booking_id: Uuid,
    },
    /// A building admin approved a resident.
    ResidentApproved {
        /// The resident.
        user_id: Uuid,
    },
    /// A building admin rejected a resident.
    ResidentRejected {
        /// The resident.
        user_id: Uuid,
    },
    /// Someone asked for a password reset code.
    PasswordResetRequested {
        /// The account.
        user_id: Uuid,
        /// The reset request (its code is stored encrypted there).
        reset_id: Uuid,
    },
    /// A person asked to change their phone; the code goes to the new number.
    PhoneChangeRequested {
        /// The account.
        user_id: Uuid,
        /// The pending change (new number and code stored encrypted there).
        change_id: Uuid,
    },
}

/// An event as it travels on the bus: the outbox id (the identity consumers deduplicate on),
/// the schema version, the building (for per-building fan-out) and the event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    /// Schema version of `event`.
    pub v: u16,
    /// The outbox row the event came from.
    pub id: i64,
    /// The building concerned, if any.
    pub building_id: Option<Uuid>,
    /// When the state change committed (RFC 3339), for delay measurements.
    pub occurred_at: String,
    /// What happened.
    #[serde(flatten)]
    pub event: DomainEvent,
}

/// Why an outbox row or a bus message could not be read as an event.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EventError {
    /// The action name is not one this build publishes.
    #[error("unknown event type {0}")]
    UnknownType(String),
    /// Written by a newer build.
    #[error("unsupported event version {0}")]
    UnsupportedVersion(i64),
    /// A required field is missing or malformed.
    #[error("{event_type}: missing or malformed {field}")]
    MissingField {
        /// The event type.
        event_type: String,
        /// The field.
        field: &'static str,
    },
    /// The JSON is not an envelope.
    #[error("malformed envelope: {0}")]
    Malformed(String),
}

impl DomainEvent {
    /// The booking or account the event is about: events with the same subject must be handled
    /// in order (a booking's confirmation message before its cancellation's).
    pub fn subject(&self) -> Uuid {
        match *self {
            Self::ResidentApproved { user_id }
            | Self::ResidentRejected { user_id }
            | Self::PasswordResetRequested { user_id, .. }
            | Self::PhoneChangeRequested { user_id, .. } => user_id,
            // Every other event is about a booking.
            _ => self.booking_id().unwrap_or_default(),
        }
    }

    /// Reads an outbox row (`event_type`, `event_version`, `payload`) as a typed event.
    pub fn from_outbox(event_type: &str, version: i64, payload: &serde_json::Value) -> Result<Self, EventError> {
        if version < 1 || version > i64::from(EVENT_VERSION) {
            return Err(EventError::UnsupportedVersion(version));
        }
        let id = |field: &'static str| {
            payload
                .get(field)
                .and_then(serde_json::Value::as_str)
                .and_then(|s| Uuid::parse_str(s).ok())
                .ok_or_else(|| EventError::MissingField { event_type: event_type.to_string(), field })
        };
        Ok(match event_type {
            "booking.created" => Self::BookingCreated { booking_id: id("booking_id")? },
            "booking.payment_approved" => Self::BookingConfirmed { booking_id: id("booking_id")? },
            "booking.cancel" => Self::BookingCancelled {
                booking_id: id("booking_id")?,
                refund_clp: payload.get("refund_clp").and_then(serde_json::Value::as_i64).unwrap_or(0),
            },
            "booking.payment_rejected" => Self::PaymentFailed { booking_id: id("booking_id")? },
            "booking.hold_expired" => Self::HoldExpired { booking_id: id("booking_id")? },
            "booking.check_in" => Self::BookingCheckedIn { booking_id: id("booking_id")? },
            "booking.check_out" => Self::BookingCheckedOut { booking_id: id("booking_id")? },
            "booking.no_show" => Self::BookingNoShow { booking_id: id("booking_id")? },
            "booking.overstay" => Self::BookingOverstay { booking_id: id("booking_id")? },
            "booking.complete" => Self::BookingCompleted { booking_id: id("booking_id")? },
            "booking.reminder_due" => Self::BookingReminderDue { booking_id: id("booking_id")? },
            "resident.approved" => Self::ResidentApproved { user_id: id("user_id")? },
            "resident.rejected" => Self::ResidentRejected { user_id: id("user_id")? },
            "auth.password_reset_requested" => {
                Self::PasswordResetRequested { user_id: id("user_id")?, reset_id: id("reset_id")? }
            }
            "account.phone_change_requested" => {
                Self::PhoneChangeRequested { user_id: id("user_id")?, change_id: id("change_id")? }
            }
            other => return Err(EventError::UnknownType(other.to_string())),
        })
    }

    /// The booking the event is about, if it is about one (live screens refresh on these).
    pub const fn booking_id(&self) -> Option<Uuid> {
        match self {
            Self::BookingCreated { booking_id }
            | Self::BookingConfirmed { booking_id }
            | Self::BookingCancelled { booking_id, .. }
            | Self::PaymentFailed { booking_id }
            | Self::HoldExpired { booking_id }
            | Self::BookingCheckedIn { booking_id }
            | Self::BookingCheckedOut { booking_id }
            | Self::BookingNoShow { booking_id }
            | Self::BookingOverstay { booking_id }
            | Self::BookingCompleted { booking_id }
            | Self::BookingReminderDue { booking_id } => Some(*booking_id),
            Self::ResidentApproved { .. }
            | Self::ResidentRejected { .. }
            | Self::PasswordResetRequested { .. }
            | Self::PhoneChangeRequested { .. } => None,
        }
    }

    /// Whether the event changes what the gate and admin screens show (worth a live push).
    pub const fn is_live(&self) -> bool {
        !matches!(self, Self::PasswordResetRequested { .. } | Self::PhoneChangeRequested { .. } | Self::BookingReminderDue { .. })
    }
}

impl Envelope {
    /// Serialises for the bus.
    pub fn to_json(&self) -> Result<String, EventError> {
        serde_json::to_string(self).map_err(|e| EventError::Malformed(e.to_string()))
    }

    /// Reads a bus message, refusing versions this build does not know.
    pub fn from_json(text: &str) -> Result<Self, EventError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| EventError::Malformed(e.to_string()))?;
        let v = value.get("v").and_then(serde_json::Value::as_i64).unwrap_or(0);
        if v < 1 || v > i64::from(EVENT_VERSION) {
            return Err(EventError::UnsupportedVersion(v));
        }
        serde_json::from_value(value).map_err(|e| EventError::Malformed(e.to_string()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn booking() -> Uuid {
        Uuid::from_u128(7)
    }

    #[test]
    fn an_events_subject_is_its_booking_or_its_account() {
        let user = Uuid::from_u128(9);
        assert_eq!(DomainEvent::BookingCancelled { booking_id: booking(), refund_clp: 0 }.subject(), booking());
        assert_eq!(DomainEvent::BookingReminderDue { booking_id: booking() }.subject(), booking());
        assert_eq!(DomainEvent::PhoneChangeRequested { user_id: user, change_id: booking() }.subject(), user);
        assert_eq!(DomainEvent::ResidentApproved { user_id: user }.subject(), user);
    }

    #[test]
    fn every_published_action_reads_back_as_its_event() {
        let b = booking().to_string();
        let cases = [
            ("booking.created", DomainEvent::BookingCreated { booking_id: booking() }),
            ("booking.payment_approved", DomainEvent::BookingConfirmed { booking_id: booking() }),
            ("booking.payment_rejected", DomainEvent::PaymentFailed { booking_id: booking() }),
            ("booking.hold_expired", DomainEvent::HoldExpired { booking_id: booking() }),
            ("booking.check_in", DomainEvent::BookingCheckedIn { booking_id: booking() }),
            ("booking.check_out", DomainEvent::BookingCheckedOut { booking_id: booking() }),
            ("booking.no_show", DomainEvent::BookingNoShow { booking_id: booking() }),
            ("booking.overstay", DomainEvent::BookingOverstay { booking_id: booking() }),
            ("booking.complete", DomainEvent::BookingCompleted { booking_id: booking() }),
            ("booking.reminder_due", DomainEvent::BookingReminderDue { booking_id: booking() }),
        ];
        for (action, want) in cases {
            let got = DomainEvent::from_outbox(action, 1, &json!({ "booking_id": b, "from": "x" }));
            assert_eq!(got, Ok(want), "{action}");
        }
        assert_eq!(
            DomainEvent::from_outbox("booking.cancel", 1, &json!({ "booking_id": b, "refund_clp": 4000 })),
            Ok(DomainEvent::BookingCancelled { booking_id: booking(), refund_clp: 4000 })
        );
        let user = Uuid::from_u128(9);
        assert_eq!(
            DomainEvent::from_outbox("resident.approved", 1, &json!({ "user_id": user })),
            Ok(DomainEvent::ResidentApproved { user_id: user })
        );
        assert_eq!(
            DomainEvent::from_outbox("auth.password_reset_requested", 1, &json!({ "user_id": user, "reset_id": booking() })),
            Ok(DomainEvent::PasswordResetRequested { user_id: user, reset_id: booking() })
        );
        assert_eq!(
            DomainEvent::from_outbox("account.phone_change_requested", 1, &json!({ "user_id": user, "change_id": booking() })),
            Ok(DomainEvent::PhoneChangeRequested { user_id: user, change_id: booking() })
        );
    }

    #[test]
    fn unknown_types_missing_ids_and_future_versions_are_refused() {
        assert_eq!(
            DomainEvent::from_outbox("booking.teleported", 1, &json!({})),
            Err(EventError::UnknownType("booking.teleported".into()))
        );
        assert!(matches!(
            DomainEvent::from_outbox("booking.check_in", 1, &json!({ "booking_id": "nope" })),
            Err(EventError::MissingField { field: "booking_id", .. })
        ));
        assert_eq!(
            DomainEvent::from_outbox("booking.check_in", 2, &json!({ "booking_id": booking() })),
            Err(EventError::UnsupportedVersion(2))
        );
    }

    #[test]
    fn the_envelope_round_trips_with_its_version_and_no_personal_data() {
        let env = Envelope {
            v: EVENT_VERSION,
            id: 42,
            building_id: Some(Uuid::from_u128(3)),
            occurred_at: "2026-11-28T12:00:00Z".into(),
            event: DomainEvent::BookingCancelled { booking_id: booking(), refund_clp: 2500 },
        };
        let text = env.to_json().unwrap();
        assert!(text.contains("\"v\":1") && text.contains("\"type\":\"booking_cancelled\""), "{text}");
        assert_eq!(Envelope::from_json(&text), Ok(env));
        let future = text.replace("\"v\":1", "\"v\":9");
        assert_eq!(Envelope::from_json(&future), Err(EventError::UnsupportedVersion(9)));
        assert!(matches!(Envelope::from_json("{"), Err(EventError::Malformed(_))));
    }
}
