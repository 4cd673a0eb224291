//! Server functions of booking. Each one decodes its form and hands it to its handler (below,
//! server only), whose outcome it converts once.

use super::{BlockQuote, GuestPass, MyBooking, SearchResult};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// Availability of the resident's building on `date` (`aaaa-mm-dd`, default today in the
/// building's zone), optionally one block type.
#[server(prefix = "/api", endpoint = "booking/search")]
pub async fn search_blocks(date: Option<String>, kind: Option<String>) -> Result<SearchResult, AppError> {
    serve(handlers::search(date, kind)).await
}

/// The summary of a block before booking it.
#[server(prefix = "/api", endpoint = "booking/quote")]
pub async fn quote_block(block_id: String) -> Result<BlockQuote, AppError> {
    serve(handlers::quote(block_id)).await
}

/// Books a block for a visitor: a pending booking held while the resident pays, then on to
/// payment.
#[server(prefix = "/api", endpoint = "booking/book")]
pub async fn book_block(block_id: String, visitor_name: String, plate: String, visitor_phone: String) -> Result<(), AppError> {
    serve(handlers::book(block_id, visitor_name, plate, visitor_phone)).await
}

/// The caller's bookings.
#[server(prefix = "/api", endpoint = "booking/mine")]
pub async fn my_bookings() -> Result<Vec<MyBooking>, AppError> {
    serve(handlers::mine()).await
}

/// A guest pass by its token (no login).
#[server(prefix = "/api", endpoint = "booking/guest_pass")]
pub async fn load_guest_pass(token: String) -> Result<GuestPass, AppError> {
    serve(handlers::guest_pass(token)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{BlockQuote, GuestPass, MyBooking, SearchResult};
    use crate::booking::ssr;
    use crate::domain::{names::VisitorName, phone::MobilePhone, plate::Plate};
    use crate::error::{AppError, FieldErrors};
    use crate::ssr::{actor, app_state, rate_limit, ServerResult};
    use chrono::Utc;
    use uuid::Uuid;

    /// See [`super::search_blocks`].
    pub(super) async fn search(date: Option<String>, kind: Option<String>) -> ServerResult<SearchResult> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        let date = date.and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
        let kind = kind.filter(|k| !k.trim().is_empty());
        ssr::search(&state.pool, &actor, date, kind.as_deref(), Utc::now()).await
    }

    /// See [`super::quote_block`].
    pub(super) async fn quote(block_id: String) -> ServerResult<BlockQuote> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        let block_id = Uuid::parse_str(block_id.trim()).map_err(|_| AppError::NotFound)?;
        ssr::quote_block(&state.pool, &actor, block_id, Utc::now()).await
    }

    /// See [`super::book_block`].
    pub(super) async fn book(block_id: String, visitor_name: String, plate: String, visitor_phone: String) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_actor(&state.pool).await?;
        rate_limit::check(&*state.rate_limiter, rate_limit::BOOKING_PER_ACCOUNT, &actor.id.to_string()).await?;
        let block_id = Uuid::parse_str(block_id.trim()).map_err(|_| AppError::NotFound)?;
        let mut errors = FieldErrors::new();
        let visitor_name = errors.check("visitor_name", VisitorName::parse(&visitor_name));
        let plate = errors.check("plate", Plate::parse(&plate));
        let visitor_phone = if visitor_phone.trim().is_empty() {
            Some(None)
        } else {
            errors.check("visitor_phone", MobilePhone::parse(&visitor_phone)).map(Some)
        };
        let (Some(visitor_name), Some(plate), Some(visitor_phone)) = (visitor_name, plate, visitor_phone) else {
            return Err(errors.into_error_with("Revisa los datos de tu visita.").into());
        };
        let new = ssr::NewBooking { block_id, visitor_name, plate, visitor_phone };
        let created = ssr::create(&state.pool, &state.vault, &state.blind_index, &actor, new, &meta).await?;
        // Checkout is a GET page: a form post may not end on the gateway's site (form-action 'self').
        leptos_axum::redirect(&format!("/pago/ir/{}", created.booking_id));
        Ok(())
    }

    /// See [`super::my_bookings`].
    pub(super) async fn mine() -> ServerResult<Vec<MyBooking>> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        ssr::my_bookings(&state.pool, &actor, Utc::now()).await
    }

    /// See [`super::load_guest_pass`].
    pub(super) async fn guest_pass(token: String) -> ServerResult<GuestPass> {
        let state = app_state()?;
        if token.len() < 32 || token.len() > 64 {
            return Err(AppError::NotFound.into());
        }
        let mut pass = ssr::guest_pass(&state.pool, &token, &state.settings.public_origin, Utc::now()).await?;
        // Shared links leave the site: they carry the public origin.
        pass.url = format!("{}{}", state.settings.public_origin, pass.url);
        Ok(pass)
    }
}
