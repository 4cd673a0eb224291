//! Server functions of the block templates screen.

use super::{PricePreview, TemplateListing};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::{buildings::api::invalid, scope, units::api::screen_building},
    crate::domain::{inventory::TemplateInput, money::Clp, schedule::BlockTemplate},
    crate::ssr::{actor, app_state, error::finish},
    chrono::Utc,
};

/// The templates of one building.
#[server(prefix = "/api", endpoint = "admin/templates")]
pub async fn list_templates(edificio: String) -> Result<TemplateListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let building = screen_building(&state.pool, &actor, &edificio).await?;
    finish(super::ssr::list(&state.pool, &actor, building, Utc::now()).await)
}

/// Creates a template with its base price.
#[server(prefix = "/api", endpoint = "admin/template_create")]
pub async fn create_template(
    building_id: String,
    name: String,
    start: String,
    duration: String,
    price: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let building = finish(scope::target_building(&actor, &building_id))?;
    let input = finish(TemplateInput::parse(&name, &start, &duration, &price).map_err(invalid))?;
    let meta = actor::request_meta();
    finish(super::ssr::create(&state.pool, &actor, building, &input, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/bloques?edificio={building}&guardado=1"));
    Ok(())
}

/// The name and base price of an edit, checked.
#[cfg(feature = "ssr")]
fn parse_edit(name: &str, price: &str) -> Result<(String, Clp), AppError> {
    let mut problems = Vec::new();
    let name = BlockTemplate::new(name, chrono::NaiveTime::MIN, 60)
        .map(|t| t.name)
        .map_err(|e| problems.push(("nombre", e.message().to_string())))
        .ok();
    let price = Clp::parse(price)
        .map_err(|e| e.message().to_string())
        .and_then(|p| {
            if p <= crate::domain::inventory::MAX_BASE_PRICE {
                Ok(p)
            } else {
                Err("El precio base no puede superar $10.000.000.".to_string())
            }
        })
        .map_err(|m| problems.push(("precio", m)))
        .ok();
    match (name, price) {
        (Some(n), Some(p)) if problems.is_empty() => Ok((n, p)),
        _ => Err(invalid(problems)),
    }
}

/// The preview of an edit: how many future available blocks the new base price changes.
#[server(prefix = "/api", endpoint = "admin/template_preview")]
pub async fn template_price_preview(template_id: String, nombre: String, precio: String) -> Result<PricePreview, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let id = finish(scope::parse_id(&template_id))?;
    let (name, price) = finish(parse_edit(&nombre, &precio))?;
    finish(super::ssr::price_preview(&state.pool, &actor, id, &name, price, Utc::now()).await)
}

/// Saves a template's name and base price (after the preview), repricing its future available
/// blocks.
#[server(prefix = "/api", endpoint = "admin/template_save")]
pub async fn save_template(template_id: String, nombre: String, precio: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&template_id))?;
    let (name, price) = finish(parse_edit(&nombre, &precio))?;
    let meta = actor::request_meta();
    let (building, changed) = finish(super::ssr::update(&state.pool, &actor, id, &name, price, Utc::now(), &meta).await)?;
    leptos_axum::redirect(&format!("/admin/bloques?edificio={building}&repreciados={changed}"));
    Ok(())
}

/// Deactivates a template (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/template_deactivate")]
pub async fn deactivate_template(template_id: String) -> Result<(), AppError> {
    set_active(template_id, false).await
}

/// Reactivates a template.
#[server(prefix = "/api", endpoint = "admin/template_reactivate")]
pub async fn reactivate_template(template_id: String) -> Result<(), AppError> {
    set_active(template_id, true).await
}

#[cfg(feature = "ssr")]
async fn set_active(template_id: String, active: bool) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&template_id))?;
    let meta = actor::request_meta();
    let (building, _) = finish(super::ssr::set_active(&state.pool, &actor, id, active, Utc::now(), &meta).await)?;
    leptos_axum::redirect(&format!("/admin/bloques?edificio={building}&guardado=1"));
    Ok(())
}
