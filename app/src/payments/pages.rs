//! The payment screens: the simulator's checkout, the three result pages and the cancellation
//! with its refund shown before confirming. Every action is a plain form (`<ActionForm>`), so
//! all of them work without JavaScript.

use super::api::{checkout, payment_result, refund_preview, simulator_checkout, CancelBooking, ConfirmSimulatedPayment};
use super::{CheckoutTarget, PaymentOutcome, RefundQuote, ResultKind, SimulatorPage};
use crate::error::AppError;
use crate::ui::form::FormAlert;
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::{use_params_map, use_query_map};

/// A failed load: "not found" also sets the HTTP status; the rest as everywhere else.
fn load_error(err: AppError) -> AnyView {
    #[cfg(feature = "ssr")]
    if err == AppError::NotFound {
        if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
            response.set_status(http::StatusCode::NOT_FOUND);
        }
    }
    crate::ui::errors::error_view(err)
}

/// The `reserva` query parameter of the current URL.
fn reserva() -> Memo<String> {
    let query = use_query_map();
    Memo::new(move |_| query.with(|q| q.get("reserva").unwrap_or_default()))
}

/// The link that starts (or resumes) paying a booking.
pub fn checkout_path(booking_id: &str) -> String {
    format!("/pago/ir/{booking_id}")
}

/// `/pago/ir/{booking_id}`: sends the resident to the gateway's checkout.
///
/// A GET page on purpose. The CSP's `form-action 'self'` also covers the redirects that follow
/// a form post, so a posted form cannot end on MercadoPago's site; a page reached by a link
/// (or by the redirect after booking) can. The simulator is on our site and gets a plain 302;
/// an external checkout gets this page, which moves on by itself (`<meta http-equiv=refresh>`,
/// no script) and offers the link. The only state it creates is the checkout attempt, which a
/// second visit reuses.
#[component]
pub fn GoToCheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let target = Resource::new(move || params.with(|p| p.get("id").unwrap_or_default()), checkout);
    view! {
        <Title text="Ir a pagar"/>
        <section class="panel panel--narrow">
            <Suspense fallback=|| view! { <p class="muted">"Preparando el pago…"</p> }>
                {move || Suspend::new(async move {
                    match target.await {
                        Ok(t) => go_to_view(t).into_any(),
                        Err(e) => view! { <h1>"Pago"</h1> {load_error(e)} }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn go_to_view(t: CheckoutTarget) -> impl IntoView {
    let label = if t.external { "Continuar a MercadoPago" } else { "Continuar al pago" };
    view! {
        <Meta http_equiv="refresh" content=format!("0;url={}", t.url)/>
        <h1>"Te llevamos al pago…"</h1>
        <p>"Si no pasa nada en unos segundos, usa el botón."</p>
        <p><a href=t.url rel="external" class="button" data-testid="checkout-link">{label}</a></p>
    }
}

/// `/pago/simulador/{booking_id}?firma=…`: the built-in gateway's checkout.
#[component]
pub fn SimulatorCheckoutPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let key = move || (params.with(|p| p.get("id").unwrap_or_default()), query.with(|q| q.get("firma").unwrap_or_default()));
    let checkout = Resource::new(key, |(id, firma)| simulator_checkout(id, firma));
    let confirm = ServerAction::<ConfirmSimulatedPayment>::new();
    view! {
        <Title text="Simulador de pago"/>
        <section class="panel panel--narrow">
            <h1>"Simulador de pago"</h1>
            <p class="muted">"Este es el medio de pago de prueba de Estacionate: no se realiza ningún cargo real."</p>
            <FormAlert value=confirm.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match checkout.await {
                        Ok(c) => simulator_view(c, confirm).into_any(),
                        Err(e) => load_error(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn simulator_view(c: SimulatorPage, confirm: ServerAction<ConfirmSimulatedPayment>) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Edificio"</dt><dd>{c.building}</dd>
            <dt>"Dirección"</dt><dd>{c.address}</dd>
            <dt>"Estacionamiento"</dt><dd>{c.spot}</dd>
            <dt>"Horario"</dt><dd>{c.window}</dd>
            <dt>"Visita"</dt><dd>{c.visitor}</dd>
            <dt>"Patente"</dt><dd>{c.plate}</dd>
            <dt>"Monto a pagar"</dt><dd class="amount" data-testid="amount">{c.amount}</dd>
        </dl>
        <p class="muted">{format!("El estacionamiento está reservado para ti hasta las {}.", c.hold_until)}</p>
        <ActionForm action=confirm attr:class="pay-choices">
            <input type="hidden" name="booking_id" value=c.booking_id/>
            <input type="hidden" name="firma" value=c.firma/>
            <input type="hidden" name="monto" value=c.amount_pesos.to_string()/>
            <button type="submit" name="decision" value="aprobar" class="button">"Aprobar"</button>
            <button type="submit" name="decision" value="rechazar" class="button button--danger">"Rechazar"</button>
            <button type="submit" name="decision" value="pendiente" class="button button--quiet">"Dejar pendiente"</button>
        </ActionForm>
    }
}

/// `/pago/exito?reserva=…`.
#[component]
pub fn PaymentSuccessPage() -> impl IntoView {
    view! { <ResultPage arrived_as=ResultKind::Confirmed/> }
}

/// `/pago/pendiente?reserva=…`.
#[component]
pub fn PaymentPendingPage() -> impl IntoView {
    view! { <ResultPage arrived_as=ResultKind::Pending/> }
}

/// `/pago/fallido?reserva=…`.
#[component]
pub fn PaymentFailedPage() -> impl IntoView {
    view! { <ResultPage arrived_as=ResultKind::Failed/> }
}

/// A result page. The booking's real state decides what it says (a gateway may send the
/// resident to "éxito" before its notification arrives); `arrived_as` only matters for a
/// booking still pending: "fallido" then offers to pay again.
#[component]
fn ResultPage(arrived_as: ResultKind) -> impl IntoView {
    let id = reserva();
    let result = Resource::new(move || id.get(), payment_result);
    view! {
        <section class="panel panel--narrow result">
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(r) => match (r.kind, arrived_as) {
                            (ResultKind::Confirmed, _) => confirmed_view(r).into_any(),
                            (ResultKind::Pending, ResultKind::Failed) | (ResultKind::Failed, _) => {
                                failed_view(r).into_any()
                            }
                            (ResultKind::Pending, _) => pending_view(r).into_any(),
                        },
                        Err(e) => view! { <Title text="Pago"/> {load_error(e)} }.into_any(),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn booking_facts(r: &PaymentOutcome) -> impl IntoView {
    view! {
        <dl class="facts">
            <dt>"Edificio"</dt><dd>{r.building.clone()}</dd>
            <dt>"Dirección"</dt><dd>{r.address.clone()}</dd>
            <dt>"Estacionamiento"</dt><dd>{r.spot.clone()}</dd>
            <dt>"Fecha"</dt><dd>{r.date.clone()}</dd>
            <dt>"Horario"</dt><dd>{r.window.clone()}</dd>
            <dt>"Visita"</dt><dd>{format!("{} · Patente: {}", r.visitor, r.plate)}</dd>
            <dt>"Monto"</dt><dd class="amount" data-testid="amount">{r.amount.clone()}</dd>
        </dl>
    }
}

fn pay_again(r: &PaymentOutcome, label: &'static str) -> impl IntoView {
    // rel="external": a full page load, so the checkout page's redirect happens on the server.
    r.can_pay.then(|| {
        view! {
            <p><a href=checkout_path(&r.booking_id) rel="external" class="button">{label}</a></p>
        }
    })
}

fn confirmed_view(r: PaymentOutcome) -> impl IntoView {
    view! {
        <Title text="Reserva confirmada"/>
        <h1>"Reserva confirmada"</h1>
        <p>"Tu pago fue aprobado. Tu visita recibirá por WhatsApp el código de acceso y el pase para mostrar en conserjería."</p>
        <p class="result__code">
            "Código de confirmación: " <strong data-testid="confirmation-code">{r.code.clone()}</strong>
        </p>
        {booking_facts(&r)}
        <p>
            <a href=crate::calendar::booking_ics_path(&r.booking_id) class="button button--secondary" download="" rel="external"
                data-testid="confirmation-ics">"Agregar al calendario"</a>
        </p>
        {r.guest_pass.clone().map(|url| view! { <crate::booking::share::SharePass url=url building=r.building.clone()/> })}
        <p><a href="/buscar">"Hacer otra reserva"</a></p>
    }
}

fn pending_view(r: PaymentOutcome) -> impl IntoView {
    let hold = match &r.hold_until {
        Some(t) if r.can_pay => format!(
            "Guardamos el estacionamiento para ti hasta las {t}. Si el pago se confirma antes, la reserva queda confirmada y te avisaremos por WhatsApp; si no, se cancela automáticamente y el estacionamiento queda libre."
        ),
        _ => "El plazo para pagar terminó. Si el pago no se confirma, la reserva se cancelará automáticamente y el estacionamiento quedará libre.".to_string(),
    };
    view! {
        <Title text="Pago pendiente"/>
        <h1>"Pago pendiente"</h1>
        <p>"Todavía no recibimos la confirmación de tu pago."</p>
        <p>{hold}</p>
        {booking_facts(&r)}
        {pay_again(&r, "Pagar ahora")}
    }
}

fn failed_view(r: PaymentOutcome) -> impl IntoView {
    let hint = if r.can_pay {
        "Tu reserva sigue guardada por unos minutos: puedes intentar pagar nuevamente."
    } else {
        "La reserva no quedó confirmada y el estacionamiento se liberó. Puedes buscar otro horario."
    };
    view! {
        <Title text="Pago no completado"/>
        <h1>"Pago no completado"</h1>
        <p>{hint}</p>
        {booking_facts(&r)}
        {pay_again(&r, "Intentar pagar nuevamente")}
        <p><a href="/buscar" class="button button--quiet">"Buscar estacionamiento"</a></p>
    }
}

/// `/reservas/cancelar?reserva=…`: the refund the policy gives, shown before confirming; after
/// confirming, the same page shows the cancellation and where the refund stands.
#[component]
pub fn CancelBookingPage() -> impl IntoView {
    let id = reserva();
    let cancel = ServerAction::<CancelBooking>::new();
    let quote = Resource::new(move || (id.get(), cancel.version().get()), |(id, _)| refund_preview(id));
    view! {
        <Title text="Cancelar reserva"/>
        <section class="panel panel--narrow">
            <h1>"Cancelar reserva"</h1>
            <FormAlert value=cancel.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match quote.await {
                        Ok(q) => cancel_view(q, cancel).into_any(),
                        Err(e) => load_error(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

fn cancel_view(q: RefundQuote, cancel: ServerAction<CancelBooking>) -> impl IntoView {
    let refund_line = if q.cancellable {
        format!("Si cancelas ahora se te reembolsarán {} ({}).", q.refund, q.percent)
    } else {
        format!("Reembolso: {}.", q.refund)
    };
    view! {
        <dl class="facts">
            <dt>"Edificio"</dt><dd>{q.building}</dd>
            <dt>"Estacionamiento"</dt><dd>{q.spot}</dd>
            <dt>"Horario"</dt><dd>{q.window}</dd>
            <dt>"Estado"</dt><dd data-testid="booking-status">{q.status}</dd>
            <dt>"Pagado"</dt><dd>{q.paid}</dd>
            <dt>"Reembolso"</dt><dd class="amount" data-testid="refund-amount">{q.refund.clone()}</dd>
        </dl>
        <p>{refund_line}</p>
        {(!q.reason.is_empty()).then(|| view! { <p class="muted">{q.reason}</p> })}
        {q.refund_state.map(|s| view! { <p class="alert alert--ok" role="status">{s}</p> })}
        {q.cancellable.then(|| view! {
            <ActionForm action=cancel attr:class="inline-form">
                <input type="hidden" name="booking_id" value=q.booking_id/>
                <button type="submit" class="button button--danger">"Confirmar cancelación"</button>
            </ActionForm>
        })}
    }
}
