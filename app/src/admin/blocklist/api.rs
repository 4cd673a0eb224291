//! Server functions of the blocklist screen.

use super::BlocklistListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::scope,
    crate::error::FieldError,
    crate::ssr::{actor, app_state, error::finish, pii::field_of_kind},
};

/// One page of the entries in the caller's scope; `edificio` narrows a platform role to one
/// building, `buscar` finds an entry by any spelling of its value.
#[server(prefix = "/api", endpoint = "admin/blocklist")]
pub async fn list_blocklist(edificio: String, buscar: String, pagina: Option<String>) -> Result<BlocklistListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let building = finish(scope::listing_scope(&actor, &edificio))?;
    let page = pagina.and_then(|p| p.trim().parse::<u32>().ok()).unwrap_or(1);
    // From the page's URL the term comes sealed (it may be an e-mail, a RUT, a phone).
    let buscar = crate::admin::search::open(&state.vault, actor.id, &buscar);
    let search = finish(scope::search_term(&buscar))?;
    finish(super::ssr::list(&state.pool, &state.vault, &state.blind_index, &actor, building, search, page).await)
}

/// Adds a value to the blocklist. `building_id` empty means the global list (admins only; a
/// building admin always adds to their own building).
#[server(prefix = "/api", endpoint = "admin/blocklist_add")]
pub async fn add_blocklist_entry(kind: String, value: String, reason: String, building_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let mut fields = Vec::new();
    let field = field_of_kind(kind.trim());
    if field.is_none() {
        fields.push(FieldError { field: "kind".into(), message: "Elige el tipo de valor.".into() });
    }
    let parsed = match field {
        Some(f) => match super::ssr::parse_value(f, &value) {
            Ok(v) => Some(v),
            Err(message) => {
                fields.push(FieldError { field: "value".into(), message });
                None
            }
        },
        None => None,
    };
    let reason = reason.trim().to_string();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        fields.push(FieldError {
            field: "reason".into(),
            message: "Indica el motivo del bloqueo (entre 3 y 500 caracteres).".into(),
        });
    }
    let building = if building_id.trim().is_empty() && !actor.role.is_building_scoped() {
        None
    } else {
        Some(finish(scope::target_building(&actor, &building_id))?)
    };
    let Some(value) = parsed.filter(|_| fields.is_empty()) else {
        return finish::<(), AppError>(Err(AppError::Invalid { message: "Revisa los campos marcados.".into(), fields }));
    };
    let meta = actor::request_meta();
    let entry = super::ssr::NewEntry { building_id: building, value, reason };
    finish(super::ssr::add(&state.pool, &state.vault, &state.blind_index, &actor, entry, &meta).await)?;
    Ok(())
}

/// Removes an entry (after the confirmation step of the page).
#[server(prefix = "/api", endpoint = "admin/blocklist_remove")]
pub async fn remove_blocklist_entry(entry_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&entry_id))?;
    let meta = actor::request_meta();
    finish(super::ssr::remove(&state.pool, &actor, id, &meta).await)?;
    leptos_axum::redirect("/admin/bloqueos?eliminado=1");
    Ok(())
}
