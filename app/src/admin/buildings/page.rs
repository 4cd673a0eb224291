//! `/admin/edificios` (list, filter, create) and `/admin/edificios/:id` (the building: settings,
//! terms, archive/restore/delete with a confirmation step, availability on demand).

use super::api::{
    get_building, list_buildings, ArchiveBuilding, CreateBuilding, DeleteBuilding, GenerateAvailability, RestoreBuilding,
    SaveBuilding, SaveBuildingSettings,
};
use super::{BuildingDetail, BuildingListing};
use crate::admin::ui::{query_string, ConfirmPanel, Pager};
use crate::domain::inventory::CHILEAN_ZONES;
use crate::ui::form::{server_field_error, FormAlert, Notice};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::{use_params_map, use_query_map},
};

mod detail;
pub use detail::BuildingPage;

/// A labelled input with an initial value, an optional hint and the server's message for it.
#[component]
pub fn Input(
    /// Field name (= server function argument).
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// `type` attribute.
    #[prop(default = "text")]
    input_type: &'static str,
    /// Help under the label.
    #[prop(optional)]
    hint: Option<&'static str>,
    /// Initial value.
    #[prop(into)]
    value: String,
    /// `inputmode`.
    #[prop(optional)]
    inputmode: Option<&'static str>,
    /// The server's message for this field.
    #[prop(into)]
    error: Signal<Option<String>>,
) -> impl IntoView {
    let error_id = format!("{name}-error");
    let hint_id = format!("{name}-hint");
    let described = if hint.is_some() { format!("{hint_id} {error_id}") } else { error_id.clone() };
    view! {
        <div class="field" class:field--invalid=move || error.get().is_some()>
            <label for=name>{label}</label>
            {hint.map(|h| view! { <p class="field__hint" id=hint_id.clone()>{h}</p> })}
            <input id=name name=name type=input_type value=value inputmode=inputmode aria-describedby=described
                aria-invalid=move || if error.get().is_some() { "true" } else { "false" }/>
            <p class="field__error" id=error_id>{move || error.get()}</p>
        </div>
    }
}

/// A labelled checkbox (sent as `on` when checked, absent when not).
#[component]
pub fn Check(
    /// Field name.
    name: &'static str,
    /// Visible label.
    label: &'static str,
    /// Initially checked.
    checked: bool,
) -> impl IntoView {
    view! {
        <div class="field field--check">
            <input id=name name=name type="checkbox" value="on" checked=checked/>
            <label for=name>{label}</label>
        </div>
    }
}

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
    let params = move || {
        query.with(|q| {
            let get = |k: &str| q.get(k).unwrap_or_default();
            (get("estado"), get("buscar"), get("pagina"))
        })
    };
    let listing = Resource::new(params, |(e, b, p)| list_buildings(e, b, p));
    let flag = move |k: &'static str| query.with(|q| q.get(k).is_some_and(|v| !v.is_empty()));
    view! {
        <Title text="Edificios"/>
        <section class="panel">
            <h1>"Edificios"</h1>
            {move || flag("eliminado").then(|| view! { <Notice text="Edificio eliminado.".to_string()/> })}
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let (estado, buscar, _) = params();
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
        </section>
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
        <table class="table" data-testid="buildings">
            <caption class="visually-hidden">"Edificios"</caption>
            <thead><tr>
                <th scope="col">"Nombre"</th><th scope="col">"Dirección"</th><th scope="col">"Unidades"</th>
                <th scope="col">"Estacionamientos"</th><th scope="col">"Estado"</th>
            </tr></thead>
            <tbody>
                {listing.rows.into_iter().map(|b| view! {
                    <tr data-testid="building-row">
                        <td><A href=format!("/admin/edificios/{}", b.id)>{b.name}</A></td>
                        <td>{b.address}</td><td>{b.units}</td><td>{b.spots}</td>
                        <td>{if b.archived { "Archivado" } else { "Activo" }}</td>
                    </tr>
                }).collect_view()}
            </tbody>
        </table>
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
