//! Server functions of the block templates screen. Each one decodes its form and hands it to
//! its handler (below, server only), whose outcome it converts once.

use super::{PricePreview, TemplateListing};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The templates of one building.
#[server(prefix = "/api", endpoint = "admin/templates")]
pub async fn list_templates(edificio: String) -> Result<TemplateListing, AppError> {
    serve(handlers::list(edificio)).await
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
    serve(handlers::create(building_id, name, start, duration, price)).await
}

/// The preview of an edit: how many future available blocks the new base price changes.
#[server(prefix = "/api", endpoint = "admin/template_preview")]
pub async fn template_price_preview(template_id: String, nombre: String, precio: String) -> Result<PricePreview, AppError> {
    serve(handlers::preview(template_id, nombre, precio)).await
}

/// Saves a template's name and base price (after the preview), repricing its future available
/// blocks.
#[server(prefix = "/api", endpoint = "admin/template_save")]
pub async fn save_template(template_id: String, nombre: String, precio: String) -> Result<(), AppError> {
    serve(handlers::save(template_id, nombre, precio)).await
}

/// Deactivates a template (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/template_deactivate")]
pub async fn deactivate_template(template_id: String) -> Result<(), AppError> {
    serve(handlers::set_active(template_id, false)).await
}

/// Reactivates a template.
#[server(prefix = "/api", endpoint = "admin/template_reactivate")]
pub async fn reactivate_template(template_id: String) -> Result<(), AppError> {
    serve(handlers::set_active(template_id, true)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{PricePreview, TemplateListing};
    use crate::admin::{scope, templates::ssr};
    use crate::domain::{
        inventory::{TemplateInput, MAX_BASE_PRICE},
        money::Clp,
        schedule::BlockTemplate,
    };
    use crate::error::{invalid, AppError, FieldErrors};
    use crate::ssr::ServerResult;
    use chrono::Utc;

    /// See [`super::list_templates`].
    pub(super) async fn list(edificio: String) -> ServerResult<TemplateListing> {
        let (state, actor) = scope::staff().await?;
        let building = scope::screen_building(&state.pool, &actor, &edificio).await?;
        ssr::list(&state.pool, &actor, building, Utc::now()).await
    }

    /// See [`super::create_template`].
    pub(super) async fn create(
        building_id: String,
        name: String,
        start: String,
        duration: String,
        price: String,
    ) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let building = scope::target_building(&actor, &building_id)?;
        let input = TemplateInput::parse(&name, &start, &duration, &price).map_err(invalid)?;
        ssr::create(&state.pool, &actor, building, &input, &meta).await?;
        scope::redirect(&format!("/admin/bloques?edificio={building}&guardado=1"))
    }

    /// The name and base price of an edit, checked.
    fn parse_edit(name: &str, price: &str) -> Result<(String, Clp), AppError> {
        let mut errors = FieldErrors::new();
        let name = errors.check(
            "nombre",
            BlockTemplate::new(name, chrono::NaiveTime::MIN, 60)
                .map(|t| t.name)
                .map_err(|e| e.message().to_string()),
        );
        let price = errors.check(
            "precio",
            Clp::parse(price).map_err(|e| e.message().to_string()).and_then(|p| {
                if p <= MAX_BASE_PRICE {
                    Ok(p)
                } else {
                    Err("El precio base no puede superar $10.000.000.".to_string())
                }
            }),
        );
        match (name, price) {
            (Some(n), Some(p)) => Ok((n, p)),
            _ => Err(errors.into_error()),
        }
    }

    /// See [`super::template_price_preview`].
    pub(super) async fn preview(template_id: String, nombre: String, precio: String) -> ServerResult<PricePreview> {
        let (state, actor) = scope::staff().await?;
        let id = scope::parse_id(&template_id)?;
        let (name, price) = parse_edit(&nombre, &precio)?;
        ssr::price_preview(&state.pool, &actor, id, &name, price, Utc::now()).await
    }

    /// See [`super::save_template`].
    pub(super) async fn save(template_id: String, nombre: String, precio: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&template_id)?;
        let (name, price) = parse_edit(&nombre, &precio)?;
        let (building, changed) = ssr::update(&state.pool, &actor, id, &name, price, Utc::now(), &meta).await?;
        scope::redirect(&format!("/admin/bloques?edificio={building}&repreciados={changed}"))
    }

    /// See [`super::deactivate_template`] and [`super::reactivate_template`].
    pub(super) async fn set_active(template_id: String, active: bool) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&template_id)?;
        let (building, _) = ssr::set_active(&state.pool, &actor, id, active, Utc::now(), &meta).await?;
        scope::redirect(&format!("/admin/bloques?edificio={building}&guardado=1"))
    }
}
