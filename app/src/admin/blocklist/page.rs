//! `/admin/bloqueos`.

use super::api::{list_blocklist, AddBlocklistEntry, RemoveBlocklistEntry};
use super::{BlockedEntry, BlocklistListing, KINDS};
use crate::admin::search::SEARCH_PATH;
use crate::ui::admin::{completions, query_param, query_string, BuildingFilter, ConfirmAction, RowLink};
use crate::ui::form::{server_field_error, FormAlert, Notice, TextField};
use crate::ui::pager::Pager;
use crate::ui::shell::{loaded, PageShell};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The blocklist screen: search, list, add, and remove with a confirmation step.
#[component]
pub fn BlocklistPage() -> impl IntoView {
    let query = use_query_map();
    let add = ServerAction::<AddBlocklistEntry>::new();
    let remove = ServerAction::<RemoveBlocklistEntry>::new();
    let params =
        move || query.with(|q| (q.get("edificio").unwrap_or_default(), q.get("buscar").unwrap_or_default(), q.get("pagina")));
    let done = [add.version(), remove.version()];
    let listing = Resource::new(
        move || (params(), completions(&done)),
        |((edificio, buscar, pagina), _)| list_blocklist(edificio, buscar, pagina),
    );
    let confirm = move || query_param(query, "eliminar");
    let removed = move || query.with(|q| q.get("eliminado").is_some());
    view! {
        <PageShell title="Lista de bloqueo">
            <p class="muted">"Correos, RUT, celulares, patentes y direcciones IP que no pueden registrarse, ingresar ni reservar."</p>
            {move || removed().then(|| view! { <Notice text="Entrada eliminada de la lista de bloqueo.".to_string()/> })}
            <FormAlert value=remove.value()/>
            {loaded(listing, move |l| {
            let (edificio, buscar, _) = params();
            let filter = query_string(&[("edificio", &edificio), ("buscar", &buscar)]);
            view! {
                {confirm().and_then(|id| l.entries.iter().find(|e| e.id == id).cloned()).map(|e| view! { <ConfirmRemove entry=e remove=remove/> })}
                <Filters listing=l.clone() edificio=edificio.clone() buscar=l.search.clone()/>
                <Entries entries=l.entries.clone() back=query_string(&[("edificio", &edificio), ("buscar", &buscar), ("pagina", &l.page.to_string())])/>
                <Pager path="/admin/bloqueos" query=filter page=l.page pages=l.pages/>
                {l.can_edit.then(|| view! { <AddForm listing=l.clone() add=add/> })}
            }.into_any()
            })}
        </PageShell>
    }
}

#[component]
fn Filters(listing: BlocklistListing, edificio: String, buscar: String) -> impl IntoView {
    view! {
        // Posted, never a GET: the value may be an e-mail, a RUT or a phone (see admin::search).
        <form method="post" action=SEARCH_PATH class="search-form">
            <input type="hidden" name="volver" value="/admin/bloqueos"/>
            <BuildingFilter buildings=listing.buildings selected=edificio/>
            <div class="field">
                <label for="buscar">"Buscar un valor"</label>
                <input id="buscar" name="buscar" type="search" value=buscar placeholder="KHJT-52, 12.345.678-5, correo…"/>
            </div>
            <button type="submit" class="button">"Buscar"</button>
        </form>
    }
}

#[component]
fn Entries(entries: Vec<BlockedEntry>, back: String) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="empty" data-testid="blocklist-empty">"No hay entradas en la lista de bloqueo."</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="blocklist">
            <caption class="visually-hidden">"Entradas de la lista de bloqueo"</caption>
            <thead><tr>
                <th scope="col">"Alcance"</th><th scope="col">"Tipo"</th><th scope="col">"Valor"</th>
                <th scope="col">"Motivo"</th><th scope="col">"Agregado por"</th><th scope="col">"Fecha"</th>
                <th scope="col"><span class="visually-hidden">"Acciones"</span></th>
            </tr></thead>
            <tbody>
                {entries.into_iter().map(|e| {
                    let href = if back.is_empty() { format!("/admin/bloqueos?eliminar={}", e.id) } else { format!("/admin/bloqueos?{back}&eliminar={}", e.id) };
                    let label = format!("Eliminar {}", e.value);
                    view! {
                        <tr data-testid="blocklist-entry">
                            <td>{e.scope}</td><td>{e.kind}</td><td class="mono">{e.value}</td>
                            <td>{e.reason}</td><td>{e.created_by}</td><td>{e.created_at}</td>
                            <td>{e.removable.then(|| view! { <RowLink href=href label=label text="Eliminar" kind="danger"/> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}

#[component]
fn ConfirmRemove(entry: BlockedEntry, remove: ServerAction<RemoveBlocklistEntry>) -> impl IntoView {
    view! {
        <ConfirmAction title="¿Eliminar esta entrada?".to_string() testid="confirm-remove"
            text=format!("{} {} ({}). Desde ahora podrá usarse para registrarse, ingresar y reservar.", entry.kind, entry.value, entry.scope)
            back="/admin/bloqueos".to_string() action=remove name="entry_id" value=entry.id button="Sí, eliminar"/>
    }
}

#[component]
fn AddForm(listing: BlocklistListing, add: ServerAction<AddBlocklistEntry>) -> impl IntoView {
    let kind_error = server_field_error(add.value(), "kind");
    let building_error = server_field_error(add.value(), "building_id");
    let many = listing.buildings.len() > 1 || listing.can_add_global;
    let only = listing.buildings.first().map(|b| b.id.clone()).unwrap_or_default();
    view! {
        <h2>"Agregar a la lista"</h2>
        <div data-testid="blocklist-add">
        <ActionForm action=add attr:class="form">
            <FormAlert value=add.value()/>
            <div class="field">
                <label for="kind">"Tipo"</label>
                <select id="kind" name="kind" aria-describedby="kind-error">
                    {KINDS.iter().map(|(k, l)| view! { <option value=*k>{*l}</option> }).collect_view()}
                </select>
                <p class="field__error" id="kind-error">{kind_error}</p>
            </div>
            <TextField name="value" label="Valor" hint="Se normaliza: da lo mismo escribir «khjt 52» o «KHJT-52»." server_error=server_field_error(add.value(), "value")/>
            <TextField name="reason" label="Motivo" server_error=server_field_error(add.value(), "reason")/>
            {if many {
                view! {
                    <div class="field">
                        <label for="building_id">"Alcance"</label>
                        <select id="building_id" name="building_id" aria-describedby="building_id-error">
                            {listing.can_add_global.then(|| view! { <option value="">"Global (todos los edificios)"</option> })}
                            {listing.buildings.into_iter().map(|b| view! { <option value=b.id>{b.name}</option> }).collect_view()}
                        </select>
                        <p class="field__error" id="building_id-error">{building_error}</p>
                    </div>
                }.into_any()
            } else {
                view! { <input type="hidden" name="building_id" value=only/> }.into_any()
            }}
            <button type="submit" class="button">"Agregar a la lista de bloqueo"</button>
        </ActionForm>
        </div>
    }
}
