//! Server functions of frequent visitors: residents only, each scoped to the caller.

use super::{RecentVisitor, VisitorDraft, VisitorList};
use crate::error::AppError;
use leptos::prelude::*;

/// The caller's saved visitors.
#[server(prefix = "/api", endpoint = "visitors/list")]
pub async fn list_visitors() -> Result<VisitorList, AppError> {
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    finish(super::ssr::list(&state.pool, &state.vault, &actor).await)
}

/// A visitor to prefill a form with: `visita` is `v-<id>` (a saved visitor) or `r-<id>` (the
/// visitor of one of the caller's bookings). Anyone else's is "not found".
#[server(prefix = "/api", endpoint = "visitors/draft")]
pub async fn visitor_prefill(visita: String) -> Result<VisitorDraft, AppError> {
    use crate::domain::{frequent_visitor::VisitorRef, role::Role};
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    let reference = finish::<_, AppError>(VisitorRef::parse(&visita).ok_or(AppError::NotFound))?;
    finish(super::ssr::draft(&state.pool, &state.vault, &actor, reference).await)
}

/// The five most recent visitors, for the booking form.
#[server(prefix = "/api", endpoint = "visitors/recent")]
pub async fn recent_visitors() -> Result<Vec<RecentVisitor>, AppError> {
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    finish(super::ssr::recent(&state.pool, &actor).await)
}

/// Saves a visitor: a new one when `id` is empty, else changes the caller's visitor `id`.
/// Back on `/mis-visitas` afterwards.
#[server(prefix = "/api", endpoint = "visitors/save")]
pub async fn save_visitor(id: String, name: String, plate: String, phone: String) -> Result<(), AppError> {
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    let id = match id.trim() {
        "" => None,
        raw => Some(finish::<_, AppError>(uuid::Uuid::parse_str(raw).map_err(|_| AppError::NotFound))?),
    };
    let input = finish(super::VisitorInput::parse(&name, &plate, &phone))?;
    finish(super::ssr::save(&state.pool, &state.vault, &state.blind_index, &actor, id, input, &meta).await)?;
    leptos_axum::redirect("/mis-visitas");
    Ok(())
}

/// Deletes the caller's visitor `id`.
#[server(prefix = "/api", endpoint = "visitors/delete")]
pub async fn delete_visitor(id: String) -> Result<(), AppError> {
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_role(&state.pool, &[Role::Resident]).await)?;
    let id = finish::<_, AppError>(uuid::Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound))?;
    finish(super::ssr::delete(&state.pool, &actor, id, &meta).await)?;
    leptos_axum::redirect("/mis-visitas");
    Ok(())
}
