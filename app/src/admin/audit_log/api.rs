//! Server function of the audit screen.

use super::{AuditListing, AuditQuery};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of the audit trail in the caller's scope.
#[server(prefix = "/api", endpoint = "admin/audit")]
pub async fn list_audit(filter: AuditQuery, pagina: String) -> Result<AuditListing, AppError> {
    crate::ssr::error::serve(handlers::list(filter, pagina)).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{AuditListing, AuditQuery};
    use crate::admin::{audit_log::ssr, scope};
    use crate::ssr::ServerResult;
    use crate::ui::pager;

    /// See [`super::list_audit`].
    pub(super) async fn list(filter: AuditQuery, pagina: String) -> ServerResult<AuditListing> {
        let (state, actor) = scope::staff().await?;
        let page = pager::number(&pagina);
        // From the page's URL the "who" term comes sealed (it may be an e-mail).
        let actor_search = crate::admin::search::open(&state.vault, actor.id, &filter.actor);
        let filter = AuditQuery { actor: actor_search.clone(), ..filter };
        let mut listing = ssr::list(&state.pool, &actor, &filter, page).await?;
        listing.actor_search = actor_search;
        Ok(listing)
    }
}
