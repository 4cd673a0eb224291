//! Server functions of the staff screen. Each one decodes its form and hands it to its handler
//! (below, server only: authorise, parse the form into domain types, call `ssr`); plain form
//! posts are redirected back to the list.

use super::{NewStaffForm, StaffListing, StaffQuery};
use crate::error::AppError;
use leptos::prelude::*;

#[cfg(feature = "ssr")]
use {crate::admin::account_status::Change, crate::ssr::error::serve};

/// One page of the staff accounts in the caller's scope.
#[server(prefix = "/api", endpoint = "admin/staff")]
pub async fn list_staff(filter: StaffQuery, pagina: String) -> Result<StaffListing, AppError> {
    serve(handlers::list(filter, pagina)).await
}

/// Creates a staff account with an initial password the creator shares with the person.
#[server(prefix = "/api", endpoint = "admin/staff_create")]
pub async fn create_staff(#[server(flatten)] form: NewStaffForm) -> Result<(), AppError> {
    serve(handlers::create(form)).await
}

/// Changes a staff account's role (and building, which building-scoped roles need); platform
/// admins only. Ends the account's open sessions.
#[server(prefix = "/api", endpoint = "admin/staff_role")]
pub async fn change_staff_role(user_id: String, role: String, building_id: String) -> Result<(), AppError> {
    serve(handlers::change_role(user_id, role, building_id)).await
}

/// Moves a concierge or building admin account to another building; platform admins only.
/// Ends the account's open sessions.
#[server(prefix = "/api", endpoint = "admin/staff_building")]
pub async fn assign_staff_building(user_id: String, building_id: String) -> Result<(), AppError> {
    serve(handlers::assign_building(user_id, building_id)).await
}

/// Bans a staff account with a reason (after the confirmation step); ends their sessions.
#[server(prefix = "/api", endpoint = "admin/staff_ban")]
pub async fn ban_staff(user_id: String, reason: String) -> Result<(), AppError> {
    serve(handlers::ban(user_id, reason)).await
}

/// Unbans a staff account.
#[server(prefix = "/api", endpoint = "admin/staff_unban")]
pub async fn unban_staff(user_id: String) -> Result<(), AppError> {
    serve(handlers::apply(user_id, Change::Restore)).await
}

/// The handlers of the server functions above, returning [`ServerResult`]s.
#[cfg(feature = "ssr")]
mod handlers {
    use super::{NewStaffForm, StaffListing, StaffQuery};
    use crate::admin::{account_status::Change, scope, staff::ssr};
    use crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, role::Role};
    use crate::error::{AppError, FieldErrors};
    use crate::ssr::{actor::Actor, ServerResult};
    use crate::ui::pager;
    use uuid::Uuid;

    /// See [`super::list_staff`].
    pub(super) async fn list(filter: StaffQuery, pagina: String) -> ServerResult<StaffListing> {
        let (state, actor) = scope::staff().await?;
        let mut filter = filter;
        // From the page's URL the term comes sealed (it may be an e-mail).
        filter.buscar = crate::admin::search::open(&state.vault, actor.id, &filter.buscar);
        let parsed = ssr::parse_filter(&actor, &filter)?;
        let page = pager::number(&pagina);
        ssr::list(&state.pool, &actor, &parsed, page).await
    }

    /// The building named in a form: a building admin's own whatever was sent; for a platform
    /// admin the one chosen (empty: none). An unreadable id is a field error.
    fn form_building(actor: &Actor, raw: &str) -> Result<Option<Uuid>, AppError> {
        scope::listing_scope(actor, raw).map_err(|_| AppError::field("building_id", "Elige un edificio de la lista."))
    }

    /// See [`super::create_staff`].
    pub(super) async fn create(form: NewStaffForm) -> ServerResult<()> {
        let NewStaffForm { full_name, email, phone, role, building_id, password } = form;
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let mut errors = FieldErrors::new();
        let full_name = errors.check("full_name", PersonName::parse(&full_name));
        let email = errors.check("email", Email::parse(&email));
        let phone =
            if phone.trim().is_empty() { Some(None) } else { errors.check("phone", MobilePhone::parse(&phone)).map(Some) };
        // A building admin creates concierge accounts only, whatever the form says.
        let role = if actor.role.is_building_scoped() {
            Some(Role::Concierge)
        } else {
            errors.check("role", super::super::parse_staff_role(&role).ok_or("Elige un rol de la lista."))
        };
        let building = errors.absorb("building_id", form_building(&actor, &building_id));
        let password = errors.check("password", NewPassword::parse(&password));
        if let (Some(role), Some(None)) = (role, building) {
            if role.is_building_scoped() {
                errors.push("building_id", "Elige el edificio de esta cuenta.");
            }
        }
        let (Some(full_name), Some(email), Some(phone), Some(role), Some(building), Some(password)) =
            (full_name, email, phone, role, building, password)
        else {
            return Err(errors.into_error().into());
        };
        errors.into_result()?;
        let new = ssr::NewStaff { full_name, email, phone, role, building, password };
        ssr::create(&state.pool, &state.vault, &state.blind_index, &actor, new, &meta).await?;
        scope::redirect("/admin/personal?creado=1")
    }

    /// See [`super::change_staff_role`].
    pub(super) async fn change_role(user_id: String, role: String, building_id: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&user_id)?;
        let role = super::super::parse_staff_role(&role).ok_or_else(|| AppError::field("role", "Elige un rol de la lista."))?;
        let building = form_building(&actor, &building_id)?;
        ssr::change_access(&state.pool, &actor, id, Some(role), building, &meta).await?;
        scope::redirect("/admin/personal?hecho=1")
    }

    /// See [`super::assign_staff_building`].
    pub(super) async fn assign_building(user_id: String, building_id: String) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&user_id)?;
        let building = form_building(&actor, &building_id)?;
        ssr::change_access(&state.pool, &actor, id, None, building, &meta).await?;
        scope::redirect("/admin/personal?hecho=1")
    }

    /// See [`super::ban_staff`]: the reason is checked before anything else.
    pub(super) async fn ban(user_id: String, reason: String) -> ServerResult<()> {
        let reason = scope::ban_reason(&reason)?;
        apply(user_id, Change::Ban(reason)).await
    }

    /// Applies a status change to a staff account (see [`super::unban_staff`]).
    pub(super) async fn apply(user_id: String, change: Change) -> ServerResult<()> {
        let scope::Writer { state, actor, meta } = scope::writer().await?;
        let id = scope::parse_id(&user_id)?;
        ssr::change_status(&state.pool, &actor, id, change, &meta).await?;
        scope::redirect("/admin/personal?hecho=1")
    }
}
