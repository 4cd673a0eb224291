//! The account page.

use super::api::my_account;
use leptos::prelude::*;
use leptos_meta::Title;

/// `/cuenta`.
#[component]
pub fn AccountPage() -> impl IntoView {
    let account = Resource::new(|| (), |_| my_account());
    view! {
        <Title text="Mi cuenta"/>
        <section class="panel panel--narrow">
            <h1>"Mi cuenta"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match account.await {
                        Ok(a) => view! {
                            <dl class="facts" data-testid="account">
                                <dt>"Nombre"</dt><dd>{a.full_name}</dd>
                                <dt>"Correo"</dt><dd>{a.email}</dd>
                                <dt>"Perfil"</dt><dd>{a.role_label}</dd>
                                {a.building.map(|b| view! { <dt>"Edificio"</dt><dd>{b}</dd> })}
                                {a.unit.map(|u| view! { <dt>"Departamento"</dt><dd>{u}</dd> })}
                                {a.rut_masked.map(|r| view! { <dt>"RUT"</dt><dd>{r}</dd> })}
                                {a.phone_masked.map(|p| view! { <dt>"Celular"</dt><dd>{p}</dd> })}
                            </dl>
                            <h2>"Mis datos personales"</h2>
                            <ul data-testid="privacy-links">
                                <li><a href="/cuenta/mis-datos">"Ver y descargar mis datos"</a></li>
                                <li><a href="/cuenta/contacto">"Corregir mi correo o celular"</a></li>
                                <li><a href="/cuenta/eliminar">"Eliminar mi cuenta"</a></li>
                                <li><a href="/privacidad">"Aviso de privacidad"</a></li>
                            </ul>
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
            <crate::calendar::panel::CalendarFeedPanel/>
        </section>
    }
}
