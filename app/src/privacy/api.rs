//! Server functions of privacy. Each one authorises (any logged-in person for their own data;
//! the building's administration for erasure requests), rate-limits the costly ones, parses
//! the form strings into domain types and calls the area's ssr code. Plain HTML forms post here
//! without JavaScript and are redirected onwards (or back, with the error).

use super::{ErasureRequestView, ErasureState, PersonalData};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::ssr::actor::Actor,
    crate::ssr::{actor, app_state, error::finish, rate_limit, AppState},
    uuid::Uuid,
};

/// The logged-in person and the state, after the per-account limit on changes.
#[cfg(feature = "ssr")]
async fn changing() -> Result<(AppState, Actor), AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(rate_limit::check(&*state.rate_limiter, super::rectify::CHANGE_PER_ACCOUNT, &actor.id.to_string()).await)?;
    Ok((state, actor))
}

/// Restarts the caller's session on `epoch` (the change ended every other session).
#[cfg(feature = "ssr")]
async fn keep_this_session(actor: &Actor, epoch: i32) -> Result<(), AppError> {
    let session = finish(actor::session().await)?;
    finish(actor::start_session(&session, actor.id, epoch).await)
}

/// Everything held about the caller (the readable `/cuenta/mis-datos`). Audited.
#[server(prefix = "/api", endpoint = "privacy/my_data")]
pub async fn my_data() -> Result<PersonalData, AppError> {
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(rate_limit::check(&*state.rate_limiter, super::export::EXPORT_PER_ACCOUNT, &actor.id.to_string()).await)?;
    let data = finish(super::export::my_data(&state.pool, &state.vault, &actor, chrono::Utc::now()).await)?;
    finish(super::export::record_export(&state.pool, &actor, "page", &meta).await)?;
    Ok(data)
}

/// Changes the login e-mail after the password; ends the other sessions.
#[server(prefix = "/api", endpoint = "privacy/change_email")]
pub async fn change_email(password: String, email: String) -> Result<(), AppError> {
    use crate::domain::email::Email;
    let (state, actor) = changing().await?;
    let meta = actor::request_meta();
    let email = finish::<_, AppError>(Email::parse(&email).map_err(|e| AppError::field("email", e.to_string())))?;
    let epoch = finish(super::rectify::change_email(&state.pool, &state.blind_index, &actor, &password, &email, &meta).await)?;
    keep_this_session(&actor, epoch).await?;
    leptos_axum::redirect("/cuenta/contacto?correo=actualizado");
    Ok(())
}

/// Sends a 6-digit code by WhatsApp to a new phone, after the password.
#[server(prefix = "/api", endpoint = "privacy/request_phone_change")]
pub async fn request_phone_change(password: String, phone: String) -> Result<(), AppError> {
    use crate::domain::phone::MobilePhone;
    let (state, actor) = changing().await?;
    let meta = actor::request_meta();
    let phone = finish::<_, AppError>(MobilePhone::parse(&phone).map_err(|e| AppError::field("phone", e.to_string())))?;
    finish(
        super::rectify::request_phone_change(&state.pool, &state.vault, &state.blind_index, &actor, &password, &phone, &meta)
            .await,
    )?;
    leptos_axum::redirect("/cuenta/celular/codigo");
    Ok(())
}

/// Confirms the new phone with its code; ends the other sessions.
#[server(prefix = "/api", endpoint = "privacy/confirm_phone_change")]
pub async fn confirm_phone_change(code: String) -> Result<(), AppError> {
    let (state, actor) = changing().await?;
    let meta = actor::request_meta();
    let epoch = finish(super::rectify::confirm_phone_change(&state.pool, &state.vault, &actor, &code, &meta).await)?;
    keep_this_session(&actor, epoch).await?;
    leptos_axum::redirect("/cuenta/contacto?celular=actualizado");
    Ok(())
}

/// Opposition: `recordatorios` = `no` turns reminder messages off, `si` back on.
#[server(prefix = "/api", endpoint = "privacy/set_reminders")]
pub async fn set_reminders(recordatorios: String) -> Result<(), AppError> {
    let (state, actor) = changing().await?;
    let meta = actor::request_meta();
    let opt_out = match recordatorios.trim() {
        "no" => true,
        "si" => false,
        _ => return finish(Err(AppError::field("recordatorios", "Elige si quieres recibir recordatorios."))),
    };
    finish(super::rectify::set_reminders(&state.pool, &actor, opt_out, &meta).await)?;
    leptos_axum::redirect("/cuenta/mis-datos?recordatorios=guardado");
    Ok(())
}

/// What `/cuenta/eliminar` shows the resident.
#[server(prefix = "/api", endpoint = "privacy/erasure_status")]
pub async fn erasure_status() -> Result<ErasureState, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_actor(&state.pool).await)?;
    finish(super::erasure::status(&state.pool, &actor, chrono::Utc::now()).await)
}

/// A resident asks to delete their account, with their password.
#[server(prefix = "/api", endpoint = "privacy/request_erasure")]
pub async fn request_erasure(password: String) -> Result<(), AppError> {
    use crate::domain::role::Role;
    let (state, actor) = changing().await?;
    finish::<_, AppError>(actor.require_role(&[Role::Resident]))?;
    let meta = actor::request_meta();
    finish(super::rectify::reauthenticate(&state.pool, &actor, &password, "privacy.erasure_refused", &meta).await)?;
    finish(super::erasure::request(&state.pool, &actor, &meta, chrono::Utc::now()).await)?;
    leptos_axum::redirect("/cuenta/eliminar?solicitud=enviada");
    Ok(())
}

/// Erasure requests in the caller's scope (building admins, support, admins).
#[server(prefix = "/api", endpoint = "privacy/erasure_requests")]
pub async fn erasure_requests() -> Result<Vec<ErasureRequestView>, AppError> {
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &super::erasure::READERS).await)?;
    finish(super::erasure::list(&state.pool, &actor, chrono::Utc::now()).await)
}

/// Processes an erasure request (the building's admin or a platform admin).
#[server(prefix = "/api", endpoint = "privacy/process_erasure")]
pub async fn process_erasure(id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let meta = actor::request_meta();
    let actor = finish(actor::require_role(&state.pool, &super::erasure::PROCESSORS).await)?;
    let id = finish::<_, AppError>(Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound))?;
    finish(super::erasure::process(&state.pool, &*state.gateway, &actor, id, &meta, chrono::Utc::now()).await)?;
    leptos_axum::redirect("/admin/privacidad?procesada=1");
    Ok(())
}
