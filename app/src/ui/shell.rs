//! The frame of a screen and the wait for its data, written once.

use crate::error::AppError;
use leptos::prelude::*;
use leptos_meta::Title;

/// A screen: its `<title>`, the panel and the heading, then the children.
#[component]
pub fn PageShell(
    /// The title, shown as the heading too.
    title: &'static str,
    /// What follows the heading.
    children: Children,
) -> impl IntoView {
    view! {
        <Title text=title/>
        <section class="panel">
            <h1>{title}</h1>
            {children()}
        </section>
    }
}

/// "Cargando…" until `resource` has loaded, then `render` of its value, or the error's page.
pub fn loaded<T, F>(resource: Resource<Result<T, AppError>>, render: F) -> impl IntoView
where
    T: Clone + Send + Sync + serde::Serialize + serde::de::DeserializeOwned + 'static,
    F: Fn(T) -> AnyView + Clone + Send + Sync + 'static,
{
    view! {
        <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
            {move || {
                let render = render.clone();
                Suspend::new(async move {
                    match resource.await {
                        Ok(value) => render(value),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })
            }}
        </Suspense>
    }
}
