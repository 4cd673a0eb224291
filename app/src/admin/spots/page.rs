//! `/admin/estacionamientos`.

use super::api::{list_spots, CloseSpot, CreateSpot, DeactivateSpot, LiftClosure, PlaceSpot, ReactivateSpot};
use super::plan::SpotPlan;
use super::{ClosureRow, SpotListing, SpotRow};
use crate::ui::admin::{
    completions, query_param, toggle_action, BuildingActionForm, BuildingPicker, ConfirmAction, DataTable, RowLink, Toggle,
};
use crate::ui::form::{server_field_error, FormAlert, Input, Notice};
use crate::ui::shell::{loaded, PageShell};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The spots and closures screen.
#[component]
pub fn SpotsPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateSpot>::new();
    let toggle = Toggle::<DeactivateSpot, ReactivateSpot>::new();
    let close = ServerAction::<CloseSpot>::new();
    let lift = ServerAction::<LiftClosure>::new();
    let place = ServerAction::<PlaceSpot>::new();
    let edificio = move || query.with(|q| q.get("edificio").unwrap_or_default());
    let done = [create.version(), toggle.off.version(), toggle.on.version(), close.version(), lift.version(), place.version()];
    let listing = Resource::new(move || (edificio(), completions(&done)), |(e, _)| list_spots(e));
    let get = move |k: &'static str| query_param(query, k);
    view! {
        <PageShell title="Estacionamientos de visitas">
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
            {toggle.alerts()}
            <FormAlert value=lift.value()/>
            {loaded(listing, move |l| {
                let confirm_off = get("desactivar").and_then(|id| l.spots.iter().find(|s| s.id == id && s.active).cloned());
                let confirm_lift = get("levantar").and_then(|id| l.closures.iter().find(|c| c.id == id).cloned());
                let (bid, screen) = (l.screen.building_id.clone(), l.screen.clone());
                let confirm_off = confirm_off.map(|s| view! { <ConfirmDeactivate spot=s building=bid.clone() action=toggle.off/> });
                let confirm_lift = confirm_lift.map(|c| view! { <ConfirmLift closure=c building=bid.clone() action=lift/> });
                let create_form = l.screen.can_edit.then(|| view! { <CreateForm building=bid.clone() create=create/> });
                let close_form = l.screen.can_edit.then(|| view! { <CloseForm listing=l.clone() close=close/> });
                let spots = view! { <Spots listing=l.clone() reactivate=toggle.on/> };
                let plan = view! { <SpotPlan listing=l.clone() selected=get("ubicar") place=place/> };
                let closures = view! { <Closures listing=l/> };
                view! {
                    {confirm_off}
                    {confirm_lift}
                    <BuildingPicker path="/admin/estacionamientos" screen=screen/>
                    {spots}
                    {plan}
                    {create_form}
                    {closures}
                    {close_form}
                }.into_any()
            })}
        </PageShell>
    }
}

#[component]
fn Spots(listing: SpotListing, reactivate: ServerAction<ReactivateSpot>) -> impl IntoView {
    if listing.spots.is_empty() {
        return view! { <p class="empty">"Este edificio aún no tiene estacionamientos de visitas."</p> }.into_any();
    }
    let can_edit = listing.screen.can_edit;
    let building = listing.screen.building_id.clone();
    view! {
        <DataTable testid="spots" caption="Estacionamientos de visitas" columns=&["Número", "Etiqueta", "Descripción", "Bloques disponibles", "Estado", "Acciones"]>
            {listing.spots.into_iter().map(|s| {
                let off = (format!("/admin/estacionamientos?edificio={building}&desactivar={}", s.id), format!("Desactivar estacionamiento {}", s.number));
                let on = ("spot_id", s.id.clone(), format!("Reactivar estacionamiento {}", s.number));
                let locate = format!("/admin/estacionamientos?edificio={building}&ubicar={}#plano", s.id);
                let locate_label = format!("Ubicar estacionamiento {} en el plano", s.number);
                view! {
                    <tr data-testid="spot">
                        <td>{s.number.clone()}</td><td>{s.label.clone()}</td><td>{s.description.clone()}</td>
                        <td>{s.available}</td><td>{if s.active { "Activo" } else { "Desactivado" }}</td>
                        <td class="actions">{can_edit.then(|| view! { <RowLink href=locate label=locate_label text="Ubicar"/> })}{can_edit.then(|| toggle_action(s.active, off, reactivate, on))}</td>
                    </tr>
                }
            }).collect_view()}
            </DataTable>
    }
    .into_any()
}

#[component]
fn CreateForm(building: String, create: ServerAction<CreateSpot>) -> impl IntoView {
    let err = move |f: &'static str| server_field_error(create.value(), f);
    view! {
        <h2 id="new-spot">"Nuevo estacionamiento"</h2>
        <div data-testid="spot-create">
            <BuildingActionForm action=create building=building labelled_by="new-spot">
                <Input name="number" label="Número" hint="Por ejemplo V-01." value="" error=err("number")/>
                <Input name="label" label="Etiqueta (opcional)" hint="Por ejemplo «Subterráneo -1»." value="" error=err("label")/>
                <Input name="description" label="Descripción (opcional)" value="" error=err("description")/>
                <button type="submit" class="button">"Crear estacionamiento"</button>
            </BuildingActionForm>
        </div>
    }
}

#[component]
fn Closures(listing: SpotListing) -> impl IntoView {
    let building = listing.screen.building_id.clone();
    let can_edit = listing.screen.can_edit;
    view! {
        <h2>"Cierres por mantención"</h2>
        {if listing.closures.is_empty() {
            view! { <p class="empty">"No hay cierres vigentes ni programados."</p> }.into_any()
        } else {
            view! {
                <p class="muted">"Las reservas que coinciden con un cierre no se cancelan automáticamente: contacta al residente o cancélalas desde Reservas."</p>
                <DataTable testid="closures" caption="Cierres por mantención" columns=&["Estacionamiento", "Desde – hasta", "Motivo", "Reservas que coinciden", "Acciones"]>
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
                                <td>{can_edit.then(|| view! { <RowLink href=href label=label text="Levantar"/> })}</td>
                            </tr>
                        }
                    }).collect_view()}
                    </DataTable>
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
        <ConfirmAction title=format!("¿Desactivar el estacionamiento {}?", spot.number) testid="confirm-deactivate"
            text=format!("Sus {} bloques disponibles a futuro quedarán bloqueados y no se generarán nuevos. Las reservas existentes se mantienen.", spot.available)
            back=format!("/admin/estacionamientos?edificio={building}") action=action name="spot_id" value=spot.id button="Sí, desactivar"/>
    }
}

#[component]
fn ConfirmLift(closure: ClosureRow, building: String, action: ServerAction<LiftClosure>) -> impl IntoView {
    view! {
        <ConfirmAction title=format!("¿Levantar el cierre de {}?", closure.spot) testid="confirm-lift"
            text=format!("{} ({}). Sus bloques bloqueados volverán a estar disponibles, salvo los que cubra otro cierre.", closure.range, closure.reason)
            back=format!("/admin/estacionamientos?edificio={building}") action=action name="closure_id" value=closure.id button="Sí, levantar"/>
    }
}
