//! Server functions of booking.

use super::SearchResult;
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
