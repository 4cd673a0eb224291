//! Server functions of the pricing screen. Each one decodes its form and hands it to its
//! handler (below, server only), whose outcome it converts once.

use super::{PricingListing, PricingRuleForm};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The rules and the 14-day preview of one building (a platform role without a choice gets the
/// first building by name).
#[server(prefix = "/api", endpoint = "admin/pricing")]
pub async fn pricing_rules(edificio: String) -> Result<PricingListing, AppError> {
    serve(handlers::listing(edificio)).await
}

/// Creates (empty `rule_id`) or edits a pricing rule.
#[server(prefix = "/api", endpoint = "admin/pricing_save")]
pub async fn save_pricing_rule(
    rule_id: String,
    building_id: String,
    #[server(flatten)] form: PricingRuleForm,
) -> Result<(), AppError> {
    serve(handlers::save(rule_id, building_id, form)).await
}

/// Deactivates a rule (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/pricing_deactivate")]
pub async fn deactivate_pricing_rule(rule_id: String) -> Result<(), AppError> {
    serve(handlers::deactivate(rule_id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{PricingListing, PricingRuleForm};
    use crate::admin::{pricing::ssr, scope};
    use crate::domain::rate::Multiplier;
    use crate::error::{AppError, FieldErrors};
    use crate::ssr::ServerResult;

    /// See [`super::pricing_rules`].
    pub(super) async fn listing(edificio: String) -> ServerResult<PricingListing> {
        let (state, actor) = scope::staff().await?;
        let building = scope::screen_building(&state.pool, &actor, &edificio).await?;
        ssr::listing(&state.pool, &actor, building, chrono::Utc::now()).await
    }

    /// Parses the form into a rule, collecting every field's problem.
    fn parse_rule(form: &PricingRuleForm) -> Result<ssr::RuleInput, AppError> {
        let PricingRuleForm { name, priority, desde, hasta, multiplier } = form;
        let mut errors = FieldErrors::new();
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || name.chars().count() > 100 {
            errors.push("name", "Escribe un nombre de hasta 100 caracteres.");
        }
        let priority = match priority.trim() {
            "" => Some(0),
            p => p.parse::<i32>().ok().filter(|p| (-1000..=1000).contains(p)),
        };
        if priority.is_none() {
            errors.push("priority", "La prioridad es un número entero entre -1000 y 1000.");
        }
        let first = scope::parse_day(desde);
        if first.is_none() {
            errors.push("desde", "Escribe la fecha de inicio (dd-mm-aaaa).");
        }
        let last = scope::parse_day(hasta);
        match (first, last) {
            (_, None) => errors.push("hasta", "Escribe la fecha de término (dd-mm-aaaa)."),
            (Some(f), Some(l)) if l < f => errors.push("hasta", "La fecha de término debe ser igual o posterior a la de inicio."),
            _ => {}
        }
        let multiplier = errors.check("multiplier", Multiplier::parse(multiplier));
        match (priority, first, last, multiplier) {
            (Some(priority), Some(first_day), Some(last_day), Some(multiplier)) if errors.is_empty() => {
                Ok(ssr::RuleInput { name, priority, first_day, last_day, multiplier })
            }
            _ => Err(errors.into_error()),
        }
    }

    /// See [`super::save_pricing_rule`].
    pub(super) async fn save(rule_id: String, building_id: String, form: PricingRuleForm) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let (building, rule) = if rule_id.trim().is_empty() {
            (scope::target_building(&actor, &building_id)?, None)
        } else {
            let id = scope::parse_id(&rule_id)?;
            (ssr::rule_building(&state.pool, &actor, id).await?, Some(id))
        };
        let input = parse_rule(&form)?;
        ssr::save(&state.pool, &actor, building, rule, &input, &meta).await?;
        scope::redirect(&format!("/admin/precios?edificio={building}&guardado=1"))
    }

    /// See [`super::deactivate_pricing_rule`].
    pub(super) async fn deactivate(rule_id: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&rule_id)?;
        let building = ssr::rule_building(&state.pool, &actor, id).await?;
        ssr::deactivate(&state.pool, &actor, id, &meta).await?;
        scope::redirect(&format!("/admin/precios?edificio={building}&guardado=1"))
    }
}
