//! `/ingresar`: login. Distinct Spanish messages for wrong credentials, lockout, pending
//! approval and suspension come from the server.

use crate::domain::return_path::{self, ReturnPath};
use crate::identity::api::LogIn;
use crate::ui::form::{FormAlert, Notice};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::{components::A, hooks::use_query_map};

/// The login page.
#[component]
pub fn LoginPage() -> impl IntoView {
    let action = ServerAction::<LogIn>::new();
    let query = use_query_map();
    let notice = move || {
        query.with(|q| {
            if q.get("registro").as_deref() == Some("pendiente") {
                Some("¡Listo! Tu cuenta fue creada y quedó pendiente de aprobación. Te avisaremos por WhatsApp cuando la administración la apruebe.".to_string())
            } else if q.get("clave").as_deref() == Some("actualizada") {
                Some("Tu contraseña fue actualizada. Inicia sesión con la nueva.".to_string())
            } else {
                None
            }
        })
    };
    // Only a safe path is carried on; the server checks it again.
    let volver = move || query.with(|q| q.get(return_path::PARAM).and_then(|v| ReturnPath::parse(&v)));
    view! {
        <Title text="Iniciar sesión"/>
        <section class="panel panel--narrow">
            <h1>"Iniciar sesión"</h1>
            {move || notice().map(|text| view! { <Notice text=text/> })}
            <FormAlert value=action.value()/>
            <ActionForm action=action attr:class="form">
                <div class="field">
                    <label for="email">"Correo electrónico"</label>
                    <input id="email" name="email" type="email" autocomplete="username" required=true/>
                </div>
                <div class="field">
                    <label for="password">"Contraseña"</label>
                    <input id="password" name="password" type="password" autocomplete="current-password" required=true/>
                </div>
                {move || volver().map(|p| view! { <input type="hidden" name=return_path::PARAM value=p.as_str().to_string()/> })}
                <button type="submit" class="button" disabled=move || action.pending().get()>"Ingresar"</button>
            </ActionForm>
            <p><A href="/recuperar">"¿Olvidaste tu contraseña?"</A></p>
            <p>"¿Eres residente y no tienes cuenta? " <A href="/registro">"Crea tu cuenta"</A></p>
        </section>
    }
}
