//! `/admin/unidades`.

use super::api::{list_units, CreateUnits, DeactivateUnit, ReactivateUnit};
use super::{UnitListing, UnitRow};
use crate::admin::ui::{query_string, BuildingFilter, ConfirmPanel, Pager};
use crate::ui::form::{server_field_error, FormAlert, Notice};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

/// The units screen.
#[component]
pub fn UnitsPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateUnits>::new();
    let deactivate = ServerAction::<DeactivateUnit>::new();
    let reactivate = ServerAction::<ReactivateUnit>::new();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            (get("edificio"), get("buscar"), get("pagina"))
        })
    };
    let listing = Resource::new(
        move || (params(), create.version().get(), deactivate.version().get(), reactivate.version().get()),
        |((e, b, p), ..)| list_units(e, b, p),
    );
    let get = move |k: &'static str| query.with(|q| q.get(k)).filter(|s| !s.is_empty());
    view! {
        <Title text="Unidades"/>
        <section class="panel">
            <h1>"Unidades"</h1>
            {move || get("creadas").map(|n| {
                let existing = get("existian").and_then(|e| e.parse::<u32>().ok()).unwrap_or(0);
                let created = if n == "1" { "1 unidad creada".to_string() } else { format!("{n} unidades creadas") };
                let text = match existing { 0 => format!("{created}."), 1 => format!("{created}, 1 ya existía."), e => format!("{created}, {e} ya existían.") };
                view! { <p class="alert alert--ok" role="status" data-testid="units-created">{text}</p> }
            })}
            {move || get("guardado").map(|_| view! { <Notice text="Cambios guardados.".to_string()/> })}
            <FormAlert value=deactivate.value()/>
            <FormAlert value=reactivate.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let (_, buscar, _) = params();
                    match listing.await {
                        Ok(l) => {
                            let confirm = get("desactivar").and_then(|id| l.rows.iter().find(|r| r.id == id && r.active).cloned());
                            let qs = query_string(&[("edificio", &l.building_id), ("buscar", &buscar)]);
                            let (bid, heading, buildings) = (l.building_id.clone(), l.building.clone(), l.buildings.clone());
                            let href = format!("/admin/edificios/{bid}");
                            let confirm = confirm.map(|u| view! { <ConfirmDeactivate unit=u building=bid.clone() action=deactivate/> });
                            let form = l.can_edit.then(|| view! { <BulkForm building=bid.clone() create=create/> });
                            let list = view! { <Units listing=l qs=qs reactivate=reactivate/> };
                            view! {
                                {confirm}
                                <Form method="GET" action="/admin/unidades" attr:class="search-form">
                                    <BuildingFilter buildings=buildings selected=bid all_label="Elige un edificio"/>
                                    <div class="field">
                                        <label for="buscar">"Número"</label>
                                        <input id="buscar" name="buscar" type="search" value=buscar.clone()/>
                                    </div>
                                    <button type="submit" class="button">"Buscar"</button>
                                </Form>
                                <h2><A href=href>{heading}</A></h2>
                                {list}
                                {form}
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
fn Units(listing: UnitListing, qs: String, reactivate: ServerAction<ReactivateUnit>) -> impl IntoView {
    if listing.rows.is_empty() {
        return view! { <p class="empty">"No hay unidades que coincidan."</p> }.into_any();
    }
    let can_edit = listing.can_edit;
    let base = qs.clone();
    view! {
        <p class="muted">{format!("{} unidades", listing.total)}</p>
        <table class="table" data-testid="units">
            <caption class="visually-hidden">"Unidades"</caption>
            <thead><tr><th scope="col">"Número"</th><th scope="col">"Residentes"</th><th scope="col">"Estado"</th><th scope="col">"Acciones"</th></tr></thead>
            <tbody>
                {listing.rows.into_iter().map(|u| {
                    let off = format!("/admin/unidades?{base}&pagina={}&desactivar={}", listing.page, u.id);
                    let label = format!("Desactivar unidad {}", u.number);
                    let on_label = format!("Reactivar unidad {}", u.number);
                    view! {
                        <tr data-testid="unit">
                            <td>{u.number.clone()}</td><td>{u.residents}</td>
                            <td>{if u.active { "Activa" } else { "Desactivada" }}</td>
                            <td class="actions">{can_edit.then(|| if u.active {
                                view! { <a class="button button--small button--danger" href=off aria-label=label>"Desactivar"</a> }.into_any()
                            } else {
                                view! {
                                    <ActionForm action=reactivate attr:class="inline-form">
                                        <input type="hidden" name="unit_id" value=u.id.clone()/>
                                        <button type="submit" class="button button--small" aria-label=on_label>"Reactivar"</button>
                                    </ActionForm>
                                }.into_any()
                            })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
        <Pager path="/admin/unidades" query=qs page=listing.page pages=listing.pages/>
    }
    .into_any()
}

#[component]
fn ConfirmDeactivate(unit: UnitRow, building: String, action: ServerAction<DeactivateUnit>) -> impl IntoView {
    view! {
        <ConfirmPanel
            title=format!("¿Desactivar la unidad {}?", unit.number)
            text="Ya no aparecerá al registrarse. Los residentes que ya viven en ella conservan su cuenta.".to_string()
            back=format!("/admin/unidades?edificio={building}")
            testid="confirm-deactivate"
        >
            <ActionForm action=action attr:class="inline-form">
                <input type="hidden" name="unit_id" value=unit.id/>
                <button type="submit" class="button button--danger">"Sí, desactivar"</button>
            </ActionForm>
        </ConfirmPanel>
    }
}

#[component]
fn BulkForm(building: String, create: ServerAction<CreateUnits>) -> impl IntoView {
    let error = server_field_error(create.value(), "numbers");
    view! {
        <h2 id="bulk-units">"Agregar unidades"</h2>
        <div data-testid="units-create">
            <ActionForm action=create attr:class="form" attr:aria-labelledby="bulk-units">
                <FormAlert value=create.value()/>
                <input type="hidden" name="building_id" value=building/>
                <div class="field" class:field--invalid=move || error.get().is_some()>
                    <label for="numbers">"Números de unidad"</label>
                    <p class="field__hint" id="numbers-hint">"Rangos y listas separados por comas: 101-120, 201-220, PH (máximo 500 por vez). Las que ya existen se omiten."</p>
                    <textarea id="numbers" name="numbers" rows="3" aria-describedby="numbers-hint numbers-error"
                        aria-invalid=move || if error.get().is_some() { "true" } else { "false" }></textarea>
                    <p class="field__error" id="numbers-error">{move || error.get()}</p>
                </div>
                <button type="submit" class="button">"Crear unidades"</button>
            </ActionForm>
        </div>
    }
}
