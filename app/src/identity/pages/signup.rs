//! `/registro`: resident sign-up. Works as a plain form; with JavaScript each field is checked
//! as it changes with the same parsers the server uses, and the unit list follows the building.

use crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, rut::Rut};
use crate::identity::api::{signup_options, SignUp};
use crate::ui::form::{server_field_error, FormAlert, TextField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

fn check<T, E: std::fmt::Display>(r: Result<T, E>) -> Option<String> {
    r.err().map(|e| e.to_string())
}

/// The sign-up page.
#[component]
pub fn SignupPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    let value = action.value();
    let options = Resource::new(|| (), |_| signup_options());
    let (building, set_building) = signal(String::new());
    let err = move |name| server_field_error(value, name);

    view! {
        <Title text="Crear cuenta"/>
        <section class="panel panel--form">
            <h1>"Crear cuenta de residente"</h1>
            <p class="muted">
                "Con tu cuenta reservas estacionamientos de visita de tu edificio. "
                "La administración de tu edificio revisa y aprueba cada cuenta nueva."
            </p>
            <FormAlert value=value/>
            <ActionForm action=action attr:class="form" attr:novalidate=true>
                <div class="form__row">
                    <TextField name="first_name" label="Nombres" autocomplete="given-name"
                        server_error=err("first_name") validate=|v| check(PersonName::parse(v))/>
                    <TextField name="last_name" label="Apellidos" autocomplete="family-name"
                        server_error=err("last_name") validate=|v| check(PersonName::parse(v))/>
                </div>
                <TextField name="email" label="Correo electrónico" input_type="email" autocomplete="email"
                    server_error=err("email") validate=|v| check(Email::parse(v))/>
                <TextField name="password" label="Contraseña" input_type="password" autocomplete="new-password"
                    hint="Al menos 12 caracteres. Una frase fácil de recordar es una buena contraseña."
                    server_error=err("password") validate=|v| check(NewPassword::parse(v))/>
                <div class="form__row">
                    <TextField name="rut" label="RUT" placeholder="12.345.678-5" autocomplete="off"
                        server_error=err("rut") validate=|v| check(Rut::parse(v))/>
                    <TextField name="phone" label="Celular (WhatsApp)" input_type="tel" autocomplete="tel"
                        placeholder="+56 9 1234 5678" inputmode="tel"
                        server_error=err("phone") validate=|v| check(MobilePhone::parse(v))/>
                </div>
                <Suspense fallback=|| view! { <p class="muted">"Cargando edificios…"</p> }>
                    {move || Suspend::new(async move {
                        match options.await {
                            Ok(buildings) => {
                                let unit_groups = buildings.clone();
                                view! {
                                    <div class="form__row">
                                        <div class="field" class:field--invalid=move || err("building_id").get().is_some()>
                                            <label for="building_id">"Edificio"</label>
                                            <select id="building_id" name="building_id" required=true
                                                aria-describedby="building_id-error"
                                                on:change=move |ev| set_building.set(event_target_value(&ev))>
                                                <option value="">"Elige tu edificio"</option>
                                                {buildings.into_iter().map(|b| view! {
                                                    <option value=b.id.clone()>{format!("{} — {}", b.name, b.address)}</option>
                                                }).collect_view()}
                                            </select>
                                            <p class="field__error" id="building_id-error">{move || err("building_id").get()}</p>
                                        </div>
                                        <div class="field" class:field--invalid=move || err("unit_id").get().is_some()>
                                            <label for="unit_id">"Departamento"</label>
                                            <select id="unit_id" name="unit_id" required=true aria-describedby="unit_id-error">
                                                <option value="">"Elige tu departamento"</option>
                                                {unit_groups.into_iter().map(|b| {
                                                    let id = b.id.clone();
                                                    view! {
                                                        <optgroup label=b.name.clone()
                                                            prop:hidden=move || { let sel = building.get(); !sel.is_empty() && sel != id }>
                                                            {b.units.into_iter().map(|u| view! {
                                                                <option value=u.id>{u.number}</option>
                                                            }).collect_view()}
                                                        </optgroup>
                                                    }
                                                }).collect_view()}
                                            </select>
                                            <p class="field__error" id="unit_id-error">{move || err("unit_id").get()}</p>
                                        </div>
                                    </div>
                                }.into_any()
                            }
                            Err(e) => view! { <p class="alert alert--error">{e.to_string()}</p> }.into_any(),
                        }
                    })}
                </Suspense>
                <p class="muted" data-testid="privacy-notice-link">
                    "Al crear tu cuenta aceptas el tratamiento de tus datos descrito en el "
                    <A href="/privacidad">"aviso de privacidad"</A>"."
                </p>
                <button type="submit" class="button" disabled=move || action.pending().get()>"Crear cuenta"</button>
            </ActionForm>
            <p>"¿Ya tienes cuenta? " <A href="/ingresar">"Inicia sesión"</A></p>
        </section>
    }
}
