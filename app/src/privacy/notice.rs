//! `/privacidad`: the privacy notice, generated from the registry (what is stored, why, how,
//! for how long) plus the rights and who to write to. Pure: rendered without a server call.

use super::registry::{personal, Subject, DEFAULT_RETENTION_MONTHS, PRIVACY_CONTACT, RESPONSE_DAYS};
use leptos::prelude::*;
use leptos_meta::Title;

/// The notice.
#[component]
pub fn PrivacyNoticePage() -> impl IntoView {
    let rows = |subject: Subject| {
        personal()
            .filter(move |c| c.subject == subject)
            .map(|c| {
                view! {
                    <tr>
                        <td>{c.what}</td>
                        <td>{c.purpose}</td>
                        <td>{c.storage.label_es()}</td>
                        <td>{c.retention.label_es(DEFAULT_RETENTION_MONTHS)}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    let head = || view! { <thead><tr><th>"Dato"</th><th>"Para qué"</th><th>"Cómo se guarda"</th><th>"Por cuánto tiempo"</th></tr></thead> };
    view! {
        <Title text="Privacidad"/>
        <section class="panel">
            <h1>"Aviso de privacidad"</h1>
            <p>
                "Estacionate trata tus datos personales conforme a la Ley 19.628 sobre protección de la vida privada, "
                "modificada por la Ley 21.719. Solo guardamos lo necesario para reservar estacionamientos de visita, "
                "dar acceso a tu visita y cumplir con la contabilidad de tu edificio."
            </p>
            <p>"Los datos se guardan en bases de datos de Estacionate (PostgreSQL) en servidores del proveedor de la plataforma; los mensajes de WhatsApp se envían a través de Twilio y los pagos a través de MercadoPago, que reciben solo lo necesario para cada envío o pago."</p>
            <h2>"Datos de tu cuenta"</h2>
            <table class="table" data-testid="notice-account">{head()}<tbody>{rows(Subject::Account)}</tbody></table>
            <h2>"Datos de tus visitas"</h2>
            <table class="table" data-testid="notice-visitor">{head()}<tbody>{rows(Subject::Visitor)}</tbody></table>
            <h2>"Tus derechos"</h2>
            <ul>
                <li>"Acceso y portabilidad: descarga todo lo que guardamos sobre ti en "<a href="/cuenta/mis-datos">"Mis datos"</a>" (página y archivo JSON)."</li>
                <li>"Rectificación: corrige tu correo o celular en "<a href="/cuenta/contacto">"Datos de contacto"</a>", confirmando con tu contraseña."</li>
                <li>"Supresión: pide la eliminación de tu cuenta en "<a href="/cuenta/eliminar">"Eliminar mi cuenta"</a>"."</li>
                <li>"Oposición: deja de recibir recordatorios por WhatsApp en "<a href="/cuenta/mis-datos">"Mis datos"</a>"."</li>
            </ul>
            <p data-testid="notice-term">{format!(
                "Respondemos cada solicitud dentro de {RESPONSE_DAYS} días corridos desde que la recibimos. \
                 Los datos de las visitas se eliminan automáticamente {DEFAULT_RETENTION_MONTHS} meses después de cada reserva."
            )}</p>
            <p>"Escríbenos a "<a href=format!("mailto:{PRIVACY_CONTACT}")>{PRIVACY_CONTACT}</a>
               " o a la administración de tu edificio. También puedes reclamar ante la Agencia de Protección de Datos Personales."</p>
        </section>
    }
}
