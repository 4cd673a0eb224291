//! Server functions of the home page.

use super::HomeInfo;
use crate::error::AppError;
use leptos::prelude::*;

/// Facts for the home page, read from the database (public: no actor needed).
#[server(prefix = "/api", endpoint = "home/facts")]
pub async fn home_facts() -> Result<HomeInfo, AppError> {
    crate::ssr::error::serve(handlers::facts()).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::HomeInfo;
    use crate::ssr::{app_state, ServerResult};

    /// See [`super::home_facts`].
    pub(super) async fn facts() -> ServerResult<HomeInfo> {
        let state = app_state()?;
        crate::home::ssr::facts(&state.pool).await
    }
}
