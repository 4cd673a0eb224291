//! Payments: the gateway trait and its built-in simulator, starting a checkout, applying what a
//! gateway reports (the amount and the booking's state are checked, each report is applied
//! once), the result pages, unpaid-hold expiry, and cancellation with the policy's refund.
//!
//! Every booking status change goes through `booking::transition::apply`; this area only
//! decides which event to apply and records the money side (payments, payment_events, refunds).
//! Nothing here talks to a gateway inside a database transaction: the row is written and
//! committed first, the gateway is called afterwards, and its answer is written back.

pub mod api;
pub mod pages;

#[cfg(feature = "ssr")]
pub mod apply;
#[cfg(feature = "ssr")]
pub mod cancel;
#[cfg(feature = "ssr")]
pub mod gateway;
#[cfg(feature = "ssr")]
pub mod holds;
#[cfg(feature = "ssr")]
pub mod refunds;
#[cfg(feature = "ssr")]
pub mod signing;
#[cfg(feature = "ssr")]
pub mod simulator;
#[cfg(feature = "ssr")]
pub mod ssr;

use serde::{Deserialize, Serialize};

/// What the resident chose on the simulator page.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Decision {
    /// Aprobar: the payment goes through.
    Approve,
    /// Rechazar: the payment fails and the booking is cancelled.
    Reject,
    /// Dejar pendiente: nothing happens yet; the hold keeps running.
    Leave,
}

impl Decision {
    /// Reads the value of the button that was pressed (`aprobar`, `rechazar`, `pendiente`).
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim() {
            "aprobar" => Some(Self::Approve),
            "rechazar" => Some(Self::Reject),
            "pendiente" => Some(Self::Leave),
            _ => None,
        }
    }

    /// The form value of the button.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Approve => "aprobar",
            Self::Reject => "rechazar",
            Self::Leave => "pendiente",
        }
    }

    /// The result page this decision leads to.
    pub const fn result_path(self) -> &'static str {
        match self {
            Self::Approve => "/pago/exito",
            Self::Reject => "/pago/fallido",
            Self::Leave => "/pago/pendiente",
        }
    }
}

/// Where the resident goes to pay.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckoutTarget {
    /// The checkout URL.
    pub url: String,
    /// Whether it is on another site (the gateway's) rather than ours (the simulator).
    pub external: bool,
}

/// The simulator's checkout page: what is being paid, exactly as it will be charged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimulatorPage {
    /// `bookings.id`.
    pub booking_id: String,
    /// The link's signature, posted back with the decision.
    pub firma: String,
    /// The amount in pesos, posted back with the decision (it must match the signature).
    pub amount_pesos: i64,
    /// The amount, formatted (`$5.000`).
    pub amount: String,
    /// Building name.
    pub building: String,
    /// Building address.
    pub address: String,
    /// Spot number.
    pub spot: String,
    /// Date and time window in the building's zone.
    pub window: String,
    /// Visitor's name.
    pub visitor: String,
    /// Visitor's plate.
    pub plate: String,
    /// Until when the hold lasts (`12:45`).
    pub hold_until: String,
}

/// Which outcome a result page shows: the booking's real state decides, not the URL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ResultKind {
    /// Paid and confirmed.
    Confirmed,
    /// Still waiting for the payment; the hold is running.
    Pending,
    /// Not paid: rejected, abandoned or expired.
    Failed,
}

/// A booking as the payment result pages show it to its resident.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentOutcome {
    /// `bookings.id`.
    pub booking_id: String,
    /// Which page content applies.
    pub kind: ResultKind,
    /// The confirmation code, formatted for reading (`ABCD-2345`).
    pub code: String,
    /// Building name.
    pub building: String,
    /// Building address.
    pub address: String,
    /// Spot number.
    pub spot: String,
    /// `sábado, 28 de noviembre`.
    pub date: String,
    /// `20:00 – 07:00 (día siguiente)`.
    pub window: String,
    /// Visitor's name.
    pub visitor: String,
    /// Visitor's plate.
    pub plate: String,
    /// The amount, formatted.
    pub amount: String,
    /// Until when the unpaid hold lasts (`12:45`), for pending bookings.
    pub hold_until: Option<String>,
    /// Whether the resident can still pay (pending and the hold has not lapsed).
    pub can_pay: bool,
    /// The guest pass link of a confirmed booking whose window has not ended (absolute once
    /// the server function adds the public origin), to share.
    pub guest_pass: Option<String>,
}

/// The refund a cancellation would give (before confirming) or gave (afterwards).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefundQuote {
    /// `bookings.id`.
    pub booking_id: String,
    /// Building name.
    pub building: String,
    /// Spot number.
    pub spot: String,
    /// Date and time window.
    pub window: String,
    /// The booking's status label.
    pub status: String,
    /// What was paid, formatted.
    pub paid: String,
    /// What the cancellation refunds, formatted.
    pub refund: String,
    /// The same, in pesos.
    pub refund_pesos: i64,
    /// The share refunded (`90 %`).
    pub percent: String,
    /// The policy's explanation.
    pub reason: String,
    /// Whether the booking can still be cancelled.
    pub cancellable: bool,
    /// After a cancellation with a refund: where the refund stands (es-CL).
    pub refund_state: Option<String>,
}

/// What a cancellation did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CancelOutcome {
    /// The refund amount, formatted (`$0` when none).
    pub refund: String,
    /// Where the refund stands (es-CL), when there is one.
    pub refund_state: Option<String>,
}
