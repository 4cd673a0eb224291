//! Building scope of the administration tools: which roles may read, which may change, and
//! which building a request is about.

use super::{BuildingChoice, BuildingScreen};
use crate::domain::role::Role;
use crate::error::{AppError, FieldErrors};
use crate::ssr::{
    actor::{self, Actor},
    audit::RequestMeta,
    state::{app_state, AppState},
    ServerResult,
};
use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

/// Roles that read the administration tools.
pub const READERS: [Role; 3] = [Role::BuildingAdmin, Role::Support, Role::Admin];
/// Roles that change data through them (support is read-mostly: it only cancels bookings).
pub const WRITERS: [Role; 2] = [Role::BuildingAdmin, Role::Admin];

/// The request's state and its actor, if they may read the administration tools.
pub async fn staff() -> ServerResult<(AppState, Actor)> {
    let state = app_state()?;
    let actor = actor::require_role(&state.pool, &READERS).await?;
    Ok((state, actor))
}

/// What a handler that changes data works with: the request's state, its actor (allowed to
/// write) and the request's address and agent for the audit row.
pub struct Writer {
    /// The application's shared state.
    pub state: AppState,
    /// The caller, one of [`WRITERS`].
    pub actor: Actor,
    /// The request's metadata, recorded with every change.
    pub meta: RequestMeta,
}

/// The request's [`Writer`], if its actor may change data through the administration tools.
pub async fn writer() -> ServerResult<Writer> {
    let state = app_state()?;
    let actor = actor::require_role(&state.pool, &WRITERS).await?;
    Ok(Writer { state, actor, meta: actor::request_meta() })
}

/// The end of a handler whose form also posts without JavaScript: the browser is sent on to
/// `path` (a script caller ignores the header and reads the empty result).
pub fn redirect(path: &str) -> ServerResult<()> {
    leptos_axum::redirect(path);
    Ok(())
}

/// The building a listing is limited to: a building admin's own building whatever was asked;
/// for platform roles the building asked for (`None`: every building). A malformed id is
/// "not found".
pub fn listing_scope(actor: &Actor, requested: &str) -> Result<Option<Uuid>, AppError> {
    if actor.role.is_building_scoped() {
        return actor.building_id.map(Some).ok_or(AppError::NotFound);
    }
    let requested = requested.trim();
    if requested.is_empty() {
        return Ok(None);
    }
    Uuid::parse_str(requested).map(Some).map_err(|_| AppError::NotFound)
}

/// The one building an action is about: a building admin's own; for platform roles the building
/// named in the form, which must be given.
pub fn target_building(actor: &Actor, requested: &str) -> Result<Uuid, AppError> {
    match listing_scope(actor, requested)? {
        Some(id) => Ok(id),
        None => Err(AppError::field("building_id", "Elige un edificio.")),
    }
}

/// The buildings `actor` administers, by name.
pub async fn buildings(pool: &PgPool, actor: &Actor) -> ServerResult<Vec<BuildingChoice>> {
    let own = if actor.role.is_building_scoped() { Some(actor.building_id.ok_or(AppError::NotFound)?) } else { None };
    let rows: Vec<(Uuid, String)> =
        sqlx::query_as("select id, name from buildings where $1::uuid is null or id = $1 order by name")
            .bind(own)
            .fetch_all(pool)
            .await?;
    Ok(rows.into_iter().map(|(id, name)| BuildingChoice { id: id.to_string(), name }).collect())
}

/// Refuses unless `actor` may change `building_id` (an admin, or that building's admin).
pub fn require_writer_of(actor: &Actor, building_id: Uuid) -> Result<(), AppError> {
    actor.require_role(&WRITERS)?;
    actor.require_building(building_id)
}

/// The name of a building, "not found" if it does not exist.
pub async fn building_name(pool: &PgPool, building_id: Uuid) -> ServerResult<String> {
    let name: Option<String> = sqlx::query_scalar("select name from buildings where id = $1")
        .bind(building_id)
        .fetch_optional(pool)
        .await?;
    Ok(name.ok_or(AppError::NotFound)?)
}

/// The head of a one-building screen: `building_id` (not found if it does not exist), the
/// buildings `actor` may switch to and whether they may change things there.
pub async fn building_screen(pool: &PgPool, actor: &Actor, building_id: Uuid) -> ServerResult<BuildingScreen> {
    Ok(BuildingScreen {
        building_id: building_id.to_string(),
        building: building_name(pool, building_id).await?,
        buildings: buildings(pool, actor).await?,
        can_edit: WRITERS.contains(&actor.role),
    })
}

/// The time zone of a building (for local dates), "not found" if it does not exist.
pub async fn building_zone(pool: &PgPool, building_id: Uuid) -> ServerResult<chrono_tz::Tz> {
    let zone: Option<String> = sqlx::query_scalar("select time_zone from buildings where id = $1")
        .bind(building_id)
        .fetch_optional(pool)
        .await?;
    let zone = zone.ok_or(AppError::NotFound)?;
    zone.parse().map_err(|_| crate::ssr::ServerError::invariant(format!("time zone {zone}")))
}

/// A local date typed as `yyyy-mm-dd` (what `<input type=date>` sends) or `dd-mm-yyyy`.
pub fn parse_day(raw: &str) -> Option<NaiveDate> {
    let raw = raw.trim();
    NaiveDate::parse_from_str(raw, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(raw, "%d-%m-%Y"))
        .ok()
}

/// An optional date filter: `None` when empty; when unreadable, `None` and a field error.
pub fn date_filter(errors: &mut FieldErrors, name: &str, raw: &str) -> Option<NaiveDate> {
    if raw.trim().is_empty() {
        return None;
    }
    let day = parse_day(raw);
    if day.is_none() {
        errors.push(name, "Escribe una fecha válida (dd-mm-aaaa).");
    }
    day
}

/// The building a one-building screen shows: the one asked for (platform roles), a building
/// admin's own, or for a platform role without a choice the first building by name.
pub async fn screen_building(pool: &PgPool, actor: &Actor, edificio: &str) -> ServerResult<Uuid> {
    match listing_scope(actor, edificio)? {
        Some(b) => Ok(b),
        None => {
            let all = buildings(pool, actor).await?;
            let first = all.first().ok_or(AppError::NotFound)?;
            Ok(parse_id(&first.id)?)
        }
    }
}

/// A search box's term (trimmed; empty: no search), refused as a `buscar` field error when
/// longer than the search limit, so no listing runs a pattern search over an arbitrary text.
pub fn search_term(raw: &str) -> Result<&str, AppError> {
    crate::domain::text::search_term(raw).map_err(|e| AppError::field("buscar", e.to_string()))
}

/// The reason given for a ban or a blocklist entry (3 to 500 characters, trimmed), else a
/// `reason` field error.
pub fn ban_reason(raw: &str) -> Result<String, AppError> {
    crate::domain::text::Reason::parse(raw)
        .map(crate::domain::text::Reason::into_string)
        .map_err(|_| AppError::field("reason", "Indica el motivo del bloqueo (entre 3 y 500 caracteres)."))
}

/// Parses an id from a form; anything unreadable is "not found".
pub fn parse_id(raw: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(raw.trim()).map_err(|_| AppError::NotFound)
}

/// The scope of an overview screen (dashboard, analytics): one building or every building the
/// caller may see, with its label and the building picker's choices.
pub struct Overview {
    /// The building shown (`None`: every building in scope).
    pub building: Option<Uuid>,
    /// The buildings the caller may pick from.
    pub buildings: Vec<BuildingChoice>,
    /// The building's name, or "Todos los edificios".
    pub label: String,
    /// The picker's selection (empty for a building admin, who has no picker, and for "all").
    pub selected: String,
}

/// The [`Overview`] `actor` asked for with `requested` (a building id or empty for all); a
/// building outside the caller's scope is "not found".
pub async fn overview(pool: &PgPool, actor: &Actor, requested: &str) -> ServerResult<Overview> {
    actor.require_role(&READERS)?;
    let building = listing_scope(actor, requested)?;
    let buildings = self::buildings(pool, actor).await?;
    let label = match building {
        Some(id) => {
            let name = buildings.iter().find(|b| b.id == id.to_string()).map(|b| b.name.clone());
            name.ok_or(AppError::NotFound)?
        }
        None => "Todos los edificios".to_string(),
    };
    let selected = match building {
        Some(id) if !actor.role.is_building_scoped() => id.to_string(),
        _ => String::new(),
    };
    Ok(Overview { building, buildings, label, selected })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, building: Option<Uuid>) -> Actor {
        Actor { id: Uuid::new_v4(), role, building_id: building, full_name: "X".into() }
    }

    #[test]
    fn building_admins_are_pinned_to_their_building() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        let admin_a = actor(Role::BuildingAdmin, Some(a));
        assert_eq!(listing_scope(&admin_a, &b.to_string()), Ok(Some(a)));
        assert_eq!(target_building(&admin_a, ""), Ok(a));
        let platform = actor(Role::Admin, None);
        assert_eq!(listing_scope(&platform, ""), Ok(None));
        assert_eq!(listing_scope(&platform, &b.to_string()), Ok(Some(b)));
        assert_eq!(listing_scope(&platform, "nope"), Err(AppError::NotFound));
        assert!(target_building(&platform, "").is_err());
    }
}
