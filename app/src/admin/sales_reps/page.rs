//! `/admin/vendedores`.

use super::api::{list_sales_reps, AssignSalesRep, UnassignSalesRep};
use super::{RepRow, SalesRepListing};
use crate::ui::admin::{completions, query_param, ConfirmAction, DataTable, RowLink};
use crate::ui::form::{server_field_error, FormAlert, Notice, TextField};
use crate::ui::shell::{loaded, PageShell};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

const PATH: &str = "/admin/vendedores";

/// The sales reps screen.
#[component]
pub fn SalesRepsPage() -> impl IntoView {
    let query = use_query_map();
    let assign = ServerAction::<AssignSalesRep>::new();
    let unassign = ServerAction::<UnassignSalesRep>::new();
    let done = [assign.version(), unassign.version()];
    let listing = Resource::new(move || completions(&done), |_| list_sales_reps());
    let confirm = move || query_param(query, "quitar");
    let done = move || {
        query.with(|q| match q.get("hecho").as_deref() {
            Some("asignado") => Some("Edificio asignado.".to_string()),
            Some("quitado") => Some("Edificio quitado al vendedor. Desde hoy no genera comisiones para él.".to_string()),
            _ => None,
        })
    };
    view! {
        <PageShell title="Vendedores">
            <p class="muted">"Cada vendedor gana una comisión sobre la comisión de la plataforma de los edificios que tiene asignados, por cada día que los tiene."</p>
            {move || done().map(|text| view! { <Notice text=text/> })}
            <FormAlert value=assign.value()/>
            <FormAlert value=unassign.value()/>
            {loaded(listing, move |l| {
            let target = confirm().and_then(|id| {
                l.reps.iter().find_map(|r| r.buildings.iter().find(|b| b.id == id).map(|b| (r.name.clone(), b.clone())))
            });
            view! {
                {target.filter(|_| l.can_edit).map(|(rep, b)| view! {
                    <ConfirmAction title=format!("¿Quitar {} a {}?", b.name, rep) testid="confirm-unassign"
                        text="Desde hoy el vendedor deja de ver el edificio y no gana comisiones por él. Las comisiones ya calculadas siguen siendo suyas.".to_string()
                        back=PATH.to_string() action=unassign name="building_id" value=b.id button="Sí, quitar"/>
                })}
                <Reps reps=l.reps.clone() can_edit=l.can_edit/>
                {l.can_edit.then(|| view! { <AssignForm listing=l.clone() assign=assign/> })}
                <History listing=l/>
            }.into_any()
            })}
        </PageShell>
    }
}

#[component]
fn Reps(reps: Vec<RepRow>, can_edit: bool) -> impl IntoView {
    if reps.is_empty() {
        return view! { <p class="empty">"No hay vendedores. Crea uno en Personal."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <DataTable testid="reps" caption="Vendedores y sus edificios" columns=&["Vendedor", "Edificios asignados", "Comisiones pendientes", "Comisiones pagadas"]>
                {reps.into_iter().map(|r| view! {
                    <tr data-testid="rep-row">
                        <td>{r.name.clone()}<br/><span class="muted">{r.email.clone()}{(!r.active).then_some(" · inactivo")}</span></td>
                        <td>
                            {if r.buildings.is_empty() {
                                view! { <span class="muted">"Ninguno"</span> }.into_any()
                            } else {
                                view! {
                                    <ul class="plain-list">
                                        {r.buildings.iter().map(|b| {
                                            let href = format!("{PATH}?quitar={}", b.id);
                                            let label = format!("Quitar {} a {}", b.name, r.name);
                                            view! {
                                                <li data-testid="held-building">
                                                    {format!("{} · {} · desde {}", b.name, b.rate, b.since)}
                                                    {can_edit.then(|| view! { " " <RowLink href=href label=label text="Quitar" kind="danger"/> })}
                                                </li>
                                            }
                                        }).collect_view()}
                                    </ul>
                                }.into_any()
                            }}
                        </td>
                        <td>{r.pending.clone()}</td><td>{r.paid.clone()}</td>
                    </tr>
                }).collect_view()}
                </DataTable>
        </div>
    }
    .into_any()
}

#[component]
fn AssignForm(listing: SalesRepListing, assign: ServerAction<AssignSalesRep>) -> impl IntoView {
    let building_error = server_field_error(assign.value(), "building_id");
    let rep_error = server_field_error(assign.value(), "rep_id");
    view! {
        <h2>"Asignar un edificio"</h2>
        <p class="muted">"Si el edificio ya tiene vendedor, el nuevo lo reemplaza desde hoy. Para cambiar solo la comisión, asígnalo de nuevo al mismo vendedor."</p>
        <ActionForm action=assign attr:class="form" attr:data-testid="assign-form">
            <div class="field" class:field--invalid=move || building_error.get().is_some()>
                <label for="building_id">"Edificio"</label>
                <select id="building_id" name="building_id" aria-describedby="building_id-error">
                    <option value="">"Elige un edificio"</option>
                    {listing.buildings.into_iter().map(|b| view! { <option value=b.id>{b.name}</option> }).collect_view()}
                </select>
                <p class="field__error" id="building_id-error" aria-live="polite">{move || building_error.get()}</p>
            </div>
            <div class="field" class:field--invalid=move || rep_error.get().is_some()>
                <label for="rep_id">"Vendedor"</label>
                <select id="rep_id" name="rep_id" aria-describedby="rep_id-error">
                    <option value="">"Elige un vendedor"</option>
                    {listing.reps.into_iter().filter(|r| r.active).map(|r| view! { <option value=r.id>{r.name}</option> }).collect_view()}
                </select>
                <p class="field__error" id="rep_id-error" aria-live="polite">{move || rep_error.get()}</p>
            </div>
            <TextField name="rate" label="Comisión del vendedor (%)" hint="Sobre la comisión de la plataforma, por ejemplo 5 o 5,5." placeholder="5" inputmode="decimal" server_error=server_field_error(assign.value(), "rate")/>
            <button type="submit" class="button">"Asignar"</button>
        </ActionForm>
    }
}

#[component]
fn History(listing: SalesRepListing) -> impl IntoView {
    (!listing.history.is_empty()).then(|| {
        view! {
            <h2>"Historial de asignaciones"</h2>
            <div class="table-wrap">
                <DataTable testid="assignments" caption="Historial de asignaciones" columns=&["Edificio", "Vendedor", "Comisión", "Desde", "Hasta (sin incluir)"]>
                    {listing.history.into_iter().map(|h| view! {
                        <tr><td>{h.building}</td><td>{h.rep}</td><td>{h.rate}</td><td>{h.from}</td><td>{h.until}</td></tr>
                    }).collect_view()}
                    </DataTable>
            </div>
        }
    })
}
