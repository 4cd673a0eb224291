//! `/conserjeria`: the gate screen. Mobile-first, large targets, high contrast; works without
//! JavaScript (the verification is a form post that lands back on the screen with its verdict).

use super::api::{gate_verdict, load_gate_lists, RegisterAtGate, VerifyAtGate};
use super::{GateBooking, Verdict};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

/// The gate screen.
#[component]
pub fn GatePage() -> impl IntoView {
    let verify = ServerAction::<VerifyAtGate>::new();
    let register = ServerAction::<RegisterAtGate>::new();
    let query = use_query_map();
    let verdict_id = move || query.with(|q| q.get("v"));
    let verdict = Resource::new(
        move || (verdict_id(), register.version().get()),
        |(v, _)| async move {
            match v {
                Some(v) => gate_verdict(v).await.map(Some),
                None => Ok(None),
            }
        },
    );
    // With JS, the lists follow the building's live events (another concierge's check-in, a new
    // booking, a no-show marked by the job) without a reload.
    let building = RwSignal::new(None::<String>);
    let (live, connected) = crate::ui::live::live_updates(building.into());
    let lists = Resource::new(
        move || (register.version().get(), verdict_id(), live.get()),
        |_| load_gate_lists(),
    );

    view! {
        <Title text="Conserjería"/>
        <section class="gate">
            <h1 class="gate__title">"Control de acceso"</h1>
            <ActionForm action=verify attr:class="gate__form">
                <label for="q" class="gate__label">"Patente o código de la reserva"</label>
                <div class="gate__row">
                    <input id="q" name="q" class="gate__input" autocomplete="off" autocapitalize="characters"
                        placeholder="KHJT-52 o ABCD-2345" required=true aria-describedby="q-help"/>
                    <button type="submit" class="button gate__button">"Verificar"</button>
                </div>
                <p id="q-help" class="gate__help">"Acepta guiones, espacios y minúsculas."</p>
            </ActionForm>
            <crate::ui::form::FormAlert value=verify.value()/>
            <crate::ui::form::FormAlert value=register.value()/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match verdict.await {
                        Ok(Some(v)) => view! { <VerdictCard verdict=v register=register/> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
            <crate::ui::live::LiveBadge connected=connected/>
            <Transition fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match lists.await {
                        Ok(l) => view! {
                            {building.set(Some(l.building_id.clone()))}
                            <p class="gate__building">{l.building}</p>
                            <GateList title="Llegadas de hoy" empty="No quedan llegadas para hoy." items=l.arrivals testid="arrivals" register=register/>
                            <GateList title="Dentro" empty="No hay autos de visita dentro." items=l.inside testid="inside" register=register/>
                            <GateList title="Excedidos" empty="Ningún auto excedió su horario." items=l.overstays testid="overstays" register=register/>
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn VerdictCard(verdict: Verdict, register: ServerAction<RegisterAtGate>) -> impl IntoView {
    let (word, class) = if verdict.allowed {
        ("AUTORIZADO", "verdict verdict--ok")
    } else {
        ("DENEGADO", "verdict verdict--denied")
    };
    view! {
        <div class=class role="status" data-testid="verdict">
            <p class="verdict__word">{word}</p>
            {verdict.reason.map(|r| view! { <p class="verdict__reason">{r}</p> })}
            {verdict.booking.map(|b| view! { <BookingFacts booking=b register=register/> })}
        </div>
    }
}

#[component]
fn BookingFacts(booking: GateBooking, register: ServerAction<RegisterAtGate>) -> impl IntoView {
    let actions = [
        (booking.can_check_in, "ingreso", "Registrar ingreso", "button gate__action"),
        (booking.can_check_out, "salida", "Registrar salida", "button gate__action"),
        (booking.can_no_show, "no_llego", "No llegó", "button button--danger gate__action"),
    ];
    let id = booking.id.clone();
    view! {
        <dl class="verdict__facts">
            <dt>"Patente"</dt><dd class="verdict__plate">{booking.plate.clone()}</dd>
            <dt>"Estacionamiento"</dt><dd>{booking.spot.clone()}</dd>
            <dt>"Depto."</dt><dd>{booking.unit.clone()}</dd>
            <dt>"Visita"</dt><dd>{booking.visitor.clone()}</dd>
            <dt>"Horario"</dt><dd>{booking.window.clone()}</dd>
            <dt>"Estado"</dt><dd>{booking.status.clone()}</dd>
        </dl>
        <div class="gate__actions">
            {actions.into_iter().filter(|a| a.0).map(|(_, accion, label, class)| {
                let id = id.clone();
                view! {
                    <ActionForm action=register>
                        <input type="hidden" name="booking_id" value=id/>
                        <input type="hidden" name="accion" value=accion/>
                        <button type="submit" class=class>{label}</button>
                    </ActionForm>
                }
            }).collect_view()}
        </div>
    }
}

#[component]
fn GateList(
    title: &'static str,
    empty: &'static str,
    items: Vec<GateBooking>,
    testid: &'static str,
    register: ServerAction<RegisterAtGate>,
) -> impl IntoView {
    view! {
        <section class="gate__list" data-testid=testid>
            <h2>{format!("{title} ({})", items.len())}</h2>
            {if items.is_empty() {
                view! { <p class="muted">{empty}</p> }.into_any()
            } else {
                view! {
                    <ul>
                        {items.into_iter().map(|b| view! {
                            <li class="gate__item">
                                <p><strong class="gate__plate">{b.plate.clone()}</strong>{format!(" · {} · {} · depto. {}", b.spot, b.window, b.unit)}</p>
                                <BookingFacts booking=b register=register/>
                            </li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
    }
}
