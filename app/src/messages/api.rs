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
    crate::ssr::error::serve(handlers::list()).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::MessageView;
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, ServerResult};

    /// See [`super::list_messages`].
    pub(super) async fn list() -> ServerResult<Vec<MessageView>> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::BuildingAdmin, Role::Support, Role::Admin]).await?;
        let may_reveal = state.settings.development && actor.role == Role::Admin;
        crate::messages::ssr::list(&state.pool, &state.vault, &actor, may_reveal).await
    }
}
