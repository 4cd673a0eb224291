//! `/admin/residentes/todos`.

use super::api::{list_residents, BanResident, DeactivateResident, RestoreResident};
use super::{status_choices, ResidentListing, ResidentRow, STATUSES};
use crate::admin::search::SEARCH_PATH;
use crate::ui::admin::{
    completions, one_button_form, query_string, query_values, BuildingFilter, ChoiceFilter, ConfirmAction, DataTable,
    FilterField, RowLink, Toggle,
};
use crate::ui::form::{server_field_error, FormAlert, Notice, TextField};
use crate::ui::pager::Pager;
use crate::ui::shell::{loaded, PageShell};
use leptos::prelude::*;
use leptos_router::{components::A, hooks::use_query_map};

/// The residents screen.
#[component]
pub fn ResidentsPage() -> impl IntoView {
    let query = use_query_map();
    let ban = ServerAction::<BanResident>::new();
    let toggle = Toggle::<DeactivateResident, RestoreResident>::new();
    let params = move || (query_values(query, ["edificio", "estado", "buscar"]), query.with(|q| q.get("pagina")));
    let done = [ban.version(), toggle.off.version(), toggle.on.version()];
    let listing = Resource::new(
        move || (params(), completions(&done)),
        |(([edificio, estado, buscar], pagina), _)| list_residents(edificio, estado, Some(buscar), pagina),
    );
    let pending = move || query.with(|q| (q.get("accion").unwrap_or_default(), q.get("id").unwrap_or_default()));
    let done = move || query.with(|q| q.get("hecho").is_some());
    view! {
        <PageShell title="Residentes">
            <p><A href="/admin/residentes">"Ver solicitudes por aprobar"</A></p>
            {move || done().then(|| view! { <Notice text="Cambio guardado.".to_string()/> })}
            <FormAlert value=ban.value()/>
            {toggle.alerts()}
            {loaded(listing, move |l| {
                let ([edificio, estado, buscar], _) = params();
                let filter = query_string(&[("edificio", &edificio), ("estado", &estado), ("buscar", &buscar)]);
                let (accion, id) = pending();
                let target = l.rows.iter().find(|r| r.user_id == id).cloned();
                view! {
                    {target.map(|r| view! { <Confirm row=r accion=accion ban=ban deactivate=toggle.off/> })}
                    <Filters listing=l.clone() edificio=edificio.clone() estado=estado.clone() buscar=l.search.clone()/>
                    <Rows listing=l.clone() restore=toggle.on back=query_string(&[("edificio", &edificio), ("estado", &estado), ("buscar", &buscar), ("pagina", &l.page.to_string())])/>
                    <Pager path="/admin/residentes/todos" query=filter page=l.page pages=l.pages/>
                }.into_any()
            })}
        </PageShell>
    }
}

#[component]
fn Filters(listing: ResidentListing, edificio: String, estado: String, buscar: String) -> impl IntoView {
    view! {
        // Posted, never a GET: the term may be an e-mail (see admin::search).
        <form method="post" action=SEARCH_PATH class="search-form">
            <input type="hidden" name="volver" value="/admin/residentes/todos"/>
            <BuildingFilter buildings=listing.buildings selected=edificio/>
            <ChoiceFilter name="estado" label="Estado" choices=status_choices(&STATUSES) selected=estado/>
            <FilterField name="buscar" label="Nombre o correo" value=buscar/>
            <button type="submit" class="button">"Filtrar"</button>
        </form>
    }
}

#[component]
fn Rows(listing: ResidentListing, restore: ServerAction<RestoreResident>, back: String) -> impl IntoView {
    if listing.rows.is_empty() {
        return view! { <p class="empty">"No hay residentes con este filtro."</p> }.into_any();
    }
    let can_edit = listing.can_edit;
    view! {
        <DataTable testid="residents" caption="Residentes" columns=&["Nombre", "Correo", "Edificio", "Depto.", "Estado", "Acciones"]>
            {listing.rows.into_iter().map(|r| {
                let link = |accion: &str| {
                    let base = if back.is_empty() { String::new() } else { format!("{back}&") };
                    format!("/admin/residentes/todos?{base}accion={accion}&id={}", r.user_id)
                };
                let (ban_href, off_href) = (link("bloquear"), link("desactivar"));
                let status = r.status.clone();
                let label_ban = format!("Bloquear a {}", r.full_name);
                let label_off = format!("Desactivar a {}", r.full_name);
                let label_restore = if status == "banned" { format!("Desbloquear a {}", r.full_name) } else { format!("Reactivar a {}", r.full_name) };
                let restore_text = if status == "banned" { "Desbloquear" } else { "Reactivar" };
                let id = r.user_id.clone();
                view! {
                    <tr data-testid="resident-row">
                        <td>{r.full_name.clone()}</td><td>{r.email.clone()}</td><td>{r.building.clone()}</td><td>{r.unit.clone()}</td>
                        <td>{r.status_label.clone()}{r.reason.clone().map(|x| view! { <br/><span class="muted">{format!("Motivo: {x}")}</span> })}</td>
                        <td class="actions">
                            {(can_edit && status != "banned").then(|| view! { <RowLink href=ban_href label=label_ban text="Bloquear" kind="danger"/> })}
                            {(can_edit && status == "active").then(|| view! { <RowLink href=off_href label=label_off text="Desactivar"/> })}
                            {(can_edit && (status == "banned" || status == "inactive"))
                                .then(|| one_button_form(restore, ("user_id", id), restore_text, "button button--small", Some(label_restore)))}
                        </td>
                    </tr>
                }
            }).collect_view()}
            </DataTable>
    }.into_any()
}

#[component]
fn Confirm(
    row: ResidentRow,
    accion: String,
    ban: ServerAction<BanResident>,
    deactivate: ServerAction<DeactivateResident>,
) -> impl IntoView {
    let back = "/admin/residentes/todos".to_string();
    match accion.as_str() {
        "bloquear" => view! {
            <ConfirmAction title=format!("¿Bloquear a {}?", row.full_name) testid="confirm-ban"
                text="Se cerrarán todas sus sesiones abiertas y no podrá ingresar ni reservar hasta que lo desbloquees.".to_string()
                back=back action=ban name="user_id" value=row.user_id button="Sí, bloquear" form_class="form">
                <TextField name="reason" label="Motivo del bloqueo" server_error=server_field_error(ban.value(), "reason")/>
            </ConfirmAction>
        }.into_any(),
        "desactivar" => view! {
            <ConfirmAction title=format!("¿Desactivar a {}?", row.full_name) testid="confirm-deactivate"
                text="Se cerrarán sus sesiones y no podrá ingresar hasta que reactives la cuenta.".to_string()
                back=back action=deactivate name="user_id" value=row.user_id button="Sí, desactivar"/>
        }.into_any(),
        _ => ().into_any(),
    }
}
