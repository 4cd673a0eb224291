//! How a page shows a server error: "not logged in" sends the person to the login page; any
//! other error is shown in Spanish where the content would be.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_router::components::Redirect;

/// The view for a failed page load.
pub fn error_view(err: AppError) -> AnyView {
    match err {
        AppError::Unauthenticated => view! { <Redirect path="/ingresar"/> }.into_any(),
        other => view! { <p class="alert alert--error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}
