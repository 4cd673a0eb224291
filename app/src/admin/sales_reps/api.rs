//! Server functions of the sales reps screen.

use super::SalesRepListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::scope,
    crate::domain::{rate::Rate, role::Role},
    crate::error::FieldError,
    crate::ssr::{actor, app_state, error::finish},
};

/// Every sales rep, their buildings and earnings (admins; support reads).
#[server(prefix = "/api", endpoint = "admin/sales_reps")]
pub async fn list_sales_reps() -> Result<SalesRepListing, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Admin, Role::Support]).await)?;
    finish(super::ssr::list(&state.pool, &actor).await)
}

/// Assigns a building to a rep at a rate (a percentage such as `5` or `5,5 %`).
#[server(prefix = "/api", endpoint = "admin/sales_rep_assign")]
pub async fn assign_sales_rep(building_id: String, rep_id: String, rate: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Admin]).await)?;
    let mut fields = Vec::new();
    let building = uuid::Uuid::parse_str(building_id.trim()).ok();
    if building.is_none() {
        fields.push(FieldError { field: "building_id".into(), message: "Elige un edificio.".into() });
    }
    let rep = uuid::Uuid::parse_str(rep_id.trim()).ok();
    if rep.is_none() {
        fields.push(FieldError { field: "rep_id".into(), message: "Elige un vendedor.".into() });
    }
    let rate = match Rate::parse(&rate) {
        Ok(r) => Some(r),
        Err(e) => {
            fields.push(FieldError { field: "rate".into(), message: e.message().into() });
            None
        }
    };
    let (Some(building), Some(rep), Some(rate)) = (building, rep, rate) else {
        return finish::<(), AppError>(Err(AppError::Invalid { message: "Revisa los campos marcados.".into(), fields }));
    };
    finish(super::ssr::assign(&state.pool, &actor, building, rep, rate, &actor::request_meta()).await)?;
    leptos_axum::redirect("/admin/vendedores?hecho=asignado");
    Ok(())
}

/// Takes a building away from its rep (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/sales_rep_unassign")]
pub async fn unassign_sales_rep(building_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::Admin]).await)?;
    let building = finish(scope::parse_id(&building_id))?;
    finish(super::ssr::unassign(&state.pool, &actor, building, &actor::request_meta()).await)?;
    leptos_axum::redirect("/admin/vendedores?hecho=quitado");
    Ok(())
}
