//! Server functions of the resident's calendar feed.

use super::FeedView;
use crate::error::AppError;
use leptos::prelude::*;

/// The caller's feed link (residents only).
#[server(prefix = "/api", endpoint = "calendar/feed")]
pub async fn calendar_feed() -> Result<FeedView, AppError> {
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    finish(super::ssr::view(&state.pool, &state.vault, &state.settings.public_origin, &actor).await)
}

/// "Generar nuevo enlace": a new feed link; the previous one stops working.
#[server(prefix = "/api", endpoint = "calendar/new_feed")]
pub async fn new_calendar_feed() -> Result<(), AppError> {
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    finish(super::ssr::rotate(&state.pool, &state.vault, &actor, &meta).await)
}

/// "Revocar": the feed link stops working.
#[server(prefix = "/api", endpoint = "calendar/revoke_feed")]
pub async fn revoke_calendar_feed() -> Result<(), AppError> {
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    finish(super::ssr::revoke(&state.pool, &actor, &meta).await).map(|_| ())
}
