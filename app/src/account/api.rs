//! Server function of the account page.

use super::AccountView;
use crate::error::AppError;
use leptos::prelude::*;

/// The caller's own account.
#[server(prefix = "/api", endpoint = "account/my_account")]
pub async fn my_account() -> Result<AccountView, AppError> {
    crate::ssr::error::serve(handlers::my_account()).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::AccountView;
    use crate::ssr::{actor, app_state, ServerResult};

    /// See [`super::my_account`].
    pub(super) async fn my_account() -> ServerResult<AccountView> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        crate::account::ssr::my_account(&state.pool, &state.vault, &actor).await
    }
}
