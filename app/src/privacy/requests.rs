//! `/admin/privacidad`: erasure requests of the caller's scope with their legal deadline; the
//! building's admin (or a platform admin) processes one after a confirmation step that works
//! without JavaScript (`?procesar=<id>`).

use super::api::{erasure_requests, ProcessErasure};
use super::ErasureRequestView;
use crate::ui::admin::ConfirmPanel;
use crate::ui::form::{FormAlert, Notice};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The screen.
#[component]
pub fn ErasureRequestsPage() -> impl IntoView {
    let query = use_query_map();
    let process = ServerAction::<ProcessErasure>::new();
    let list = Resource::new(move || process.version().get(), |_| erasure_requests());
    let confirm = move || query.with(|q| q.get("procesar")).filter(|s| !s.is_empty());
    let done = move || query.with(|q| q.get("procesada").is_some());
    view! {
        <Title text="Solicitudes de eliminación"/>
        <section class="panel">
            <h1>"Solicitudes de eliminación de cuenta"</h1>
            <p class="muted">"Ley 21.719: cada solicitud debe responderse dentro de 30 días corridos desde que se recibió."</p>
            {move || done().then(|| view! { <Notice text="Solicitud procesada: la cuenta fue anonimizada y sus sesiones cerradas.".to_string()/> })}
            <FormAlert value=process.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(rows) => view! {
                            {confirm().and_then(|id| rows.iter().find(|r| r.id == id && r.can_process).cloned())
                                .map(|r| view! { <Confirm request=r process=process/> })}
                            <Requests rows=rows/>
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn Requests(rows: Vec<ErasureRequestView>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted">"No hay solicitudes."</p> }.into_any();
    }
    view! {
        <table class="table" data-testid="erasure-requests">
            <thead><tr><th>"Residente"</th><th>"Edificio"</th><th>"Depto."</th><th>"Recibida"</th><th>"Plazo"</th><th>"Estado"</th><th></th></tr></thead>
            <tbody>
                {rows.into_iter().map(|r| {
                    let left = if r.status == "Pendiente" {
                        if r.days_left < 0 { format!("{} (vencido)", r.due) } else { format!("{} ({} días)", r.due, r.days_left) }
                    } else {
                        r.due.clone()
                    };
                    view! {
                        <tr>
                            <td>{r.name}</td><td>{r.building}</td><td>{r.unit}</td><td>{r.requested_at}</td>
                            <td>{left}</td><td>{r.status}</td>
                            <td>{r.can_process.then(|| view! { <a class="button button--danger" href=format!("/admin/privacidad?procesar={}", r.id)>"Procesar"</a> })}</td>
                        </tr>
                    }
                }).collect_view()}
            </tbody>
        </table>
    }.into_any()
}

#[component]
fn Confirm(request: ErasureRequestView, process: ServerAction<ProcessErasure>) -> impl IntoView {
    view! {
        <ConfirmPanel
            title="¿Procesar la eliminación?".to_string()
            text=format!(
                "Se anonimizará la cuenta de {} (depto. {}): nombre, correo, RUT, celular y los datos de sus visitas. \
                 Sus reservas futuras se anulan con la devolución de la política; sus sesiones terminan. No se puede deshacer.",
                request.name, request.unit
            )
            back="/admin/privacidad".to_string()
            testid="confirm-erasure"
        >
            <ActionForm action=process attr:class="inline-form">
                <input type="hidden" name="id" value=request.id/>
                <button type="submit" class="button button--danger">"Sí, eliminar la cuenta"</button>
            </ActionForm>
        </ConfirmPanel>
    }
}
