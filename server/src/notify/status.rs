//! Twilio's status callback: `POST /webhooks/twilio/estado?n=<notification id>`, signed with
//! `X-Twilio-Signature`. Records delivery (or its failure) on the notification; statuses arrive
//! out of order, so a message never moves back (delivered stays delivered).

use super::twilio::{signature_matches, STATUS_CALLBACK_PATH};
use axum::{
    body::Bytes,
    extract::{OriginalUri, State},
    http::{HeaderMap, StatusCode},
    routing::post,
    Router,
};
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

/// What the callback needs.
#[derive(Clone)]
pub struct StatusState {
    /// Database of record.
    pub pool: PgPool,
    /// The signing key.
    pub auth_token: Arc<str>,
    /// The origin Twilio was given (the signed URL starts with it).
    pub public_origin: Arc<str>,
}

/// The callback route.
pub fn routes(state: StatusState) -> Router {
    Router::new().route(STATUS_CALLBACK_PATH, post(callback)).with_state(state)
}

async fn callback(
    State(state): State<StatusState>,
    OriginalUri(uri): OriginalUri,
    headers: HeaderMap,
    body: Bytes,
) -> StatusCode {
    let params: Vec<(String, String)> = form_urlencoded_pairs(&body);
    let url = format!("{}{}", state.public_origin, uri.path_and_query().map(|p| p.as_str()).unwrap_or(STATUS_CALLBACK_PATH));
    let given = headers.get("x-twilio-signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !signature_matches(&state.auth_token, &url, &params, given) {
        tracing::warn!("twilio status callback with a bad signature refused");
        return StatusCode::FORBIDDEN;
    }
    let get = |k: &str| params.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str());
    let notification = uri
        .query()
        .and_then(|q| q.split('&').find_map(|kv| kv.strip_prefix("n=")))
        .and_then(|n| Uuid::parse_str(n).ok());
    let (Some(id), Some(sid), Some(status)) = (notification, get("MessageSid"), get("MessageStatus")) else {
        return StatusCode::BAD_REQUEST;
    };
    let error_code = get("ErrorCode").map(str::to_string);
    match record(&state.pool, id, sid, status, error_code.as_deref()).await {
        Ok(()) => StatusCode::NO_CONTENT,
        Err(err) => {
            tracing::error!(error = %err, "twilio status not recorded");
            // Twilio retries on 5xx; the row will be there next time.
            StatusCode::SERVICE_UNAVAILABLE
        }
    }
}

/// Records a provider status on notification `id` (which must carry `sid`, or no SID yet: a
/// message whose sender died before recording Twilio's answer is revived by its callback).
pub async fn record(pool: &PgPool, id: Uuid, sid: &str, status: &str, error_code: Option<&str>) -> Result<(), sqlx::Error> {
    let ours = match status {
        "delivered" | "read" => "delivered",
        "failed" | "undelivered" => "undeliverable",
        "sent" => "sent",
        _ => "",
    };
    sqlx::query(
        "update notifications set
            provider_sid = $2,
            provider_status = $3,
            status = case
                when $4 = 'delivered' then 'delivered'
                when $4 = 'undeliverable' and status <> 'delivered' then 'undeliverable'
                when $4 = 'sent' and status in ('sending', 'failed', 'pending') then 'sent'
                else status end,
            sent_at = case when $4 <> '' and sent_at is null then now() else sent_at end,
            delivered_at = case when $4 = 'delivered' then coalesce(delivered_at, now()) else delivered_at end,
            failed_at = case when $4 = 'undeliverable' and status <> 'delivered' then now() else failed_at end,
            last_error = case when $5::text is not null then 'twilio ' || $5 else last_error end,
            next_attempt_at = case when $4 <> '' then null else next_attempt_at end
          where id = $1 and (provider_sid is null or provider_sid = $2)",
    )
    .bind(id)
    .bind(sid)
    .bind(status)
    .bind(ours)
    .bind(error_code)
    .execute(pool)
    .await?;
    Ok(())
}

/// Parses an `application/x-www-form-urlencoded` body.
fn form_urlencoded_pairs(body: &[u8]) -> Vec<(String, String)> {
    serde_urlencoded::from_bytes::<Vec<(String, String)>>(body).unwrap_or_default()
}
