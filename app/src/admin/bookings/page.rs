//! `/admin/reservas`.

use super::api::list_bookings;
use super::{AdminBooking, BookingListing, BookingQuery, REFUND_FILTERS};
use crate::admin::ui::{BuildingFilter, Pager};
use crate::domain::booking::BookingStatus;
use crate::payments::api::RetryRefund;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::Form, hooks::use_query_map};

/// The bookings screen.
#[component]
pub fn AdminBookingsPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            (
                BookingQuery {
                    estado: get("estado"),
                    desde: get("desde"),
                    hasta: get("hasta"),
                    edificio: get("edificio"),
                    buscar: get("buscar"),
                    reembolso: get("reembolso"),
                },
                get("pagina"),
            )
        })
    };
    let listing = Resource::new(params, |(filter, page)| list_bookings(filter, page));
    view! {
        <Title text="Reservas"/>
        <section class="panel">
            <h1>"Reservas"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let (filter, _) = params();
                    match listing.await {
                        Ok(l) => view! { <Filters filter=filter.clone() buildings=l.buildings.clone()/> <Results listing=l filter=filter/> }.into_any(),
                        Err(e) => view! { <Filters filter=filter buildings=Vec::new()/> {crate::ui::errors::error_view(e)} }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Filters(filter: BookingQuery, buildings: Vec<crate::admin::BuildingChoice>) -> impl IntoView {
    let estado = filter.estado.clone();
    let reembolso = filter.reembolso.clone();
    view! {
        <Form method="GET" action="/admin/reservas" attr:class="search-form">
            <div class="field">
                <label for="estado">"Estado"</label>
                <select id="estado" name="estado">
                    <option value="" selected=estado.is_empty()>"Todos"</option>
                    {BookingStatus::ALL.into_iter().map(|s| {
                        let is = s.as_str() == estado;
                        view! { <option value=s.as_str() selected=is>{s.label_es()}</option> }
                    }).collect_view()}
                </select>
            </div>
            <div class="field">
                <label for="desde">"Desde"</label>
                <input id="desde" name="desde" type="date" value=filter.desde/>
            </div>
            <div class="field">
                <label for="hasta">"Hasta"</label>
                <input id="hasta" name="hasta" type="date" value=filter.hasta/>
            </div>
            <div class="field">
                <label for="reembolso">"Reembolso"</label>
                <select id="reembolso" name="reembolso">
                    <option value="" selected=reembolso.is_empty()>"Todos"</option>
                    {REFUND_FILTERS.into_iter().map(|(value, _, label)| {
                        let is = value == reembolso;
                        view! { <option value=value selected=is>{label}</option> }
                    }).collect_view()}
                </select>
            </div>
            <BuildingFilter buildings=buildings selected=filter.edificio/>
            <div class="field">
                <label for="buscar">"Patente, código o visita"</label>
                <input id="buscar" name="buscar" type="search" value=filter.buscar/>
            </div>
            <button type="submit" class="button">"Filtrar"</button>
        </Form>
    }
}

#[component]
fn Results(listing: BookingListing, filter: BookingQuery) -> impl IntoView {
    let retry = ServerAction::<RetryRefund>::new();
    let qs = filter.to_query_string();
    let export = if qs.is_empty() { "/admin/reservas/exportar".to_string() } else { format!("/admin/reservas/exportar?{qs}") };
    let summary = match listing.total {
        0 => "Ninguna reserva coincide con el filtro.".to_string(),
        1 => "1 reserva.".to_string(),
        n => format!("{n} reservas."),
    };
    view! {
        <div class="actions">
            <p data-testid="bookings-total">{summary}</p>
            // A download, not a page: a plain link (rel=external keeps the router out of it).
            <a class="button button--secondary" href=export rel="external" download="" data-testid="export-csv">"Exportar CSV"</a>
        </div>
        {(!listing.rows.is_empty()).then(|| view! {
            <div class="table-wrap">
                <table class="table" data-testid="bookings">
                    <caption class="visually-hidden">"Reservas"</caption>
                    <thead><tr>
                        <th scope="col">"Código"</th><th scope="col">"Edificio"</th><th scope="col">"Estac."</th>
                        <th scope="col">"Inicio"</th><th scope="col">"Término"</th><th scope="col">"Visita"</th>
                        <th scope="col">"Patente"</th><th scope="col">"Estado"</th><th scope="col">"Monto"</th>
                        <th scope="col">"Reembolso"</th><th scope="col"><span class="visually-hidden">"Acciones"</span></th>
                    </tr></thead>
                    <tbody>{listing.rows.into_iter().map(|b| row(b, retry)).collect_view()}</tbody>
                </table>
            </div>
        })}
        <Pager path="/admin/reservas" query=qs page=listing.page pages=listing.pages/>
    }
}

fn row(b: AdminBooking, retry: ServerAction<RetryRefund>) -> impl IntoView {
    let cancel = format!("/reservas/cancelar?reserva={}", b.id);
    let label = format!("Cancelar la reserva {}", b.code);
    let retry_label = format!("Reintentar el reembolso de la reserva {}", b.code);
    let id = b.id.clone();
    // A plain POST form: works without JavaScript, no confirmation step (retrying is harmless:
    // the same idempotency key, and a refund already being retried is not claimed twice).
    let retry_form = b.refund_failed.then(|| view! {
        <ActionForm action=retry attr:class="inline-form">
            <input type="hidden" name="booking_id" value=id/>
            <button type="submit" class="button button--small" aria-label=retry_label data-testid="retry-refund">"Reintentar reembolso"</button>
        </ActionForm>
    });
    view! {
        <tr data-testid="booking-row">
            <td class="mono">{b.code}</td><td>{b.building}</td><td>{b.spot}</td>
            <td>{b.starts}</td><td>{b.ends}</td><td>{b.visitor}</td>
            <td class="mono">{b.plate}</td><td>{b.status}</td><td>{b.amount}</td>
            <td data-testid="refund-state">{b.refund}</td>
            <td>{retry_form}{b.cancellable.then(|| view! { <a class="button button--small button--danger" href=cancel aria-label=label>"Cancelar"</a> })}</td>
        </tr>
    }
}
