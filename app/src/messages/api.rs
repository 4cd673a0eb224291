//! Server function of the messages screen.

use super::MessageView;
use crate::error::AppError;
use leptos::prelude::*;

/// The newest 100 messages in the caller's scope (building admins: their building). One-time
/// secrets (reset codes) show as the mask: support could otherwise ask a reset for an admin and
/// read its code. Only in development, only to platform admins, and only for messages the
/// development outbox "sent" (no phone has them) is the secret shown.
#[server(prefix = "/api", endpoint = "messages/list")]
pub async fn list_messages() -> Result<Vec<MessageView>, AppError> {
    use crate::domain::{phone::MobilePhone, role::Role};
    use crate::ssr::{actor, app_state, error::finish, pii, ServerError};
    use uuid::Uuid;
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::BuildingAdmin, Role::Support, Role::Admin]).await)?;
    let scope = if actor.role.is_building_scoped() { actor.building_id } else { None };
    // Recipient and text are null once the retention purge (or an erasure) removed them.
    type Row =
        (Uuid, String, String, String, Option<String>, Option<String>, Option<Vec<u8>>, Option<Vec<u8>>, i32, Option<String>);
    let rows: Vec<Row> = finish(
        sqlx::query_as(
            "select n.id,
                    to_char(n.created_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY HH24:MI'),
                    n.kind, n.status, n.transport, n.rendered_body, n.recipient_enc, n.secret_enc, n.attempts, n.last_error
               from notifications n
               left join buildings b on b.id = n.building_id
              where $1::uuid is null or n.building_id = $1
              order by n.created_at desc
              limit 100",
        )
        .bind(scope)
        .fetch_all(&state.pool)
        .await
        .map_err(ServerError::from),
    )?;
    let may_reveal = state.settings.development && actor.role == Role::Admin;
    Ok(rows
        .into_iter()
        .map(|(id, created_at, kind, status, transport, body, recipient_enc, secret_enc, attempts, last_error)| {
            let body = body.unwrap_or_else(|| crate::privacy::PURGED_LABEL.to_string());
            MessageView {
                created_at,
                kind: super::kind_label(&kind).to_string(),
                // Null once the retention purge (or an erasure) removed it.
                recipient: match &recipient_enc {
                    Some(enc) => pii::NOTIFICATION_RECIPIENT
                        .display(&state.vault, &id.to_string(), enc, |p| MobilePhone::parse(p).ok().map(|p| p.masked())),
                    None => crate::privacy::PURGED_LABEL.to_string(),
                },
                status: super::status_label(&status).to_string(),
                body: match secret_enc {
                    Some(enc) if may_reveal && transport.as_deref() == Some("dev_outbox") => state
                        .vault
                        .decrypt_secret(&enc, &pii::notification_secret(&id.to_string()))
                        // Unreadable: logged, and the text keeps its mask.
                        .inspect_err(|err| pii::log_unreadable(&pii::NOTIFICATION_SECRET, &id.to_string(), err))
                        .map(|secret| crate::domain::secret::reveal(&body, secret.expose()))
                        .unwrap_or(body),
                    _ => body,
                },
                transport,
                attempts,
                last_error,
            }
        })
        .collect())
}
