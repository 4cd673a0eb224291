//! The home page and its interactive price estimate.

use super::api::home_facts;
use crate::domain::money::Clp;
use leptos::prelude::*;
use leptos_meta::Title;

/// Landing page explaining the product to a resident.
#[component]
pub fn HomePage() -> impl IntoView {
    let facts = Resource::new(|| (), |_| home_facts());

    view! {
        <Title text="Estacionamientos de visita"/>
        <section class="hero">
            <h1>"Estacionamiento de visita, reservado y pagado en un minuto"</h1>
            <p class="hero__lead">
                "Reserva uno de los estacionamientos de visita de tu edificio para quien te viene a ver, "
                "paga en línea y tu visita recibe por WhatsApp su código de acceso y un pase para mostrar en conserjería."
            </p>
        </section>

        <section class="steps" aria-labelledby="como-funciona">
            <h2 id="como-funciona">"¿Cómo funciona?"</h2>
            <ol class="steps__list">
                <li>
                    <h3>"1. Crea tu cuenta"</h3>
                    <p>"Regístrate con tu RUT, tu departamento y tu celular. La administración de tu edificio aprueba tu cuenta."</p>
                </li>
                <li>
                    <h3>"2. Elige día y bloque"</h3>
                    <p>"Ves los estacionamientos de visita libres, con el precio final antes de reservar."</p>
                </li>
                <li>
                    <h3>"3. Paga y comparte"</h3>
                    <p>"Tu visita recibe por WhatsApp el código de acceso y el pase con código QR."</p>
                </li>
                <li>
                    <h3>"4. Llega y estaciona"</h3>
                    <p>"Conserjería verifica la patente o el código y registra el ingreso y la salida."</p>
                </li>
            </ol>
        </section>

        <PriceEstimate/>

        <section class="facts" aria-live="polite">
            <Suspense fallback=|| view! { <p class="muted">"Consultando el servicio…"</p> }>
                {move || Suspend::new(async move {
                    match facts.await {
                        Ok(f) => view! {
                            <p class="muted">
                                "Hoy es " <span data-testid="today">{f.today}</span> " en Santiago. "
                                {match f.active_buildings {
                                    0 => "Pronto en los primeros edificios.".to_string(),
                                    1 => "Un edificio ya usa Estacionate.".to_string(),
                                    n => format!("{n} edificios ya usan Estacionate."),
                                }}
                            </p>
                        }.into_any(),
                        Err(e) => view! { <p class="muted">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// The default block types a building offers, with their usual base price.
const BLOCKS: [(&str, &str, u32, i64); 3] = [
    ("dia", "Día · 08:00 a 19:00", 11, 5_000),
    ("noche", "Noche · 20:00 a 07:00", 11, 5_000),
    ("completo", "Día completo · 08:00 a 07:00", 23, 8_000),
];

/// Lets a visitor compare block types; proves the page hydrates (the buttons only react with
/// JavaScript, and the server-rendered default is meaningful without it).
#[component]
fn PriceEstimate() -> impl IntoView {
    let (selected, set_selected) = signal(0usize);
    let current = move || BLOCKS.get(selected.get()).copied().unwrap_or(BLOCKS[0]);

    view! {
        <section class="estimate" aria-labelledby="precio-referencial">
            <h2 id="precio-referencial">"¿Cuánto cuesta?"</h2>
            <p>"Elige un bloque para ver su precio base referencial. Cada edificio define sus precios, y el precio final siempre se muestra antes de pagar."</p>
            <div class="estimate__choices" role="group" aria-label="Tipo de bloque">
                {BLOCKS
                    .iter()
                    .enumerate()
                    .map(|(i, (id, label, _, _))| {
                        view! {
                            <button
                                type="button"
                                class="chip"
                                id=format!("bloque-{id}")
                                aria-pressed=move || if selected.get() == i { "true" } else { "false" }
                                on:click=move |_| set_selected.set(i)
                            >
                                {*label}
                            </button>
                        }
                    })
                    .collect_view()}
            </div>
            <p class="estimate__result" data-testid="estimate" aria-live="polite">
                {move || {
                    let (_, label, hours, price) = current();
                    format!("{label}: {hours} horas por {}", Clp::new(price))
                }}
            </p>
        </section>
    }
}
