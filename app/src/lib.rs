//! Estacionate: the Leptos application, compiled twice — to WebAssembly with the `hydrate`
//! feature and into the server with `ssr`. Pages, server functions and the pure domain rules
//! live here; the axum binary in `server/` only wires them to HTTP.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod account;
pub mod admin;
pub mod availability;
pub mod booking;
pub mod calendar;
pub mod concierge;
pub mod domain;
pub mod error;
pub mod home;
pub mod identity;
mod lazy;
pub mod messages;
pub mod payments;
pub mod privacy;
pub mod sales;
pub mod ui;
pub mod visitors;

#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Link, Meta, MetaTags, Stylesheet, Title};
use leptos_router::{
    components::{Route, Router, Routes},
    path, Lazy, SsrMode, StaticSegment,
};

/// The name cargo-leptos gives the CSS, JS and wasm files under `/pkg` (see `[[workspace.metadata.leptos]]`).
pub const OUTPUT_NAME: &str = "estacionate";

/// The HTML document around the application. The server renders it for every page; the
/// hydration scripts it emits carry the per-response CSP nonce that leptos_axum provides.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="es-CL">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <AutoReload options=options.clone()/>
                <HydrationScripts options/>
                // "Compartir" on guest passes (see booking::share): a small module, same origin.
                <script type="module" src="/share.js" nonce=leptos::nonce::use_nonce()></script>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

/// Every route renders with `SsrMode::Async`: the server waits for the page's data and sends
/// complete HTML, so pages work without JavaScript (out-of-order streaming would need a script
/// to swap the data in) and server code can still set status codes and redirects.
///
/// The application: metadata, stylesheet and the router with every page.
#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();

    view! {
        <Stylesheet id="leptos" href=format!("/pkg/{OUTPUT_NAME}.css")/>
        <Link rel="icon" type_="image/svg+xml" href="/favicon.svg"/>
        <Meta name="description" content="Reserva estacionamientos de visita en tu edificio, paga en línea y envía el pase a tu visita por WhatsApp."/>
        <Meta name="theme-color" content="#0b4f6c"/>
        <Title formatter=|text: String| if text.is_empty() { "Estacionate".to_string() } else { format!("{text} · Estacionate") }/>
        <Router>
            <ui::layout::Layout>
                <Routes fallback=ui::not_found::NotFound>
                    <Route path=StaticSegment("") view=home::pages::HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/registro") view=identity::pages::signup::SignupPage ssr=SsrMode::Async/>
                    <Route path=path!("/ingresar") view=identity::pages::login::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/recuperar") view=identity::pages::reset::RequestResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/recuperar/codigo") view=identity::pages::reset::ConfirmResetPage ssr=SsrMode::Async/>
                    <Route path=path!("/buscar") view=booking::pages::SearchPage ssr=SsrMode::Async/>
                    <Route path=path!("/reservar/:block") view=booking::pages::BookPage ssr=SsrMode::Async/>
                    <Route path=path!("/mis-reservas") view=booking::pages::MyBookingsPage ssr=SsrMode::Async/>
                    <Route path=path!("/mis-visitas") view=visitors::page::VisitorsPage ssr=SsrMode::Async/>
                    <Route path=path!("/pase/:token") view=booking::pages::GuestPassPage ssr=SsrMode::Async/>
                    <Route path=path!("/conserjeria") view=concierge::pages::GatePage ssr=SsrMode::Async/>
                    <Route path=path!("/ventas") view=sales::pages::SalesPage ssr=SsrMode::Async/>
                    <Route path=path!("/cuenta") view=account::pages::AccountPage ssr=SsrMode::Async/>
                    <Route path=path!("/cuenta/mis-datos") view=privacy::pages::MyDataPage ssr=SsrMode::Async/>
                    <Route path=path!("/cuenta/contacto") view=privacy::pages::ContactPage ssr=SsrMode::Async/>
                    <Route path=path!("/cuenta/celular") view=privacy::pages::PhonePage ssr=SsrMode::Async/>
                    <Route path=path!("/cuenta/celular/codigo") view=privacy::pages::PhoneCodePage ssr=SsrMode::Async/>
                    <Route path=path!("/cuenta/eliminar") view=privacy::pages::ErasurePage ssr=SsrMode::Async/>
                    <Route path=path!("/privacidad") view=privacy::pages::PrivacyNoticePage ssr=SsrMode::Async/>
                    <Route path=path!("/admin/privacidad") view={Lazy::<lazy::ErasureRequestsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin") view={Lazy::<lazy::AdminHomeRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/residentes") view={Lazy::<lazy::ApprovalsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/bloqueos") view={Lazy::<lazy::BlocklistPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/reservas") view={Lazy::<lazy::AdminBookingsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/residentes/todos") view={Lazy::<lazy::ResidentsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/precios") view={Lazy::<lazy::PricingPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/edificios") view={Lazy::<lazy::BuildingsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/edificios/:id") view={Lazy::<lazy::BuildingPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/unidades") view={Lazy::<lazy::UnitsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/estacionamientos") view={Lazy::<lazy::SpotsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/bloques") view={Lazy::<lazy::TemplatesPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/auditoria") view={Lazy::<lazy::AuditPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/personal") view={Lazy::<lazy::StaffPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/analitica") view={Lazy::<lazy::AnalyticsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/liquidaciones") view={Lazy::<lazy::PayoutsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/vendedores") view={Lazy::<lazy::SalesRepsPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/mensajes") view={Lazy::<lazy::MessagesPageRoute>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/pago/ir/:id") view=payments::pages::GoToCheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/pago/simulador/:id") view=payments::pages::SimulatorCheckoutPage ssr=SsrMode::Async/>
                    <Route path=path!("/pago/exito") view=payments::pages::PaymentSuccessPage ssr=SsrMode::Async/>
                    <Route path=path!("/pago/pendiente") view=payments::pages::PaymentPendingPage ssr=SsrMode::Async/>
                    <Route path=path!("/pago/fallido") view=payments::pages::PaymentFailedPage ssr=SsrMode::Async/>
                    <Route path=path!("/reservas/cancelar") view=payments::pages::CancelBookingPage ssr=SsrMode::Async/>
                </Routes>
            </ui::layout::Layout>
        </Router>
    }
}

/// Browser entry point: attaches the reactive system to the server-rendered HTML. The admin
/// screens are lazy routes (see [`lazy`]): hydration waits for the chunk of the page shown.
#[cfg(feature = "hydrate")]
#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Spawned on wasm-bindgen's own executor: Leptos's starts inside `hydrate_from_async`.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else { return };
        leptos::mount::hydrate_from_async(body, App).await.forget();
        // A marker for end-to-end tests (and nothing else): the page is interactive from here on.
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("data-hydrated", "true");
        }
    });
}
