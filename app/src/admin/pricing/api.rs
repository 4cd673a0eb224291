//! Server functions of the pricing screen.

use super::PricingListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::scope,
    crate::domain::rate::Multiplier,
    crate::error::FieldError,
    crate::ssr::{actor, app_state, error::finish},
};

/// The rules and the 14-day preview of one building (a platform role without a choice gets the
/// first building by name).
#[server(prefix = "/api", endpoint = "admin/pricing")]
pub async fn pricing_rules(edificio: String) -> Result<PricingListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let building = match finish(scope::listing_scope(&actor, &edificio))? {
        Some(b) => b,
        None => {
            let all = finish(scope::buildings(&state.pool, &actor).await)?;
            let first = finish(all.first().ok_or(AppError::NotFound))?;
            finish(scope::parse_id(&first.id))?
        }
    };
    finish(super::ssr::listing(&state.pool, &actor, building, chrono::Utc::now()).await)
}

/// Parses the form into a rule, collecting every field's problem.
#[cfg(feature = "ssr")]
pub fn parse_rule(
    name: &str,
    priority: &str,
    desde: &str,
    hasta: &str,
    multiplier: &str,
) -> Result<super::ssr::RuleInput, AppError> {
    let mut fields = Vec::new();
    let mut bad = |field: &str, message: String| fields.push(FieldError { field: field.into(), message });
    let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
    if name.is_empty() || name.chars().count() > 100 {
        bad("name", "Escribe un nombre de hasta 100 caracteres.".into());
    }
    let priority = match priority.trim() {
        "" => Some(0),
        p => p.parse::<i32>().ok().filter(|p| (-1000..=1000).contains(p)),
    };
    if priority.is_none() {
        bad("priority", "La prioridad es un número entero entre -1000 y 1000.".into());
    }
    let first = scope::parse_day(desde);
    if first.is_none() {
        bad("desde", "Escribe la fecha de inicio (dd-mm-aaaa).".into());
    }
    let last = scope::parse_day(hasta);
    match (first, last) {
        (_, None) => bad("hasta", "Escribe la fecha de término (dd-mm-aaaa).".into()),
        (Some(f), Some(l)) if l < f => bad("hasta", "La fecha de término debe ser igual o posterior a la de inicio.".into()),
        _ => {}
    }
    let multiplier = Multiplier::parse(multiplier).map_err(|e| bad("multiplier", e.to_string())).ok();
    match (priority, first, last, multiplier) {
        (Some(priority), Some(first_day), Some(last_day), Some(multiplier)) if fields.is_empty() => {
            Ok(super::ssr::RuleInput { name, priority, first_day, last_day, multiplier })
        }
        _ => Err(AppError::Invalid { message: "Revisa los campos marcados.".into(), fields }),
    }
}

/// Creates (empty `rule_id`) or edits a pricing rule.
#[server(prefix = "/api", endpoint = "admin/pricing_save")]
pub async fn save_pricing_rule(
    rule_id: String,
    building_id: String,
    name: String,
    priority: String,
    desde: String,
    hasta: String,
    multiplier: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let meta = actor::request_meta();
    let (building, rule) = if rule_id.trim().is_empty() {
        (finish(scope::target_building(&actor, &building_id))?, None)
    } else {
        let id = finish(scope::parse_id(&rule_id))?;
        (finish(super::ssr::rule_building(&state.pool, &actor, id).await)?, Some(id))
    };
    let input = finish(parse_rule(&name, &priority, &desde, &hasta, &multiplier))?;
    finish(super::ssr::save(&state.pool, &actor, building, rule, &input, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/precios?edificio={building}&guardado=1"));
    Ok(())
}

/// Deactivates a rule (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/pricing_deactivate")]
pub async fn deactivate_pricing_rule(rule_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&rule_id))?;
    let building = finish(super::ssr::rule_building(&state.pool, &actor, id).await)?;
    let meta = actor::request_meta();
    finish(super::ssr::deactivate(&state.pool, &actor, id, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/precios?edificio={building}&guardado=1"));
    Ok(())
}
