//! Server function of the analytics screen.

use super::Analytics;
use crate::error::AppError;
use leptos::prelude::*;

/// The last 30 or 90 days (`dias`) of the caller's scope: one building (a building admin's
/// own, or the one a platform role chose) or every building.
#[server(prefix = "/api", endpoint = "admin/analytics")]
pub async fn load_analytics(edificio: String, dias: String) -> Result<Analytics, AppError> {
    crate::ssr::error::serve(handlers::load(edificio, dias)).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::Analytics;
    use crate::admin::{analytics::parse_days, analytics::ssr, scope};
    use crate::ssr::ServerResult;

    /// See [`super::load_analytics`].
    pub(super) async fn load(edificio: String, dias: String) -> ServerResult<Analytics> {
        let (state, actor) = scope::staff().await?;
        ssr::load(&state.pool, &actor, &edificio, parse_days(&dias), chrono::Utc::now()).await
    }
}
