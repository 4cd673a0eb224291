//! `/mis-visitas`: the resident's saved visitors — list, add, edit (`?editar=<id>`), delete —
//! and the "recent visitors" links of the booking form. Plain POST forms and links: everything
//! works without JavaScript.

use super::api::{list_visitors, visitor_prefill, DeleteVisitor, SaveVisitor};
use super::{RecentVisitor, SavedVisitor, VisitorDraft};
use crate::domain::{names::VisitorName, plate::Plate};
use crate::ui::form::{server_field_error, FormAlert, TextField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

fn check<T, E: std::fmt::Display>(r: Result<T, E>) -> Option<String> {
    r.err().map(|e| e.to_string())
}

/// `/mis-visitas`.
#[component]
pub fn VisitorsPage() -> impl IntoView {
    let query = use_query_map();
    let editing = move || query.with(|q| q.get("editar")).filter(|id| !id.trim().is_empty());
    let save = ServerAction::<SaveVisitor>::new();
    let delete = ServerAction::<DeleteVisitor>::new();
    let list = Resource::new(move || (save.version().get(), delete.version().get()), |_| list_visitors());
    let draft = Resource::new(editing, |id| async move {
        match id {
            Some(id) => visitor_prefill(format!("v-{id}")).await.map(Some),
            None => Ok(None),
        }
    });

    view! {
        <Title text="Mis visitas"/>
        <section class="panel">
            <h1>"Mis visitas"</h1>
            <p class="muted">"Guarda a quienes te visitan seguido y elígelos al reservar, sin volver a escribir sus datos."</p>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let (list, draft) = (list.await, draft.await);
                    let list = match list {
                        Ok(l) => l,
                        Err(e) => return crate::ui::errors::error_view(e),
                    };
                    let form = match draft {
                        // A different view type for editing: switching from adding to editing
                        // then builds new inputs instead of updating the old ones, whose typed
                        // text would hide the prefilled value attribute.
                        Ok(Some(d)) => view! { <div class="visitor-edit">{visitor_form(save, Some(d))}</div> }.into_any(),
                        Ok(None) => visitor_form(save, None).into_any(),
                        Err(e) => view! {
                            {crate::ui::errors::error_view(e)}
                            <p><A href="/mis-visitas">"Volver a mis visitas"</A></p>
                        }.into_any(),
                    };
                    let count = format!("{} de {} visitas guardadas.", list.visitors.len(), list.max);
                    view! {
                        {form}
                        <h2>"Visitas guardadas"</h2>
                        <p class="muted" data-testid="visitor-count">{count}</p>
                        <FormAlert value=delete.value()/>
                        {if list.visitors.is_empty() {
                            view! { <p class="empty">"Aún no tienes visitas guardadas."</p> }.into_any()
                        } else {
                            view! {
                                <ul class="visitors">
                                    {list.visitors.into_iter().map(|v| visitor_item(delete, v)).collect_view()}
                                </ul>
                            }.into_any()
                        }}
                    }.into_any()
                })}
            </Suspense>
        </section>
    }
}

fn visitor_form(save: ServerAction<SaveVisitor>, draft: Option<VisitorDraft>) -> impl IntoView {
    let value = save.value();
    let editing = draft.is_some();
    let d = draft.unwrap_or_default();
    view! {
        <h2>{if editing { "Editar visita" } else { "Agregar visita" }}</h2>
        <FormAlert value=value/>
        <ActionForm action=save attr:class="form" attr:novalidate=true attr:data-testid="visitor-form">
            <input type="hidden" name="id" value=d.id.clone()/>
            <TextField name="name" label="Nombre" autocomplete="off" value=d.name.clone()
                server_error=server_field_error(value, "name") validate=|v| check(VisitorName::parse(v))/>
            <TextField name="plate" label="Patente" placeholder="KHJT-52" autocomplete="off" value=d.plate.clone()
                hint="Formatos: BBBB12, AB1234 o moto BBB12. Puedes usar guiones o espacios."
                server_error=server_field_error(value, "plate") validate=|v| check(Plate::parse(v))/>
            <div class="field">
                <label for="phone">"Celular (opcional)"</label>
                <p class="field__hint" id="phone-hint">"Para enviarle por WhatsApp el código y el pase cuando reserves."</p>
                <input id="phone" name="phone" type="tel" inputmode="tel" autocomplete="off" value=d.phone.clone()
                    placeholder="+56 9 1234 5678" aria-describedby="phone-hint phone-error"/>
                <p class="field__error" id="phone-error">{move || server_field_error(value, "phone").get()}</p>
            </div>
            <p class="form__actions">
                <button type="submit" class="button" disabled=move || save.pending().get()>
                    {if editing { "Guardar cambios" } else { "Guardar visita" }}
                </button>
                {editing.then(|| view! { " " <A href="/mis-visitas" attr:class="button button--secondary">"Cancelar"</A> })}
            </p>
        </ActionForm>
    }
}

fn visitor_item(delete: ServerAction<DeleteVisitor>, v: SavedVisitor) -> impl IntoView {
    let delete_label = format!("Eliminar a {}", v.name);
    let edit_label = format!("Editar a {}", v.name);
    view! {
        <li class="visitor" data-testid="saved-visitor">
            <p class="visitor__name"><strong>{v.name.clone()}</strong></p>
            <p>{format!("Patente {}", v.plate)}{v.phone_masked.clone().map(|p| format!(" · {p}"))}</p>
            <div class="visitor__actions">
                <A href=format!("/mis-visitas?editar={}", v.id) attr:class="button button--secondary" attr:aria-label=edit_label>"Editar"</A>
                <ActionForm action=delete attr:class="inline-form">
                    <input type="hidden" name="id" value=v.id.clone()/>
                    <button type="submit" class="button button--danger" aria-label=delete_label>"Eliminar"</button>
                </ActionForm>
            </div>
        </li>
    }
}

/// The booking form's "Tus visitas recientes": links that reload the form prefilled.
#[component]
pub fn RecentVisitors(
    /// `/reservar/{block}` of the form.
    base: String,
    /// The visitors offered.
    visitors: Vec<RecentVisitor>,
) -> impl IntoView {
    view! {
        <nav class="recent-visitors" aria-labelledby="visitas-recientes">
            <h2 id="visitas-recientes">"Tus visitas recientes"</h2>
            {if visitors.is_empty() {
                view! { <p class="muted">"Cuando reserves o guardes visitas, aparecerán aquí para elegirlas con un clic."</p> }.into_any()
            } else {
                view! {
                    <ul class="recent-visitors__list">
                        {visitors.into_iter().map(|v| {
                            let href = format!("{base}?visita={}", v.reference);
                            view! {
                                <li><A href=href attr:class="chip" attr:data-testid="recent-visitor">{format!("{} · {}", v.name, v.plate)}</A></li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <p><A href="/mis-visitas">"Administrar mis visitas"</A></p>
        </nav>
    }
}
