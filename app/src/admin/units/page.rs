//! `/admin/unidades`.

use super::api::{list_units, CreateUnits, DeactivateUnit, ReactivateUnit};
use super::{UnitListing, UnitRow};
use crate::ui::admin::{
    completions, query_param, query_string, query_values, toggle_action, BuildingActionForm, BuildingFilter, ConfirmAction,
    DataTable, FilterField, Toggle,
};
use crate::ui::form::{described_by, invalid, server_field_error, Field, Notice};
use crate::ui::pager::Pager;
use crate::ui::shell::{loaded, PageShell};
use leptos::prelude::*;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

/// The units screen.
#[component]
pub fn UnitsPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateUnits>::new();
    let toggle = Toggle::<DeactivateUnit, ReactivateUnit>::new();
    let params = move || query_values(query, ["edificio", "buscar", "pagina"]);
    let done = [create.version(), toggle.off.version(), toggle.on.version()];
    let listing = Resource::new(move || (params(), completions(&done)), |([e, b, p], _)| list_units(e, b, p));
    let get = move |k: &'static str| query_param(query, k);
    view! {
        <PageShell title="Unidades">
            {move || get("creadas").map(|n| {
                let existing = get("existian").and_then(|e| e.parse::<u32>().ok()).unwrap_or(0);
                let created = if n == "1" { "1 unidad creada".to_string() } else { format!("{n} unidades creadas") };
                let text = match existing { 0 => format!("{created}."), 1 => format!("{created}, 1 ya existía."), e => format!("{created}, {e} ya existían.") };
                view! { <p class="alert alert--ok" role="status" data-testid="units-created">{text}</p> }
            })}
            {move || get("guardado").map(|_| view! { <Notice text="Cambios guardados.".to_string()/> })}
            {toggle.alerts()}
            {loaded(listing, move |l| {
                let [_, buscar, _] = params();
                let confirm = get("desactivar").and_then(|id| l.rows.iter().find(|r| r.id == id && r.active).cloned());
                let qs = query_string(&[("edificio", &l.screen.building_id), ("buscar", &buscar)]);
                let (bid, heading, buildings) = (l.screen.building_id.clone(), l.screen.building.clone(), l.screen.buildings.clone());
                let href = format!("/admin/edificios/{bid}");
                let confirm = confirm.map(|u| view! { <ConfirmDeactivate unit=u building=bid.clone() action=toggle.off/> });
                let form = l.screen.can_edit.then(|| view! { <BulkForm building=bid.clone() create=create/> });
                let list = view! { <Units listing=l qs=qs reactivate=toggle.on/> };
                view! {
                    {confirm}
                    <Form method="GET" action="/admin/unidades" attr:class="search-form">
                        <BuildingFilter buildings=buildings selected=bid all_label="Elige un edificio"/>
                        <FilterField name="buscar" label="Número" value=buscar/>
                        <button type="submit" class="button">"Buscar"</button>
                    </Form>
                    <h2><A href=href>{heading}</A></h2>
                    {list}
                    {form}
                }.into_any()
            })}
        </PageShell>
    }
}

#[component]
fn Units(listing: UnitListing, qs: String, reactivate: ServerAction<ReactivateUnit>) -> impl IntoView {
    if listing.rows.is_empty() {
        return view! { <p class="empty">"No hay unidades que coincidan."</p> }.into_any();
    }
    let can_edit = listing.screen.can_edit;
    let base = qs.clone();
    view! {
        <p class="muted">{format!("{} unidades", listing.total)}</p>
        <DataTable testid="units" caption="Unidades" columns=&["Número", "Residentes", "Estado", "Acciones"]>
            {listing.rows.into_iter().map(|u| {
                let off = (format!("/admin/unidades?{base}&pagina={}&desactivar={}", listing.page, u.id), format!("Desactivar unidad {}", u.number));
                let on = ("unit_id", u.id.clone(), format!("Reactivar unidad {}", u.number));
                view! {
                    <tr data-testid="unit">
                        <td>{u.number.clone()}</td><td>{u.residents}</td>
                        <td>{if u.active { "Activa" } else { "Desactivada" }}</td>
                        <td class="actions">{can_edit.then(|| toggle_action(u.active, off, reactivate, on))}</td>
                    </tr>
                }
            }).collect_view()}
            </DataTable>
        <Pager path="/admin/unidades" query=qs page=listing.page pages=listing.pages/>
    }
    .into_any()
}

#[component]
fn ConfirmDeactivate(unit: UnitRow, building: String, action: ServerAction<DeactivateUnit>) -> impl IntoView {
    view! {
        <ConfirmAction title=format!("¿Desactivar la unidad {}?", unit.number) testid="confirm-deactivate"
            text="Ya no aparecerá al registrarse. Los residentes que ya viven en ella conservan su cuenta.".to_string()
            back=format!("/admin/unidades?edificio={building}") action=action name="unit_id" value=unit.id button="Sí, desactivar"/>
    }
}

#[component]
fn BulkForm(building: String, create: ServerAction<CreateUnits>) -> impl IntoView {
    const HINT: &str =
        "Rangos y listas separados por comas: 101-120, 201-220, PH (máximo 500 por vez). Las que ya existen se omiten.";
    let error = server_field_error(create.value(), "numbers");
    view! {
        <h2 id="bulk-units">"Agregar unidades"</h2>
        <div data-testid="units-create">
            <BuildingActionForm action=create building=building labelled_by="bulk-units">
                <Field name="numbers" label="Números de unidad" hint=Some(HINT) error=error>
                    <textarea id="numbers" name="numbers" rows="3" aria-describedby=described_by("numbers", Some(HINT)) aria-invalid=invalid(error)></textarea>
                </Field>
                <button type="submit" class="button">"Crear unidades"</button>
            </BuildingActionForm>
        </div>
    }
}
