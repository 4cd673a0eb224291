//! `/recuperar` and `/recuperar/codigo`: password reset with a 6-digit code sent by WhatsApp.

use crate::domain::{email::Email, password::NewPassword};
use crate::identity::api::{ConfirmReset, RequestReset};
use crate::ui::form::{server_field_error, FormAlert, TextField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::A;

fn check<T, E: std::fmt::Display>(r: Result<T, E>) -> Option<String> {
    r.err().map(|e| e.to_string())
}

/// Step 1: ask for a code.
#[component]
pub fn RequestResetPage() -> impl IntoView {
    let action = ServerAction::<RequestReset>::new();
    let value = action.value();
    view! {
        <Title text="Recuperar contraseña"/>
        <section class="panel panel--narrow">
            <h1>"Recuperar contraseña"</h1>
            <p class="muted">"Te enviaremos un código de 6 dígitos por WhatsApp al celular de tu cuenta."</p>
            <FormAlert value=value/>
            <ActionForm action=action attr:class="form">
                <TextField name="email" label="Correo electrónico" input_type="email" autocomplete="username"
                    server_error=server_field_error(value, "email") validate=|v| check(Email::parse(v))/>
                <button type="submit" class="button">"Enviar código"</button>
            </ActionForm>
            <p><A href="/recuperar/codigo">"Ya tengo un código"</A></p>
        </section>
    }
}

/// Step 2: the code and the new password.
#[component]
pub fn ConfirmResetPage() -> impl IntoView {
    let action = ServerAction::<ConfirmReset>::new();
    let value = action.value();
    view! {
        <Title text="Nueva contraseña"/>
        <section class="panel panel--narrow">
            <h1>"Ingresa tu código"</h1>
            <p class="muted">
                "Si el correo corresponde a una cuenta, enviamos un código de 6 dígitos por WhatsApp. "
                "Es válido por 10 minutos y admite 5 intentos."
            </p>
            <FormAlert value=value/>
            <ActionForm action=action attr:class="form">
                <TextField name="email" label="Correo electrónico" input_type="email" autocomplete="username"
                    server_error=server_field_error(value, "email") validate=|v| check(Email::parse(v))/>
                <TextField name="code" label="Código de 6 dígitos" inputmode="numeric" autocomplete="one-time-code"
                    server_error=server_field_error(value, "code")/>
                <TextField name="password" label="Nueva contraseña" input_type="password" autocomplete="new-password"
                    hint="Al menos 12 caracteres."
                    server_error=server_field_error(value, "password") validate=|v| check(NewPassword::parse(v))/>
                <button type="submit" class="button">"Guardar contraseña"</button>
            </ActionForm>
            <p><A href="/recuperar">"Pedir un código nuevo"</A></p>
        </section>
    }
}
