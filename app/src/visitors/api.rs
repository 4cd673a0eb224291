//! Server functions of frequent visitors: residents only, each scoped to the caller. Each one
//! decodes its form and hands it to its handler (below, server only), whose outcome it converts
//! once.

use super::{RecentVisitor, VisitorDraft, VisitorList};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The caller's saved visitors.
#[server(prefix = "/api", endpoint = "visitors/list")]
pub async fn list_visitors() -> Result<VisitorList, AppError> {
    serve(handlers::list()).await
}

/// A visitor to prefill a form with: `visita` is `v-<id>` (a saved visitor) or `r-<id>` (the
/// visitor of one of the caller's bookings). Anyone else's is "not found".
#[server(prefix = "/api", endpoint = "visitors/draft")]
pub async fn visitor_prefill(visita: String) -> Result<VisitorDraft, AppError> {
    serve(handlers::draft(visita)).await
}

/// The five most recent visitors, for the booking form.
#[server(prefix = "/api", endpoint = "visitors/recent")]
pub async fn recent_visitors() -> Result<Vec<RecentVisitor>, AppError> {
    serve(handlers::recent()).await
}

/// Saves a visitor: a new one when `id` is empty, else changes the caller's visitor `id`.
/// Back on `/mis-visitas` afterwards.
#[server(prefix = "/api", endpoint = "visitors/save")]
pub async fn save_visitor(id: String, name: String, plate: String, phone: String) -> Result<(), AppError> {
    serve(handlers::save(id, name, plate, phone)).await
}

/// Deletes the caller's visitor `id`.
#[server(prefix = "/api", endpoint = "visitors/delete")]
pub async fn delete_visitor(id: String) -> Result<(), AppError> {
    serve(handlers::delete(id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{RecentVisitor, VisitorDraft, VisitorList};
    use crate::domain::{frequent_visitor::VisitorRef, role::Role};
    use crate::error::AppError;
    use crate::ssr::{actor, app_state, ServerResult};
    use crate::visitors::{ssr, VisitorInput};
    use uuid::Uuid;

    /// See [`super::list_visitors`].
    pub(super) async fn list() -> ServerResult<VisitorList> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        ssr::list(&state.pool, &state.vault, &actor).await
    }

    /// See [`super::visitor_prefill`].
    pub(super) async fn draft(visita: String) -> ServerResult<VisitorDraft> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        let reference = VisitorRef::parse(&visita).ok_or(AppError::NotFound)?;
        ssr::draft(&state.pool, &state.vault, &actor, reference).await
    }

    /// See [`super::recent_visitors`].
    pub(super) async fn recent() -> ServerResult<Vec<RecentVisitor>> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        ssr::recent(&state.pool, &actor).await
    }

    /// See [`super::save_visitor`].
    pub(super) async fn save(id: String, name: String, plate: String, phone: String) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        let id = match id.trim() {
            "" => None,
            raw => Some(Uuid::parse_str(raw).map_err(|_| AppError::NotFound)?),
        };
        let input = VisitorInput::parse(&name, &plate, &phone)?;
        ssr::save(&state.pool, &state.vault, &state.blind_index, &actor, id, input, &meta).await?;
        leptos_axum::redirect("/mis-visitas");
        Ok(())
    }

    /// See [`super::delete_visitor`].
    pub(super) async fn delete(id: String) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_role(&state.pool, &[Role::Resident]).await?;
        let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
        ssr::delete(&state.pool, &actor, id, &meta).await?;
        leptos_axum::redirect("/mis-visitas");
        Ok(())
    }
}
