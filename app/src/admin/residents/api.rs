//! Server functions of the residents screen.

use super::ResidentListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    super::ssr::Change,
    crate::admin::scope,
    crate::ssr::{actor, app_state, error::finish},
};

/// One page of the residents in the caller's scope, optionally of one building (platform
/// roles) and status, searched by name or e-mail.
#[server(prefix = "/api", endpoint = "admin/residents")]
pub async fn list_residents(
    edificio: String,
    estado: String,
    buscar: Option<String>,
    pagina: Option<String>,
) -> Result<ResidentListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let building = finish(scope::listing_scope(&actor, &edificio))?;
    let status = super::STATUSES.into_iter().find(|s| *s == estado.trim());
    let page = pagina.and_then(|p| p.trim().parse::<u32>().ok()).unwrap_or(1);
    // From the page's URL the term comes sealed (it may be an e-mail).
    let buscar = crate::admin::search::open(&state.vault, actor.id, &buscar.unwrap_or_default());
    let search = finish(scope::search_term(&buscar))?;
    finish(super::ssr::list(&state.pool, &actor, building, status, search, page).await)
}

#[cfg(feature = "ssr")]
async fn apply(user_id: String, change: Change) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&user_id))?;
    let meta = actor::request_meta();
    finish(super::ssr::change_status(&state.pool, &actor, id, change, &meta).await)?;
    leptos_axum::redirect("/admin/residentes/todos?hecho=1");
    Ok(())
}

/// Deactivates an active resident (after the confirmation step); ends their sessions.
#[server(prefix = "/api", endpoint = "admin/resident_deactivate")]
pub async fn deactivate_resident(user_id: String) -> Result<(), AppError> {
    apply(user_id, Change::Deactivate).await
}

/// Bans a resident with a reason (after the confirmation step); ends their sessions.
#[server(prefix = "/api", endpoint = "admin/resident_ban")]
pub async fn ban_resident(user_id: String, reason: String) -> Result<(), AppError> {
    let reason = reason.trim().to_string();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return finish::<(), AppError>(Err(AppError::field(
            "reason",
            "Indica el motivo del bloqueo (entre 3 y 500 caracteres).",
        )));
    }
    apply(user_id, Change::Ban(reason)).await
}

/// Unbans or reactivates a resident.
#[server(prefix = "/api", endpoint = "admin/resident_restore")]
pub async fn restore_resident(user_id: String) -> Result<(), AppError> {
    apply(user_id, Change::Restore).await
}
