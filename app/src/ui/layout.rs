//! The frame around every page: skip link, header with navigation, main landmark, footer.

use leptos::prelude::*;
use leptos_router::components::A;

/// Page frame. `children` is the routed page, placed inside `<main id="contenido">`.
#[component]
pub fn Layout(children: Children) -> impl IntoView {
    view! {
        <a class="skip-link" href="#contenido">"Saltar al contenido"</a>
        <header class="site-header">
            <div class="site-header__inner">
                <A href="/" attr:class="brand">
                    <span class="brand__mark" aria-hidden="true">"E"</span>
                    <span class="brand__name">"Estacionate"</span>
                </A>
                <nav class="site-nav" aria-label="Navegación principal">
                    <ul>
                        <li><A href="/">"Inicio"</A></li>
                    </ul>
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
