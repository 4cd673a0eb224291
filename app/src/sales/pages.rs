//! `/ventas`.

use super::api::load_sales_dashboard;
use leptos::prelude::*;
use leptos_meta::Title;

/// The sales rep's dashboard.
#[component]
pub fn SalesPage() -> impl IntoView {
    let data = Resource::new(|| (), |_| load_sales_dashboard());
    view! {
        <Title text="Panel de ventas"/>
        <section class="panel">
            <h1>"Panel de ventas"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! {
                            <ul class="tiles">
                                <li class="tile"><p>"Comisiones totales"</p><strong data-testid="total">{d.total}</strong></li>
                                <li class="tile"><p>"Este mes"</p><strong>{d.this_month}</strong></li>
                                <li class="tile"><p>"Por pagar"</p><strong>{d.pending}</strong></li>
                            </ul>
                            <h2>"Mis edificios"</h2>
                            {if d.buildings.is_empty() {
                                view! { <p class="empty">"Aún no tienes edificios asignados."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="table" data-testid="rep-buildings">
                                        <caption class="visually-hidden">"Edificios asignados"</caption>
                                        <thead><tr><th scope="col">"Edificio"</th><th scope="col">"Dirección"</th><th scope="col">"Tu tasa"</th><th scope="col">"Estado"</th><th scope="col">"Comisiones"</th></tr></thead>
                                        <tbody>
                                            {d.buildings.into_iter().map(|b| view! {
                                                <tr><td>{b.name}</td><td>{b.address}</td><td>{b.rate}</td><td>{b.status}</td><td>{b.earned}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                            <h2>"Comisiones recientes"</h2>
                            {if d.commissions.is_empty() {
                                view! { <p class="empty">"Las comisiones aparecen cuando se concilian los pagos diarios de tus edificios."</p> }.into_any()
                            } else {
                                view! {
                                    <table class="table">
                                        <caption class="visually-hidden">"Comisiones recientes"</caption>
                                        <thead><tr><th scope="col">"Edificio"</th><th scope="col">"Día"</th><th scope="col">"Recaudado del día"</th><th scope="col">"Comisión de la plataforma"</th><th scope="col">"Tu comisión"</th><th scope="col">"Estado"</th></tr></thead>
                                        <tbody>
                                            {d.commissions.into_iter().map(|c| view! {
                                                <tr><td>{c.building}</td><td>{c.day}</td><td>{c.payout_gross}</td><td>{c.payout_commission}</td><td>{c.amount}</td><td>{c.status}</td></tr>
                                            }).collect_view()}
                                        </tbody>
                                    </table>
                                }.into_any()
                            }}
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}
