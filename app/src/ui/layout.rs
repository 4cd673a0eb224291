//! The frame around every page: skip link, header with navigation (which depends on who is
//! logged in), main landmark, footer.

use crate::domain::role::Role;
use crate::identity::api::{who_am_i, LogOut};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_location};

/// Page frame. `children` is the routed page, placed inside `<main id="contenido">`.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    let location = use_location();
    // Keyed on the path so the header follows logins and logouts as the person navigates.
    let me = Resource::new(move || location.pathname.get(), |_| who_am_i());
    let log_out = ServerAction::<LogOut>::new();

    view! {
        <a class="skip-link" href="#contenido">"Saltar al contenido"</a>
        <header class="site-header">
            <div class="site-header__inner">
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"E"</span>
                    <span class="brand__name">"Estacionate"</span>
                </A>
                <nav class="site-nav" aria-label="Navegación principal">
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match me.await.ok().flatten() {
                                Some(user) => view! {
                                    <ul>
                                        {(user.role == Role::Resident).then(|| view! {
                                            <li><A href="/buscar">"Buscar"</A></li>
                                            <li><A href="/mis-reservas">"Mis reservas"</A></li>
                                            <li><A href="/mis-visitas">"Mis visitas"</A></li>
                                        })}
                                        {matches!(user.role, Role::Concierge | Role::BuildingAdmin).then(|| view! { <li><A href="/conserjeria">"Conserjería"</A></li> })}
                                        {user.role.administers().then(|| view! { <li><A href="/admin">"Administración"</A></li> })}
                                        {(user.role == Role::SalesRep).then(|| view! { <li><A href="/ventas">"Ventas"</A></li> })}
                                        <li><A href="/cuenta">"Mi cuenta"</A></li>
                                        <li>
                                            <ActionForm action=log_out attr:class="nav-form">
                                                <button type="submit" class="nav-button">
                                                    {format!("Salir ({})", first_name(&user.name))}
                                                </button>
                                            </ActionForm>
                                        </li>
                                    </ul>
                                }.into_any(),
                                None => view! {
                                    <ul>
                                        <li><A href="/ingresar">"Ingresar"</A></li>
                                        <li><A href="/registro">"Crear cuenta"</A></li>
                                    </ul>
                                }.into_any(),
                            }
                        })}
                    </Transition>
                </nav>
            </div>
        </header>
        <main id="contenido" class="site-main" tabindex="-1">
            {children()}
        </main>
        <footer class="site-footer">
            <div class="site-footer__inner">
                <p>"Estacionate · Estacionamientos de visita para edificios residenciales en Chile."</p>
                <p class="site-footer__small">"Tus datos personales se guardan cifrados. Precios en pesos chilenos (CLP), IVA incluido."</p>
            </div>
        </footer>
    }
}

fn first_name(full: &str) -> &str {
    full.split_whitespace().next().unwrap_or(full)
}
