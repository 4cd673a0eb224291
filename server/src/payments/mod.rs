//! Payments on the server side: choosing the gateway at startup, the MercadoPago Checkout Pro
//! client (reqwest), and its signed webhook. The application side (checkouts, applying
//! payments, refunds, hold expiry, the simulator) lives in `app::payments`.

pub mod jobs;
pub mod mercadopago;
pub mod signature;
pub mod webhook;

use crate::config::{Config, PaymentsConfig};
use app::payments::gateway::{PaymentGateway, SimulatorGateway};
use app::payments::signing::SimulatorSigner;
use app::ssr::keys::KeyRing;
use mercadopago::MercadoPago;
use std::sync::Arc;

/// The gateway chosen from the configuration, and what the rest of the server needs of it.
#[derive(Clone)]
pub struct Gateways {
    /// The gateway checkouts and refunds go to (`AppState::gateway`).
    pub gateway: Arc<dyn PaymentGateway>,
    /// The simulator's link signer, when the simulator is the gateway (`AppState::simulator`).
    pub simulator: Option<Arc<SimulatorSigner>>,
    /// The MercadoPago client, when it is the gateway (the webhook route needs it).
    pub mercadopago: Option<Arc<MercadoPago>>,
}

/// Builds the configured gateway: MercadoPago when configured, else the simulator, whose link
/// key is derived from the key ring (see `app::payments::signing`).
pub fn gateways(config: &Config, ring: &KeyRing) -> anyhow::Result<Gateways> {
    match &config.payments {
        PaymentsConfig::MercadoPago(mp) => {
            let builder = crate::outbound::client_builder(config.operations.outbound_ca_file.as_deref())?;
            let client = Arc::new(MercadoPago::with_client(mp, &config.public_origin, builder)?);
            tracing::info!("payments: mercadopago");
            Ok(Gateways { gateway: client.clone(), simulator: None, mercadopago: Some(client) })
        }
        PaymentsConfig::Simulator => {
            if config.production {
                tracing::warn!("payments: the SIMULATOR is the gateway in production (PAYMENT_PROVIDER=simulator)");
            } else {
                tracing::info!("payments: simulator");
            }
            let signer = Arc::new(SimulatorSigner::new(ring)?);
            Ok(Gateways { gateway: Arc::new(SimulatorGateway::new(signer.clone())), simulator: Some(signer), mercadopago: None })
        }
    }
}
