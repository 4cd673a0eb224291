//! The "Calendario" section of `/cuenta` (residents): the private feed link with "Generar nuevo
//! enlace" and "Revocar". Plain POST forms; without JavaScript each lands back on `/cuenta`.

use super::api::{calendar_feed, NewCalendarFeed, RevokeCalendarFeed};
use crate::error::AppError;
use crate::ui::form::FormAlert;
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The section; renders nothing for people who are not residents.
#[component]
pub fn CalendarFeedPanel() -> impl IntoView {
    let create = ServerAction::<NewCalendarFeed>::new();
    let revoke = ServerAction::<RevokeCalendarFeed>::new();
    let feed = Resource::new(move || (create.version().get(), revoke.version().get()), |_| calendar_feed());
    view! {
        <Suspense fallback=|| ()>
            {move || Suspend::new(async move {
                match feed.await {
                    Ok(f) => view! {
                        <section class="calendar-feed" aria-labelledby="calendario-titulo" data-testid="calendar-feed">
                            <h2 id="calendario-titulo">"Calendario"</h2>
                            <p class="muted">"Suscríbete desde Google Calendar, Outlook o el calendario de tu teléfono con este enlace privado: mostrará tus reservas y se actualizará solo. No lo compartas; si se filtró, genera uno nuevo."</p>
                            <FormAlert value=create.value()/>
                            <FormAlert value=revoke.value()/>
                            {match f.url {
                                Some(url) => view! {
                                    <label for="calendar-feed-url">"Enlace de tu calendario"</label>
                                    <input id="calendar-feed-url" class="copy-field" type="text" readonly=true value=url.clone() data-testid="feed-url"/>
                                    <p class="muted">{format!("Creado el {}.", f.created.unwrap_or_default())}</p>
                                    <div class="calendar-feed__actions">
                                        <ActionForm action=create attr:class="inline-form">
                                            <button type="submit" class="button button--secondary">"Generar nuevo enlace"</button>
                                        </ActionForm>
                                        <ActionForm action=revoke attr:class="inline-form">
                                            <button type="submit" class="button button--danger">"Revocar"</button>
                                        </ActionForm>
                                    </div>
                                }.into_any(),
                                None => view! {
                                    <p>"No tienes un enlace de calendario activo."</p>
                                    <ActionForm action=create attr:class="inline-form">
                                        <button type="submit" class="button">"Generar enlace"</button>
                                    </ActionForm>
                                }.into_any(),
                            }}
                        </section>
                    }.into_any(),
                    // Staff have no bookings to subscribe to: no section at all.
                    Err(AppError::Forbidden) => ().into_any(),
                    Err(e) => crate::ui::errors::error_view(e),
                }
            })}
        </Suspense>
    }
}
