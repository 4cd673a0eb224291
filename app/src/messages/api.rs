//! Server function of the messages screen.

use super::MessageView;
use crate::error::AppError;
use leptos::prelude::*;

/// The newest 100 messages in the caller's scope (building admins: their building).
#[server(prefix = "/api", endpoint = "messages/list")]
pub async fn list_messages() -> Result<Vec<MessageView>, AppError> {
    use crate::domain::{phone::MobilePhone, role::Role};
    use crate::ssr::{actor, app_state, error::finish, pii, ServerError};
    use uuid::Uuid;
    let state = app_state()?;
    let actor = finish(
        actor::require_role(&state.pool, &[Role::BuildingAdmin, Role::Support, Role::Admin]).await,
    )?;
    let scope = if actor.role.is_building_scoped() { actor.building_id } else { None };
    type Row = (Uuid, String, String, String, Option<String>, String, Vec<u8>, i32, Option<String>);
    let rows: Vec<Row> = finish(
        sqlx::query_as(
            "select n.id,
                    to_char(n.created_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY HH24:MI'),
                    n.kind, n.status, n.transport, n.rendered_body, n.recipient_enc, n.attempts, n.last_error
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
    Ok(rows
        .into_iter()
        .map(|(id, created_at, kind, status, transport, body, recipient_enc, attempts, last_error)| MessageView {
            created_at,
            kind: super::kind_label(&kind).to_string(),
            recipient: state
                .vault
                .decrypt(&recipient_enc, &pii::notification_recipient(&id.to_string()))
                .ok()
                .and_then(|p| MobilePhone::parse(&p).ok())
                .map(|p| p.masked())
                .unwrap_or_else(|| "—".into()),
            status: super::status_label(&status).to_string(),
            transport,
            body,
            attempts,
            last_error,
        })
        .collect())
}
