//! `/admin/reservas`.

use super::api::list_bookings;
use super::{AdminBooking, BookingListing, BookingQuery, REFUND_FILTERS};
use crate::domain::booking::BookingStatus;
use crate::payments::api::RetryRefund;
use crate::ui::admin::{BuildingFilter, ChoiceFilter, FilterField, RowLink};
use crate::ui::pager::Pager;
use crate::ui::shell::PageShell;
use leptos::form::ActionForm;
use leptos::prelude::*;
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
        <PageShell title="Reservas">
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let (filter, _) = params();
                    match listing.await {
                        Ok(l) => view! { <Filters filter=filter.clone() buildings=l.buildings.clone()/> <Results listing=l filter=filter/> }.into_any(),
                        Err(e) => view! { <Filters filter=filter buildings=Vec::new()/> {crate::ui::errors::error_view(e)} }.into_any(),
                    }
                })}
            </Suspense>
        </PageShell>
    }
}

#[component]
fn Filters(filter: BookingQuery, buildings: Vec<crate::admin::BuildingChoice>) -> impl IntoView {
    let statuses = BookingStatus::ALL.into_iter().map(|s| (s.as_str().to_string(), s.label_es().to_string())).collect();
    let refunds = REFUND_FILTERS.into_iter().map(|(value, _, label)| (value.to_string(), label.to_string())).collect();
    view! {
        <Form method="GET" action="/admin/reservas" attr:class="search-form">
            <ChoiceFilter name="estado" label="Estado" choices=statuses selected=filter.estado/>
            <FilterField name="desde" label="Desde" input_type="date" value=filter.desde/>
            <FilterField name="hasta" label="Hasta" input_type="date" value=filter.hasta/>
            <ChoiceFilter name="reembolso" label="Reembolso" choices=refunds selected=filter.reembolso/>
            <BuildingFilter buildings=buildings selected=filter.edificio/>
            <FilterField name="buscar" label="Patente, código o visita" value=filter.buscar/>
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
            <td>{retry_form}{b.cancellable.then(|| view! { <RowLink href=cancel label=label text="Cancelar" kind="danger"/> })}</td>
        </tr>
    }
}
