//! Server functions of the spots screen. Each one decodes its form and hands it to its handler
//! (below, server only), whose outcome it converts once.

use super::SpotListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The spots and current closures of one building.
#[server(prefix = "/api", endpoint = "admin/spots")]
pub async fn list_spots(edificio: String) -> Result<SpotListing, AppError> {
    serve(handlers::list(edificio)).await
}

/// Creates a visitor spot.
#[server(prefix = "/api", endpoint = "admin/spot_create")]
pub async fn create_spot(building_id: String, number: String, label: String, description: String) -> Result<(), AppError> {
    serve(handlers::create(building_id, number, label, description)).await
}

/// Places a spot on the building plan (`map_x`, `map_y`: its box centre), or takes it off the
/// plan when both are empty.
#[server(prefix = "/api", endpoint = "admin/spot_place")]
pub async fn place_spot(spot_id: String, map_x: String, map_y: String) -> Result<(), AppError> {
    serve(handlers::place(spot_id, map_x, map_y)).await
}

/// Deactivates a spot (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/spot_deactivate")]
pub async fn deactivate_spot(spot_id: String) -> Result<(), AppError> {
    serve(handlers::set_active(spot_id, false)).await
}

/// Reactivates a spot.
#[server(prefix = "/api", endpoint = "admin/spot_reactivate")]
pub async fn reactivate_spot(spot_id: String) -> Result<(), AppError> {
    serve(handlers::set_active(spot_id, true)).await
}

/// Closes a spot for maintenance over a local date-time range.
#[server(prefix = "/api", endpoint = "admin/spot_close")]
pub async fn close_spot(spot_id: String, desde: String, hasta: String, reason: String) -> Result<(), AppError> {
    serve(handlers::close(spot_id, desde, hasta, reason)).await
}

/// Lifts a closure (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/spot_closure_lift")]
pub async fn lift_closure(closure_id: String) -> Result<(), AppError> {
    serve(handlers::lift(closure_id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::SpotListing;
    use crate::admin::{scope, spots::ssr};
    use crate::domain::inventory::{ClosureInput, SpotInput};
    use crate::domain::plan::Position;
    use crate::error::invalid;
    use crate::ssr::ServerResult;
    use chrono::Utc;

    /// See [`super::list_spots`].
    pub(super) async fn list(edificio: String) -> ServerResult<SpotListing> {
        let (state, actor) = scope::staff().await?;
        let building = scope::screen_building(&state.pool, &actor, &edificio).await?;
        ssr::list(&state.pool, &actor, building, Utc::now()).await
    }

    /// See [`super::create_spot`].
    pub(super) async fn create(building_id: String, number: String, label: String, description: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let building = scope::target_building(&actor, &building_id)?;
        let input = SpotInput::parse(&number, &label, &description).map_err(invalid)?;
        ssr::create(&state.pool, &actor, building, &input, &meta).await?;
        scope::redirect(&format!("/admin/estacionamientos?edificio={building}&guardado=1"))
    }

    /// See [`super::place_spot`].
    pub(super) async fn place(spot_id: String, map_x: String, map_y: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&spot_id)?;
        let position = Position::parse(&map_x, &map_y).map_err(invalid)?;
        let building = ssr::place(&state.pool, &actor, id, position, &meta).await?;
        scope::redirect(&format!("/admin/estacionamientos?edificio={building}&ubicado=1#plano"))
    }

    /// See [`super::deactivate_spot`] and [`super::reactivate_spot`].
    pub(super) async fn set_active(spot_id: String, active: bool) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&spot_id)?;
        let (building, _) = ssr::set_active(&state.pool, &actor, id, active, Utc::now(), &meta).await?;
        scope::redirect(&format!("/admin/estacionamientos?edificio={building}&guardado=1"))
    }

    /// See [`super::close_spot`].
    pub(super) async fn close(spot_id: String, desde: String, hasta: String, reason: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&spot_id)?;
        let input = ClosureInput::parse(&desde, &hasta, &reason).map_err(invalid)?;
        let closed = ssr::close(&state.pool, &actor, id, &input, Utc::now(), &meta).await?;
        scope::redirect(&format!(
            "/admin/estacionamientos?edificio={}&cerrado={}&reservas={}",
            closed.building_id, closed.blocked, closed.bookings
        ))
    }

    /// See [`super::lift_closure`].
    pub(super) async fn lift(closure_id: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&closure_id)?;
        let (building, reopened) = ssr::lift(&state.pool, &actor, id, Utc::now(), &meta).await?;
        scope::redirect(&format!("/admin/estacionamientos?edificio={building}&reabiertos={reopened}"))
    }
}
