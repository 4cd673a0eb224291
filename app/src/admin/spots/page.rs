//! `/admin/estacionamientos`.

use super::api::{list_spots, CloseSpot, CreateSpot, DeactivateSpot, LiftClosure, PlaceSpot, ReactivateSpot};
use super::plan::SpotPlan;
use super::{ClosureRow, SpotListing, SpotRow};
use crate::admin::buildings::page::Input;
use crate::admin::ui::{BuildingFilter, ConfirmPanel};
use crate::ui::form::{server_field_error, FormAlert, Notice};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

/// The spots and closures screen.
#[component]
pub fn SpotsPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateSpot>::new();
    let deactivate = ServerAction::<DeactivateSpot>::new();
    let reactivate = ServerAction::<ReactivateSpot>::new();
    let close = ServerAction::<CloseSpot>::new();
    let lift = ServerAction::<LiftClosure>::new();
    let place = ServerAction::<PlaceSpot>::new();
    let edificio = move || query.with(|q| q.get("edificio").unwrap_or_default());
    let listing = Resource::new(
        move || {
            (
                edificio(),
                create.version().get(),
                deactivate.version().get(),
                reactivate.version().get(),
                close.version().get(),
                lift.version().get(),
                place.version().get(),
            )
        },
        |(e, ..)| list_spots(e),
    );
    let get = move |k: &'static str| query.with(|q| q.get(k)).filter(|s| !s.is_empty());
    view! {
        <Title text="Estacionamientos de visitas"/>
        <section class="panel">
            <h1>"Estacionamientos de visitas"</h1>
            {move || get("guardado").map(|_| view! { <Notice text="Cambios guardados.".to_string()/> })}
            {move || get("cerrado").map(|n| {
                let bookings = get("reservas").and_then(|b| b.parse::<u32>().ok()).unwrap_or(0);
                let tail = match bookings {
                    0 => String::new(),
                    1 => " Hay 1 reserva en ese rango: no se cancela automáticamente, revísala abajo.".to_string(),
                    b => format!(" Hay {b} reservas en ese rango: no se cancelan automáticamente, revísalas abajo."),
                };
                view! { <p class="alert alert--ok" role="status" data-testid="closed">{format!("Cierre registrado: {n} bloques disponibles quedaron bloqueados.{tail}")}</p> }
            })}
            {move || get("ubicado").map(|_| view! { <Notice text="Posición guardada: así se verá en «Buscar».".to_string()/> })}
            {move || get("reabiertos").map(|n| view! { <Notice text=format!("Cierre levantado: {n} bloques volvieron a estar disponibles.")/> })}
            <FormAlert value=deactivate.value()/>
            <FormAlert value=reactivate.value()/>
            <FormAlert value=lift.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match listing.await {
                        Ok(l) => {
                            let confirm_off = get("desactivar").and_then(|id| l.spots.iter().find(|s| s.id == id && s.active).cloned());
                            let confirm_lift = get("levantar").and_then(|id| l.closures.iter().find(|c| c.id == id).cloned());
                            let (bid, heading, buildings) = (l.building_id.clone(), l.building.clone(), l.buildings.clone());
                            let href = format!("/admin/edificios/{bid}");
                            let many = buildings.len() > 1;
                            let confirm_off = confirm_off.map(|s| view! { <ConfirmDeactivate spot=s building=bid.clone() action=deactivate/> });
                            let confirm_lift = confirm_lift.map(|c| view! { <ConfirmLift closure=c building=bid.clone() action=lift/> });
                            let create_form = l.can_edit.then(|| view! { <CreateForm building=bid.clone() create=create/> });
                            let close_form = l.can_edit.then(|| view! { <CloseForm listing=l.clone() close=close/> });
                            let spots = view! { <Spots listing=l.clone() reactivate=reactivate/> };
                            let plan = view! { <SpotPlan listing=l.clone() selected=get("ubicar") place=place/> };
                            let closures = view! { <Closures listing=l/> };
                            view! {
                                {confirm_off}
                                {confirm_lift}
                                <Form method="GET" action="/admin/estacionamientos" attr:class="search-form">
                                    <BuildingFilter buildings=buildings selected=bid all_label="Elige un edificio"/>
                                    {many.then(|| view! { <button type="submit" class="button">"Ver"</button> })}
                                </Form>
                                <h2><A href=href>{heading}</A></h2>
                                {spots}
                                {plan}
                                {create_form}
                                {closures}
                                {close_form}
                            }.into_any()
                        }
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Spots(listing: SpotListing, reactivate: ServerAction<ReactivateSpot>) -> impl IntoView {
    if listing.spots.is_empty() {
        return view! { <p class="empty">"Este edificio aún no tiene estacionamientos de visitas."</p> }.into_any();
    }
    let can_edit = listing.can_edit;
    let building = listing.building_id.clone();
    view! {
        <table class="table" data-testid="spots">
            <caption class="visually-hidden">"Estacionamientos de visitas"</caption>
            <thead><tr>
                <th scope="col">"Número"</th><th scope="col">"Etiqueta"</th><th scope="col">"Descripción"</th>
                <th scope="col">"Bloques disponibles"</th><th scope="col">"Estado"</th><th scope="col">"Acciones"</th>
            </tr></thead>
            <tbody>
                {listing.spots.into_iter().map(|s| {
                    let off = format!("/admin/estacionamientos?edificio={building}&desactivar={}", s.id);
                    let off_label = format!("Desactivar estacionamiento {}", s.number);
                    let on_label = format!("Reactivar estacionamiento {}", s.number);
                    let locate = format!("/admin/estacionamientos?edificio={building}&ubicar={}#plano", s.id);
                    let locate_label = format!("Ubicar estacionamiento {} en el plano", s.number);
                    view! {
                        <tr data-testid="spot">
                            <td>{s.number.clone()}</td><td>{s.label.clone()}</td><td>{s.description.clone()}</td>
                            <td>{s.available}</td><td>{if s.active { "Activo" } else { "Desactivado" }}</td>
                            <td class="actions">{can_edit.then(|| view! { <a class="button button--small button--secondary" href=locate aria-label=locate_label>"Ubicar"</a> })}{can_edit.then(|| if s.active {
                                view! { <a class="button button--small button--danger" href=off aria-label=off_label>"Desactivar"</a> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=reactivate attr:class="inline-form">
                                        <input type="hidden" name="spot_id" value=s.id.clone()/>
                                        <button type="submit" class="button button--small" aria-label=on_label>"Reactivar"</button>
                                    </ActionForm>
                                }.into_any()
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }
    .into_any()
}

#[component]
fn CreateForm(building: String, create: ServerAction<CreateSpot>) -> impl IntoView {
    let err = move |f: &'static str| server_field_error(create.value(), f);
    view! {
        <h2 id="new-spot">"Nuevo estacionamiento"</h2>
        <div data-testid="spot-create">
            <ActionForm action=create attr:class="form" attr:aria-labelledby="new-spot">
                <FormAlert value=create.value()/>
                <input type="hidden" name="building_id" value=building/>
                <Input name="number" label="Número" hint="Por ejemplo V-01." value="" error=err("number")/>
                <Input name="label" label="Etiqueta (opcional)" hint="Por ejemplo «Subterráneo -1»." value="" error=err("label")/>
                <Input name="description" label="Descripción (opcional)" value="" error=err("description")/>
                <button type="submit" class="button">"Crear estacionamiento"</button>
            </ActionForm>
        </div>
    }
}

#[component]
fn Closures(listing: SpotListing) -> impl IntoView {
    let building = listing.building_id.clone();
    let can_edit = listing.can_edit;
    view! {
        <h2>"Cierres por mantención"</h2>
        {if listing.closures.is_empty() {
            view! { <p class="empty">"No hay cierres vigentes ni programados."</p> }.into_any()
        } else {
            view! {
                <p class="muted">"Las reservas que coinciden con un cierre no se cancelan automáticamente: contacta al residente o cancélalas desde Reservas."</p>
                <table class="table" data-testid="closures">
                    <caption class="visually-hidden">"Cierres por mantención"</caption>
                    <thead><tr>
                        <th scope="col">"Estacionamiento"</th><th scope="col">"Desde – hasta"</th><th scope="col">"Motivo"</th>
                        <th scope="col">"Reservas que coinciden"</th><th scope="col">"Acciones"</th>
                    </tr></thead>
                    <tbody>
                        {listing.closures.into_iter().map(|c| {
                            let href = format!("/admin/estacionamientos?edificio={building}&levantar={}", c.id);
                            let label = format!("Levantar cierre de {}", c.spot);
                            view! {
                                <tr data-testid="closure">
                                    <td>{c.spot.clone()}</td><td>{c.range.clone()}</td><td>{c.reason.clone()}</td>
                                    <td>{if c.bookings.is_empty() {
                                        view! { "Ninguna" }.into_any()
                                    } else {
                                        view! { <ul class="plain">{c.bookings.iter().map(|b| view! { <li>{format!("{} · {} · {}", b.code, b.window, b.status)}</li> }).collect_view()}</ul> }.into_any()
                                    }}</td>
                                    <td>{can_edit.then(|| view! { <a class="button button--small button--secondary" href=href aria-label=label>"Levantar"</a> })}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}
    }
}

#[component]
fn CloseForm(listing: SpotListing, close: ServerAction<CloseSpot>) -> impl IntoView {
    let err = move |f: &'static str| server_field_error(close.value(), f);
    let spots: Vec<SpotRow> = listing.spots.into_iter().filter(|s| s.active).collect();
    if spots.is_empty() {
        return ().into_any();
    }
    view! {
        <h2 id="close-spot">"Cerrar un estacionamiento por mantención"</h2>
        <div data-testid="spot-close">
            <ActionForm action=close attr:class="form" attr:aria-labelledby="close-spot">
                <FormAlert value=close.value()/>
                <div class="field">
                    <label for="spot_id">"Estacionamiento"</label>
                    <select id="spot_id" name="spot_id">
                        {spots.into_iter().map(|s| view! { <option value=s.id>{s.number}</option> }).collect_view()}
                    </select>
                </div>
                <Input name="desde" label="Desde" input_type="datetime-local" value="" error=err("desde")/>
                <Input name="hasta" label="Hasta" input_type="datetime-local" value="" error=err("hasta")/>
                <Input name="reason" label="Motivo" hint="Por ejemplo «Pintura de demarcación»." value="" error=err("reason")/>
                <p class="muted">"Los bloques disponibles del rango quedan bloqueados; las reservas existentes se mantienen y se muestran arriba."</p>
                <button type="submit" class="button">"Cerrar por mantención"</button>
            </ActionForm>
        </div>
    }
    .into_any()
}

#[component]
fn ConfirmDeactivate(spot: SpotRow, building: String, action: ServerAction<DeactivateSpot>) -> impl IntoView {
    view! {
        <ConfirmPanel
            title=format!("¿Desactivar el estacionamiento {}?", spot.number)
            text=format!("Sus {} bloques disponibles a futuro quedarán bloqueados y no se generarán nuevos. Las reservas existentes se mantienen.", spot.available)
            back=format!("/admin/estacionamientos?edificio={building}")
            testid="confirm-deactivate"
        >
            <ActionForm action=action attr:class="inline-form">
                <input type="hidden" name="spot_id" value=spot.id/>
                <button type="submit" class="button button--danger">"Sí, desactivar"</button>
            </ActionForm>
        </ConfirmPanel>
    }
}

#[component]
fn ConfirmLift(closure: ClosureRow, building: String, action: ServerAction<LiftClosure>) -> impl IntoView {
    view! {
        <ConfirmPanel
            title=format!("¿Levantar el cierre de {}?", closure.spot)
            text=format!("{} ({}). Sus bloques bloqueados volverán a estar disponibles, salvo los que cubra otro cierre.", closure.range, closure.reason)
            back=format!("/admin/estacionamientos?edificio={building}")
            testid="confirm-lift"
        >
            <ActionForm action=action attr:class="inline-form">
                <input type="hidden" name="closure_id" value=closure.id/>
                <button type="submit" class="button button--danger">"Sí, levantar"</button>
            </ActionForm>
        </ConfirmPanel>
    }
}
