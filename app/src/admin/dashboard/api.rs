//! Server function of the dashboard.

use super::Dashboard;
use crate::error::AppError;
use leptos::prelude::*;

/// The dashboard of the caller's scope: one building (a building admin's own, or the one a
/// platform role chose) or every building, with the revenue of `periodo` (`hoy`, `7`, `30`).
#[server(prefix = "/api", endpoint = "admin/dashboard")]
pub async fn admin_dashboard(edificio: String, periodo: String) -> Result<Dashboard, AppError> {
    use crate::admin::scope;
    use crate::ssr::{app_state, error::finish};
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    finish(super::ssr::load(&state.pool, &actor, &edificio, super::Period::parse(&periodo), chrono::Utc::now()).await)
}
