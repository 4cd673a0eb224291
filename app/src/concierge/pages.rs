//! `/conserjeria`: the gate screen. Mobile-first, large targets, high contrast; works without
//! JavaScript (the verification is a form post that lands back on the screen with its verdict).

use super::api::{gate_verdict, load_gate_lists, verify_pass_link, RegisterAtGate, VerifyAtGate};
use super::{GateBooking, Verdict};
use crate::error::AppError;
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
    // A guest pass's QR link (`?pase=<code>`): verified like a typed code, then redirected to
    // its verdict (`?v=`); followed from another site, it only offers the verification.
    let pass_link = Resource::new(
        move || query.with(|q| if q.get("v").is_some() { None } else { q.get("pase") }),
        |pase| async move {
            match pase {
                Some(p) => verify_pass_link(p).await,
                None => Ok(None),
            }
        },
    );
    // With JS, the lists follow the building's live events (another concierge's check-in, a new
    // booking, a no-show marked by the job) without a reload.
    let building = RwSignal::new(None::<String>);
    let (live, connected) = crate::ui::live::live_updates(building.into());
    let lists = Resource::new(move || (register.version().get(), verdict_id(), live.get()), |_| load_gate_lists());

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
            <ScanPass/>
            <crate::ui::form::FormAlert value=verify.value()/>
            <crate::ui::form::FormAlert value=register.value()/>
            <Suspense fallback=|| ()>
                {move || Suspend::new(async move {
                    match pass_link.await {
                        Ok(Some(code)) => view! { <ConfirmPassLink code=code verify=verify/> }.into_any(),
                        Ok(None) => ().into_any(),
                        // The lists below already say why this person cannot use the gate.
                        Err(AppError::Forbidden | AppError::Unauthenticated) => ().into_any(),
                        Err(e) => view! { <p class="alert alert--error" role="alert" data-testid="pass-link-error">{e.to_string()}</p> }.into_any(),
                    }
                })}
            </Suspense>
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

/// "Escanear pase": the phone's camera reads the guest pass's QR code and submits it through the
/// verification form above (`public/js/gate-scan.js`: the browser's `BarcodeDetector`, or the
/// vendored jsQR decoder). Hidden until that script finds a camera API, so without JavaScript or
/// a camera the screen is just the typed form.
#[component]
fn ScanPass() -> impl IntoView {
    view! {
        <div class="gate-scan" data-gate-scan="">
            <button type="button" class="button button--secondary gate__button" data-gate-scan-start="">"Escanear pase"</button>
            <button type="button" class="button button--secondary" data-gate-scan-stop="" hidden=true>"Cancelar escaneo"</button>
            <video class="gate-scan__video" data-gate-scan-video="" muted=true playsinline=true hidden=true
                aria-label="Vista de la cámara: apunta al código QR del pase"></video>
            <p class="gate-scan__status" role="status" data-gate-scan-status=""></p>
        </div>
        <script type="module" src="/js/gate-scan.js"></script>
    }
}

/// A pass link followed from another site: one press verifies it.
#[component]
fn ConfirmPassLink(code: String, verify: ServerAction<VerifyAtGate>) -> impl IntoView {
    view! {
        <div class="alert" role="status" data-testid="pass-link">
            <p>{format!("Se abrió el pase {code} desde otro sitio. ¿Verificarlo en la portería?")}</p>
            <ActionForm action=verify>
                <input type="hidden" name="q" value=code/>
                <button type="submit" class="button">"Verificar pase"</button>
            </ActionForm>
        </div>
    }
}

#[component]
fn VerdictCard(verdict: Verdict, register: ServerAction<RegisterAtGate>) -> impl IntoView {
    let (word, class) =
        if verdict.allowed { ("AUTORIZADO", "verdict verdict--ok") } else { ("DENEGADO", "verdict verdict--denied") };
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
