//! Server functions of the units screen. Each one decodes its form and hands it to its handler
//! (below, server only), whose outcome it converts once.

use super::{BulkResult, UnitListing};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The units of one building, searched by number.
#[server(prefix = "/api", endpoint = "admin/units")]
pub async fn list_units(edificio: String, buscar: String, pagina: String) -> Result<UnitListing, AppError> {
    serve(handlers::list(edificio, buscar, pagina)).await
}

/// Creates units from a list such as `101-120, PH`.
#[server(prefix = "/api", endpoint = "admin/units_create")]
pub async fn create_units(building_id: String, numbers: String) -> Result<BulkResult, AppError> {
    serve(handlers::create(building_id, numbers)).await
}

/// Deactivates a unit (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/unit_deactivate")]
pub async fn deactivate_unit(unit_id: String) -> Result<(), AppError> {
    serve(handlers::set_active(unit_id, false)).await
}

/// Reactivates a unit.
#[server(prefix = "/api", endpoint = "admin/unit_reactivate")]
pub async fn reactivate_unit(unit_id: String) -> Result<(), AppError> {
    serve(handlers::set_active(unit_id, true)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{BulkResult, UnitListing};
    use crate::admin::{scope, units::ssr};
    use crate::domain::inventory::parse_unit_list;
    use crate::error::AppError;
    use crate::ssr::ServerResult;
    use crate::ui::pager;

    /// See [`super::list_units`].
    pub(super) async fn list(edificio: String, buscar: String, pagina: String) -> ServerResult<UnitListing> {
        let (state, actor) = scope::staff().await?;
        let building = scope::screen_building(&state.pool, &actor, &edificio).await?;
        let page = pager::number(&pagina);
        let search = scope::search_term(&buscar)?;
        ssr::list(&state.pool, &actor, building, search, page).await
    }

    /// See [`super::create_units`].
    pub(super) async fn create(building_id: String, numbers: String) -> ServerResult<BulkResult> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let building = scope::target_building(&actor, &building_id)?;
        let list = parse_unit_list(&numbers).map_err(|e| AppError::field("numbers", e.message()))?;
        let result = ssr::bulk_create(&state.pool, &actor, building, &list, &meta).await?;
        leptos_axum::redirect(&format!(
            "/admin/unidades?edificio={building}&creadas={}&existian={}",
            result.created,
            result.existing.len()
        ));
        Ok(result)
    }

    /// See [`super::deactivate_unit`] and [`super::reactivate_unit`].
    pub(super) async fn set_active(unit_id: String, active: bool) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&unit_id)?;
        let building = ssr::set_active(&state.pool, &actor, id, active, &meta).await?;
        scope::redirect(&format!("/admin/unidades?edificio={building}&guardado=1"))
    }
}
