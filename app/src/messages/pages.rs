//! `/admin/mensajes`.

use super::api::list_messages;
use leptos::prelude::*;
use leptos_meta::Title;

/// The messages screen (development outbox when Twilio is not configured).
#[component]
pub fn MessagesPage() -> impl IntoView {
    let messages = Resource::new(|| (), |_| list_messages());
    view! {
        <Title text="Mensajes de WhatsApp"/>
        <section class="panel">
            <h1>"Mensajes de WhatsApp"</h1>
            <p class="muted">"Los mensajes enviados (o en cola) a residentes y visitas, con su estado de entrega."</p>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match messages.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="empty">"Aún no hay mensajes."</p> }.into_any(),
                        Ok(rows) => view! {
                            <ul class="messages">
                                {rows.into_iter().map(|m| view! {
                                    <li class="message" data-testid="message">
                                        <p class="message__meta">
                                            <strong>{m.kind}</strong>" · "{m.recipient}" · "{m.created_at}" · "
                                            <span class="badge">{m.status}</span>
                                            {m.transport.map(|t| view! { " · " <span class="muted">{if t == "dev_outbox" { "bandeja de desarrollo".to_string() } else { t }}</span> })}
                                        </p>
                                        {(m.attempts > 1 || m.last_error.is_some()).then(|| view! {
                                            <p class="message__error">
                                                {format!("Intentos: {}", m.attempts)}
                                                {m.last_error.map(|e| format!(" · Último error: {e}"))}
                                            </p>
                                        })}
                                        <pre class="message__body">{m.body}</pre>
                                    </li>
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}
