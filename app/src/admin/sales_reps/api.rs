//! Server functions of the sales reps screen. Each one decodes its form and hands it to its
//! handler (below, server only), whose outcome it converts once.

use super::SalesRepListing;
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// Every sales rep, their buildings and earnings (admins; support reads).
#[server(prefix = "/api", endpoint = "admin/sales_reps")]
pub async fn list_sales_reps() -> Result<SalesRepListing, AppError> {
    serve(handlers::list()).await
}

/// Assigns a building to a rep at a rate (a percentage such as `5` or `5,5 %`).
#[server(prefix = "/api", endpoint = "admin/sales_rep_assign")]
pub async fn assign_sales_rep(building_id: String, rep_id: String, rate: String) -> Result<(), AppError> {
    serve(handlers::assign(building_id, rep_id, rate)).await
}

/// Takes a building away from its rep (after the confirmation step).
#[server(prefix = "/api", endpoint = "admin/sales_rep_unassign")]
pub async fn unassign_sales_rep(building_id: String) -> Result<(), AppError> {
    serve(handlers::unassign(building_id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::SalesRepListing;
    use crate::admin::{sales_reps::ssr, scope};
    use crate::domain::{rate::Rate, role::Role};
    use crate::error::FieldErrors;
    use crate::ssr::{actor, app_state, ServerResult};
    use uuid::Uuid;

    /// See [`super::list_sales_reps`].
    pub(super) async fn list() -> ServerResult<SalesRepListing> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Admin, Role::Support]).await?;
        ssr::list(&state.pool, &actor).await
    }

    /// See [`super::assign_sales_rep`].
    pub(super) async fn assign(building_id: String, rep_id: String, rate: String) -> ServerResult<()> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Admin]).await?;
        let mut errors = FieldErrors::new();
        let building = errors.check("building_id", Uuid::parse_str(building_id.trim()).map_err(|_| "Elige un edificio."));
        let rep = errors.check("rep_id", Uuid::parse_str(rep_id.trim()).map_err(|_| "Elige un vendedor."));
        let rate = errors.check("rate", Rate::parse(&rate).map_err(|e| e.message().to_string()));
        let (Some(building), Some(rep), Some(rate)) = (building, rep, rate) else {
            return Err(errors.into_error().into());
        };
        ssr::assign(&state.pool, &actor, building, rep, rate, &actor::request_meta()).await?;
        scope::redirect("/admin/vendedores?hecho=asignado")
    }

    /// See [`super::unassign_sales_rep`].
    pub(super) async fn unassign(building_id: String) -> ServerResult<()> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::Admin]).await?;
        let building = scope::parse_id(&building_id)?;
        ssr::unassign(&state.pool, &actor, building, &actor::request_meta()).await?;
        scope::redirect("/admin/vendedores?hecho=quitado")
    }
}
