//! The privacy pages of the account: `/cuenta/mis-datos` (access, portability, opposition),
//! `/cuenta/contacto`, `/cuenta/celular` and `/cuenta/celular/codigo` (rectification), `/cuenta/eliminar`
//! (erasure). The notice and the administration's screen are in `notice` and `requests`.

use super::api::{erasure_status, my_data, ChangeEmail, ConfirmPhoneChange, RequestErasure, RequestPhoneChange, SetReminders};
use super::registry::{personal, Erasure};
use super::PersonalData;
use crate::domain::{email::Email, phone::MobilePhone};
use crate::ui::form::{server_field_error, FormAlert, Notice, TextField};
use leptos::form::ActionForm;
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

pub use super::notice::PrivacyNoticePage;
pub use super::requests::ErasureRequestsPage;

fn check<T, E: std::fmt::Display>(r: Result<T, E>) -> Option<String> {
    r.err().map(|e| e.to_string())
}

fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".into())
}

/// `/cuenta/mis-datos`: everything held about the person, readable, with the JSON download and
/// the reminder preference.
#[component]
pub fn MyDataPage() -> impl IntoView {
    let query = use_query_map();
    let saved = move || query.with(|q| q.get("recordatorios").is_some());
    let reminders = ServerAction::<SetReminders>::new();
    let data = Resource::new(move || reminders.version().get(), |_| my_data());
    view! {
        <Title text="Mis datos"/>
        <section class="panel">
            <h1>"Mis datos"</h1>
            <p class="muted">
                "Todo lo que Estacionate guarda sobre ti. Puedes descargarlo en un archivo JSON para llevarlo a otro servicio. "
                <a href="/privacidad">"Cómo tratamos tus datos"</a>"."
            </p>
            <p><a class="button" href="/cuenta/mis-datos.json" download="mis-datos-estacionate.json" data-testid="download-json">"Descargar mis datos (JSON)"</a></p>
            {move || saved().then(|| view! { <Notice text="Preferencia de recordatorios guardada.".to_string()/> })}
            <FormAlert value=reminders.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) => view! { <DataView data=d reminders=reminders/> }.into_any(),
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}

#[component]
fn DataView(data: PersonalData, reminders: ServerAction<SetReminders>) -> impl IntoView {
    let p = data.profile;
    let opt_out = p.reminders_opt_out;
    let next_choice = if opt_out { "si" } else { "no" };
    view! {
        <h2>"Perfil"</h2>
        <dl class="facts" data-testid="my-profile">
            <dt>"Nombre"</dt><dd>{p.full_name}</dd>
            {p.first_name.map(|v| view! { <dt>"Nombres"</dt><dd>{v}</dd> })}
            {p.last_name.map(|v| view! { <dt>"Apellidos"</dt><dd>{v}</dd> })}
            <dt>"Correo"</dt><dd>{p.email}</dd>
            <dt>"RUT"</dt><dd>{or_dash(p.rut)}</dd>
            <dt>"Celular"</dt><dd>{or_dash(p.phone)}</dd>
            <dt>"Perfil"</dt><dd>{p.role}</dd>
            <dt>"Edificio"</dt><dd>{or_dash(p.building)}</dd>
            <dt>"Dirección"</dt><dd>{or_dash(p.building_address)}</dd>
            <dt>"Departamento"</dt><dd>{or_dash(p.unit)}</dd>
            <dt>"Cuenta creada"</dt><dd>{p.created_at}</dd>
            <dt>"Último ingreso"</dt><dd>{or_dash(p.last_login_at)}</dd>
        </dl>
        <p><a href="/cuenta/contacto">"Corregir mi correo"</a>" · "<a href="/cuenta/celular">"Cambiar mi celular"</a>" · "<a href="/cuenta/eliminar">"Eliminar mi cuenta"</a></p>

        <h2>"Recordatorios por WhatsApp"</h2>
        <p data-testid="reminders-state">
            {if opt_out { "No recibes recordatorios antes de tus reservas." } else { "Recibes un recordatorio una hora antes de cada reserva." }}
            " Las confirmaciones y los códigos se envían siempre: son parte del servicio."
        </p>
        <ActionForm action=reminders attr:class="inline-form">
            <input type="hidden" name="recordatorios" value=next_choice/>
            <button type="submit" class="button button--secondary">
                {if opt_out { "Volver a recibir recordatorios" } else { "No quiero recordatorios" }}
            </button>
        </ActionForm>

        <h2>"Reservas y visitas"</h2>
        {if data.bookings.is_empty() {
            view! { <p class="muted">"No tienes reservas."</p> }.into_any()
        } else {
            view! {
                <table class="table" data-testid="my-bookings">
                    <thead><tr><th>"Código"</th><th>"Edificio"</th><th>"Estacionamiento"</th><th>"Inicio"</th><th>"Estado"</th><th>"Monto"</th><th>"Visita"</th><th>"Patente"</th><th>"Celular visita"</th></tr></thead>
                    <tbody>
                        {data.bookings.into_iter().map(|b| {
                            let gone = b.purged_at.is_some();
                            let visitor = |v: Option<String>| if gone { "Datos eliminados".to_string() } else { or_dash(v) };
                            view! {
                                <tr>
                                    <td class="mono">{b.code}</td><td>{b.building}</td><td>{b.spot}</td><td>{b.starts_at}</td>
                                    <td>{b.status}</td><td>{b.amount_clp}</td>
                                    <td>{visitor(b.visitor_name)}</td><td class="mono">{visitor(b.visitor_plate)}</td><td>{visitor(b.visitor_phone)}</td>
                                </tr>
                            }
                        }).collect_view()}
                    </tbody>
                </table>
            }.into_any()
        }}

        <h2>"Mensajes que te enviamos"</h2>
        <table class="table" data-testid="my-messages">
            <thead><tr><th>"Fecha"</th><th>"Tipo"</th><th>"Estado"</th><th>"Celular"</th><th>"Texto"</th></tr></thead>
            <tbody>
                {data.messages.into_iter().map(|m| view! {
                    <tr><td>{m.created_at}</td><td>{m.kind}</td><td>{m.status}</td>
                        <td>{m.recipient.unwrap_or_else(|| "Datos eliminados".into())}</td>
                        <td>{m.body.unwrap_or_else(|| "Datos eliminados".into())}</td></tr>
                }).collect_view()}
            </tbody>
        </table>

        <h2>"Tus visitas guardadas"</h2>
        <table class="table" data-testid="my-saved-visitors">
            <thead><tr><th>"Nombre"</th><th>"Patente"</th><th>"Celular"</th></tr></thead>
            <tbody>
                {data.saved_visitors.into_iter().map(|v| view! {
                    <tr><td>{v.name}</td><td class="mono">{v.plate}</td><td>{or_dash(v.phone)}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
        <p>{if data.calendar_feed { "Tienes un enlace privado de calendario activo (lo ves y revocas en Mi cuenta)." } else { "No tienes un enlace privado de calendario." }}</p>

        <h2>"Ingresos a tu cuenta"</h2>
        <ul data-testid="my-sign-ins">
            {data.sign_ins.into_iter().map(|s| view! { <li>{s.at}" · "{or_dash(s.ip)}</li> }).collect_view()}
        </ul>

        <h2>"Registro de auditoría sobre tu cuenta"</h2>
        <table class="table" data-testid="my-audit">
            <thead><tr><th>"Fecha"</th><th>"Acción"</th><th>"Quién"</th></tr></thead>
            <tbody>
                {data.audit.into_iter().map(|a| view! {
                    <tr><td>{a.at}</td><td class="mono">{a.action}</td>
                        <td>{if a.by_me { "Tú".to_string() } else { a.actor_role.unwrap_or_else(|| "Sistema".into()) }}</td></tr>
                }).collect_view()}
            </tbody>
        </table>
    }
}

/// `/cuenta/contacto`: change the e-mail after the password (the phone has its own page, so
/// each form has its own password field).
#[component]
pub fn ContactPage() -> impl IntoView {
    let query = use_query_map();
    let email = ServerAction::<ChangeEmail>::new();
    let notice = move || {
        query.with(|q| {
            if q.get("correo").is_some() {
                Some("Tu correo fue actualizado. Cerramos tus otras sesiones.")
            } else if q.get("celular").is_some() {
                Some("Tu celular fue actualizado. Cerramos tus otras sesiones.")
            } else {
                None
            }
        })
    };
    view! {
        <Title text="Corregir mis datos de contacto"/>
        <section class="panel panel--narrow">
            <h1>"Corregir mis datos de contacto"</h1>
            {move || notice().map(|t| view! { <Notice text=t.to_string()/> })}
            <h2>"Correo electrónico"</h2>
            <FormAlert value=email.value()/>
            <ActionForm action=email attr:class="form" attr:data-testid="email-form">
                <TextField name="email" label="Correo nuevo" input_type="email" autocomplete="email"
                    server_error=server_field_error(email.value(), "email") validate=|v| check(Email::parse(v))/>
                <TextField name="password" label="Tu contraseña actual" input_type="password" autocomplete="current-password"
                    server_error=server_field_error(email.value(), "password")/>
                <button type="submit" class="button">"Cambiar correo"</button>
            </ActionForm>
            <h2>"Celular (WhatsApp)"</h2>
            <p><a href="/cuenta/celular">"Cambiar mi celular"</a></p>
            <p><a href="/cuenta">"Volver a mi cuenta"</a></p>
        </section>
    }
}

/// `/cuenta/celular`: a new phone, after the password; a code goes to it by WhatsApp.
#[component]
pub fn PhonePage() -> impl IntoView {
    let phone = ServerAction::<RequestPhoneChange>::new();
    view! {
        <Title text="Cambiar mi celular"/>
        <section class="panel panel--narrow">
            <h1>"Cambiar mi celular"</h1>
            <p class="muted">"Te enviaremos un código de 6 dígitos por WhatsApp al celular nuevo para confirmarlo."</p>
            <FormAlert value=phone.value()/>
            <ActionForm action=phone attr:class="form" attr:data-testid="phone-form">
                <TextField name="phone" label="Celular nuevo" input_type="tel" autocomplete="tel" placeholder="+56 9 1234 5678"
                    server_error=server_field_error(phone.value(), "phone") validate=|v| check(MobilePhone::parse(v))/>
                <TextField name="password" label="Tu contraseña actual" input_type="password" autocomplete="current-password"
                    server_error=server_field_error(phone.value(), "password")/>
                <button type="submit" class="button">"Enviar código"</button>
            </ActionForm>
            <p><a href="/cuenta/contacto">"Volver"</a></p>
        </section>
    }
}

/// `/cuenta/celular/codigo`: the code sent to the new phone.
#[component]
pub fn PhoneCodePage() -> impl IntoView {
    let confirm = ServerAction::<ConfirmPhoneChange>::new();
    view! {
        <Title text="Confirmar celular"/>
        <section class="panel panel--narrow">
            <h1>"Confirma tu celular nuevo"</h1>
            <p class="muted">"Enviamos un código de 6 dígitos por WhatsApp al celular nuevo. Es válido por 10 minutos y admite 5 intentos."</p>
            <FormAlert value=confirm.value()/>
            <ActionForm action=confirm attr:class="form">
                <TextField name="code" label="Código de 6 dígitos" inputmode="numeric" autocomplete="one-time-code"
                    server_error=server_field_error(confirm.value(), "code")/>
                <button type="submit" class="button">"Confirmar celular"</button>
            </ActionForm>
            <p><a href="/cuenta/celular">"Pedir un código nuevo"</a></p>
        </section>
    }
}

/// `/cuenta/eliminar`: what will and will not be deleted, then the password.
#[component]
pub fn ErasurePage() -> impl IntoView {
    let query = use_query_map();
    let sent = move || query.with(|q| q.get("solicitud").is_some());
    let request = ServerAction::<RequestErasure>::new();
    let status = Resource::new(move || request.version().get(), |_| erasure_status());
    let deleted: Vec<&'static str> = personal()
        .filter(|c| !matches!(c.erasure, Erasure::Keep) && !c.column.ends_with("_bidx"))
        .map(|c| c.what)
        .collect();
    view! {
        <Title text="Eliminar mi cuenta"/>
        <section class="panel panel--narrow">
            <h1>"Eliminar mi cuenta"</h1>
            {move || sent().then(|| view! { <Notice text="Recibimos tu solicitud. La administración de tu edificio la procesará dentro del plazo legal.".to_string()/> })}
            <h2>"Qué se elimina"</h2>
            <ul data-testid="will-delete">{deleted.into_iter().map(|w| view! { <li>{w}</li> }).collect_view()}</ul>
            <h2>"Qué se conserva"</h2>
            <ul data-testid="will-keep">
                <li>"Tus reservas sin datos personales: fechas, estacionamiento, montos y estados, porque la contabilidad del edificio y los pagos los necesitan."</li>
                <li>"El registro de auditoría, que solo guarda identificadores internos, nunca tu nombre, correo, RUT ni celular."</li>
            </ul>
            <p>"Tus reservas futuras se anulan con la devolución que corresponda según la política de anulación. Después no podrás volver a ingresar."</p>
            <FormAlert value=request.value()/>
            <Suspense fallback=|| view! { <p class="muted">"Cargando…"</p> }>
                {move || Suspend::new(async move {
                    match status.await {
                        Ok(s) => match (s.pending_due, s.blocked_by_booking) {
                            (Some(due), _) => view! {
                                <p class="alert alert--ok" role="status" data-testid="erasure-pending">{format!("Tu solicitud está en curso. Plazo de respuesta: {due}.")}</p>
                            }.into_any(),
                            (None, true) => view! {
                                <p class="alert alert--error" role="alert" data-testid="erasure-blocked">{super::ACTIVE_BOOKING_MESSAGE}</p>
                            }.into_any(),
                            (None, false) => view! {
                                {(s.future_bookings > 0).then(|| view! { <p>{format!("Se anularán {} reservas futuras.", s.future_bookings)}</p> })}
                                <ActionForm action=request attr:class="form" attr:data-testid="erasure-form">
                                    <TextField name="password" label="Tu contraseña actual" input_type="password" autocomplete="current-password"
                                        server_error=server_field_error(request.value(), "password")/>
                                    <button type="submit" class="button button--danger">"Solicitar la eliminación de mi cuenta"</button>
                                </ActionForm>
                            }.into_any(),
                        },
                        Err(e) => crate::ui::errors::error_view(e),
                    }
                })}
            </Suspense>
        </section>
    }
}
