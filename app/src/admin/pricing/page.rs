//! `/admin/precios`.

use super::api::{pricing_rules, DeactivatePricingRule, SavePricingRule};
use super::{PricingListing, RuleRow};
use crate::ui::admin::{completions, query_param, BuildingPicker, ConfirmAction, DataTable, RowLink};
use crate::ui::form::{server_field_error, FormAlert, Input, Notice};
use crate::ui::shell::{loaded, PageShell};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The pricing screen.
#[component]
pub fn PricingPage() -> impl IntoView {
    let query = use_query_map();
    let save = ServerAction::<SavePricingRule>::new();
    let deactivate = ServerAction::<DeactivatePricingRule>::new();
    let edificio = move || query.with(|q| q.get("edificio").unwrap_or_default());
    let done = [save.version(), deactivate.version()];
    let listing = Resource::new(move || (edificio(), completions(&done)), |(e, _)| pricing_rules(e));
    let get = move |k: &'static str| query_param(query, k);
    view! {
        <PageShell title="Precios y reglas">
            {move || get("guardado").map(|_| view! { <Notice text="Cambios guardados.".to_string()/> })}
            <FormAlert value=deactivate.value()/>
            {loaded(listing, move |l| {
            let editing = get("editar").and_then(|id| l.rules.iter().find(|r| r.id == id).cloned());
            let confirm = get("desactivar").and_then(|id| l.rules.iter().find(|r| r.id == id && r.active).cloned());
            let heading = format!("Reglas de {}", l.screen.building);
            let form = l.screen.can_edit.then(|| { let l = l.clone(); view! { <RuleForm listing=l editing=editing save=save/> } });
            view! {
                {confirm.map(|r| view! { <ConfirmDeactivate rule=r action=deactivate/> })}
                <BuildingPicker path="/admin/precios" screen=l.screen.clone() heading=heading/>
                <Rules listing=l.clone()/>
                {form}
                <Preview listing=l/>
            }.into_any()
            })}
        </PageShell>
    }
}

#[component]
fn Rules(listing: PricingListing) -> impl IntoView {
    if listing.rules.is_empty() {
        return view! { <p class="empty">"Este edificio no tiene reglas de precio: se cobra el precio base."</p> }.into_any();
    }
    let building = listing.screen.building_id.clone();
    let can_edit = listing.screen.can_edit;
    view! {
        <DataTable testid="pricing-rules" caption="Reglas de precio" columns=&["Nombre", "Fechas", "Multiplicador", "Prioridad", "Estado", "Acciones"]>
            {listing.rules.into_iter().map(|r| {
                let edit = format!("/admin/precios?edificio={building}&editar={}", r.id);
                let off = format!("/admin/precios?edificio={building}&desactivar={}", r.id);
                let edit_label = format!("Editar {}", r.name);
                let off_label = format!("Desactivar {}", r.name);
                view! {
                    <tr data-testid="pricing-rule">
                        <td>{r.name.clone()}</td><td>{r.range.clone()}</td><td>{format!("×{}", r.multiplier)}</td>
                        <td>{r.priority}</td><td>{if r.active { "Activa" } else { "Desactivada" }}</td>
                        <td class="actions">
                            {(can_edit && r.active).then(|| view! {
                                <RowLink href=edit label=edit_label text="Editar"/>
                                <RowLink href=off label=off_label text="Desactivar" kind="danger"/>
                            })}
                        </td>
                    </tr>
                }
            }).collect_view()}
            </DataTable>
    }
    .into_any()
}

#[component]
fn RuleForm(listing: PricingListing, editing: Option<RuleRow>, save: ServerAction<SavePricingRule>) -> impl IntoView {
    let err = move |f: &'static str| server_field_error(save.value(), f);
    let title = if editing.is_some() { "Editar regla" } else { "Nueva regla" };
    let r = editing.clone();
    let v = move |f: fn(&RuleRow) -> String, default: &str| r.as_ref().map_or_else(|| default.to_string(), f);
    view! {
        <h2>{title}</h2>
        <div data-testid="pricing-form">
        <ActionForm action=save attr:class="form">
            <FormAlert value=save.value()/>
            <input type="hidden" name="rule_id" value=editing.as_ref().map(|e| e.id.clone()).unwrap_or_default()/>
            <input type="hidden" name="building_id" value=listing.screen.building_id.clone()/>
            <Input name="name" label="Nombre" value=v(|r| r.name.clone(), "") error=err("name")/>
            <Input name="multiplier" label="Multiplicador" hint="Por ejemplo 2,0 para cobrar el doble o 1,5 para un 50 % más (máximo 10)." value=v(|r| r.multiplier.clone(), "") error=err("multiplier")/>
            <Input name="desde" label="Desde" input_type="date" value=v(|r| r.first_day.clone(), "") error=err("desde")/>
            <Input name="hasta" label="Hasta (inclusive)" input_type="date" value=v(|r| r.last_day.clone(), "") error=err("hasta")/>
            <Input name="priority" label="Prioridad" hint="Si dos reglas coinciden, gana la de mayor prioridad." value=v(|r| r.priority.to_string(), "0") error=err("priority")/>
            <div class="actions">
                <button type="submit" class="button">{if editing.is_some() { "Guardar cambios" } else { "Crear regla" }}</button>
                {editing.is_some().then(|| view! { <a class="button button--secondary" href=format!("/admin/precios?edificio={}", listing.screen.building_id)>"Cancelar edición"</a> })}
            </div>
        </ActionForm>
        </div>
    }
}

#[component]
fn ConfirmDeactivate(rule: RuleRow, action: ServerAction<DeactivatePricingRule>) -> impl IntoView {
    view! {
        <ConfirmAction title=format!("¿Desactivar la regla «{}»?", rule.name) testid="confirm-deactivate"
            text="Las reservas nuevas volverán al precio base en esas fechas; las ya hechas conservan su precio.".to_string()
            back="/admin/precios".to_string() action=action name="rule_id" value=rule.id button="Sí, desactivar"/>
    }
}

#[component]
fn Preview(listing: PricingListing) -> impl IntoView {
    view! {
        <h2>"Precios de los próximos 14 días"</h2>
        {if listing.preview.is_empty() {
            view! { <p class="empty">"El edificio no tiene bloques activos."</p> }.into_any()
        } else {
            view! {
                <div class="table-wrap">
                    <DataTable testid="pricing-preview" caption="Precio efectivo por día y bloque" columns=&["Día", "Bloque", "Base", "Multiplicador", "Precio efectivo", "Regla"]>
                        {listing.preview.into_iter().map(|p| view! {
                            <tr data-testid="preview-row" data-date=p.date>
                                <td>{p.day}</td><td>{p.template}</td><td>{p.base}</td>
                                <td>{p.multiplier}</td><td class="amount">{p.effective}</td>
                                <td>{p.rule.unwrap_or_else(|| "—".into())}</td>
                            </tr>
                        }).collect_view()}
                        </DataTable>
                </div>
            }.into_any()
        }}
    }
}
