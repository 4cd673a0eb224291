//! MercadoPago Checkout Pro over its REST API (there is no official Rust SDK): preferences,
//! payment look-ups for webhooks, and refunds with an idempotency key. See
//! peers-and-standards.md §5.1 for the wire format.

use crate::config::{MercadoPagoConfig, Secret};
use app::domain::money::Clp;
use app::payments::apply::GatewayPayment;
use app::payments::gateway::{Checkout, CheckoutUrl, GatewayError, PaymentGateway, PaymentToRefund, Provider, RefundOutcome};
use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{json, Number, Value};
use std::time::Duration;

/// The MercadoPago client and gateway.
#[derive(Debug, Clone)]
pub struct MercadoPago {
    http: reqwest::Client,
    api_base: String,
    access_token: Secret,
    webhook_secret: Secret,
    public_origin: String,
}

/// The part of `GET /v1/payments/{id}` we use (payer and card data are never read).
#[derive(Debug, Deserialize)]
struct PaymentBody {
    id: Value,
    status: String,
    status_detail: Option<String>,
    external_reference: Option<String>,
    transaction_amount: Option<Number>,
    currency_id: Option<String>,
    date_approved: Option<String>,
    payment_method_id: Option<String>,
    payment_type_id: Option<String>,
}

/// `{"id": …, "status": …}` of a refund.
#[derive(Debug, Deserialize)]
struct RefundBody {
    id: Value,
    status: Option<String>,
}

/// `{"id": …, "init_point": …}` of a preference.
#[derive(Debug, Deserialize)]
struct PreferenceBody {
    id: String,
    init_point: String,
}

/// A JSON id (number or string) as text.
fn id_text(id: &Value) -> String {
    match id {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// Whether `id` is safe to put in an API path: gateway ids are short and alphanumeric.
pub fn valid_id(id: &str) -> bool {
    (1..=64).contains(&id.len()) && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// A JSON amount as whole pesos: `5000` and `5000.0` are 5.000 CLP; `4999.5`, negatives and
/// exponents are not whole pesos. Read from the number's text, so no binary float is involved.
pub fn whole_pesos(n: &Number) -> Option<Clp> {
    if let Some(i) = n.as_i64() {
        return (i >= 0).then_some(Clp::new(i));
    }
    let text = n.to_string();
    let (int, frac) = text.split_once('.').unwrap_or((&text, ""));
    if int.is_empty() || !int.bytes().all(|b| b.is_ascii_digit()) || !frac.bytes().all(|b| b == b'0') {
        return None;
    }
    int.parse().ok().map(Clp::new)
}

impl MercadoPago {
    /// A client for `config`, returning residents to `public_origin`.
    pub fn new(config: &MercadoPagoConfig, public_origin: &str) -> anyhow::Result<Self> {
        Self::with_client(config, public_origin, reqwest::Client::builder())
    }

    /// A client built on `builder` (which may trust extra authorities: `OUTBOUND_CA_FILE`).
    pub fn with_client(config: &MercadoPagoConfig, public_origin: &str, builder: reqwest::ClientBuilder) -> anyhow::Result<Self> {
        let http = builder
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(20))
            .user_agent(concat!("estacionate/", env!("CARGO_PKG_VERSION")))
            .build()?;
        Ok(Self {
            http,
            api_base: config.api_base.clone(),
            access_token: config.access_token.clone(),
            webhook_secret: config.webhook_secret.clone(),
            public_origin: public_origin.trim_end_matches('/').to_string(),
        })
    }

    /// The key webhook notifications are signed with.
    pub fn webhook_secret(&self) -> &[u8] {
        self.webhook_secret.expose().as_bytes()
    }

    /// The preference of a checkout: one item at the exact amount in CLP, our booking id as the
    /// external reference, return URLs to our result pages, our webhook, and an expiry at the
    /// end of the hold so nobody can pay a booking whose spot was released.
    pub fn preference(&self, checkout: &Checkout) -> Value {
        let origin = &self.public_origin;
        let id = checkout.booking_id;
        json!({
            "items": [{
                "id": "visitor-parking",
                "title": checkout.title,
                "quantity": 1,
                "unit_price": checkout.amount.pesos(),
                "currency_id": "CLP",
            }],
            "external_reference": id.to_string(),
            "back_urls": {
                "success": format!("{origin}/pago/exito?reserva={id}"),
                "pending": format!("{origin}/pago/pendiente?reserva={id}"),
                "failure": format!("{origin}/pago/fallido?reserva={id}"),
            },
            "auto_return": "approved",
            "notification_url": format!("{origin}/webhooks/mercadopago"),
            "expires": true,
            "expiration_date_to": checkout.expires_at.to_rfc3339_opts(SecondsFormat::Millis, false),
        })
    }

    /// `GET /v1/payments/{id}`: the payment as MercadoPago has it now.
    pub async fn fetch_payment(&self, id: &str) -> Result<GatewayPayment, GatewayError> {
        if !valid_id(id) {
            return Err(GatewayError(format!("invalid payment id ({} characters)", id.len())));
        }
        let response = self
            .http
            .get(format!("{}/v1/payments/{id}", self.api_base))
            .bearer_auth(self.access_token.expose())
            .send()
            .await
            .map_err(|e| GatewayError(format!("payment look-up: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(GatewayError(format!("payment look-up: HTTP {status}")));
        }
        let body: PaymentBody = response.json().await.map_err(|e| GatewayError(format!("payment look-up body: {e}")))?;
        let provider_payment_id = id_text(&body.id);
        if provider_payment_id != id {
            return Err(GatewayError("payment look-up returned another payment".into()));
        }
        let raw = json!({
            "id": provider_payment_id,
            "status": body.status,
            "status_detail": body.status_detail,
            "external_reference": body.external_reference,
            "transaction_amount": body.transaction_amount,
            "currency_id": body.currency_id,
            "date_approved": body.date_approved,
            "payment_method_id": body.payment_method_id,
            "payment_type_id": body.payment_type_id,
        });
        Ok(GatewayPayment {
            provider: Provider::MercadoPago,
            provider_payment_id,
            amount: body.transaction_amount.as_ref().and_then(whole_pesos),
            status: body.status,
            status_detail: body.status_detail,
            external_reference: body.external_reference,
            currency: body.currency_id,
            raw,
        })
    }

    /// A failed API answer as a refund outcome: 429 and 5xx may pass, other 4xx will not.
    async fn refund_failure(response: reqwest::Response) -> RefundOutcome {
        let status = response.status();
        let message = response
            .json::<Value>()
            .await
            .ok()
            .and_then(|v| v.get("message").and_then(Value::as_str).map(app::domain::phone::mask_phone_numbers))
            .unwrap_or_default();
        RefundOutcome::Failed {
            reason: format!("HTTP {} {}", status.as_u16(), message.chars().take(200).collect::<String>()),
            retryable: status.is_server_error() || status == reqwest::StatusCode::TOO_MANY_REQUESTS,
        }
    }
}

#[async_trait::async_trait]
impl PaymentGateway for MercadoPago {
    fn provider(&self) -> Provider {
        Provider::MercadoPago
    }

    async fn create_checkout(&self, checkout: &Checkout) -> Result<CheckoutUrl, GatewayError> {
        let response = self
            .http
            .post(format!("{}/checkout/preferences", self.api_base))
            .bearer_auth(self.access_token.expose())
            .json(&self.preference(checkout))
            .send()
            .await
            .map_err(|e| GatewayError(format!("preference: {e}")))?;
        let status = response.status();
        if !status.is_success() {
            return Err(GatewayError(format!("preference: HTTP {status}")));
        }
        let body: PreferenceBody = response.json().await.map_err(|e| GatewayError(format!("preference body: {e}")))?;
        Ok(CheckoutUrl { url: body.init_point, preference_id: Some(body.id) })
    }

    async fn refund(&self, payment: &PaymentToRefund, amount: Clp, idempotency_key: &str) -> RefundOutcome {
        let id = match (&payment.provider, &payment.provider_payment_id) {
            (Provider::MercadoPago, Some(id)) if valid_id(id) => id,
            _ => return RefundOutcome::Failed { reason: "not a MercadoPago payment with a valid id".into(), retryable: false },
        };
        let sent = self
            .http
            .post(format!("{}/v1/payments/{id}/refunds", self.api_base))
            .bearer_auth(self.access_token.expose())
            .header("X-Idempotency-Key", idempotency_key)
            .json(&json!({ "amount": amount.pesos() }))
            .send()
            .await;
        let response = match sent {
            Ok(r) => r,
            Err(e) => return RefundOutcome::Failed { reason: format!("network: {e}"), retryable: true },
        };
        if !response.status().is_success() {
            return Self::refund_failure(response).await;
        }
        match response.json::<RefundBody>().await {
            Ok(body) => {
                let provider_refund_id = id_text(&body.id);
                match body.status.as_deref() {
                    Some("approved") | None => RefundOutcome::Succeeded { provider_refund_id },
                    Some("rejected" | "cancelled") => {
                        RefundOutcome::Failed { reason: format!("refund {provider_refund_id} rejected"), retryable: false }
                    }
                    Some(_) => RefundOutcome::InProcess { provider_refund_id },
                }
            }
            // Accepted, but the answer is unreadable: ask again (same key, same refund).
            Err(e) => RefundOutcome::Failed { reason: format!("refund body: {e}"), retryable: true },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_are_whole_pesos_or_nothing() {
        let n = |s: &str| serde_json::from_str::<Number>(s).unwrap();
        assert_eq!(whole_pesos(&n("5000")), Some(Clp::new(5000)));
        assert_eq!(whole_pesos(&n("5000.0")), Some(Clp::new(5000)));
        assert_eq!(whole_pesos(&n("5000.00")), Some(Clp::new(5000)));
        assert_eq!(whole_pesos(&n("4999.5")), None);
        assert_eq!(whole_pesos(&n("-5000")), None);
        assert_eq!(whole_pesos(&n("1e30")), None);
    }

    #[test]
    fn only_plain_ids_reach_an_api_path() {
        assert!(valid_id("1234567890"));
        assert!(!valid_id(""));
        assert!(!valid_id("12/../../users"));
        assert!(!valid_id(&"9".repeat(65)));
    }
}
