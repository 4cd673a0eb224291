//! Server functions of the residents screen. Each one decodes its form and hands it to its
//! handler (below, server only), whose outcome it converts once.

use super::ResidentListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {super::ssr::Change, crate::ssr::error::serve};

/// One page of the residents in the caller's scope, optionally of one building (platform
/// roles) and status, searched by name or e-mail.
#[server(prefix = "/api", endpoint = "admin/residents")]
pub async fn list_residents(
    edificio: String,
    estado: String,
    buscar: Option<String>,
    pagina: Option<String>,
) -> Result<ResidentListing, AppError> {
    serve(handlers::list(edificio, estado, buscar, pagina)).await
}

/// Deactivates an active resident (after the confirmation step); ends their sessions.
#[server(prefix = "/api", endpoint = "admin/resident_deactivate")]
pub async fn deactivate_resident(user_id: String) -> Result<(), AppError> {
    serve(handlers::apply(user_id, Change::Deactivate)).await
}

/// Bans a resident with a reason (after the confirmation step); ends their sessions.
#[server(prefix = "/api", endpoint = "admin/resident_ban")]
pub async fn ban_resident(user_id: String, reason: String) -> Result<(), AppError> {
    serve(handlers::ban(user_id, reason)).await
}

/// Unbans or reactivates a resident.
#[server(prefix = "/api", endpoint = "admin/resident_restore")]
pub async fn restore_resident(user_id: String) -> Result<(), AppError> {
    serve(handlers::apply(user_id, Change::Restore)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::ResidentListing;
    use crate::admin::{
        residents::ssr::{self, Change},
        scope,
    };
    use crate::ssr::ServerResult;
    use crate::ui::pager;

    /// See [`super::list_residents`].
    pub(super) async fn list(
        edificio: String,
        estado: String,
        buscar: Option<String>,
        pagina: Option<String>,
    ) -> ServerResult<ResidentListing> {
        let (state, actor) = scope::staff().await?;
        let building = scope::listing_scope(&actor, &edificio)?;
        let status = crate::admin::residents::STATUSES.into_iter().find(|s| *s == estado.trim());
        let page = pager::number(pagina.as_deref().unwrap_or_default());
        // From the page's URL the term comes sealed (it may be an e-mail).
        let buscar = crate::admin::search::open(&state.vault, actor.id, &buscar.unwrap_or_default());
        let search = scope::search_term(&buscar)?;
        ssr::list(&state.pool, &actor, building, status, search, page).await
    }

    /// See [`super::ban_resident`]: the reason is checked before anything else.
    pub(super) async fn ban(user_id: String, reason: String) -> ServerResult<()> {
        let reason = scope::ban_reason(&reason)?;
        apply(user_id, Change::Ban(reason)).await
    }

    /// Applies a status change to a resident (see [`super::deactivate_resident`]).
    pub(super) async fn apply(user_id: String, change: Change) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&user_id)?;
        ssr::change_status(&state.pool, &actor, id, change, &meta).await?;
        scope::redirect("/admin/residentes/todos?hecho=1")
    }
}
