//! The payment gateway seen by the application: start a checkout, refund a payment. The server
//! picks one implementation at startup (MercadoPago Checkout Pro when configured, else the
//! built-in [`SimulatorGateway`]) and puts it in `AppState` as an `Arc<dyn PaymentGateway>`.
//!
//! Implementations are called only outside database transactions.

use super::signing::SimulatorSigner;
use crate::domain::money::Clp;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use uuid::Uuid;

/// Which gateway handled a payment (`payments.provider`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Provider {
    /// The built-in simulator.
    Simulator,
    /// MercadoPago Checkout Pro.
    MercadoPago,
}

impl Provider {
    /// The stored value.
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Simulator => "simulator",
            Self::MercadoPago => "mercadopago",
        }
    }

    /// Reads a stored value back.
    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "simulator" => Some(Self::Simulator),
            "mercadopago" => Some(Self::MercadoPago),
            _ => None,
        }
    }
}

/// What a checkout is for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkout {
    /// The booking being paid (the gateway's external reference).
    pub booking_id: Uuid,
    /// The exact amount to charge.
    pub amount: Clp,
    /// The line item's title (no personal data: building and spot only).
    pub title: String,
    /// When the hold lapses; the checkout must not accept payments after it.
    pub expires_at: DateTime<Utc>,
}

/// Where to send the resident to pay.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckoutUrl {
    /// Absolute (gateway) or site-relative (simulator) URL.
    pub url: String,
    /// The gateway's id of the checkout, when it has one (MercadoPago preference id).
    pub preference_id: Option<String>,
}

/// The payment a refund is taken from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentToRefund {
    /// `payments.id`.
    pub payment_id: Uuid,
    /// Who captured it.
    pub provider: Provider,
    /// The gateway's payment id.
    pub provider_payment_id: Option<String>,
    /// What was captured.
    pub amount: Clp,
}

/// What the gateway answered to a refund request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefundOutcome {
    /// The money is on its way back.
    Succeeded {
        /// The gateway's refund id.
        provider_refund_id: String,
    },
    /// Accepted but not final yet; asking again with the same idempotency key returns it.
    InProcess {
        /// The gateway's refund id.
        provider_refund_id: String,
    },
    /// Not done.
    Failed {
        /// For staff and the log (no personal data).
        reason: String,
        /// Whether asking again later may work (network, 5xx) or not (payment too old).
        retryable: bool,
    },
}

/// A gateway failed to start a checkout.
#[derive(Debug, thiserror::Error)]
#[error("payment gateway: {0}")]
pub struct GatewayError(pub String);

/// A payment gateway. Object-safe, so the server can choose one at startup.
#[async_trait::async_trait]
pub trait PaymentGateway: Send + Sync {
    /// Which provider this is (recorded on each payment).
    fn provider(&self) -> Provider;

    /// Creates a checkout for `checkout` and returns where to send the resident.
    async fn create_checkout(&self, checkout: &Checkout) -> Result<CheckoutUrl, GatewayError>;

    /// Refunds `amount` of `payment`. `idempotency_key` is the same on every retry of the same
    /// refund, so the gateway never refunds twice.
    async fn refund(&self, payment: &PaymentToRefund, amount: Clp, idempotency_key: &str) -> RefundOutcome;
}

/// The built-in gateway: a signed page of this site stands in for the payment provider.
#[derive(Debug, Clone)]
pub struct SimulatorGateway {
    signer: Arc<SimulatorSigner>,
}

impl SimulatorGateway {
    /// A simulator signing its links with `signer`.
    pub fn new(signer: Arc<SimulatorSigner>) -> Self {
        Self { signer }
    }

    /// The simulator page of a checkout.
    pub fn checkout_path(&self, booking_id: Uuid, amount: Clp, expires_at: DateTime<Utc>) -> String {
        let firma = self.signer.sign(booking_id, amount, expires_at);
        format!("/pago/simulador/{booking_id}?firma={firma}")
    }
}

#[async_trait::async_trait]
impl PaymentGateway for SimulatorGateway {
    fn provider(&self) -> Provider {
        Provider::Simulator
    }

    async fn create_checkout(&self, checkout: &Checkout) -> Result<CheckoutUrl, GatewayError> {
        Ok(CheckoutUrl {
            url: self.checkout_path(checkout.booking_id, checkout.amount, checkout.expires_at),
            preference_id: None,
        })
    }

    async fn refund(&self, payment: &PaymentToRefund, _amount: Clp, idempotency_key: &str) -> RefundOutcome {
        // Only simulated money can be given back by the simulator.
        if payment.provider != Provider::Simulator {
            return RefundOutcome::Failed {
                reason: format!("the simulator cannot refund a {} payment", payment.provider.as_str()),
                retryable: false,
            };
        }
        RefundOutcome::Succeeded { provider_refund_id: format!("sim-{idempotency_key}") }
    }
}
