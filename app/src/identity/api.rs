//! Server functions of identity. Each one: authorise (or rate-limit, for the public ones),
//! parse raw form strings into domain types, call `ssr`, map the error. Plain HTML forms post
//! here without JavaScript and are redirected back (with the error) or onwards.

use super::{BuildingOption, PendingResident, SessionUser};
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::error::FieldError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, rut::Rut},
    crate::ssr::{actor, app_state, error::finish, rate_limit},
    uuid::Uuid,
};

/// The logged-in person, for the header; `None` when logged out.
#[server(prefix = "/api", endpoint = "identity/who_am_i")]
pub async fn who_am_i() -> Result<Option<SessionUser>, AppError> {
    let state = app_state()?;
    let actor = finish(actor::current_actor(&state.pool).await)?;
    Ok(actor.map(|a| SessionUser { name: a.full_name, role: a.role }))
}

/// Buildings and units to choose from at sign-up.
#[server(prefix = "/api", endpoint = "identity/signup_options")]
pub async fn signup_options() -> Result<Vec<BuildingOption>, AppError> {
    let state = app_state()?;
    finish(super::ssr::signup_options(&state.pool).await)
}

/// Collects every field's problem at once, so the form shows them all.
#[cfg(feature = "ssr")]
fn field<T, E: std::fmt::Display>(errors: &mut Vec<FieldError>, name: &str, result: Result<T, E>) -> Option<T> {
    match result {
        Ok(v) => Some(v),
        Err(e) => {
            errors.push(FieldError { field: name.into(), message: e.to_string() });
            None
        }
    }
}

/// Resident sign-up. The account starts pending until the building approves it.
#[server(prefix = "/api", endpoint = "identity/sign_up")]
#[allow(clippy::too_many_arguments)]
pub async fn sign_up(
    first_name: String,
    last_name: String,
    email: String,
    password: String,
    rut: String,
    phone: String,
    building_id: String,
    unit_id: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let meta = actor::request_meta();
    let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
    finish(rate_limit::check(&*state.rate_limiter, rate_limit::SIGNUP_PER_IP, &ip).await)?;

    let mut errors = Vec::new();
    let first_name = field(&mut errors, "first_name", PersonName::parse(&first_name));
    let last_name = field(&mut errors, "last_name", PersonName::parse(&last_name));
    let email = field(&mut errors, "email", Email::parse(&email));
    let password = field(&mut errors, "password", NewPassword::parse(&password));
    let rut = field(&mut errors, "rut", Rut::parse(&rut));
    let phone = field(&mut errors, "phone", MobilePhone::parse(&phone));
    let building_id =
        field(&mut errors, "building_id", Uuid::parse_str(building_id.trim()).map_err(|_| "Elige tu edificio de la lista."));
    let unit_id =
        field(&mut errors, "unit_id", Uuid::parse_str(unit_id.trim()).map_err(|_| "Elige tu departamento de la lista."));
    let (
        Some(first_name),
        Some(last_name),
        Some(email),
        Some(password),
        Some(rut),
        Some(phone),
        Some(building_id),
        Some(unit_id),
    ) = (first_name, last_name, email, password, rut, phone, building_id, unit_id)
    else {
        return finish::<(), AppError>(Err(AppError::Invalid { message: "Revisa los campos marcados.".into(), fields: errors }));
    };
    let new = super::ssr::NewResident { first_name, last_name, email, password, rut, phone, building_id, unit_id };
    finish(super::ssr::sign_up(&state.pool, &state.vault, &state.blind_index, new, &meta).await)?;
    leptos_axum::redirect("/ingresar?registro=pendiente");
    Ok(())
}

/// Login. On success the browser goes to `volver` when it is a safe same-site path (the page
/// that sent the visitor here), else to the role's home.
#[server(prefix = "/api", endpoint = "identity/log_in")]
pub async fn log_in(email: String, password: String, volver: Option<String>) -> Result<(), AppError> {
    let state = app_state()?;
    let meta = actor::request_meta();
    let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
    finish(rate_limit::check(&*state.rate_limiter, rate_limit::LOGIN_PER_IP, &ip).await)?;
    let email = Email::parse(&email).ok();
    let logged_in = finish(super::ssr::log_in(&state.pool, &state.blind_index, email, password, &meta).await)?;
    let session = finish(actor::session().await)?;
    finish(actor::start_session(&session, logged_in.user_id, logged_in.epoch).await)?;
    let back = volver.as_deref().and_then(crate::domain::return_path::ReturnPath::parse);
    leptos_axum::redirect(back.as_ref().map_or(logged_in.role.home_path(), |p| p.as_str()));
    Ok(())
}

/// Logout: the server-side session is destroyed.
#[server(prefix = "/api", endpoint = "identity/log_out")]
pub async fn log_out() -> Result<(), AppError> {
    let state = app_state()?;
    let meta = actor::request_meta();
    if let Some(actor) = finish(actor::current_actor(&state.pool).await)? {
        finish(super::ssr::record_logout(&state.pool, &actor, &meta).await)?;
    }
    let session = finish(actor::session().await)?;
    finish(actor::end_session(&session).await)?;
    leptos_axum::redirect("/");
    Ok(())
}

/// Asks for a reset code by WhatsApp. Same answer whether or not the account exists.
#[server(prefix = "/api", endpoint = "identity/request_reset")]
pub async fn request_reset(email: String) -> Result<(), AppError> {
    let state = app_state()?;
    let meta = actor::request_meta();
    let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
    finish(rate_limit::check(&*state.rate_limiter, rate_limit::RESET_REQUEST_PER_IP, &ip).await)?;
    let email = finish::<_, AppError>(Email::parse(&email).map_err(|e| AppError::field("email", e.to_string())))?;
    let account_key = hex_key(&state.blind_index.index(crate::ssr::blind_index::BlindField::Email, email.as_str()));
    if rate_limit::check(&*state.rate_limiter, rate_limit::RESET_REQUEST_PER_ACCOUNT, &account_key)
        .await
        .is_ok()
    {
        finish(super::ssr::request_reset(&state.pool, &state.vault, &email, &meta).await)?;
    }
    // Over the per-account limit we answer exactly as on success: nothing to learn here.
    leptos_axum::redirect("/recuperar/codigo");
    Ok(())
}

#[cfg(feature = "ssr")]
fn hex_key(bytes: &[u8]) -> String {
    bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
}

/// Sets a new password with the code received by WhatsApp; ends every session of the account.
#[server(prefix = "/api", endpoint = "identity/confirm_reset")]
pub async fn confirm_reset(email: String, code: String, password: String) -> Result<(), AppError> {
    let state = app_state()?;
    let meta = actor::request_meta();
    let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
    finish(rate_limit::check(&*state.rate_limiter, rate_limit::RESET_CONFIRM_PER_IP, &ip).await)?;
    let mut errors = Vec::new();
    let email = field(&mut errors, "email", Email::parse(&email));
    let password = field(&mut errors, "password", NewPassword::parse(&password));
    let (Some(email), Some(password)) = (email, password) else {
        return finish::<(), AppError>(Err(AppError::Invalid { message: "Revisa los campos marcados.".into(), fields: errors }));
    };
    finish(super::ssr::confirm_reset(&state.pool, &email, &code, &password, &meta).await)?;
    leptos_axum::redirect("/ingresar?clave=actualizada");
    Ok(())
}

/// Residents waiting for approval in the caller's scope.
#[server(prefix = "/api", endpoint = "identity/pending_residents")]
pub async fn pending_residents() -> Result<Vec<PendingResident>, AppError> {
    use crate::domain::role::Role;
    let state = app_state()?;
    let actor = finish(actor::require_role(&state.pool, &[Role::BuildingAdmin, Role::Support, Role::Admin]).await)?;
    finish(super::ssr::pending_residents(&state.pool, &state.vault, &actor).await)
}

/// Approves a pending resident of the caller's building (admins: any building).
#[server(prefix = "/api", endpoint = "identity/approve_resident")]
pub async fn approve_resident(user_id: String) -> Result<(), AppError> {
    decide(user_id, true, None).await
}

/// Rejects a pending resident, with a reason; the account is banned.
#[server(prefix = "/api", endpoint = "identity/reject_resident")]
pub async fn reject_resident(user_id: String, reason: String) -> Result<(), AppError> {
    let reason =
        finish::<_, AppError>(crate::domain::text::Reason::parse(&reason).map_err(|e| AppError::field("reason", e.to_string())))?;
    decide(user_id, false, Some(reason.into_string())).await
}

#[cfg(feature = "ssr")]
async fn decide(user_id: String, approve: bool, reason: Option<String>) -> Result<(), AppError> {
    use crate::domain::role::Role;
    let state = app_state()?;
    let meta = actor::request_meta();
    // Support reads the queue but does not decide (PRODUCT.md §1: read-mostly).
    let actor = finish(actor::require_role(&state.pool, &[Role::BuildingAdmin, Role::Admin]).await)?;
    let user_id = finish::<_, AppError>(Uuid::parse_str(user_id.trim()).map_err(|_| AppError::NotFound))?;
    finish(super::ssr::decide_resident(&state.pool, &actor, user_id, approve, reason.as_deref(), &meta).await)?;
    leptos_axum::redirect("/admin/residentes");
    Ok(())
}
