//! How a page shows a server error: "not logged in" sends the person to the login page (with
//! the page they were on, so they come back to it); any other error is shown in Spanish where
//! the content would be.

use crate::domain::return_path::ReturnPath;
use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::{components::Redirect, hooks::use_location};

/// The view for a failed page load.
pub fn error_view(err: AppError) -> AnyView {
    match err {
        AppError::Unauthenticated => view! { <Redirect path=login_url_from_here()/> }.into_any(),
        other => view! { <p class="alert alert--error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// `/ingresar?volver=<this page>`, or plain `/ingresar` when this page's URL is not a safe
/// return path.
fn login_url_from_here() -> String {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let search = location.search.get_untracked();
    let here = if search.is_empty() { path } else { format!("{path}?{search}") };
    ReturnPath::parse(&here).map_or_else(|| "/ingresar".to_string(), |p| p.login_url())
}
