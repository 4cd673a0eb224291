//! Server functions of the buildings screens. Each one decodes its form and hands it to its
//! handler (below, server only), whose outcome it converts once.

use super::{BuildingDetail, BuildingForm, BuildingListing, BuildingSettingsForm};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The buildings in the caller's scope: `estado` `activos` / `archivados` / empty for all,
/// `buscar` a part of the name or comuna.
#[server(prefix = "/api", endpoint = "admin/buildings")]
pub async fn list_buildings(estado: String, buscar: String, pagina: String) -> Result<BuildingListing, AppError> {
    serve(handlers::list(estado, buscar, pagina)).await
}

/// One building for its page.
#[server(prefix = "/api", endpoint = "admin/building")]
pub async fn get_building(building_id: String) -> Result<BuildingDetail, AppError> {
    serve(handlers::detail(building_id)).await
}

/// Creates a building (admins) with the standard block templates; `full_day` adds *Día
/// completo*. Goes to the new building's page.
#[server(prefix = "/api", endpoint = "admin/building_create")]
pub async fn create_building(#[server(flatten)] form: BuildingForm, full_day: Option<String>) -> Result<(), AppError> {
    serve(handlers::create(form, full_day.is_some())).await
}

/// Changes a building's terms and settings (admins).
#[server(prefix = "/api", endpoint = "admin/building_save")]
pub async fn save_building(building_id: String, #[server(flatten)] form: BuildingForm) -> Result<(), AppError> {
    serve(handlers::save(building_id, form)).await
}

/// Changes only the settings of a building (admins, and that building's admin).
#[server(prefix = "/api", endpoint = "admin/building_settings")]
pub async fn save_building_settings(
    building_id: String,
    #[server(flatten)] settings: BuildingSettingsForm,
) -> Result<(), AppError> {
    serve(handlers::save_settings(building_id, settings)).await
}

/// Archives a building (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/building_archive")]
pub async fn archive_building(building_id: String) -> Result<(), AppError> {
    serve(handlers::set_archived(building_id, true)).await
}

/// Restores an archived building (admins).
#[server(prefix = "/api", endpoint = "admin/building_restore")]
pub async fn restore_building(building_id: String) -> Result<(), AppError> {
    serve(handlers::set_archived(building_id, false)).await
}

/// Deletes a building that holds nothing (admins, after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/building_delete")]
pub async fn delete_building(building_id: String) -> Result<(), AppError> {
    serve(handlers::delete(building_id)).await
}

/// Runs the availability generator for one building now; the page then says how many blocks
/// were created.
#[server(prefix = "/api", endpoint = "admin/generate_availability")]
pub async fn generate_availability(building_id: String) -> Result<u64, AppError> {
    serve(handlers::generate(building_id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{BuildingDetail, BuildingForm, BuildingListing, BuildingSettingsForm};
    use crate::admin::{buildings::ssr, scope};
    use crate::domain::inventory::{BuildingSettings, BuildingTerms, FieldProblem, SettingsForm, TermsForm};
    use crate::domain::role::Role;
    use crate::error::invalid;
    use crate::ssr::{actor, ServerResult};
    use crate::ui::pager;
    use chrono::Utc;

    /// See [`super::list_buildings`].
    pub(super) async fn list(estado: String, buscar: String, pagina: String) -> ServerResult<BuildingListing> {
        let (state, actor) = scope::staff().await?;
        let status = match estado.trim() {
            "activos" => Some("active"),
            "archivados" => Some("archived"),
            _ => None,
        };
        let page = pager::number(&pagina);
        let search = scope::search_term(&buscar)?;
        ssr::list(&state.pool, &actor, status, search, page).await
    }

    /// See [`super::get_building`].
    pub(super) async fn detail(building_id: String) -> ServerResult<BuildingDetail> {
        let (state, actor) = scope::staff().await?;
        let id = scope::parse_id(&building_id)?;
        ssr::detail(&state.pool, &actor, id, Utc::now()).await
    }

    /// The settings half of a building form, parsed.
    fn settings_of(form: &BuildingSettingsForm) -> Result<BuildingSettings, Vec<FieldProblem>> {
        BuildingSettings::parse(&SettingsForm {
            horizon: &form.horizon,
            max_active: &form.max_active,
            hold: &form.hold,
            no_show: form.no_show.as_deref().unwrap_or(""),
            no_show_grace: &form.no_show_grace,
            overstay_grace: &form.overstay_grace,
            check_in_early: &form.check_in_early,
        })
    }

    /// A whole building form (terms and settings), parsed, with every problem collected.
    fn parse_building(form: &BuildingForm) -> ServerResult<(BuildingTerms, BuildingSettings)> {
        let terms = BuildingTerms::parse(&TermsForm {
            name: &form.name,
            address: &form.address,
            comuna: &form.comuna,
            time_zone: &form.time_zone,
            commission: &form.commission,
            monthly_fee: &form.monthly_fee,
        });
        match (terms, settings_of(&form.settings)) {
            (Ok(t), Ok(s)) => Ok((t, s)),
            (t, s) => Err(invalid(t.err().into_iter().flatten().chain(s.err().into_iter().flatten())).into()),
        }
    }

    /// See [`super::create_building`].
    pub(super) async fn create(form: BuildingForm, full_day: bool) -> ServerResult<()> {
        let (state, actor) = scope::staff().await?;
        actor.require_role(&[Role::Admin])?;
        let (terms, settings) = parse_building(&form)?;
        let meta = actor::request_meta();
        let id = ssr::create(&state.pool, &actor, &terms, &settings, full_day, &meta).await?;
        scope::redirect(&format!("/admin/edificios/{id}?creado=1"))
    }

    /// See [`super::save_building`].
    pub(super) async fn save(building_id: String, form: BuildingForm) -> ServerResult<()> {
        let (state, actor) = scope::staff().await?;
        actor.require_role(&[Role::Admin])?;
        let id = scope::parse_id(&building_id)?;
        let (terms, settings) = parse_building(&form)?;
        let meta = actor::request_meta();
        ssr::update(&state.pool, &actor, id, &terms, &settings, &meta).await?;
        scope::redirect(&format!("/admin/edificios/{id}?guardado=1"))
    }

    /// See [`super::save_building_settings`].
    pub(super) async fn save_settings(building_id: String, form: BuildingSettingsForm) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&building_id)?;
        actor.require_building(id)?;
        let settings = settings_of(&form).map_err(invalid)?;
        ssr::update_settings(&state.pool, &actor, id, &settings, &meta).await?;
        scope::redirect(&format!("/admin/edificios/{id}?guardado=1"))
    }

    /// See [`super::archive_building`] and [`super::restore_building`].
    pub(super) async fn set_archived(building_id: String, archived: bool) -> ServerResult<()> {
        let (state, actor) = scope::staff().await?;
        let id = scope::parse_id(&building_id)?;
        let meta = actor::request_meta();
        ssr::set_archived(&state.pool, &actor, id, archived, &meta).await?;
        scope::redirect(&format!("/admin/edificios/{id}?guardado=1"))
    }

    /// See [`super::delete_building`].
    pub(super) async fn delete(building_id: String) -> ServerResult<()> {
        let (state, actor) = scope::staff().await?;
        let id = scope::parse_id(&building_id)?;
        let meta = actor::request_meta();
        ssr::delete(&state.pool, &actor, id, &meta).await?;
        scope::redirect("/admin/edificios?eliminado=1")
    }

    /// See [`super::generate_availability`].
    pub(super) async fn generate(building_id: String) -> ServerResult<u64> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&building_id)?;
        let report = ssr::generate(&state.pool, &actor, id, Utc::now(), &meta).await?;
        leptos_axum::redirect(&format!("/admin/edificios/{id}?generados={}", report.created));
        Ok(report.created)
    }
}
