//! Server functions of the staff screen: authorise, parse the form into domain types, call
//! `ssr`, map the error; plain form posts are redirected back to the list.

use super::{StaffListing, StaffQuery};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {
    crate::admin::{account_status::Change, scope},
    crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone},
    crate::error::FieldError,
    crate::ssr::{actor, app_state, error::finish},
};

/// One page of the staff accounts in the caller's scope.
#[server(prefix = "/api", endpoint = "admin/staff")]
pub async fn list_staff(filter: StaffQuery, pagina: String) -> Result<StaffListing, AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_staff(&state.pool).await)?;
    let mut filter = filter;
    // From the page's URL the term comes sealed (it may be an e-mail).
    filter.buscar = crate::admin::search::open(&state.vault, actor.id, &filter.buscar);
    let parsed = finish(super::ssr::parse_filter(&actor, &filter))?;
    let page = pagina.trim().parse::<u32>().unwrap_or(1).clamp(1, 100_000);
    finish(super::ssr::list(&state.pool, &actor, &parsed, page).await)
}

/// Collects one field's problem, so the form shows them all at once.
#[cfg(feature = "ssr")]
fn field<T, E: std::fmt::Display>(errors: &mut Vec<FieldError>, name: &str, result: Result<T, E>) -> Option<T> {
    result.map_err(|e| errors.push(FieldError { field: name.into(), message: e.to_string() })).ok()
}

/// The building named in a form: a building admin's own whatever was sent; for a platform
/// admin the one chosen (empty: none). An unreadable id is a field error.
#[cfg(feature = "ssr")]
fn form_building(actor: &crate::ssr::actor::Actor, raw: &str) -> Result<Option<uuid::Uuid>, AppError> {
    scope::listing_scope(actor, raw).map_err(|_| AppError::field("building_id", "Elige un edificio de la lista."))
}

/// Creates a staff account with an initial password the creator shares with the person.
#[server(prefix = "/api", endpoint = "admin/staff_create")]
pub async fn create_staff(
    full_name: String,
    email: String,
    phone: String,
    role: String,
    building_id: String,
    password: String,
) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let mut errors = Vec::new();
    let full_name = field(&mut errors, "full_name", PersonName::parse(&full_name));
    let email = field(&mut errors, "email", Email::parse(&email));
    let phone =
        if phone.trim().is_empty() { Some(None) } else { field(&mut errors, "phone", MobilePhone::parse(&phone)).map(Some) };
    // A building admin creates concierge accounts only, whatever the form says.
    let role = if actor.role.is_building_scoped() {
        Some(crate::domain::role::Role::Concierge)
    } else {
        field(&mut errors, "role", super::parse_staff_role(&role).ok_or("Elige un rol de la lista."))
    };
    let building = match form_building(&actor, &building_id) {
        Ok(b) => Some(b),
        Err(e) => {
            if let AppError::Invalid { fields, .. } = e {
                errors.extend(fields);
            }
            None
        }
    };
    let password = field(&mut errors, "password", NewPassword::parse(&password));
    if let (Some(role), Some(None)) = (role, building) {
        if role.is_building_scoped() {
            errors.push(FieldError { field: "building_id".into(), message: "Elige el edificio de esta cuenta.".into() });
        }
    }
    let (Some(full_name), Some(email), Some(phone), Some(role), Some(building), Some(password)) =
        (full_name, email, phone, role, building, password)
    else {
        return finish::<(), AppError>(Err(AppError::Invalid { message: "Revisa los campos marcados.".into(), fields: errors }));
    };
    if !errors.is_empty() {
        return finish::<(), AppError>(Err(AppError::Invalid { message: "Revisa los campos marcados.".into(), fields: errors }));
    }
    let new = super::ssr::NewStaff { full_name, email, phone, role, building, password };
    let meta = actor::request_meta();
    finish(super::ssr::create(&state.pool, &state.vault, &state.blind_index, &actor, new, &meta).await)?;
    leptos_axum::redirect("/admin/personal?creado=1");
    Ok(())
}

/// Changes a staff account's role (and building, which building-scoped roles need); platform
/// admins only. Ends the account's open sessions.
#[server(prefix = "/api", endpoint = "admin/staff_role")]
pub async fn change_staff_role(user_id: String, role: String, building_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&user_id))?;
    let role = finish(super::parse_staff_role(&role).ok_or_else(|| AppError::field("role", "Elige un rol de la lista.")))?;
    let building = finish(form_building(&actor, &building_id))?;
    let meta = actor::request_meta();
    finish(super::ssr::change_access(&state.pool, &actor, id, Some(role), building, &meta).await)?;
    leptos_axum::redirect("/admin/personal?hecho=1");
    Ok(())
}

/// Moves a concierge or building admin account to another building; platform admins only.
/// Ends the account's open sessions.
#[server(prefix = "/api", endpoint = "admin/staff_building")]
pub async fn assign_staff_building(user_id: String, building_id: String) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&user_id))?;
    let building = finish(form_building(&actor, &building_id))?;
    let meta = actor::request_meta();
    finish(super::ssr::change_access(&state.pool, &actor, id, None, building, &meta).await)?;
    leptos_axum::redirect("/admin/personal?hecho=1");
    Ok(())
}

/// Bans a staff account with a reason (after the confirmation step); ends their sessions.
#[server(prefix = "/api", endpoint = "admin/staff_ban")]
pub async fn ban_staff(user_id: String, reason: String) -> Result<(), AppError> {
    let reason = reason.trim().to_string();
    if reason.chars().count() < 3 || reason.chars().count() > 500 {
        return finish::<(), AppError>(Err(AppError::field(
            "reason",
            "Indica el motivo del bloqueo (entre 3 y 500 caracteres).",
        )));
    }
    apply(user_id, Change::Ban(reason)).await
}

/// Unbans a staff account.
#[server(prefix = "/api", endpoint = "admin/staff_unban")]
pub async fn unban_staff(user_id: String) -> Result<(), AppError> {
    apply(user_id, Change::Restore).await
}

#[cfg(feature = "ssr")]
async fn apply(user_id: String, change: Change) -> Result<(), AppError> {
    let state = app_state()?;
    let actor = finish(scope::require_writer(&state.pool).await)?;
    let id = finish(scope::parse_id(&user_id))?;
    let meta = actor::request_meta();
    finish(super::ssr::change_status(&state.pool, &actor, id, change, &meta).await)?;
    leptos_axum::redirect("/admin/personal?hecho=1");
    Ok(())
}
