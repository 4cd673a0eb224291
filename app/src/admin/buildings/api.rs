//! Server functions of the buildings screens.

use super::{BuildingDetail, BuildingListing};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::scope,
    crate::domain::inventory::{BuildingSettings, BuildingTerms, FieldProblem, SettingsForm, TermsForm},
    crate::error::FieldError,
    crate::ssr::{actor, app_state, error::finish},
};

/// The buildings in the caller's scope: `estado` `activos` / `archivados` / empty for all,
/// `buscar` a part of the name or comuna.
#[server(prefix = "/api", endpoint = "admin/buildings")]
pub async fn list_buildings(estado: String, buscar: String, pagina: String) -> Result<BuildingListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let status = match estado.trim() {
        "activos" => Some("active"),
        "archivados" => Some("archived"),
        _ => None,
    };
    let page = pagina.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000);
    let search = finish(scope::search_term(&buscar))?;
    finish(super::ssr::list(&state.pool, &actor, status, search, page).await)
}

/// One building for its page.
#[server(prefix = "/api", endpoint = "admin/building")]
pub async fn get_building(building_id: String) -> Result<BuildingDetail, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let id = finish(scope::parse_id(&building_id))?;
    finish(super::ssr::detail(&state.pool, &actor, id, chrono::Utc::now()).await)
}

/// Problems as the form's field errors.
#[cfg(feature = "ssr")]
pub fn invalid(problems: Vec<FieldProblem>) -> AppError {
    AppError::Invalid {
        message: "Revisa los campos marcados.".into(),
        fields: problems.into_iter().map(|(field, message)| FieldError { field: field.into(), message }).collect(),
    }
}

/// The settings half of a building form.
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
fn settings_of(
    horizon: &str,
    max_active: &str,
    hold: &str,
    no_show: Option<&str>,
    no_show_grace: &str,
    overstay_grace: &str,
    check_in_early: &str,
) -> Result<BuildingSettings, Vec<FieldProblem>> {
    BuildingSettings::parse(&SettingsForm {
        horizon,
        max_active,
        hold,
        no_show: no_show.unwrap_or(""),
        no_show_grace,
        overstay_grace,
        check_in_early,
    })
}

/// Parses a whole building form (terms and settings), collecting every problem.
#[cfg(feature = "ssr")]
#[allow(clippy::too_many_arguments)]
fn parse_building(
    name: &str,
    address: &str,
    comuna: &str,
    time_zone: &str,
    commission: &str,
    monthly_fee: &str,
    horizon: &str,
    max_active: &str,
    hold: &str,
    no_show: Option<&str>,
    no_show_grace: &str,
    overstay_grace: &str,
    check_in_early: &str,
) -> Result<(BuildingTerms, BuildingSettings), AppError> {
    let terms = BuildingTerms::parse(&TermsForm { name, address, comuna, time_zone, commission, monthly_fee });
    let settings = settings_of(horizon, max_active, hold, no_show, no_show_grace, overstay_grace, check_in_early);
    match (terms, settings) {
        (Ok(t), Ok(s)) => Ok((t, s)),
        (t, s) => Err(invalid(t.err().into_iter().flatten().chain(s.err().into_iter().flatten()).collect())),
    }
}

/// Creates a building (admins) with the standard block templates; `full_day` adds *Día
/// completo*. Goes to the new building's page.
#[server(prefix = "/api", endpoint = "admin/building_create")]
#[allow(clippy::too_many_arguments)]
pub async fn create_building(
    name: String,
    address: String,
    comuna: String,
    time_zone: String,
    commission: String,
    monthly_fee: String,
    horizon: String,
    max_active: String,
    hold: String,
    no_show: Option<String>,
    no_show_grace: String,
    overstay_grace: String,
    check_in_early: String,
    full_day: Option<String>,
) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    finish(actor.require_role(&[crate::domain::role::Role::Admin]))?;
    let (terms, settings) = finish(parse_building(
        &name,
        &address,
        &comuna,
        &time_zone,
        &commission,
        &monthly_fee,
        &horizon,
        &max_active,
        &hold,
        no_show.as_deref(),
        &no_show_grace,
        &overstay_grace,
        &check_in_early,
    ))?;
    let meta = actor::request_meta();
    let id = finish(super::ssr::create(&state.pool, &actor, &terms, &settings, full_day.is_some(), &meta).await)?;
    leptos_axum::redirect(&format!("/admin/edificios/{id}?creado=1"));
    Ok(())
}

/// Changes a building's terms and settings (admins).
#[server(prefix = "/api", endpoint = "admin/building_save")]
#[allow(clippy::too_many_arguments)]
pub async fn save_building(
    building_id: String,
    name: String,
    address: String,
    comuna: String,
    time_zone: String,
    commission: String,
    monthly_fee: String,
    horizon: String,
    max_active: String,
    hold: String,
    no_show: Option<String>,
    no_show_grace: String,
    overstay_grace: String,
    check_in_early: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    finish(actor.require_role(&[crate::domain::role::Role::Admin]))?;
    let id = finish(scope::parse_id(&building_id))?;
    let (terms, settings) = finish(parse_building(
        &name,
        &address,
        &comuna,
        &time_zone,
        &commission,
        &monthly_fee,
        &horizon,
        &max_active,
        &hold,
        no_show.as_deref(),
        &no_show_grace,
        &overstay_grace,
        &check_in_early,
    ))?;
    let meta = actor::request_meta();
    finish(super::ssr::update(&state.pool, &actor, id, &terms, &settings, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/edificios/{id}?guardado=1"));
    Ok(())
}

/// Changes only the settings of a building (admins, and that building's admin).
#[server(prefix = "/api", endpoint = "admin/building_settings")]
#[allow(clippy::too_many_arguments)]
pub async fn save_building_settings(
    building_id: String,
    horizon: String,
    max_active: String,
    hold: String,
    no_show: Option<String>,
    no_show_grace: String,
    overstay_grace: String,
    check_in_early: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&building_id))?;
    finish(actor.require_building(id))?;
    let settings = finish(
        settings_of(&horizon, &max_active, &hold, no_show.as_deref(), &no_show_grace, &overstay_grace, &check_in_early)
            .map_err(invalid),
    )?;
    let meta = actor::request_meta();
    finish(super::ssr::update_settings(&state.pool, &actor, id, &settings, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/edificios/{id}?guardado=1"));
    Ok(())
}

/// Archives a building (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/building_archive")]
pub async fn archive_building(building_id: String) -> Result<(), AppError> {
    set_archived(building_id, true).await
}

/// Restores an archived building (admins).
#[server(prefix = "/api", endpoint = "admin/building_restore")]
pub async fn restore_building(building_id: String) -> Result<(), AppError> {
    set_archived(building_id, false).await
}

#[cfg(feature = "ssr")]
async fn set_archived(building_id: String, archived: bool) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let id = finish(scope::parse_id(&building_id))?;
    let meta = actor::request_meta();
    finish(super::ssr::set_archived(&state.pool, &actor, id, archived, &meta).await)?;
    leptos_axum::redirect(&format!("/admin/edificios/{id}?guardado=1"));
    Ok(())
}

/// Deletes a building that holds nothing (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/building_delete")]
pub async fn delete_building(building_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let id = finish(scope::parse_id(&building_id))?;
    let meta = actor::request_meta();
    finish(super::ssr::delete(&state.pool, &actor, id, &meta).await)?;
    leptos_axum::redirect("/admin/edificios?eliminado=1");
    Ok(())
}

/// Runs the availability generator for one building now; the page then says how many blocks
/// were created.
#[server(prefix = "/api", endpoint = "admin/generate_availability")]
pub async fn generate_availability(building_id: String) -> Result<u64, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&building_id))?;
    let meta = actor::request_meta();
    let report = finish(super::ssr::generate(&state.pool, &actor, id, chrono::Utc::now(), &meta).await)?;
    leptos_axum::redirect(&format!("/admin/edificios/{id}?generados={}", report.created));
    Ok(report.created)
}
