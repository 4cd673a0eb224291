//! Live screens: while a page is open, it listens to its building's server-sent events
//! (`/vivo/edificio/{id}`) and reloads what it shows when something changes. Without JavaScript
//! nothing listens and the page is simply current as of its last load.

use leptos::prelude::*;

/// Subscribes to the events of `building` (once its id is known) and returns a counter that
/// changes on every event — make a resource depend on it to reload — and whether the stream is
/// connected right now.
pub fn live_updates(building: Signal<Option<String>>) -> (ReadSignal<u32>, ReadSignal<bool>) {
    let (version, set_version) = signal(0u32);
    let (connected, set_connected) = signal(false);
    #[cfg(feature = "hydrate")]
    browser::subscribe(building, set_version, set_connected);
    #[cfg(not(feature = "hydrate"))]
    let _ = (building, set_version, set_connected);
    (version, connected)
}

/// "En vivo" while the stream is connected (nothing otherwise, and nothing without JS).
#[component]
pub fn LiveBadge(connected: ReadSignal<bool>) -> impl IntoView {
    view! {
        <p class="live" role="status" data-testid="live">
            {move || connected.get().then_some("● En vivo: esta lista se actualiza sola")}
        </p>
    }
}

#[cfg(feature = "hydrate")]
mod browser {
    use leptos::prelude::*;
    use wasm_bindgen::{closure::Closure, JsCast};
    use web_sys::{Event, EventSource};

    /// An open stream and the handlers it calls (dropped with it).
    struct Connection {
        building: String,
        source: EventSource,
        _handlers: Vec<Closure<dyn FnMut(Event)>>,
    }

    pub fn subscribe(building: Signal<Option<String>>, set_version: WriteSignal<u32>, set_connected: WriteSignal<bool>) {
        let current = StoredValue::new_local(None::<Connection>);
        Effect::new(move |_| {
            let Some(id) = building.get() else { return };
            if current.with_value(|c| c.as_ref().is_some_and(|c| c.building == id)) {
                return;
            }
            close(current);
            let Ok(source) = EventSource::new(&format!("/vivo/edificio/{id}")) else { return };
            let bump = move |_: Event| set_version.update(|v| *v = v.wrapping_add(1));
            let mut opened_before = false;
            let handlers: Vec<(&str, Closure<dyn FnMut(Event)>)> = vec![
                ("cambio", Closure::new(bump)),
                ("recargar", Closure::new(bump)),
                (
                    "open",
                    Closure::new(move |e: Event| {
                        set_connected.set(true);
                        // After a reconnect, events may have been missed: reload once.
                        if opened_before {
                            bump(e);
                        }
                        opened_before = true;
                    }),
                ),
                ("error", Closure::new(move |_: Event| set_connected.set(false))),
            ];
            for (name, handler) in &handlers {
                let _ = source.add_event_listener_with_callback(name, handler.as_ref().unchecked_ref());
            }
            current.set_value(Some(Connection {
                building: id,
                source,
                _handlers: handlers.into_iter().map(|(_, h)| h).collect(),
            }));
        });
        on_cleanup(move || close(current));
    }

    fn close(current: StoredValue<Option<Connection>, LocalStorage>) {
        current.update_value(|c| {
            if let Some(old) = c.take() {
                old.source.close();
            }
        });
    }
}
