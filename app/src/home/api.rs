//! Server functions of the home page.

use super::HomeInfo;
use crate::error::AppError;
use leptos::prelude::*;

/// Facts for the home page, read from the database (public: no actor needed).
#[server(prefix = "/api", endpoint = "home/facts")]
pub async fn home_facts() -> Result<HomeInfo, AppError> {
    let state = crate::ssr::app_state()?;
    crate::ssr::error::finish(super::ssr::facts(&state.pool).await)
}
