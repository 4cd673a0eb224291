//! Booking statuses, the events that move them, and the one function that decides transitions.
//!
//! The old system changed statuses from several places and let a cancelled booking be confirmed
//! again by a late webhook. Here every change goes through [`transition`], whose table is the
//! whole state machine.

use serde::{Deserialize, Serialize};
use std::fmt;

/// Where a booking is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingStatus {
    /// Created, waiting for payment; holds the spot for 15 minutes.
    Pending,
    /// Paid; the visitor is expected.
    Confirmed,
    /// The visitor's car is inside.
    CheckedIn,
    /// The visitor left.
    CheckedOut,
    /// The car is still inside after the block ended (plus grace).
    Overstay,
    /// The visitor never arrived.
    NoShow,
    /// The block ended without a check-in while no-show marking was off.
    Completed,
    /// Cancelled by the resident, staff, a rejected payment or an expired hold.
    Cancelled,
}

impl BookingStatus {
    /// Every status, for exhaustive tests and filters.
    pub const ALL: [Self; 8] = [
        Self::Pending,
        Self::Confirmed,
        Self::CheckedIn,
        Self::CheckedOut,
        Self::Overstay,
        Self::NoShow,
        Self::Completed,
        Self::Cancelled,
    ];

    /// The statuses that hold their spot ([`Self::is_active`]), the list the database's
    /// no-overlap exclusion constraint covers; SQL reads it as `crate::active_statuses!()`.
    pub const ACTIVE: [Self; 4] = [Self::Pending, Self::Confirmed, Self::CheckedIn, Self::Overstay];

    /// The value stored in the database.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Confirmed => "confirmed",
            Self::CheckedIn => "checked_in",
            Self::CheckedOut => "checked_out",
            Self::Overstay => "overstay",
            Self::NoShow => "no_show",
            Self::Completed => "completed",
            Self::Cancelled => "cancelled",
        }
    }

    /// Reads a database value back.
    pub fn parse(value: &str) -> Result<Self, UnknownValue> {
        Self::ALL.into_iter().find(|status| status.as_str() == value).ok_or(UnknownValue)
    }

    /// The label residents and staff see (es-CL).
    pub const fn label_es(self) -> &'static str {
        match self {
            Self::Pending => "Pendiente de pago",
            Self::Confirmed => "Confirmada",
            Self::CheckedIn => "En el estacionamiento",
            Self::CheckedOut => "Finalizada",
            Self::Overstay => "Excedida",
            Self::NoShow => "No llegó",
            Self::Completed => "Completada",
            Self::Cancelled => "Cancelada",
        }
    }

    /// Whether the booking holds its spot: these are the statuses the database's no-overlap
    /// exclusion constraint covers. A cancelled or no-show booking frees the spot.
    pub fn is_active(self) -> bool {
        Self::ACTIVE.contains(&self)
    }

    /// Whether no event can move the booking any further.
    pub fn is_terminal(self) -> bool {
        BookingEvent::ALL.iter().all(|event| transition(self, *event).is_err())
    }
}

impl fmt::Display for BookingStatus {
    /// The Spanish label.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label_es())
    }
}

/// Something that happened to a booking.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BookingEvent {
    /// The gateway approved the payment (and the amount matched).
    PaymentApproved,
    /// The gateway rejected the payment.
    PaymentRejected,
    /// Nobody paid within the hold.
    HoldExpired,
    /// The concierge let the car in.
    CheckIn,
    /// The concierge saw the car leave.
    CheckOut,
    /// The car stayed past the end plus grace.
    Overstay,
    /// The visitor did not come (job after the grace period, or the concierge).
    NoShow,
    /// The block ended without a visit while no-show marking was off.
    Complete,
    /// The resident or staff cancelled.
    Cancel,
}

impl BookingEvent {
    /// Every event, for exhaustive tests.
    pub const ALL: [Self; 9] = [
        Self::PaymentApproved,
        Self::PaymentRejected,
        Self::HoldExpired,
        Self::CheckIn,
        Self::CheckOut,
        Self::Overstay,
        Self::NoShow,
        Self::Complete,
        Self::Cancel,
    ];

    /// The value written to audit and access events.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::PaymentApproved => "payment_approved",
            Self::PaymentRejected => "payment_rejected",
            Self::HoldExpired => "hold_expired",
            Self::CheckIn => "check_in",
            Self::CheckOut => "check_out",
            Self::Overstay => "overstay",
            Self::NoShow => "no_show",
            Self::Complete => "complete",
            Self::Cancel => "cancel",
        }
    }

    /// Reads a stored event name back.
    pub fn parse(value: &str) -> Result<Self, UnknownValue> {
        Self::ALL.into_iter().find(|event| event.as_str() == value).ok_or(UnknownValue)
    }

    /// The verb phrase for error messages: "No se puede {action} una reserva …".
    const fn action_es(self) -> &'static str {
        match self {
            Self::PaymentApproved => "confirmar el pago de",
            Self::PaymentRejected => "rechazar el pago de",
            Self::HoldExpired => "expirar",
            Self::CheckIn => "registrar el ingreso de",
            Self::CheckOut => "registrar la salida de",
            Self::Overstay => "marcar como excedida",
            Self::NoShow => "marcar como «No llegó»",
            Self::Complete => "completar",
            Self::Cancel => "cancelar",
        }
    }
}

impl fmt::Display for BookingEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A stored value that is not a known status or event: a schema mismatch, not a user error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub struct UnknownValue;

impl UnknownValue {
    /// The message shown if this ever reaches a screen (es-CL).
    pub fn message(&self) -> &'static str {
        "La reserva tiene un estado desconocido."
    }
}

/// The refusal of an event the current status does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub struct TransitionError {
    /// The booking's status when the event arrived.
    pub from: BookingStatus,
    /// The refused event.
    pub event: BookingEvent,
}

impl TransitionError {
    /// The message shown to the person who tried (es-CL), e.g. "No se puede cancelar una
    /// reserva en estado «Finalizada»."
    pub fn message(&self) -> String {
        format!("No se puede {} una reserva en estado «{}».", self.event.action_es(), self.from.label_es())
    }
}

/// The state machine: the status an event leads to from a status, or a refusal.
pub const fn transition(from: BookingStatus, event: BookingEvent) -> Result<BookingStatus, TransitionError> {
    use BookingEvent as E;
    use BookingStatus as S;
    match (event, from) {
        (E::PaymentApproved, S::Pending) => Ok(S::Confirmed),
        (E::PaymentRejected | E::HoldExpired, S::Pending) => Ok(S::Cancelled),
        (E::CheckIn, S::Confirmed) => Ok(S::CheckedIn),
        (E::CheckOut, S::CheckedIn | S::Overstay) => Ok(S::CheckedOut),
        (E::Overstay, S::CheckedIn) => Ok(S::Overstay),
        (E::NoShow, S::Confirmed) => Ok(S::NoShow),
        (E::Complete, S::Confirmed) => Ok(S::Completed),
        (E::Cancel, S::Pending | S::Confirmed) => Ok(S::Cancelled),
        _ => Err(TransitionError { from, event }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use BookingEvent as E;
    use BookingStatus as S;

    /// The table from the product specification, written out independently of `transition`.
    const TABLE: [(E, S, S); 11] = [
        (E::PaymentApproved, S::Pending, S::Confirmed),
        (E::PaymentRejected, S::Pending, S::Cancelled),
        (E::HoldExpired, S::Pending, S::Cancelled),
        (E::CheckIn, S::Confirmed, S::CheckedIn),
        (E::CheckOut, S::CheckedIn, S::CheckedOut),
        (E::CheckOut, S::Overstay, S::CheckedOut),
        (E::Overstay, S::CheckedIn, S::Overstay),
        (E::NoShow, S::Confirmed, S::NoShow),
        (E::Complete, S::Confirmed, S::Completed),
        (E::Cancel, S::Pending, S::Cancelled),
        (E::Cancel, S::Confirmed, S::Cancelled),
    ];

    #[test]
    fn every_pair_follows_the_table() {
        let mut allowed = 0;
        for from in S::ALL {
            for event in E::ALL {
                let expected = TABLE.iter().find(|(e, f, _)| *e == event && *f == from).map(|(_, _, to)| *to);
                match expected {
                    Some(to) => {
                        allowed += 1;
                        assert_eq!(transition(from, event), Ok(to), "{from:?} + {event:?}");
                    }
                    None => assert_eq!(transition(from, event), Err(TransitionError { from, event }), "{from:?} + {event:?}"),
                }
            }
        }
        assert_eq!(allowed, TABLE.len());
        assert_eq!(S::ALL.len() * E::ALL.len(), 72);
    }

    #[test]
    fn a_cancelled_booking_cannot_be_paid_again() {
        let err = transition(S::Cancelled, E::PaymentApproved);
        assert_eq!(
            err.map_err(|e| e.message()),
            Err("No se puede confirmar el pago de una reserva en estado «Cancelada».".to_owned())
        );
        assert_eq!(
            transition(S::CheckedOut, E::Cancel).map_err(|e| e.to_string()),
            Err("No se puede cancelar una reserva en estado «Finalizada».".to_owned())
        );
    }

    #[test]
    fn database_values_and_labels() {
        let values = ["pending", "confirmed", "checked_in", "checked_out", "overstay", "no_show", "completed", "cancelled"];
        let labels = [
            "Pendiente de pago",
            "Confirmada",
            "En el estacionamiento",
            "Finalizada",
            "Excedida",
            "No llegó",
            "Completada",
            "Cancelada",
        ];
        for ((status, value), label) in S::ALL.into_iter().zip(values).zip(labels) {
            assert_eq!(status.as_str(), value);
            assert_eq!(S::parse(value), Ok(status));
            assert_eq!(status.label_es(), label);
        }
        assert_eq!(S::parse("PENDING"), Err(UnknownValue));
        let events = [
            "payment_approved",
            "payment_rejected",
            "hold_expired",
            "check_in",
            "check_out",
            "overstay",
            "no_show",
            "complete",
            "cancel",
        ];
        for (event, value) in E::ALL.into_iter().zip(events) {
            assert_eq!(event.as_str(), value);
            assert_eq!(E::parse(value), Ok(event));
        }
    }

    #[test]
    fn active_statuses_hold_the_spot() {
        let active: Vec<_> = S::ALL.into_iter().filter(|s| s.is_active()).collect();
        assert_eq!(active, [S::Pending, S::Confirmed, S::CheckedIn, S::Overstay]);
        let terminal: Vec<_> = S::ALL.into_iter().filter(|s| s.is_terminal()).collect();
        assert_eq!(terminal, [S::CheckedOut, S::NoShow, S::Completed, S::Cancelled]);
    }

    proptest! {
        /// Any sequence of events, each applied only if allowed, never revives a terminal
        /// booking and never leaves an inactive booking holding the spot again.
        #[test]
        fn terminal_statuses_are_absorbing(events in proptest::collection::vec(0usize..9, 0..20)) {
            let mut status = S::Pending;
            let mut released = false;
            for i in events {
                if let Ok(next) = transition(status, E::ALL[i]) {
                    prop_assert!(!status.is_terminal());
                    status = next;
                }
                released |= !status.is_active();
                prop_assert!(!(released && status.is_active()));
            }
        }
    }
}
