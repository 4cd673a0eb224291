//! Server functions of identity. Each one decodes its form and hands it to its handler (below,
//! server only): authorise (or rate-limit, for the public ones), parse raw form strings into
//! domain types, call `ssr`, redirect. Plain HTML forms post here without JavaScript and are
//! redirected back (with the error) or onwards.

use super::{BuildingOption, PendingResident, SessionUser, SignUpForm};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// The logged-in person, for the header; `None` when logged out.
#[server(prefix = "/api", endpoint = "identity/who_am_i")]
pub async fn who_am_i() -> Result<Option<SessionUser>, AppError> {
    serve(handlers::who_am_i()).await
}

/// Buildings and units to choose from at sign-up.
#[server(prefix = "/api", endpoint = "identity/signup_options")]
pub async fn signup_options() -> Result<Vec<BuildingOption>, AppError> {
    serve(handlers::signup_options()).await
}

/// Resident sign-up. The account starts pending until the building approves it.
#[server(prefix = "/api", endpoint = "identity/sign_up")]
pub async fn sign_up(#[server(flatten)] form: SignUpForm) -> Result<(), AppError> {
    serve(handlers::sign_up(form)).await
}

/// Login. On success the browser goes to `volver` when it is a safe same-site path (the page
/// that sent the visitor here), else to the role's home.
#[server(prefix = "/api", endpoint = "identity/log_in")]
pub async fn log_in(email: String, password: String, volver: Option<String>) -> Result<(), AppError> {
    serve(handlers::log_in(email, password, volver)).await
}

/// Logout: the server-side session is destroyed.
#[server(prefix = "/api", endpoint = "identity/log_out")]
pub async fn log_out() -> Result<(), AppError> {
    serve(handlers::log_out()).await
}

/// Asks for a reset code by WhatsApp. Same answer whether or not the account exists.
#[server(prefix = "/api", endpoint = "identity/request_reset")]
pub async fn request_reset(email: String) -> Result<(), AppError> {
    serve(handlers::request_reset(email)).await
}

/// Sets a new password with the code received by WhatsApp; ends every session of the account.
#[server(prefix = "/api", endpoint = "identity/confirm_reset")]
pub async fn confirm_reset(email: String, code: String, password: String) -> Result<(), AppError> {
    serve(handlers::confirm_reset(email, code, password)).await
}

/// Residents waiting for approval in the caller's scope.
#[server(prefix = "/api", endpoint = "identity/pending_residents")]
pub async fn pending_residents() -> Result<Vec<PendingResident>, AppError> {
    serve(handlers::pending_residents()).await
}

/// Approves a pending resident of the caller's building (admins: any building).
#[server(prefix = "/api", endpoint = "identity/approve_resident")]
pub async fn approve_resident(user_id: String) -> Result<(), AppError> {
    serve(handlers::decide(user_id, true, None)).await
}

/// Rejects a pending resident, with a reason; the account is banned.
#[server(prefix = "/api", endpoint = "identity/reject_resident")]
pub async fn reject_resident(user_id: String, reason: String) -> Result<(), AppError> {
    serve(handlers::reject(user_id, reason)).await
}

/// The handlers of the server functions above, one each, returning [`ServerResult`]; the
/// server function converts the outcome once.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{BuildingOption, PendingResident, SessionUser, SignUpForm};
    use crate::domain::{
        email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, return_path::ReturnPath, role::Role,
        rut::Rut, text::Reason,
    };
    use crate::error::{AppError, FieldErrors};
    use crate::identity::ssr;
    use crate::ssr::{actor, app_state, blind_index::BlindField, rate_limit, ServerResult};
    use uuid::Uuid;

    /// See [`super::who_am_i`].
    pub(super) async fn who_am_i() -> ServerResult<Option<SessionUser>> {
        let state = app_state()?;
        let actor = actor::current_actor(&state.pool).await?;
        Ok(actor.map(|a| SessionUser { name: a.full_name, role: a.role }))
    }

    /// See [`super::signup_options`].
    pub(super) async fn signup_options() -> ServerResult<Vec<BuildingOption>> {
        let state = app_state()?;
        ssr::signup_options(&state.pool).await
    }

    /// See [`super::sign_up`].
    pub(super) async fn sign_up(form: SignUpForm) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
        rate_limit::check(&*state.rate_limiter, rate_limit::SIGNUP_PER_IP, &ip).await?;

        let mut errors = FieldErrors::new();
        let first_name = errors.check("first_name", PersonName::parse(&form.first_name));
        let last_name = errors.check("last_name", PersonName::parse(&form.last_name));
        let email = errors.check("email", Email::parse(&form.email));
        let password = errors.check("password", NewPassword::parse(&form.password));
        let rut = errors.check("rut", Rut::parse(&form.rut));
        let phone = errors.check("phone", MobilePhone::parse(&form.phone));
        let building_id =
            errors.check("building_id", Uuid::parse_str(form.building_id.trim()).map_err(|_| "Elige tu edificio de la lista."));
        let unit_id =
            errors.check("unit_id", Uuid::parse_str(form.unit_id.trim()).map_err(|_| "Elige tu departamento de la lista."));
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
            return Err(errors.into_error().into());
        };
        let new = ssr::NewResident { first_name, last_name, email, password, rut, phone, building_id, unit_id };
        ssr::sign_up(&state.pool, &state.vault, &state.blind_index, new, &meta).await?;
        leptos_axum::redirect("/ingresar?registro=pendiente");
        Ok(())
    }

    /// See [`super::log_in`].
    pub(super) async fn log_in(email: String, password: String, volver: Option<String>) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
        rate_limit::check(&*state.rate_limiter, rate_limit::LOGIN_PER_IP, &ip).await?;
        let email = Email::parse(&email).ok();
        let logged_in = ssr::log_in(&state.pool, &state.blind_index, email, password, &meta).await?;
        let session = actor::session().await?;
        actor::start_session(&session, logged_in.user_id, logged_in.epoch).await?;
        let back = volver.as_deref().and_then(ReturnPath::parse);
        leptos_axum::redirect(back.as_ref().map_or(logged_in.role.home_path(), |p| p.as_str()));
        Ok(())
    }

    /// See [`super::log_out`].
    pub(super) async fn log_out() -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        if let Some(actor) = actor::current_actor(&state.pool).await? {
            ssr::record_logout(&state.pool, &actor, &meta).await?;
        }
        let session = actor::session().await?;
        actor::end_session(&session).await?;
        leptos_axum::redirect("/");
        Ok(())
    }

    /// See [`super::request_reset`].
    pub(super) async fn request_reset(email: String) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
        rate_limit::check(&*state.rate_limiter, rate_limit::RESET_REQUEST_PER_IP, &ip).await?;
        let email = Email::parse(&email).map_err(|e| AppError::field("email", e.to_string()))?;
        let account_key = hex_key(&state.blind_index.index(BlindField::Email, email.as_str()));
        if rate_limit::check(&*state.rate_limiter, rate_limit::RESET_REQUEST_PER_ACCOUNT, &account_key)
            .await
            .is_ok()
        {
            ssr::request_reset(&state.pool, &state.vault, &email, &meta).await?;
        }
        // Over the per-account limit we answer exactly as on success: nothing to learn here.
        leptos_axum::redirect("/recuperar/codigo");
        Ok(())
    }

    fn hex_key(bytes: &[u8]) -> String {
        bytes.iter().take(16).map(|b| format!("{b:02x}")).collect()
    }

    /// See [`super::confirm_reset`].
    pub(super) async fn confirm_reset(email: String, code: String, password: String) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let ip = meta.ip.map(|i| i.to_string()).unwrap_or_default();
        rate_limit::check(&*state.rate_limiter, rate_limit::RESET_CONFIRM_PER_IP, &ip).await?;
        let mut errors = FieldErrors::new();
        let email = errors.check("email", Email::parse(&email));
        let password = errors.check("password", NewPassword::parse(&password));
        let (Some(email), Some(password)) = (email, password) else {
            return Err(errors.into_error().into());
        };
        ssr::confirm_reset(&state.pool, &email, &code, &password, &meta).await?;
        leptos_axum::redirect("/ingresar?clave=actualizada");
        Ok(())
    }

    /// See [`super::pending_residents`].
    pub(super) async fn pending_residents() -> ServerResult<Vec<PendingResident>> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &[Role::BuildingAdmin, Role::Support, Role::Admin]).await?;
        ssr::pending_residents(&state.pool, &state.vault, &actor).await
    }

    /// See [`super::reject_resident`]: the reason is checked before anything else.
    pub(super) async fn reject(user_id: String, reason: String) -> ServerResult<()> {
        let reason = Reason::parse(&reason).map_err(|e| AppError::field("reason", e.to_string()))?;
        decide(user_id, false, Some(reason.into_string())).await
    }

    /// Approves or rejects a pending resident (see [`super::approve_resident`]).
    pub(super) async fn decide(user_id: String, approve: bool, reason: Option<String>) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        // Support reads the queue but does not decide (PRODUCT.md §1: read-mostly).
        let actor = actor::require_role(&state.pool, &[Role::BuildingAdmin, Role::Admin]).await?;
        let user_id = Uuid::parse_str(user_id.trim()).map_err(|_| AppError::NotFound)?;
        ssr::decide_resident(&state.pool, &actor, user_id, approve, reason.as_deref(), &meta).await?;
        leptos_axum::redirect("/admin/residentes");
        Ok(())
    }
}
