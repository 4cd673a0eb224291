//! Server functions of the blocklist screen. Each one decodes its form and hands it to its
//! handler (below, server only), whose outcome it converts once.

use super::BlocklistListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// One page of the entries in the caller's scope; `edificio` narrows a platform role to one
/// building, `buscar` finds an entry by any spelling of its value.
#[server(prefix = "/api", endpoint = "admin/blocklist")]
pub async fn list_blocklist(edificio: String, buscar: String, pagina: Option<String>) -> Result<BlocklistListing, AppError> {
    serve(handlers::list(edificio, buscar, pagina)).await
}

/// Adds a value to the blocklist. `building_id` empty means the global list (admins only; a
/// building admin always adds to their own building).
#[server(prefix = "/api", endpoint = "admin/blocklist_add")]
pub async fn add_blocklist_entry(kind: String, value: String, reason: String, building_id: String) -> Result<(), AppError> {
    serve(handlers::add(kind, value, reason, building_id)).await
}

/// Removes an entry (after the confirmation step of the page).
#[server(prefix = "/api", endpoint = "admin/blocklist_remove")]
pub async fn remove_blocklist_entry(entry_id: String) -> Result<(), AppError> {
    serve(handlers::remove(entry_id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::BlocklistListing;
    use crate::admin::{blocklist::ssr, scope};
    use crate::error::FieldErrors;
    use crate::ssr::{pii::field_of_kind, ServerResult};
    use crate::ui::pager;

    /// See [`super::list_blocklist`].
    pub(super) async fn list(edificio: String, buscar: String, pagina: Option<String>) -> ServerResult<BlocklistListing> {
        let (state, actor) = scope::staff().await?;
        let building = scope::listing_scope(&actor, &edificio)?;
        let page = pager::number(pagina.as_deref().unwrap_or_default());
        // From the page's URL the term comes sealed (it may be an e-mail, a RUT, a phone).
        let buscar = crate::admin::search::open(&state.vault, actor.id, &buscar);
        let search = scope::search_term(&buscar)?;
        ssr::list(&state.pool, &state.vault, &state.blind_index, &actor, building, search, page).await
    }

    /// See [`super::add_blocklist_entry`].
    pub(super) async fn add(kind: String, value: String, reason: String, building_id: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let mut errors = FieldErrors::new();
        let field = errors.check("kind", field_of_kind(kind.trim()).ok_or("Elige el tipo de valor."));
        let parsed = field.and_then(|f| errors.check("value", ssr::parse_value(f, &value)));
        let reason = errors.absorb("reason", scope::ban_reason(&reason));
        let building = if building_id.trim().is_empty() && !actor.role.is_building_scoped() {
            None
        } else {
            Some(scope::target_building(&actor, &building_id)?)
        };
        let (Some(value), Some(reason)) = (parsed, reason) else {
            return Err(errors.into_error().into());
        };
        let entry = ssr::NewEntry { building_id: building, value, reason };
        ssr::add(&state.pool, &state.vault, &state.blind_index, &actor, entry, &meta).await?;
        Ok(())
    }

    /// See [`super::remove_blocklist_entry`].
    pub(super) async fn remove(entry_id: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&entry_id)?;
        ssr::remove(&state.pool, &actor, id, &meta).await?;
        scope::redirect("/admin/bloqueos?eliminado=1")
    }
}
