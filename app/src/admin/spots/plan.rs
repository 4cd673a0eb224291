//! The building plan on `/admin/estacionamientos`: a preview of how `/buscar` draws the spots,
//! and the form that places one. Without JavaScript, a spot's "Ubicar" link in the table picks
//! the spot and the numeric fields place it; with it, `public/js/spot-plan.js` lets the admin
//! drag a box (or press it to pick it), moving the preview and filling the same fields, and the
//! same form saves.
//! Positions are SVG attributes (never `style`): the CSP forbids inline styles.

use super::api::PlaceSpot;
use super::{SpotListing, SpotRow};
use crate::domain::plan::{PLAN_HEIGHT, PLAN_WIDTH, SPOT_HEIGHT, SPOT_WIDTH, X_RANGE, Y_RANGE};
use crate::ui::form::{server_field_error, FormAlert, Input};
use leptos::form::ActionForm;
use leptos::prelude::*;

/// The plan preview and, for editors, the placement form of `selected` (a spot id).
#[component]
pub fn SpotPlan(listing: SpotListing, selected: Option<String>, place: ServerAction<PlaceSpot>) -> impl IntoView {
    if listing.spots.is_empty() {
        return ().into_any();
    }
    let can_edit = listing.screen.can_edit;
    let plan_height = listing.plan_height;
    let chosen = selected.and_then(|id| listing.spots.iter().find(|s| s.id == id).cloned());
    let chosen_id = chosen.as_ref().map(|s| s.id.clone());
    let placed = listing.spots.iter().filter(|s| s.position.is_some()).count();
    let description = format!(
        "{} estacionamientos; {placed} ubicados por la administración y {} ubicados automáticamente.",
        listing.spots.len(),
        listing.spots.len() - placed
    );
    let form = can_edit.then(|| {
        let spot = chosen.clone().or_else(|| listing.spots.first().cloned());
        spot.map(|s| view! { <PlaceForm spot=s place=place/> })
    });
    view! {
        <h2 id="plano">"Plano del edificio"</h2>
        <p class="muted">
            "Así se ven los estacionamientos en «Buscar». Los de borde punteado aún no tienen una posición: el plano los ubica solo, sin que se toquen."
            {can_edit.then_some(" Elige uno con «Ubicar» en la tabla (o arrastra su recuadro) y guarda su posición.")}
        </p>
        <figure class="plan" data-testid="spot-plan">
            <svg
                viewBox=format!("0 0 {PLAN_WIDTH} {plan_height}")
                role="group"
                aria-labelledby="plano-titulo plano-desc"
                class="plan__svg"
                data-plan=""
                data-min-x={X_RANGE.0}
                data-max-x={X_RANGE.1}
                data-min-y={Y_RANGE.0}
                data-max-y={Y_RANGE.1}
            >
                <title id="plano-titulo">"Plano de estacionamientos de visita"</title>
                <desc id="plano-desc">{description.clone()}</desc>
                <rect class="plan__area" x="0" y="0" width=PLAN_WIDTH height=PLAN_HEIGHT/>
                {listing.spots.into_iter().map(|s| {
                    let is_chosen = chosen_id.as_deref() == Some(s.id.as_str());
                    view! { <PlanSpot spot=s chosen=is_chosen editable=can_edit/> }
                }).collect_view()}
            </svg>
            <figcaption class="muted">{description}</figcaption>
        </figure>
        {form}
    }
    .into_any()
}

/// One spot's box.
#[component]
fn PlanSpot(spot: SpotRow, chosen: bool, editable: bool) -> impl IntoView {
    let (cx, cy) = spot.drawn_at;
    let (x, y) = (cx - SPOT_WIDTH / 2, cy - SPOT_HEIGHT / 2);
    let mut class = String::from("plan-spot");
    if spot.position.is_none() {
        class.push_str(" plan-spot--auto");
    }
    if !spot.active {
        class.push_str(" plan-spot--inactive");
    }
    if chosen {
        class.push_str(" plan-spot--chosen");
    }
    let note = match (spot.position.is_some(), spot.active) {
        (_, false) => "desactivado",
        (true, true) => "ubicado",
        (false, true) => "sin ubicar",
    };
    let shape = view! {
        <rect x=x y=y width=SPOT_WIDTH height=SPOT_HEIGHT rx="8"/>
        <text x=cx y=cy - 2 text-anchor="middle" class="plan-spot__number">{spot.number.clone()}</text>
        <text x=cx y=cy + 18 text-anchor="middle" class="plan-spot__note">{note}</text>
    };
    let placed = if spot.position.is_some() { "true" } else { "false" };
    let label = format!("Estacionamiento {} ({note})", spot.number);
    // With JavaScript, pressing a box picks it for the form and dragging moves it.
    view! {
        <g class=class role="img" aria-label=label data-testid="plan-spot" data-plan-spot=editable.then(|| spot.id.clone())
            data-number=spot.number.clone() data-x=cx data-y=cy data-placed=placed>
            {shape}
        </g>
    }
}

/// The placement form of one spot: its box centre, or both fields empty to take it off the plan.
#[component]
fn PlaceForm(spot: SpotRow, place: ServerAction<PlaceSpot>) -> impl IntoView {
    let err = move |f: &'static str| server_field_error(place.value(), f);
    let (x, y) = spot.position.map(|(x, y)| (x.to_string(), y.to_string())).unwrap_or_default();
    let current = match spot.position {
        Some((x, y)) => format!("Posición guardada: x {x}, y {y}."),
        None => "Sin posición guardada: el plano lo ubica automáticamente.".to_string(),
    };
    view! {
        <div data-testid="spot-place" class="plan-form">
            <ActionForm action=place attr:class="form" attr:aria-labelledby="place-spot" attr:data-plan-form="">
                <h3 id="place-spot">"Posición del estacionamiento "<span data-plan-form-number="">{spot.number.clone()}</span></h3>
                <p class="muted" data-plan-form-current="">{current}</p>
                <FormAlert value=place.value()/>
                <input type="hidden" name="spot_id" value=spot.id.clone()/>
                <Input name="map_x" label="Posición horizontal (x)" input_type="number" inputmode="numeric"
                    hint="Centro del estacionamiento, de 40 (izquierda) a 960 (derecha)." value=x error=err("map_x")/>
                <Input name="map_y" label="Posición vertical (y)" input_type="number" inputmode="numeric"
                    hint="De 30 (arriba) a 570 (abajo). Deja ambas vacías para quitarlo del plano." value=y error=err("map_y")/>
                <p class="muted" role="status" data-plan-status=""></p>
                <button type="submit" class="button">"Guardar posición"</button>
            </ActionForm>
        </div>
        <script type="module" src="/js/spot-plan.js"></script>
    }
}
