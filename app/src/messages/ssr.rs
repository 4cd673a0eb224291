//! SQL of the messages screen.

use super::MessageView;
use crate::domain::phone::MobilePhone;
use crate::privacy::PURGED_LABEL;
use crate::ssr::{actor::Actor, pii, vault::Vault, ServerResult};
use sqlx::PgPool;
use uuid::Uuid;

/// One notification as the screen reads it. Recipient and text are null once the retention
/// purge (or an erasure) removed them.
#[derive(sqlx::FromRow)]
struct MessageRow {
    id: Uuid,
    created_at: String,
    kind: String,
    status: String,
    transport: Option<String>,
    body: Option<String>,
    recipient_enc: Option<Vec<u8>>,
    secret_enc: Option<Vec<u8>>,
    attempts: i32,
    last_error: Option<String>,
}

/// The newest 100 messages in `actor`'s scope (building admins: their building). One-time
/// secrets show as the mask unless `reveal_dev_secrets` (then only for messages the
/// development outbox "sent").
pub async fn list(pool: &PgPool, vault: &Vault, actor: &Actor, reveal_dev_secrets: bool) -> ServerResult<Vec<MessageView>> {
    let scope = if actor.role.is_building_scoped() { actor.building_id } else { None };
    let rows: Vec<MessageRow> = sqlx::query_as(
        "select n.id,
                to_char(n.created_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY HH24:MI')
                    as created_at,
                n.kind, n.status, n.transport, n.rendered_body as body, n.recipient_enc, n.secret_enc, n.attempts,
                n.last_error
           from notifications n
           left join buildings b on b.id = n.building_id
          where $1::uuid is null or n.building_id = $1
          order by n.created_at desc
          limit 100",
    )
    .bind(scope)
    .fetch_all(pool)
    .await?;
    Ok(rows.into_iter().map(|row| view(vault, row, reveal_dev_secrets)).collect())
}

fn view(vault: &Vault, row: MessageRow, reveal_dev_secrets: bool) -> MessageView {
    let id = row.id.to_string();
    let body = row.body.unwrap_or_else(|| PURGED_LABEL.to_string());
    MessageView {
        created_at: row.created_at,
        kind: super::kind_label(&row.kind).to_string(),
        // Null once the retention purge (or an erasure) removed it.
        recipient: match &row.recipient_enc {
            Some(enc) => pii::NOTIFICATION_RECIPIENT.display(vault, &id, enc, |p| MobilePhone::parse(p).ok().map(|p| p.masked())),
            None => PURGED_LABEL.to_string(),
        },
        status: super::status_label(&row.status).to_string(),
        body: match row.secret_enc {
            Some(enc) if reveal_dev_secrets && row.transport.as_deref() == Some("dev_outbox") => vault
                .decrypt_secret(&enc, &pii::notification_secret(&id))
                // Unreadable: logged, and the text keeps its mask.
                .inspect_err(|err| pii::log_unreadable(&pii::NOTIFICATION_SECRET, &id, err))
                .map(|secret| crate::domain::secret::reveal(&body, secret.expose()))
                .unwrap_or(body),
            _ => body,
        },
        transport: row.transport,
        attempts: row.attempts,
        last_error: row.last_error,
    }
}
