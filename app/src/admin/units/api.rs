//! Server functions of the units screen.

use super::{BulkResult, UnitListing};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::scope,
    crate::domain::inventory::parse_unit_list,
    crate::ssr::{actor, app_state, error::finish},
};

/// The building a screen shows: the one asked for (platform roles), a building admin's own, or
/// for a platform role without a choice the first building by name.
#[cfg(feature = "ssr")]
pub async fn screen_building(
    pool: &sqlx::PgPool,
    actor: &crate::ssr::actor::Actor,
    edificio: &str,
) -> Result<uuid::Uuid, AppError> {
    match finish(scope::listing_scope(actor, edificio))? {
        Some(b) => Ok(b),
        None => {
            let all = finish(scope::buildings(pool, actor).await)?;
            let first = finish(all.first().ok_or(AppError::NotFound))?;
            finish(scope::parse_id(&first.id))
        }
    }
}

/// The units of one building, searched by number.
#[server(prefix = "/api", endpoint = "admin/units")]
pub async fn list_units(edificio: String, buscar: String, pagina: String) -> Result<UnitListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let building = screen_building(&state.pool, &actor, &edificio).await?;
    let page = pagina.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000);
    let search = finish(scope::search_term(&buscar))?;
    finish(super::ssr::list(&state.pool, &actor, building, search, page).await)
}

/// Creates units from a list such as `101-120, PH`.
#[server(prefix = "/api", endpoint = "admin/units_create")]
pub async fn create_units(building_id: String, numbers: String) -> Result<BulkResult, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let building = finish(scope::target_building(&actor, &building_id))?;
    let list = finish(parse_unit_list(&numbers).map_err(|e| AppError::field("numbers", e.message())))?;
    let meta = actor::request_meta();
    let result = finish(super::ssr::bulk_create(&state.pool, &actor, building, &list, &meta).await)?;
    leptos_axum::redirect(&format!(
        "/admin/unidades?edificio={building}&creadas={}&existian={}",
        result.created,
        result.existing.len()
    ));
    Ok(result)
}

/// Deactivates a unit (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/unit_deactivate")]
pub async fn deactivate_unit(unit_id: String) -> Result<(), AppError> {
    set_active(unit_id, false).await
}

/// Reactivates a unit.
#[server(prefix = "/api", endpoint = "admin/unit_reactivate")]
pub async fn reactivate_unit(unit_id: String) -> Result<(), AppError> {
    set_active(unit_id, true).await
}

#[cfg(feature = "ssr")]
async fn set_active(unit_id: String, active: bool) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&unit_id))?;
    let meta = actor::request_meta();
    let building = finish(super::ssr::set_active(&state.pool, &actor, id, active, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/unidades?edificio={building}&guardado=1"));
    Ok(())
}
