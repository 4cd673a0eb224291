//! Server function of the sales dashboard.

use super::SalesDashboard;
use crate::error::AppError;
use leptos::prelude::*;

/// The caller's own sales dashboard (sales reps only).
#[server(prefix = "/api", endpoint = "sales/dashboard")]
pub async fn load_sales_dashboard() -> Result<SalesDashboard, AppError> {
    crate::ssr::error::serve(handlers::dashboard()).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::SalesDashboard;
    use crate::domain::role::Role;
    use crate::ssr::{actor, app_state, ServerResult};

    /// See [`super::load_sales_dashboard`].
    pub(super) async fn dashboard() -> ServerResult<SalesDashboard> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::SalesRep]).await?;
        crate::sales::ssr::dashboard(&state.pool, &actor).await
    }
}
