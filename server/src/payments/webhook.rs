//! `POST /webhooks/mercadopago?data.id=…&type=payment`: MercadoPago's payment notifications.
//!
//! The notification itself is only a hint. It is authenticated first (a bad or stale signature
//! is a bare 401 with no side effect), then the payment is re-fetched from MercadoPago and that
//! answer — never the body — is applied (`app::payments::apply`). Notifications are
//! at-least-once, so applying is idempotent. The route is cross-origin by nature and is exempt
//! from the same-origin check (see `http::origin`).

use super::mercadopago::{valid_id, MercadoPago};
use super::signature;
use app::payments::{apply, refunds};
use app::ssr::{audit::RequestMeta, client_ip::ClientIp};
use axum::{
    extract::{Query, Request, State},
    http::{HeaderMap, StatusCode},
    response::{IntoResponse, Response},
    routing::post,
    Router,
};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::Arc;

/// The path MercadoPago posts to (`notification_url` of every preference).
pub const PATH: &str = "/webhooks/mercadopago";

/// What the webhook needs.
#[derive(Clone)]
pub struct WebhookState {
    /// The database.
    pub pool: PgPool,
    /// The MercadoPago client (look-ups, refunds, the webhook secret).
    pub mercadopago: Arc<MercadoPago>,
}

/// The webhook's routes.
pub fn routes(state: WebhookState) -> Router {
    Router::new().route(PATH, post(mercadopago)).with_state(state)
}

fn reply(status: StatusCode, text: &'static str) -> Response {
    (status, text).into_response()
}

async fn mercadopago(
    State(state): State<WebhookState>,
    Query(query): Query<HashMap<String, String>>,
    request: Request,
) -> Response {
    let headers: &HeaderMap = request.headers();
    let client_ip = request.extensions().get::<ClientIp>().map(|c| c.0);
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let data_id = query.get("data.id").map(String::as_str).unwrap_or_default();
    if let Err(err) = signature::verify(
        header("x-signature"),
        header("x-request-id"),
        data_id,
        state.mercadopago.webhook_secret(),
        chrono::Utc::now(),
    ) {
        tracing::warn!(reason = %err, "mercadopago webhook refused");
        return reply(StatusCode::UNAUTHORIZED, "invalid signature");
    }
    // Other topics (merchant orders, chargebacks) are acknowledged and ignored.
    if query.get("type").map(String::as_str) != Some("payment") {
        return reply(StatusCode::OK, "ignored");
    }
    if !valid_id(data_id) {
        return reply(StatusCode::BAD_REQUEST, "invalid data.id");
    }
    let payment = match state.mercadopago.fetch_payment(data_id).await {
        Ok(p) => p,
        Err(err) => {
            // MercadoPago retries a failed notification; the look-up will be tried again then.
            tracing::warn!(error = %err, "mercadopago payment look-up failed");
            return reply(StatusCode::BAD_GATEWAY, "payment look-up failed");
        }
    };
    let meta = RequestMeta {
        ip: client_ip,
        user_agent: header("user-agent").map(str::to_string),
        request_id: header("x-request-id").map(str::to_string),
    };
    let applied = match apply::apply_gateway_payment(&state.pool, &payment, &meta).await {
        Ok(applied) => applied,
        Err(err) => {
            app::ssr::error::log_cause_chain(&err);
            return reply(StatusCode::INTERNAL_SERVER_ERROR, "not processed");
        }
    };
    tracing::info!(payment.status = %payment.status, outcome = ?applied, "mercadopago payment applied");
    if let Some(refund) = applied.refund_to_execute() {
        // Committed already: the refund runs now, and again from the retry job if this fails.
        if let Err(err) = refunds::execute(&state.pool, &*state.mercadopago, refund).await {
            app::ssr::error::log_cause_chain(&err);
        }
    }
    reply(StatusCode::OK, "ok")
}
