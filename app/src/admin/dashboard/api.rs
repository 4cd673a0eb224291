//! Server function of the dashboard.

use super::Dashboard;
use crate::error::AppError;
use leptos::prelude::*;

/// The dashboard of the caller's scope: one building (a building admin's own, or the one a
/// platform role chose) or every building, with the revenue of `periodo` (`hoy`, `7`, `30`).
#[server(prefix = "/api", endpoint = "admin/dashboard")]
pub async fn admin_dashboard(edificio: String, periodo: String) -> Result<Dashboard, AppError> {
    crate::ssr::error::serve(handlers::load(edificio, periodo)).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::Dashboard;
    use crate::admin::{dashboard::ssr, dashboard::Period, scope};
    use crate::ssr::ServerResult;

    /// See [`super::admin_dashboard`].
    pub(super) async fn load(edificio: String, periodo: String) -> ServerResult<Dashboard> {
        let (state, actor) = scope::staff().await?;
        ssr::load(&state.pool, &actor, &edificio, Period::parse(&periodo), chrono::Utc::now()).await
    }
}
