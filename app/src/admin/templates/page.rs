//! `/admin/bloques`.

use super::api::{list_templates, template_price_preview, CreateTemplate, DeactivateTemplate, ReactivateTemplate, SaveTemplate};
use super::{TemplateListing, TemplateRow};
use crate::error::AppError;
use crate::ui::admin::{
    completions, query_param, toggle_action, BuildingActionForm, BuildingPicker, ConfirmAction, DataTable, RowLink, Toggle,
};
use crate::ui::form::{server_field_error, FormAlert, Input, Notice};
use crate::ui::shell::PageShell;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_router::{components::Form, hooks::use_query_map};

/// The block templates screen.
#[component]
pub fn TemplatesPage() -> impl IntoView {
    let query = use_query_map();
    let create = ServerAction::<CreateTemplate>::new();
    let save = ServerAction::<SaveTemplate>::new();
    let toggle = Toggle::<DeactivateTemplate, ReactivateTemplate>::new();
    let edificio = move || query.with(|q| q.get("edificio").unwrap_or_default());
    let done = [create.version(), save.version(), toggle.off.version(), toggle.on.version()];
    let listing = Resource::new(move || (edificio(), completions(&done)), |(e, _)| list_templates(e));
    let get = move |k: &'static str| query_param(query, k);
    // The preview step of an edit: `?editar=…&nombre=…&precio=…&revisar=1`.
    let preview = Resource::new(
        move || (get("editar"), get("nombre"), get("precio"), get("revisar")),
        |(id, name, price, review)| async move {
            match (id, review) {
                (Some(id), Some(_)) => {
                    Some(template_price_preview(id, name.unwrap_or_default(), price.unwrap_or_default()).await)
                }
                _ => None,
            }
        },
    );
    view! {
        <PageShell title="Bloques y precios base">
            {move || get("guardado").map(|_| view! { <Notice text="Cambios guardados.".to_string()/> })}
            {move || get("repreciados").map(|n| view! { <p class="alert alert--ok" role="status" data-testid="repriced">{format!("Bloque guardado: {n} bloques disponibles futuros cambiaron de precio.")}</p> })}
            {toggle.alerts()}
            <FormAlert value=save.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let shown = preview.await;
                    match listing.await {
                        Ok(l) => {
                            let editing = get("editar").and_then(|id| l.rows.iter().find(|r| r.id == id && r.active).cloned()).filter(|_| l.screen.can_edit);
                            let confirm = get("desactivar").and_then(|id| l.rows.iter().find(|r| r.id == id && r.active).cloned());
                            let (bid, screen) = (l.screen.building_id.clone(), l.screen.clone());
                            let confirm = confirm.map(|t| view! { <ConfirmDeactivate template=t building=bid.clone() action=toggle.off/> });
                            let edit = editing.map(|t| view! { <EditForm template=t building=bid.clone() shown=shown.clone() save=save nombre=get("nombre") precio=get("precio")/> });
                            let create_form = l.screen.can_edit.then(|| view! { <CreateForm building=bid.clone() create=create/> });
                            let list = view! { <Templates listing=l reactivate=toggle.on/> };
                            view! {
                                {confirm}
                                <BuildingPicker path="/admin/bloques" screen=screen/>
                                {list}
                                {edit}
                                {create_form}
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
fn Templates(listing: TemplateListing, reactivate: ServerAction<ReactivateTemplate>) -> impl IntoView {
    if listing.rows.is_empty() {
        return view! { <p class="empty">"Este edificio no tiene bloques."</p> }.into_any();
    }
    let can_edit = listing.screen.can_edit;
    let building = listing.screen.building_id.clone();
    view! {
        <DataTable testid="templates" caption="Bloques" columns=&["Nombre", "Inicio", "Duración", "Precio base", "Bloques disponibles", "Estado", "Acciones"]>
            {listing.rows.into_iter().map(|t| {
                let edit = format!("/admin/bloques?edificio={building}&editar={}", t.id);
                let off = format!("/admin/bloques?edificio={building}&desactivar={}", t.id);
                let edit_label = format!("Editar {}", t.name);
                let off = (off, format!("Desactivar {}", t.name));
                let on = ("template_id", t.id.clone(), format!("Reactivar {}", t.name));
                view! {
                    <tr data-testid="template">
                        <td>{t.name.clone()}</td><td>{t.start.clone()}</td><td>{t.duration.clone()}</td>
                        <td class="amount">{t.price.clone()}</td><td>{t.available}</td>
                        <td>{if t.active { "Activo" } else { "Desactivado" }}</td>
                        <td class="actions">{(can_edit && t.active).then(|| view! {
                            <RowLink href=edit label=edit_label text="Editar"/>
                        })}{can_edit.then(|| toggle_action(t.active, off, reactivate, on))}</td>
                    </tr>
                }
            }).collect_view()}
            </DataTable>
    }
    .into_any()
}

/// Step one: name and price (a GET form, so the preview is a plain page); step two: the preview
/// and the button that saves.
#[component]
fn EditForm(
    template: TemplateRow,
    building: String,
    shown: Option<Result<super::PricePreview, AppError>>,
    save: ServerAction<SaveTemplate>,
    nombre: Option<String>,
    precio: Option<String>,
) -> impl IntoView {
    let problem = |f: &'static str| {
        let message = match &shown {
            Some(Err(e)) => e.field_message(f),
            _ => None,
        };
        Signal::derive(move || message.clone().or_else(|| server_field_error(save.value(), f).get()))
    };
    let (name_err, price_err) = (problem("nombre"), problem("precio"));
    let name = nombre.unwrap_or_else(|| template.name.clone());
    let price = precio.unwrap_or_else(|| template.price_field.clone());
    let back = format!("/admin/bloques?edificio={building}");
    view! {
        <h2 id="edit-template">{format!("Editar «{}»", template.name)}</h2>
        <p class="muted">{format!("Empieza a las {} y dura {}. Para cambiar el horario crea un bloque nuevo y desactiva este.", template.start, template.duration)}</p>
        {match shown {
            Some(Ok(p)) => view! {
                <div class="confirm" role="alertdialog" aria-labelledby="preview-title" data-testid="price-preview">
                    <h2 id="preview-title">"Revisa el cambio"</h2>
                    <p>{if p.from == p.to {
                        format!("El precio base se mantiene en {}; ningún bloque cambia de precio.", p.to)
                    } else {
                        format!("Cambiará el precio de {} bloques disponibles futuros (de {} a {}). Las reservas ya hechas conservan su precio.", p.blocks, p.from, p.to)
                    }}</p>
                    <ActionForm action=save attr:class="inline-form">
                        <input type="hidden" name="template_id" value=p.template_id.clone()/>
                        <input type="hidden" name="nombre" value=p.name.clone()/>
                        <input type="hidden" name="precio" value=p.to_pesos.to_string()/>
                        <button type="submit" class="button">"Confirmar cambio"</button>
                    </ActionForm>
                    <a class="button button--secondary" href=back.clone()>"No, volver"</a>
                </div>
            }.into_any(),
            _ => view! {
                <div data-testid="template-edit">
                    <Form method="GET" action="/admin/bloques" attr:class="form" attr:aria-labelledby="edit-template">
                        <input type="hidden" name="edificio" value=building.clone()/>
                        <input type="hidden" name="editar" value=template.id.clone()/>
                        <input type="hidden" name="revisar" value="1"/>
                        <Input name="nombre" label="Nombre" value=name error=name_err/>
                        <Input name="precio" label="Precio base (CLP)" hint="Se aplicará a los bloques disponibles futuros; verás cuántos antes de guardar." value=price inputmode="numeric" error=price_err/>
                        <div class="actions">
                            <button type="submit" class="button">"Revisar cambio"</button>
                            <a class="button button--secondary" href=back.clone()>"Cancelar"</a>
                        </div>
                    </Form>
                </div>
            }.into_any(),
        }}
    }
}

#[component]
fn CreateForm(building: String, create: ServerAction<CreateTemplate>) -> impl IntoView {
    let err = move |f: &'static str| server_field_error(create.value(), f);
    view! {
        <h2 id="new-template">"Nuevo bloque"</h2>
        <div data-testid="template-create">
            <BuildingActionForm action=create building=building labelled_by="new-template">
                <Input name="name" label="Nombre" hint="Por ejemplo «Tarde»." value="" error=err("name")/>
                <Input name="start" label="Hora de inicio" hint="HH:MM, hora del edificio." input_type="time" value="" error=err("start")/>
                <Input name="duration" label="Duración (horas)" hint="11, o 4:30 para cuatro horas y media (máximo 24)." value="" error=err("duration")/>
                <Input name="price" label="Precio base (CLP)" hint="Por ejemplo 5.000." value="" inputmode="numeric" error=err("price")/>
                <button type="submit" class="button">"Crear bloque"</button>
            </BuildingActionForm>
        </div>
    }
}

#[component]
fn ConfirmDeactivate(template: TemplateRow, building: String, action: ServerAction<DeactivateTemplate>) -> impl IntoView {
    view! {
        <ConfirmAction title=format!("¿Desactivar el bloque «{}»?", template.name) testid="confirm-deactivate"
            text=format!("Sus {} bloques disponibles a futuro quedarán bloqueados y no se generarán nuevos. Las reservas existentes se mantienen.", template.available)
            back=format!("/admin/bloques?edificio={building}") action=action name="template_id" value=template.id button="Sí, desactivar"/>
    }
}
