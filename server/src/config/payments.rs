//! The payment gateway section: MercadoPago or the simulator.

use super::{ConfigError, Secret};

/// MercadoPago Checkout Pro credentials.
#[derive(Debug, Clone)]
pub struct MercadoPagoConfig {
    /// `MERCADOPAGO_ACCESS_TOKEN`: the seller's access token (Bearer) for the REST API.
    pub access_token: Secret,
    /// `MERCADOPAGO_WEBHOOK_SECRET`: the key MercadoPago signs webhook notifications with.
    pub webhook_secret: Secret,
    /// `MERCADOPAGO_API_BASE`: the API origin (tests point it at a local fake).
    pub api_base: String,
}

/// Which payment gateway serves checkouts and refunds.
#[derive(Debug, Clone)]
pub enum PaymentsConfig {
    /// The built-in, signed simulator (development default).
    Simulator,
    /// MercadoPago Checkout Pro.
    MercadoPago(MercadoPagoConfig),
}

/// The payment gateway: MercadoPago when its access token is set (the webhook secret is then
/// required too: unsigned notifications are never accepted), otherwise the simulator — except
/// in production, where letting residents approve their own payments must be chosen on purpose
/// with `PAYMENT_PROVIDER=simulator`.
pub(super) fn payments(get: &impl Fn(&str) -> Option<String>, production: bool) -> Result<PaymentsConfig, ConfigError> {
    let error = |variable, reason: &str| ConfigError { variable, reason: reason.into() };
    let token = get("MERCADOPAGO_ACCESS_TOKEN");
    let use_mercadopago = match get("PAYMENT_PROVIDER").as_deref() {
        Some("simulator") => false,
        Some("mercadopago") => true,
        None if token.is_some() => true,
        None if production => {
            return Err(error(
                "PAYMENT_PROVIDER",
                "production needs MERCADOPAGO_ACCESS_TOKEN and MERCADOPAGO_WEBHOOK_SECRET, or PAYMENT_PROVIDER=simulator to run the simulator on purpose",
            ))
        }
        None => false,
        Some(_) => return Err(error("PAYMENT_PROVIDER", "expected simulator or mercadopago")),
    };
    if !use_mercadopago {
        return Ok(PaymentsConfig::Simulator);
    }
    let access_token = token.ok_or_else(|| error("MERCADOPAGO_ACCESS_TOKEN", "required for MercadoPago"))?;
    let webhook_secret = get("MERCADOPAGO_WEBHOOK_SECRET").ok_or_else(|| {
        error("MERCADOPAGO_WEBHOOK_SECRET", "required with MERCADOPAGO_ACCESS_TOKEN (webhooks are always verified)")
    })?;
    let api_base = get("MERCADOPAGO_API_BASE")
        .unwrap_or_else(|| "https://api.mercadopago.com".into())
        .trim()
        .trim_end_matches('/')
        .to_string();
    let acceptable = api_base.starts_with("https://") || (!production && api_base.starts_with("http://"));
    if !acceptable {
        return Err(error("MERCADOPAGO_API_BASE", "must be an http(s) URL (https in production)"));
    }
    Ok(PaymentsConfig::MercadoPago(MercadoPagoConfig {
        access_token: Secret::new(access_token.trim()),
        webhook_secret: Secret::new(webhook_secret.trim()),
        api_base,
    }))
}
