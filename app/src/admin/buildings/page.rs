//! `/admin/edificios` (list, filter, create) and `/admin/edificios/:id` (the building: settings,
//! terms, archive/restore/delete with a confirmation step, availability on demand).

use super::api::{
    get_building, list_buildings, ArchiveBuilding, CreateBuilding, DeleteBuilding, GenerateAvailability, RestoreBuilding,
    SaveBuilding, SaveBuildingSettings,
};
use super::{BuildingDetail, BuildingListing};
use crate::domain::inventory::CHILEAN_ZONES;
use crate::ui::admin::{
    completions, query_param, query_string, query_values, BuildingActionForm, ConfirmAction, ConfirmPanel, DataTable,
};
use crate::ui::form::{server_field_error, Check, FormAlert, Input, Notice};
use crate::ui::pager::Pager;
use crate::ui::shell::{loaded, PageShell};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_params_map, use_query_map},
};

/// The initial values of a building form.
#[derive(Clone, Default)]
struct Values {
    name: String,
    address: String,
    comuna: String,
    time_zone: String,
    commission: String,
    monthly_fee: String,
    horizon: String,
    max_active: String,
    hold: String,
    no_show: bool,
    no_show_grace: String,
    overstay_grace: String,
    check_in_early: String,
}

impl Values {
    fn defaults() -> Self {
        Self {
            time_zone: "America/Santiago".into(),
            commission: "10".into(),
            monthly_fee: "0".into(),
            horizon: "30".into(),
            max_active: "4".into(),
            hold: "15".into(),
            no_show: true,
            no_show_grace: "30".into(),
            overstay_grace: "15".into(),
            check_in_early: "15".into(),
            ..Self::default()
        }
    }

    fn of(d: &BuildingDetail) -> Self {
        Self {
            name: d.name.clone(),
            address: d.address.clone(),
            comuna: d.comuna.clone(),
            time_zone: d.time_zone.clone(),
            commission: d.commission.clone(),
            monthly_fee: d.monthly_fee.clone(),
            horizon: d.horizon.to_string(),
            max_active: d.max_active.to_string(),
            hold: d.hold.to_string(),
            no_show: d.no_show,
            no_show_grace: d.no_show_grace.to_string(),
            overstay_grace: d.overstay_grace.to_string(),
            check_in_early: d.check_in_early.to_string(),
        }
    }
}

/// The terms fields (name, address, comuna, zone, commission, fee).
fn terms_fields(
    v: &Values,
    err: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    let zone = v.time_zone.clone();
    view! {
        <Input name="name" label="Nombre" value=v.name.clone() error=err("name")/>
        <Input name="address" label="Dirección" value=v.address.clone() error=err("address")/>
        <Input name="comuna" label="Comuna" value=v.comuna.clone() error=err("comuna")/>
        <div class="field" class:field--invalid=move || err("time_zone").get().is_some()>
            <label for="time_zone">"Zona horaria"</label>
            <select id="time_zone" name="time_zone" aria-describedby="time_zone-error">
                {CHILEAN_ZONES.iter().map(|(z, l)| { let is = *z == zone; view! { <option value=*z selected=is>{*l}</option> } }).collect_view()}
            </select>
            <p class="field__error" id="time_zone-error">{move || err("time_zone").get()}</p>
        </div>
        <Input name="commission" label="Comisión de la plataforma (%)" hint="Por ejemplo 10 o 10,5 %." value=v.commission.clone() inputmode="decimal" error=err("commission")/>
        <Input name="monthly_fee" label="Cuota mensual (CLP)" hint="Por ejemplo 50.000 o $50.000; 0 si no paga cuota." value=v.monthly_fee.clone() inputmode="numeric" error=err("monthly_fee")/>
    }
}

/// The settings fields.
fn settings_fields(
    v: &Values,
    err: impl Fn(&'static str) -> Signal<Option<String>> + Copy + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        <fieldset class="fieldset">
            <legend>"Reglas de reserva"</legend>
            <Input name="horizon" label="Horizonte de reserva (días)" hint="Cuántos días hacia adelante se puede reservar (1 a 180)." value=v.horizon.clone() inputmode="numeric" error=err("horizon")/>
            <Input name="max_active" label="Máximo de reservas activas por residente" value=v.max_active.clone() inputmode="numeric" error=err("max_active")/>
            <Input name="hold" label="Minutos para pagar" hint="Tiempo que una reserva pendiente retiene el bloque (1 a 120)." value=v.hold.clone() inputmode="numeric" error=err("hold")/>
            <Check name="no_show" label="Marcar «no se presentó» si la visita no llega" checked=v.no_show/>
            <Input name="no_show_grace" label="Tolerancia de no presentación (minutos)" value=v.no_show_grace.clone() inputmode="numeric" error=err("no_show_grace")/>
            <Input name="overstay_grace" label="Tolerancia de salida (minutos)" value=v.overstay_grace.clone() inputmode="numeric" error=err("overstay_grace")/>
            <Input name="check_in_early" label="Ingreso anticipado permitido (minutos)" value=v.check_in_early.clone() inputmode="numeric" error=err("check_in_early")/>
        </fieldset>
    }
}

/// The buildings list.
#[component]
pub fn BuildingsPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateBuilding>::new();
    let params = move || query_values(query, ["estado", "buscar", "pagina"]);
    let listing = Resource::new(params, |[e, b, p]| list_buildings(e, b, p));
    let flag = move |k: &'static str| query.with(|q| q.get(k).is_some_and(|v| !v.is_empty()));
    view! {
        <PageShell title="Edificios">
            {move || flag("eliminado").then(|| view! { <Notice text="Edificio eliminado.".to_string()/> })}
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
            {move || Suspend::new(async move {
                let [estado, buscar, _] = params();
                match listing.await {
                    Ok(l) => {
                        let creating = l.can_create && (flag("nuevo") || create.value().with(|v| matches!(v, Some(Err(_)))));
                        view! {
                            <Filters estado=estado.clone() buscar=buscar.clone()/>
                            <List listing=l.clone() qs=query_string(&[("estado", &estado), ("buscar", &buscar)])/>
                            {l.can_create.then(|| if creating {
                                view! { <CreateForm create=create/> }.into_any()
                            } else {
                                view! { <a class="button" href="/admin/edificios?nuevo=1" data-testid="new-building">"Nuevo edificio"</a> }.into_any()
                            })}
                        }.into_any()
                    }
                    Err(e) => crate::ui::errors::error_view(e),
                }
            })}
            </Suspense>
        </PageShell>
    }
}

#[component]
fn Filters(estado: String, buscar: String) -> impl IntoView {
    view! {
        <Form method="GET" action="/admin/edificios" attr:class="search-form">
            <div class="field">
                <label for="estado">"Estado"</label>
                <select id="estado" name="estado">
                    <option value="" selected=estado.is_empty()>"Todos"</option>
                    <option value="activos" selected=estado == "activos">"Activos"</option>
                    <option value="archivados" selected=estado == "archivados">"Archivados"</option>
                </select>
            </div>
            <div class="field">
                <label for="buscar">"Nombre o comuna"</label>
                <input id="buscar" name="buscar" type="search" value=buscar/>
            </div>
            <button type="submit" class="button">"Filtrar"</button>
        </Form>
    }
}

#[component]
fn List(listing: BuildingListing, qs: String) -> impl IntoView {
    if listing.rows.is_empty() {
        return view! { <p class="empty">"Ningún edificio coincide con el filtro."</p> }.into_any();
    }
    view! {
        <p class="muted">{format!("{} edificios", listing.total)}</p>
        <DataTable testid="buildings" caption="Edificios" columns=&["Nombre", "Dirección", "Unidades", "Estacionamientos", "Estado"]>
            {listing.rows.into_iter().map(|b| view! {
                <tr data-testid="building-row">
                    <td><A href=format!("/admin/edificios/{}", b.id)>{b.name}</A></td>
                    <td>{b.address}</td><td>{b.units}</td><td>{b.spots}</td>
                    <td>{if b.archived { "Archivado" } else { "Activo" }}</td>
                </tr>
            }).collect_view()}
            </DataTable>
        <Pager path="/admin/edificios" query=qs page=listing.page pages=listing.pages/>
    }
    .into_any()
}

#[component]
fn CreateForm(create: ServerAction<CreateBuilding>) -> impl IntoView {
    let v = Values::defaults();
    let result = create.value();
    view! {
        <h2 id="new-building">"Nuevo edificio"</h2>
        <div data-testid="building-create">
            <ActionForm action=create attr:class="form" attr:aria-labelledby="new-building">
                <FormAlert value=result/>
                {terms_fields(&v, move |f| server_field_error(create.value(), f))}
                {settings_fields(&v, move |f| server_field_error(create.value(), f))}
                <Check name="full_day" label="Ofrecer también el bloque «Día completo» (08:00, 23 h, $8.000)" checked=false/>
                <p class="muted">"Se crean los bloques «Día» (08:00, 11 h, $5.000) y «Noche» (20:00, 11 h, $5.000); puedes cambiarlos después."</p>
                <div class="actions">
                    <button type="submit" class="button">"Crear edificio"</button>
                    <a class="button button--secondary" href="/admin/edificios">"Cancelar"</a>
                </div>
            </ActionForm>
        </div>
    }
}

/// One building's page.
#[component]
pub fn BuildingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let save = ServerAction::<SaveBuilding>::new();
    let settings = ServerAction::<SaveBuildingSettings>::new();
    let archive = ServerAction::<ArchiveBuilding>::new();
    let restore = ServerAction::<RestoreBuilding>::new();
    let delete = ServerAction::<DeleteBuilding>::new();
    let generate = ServerAction::<GenerateAvailability>::new();
    let id = move || params.with(|p| p.get("id").unwrap_or_default());
    let done = [save.version(), settings.version(), archive.version(), restore.version(), generate.version()];
    let detail = Resource::new(move || (id(), completions(&done)), |(id, _)| get_building(id));
    let get = move |k: &'static str| query_param(query, k);
    view! {
        <Title text="Edificio"/>
        <section class="panel">
            {loaded(detail, move |d| {
                let generated = get("generados").or_else(|| generate.value().with(|v| match v { Some(Ok(n)) => Some(n.to_string()), _ => None }));
                let path = format!("/admin/edificios/{}", d.id);
                let v = Values::of(&d);
                let (id, id2, id3) = (d.id.clone(), d.id.clone(), d.id.clone());
                let edit = if d.can_edit_terms {
                    let archived = d.archived;
                    let restore_or_archive = if archived {
                        view! {
                            <ActionForm action=restore attr:class="inline-form">
                                <input type="hidden" name="building_id" value=id2/>
                                <button type="submit" class="button">"Restaurar edificio"</button>
                            </ActionForm>
                        }.into_any()
                    } else {
                        view! { <a class="button button--secondary" href=format!("{path}?archivar=1")>"Archivar edificio"</a> }.into_any()
                    };
                    view! {
                        <h2>"Datos y reglas del edificio"</h2>
                        <BuildingActionForm action=save building=id>
                            {terms_fields(&v, move |f| server_field_error(save.value(), f))}
                            {settings_fields(&v, move |f| server_field_error(save.value(), f))}
                            <button type="submit" class="button">"Guardar cambios"</button>
                        </BuildingActionForm>
                        <h2>"Archivar o eliminar"</h2>
                        <div class="actions">
                            {restore_or_archive}
                            <a class="button button--danger" href=format!("{path}?eliminar=1")>"Eliminar edificio"</a>
                        </div>
                    }.into_any()
                } else if d.can_edit_settings {
                    view! {
                        <h2>"Reglas del edificio"</h2>
                        <BuildingActionForm action=settings building=id3>
                            {settings_fields(&v, move |f| server_field_error(settings.value(), f))}
                            <button type="submit" class="button">"Guardar cambios"</button>
                        </BuildingActionForm>
                    }.into_any()
                } else {
                    view! { <Facts d=d.clone()/> }.into_any()
                };
                let confirm_archive = (get("archivar").is_some() && d.can_edit_terms && !d.archived).then(|| view! { <ConfirmArchive d=d.clone() action=archive/> });
                let confirm_delete = (get("eliminar").is_some() && d.can_edit_terms).then(|| view! { <ConfirmDelete d=d.clone() action=delete/> });
                let badge = d.archived.then(|| view! { " " <span class="badge" data-testid="archived">"Archivado"</span> });
                let name = d.name.clone();
                let summary = view! { <Summary d=d generate=generate/> };
                view! {
                    <h1>{name} {badge}</h1>
                    {get("creado").map(|_| view! { <Notice text="Edificio creado con los bloques «Día» y «Noche».".to_string()/> })}
                    {get("guardado").map(|_| view! { <Notice text="Cambios guardados.".to_string()/> })}
                    {generated.map(|n| view! { <p class="alert alert--ok" role="status" data-testid="generated">{format!("Disponibilidad generada: {n} bloques nuevos.")}</p> })}
                    <FormAlert value=generate.value()/>
                    <FormAlert value=archive.value()/>
                    <FormAlert value=restore.value()/>
                    <FormAlert value=delete.value()/>
                    {confirm_archive}
                    {confirm_delete}
                    {summary}
                    {edit}
                }.into_any()
            })}
        </section>
    }
}

#[component]
fn Summary(d: BuildingDetail, generate: ServerAction<GenerateAvailability>) -> impl IntoView {
    let id = d.id.clone();
    let link = move |path: &str| format!("{path}?edificio={id}");
    view! {
        <p class="muted">{format!("{}{}", d.address, if d.comuna.is_empty() { String::new() } else { format!(", {}", d.comuna) })}</p>
        <ul class="tiles">
            <li class="tile"><A href=link("/admin/unidades")>"Unidades"</A><p>{format!("{} activas", d.units)}</p></li>
            <li class="tile"><A href=link("/admin/estacionamientos")>"Estacionamientos de visitas"</A><p>{format!("{} activos; cierres por mantención", d.spots)}</p></li>
            <li class="tile"><A href=link("/admin/bloques")>"Bloques y precios base"</A><p>{format!("{} bloques activos", d.templates)}</p></li>
            <li class="tile"><A href=link("/admin/precios")>"Reglas de precio"</A><p>"Multiplicadores por fecha"</p></li>
        </ul>
        <p data-testid="future-available">{format!("Bloques disponibles a futuro: {}", d.future_available)}</p>
        {(d.can_edit_settings && !d.archived).then(|| view! {
            <ActionForm action=generate attr:class="inline-form">
                <input type="hidden" name="building_id" value=d.id.clone()/>
                <button type="submit" class="button" data-testid="generate">"Generar disponibilidad ahora"</button>
            </ActionForm>
            <p class="muted">"La disponibilidad también se genera sola cada hora; generar ahora no duplica bloques."</p>
        })}
    }
}

#[component]
fn Facts(d: BuildingDetail) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Zona horaria"</dt><dd>{d.time_zone}</dd>
            <dt>"Comisión"</dt><dd>{format!("{} %", d.commission)}</dd>
            <dt>"Cuota mensual"</dt><dd>{d.monthly_fee_text}</dd>
            <dt>"Horizonte de reserva"</dt><dd>{format!("{} días", d.horizon)}</dd>
            <dt>"Máximo de reservas activas"</dt><dd>{d.max_active}</dd>
            <dt>"Minutos para pagar"</dt><dd>{d.hold}</dd>
        </dl>
    }
}

#[component]
fn ConfirmArchive(d: BuildingDetail, action: ServerAction<ArchiveBuilding>) -> impl IntoView {
    view! {
        <ConfirmAction title=format!("¿Archivar {}?", d.name) testid="confirm-archive"
            text="No se generarán bloques nuevos ni se aceptarán reservas nuevas; las reservas existentes se mantienen. Puedes restaurarlo cuando quieras.".to_string()
            back=format!("/admin/edificios/{}", d.id) action=action name="building_id" value=d.id.clone() button="Sí, archivar"/>
    }
}

#[component]
fn ConfirmDelete(d: BuildingDetail, action: ServerAction<DeleteBuilding>) -> impl IntoView {
    let back = format!("/admin/edificios/{}", d.id);
    match d.delete_blocker.clone() {
        Some(why) => view! {
            <ConfirmPanel title=format!("No se puede eliminar {}", d.name) text=why back=back testid="confirm-delete">
                <p class="muted">"Eliminar borraría su historial; archivarlo lo conserva."</p>
            </ConfirmPanel>
        }
        .into_any(),
        None => view! {
            <ConfirmAction title=format!("¿Eliminar {}?", d.name) testid="confirm-delete"
                text="Se borrarán sus unidades, estacionamientos, bloques, cierres y reglas de precio. Esta acción no se puede deshacer.".to_string()
                back=back action=action name="building_id" value=d.id.clone() button="Sí, eliminar"/>
        }
        .into_any(),
    }
}
