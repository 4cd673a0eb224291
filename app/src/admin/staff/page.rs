//! `/admin/personal`.

use super::api::{list_staff, AssignStaffBuilding, BanStaff, ChangeStaffRole, CreateStaff, UnbanStaff};
use super::{role_choices, RoleChoice, StaffListing, StaffQuery, StaffRow, STAFF_ROLES, STATUSES};
use crate::admin::residents::status_choices;
use crate::admin::search::SEARCH_PATH;
use crate::admin::BuildingChoice;
use crate::ui::admin::{
    completions, one_button_form, BuildingFilter, ChoiceFilter, ConfirmAction, DataTable, FilterField, RowLink, Toggle,
};
use crate::ui::form::{server_field_error, FormAlert, Input, Notice, Select};
use crate::ui::pager::Pager;
use crate::ui::shell::{loaded, PageShell};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// The staff screen.
#[component]
pub fn StaffPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateStaff>::new();
    let toggle = Toggle::<BanStaff, UnbanStaff>::new();
    let role = ServerAction::<ChangeStaffRole>::new();
    let building = ServerAction::<AssignStaffBuilding>::new();
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            (
                StaffQuery { rol: get("rol"), edificio: get("edificio"), estado: get("estado"), buscar: get("buscar") },
                get("pagina"),
            )
        })
    };
    let done = [create.version(), role.version(), building.version(), toggle.off.version(), toggle.on.version()];
    let listing = Resource::new(move || (params(), completions(&done)), |((f, p), _)| list_staff(f, p));
    let flag = move |k: &'static str| query.with(|q| q.get(k).is_some());
    let pending = move || query.with(|q| (q.get("accion").unwrap_or_default(), q.get("id").unwrap_or_default()));
    view! {
        <PageShell title="Personal">
            <p class="muted">"Cuentas de conserjería, administración de edificios, soporte, administración de la plataforma y ventas."</p>
            {move || flag("creado").then(|| view! {
                <Notice text="Cuenta creada. Comparte la contraseña inicial con la persona por un canal seguro: la necesitará para ingresar.".to_string()/>
            })}
            {move || flag("hecho").then(|| view! { <Notice text="Cambio guardado.".to_string()/> })}
            <FormAlert value=toggle.on.value()/>
            {loaded(listing, move |l| {
                let (filter, _) = params();
                let (accion, id) = pending();
                let target = l.rows.iter().find(|r| r.user_id == id).cloned();
                // While a confirmation is open, it is the only form on the page.
                let confirming = target.is_some();
                let back = filter.to_query_string();
                let creatable = l.creatable_roles.clone();
                let buildings = l.buildings.clone();
                view! {
                    {target.map(|r| view! {
                        <Confirm row=r accion=accion buildings=buildings.clone() back=back.clone() role=role building=building ban=toggle.off/>
                    })}
                    <Filters filter=StaffQuery { buscar: l.search.clone(), ..filter.clone() } buildings=buildings.clone()/>
                    <Rows listing=l unban=toggle.on back=back filter=filter/>
                    {(!creatable.is_empty() && !confirming).then(|| view! { <CreateForm roles=creatable buildings=buildings create=create/> })}
                }.into_any()
            })}
        </PageShell>
    }
}

#[component]
fn Filters(filter: StaffQuery, buildings: Vec<BuildingChoice>) -> impl IntoView {
    view! {
        // Posted, never a GET: the term may be an e-mail (see admin::search).
        <form method="post" action=SEARCH_PATH class="search-form">
            <input type="hidden" name="volver" value="/admin/personal"/>
            <FilterField name="buscar" label="Nombre o correo" value=filter.buscar/>
            <ChoiceFilter name="rol" label="Rol" choices=role_options(&role_choices(&STAFF_ROLES)) selected=filter.rol/>
            <BuildingFilter buildings=buildings selected=filter.edificio/>
            <ChoiceFilter name="estado" label="Estado" choices=status_choices(&STATUSES) selected=filter.estado/>
            <button type="submit" class="button">"Filtrar"</button>
        </form>
    }
}

#[component]
fn Rows(listing: StaffListing, unban: ServerAction<UnbanStaff>, back: String, filter: StaffQuery) -> impl IntoView {
    let pager = view! { <Pager path="/admin/personal" query=filter.to_query_string() page=listing.page pages=listing.pages/> };
    if listing.rows.is_empty() {
        return view! { <p class="empty">"No hay cuentas con este filtro."</p> {pager} }.into_any();
    }
    view! {
        <p data-testid="staff-total">{format!("{} cuentas.", listing.total)}</p>
        <div class="table-wrap">
            <DataTable testid="staff" caption="Cuentas del personal" columns=&["Nombre", "Correo", "Rol", "Edificio", "Estado", "Acciones"]>
                {listing.rows.into_iter().map(|r| {
                    let link = |accion: &str| {
                        let base = if back.is_empty() { String::new() } else { format!("{back}&") };
                        format!("/admin/personal?{base}accion={accion}&id={}", r.user_id)
                    };
                    let (ban_href, role_href, building_href) = (link("bloquear"), link("rol"), link("edificio"));
                    let banned = r.status == "banned";
                    let scoped = !r.building_id.is_empty();
                    let (label_ban, label_unban) = (format!("Bloquear a {}", r.full_name), format!("Desbloquear a {}", r.full_name));
                    let (label_role, label_building) = (format!("Cambiar el rol de {}", r.full_name), format!("Asignar edificio a {}", r.full_name));
                    let id = r.user_id.clone();
                    view! {
                        <tr data-testid="staff-row">
                            <td>{r.full_name.clone()}</td>
                            <td>{r.email.clone()}</td>
                            <td>{r.role_label.clone()}</td>
                            <td>{if r.building.is_empty() { "—".to_string() } else { r.building.clone() }}</td>
                            <td>{r.status_label.clone()}{r.reason.clone().map(|x| view! { <br/><span class="muted">{format!("Motivo: {x}")}</span> })}</td>
                            <td class="actions">
                                {r.can_change_role.then(|| view! {
                                    <RowLink href=role_href label=label_role text="Cambiar rol"/>
                                })}
                                {(r.can_change_role && scoped).then(|| view! {
                                    <RowLink href=building_href label=label_building text="Asignar edificio"/>
                                })}
                                {(r.can_ban && !banned).then(|| view! {
                                    <RowLink href=ban_href label=label_ban text="Bloquear" kind="danger"/>
                                })}
                                {(r.can_ban && banned)
                                    .then(|| one_button_form(unban, ("user_id", id), "Desbloquear", "button button--small", Some(label_unban)))}
                            </td>
                        </tr>
                    }
                }).collect_view()}
                </DataTable>
        </div>
        {pager}
    }
    .into_any()
}

fn building_options(buildings: &[BuildingChoice], none: &str) -> Vec<(String, String)> {
    std::iter::once((String::new(), none.to_string()))
        .chain(buildings.iter().map(|b| (b.id.clone(), b.name.clone())))
        .collect()
}

fn role_options(roles: &[RoleChoice]) -> Vec<(String, String)> {
    roles.iter().map(|r| (r.code.clone(), r.label.clone())).collect()
}

#[component]
fn CreateForm(roles: Vec<RoleChoice>, buildings: Vec<BuildingChoice>, create: ServerAction<CreateStaff>) -> impl IntoView {
    let err = move |f: &'static str| server_field_error(create.value(), f);
    // A building admin creates concierge accounts of their own building: nothing to choose.
    let only_concierge = roles.len() == 1;
    let own_building = buildings.first().map(|b| b.name.clone()).unwrap_or_default();
    view! {
        <h2 id="nueva-cuenta">"Nueva cuenta"</h2>
        <div data-testid="staff-form">
            <ActionForm action=create attr:class="form" attr:aria-labelledby="nueva-cuenta">
                <FormAlert value=create.value()/>
                <Input name="full_name" label="Nombre completo" autocomplete="off" required=true error=err("full_name")/>
                <Input name="email" label="Correo electrónico" input_type="email" autocomplete="off" required=true error=err("email")/>
                <Input name="phone" label="Celular (opcional)" input_type="tel" autocomplete="off"
                    hint="Celular chileno para WhatsApp, por ejemplo +56 9 1234 5678." error=err("phone")/>
                {if only_concierge {
                    view! {
                        <input type="hidden" name="role" value="concierge"/>
                        <input type="hidden" name="building_id" value=""/>
                        <p>{format!("Rol: Conserjería · Edificio: {own_building}")}</p>
                    }.into_any()
                } else {
                    view! {
                        <Select name="role" label="Rol" options=role_options(&roles) selected="concierge".to_string() error=err("role")/>
                        <Select name="building_id" label="Edificio" options=building_options(&buildings, "Sin edificio (roles de la plataforma)")
                            selected=String::new() hint="Obligatorio para conserjería y administración de edificio; soporte, administración y ventas no tienen edificio."
                            error=err("building_id")/>
                    }.into_any()
                }}
                <Input name="password" label="Contraseña inicial" input_type="password" autocomplete="new-password" required=true
                    hint="Al menos 12 caracteres. Compártela con la persona por un canal seguro." error=err("password")/>
                <div class="actions">
                    <button type="submit" class="button">"Crear cuenta"</button>
                </div>
            </ActionForm>
        </div>
    }
}

#[component]
fn Confirm(
    row: StaffRow,
    accion: String,
    buildings: Vec<BuildingChoice>,
    back: String,
    role: ServerAction<ChangeStaffRole>,
    building: ServerAction<AssignStaffBuilding>,
    ban: ServerAction<BanStaff>,
) -> impl IntoView {
    let back = if back.is_empty() { "/admin/personal".to_string() } else { format!("/admin/personal?{back}") };
    let ends = "Se cerrarán todas sus sesiones abiertas: deberá volver a ingresar.";
    match accion.as_str() {
        "bloquear" if row.can_ban => view! {
            <ConfirmAction title=format!("¿Bloquear a {}?", row.full_name) testid="confirm-staff-ban"
                text="Se cerrarán todas sus sesiones abiertas y no podrá ingresar hasta que la desbloquees.".to_string()
                back=back action=ban name="user_id" value=row.user_id button="Sí, bloquear" form_class="form" alert=true>
                <Input name="reason" label="Motivo del bloqueo" autocomplete="off" required=true error=server_field_error(ban.value(), "reason")/>
            </ConfirmAction>
        }.into_any(),
        "rol" if row.can_change_role => view! {
            <ConfirmAction title=format!("Cambiar el rol de {}", row.full_name) testid="confirm-staff-role"
                text=format!("Rol actual: {}. {ends}", row.role_label)
                back=back action=role name="user_id" value=row.user_id button="Sí, cambiar el rol" form_class="form" alert=true>
                <Select name="role" label="Nuevo rol" options=role_options(&role_choices(&STAFF_ROLES)) selected=row.role.clone() error=server_field_error(role.value(), "role")/>
                <Select name="building_id" label="Edificio" options=building_options(&buildings, "Sin edificio (roles de la plataforma)")
                    selected=row.building_id.clone() hint="Obligatorio para conserjería y administración de edificio."
                    error=server_field_error(role.value(), "building_id")/>
            </ConfirmAction>
        }.into_any(),
        "edificio" if row.can_change_role => view! {
            <ConfirmAction title=format!("Asignar otro edificio a {}", row.full_name) testid="confirm-staff-building"
                text=format!("Edificio actual: {}. {ends}", row.building)
                back=back action=building name="user_id" value=row.user_id button="Sí, asignar" form_class="form" alert=true>
                <Select name="building_id" label="Nuevo edificio" options=building_options(&buildings, "Elige un edificio")
                    selected=row.building_id.clone() error=server_field_error(building.value(), "building_id")/>
            </ConfirmAction>
        }.into_any(),
        _ => ().into_any(),
    }
}
