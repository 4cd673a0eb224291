//! The 404 page: rendered for any unknown path, with the HTTP status set to 404 on the server.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

/// "Página no encontrada", with a way back home.
#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }

    view! {
        <Title text="Página no encontrada"/>
        <section class="panel panel--narrow">
            <h1>"Página no encontrada"</h1>
            <p>"La dirección que abriste no existe o ya no está disponible."</p>
            <p><A href="/" attr:class="button">"Volver al inicio"</A></p>
        </section>
    }
}
