//! Server functions of the spots screen.

use super::SpotListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::{buildings::api::invalid, scope, units::api::screen_building},
    crate::domain::inventory::{ClosureInput, SpotInput},
    crate::domain::plan::Position,
    crate::ssr::{actor, app_state, error::finish},
    chrono::Utc,
};

/// The spots and current closures of one building.
#[server(prefix = "/api", endpoint = "admin/spots")]
pub async fn list_spots(edificio: String) -> Result<SpotListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let building = screen_building(&state.pool, &actor, &edificio).await?;
    finish(super::ssr::list(&state.pool, &actor, building, Utc::now()).await)
}

/// Creates a visitor spot.
#[server(prefix = "/api", endpoint = "admin/spot_create")]
pub async fn create_spot(building_id: String, number: String, label: String, description: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let building = finish(scope::target_building(&actor, &building_id))?;
    let input = finish(SpotInput::parse(&number, &label, &description).map_err(invalid))?;
    let meta = actor::request_meta();
    finish(super::ssr::create(&state.pool, &actor, building, &input, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/estacionamientos?edificio={building}&guardado=1"));
    Ok(())
}

/// Places a spot on the building plan (`map_x`, `map_y`: its box centre), or takes it off the
/// plan when both are empty.
#[server(prefix = "/api", endpoint = "admin/spot_place")]
pub async fn place_spot(spot_id: String, map_x: String, map_y: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&spot_id))?;
    let position = finish(Position::parse(&map_x, &map_y).map_err(invalid))?;
    let meta = actor::request_meta();
    let building = finish(super::ssr::place(&state.pool, &actor, id, position, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/estacionamientos?edificio={building}&ubicado=1#plano"));
    Ok(())
}

/// Deactivates a spot (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/spot_deactivate")]
pub async fn deactivate_spot(spot_id: String) -> Result<(), AppError> {
    set_active(spot_id, false).await
}

/// Reactivates a spot.
#[server(prefix = "/api", endpoint = "admin/spot_reactivate")]
pub async fn reactivate_spot(spot_id: String) -> Result<(), AppError> {
    set_active(spot_id, true).await
}

#[cfg(feature = "ssr")]
async fn set_active(spot_id: String, active: bool) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&spot_id))?;
    let meta = actor::request_meta();
    let (building, _) = finish(super::ssr::set_active(&state.pool, &actor, id, active, Utc::now(), &meta).await)?;
    leptos_axum::redirect(&format!("/admin/estacionamientos?edificio={building}&guardado=1"));
    Ok(())
}

/// Closes a spot for maintenance over a local date-time range.
#[server(prefix = "/api", endpoint = "admin/spot_close")]
pub async fn close_spot(spot_id: String, desde: String, hasta: String, reason: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&spot_id))?;
    let input = finish(ClosureInput::parse(&desde, &hasta, &reason).map_err(invalid))?;
    let meta = actor::request_meta();
    let closed = finish(super::ssr::close(&state.pool, &actor, id, &input, Utc::now(), &meta).await)?;
    leptos_axum::redirect(&format!(
        "/admin/estacionamientos?edificio={}&cerrado={}&reservas={}",
        closed.building_id, closed.blocked, closed.bookings
    ));
    Ok(())
}

/// Lifts a closure (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/spot_closure_lift")]
pub async fn lift_closure(closure_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&closure_id))?;
    let meta = actor::request_meta();
    let (building, reopened) = finish(super::ssr::lift(&state.pool, &actor, id, Utc::now(), &meta).await)?;
    leptos_axum::redirect(&format!("/admin/estacionamientos?edificio={building}&reabiertos={reopened}"));
    Ok(())
}
