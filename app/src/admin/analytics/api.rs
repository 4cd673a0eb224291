//! Server function of the analytics screen.

use super::Analytics;
use crate::error::AppError;
use leptos::prelude::*;

/// The last 30 or 90 days (`dias`) of the caller's scope: one building (a building admin's
/// own, or the one a platform role chose) or every building.
#[server(prefix = "/api", endpoint = "admin/analytics")]
pub async fn load_analytics(edificio: String, dias: String) -> Result<Analytics, AppError> {
    use crate::admin::scope;
    use crate::ssr::{app_state, error::finish};
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    finish(super::ssr::load(&state.pool, &actor, &edificio, super::parse_days(&dias), chrono::Utc::now()).await)
}
