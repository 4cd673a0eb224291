//! Server function of the bookings screen (cancelling uses `payments::api::cancel_booking`,
//! which gives staff in scope the full refund through the state machine).

use super::{BookingListing, BookingQuery};
use crate::error::AppError;
use leptos::prelude::*;

/// One page of the bookings matching the filter, in the caller's scope.
#[server(prefix = "/api", endpoint = "admin/bookings")]
pub async fn list_bookings(filter: BookingQuery, pagina: String) -> Result<BookingListing, AppError> {
    crate::ssr::error::serve(handlers::list(filter, pagina)).await
}

/// The handler of the server function above.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{BookingListing, BookingQuery};
    use crate::admin::{bookings::ssr, scope};
    use crate::ssr::ServerResult;
    use crate::ui::pager;

    /// See [`super::list_bookings`].
    pub(super) async fn list(filter: BookingQuery, pagina: String) -> ServerResult<BookingListing> {
        let (state, actor) = scope::staff().await?;
        let parsed = ssr::parse_filter(&actor, &filter)?;
        let page = pager::number(&pagina);
        ssr::list(&state.pool, &actor, &parsed, page).await
    }
}
