//! The one authorisation guard every server function uses. The session cookie names a user and
//! the session epoch it was issued under; every request re-reads the user from the database, so
//! a ban, a deactivation, a role change or a password reset (each bumps `users.session_epoch`)
//! takes effect on the very next request, on every instance.

use super::audit::{AuditActor, RequestMeta};
use super::{ServerError, ServerResult};
use crate::domain::role::Role;
use crate::error::AppError;
use leptos::prelude::*;
use sqlx::PgPool;
use tower_sessions::Session;
use uuid::Uuid;

/// Session key holding the user id.
const SESSION_USER: &str = "uid";
/// Session key holding the epoch the session was issued under.
const SESSION_EPOCH: &str = "epoch";
/// Session key holding when the session was issued (Unix seconds).
const SESSION_ISSUED: &str = "iat";
/// Session key holding when the session last made an authenticated request (Unix seconds).
const SESSION_SEEN: &str = "seen";
/// Absolute session lifetime: even an active session ends after this and asks for the
/// password again (ASVS 7.3.2); inactivity ends it sooner (`SESSION_IDLE_MINUTES`).
pub const SESSION_MAX_HOURS: i64 = 12;

/// How long a session may live: idle (since its last authenticated request) and in total
/// (since login). Checked on every request against the caller's clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SessionLimits {
    /// Seconds without an authenticated request after which the session ends.
    pub idle_secs: i64,
    /// Seconds after login after which the session ends, however active.
    pub absolute_secs: i64,
}

impl SessionLimits {
    /// `idle_minutes` of inactivity (`SESSION_IDLE_MINUTES`) and the fixed absolute limit.
    pub fn with_idle_minutes(idle_minutes: i64) -> Self {
        Self { idle_secs: idle_minutes.saturating_mul(60), absolute_secs: SESSION_MAX_HOURS * 3600 }
    }

    /// Whether a session issued at `issued` and last seen at `seen` (Unix seconds; a missing
    /// issue time counts as expired, a missing last-seen as the issue time) has ended at `now`.
    pub fn expired(&self, issued: Option<i64>, seen: Option<i64>, now: i64) -> bool {
        let Some(issued) = issued else {
            return true;
        };
        let seen = seen.unwrap_or(issued);
        now - issued > self.absolute_secs || now - seen > self.idle_secs
    }
}

/// The person making the request, as the database knows them right now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    /// `users.id`.
    pub id: Uuid,
    /// Current role.
    pub role: Role,
    /// The building a scoped role belongs to.
    pub building_id: Option<Uuid>,
    /// Display name.
    pub full_name: String,
}

impl Actor {
    /// The audit trail's view of this actor.
    pub fn audit(&self) -> AuditActor {
        AuditActor::User { id: self.id, role: self.role.as_str().to_string() }
    }

    /// Refuses unless the actor has one of `roles`.
    pub fn require_role(&self, roles: &[Role]) -> Result<(), AppError> {
        if roles.contains(&self.role) {
            Ok(())
        } else {
            Err(AppError::Forbidden)
        }
    }

    /// Whether the actor may see data of `building_id`: platform roles see every building,
    /// scoped roles only their own. Sales reps see none through this path (their dashboard
    /// has its own query over the buildings assigned to them).
    pub fn can_see_building(&self, building_id: Uuid) -> bool {
        match self.role {
            Role::Support | Role::Admin => true,
            Role::SalesRep => false,
            _ => self.building_id == Some(building_id),
        }
    }

    /// Refuses with "not found" — never "forbidden", which would confirm the data exists —
    /// when `building_id` is outside the actor's scope.
    pub fn require_building(&self, building_id: Uuid) -> Result<(), AppError> {
        if self.can_see_building(building_id) {
            Ok(())
        } else {
            Err(AppError::NotFound)
        }
    }
}

/// The request's session.
pub async fn session() -> ServerResult<Session> {
    leptos_axum::extract::<Session>()
        .await
        .map_err(|e| ServerError::unexpected("session layer missing", e))
}

fn session_error(e: tower_sessions::session::Error) -> ServerError {
    ServerError::unexpected("session store", e)
}

/// The actor of one request, read from the database at most once per request: a page renders
/// the header's `who_am_i` and its own data in the same request, and each asked for the actor.
/// The server's middleware puts a fresh one in every request's extensions, so nothing outlives
/// the request and a ban still takes effect on the next one.
#[derive(Debug, Clone, Default)]
pub struct ActorMemo(std::sync::Arc<tokio::sync::Mutex<Option<Option<Actor>>>>);

/// The current request's memo, when the server's middleware provided one.
fn request_memo() -> Option<ActorMemo> {
    use_context::<http::request::Parts>().and_then(|parts| parts.extensions.get::<ActorMemo>().cloned())
}

/// Forgets the memoised actor of this request: the session just started or ended.
async fn forget_request_actor() {
    if let Some(memo) = request_memo() {
        *memo.0.lock().await = None;
    }
}

/// The current actor, or `None` when nobody is logged in (or the session was invalidated, in
/// which case it is destroyed here).
pub async fn current_actor(pool: &PgPool) -> ServerResult<Option<Actor>> {
    let limits = super::state::app_state()?.settings.session_limits;
    let Some(memo) = request_memo() else {
        return actor_of_session(pool, &session().await?, limits).await;
    };
    // Held across the read, so concurrent resources of one page wait for the first read.
    let mut slot = memo.0.lock().await;
    if let Some(actor) = slot.as_ref() {
        return Ok(actor.clone());
    }
    let actor = actor_of_session(pool, &session().await?, limits).await?;
    *slot = Some(actor.clone());
    Ok(actor)
}

/// The actor a session names, checked against the database exactly as [`current_actor`] does;
/// for plain axum handlers (the live-event stream, the CSV export) that have the session but no
/// Leptos context.
pub async fn actor_of_session(pool: &PgPool, session: &Session, limits: SessionLimits) -> ServerResult<Option<Actor>> {
    actor_of_session_at(pool, session, limits, chrono::Utc::now().timestamp()).await
}

/// [`actor_of_session`] at `now` (Unix seconds). A live session is marked as seen at `now`,
/// which (once the session layer saves it) also pushes back the store's own expiry: every
/// authenticated request extends the idle limit, never the absolute one.
pub async fn actor_of_session_at(
    pool: &PgPool,
    session: &Session,
    limits: SessionLimits,
    now: i64,
) -> ServerResult<Option<Actor>> {
    let user_id: Option<Uuid> = session.get(SESSION_USER).await.map_err(session_error)?;
    let epoch: Option<i32> = session.get(SESSION_EPOCH).await.map_err(session_error)?;
    let issued: Option<i64> = session.get(SESSION_ISSUED).await.map_err(session_error)?;
    let seen: Option<i64> = session.get(SESSION_SEEN).await.map_err(session_error)?;
    let (Some(user_id), Some(epoch)) = (user_id, epoch) else {
        return Ok(None);
    };
    if limits.expired(issued, seen, now) {
        session.flush().await.map_err(session_error)?;
        return Ok(None);
    }
    let row: Option<SessionUser> =
        sqlx::query_as("select role, building_id, status, session_epoch, full_name from users where id = $1")
            .bind(user_id)
            .fetch_optional(pool)
            .await?;
    match row {
        Some(SessionUser { role, building_id, status, session_epoch, full_name })
            if status == "active" && session_epoch == epoch =>
        {
            let role = Role::parse(&role).ok_or_else(|| ServerError::invariant(format!("unknown role {role}")))?;
            // Unchanged values leave the session unmodified: requests within the same second
            // cost no store write.
            session.insert(SESSION_SEEN, now).await.map_err(session_error)?;
            Ok(Some(Actor { id: user_id, role, building_id, full_name }))
        }
        _ => {
            session.flush().await.map_err(session_error)?;
            Ok(None)
        }
    }
}

/// The current actor, or "debes iniciar sesión".
pub async fn require_actor(pool: &PgPool) -> ServerResult<Actor> {
    current_actor(pool).await?.ok_or(ServerError::App(AppError::Unauthenticated))
}

/// The current actor if they have one of `roles`.
pub async fn require_role(pool: &PgPool, roles: &[Role]) -> ServerResult<Actor> {
    let actor = require_actor(pool).await?;
    actor.require_role(roles)?;
    Ok(actor)
}

/// Starts an authenticated session: a new session id (no fixation), then the user and epoch.
pub async fn start_session(session: &Session, user_id: Uuid, epoch: i32) -> ServerResult<()> {
    start_session_at(session, user_id, epoch, chrono::Utc::now().timestamp()).await
}

/// [`start_session`] issued at `now` (Unix seconds).
pub async fn start_session_at(session: &Session, user_id: Uuid, epoch: i32, now: i64) -> ServerResult<()> {
    forget_request_actor().await;
    session.cycle_id().await.map_err(session_error)?;
    session.insert(SESSION_USER, user_id).await.map_err(session_error)?;
    session.insert(SESSION_EPOCH, epoch).await.map_err(session_error)?;
    session.insert(SESSION_ISSUED, now).await.map_err(session_error)?;
    session.insert(SESSION_SEEN, now).await.map_err(session_error)?;
    Ok(())
}

/// Ends the session: the server-side record is deleted and the cookie cleared.
pub async fn end_session(session: &Session) -> ServerResult<()> {
    forget_request_actor().await;
    session.flush().await.map_err(session_error)
}

/// IP, user agent and request id of the current request, for audit rows and rate limits.
pub fn request_meta() -> RequestMeta {
    let Some(parts) = use_context::<http::request::Parts>() else {
        return RequestMeta::default();
    };
    let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    // The one client address the server's middleware decided (trusted proxies considered).
    let ip = parts.extensions.get::<super::client_ip::ClientIp>().map(|c| c.0);
    RequestMeta { ip, user_agent: header("user-agent"), request_id: header("x-request-id") }
}

/// The account behind a session, re-read on every request.
#[derive(sqlx::FromRow)]
struct SessionUser {
    role: String,
    building_id: Option<Uuid>,
    status: String,
    session_epoch: i32,
    full_name: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn actor(role: Role, building: Option<Uuid>) -> Actor {
        Actor { id: Uuid::new_v4(), role, building_id: building, full_name: "X".into() }
    }

    #[test]
    fn sessions_have_an_absolute_lifetime() {
        let limits = SessionLimits::with_idle_minutes(24 * 60);
        let now = 1_800_000_000;
        let max = SESSION_MAX_HOURS * 3600;
        assert!(!limits.expired(Some(now - 3600), Some(now), now));
        assert!(!limits.expired(Some(now - max), Some(now), now));
        assert!(limits.expired(Some(now - max - 1), Some(now), now));
        assert!(limits.expired(None, Some(now), now));
    }

    #[test]
    fn sessions_end_after_the_idle_limit_since_the_last_request() {
        let limits = SessionLimits::with_idle_minutes(120);
        let now = 1_800_000_000;
        let idle = 120 * 60;
        assert!(!limits.expired(Some(now - 5 * 3600), Some(now - idle), now));
        assert!(limits.expired(Some(now - 5 * 3600), Some(now - idle - 1), now));
        // A session from before `seen` existed is idle since its login.
        assert!(limits.expired(Some(now - idle - 1), None, now));
    }

    #[test]
    fn building_scope_is_not_found_outside_and_global_for_platform_roles() {
        let a = Uuid::new_v4();
        let b = Uuid::new_v4();
        for role in [Role::Resident, Role::Concierge, Role::BuildingAdmin] {
            let x = actor(role, Some(a));
            assert!(x.require_building(a).is_ok());
            assert_eq!(x.require_building(b), Err(AppError::NotFound));
        }
        for role in [Role::Support, Role::Admin] {
            assert!(actor(role, None).require_building(b).is_ok());
        }
        assert_eq!(actor(Role::SalesRep, None).require_building(a), Err(AppError::NotFound));
        assert_eq!(actor(Role::Resident, Some(a)).require_role(&[Role::Admin]), Err(AppError::Forbidden));
    }
}
