//! Server functions of booking.

use super::{BlockQuote, GuestPass, MyBooking, SearchResult};
use crate::error::AppError;
use leptos::prelude::*;

/// Availability of the resident's building on `date` (`aaaa-mm-dd`, default today in the
/// building's zone), optionally one block type.
#[server(prefix = "/api", endpoint = "booking/search")]
pub async fn search_blocks(date: Option<String>, kind: Option<String>) -> Result<SearchResult, AppError> {
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    let date = date.and_then(|d| chrono::NaiveDate::parse_from_str(d.trim(), "%Y-%m-%d").ok());
    let kind = kind.filter(|k| !k.trim().is_empty());
    finish(super::ssr::search(&state.pool, &actor, date, kind.as_deref(), chrono::Utc::now()).await)
}

/// The summary of a block before booking it.
#[server(prefix = "/api", endpoint = "booking/quote")]
pub async fn quote_block(block_id: String) -> Result<BlockQuote, AppError> {
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    let block_id = finish::<_, AppError>(uuid::Uuid::parse_str(block_id.trim()).map_err(|_| AppError::NotFound))?;
    finish(super::ssr::quote_block(&state.pool, &actor, block_id, chrono::Utc::now()).await)
}

/// Books a block for a visitor: a pending booking held while the resident pays, then on to
/// payment.
#[server(prefix = "/api", endpoint = "booking/book")]
pub async fn book_block(block_id: String, visitor_name: String, plate: String, visitor_phone: String) -> Result<(), AppError> {
    use crate::domain::{names::VisitorName, phone::MobilePhone, plate::Plate};
    use crate::error::FieldError;
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(
        crate::ssr::rate_limit::check(&*state.rate_limiter, crate::ssr::rate_limit::BOOKING_PER_ACCOUNT, &actor.id.to_string())
            .await,
    )?;
    let block_id = finish::<_, AppError>(uuid::Uuid::parse_str(block_id.trim()).map_err(|_| AppError::NotFound))?;
    let mut fields = Vec::new();
    let visitor_name = VisitorName::parse(&visitor_name)
        .map_err(|e| fields.push(FieldError { field: "visitor_name".into(), message: e.to_string() }))
        .ok();
    let plate = Plate::parse(&plate)
        .map_err(|e| fields.push(FieldError { field: "plate".into(), message: e.to_string() }))
        .ok();
    let visitor_phone = if visitor_phone.trim().is_empty() {
        Some(None)
    } else {
        MobilePhone::parse(&visitor_phone)
            .map(Some)
            .map_err(|e| fields.push(FieldError { field: "visitor_phone".into(), message: e.to_string() }))
            .ok()
    };
    let (Some(visitor_name), Some(plate), Some(visitor_phone)) = (visitor_name, plate, visitor_phone) else {
        return finish::<(), AppError>(Err(AppError::Invalid { message: "Revisa los datos de tu visita.".into(), fields }));
    };
    let new = super::ssr::NewBooking { block_id, visitor_name, plate, visitor_phone };
    let created = finish(super::ssr::create(&state.pool, &state.vault, &state.blind_index, &actor, new, &meta).await)?;
    // Checkout is a GET page: a form post may not end on the gateway's site (form-action 'self').
    leptos_axum::redirect(&format!("/pago/ir/{}", created.booking_id));
    Ok(())
}

/// The caller's bookings.
#[server(prefix = "/api", endpoint = "booking/mine")]
pub async fn my_bookings() -> Result<Vec<MyBooking>, AppError> {
    use crate::ssr::{actor, app_state, error::finish};
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(super::ssr::my_bookings(&state.pool, &actor, chrono::Utc::now()).await)
}

/// A guest pass by its token (no login).
#[server(prefix = "/api", endpoint = "booking/guest_pass")]
pub async fn load_guest_pass(token: String) -> Result<GuestPass, AppError> {
    use crate::ssr::{app_state, error::finish};
    let state = app_state()?;
    if token.len() < 32 || token.len() > 64 {
        return finish::<GuestPass, AppError>(Err(AppError::NotFound));
    }
    let mut pass = finish(super::ssr::guest_pass(&state.pool, &token, &state.settings.public_origin, chrono::Utc::now()).await)?;
    // Shared links leave the site: they carry the public origin.
    pass.url = format!("{}{}", state.settings.public_origin, pass.url);
    Ok(pass)
}
