//! One building's page: its facts, the terms and settings forms, availability generation, and the
//! archive and delete confirmations.

use super::{settings_fields, terms_fields, BuildingsPage, Check, CreateForm, Filters, Input, List, Values};
use crate::admin::buildings::api::{
    get_building, list_buildings, ArchiveBuilding, CreateBuilding, DeleteBuilding, GenerateAvailability, RestoreBuilding,
    SaveBuilding, SaveBuildingSettings,
};
use crate::admin::buildings::{BuildingDetail, BuildingListing};
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
    let detail = Resource::new(
        move || {
            (
                id(),
                save.version().get(),
                settings.version().get(),
                archive.version().get(),
                restore.version().get(),
                generate.version().get(),
            )
        },
        |(id, ..)| get_building(id),
    );
    let get = move |k: &'static str| query.with(|q| q.get(k)).filter(|s| !s.is_empty());
    view! {
        <Title text="Edificio"/>
        <section class="panel">
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match detail.await {
                        Ok(d) => {
                            let generated = get("generados").or_else(|| generate.value().with(|v| match v { Some(Ok(n)) => Some(n.to_string()), _ => None }));
                            let path = format!("/admin/edificios/{}", d.id);
                            let v = Values::of(&d);
                            let (id, id2, id3) = (d.id.clone(), d.id.clone(), d.id.clone());
                            let edit = if d.can_edit_terms {
                                let result = save.value();
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
                                    <ActionForm action=save attr:class="form">
                                        <FormAlert value=result/>
                                        <input type="hidden" name="building_id" value=id/>
                                        {terms_fields(&v, move |f| server_field_error(save.value(), f))}
                                        {settings_fields(&v, move |f| server_field_error(save.value(), f))}
                                        <button type="submit" class="button">"Guardar cambios"</button>
                                    </ActionForm>
                                    <h2>"Archivar o eliminar"</h2>
                                    <div class="actions">
                                        {restore_or_archive}
                                        <a class="button button--danger" href=format!("{path}?eliminar=1")>"Eliminar edificio"</a>
                                    </div>
                                }.into_any()
                            } else if d.can_edit_settings {
                                let result = settings.value();
                                view! {
                                    <h2>"Reglas del edificio"</h2>
                                    <ActionForm action=settings attr:class="form">
                                        <FormAlert value=result/>
                                        <input type="hidden" name="building_id" value=id3/>
                                        {settings_fields(&v, move |f| server_field_error(settings.value(), f))}
                                        <button type="submit" class="button">"Guardar cambios"</button>
                                    </ActionForm>
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
                        }
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
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
        <ConfirmPanel
            title=format!("¿Archivar {}?", d.name)
            text="No se generarán bloques nuevos ni se aceptarán reservas nuevas; las reservas existentes se mantienen. Puedes restaurarlo cuando quieras.".to_string()
            back=format!("/admin/edificios/{}", d.id)
            testid="confirm-archive"
        >
            <ActionForm action=action attr:class="inline-form">
                <input type="hidden" name="building_id" value=d.id.clone()/>
                <button type="submit" class="button button--danger">"Sí, archivar"</button>
            </ActionForm>
        </ConfirmPanel>
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
            <ConfirmPanel
                title=format!("¿Eliminar {}?", d.name)
                text="Se borrarán sus unidades, estacionamientos, bloques, cierres y reglas de precio. Esta acción no se puede deshacer.".to_string()
                back=back
                testid="confirm-delete"
            >
                <ActionForm action=action attr:class="inline-form">
                    <input type="hidden" name="building_id" value=d.id.clone()/>
                    <button type="submit" class="button button--danger">"Sí, eliminar"</button>
                </ActionForm>
            </ConfirmPanel>
        }
        .into_any(),
    }
}
