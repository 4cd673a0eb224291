//! Server functions of the resident's calendar feed. Each one hands over to its handler (below,
//! server only), whose outcome it converts once.

use super::FeedView;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The caller's feed link (residents only).
#[server(prefix = "/api", endpoint = "calendar/feed")]
pub async fn calendar_feed() -> Result<FeedView, AppError> {
    serve(handlers::view()).await
}

/// "Generar nuevo enlace": a new feed link; the previous one stops working.
#[server(prefix = "/api", endpoint = "calendar/new_feed")]
pub async fn new_calendar_feed() -> Result<(), AppError> {
    serve(handlers::rotate()).await
}

/// "Revocar": the feed link stops working.
#[server(prefix = "/api", endpoint = "calendar/revoke_feed")]
pub async fn revoke_calendar_feed() -> Result<(), AppError> {
    serve(handlers::revoke()).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::FeedView;
    use crate::calendar::ssr;
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, ServerResult};

    /// See [`super::calendar_feed`].
    pub(super) async fn view() -> ServerResult<FeedView> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        ssr::view(&state.pool, &state.vault, &state.settings.public_origin, &actor).await
    }

    /// See [`super::new_calendar_feed`].
    pub(super) async fn rotate() -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        ssr::rotate(&state.pool, &state.vault, &actor, &meta).await
    }

    /// See [`super::revoke_calendar_feed`].
    pub(super) async fn revoke() -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        ssr::revoke(&state.pool, &actor, &meta).await.map(|_| ())
    }
}
