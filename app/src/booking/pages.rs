//! Booking screens: `/buscar` (availability with effective prices, as cards and a map) and
//! `/reservar/{block}` (summary and visitor details).

use super::{api::search_blocks, MapSpot, SearchResult};
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{
    components::{Form, A},
    hooks::use_query_map,
};

/// `/buscar?fecha=aaaa-mm-dd&tipo=Noche` — a plain GET form, so it works without JavaScript;
/// with JavaScript the router updates the results in place.
#[component]
pub fn SearchPage() -> impl IntoView {
    let query = use_query_map();
    let params = move || query.with(|q| (q.get("fecha"), q.get("tipo")));
    let result = Resource::new(params, |(date, kind)| search_blocks(date, kind));

    view! {
        <Title text="Buscar estacionamiento"/>
        <section class="panel">
            <h1>"Buscar estacionamiento"</h1>
            <p class="muted">"Encuentra y reserva un estacionamiento de visita de tu edificio en segundos."</p>
            <Suspense fallback=|| view! { <p class="muted">"Buscando…"</p> }>
                {move || Suspend::new(async move {
                    match result.await {
                        Ok(r) => view! { <SearchForm result=r.clone()/> <Results result=r/> }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn SearchForm(result: SearchResult) -> impl IntoView {
    let selected = use_query_map().with_untracked(|q| q.get("tipo")).unwrap_or_default();
    view! {
        // The router's Form: a plain GET form without JavaScript, an in-place navigation with it.
        <Form method="GET" action="/buscar" attr:class="search-form">
            <div class="field">
                <label for="fecha">"Fecha"</label>
                <input id="fecha" name="fecha" type="date" min=result.today.clone() value=result.date.clone() required=true/>
            </div>
            <div class="field">
                <label for="tipo">"Tipo de bloque"</label>
                <select id="tipo" name="tipo">
                    <option value="" selected=selected.is_empty()>"Todos"</option>
                    {result.kinds.iter().map(|k| view! {
                        <option value=k.clone() selected=*k == selected>{k.clone()}</option>
                    }).collect_view()}
                </select>
            </div>
            <button type="submit" class="button">"Buscar"</button>
        </Form>
    }
}

#[component]
fn Results(result: SearchResult) -> impl IntoView {
    let available = result.cards.iter().filter(|c| c.available).count();
    let next = format!("/buscar?fecha={}", result.next_date);
    view! {
        <div class="search-head">
            <h2>{format!("{} · {}", result.building, result.date_label)}</h2>
            <p class="muted">{result.address.clone()}</p>
            <p data-testid="available-count">{match available {
                0 => "No hay bloques disponibles para esta fecha.".to_string(),
                1 => "1 bloque disponible.".to_string(),
                n => format!("{n} bloques disponibles."),
            }}</p>
        </div>
        {(available == 0).then(|| view! {
            <p class="empty">
                "Prueba otro tipo de bloque o "
                <A href=next.clone()>"ver para mañana →"</A>
            </p>
        })}
        <SpotMap spots=result.map.clone() height=result.map_height/>
        <ul class="block-cards">
            {result.cards.into_iter().map(|c| {
                let label = format!("Reservar {} {} de {}", c.kind, c.window, c.spot);
                view! {
                    <li class="block-card" class:block-card--taken=!c.available data-testid="block-card">
                        <p class="block-card__spot">{format!("Estacionamiento {}", c.spot)}</p>
                        <p class="block-card__kind">{c.kind.clone()}" · "{c.duration.clone()}</p>
                        <p class="block-card__window">{c.window.clone()}</p>
                        <p class="block-card__price" data-testid="price">{c.price.clone()}</p>
                        {if c.available {
                            view! { <A href=format!("/reservar/{}", c.block_id) attr:class="button" attr:aria-label=label>"Reservar"</A> }.into_any()
                        } else {
                            view! { <p class="badge badge--taken">"No disponible"</p> }.into_any()
                        }}
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The building plan with its real visitor spots: green when the day has a free block. Every
/// spot is an 80 × 60 box centred on its position (see `domain::plan`); the layout guarantees
/// no two boxes overlap, so the drawing is the whole plan.
#[component]
fn SpotMap(spots: Vec<MapSpot>, height: i32) -> impl IntoView {
    use crate::domain::plan::{PLAN_WIDTH, SPOT_HEIGHT, SPOT_WIDTH};
    if spots.is_empty() {
        return ().into_any();
    }
    let free = spots.iter().filter(|s| s.free_blocks > 0).count();
    let description = format!("{} estacionamientos de visita; {} con bloques libres este día.", spots.len(), free);
    view! {
        <figure class="spot-map">
            <svg viewBox=format!("0 0 {PLAN_WIDTH} {height}") role="img" aria-labelledby="mapa-titulo mapa-desc" class="spot-map__svg" data-testid="spot-map">
                <title id="mapa-titulo">"Mapa de estacionamientos de visita"</title>
                <desc id="mapa-desc">{description.clone()}</desc>
                {spots.into_iter().map(|s| {
                    let (x, y) = (s.x - SPOT_WIDTH / 2, s.y - SPOT_HEIGHT / 2);
                    let class = if s.free_blocks > 0 { "spot spot--free" } else { "spot spot--full" };
                    view! {
                        <g class=class data-testid="map-spot" data-number=s.number.clone()>
                            <rect x=x y=y width=SPOT_WIDTH height=SPOT_HEIGHT rx="8"/>
                            <text x=x + 40 y=y + 28 text-anchor="middle" class="spot__number">{s.number.clone()}</text>
                            <text x=x + 40 y=y + 48 text-anchor="middle" class="spot__free">
                                {if s.free_blocks > 0 { format!("{} libre(s)", s.free_blocks) } else { "ocupado".to_string() }}
                            </text>
                        </g>
                    }
                }).collect_view()}
            </svg>
            <figcaption class="muted">{description}</figcaption>
        </figure>
    }
    .into_any()
}

/// `/reservar/{block}`: the summary with the exact amount, and the visitor's details.
#[component]
pub fn BookPage() -> impl IntoView {
    use super::api::{quote_block, BookBlock};
    use crate::domain::{names::VisitorName, plate::Plate};
    use crate::ui::form::{server_field_error, FormAlert, TextField};
    use leptos::form::ActionForm;
    use leptos_router::hooks::use_params_map;

    fn check<T, E: std::fmt::Display>(r: Result<T, E>) -> Option<String> {
        r.err().map(|e| e.to_string())
    }

    let params = use_params_map();
    let block = move || params.with(|p| p.get("block").unwrap_or_default());
    let quote = Resource::new(block, quote_block);
    let action = ServerAction::<BookBlock>::new();
    let value = action.value();
    // `?visita=v-…|r-…`: one of the resident's visitors prefills the form (a link, so no JS).
    let query = use_query_map();
    let picked = Resource::new(
        move || query.with(|q| q.get("visita")).filter(|v| !v.trim().is_empty()),
        |visita| async move {
            match visita {
                Some(v) => crate::visitors::api::visitor_prefill(v).await.map(Some),
                None => Ok(None),
            }
        },
    );
    let recent = Resource::new(|| (), |_| crate::visitors::api::recent_visitors());

    view! {
        <Title text="Confirmar reserva"/>
        <section class="panel panel--form">
            <h1>"Confirmar reserva"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    let (picked, recent) = (picked.await, recent.await);
                    let picked_error = picked.as_ref().err().map(|e| e.to_string());
                    let d = picked.ok().flatten().unwrap_or_default();
                    match quote.await {
                        Ok(q) => view! {
                            <h2 class="summary-title">"Resumen de la reserva"</h2>
                            <dl class="facts summary" data-testid="summary">
                                <dt>"Edificio"</dt><dd>{q.building.clone()}</dd>
                                <dt>"Dirección"</dt><dd>{q.address.clone()}</dd>
                                <dt>"Estacionamiento"</dt><dd>{q.spot.clone()}</dd>
                                <dt>"Fecha"</dt><dd>{q.date_label.clone()}</dd>
                                <dt>"Horario"</dt><dd>{format!("{} · {}", q.kind, q.window)}</dd>
                                <dt>"Duración"</dt><dd>{q.duration.clone()}</dd>
                                <dt>"Total a pagar"</dt><dd class="summary__amount" data-testid="amount">{q.price.clone()}</dd>
                            </dl>
                            <p class="muted">{format!("Guardamos el estacionamiento por {} minutos mientras pagas.", q.hold_minutes)}</p>
                            {recent.ok().map(|visitors| view! {
                                <crate::visitors::page::RecentVisitors base=format!("/reservar/{}", q.block_id) visitors=visitors/>
                            })}
                            {picked_error.map(|m| view! { <p class="alert alert--error" role="alert">{format!("{m} Esa visita no está entre las tuyas.")}</p> })}
                            <FormAlert value=value/>
                            <ActionForm action=action attr:class="form" attr:novalidate=true>
                                <input type="hidden" name="block_id" value=q.block_id.clone()/>
                                <TextField name="visitor_name" label="Nombre de tu visita" autocomplete="off" value=d.name.clone()
                                    server_error=server_field_error(value, "visitor_name") validate=|v| check(VisitorName::parse(v))/>
                                <TextField name="plate" label="Patente" placeholder="KHJT-52" autocomplete="off" value=d.plate.clone()
                                    hint="Formatos: BBBB12, AB1234 o moto BBB12. Puedes usar guiones o espacios."
                                    server_error=server_field_error(value, "plate") validate=|v| check(Plate::parse(v))/>
                                <div class="field">
                                    <label for="visitor_phone">"Celular de tu visita (opcional)"</label>
                                    <p class="field__hint" id="visitor_phone-hint">"Le enviaremos por WhatsApp el código de acceso y el pase."</p>
                                    <input id="visitor_phone" name="visitor_phone" type="tel" inputmode="tel" autocomplete="off"
                                        placeholder="+56 9 1234 5678" aria-describedby="visitor_phone-hint visitor_phone-error"
                                        value=d.phone.clone()/>
                                    <p class="field__error" id="visitor_phone-error">{move || server_field_error(value, "visitor_phone").get()}</p>
                                </div>
                                <button type="submit" class="button" disabled=move || action.pending().get()>
                                    {format!("Continuar al pago · {}", q.price)}
                                </button>
                            </ActionForm>
                        }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
            <p><A href="/buscar">"← Volver a la búsqueda"</A></p>
        </section>
    }
}

/// `/mis-reservas`: upcoming and past bookings.
#[component]
pub fn MyBookingsPage() -> impl IntoView {
    use super::{api::my_bookings, MyBooking};
    let list = Resource::new(|| (), |_| my_bookings());
    let card = |b: MyBooking| {
        view! {
            <li class="booking" data-testid="my-booking" data-status=b.status_code.clone()>
                <p class="booking__head">
                    <strong>{format!("Estacionamiento {}", b.spot)}</strong>
                    " · " <span class="badge">{b.status.clone()}</span>
                </p>
                <p>{b.window.clone()}</p>
                <p>{format!("{} · Patente {}", b.visitor, b.plate)}</p>
                {b.code.clone().map(|c| view! { <p>"Código: " <strong data-testid="code">{c}</strong></p> })}
                <p>"Monto: " <strong>{b.amount.clone()}</strong></p>
                <p class="booking__actions">
                    {b.can_pay.then(|| view! { <a href=format!("/pago/ir/{}", b.id) class="button" rel="external">"Pagar"</a> })}
                    {b.guest_pass.clone().map(|g| view! { <A href=g attr:class="button button--secondary">"Ver pase de visita"</A> })}
                    {b.can_cancel.then(|| view! { <A href=format!("/reservas/cancelar?reserva={}", b.id) attr:class="button button--danger">"Cancelar"</A> })}
                    {b.code.is_some().then(|| view! {
                        <a href=crate::calendar::booking_ics_path(&b.id) class="button button--secondary" download="" rel="external"
                            data-testid="booking-ics">"Agregar al calendario"</a>
                    })}
                </p>
            </li>
        }
    };
    view! {
        <Title text="Mis reservas"/>
        <section class="panel">
            <h1>"Mis reservas"</h1>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match list.await {
                        Ok(all) => {
                            let (upcoming, past): (Vec<_>, Vec<_>) = all.into_iter().partition(|b| b.upcoming);
                            view! {
                                <h2>"Próximas"</h2>
                                {if upcoming.is_empty() {
                                    view! { <p class="empty">"No tienes reservas próximas. " <A href="/buscar">"Buscar estacionamiento"</A></p> }.into_any()
                                } else {
                                    view! { <ul class="bookings">{upcoming.into_iter().map(card).collect_view()}</ul> }.into_any()
                                }}
                                <h2>"Anteriores"</h2>
                                {if past.is_empty() {
                                    view! { <p class="empty">"Aún no tienes reservas anteriores."</p> }.into_any()
                                } else {
                                    view! { <ul class="bookings">{past.into_iter().map(card).collect_view()}</ul> }.into_any()
                                }}
                            }.into_any()
                        }
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

/// `/pase/{token}`: the guest pass the WhatsApp message links to. No login needed.
#[component]
pub fn GuestPassPage() -> impl IntoView {
    use super::api::load_guest_pass;
    use leptos_router::hooks::use_params_map;
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let pass = Resource::new(token, load_guest_pass);
    view! {
        <Title text="Pase de visita"/>
        <section class="panel panel--narrow guest-pass">
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match pass.await {
                        Ok(p) => {
                            let (banner, class) = match p.state.as_str() {
                                "valid" => ("Pase válido", "pass-state pass-state--valid"),
                                "used" => ("Visita finalizada", "pass-state pass-state--over"),
                                "over" => ("Este pase ya venció", "pass-state pass-state--over"),
                                _ => ("Reserva cancelada: este pase no es válido", "pass-state pass-state--cancelled"),
                            };
                            view! {
                                <h1>"Pase de visita"</h1>
                                <p class=class data-testid="pass-state">{banner}</p>
                                <div class="qr" data-testid="qr" inner_html=p.qr_svg.clone()></div>
                                <p class="pass-code">"Código de acceso: " <strong data-testid="pass-code">{p.code.clone()}</strong></p>
                                <dl class="facts">
                                    <dt>"Edificio"</dt><dd>{p.building.clone()}</dd>
                                    <dt>"Dirección"</dt><dd>{p.address.clone()}</dd>
                                    <dt>"Estacionamiento"</dt><dd>{p.spot.clone()}</dd>
                                    <dt>"Horario"</dt><dd>{p.window.clone()}</dd>
                                    <dt>"Visita"</dt><dd>{p.visitor.clone()}</dd>
                                    <dt>"Patente"</dt><dd>{p.plate.clone()}</dd>
                                </dl>
                                <p class="muted">"Muestra este pase o tu código en conserjería al llegar."</p>
                                <p>
                                    <a href=crate::calendar::pass_ics_path(&token()) class="button button--secondary" download="" rel="external"
                                        data-testid="pass-ics">"Agregar al calendario"</a>
                                </p>
                                {(p.state == "valid").then(|| view! { <super::share::SharePass url=p.url.clone() building=p.building.clone()/> })}
                            }.into_any()
                        }
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}
