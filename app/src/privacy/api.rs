//! Server functions of privacy. Each one decodes its form and hands it to its handler (below,
//! server only), which authorises (any logged-in person for their own data; the building's
//! administration for erasure requests), rate-limits the costly ones, parses the form strings
//! into domain types and calls the area's ssr code. Plain HTML forms post here without
//! JavaScript and are redirected onwards (or back, with the error).

use super::{ErasureRequestView, ErasureState, PersonalData};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use crate::ssr::error::serve;

/// Everything held about the caller (the readable `/cuenta/mis-datos`). Audited.
#[server(prefix = "/api", endpoint = "privacy/my_data")]
pub async fn my_data() -> Result<PersonalData, AppError> {
    serve(handlers::my_data()).await
}

/// Changes the login e-mail after the password; ends the other sessions.
#[server(prefix = "/api", endpoint = "privacy/change_email")]
pub async fn change_email(password: String, email: String) -> Result<(), AppError> {
    serve(handlers::change_email(password, email)).await
}

/// Sends a 6-digit code by WhatsApp to a new phone, after the password.
#[server(prefix = "/api", endpoint = "privacy/request_phone_change")]
pub async fn request_phone_change(password: String, phone: String) -> Result<(), AppError> {
    serve(handlers::request_phone_change(password, phone)).await
}

/// Confirms the new phone with its code; ends the other sessions.
#[server(prefix = "/api", endpoint = "privacy/confirm_phone_change")]
pub async fn confirm_phone_change(code: String) -> Result<(), AppError> {
    serve(handlers::confirm_phone_change(code)).await
}

/// Opposition: `recordatorios` = `no` turns reminder messages off, `si` back on.
#[server(prefix = "/api", endpoint = "privacy/set_reminders")]
pub async fn set_reminders(recordatorios: String) -> Result<(), AppError> {
    serve(handlers::set_reminders(recordatorios)).await
}

/// What `/cuenta/eliminar` shows the resident.
#[server(prefix = "/api", endpoint = "privacy/erasure_status")]
pub async fn erasure_status() -> Result<ErasureState, AppError> {
    serve(handlers::erasure_status()).await
}

/// A resident asks to delete their account, with their password.
#[server(prefix = "/api", endpoint = "privacy/request_erasure")]
pub async fn request_erasure(password: String) -> Result<(), AppError> {
    serve(handlers::request_erasure(password)).await
}

/// Erasure requests in the caller's scope (building admins, support, admins).
#[server(prefix = "/api", endpoint = "privacy/erasure_requests")]
pub async fn erasure_requests() -> Result<Vec<ErasureRequestView>, AppError> {
    serve(handlers::erasure_requests()).await
}

/// Processes an erasure request (the building's admin or a platform admin).
#[server(prefix = "/api", endpoint = "privacy/process_erasure")]
pub async fn process_erasure(id: String) -> Result<(), AppError> {
    serve(handlers::process_erasure(id)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{ErasureRequestView, ErasureState, PersonalData};
    use crate::domain::{email::Email, phone::MobilePhone, role::Role};
    use crate::error::AppError;
    use crate::privacy::{erasure, export, rectify};
    use crate::ssr::{
        actor::{self, Actor},
        app_state, rate_limit, AppState, ServerResult,
    };
    use chrono::Utc;
    use uuid::Uuid;

    /// The logged-in person and the state, after the per-account limit on changes.
    async fn changing() -> ServerResult<(AppState, Actor)> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        rate_limit::check(&*state.rate_limiter, rectify::CHANGE_PER_ACCOUNT, &actor.id.to_string()).await?;
        Ok((state, actor))
    }

    /// Restarts the caller's session on `epoch` (the change ended every other session).
    async fn keep_this_session(actor: &Actor, epoch: i32) -> ServerResult<()> {
        let session = actor::session().await?;
        actor::start_session(&session, actor.id, epoch).await?;
        Ok(())
    }

    /// See [`super::my_data`].
    pub(super) async fn my_data() -> ServerResult<PersonalData> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_actor(&state.pool).await?;
        rate_limit::check(&*state.rate_limiter, export::EXPORT_PER_ACCOUNT, &actor.id.to_string()).await?;
        let data = export::my_data(&state.pool, &state.vault, &actor, Utc::now()).await?;
        export::record_export(&state.pool, &actor, "page", &meta).await?;
        Ok(data)
    }

    /// See [`super::change_email`].
    pub(super) async fn change_email(password: String, email: String) -> ServerResult<()> {
        let (state, actor) = changing().await?;
        let meta = actor::request_meta();
        let email = Email::parse(&email).map_err(|e| AppError::field("email", e.to_string()))?;
        let epoch = rectify::change_email(&state.pool, &state.blind_index, &actor, &password, &email, &meta).await?;
        keep_this_session(&actor, epoch).await?;
        leptos_axum::redirect("/cuenta/contacto?correo=actualizado");
        Ok(())
    }

    /// See [`super::request_phone_change`].
    pub(super) async fn request_phone_change(password: String, phone: String) -> ServerResult<()> {
        let (state, actor) = changing().await?;
        let meta = actor::request_meta();
        let phone = MobilePhone::parse(&phone).map_err(|e| AppError::field("phone", e.to_string()))?;
        rectify::request_phone_change(&state.pool, &state.vault, &state.blind_index, &actor, &password, &phone, &meta).await?;
        leptos_axum::redirect("/cuenta/celular/codigo");
        Ok(())
    }

    /// See [`super::confirm_phone_change`].
    pub(super) async fn confirm_phone_change(code: String) -> ServerResult<()> {
        let (state, actor) = changing().await?;
        let meta = actor::request_meta();
        let epoch = rectify::confirm_phone_change(&state.pool, &state.vault, &actor, &code, &meta).await?;
        keep_this_session(&actor, epoch).await?;
        leptos_axum::redirect("/cuenta/contacto?celular=actualizado");
        Ok(())
    }

    /// See [`super::set_reminders`].
    pub(super) async fn set_reminders(recordatorios: String) -> ServerResult<()> {
        let (state, actor) = changing().await?;
        let meta = actor::request_meta();
        let opt_out = match recordatorios.trim() {
            "no" => true,
            "si" => false,
            _ => return Err(AppError::field("recordatorios", "Elige si quieres recibir recordatorios.").into()),
        };
        rectify::set_reminders(&state.pool, &actor, opt_out, &meta).await?;
        leptos_axum::redirect("/cuenta/mis-datos?recordatorios=guardado");
        Ok(())
    }

    /// See [`super::erasure_status`].
    pub(super) async fn erasure_status() -> ServerResult<ErasureState> {
        let state = app_state()?;
        let actor = actor::require_actor(&state.pool).await?;
        erasure::status(&state.pool, &actor, Utc::now()).await
    }

    /// See [`super::request_erasure`].
    pub(super) async fn request_erasure(password: String) -> ServerResult<()> {
        let (state, actor) = changing().await?;
        actor.require_role(&[Role::Resident])?;
        let meta = actor::request_meta();
        rectify::reauthenticate(&state.pool, &actor, &password, "privacy.erasure_refused", &meta).await?;
        erasure::request(&state.pool, &actor, &meta, Utc::now()).await?;
        leptos_axum::redirect("/cuenta/eliminar?solicitud=enviada");
        Ok(())
    }

    /// See [`super::erasure_requests`].
    pub(super) async fn erasure_requests() -> ServerResult<Vec<ErasureRequestView>> {
        let state = app_state()?;
        let actor = actor::require_role(&state.pool, &erasure::READERS).await?;
        erasure::list(&state.pool, &actor, Utc::now()).await
    }

    /// See [`super::process_erasure`].
    pub(super) async fn process_erasure(id: String) -> ServerResult<()> {
        let state = app_state()?;
        let meta = actor::request_meta();
        let actor = actor::require_role(&state.pool, &erasure::PROCESSORS).await?;
        let id = Uuid::parse_str(id.trim()).map_err(|_| AppError::NotFound)?;
        erasure::process(&state.pool, &*state.gateway, &actor, id, &meta, Utc::now()).await?;
        leptos_axum::redirect("/admin/privacidad?procesada=1");
        Ok(())
    }
}
