//! Status changes of an account — deactivate, ban, restore — shared by the residents and the
//! staff screens, so both end sessions and write the trail the same way: the status and its
//! reason change, `users.session_epoch` is bumped when the change must end open sessions (every
//! request re-reads it, see `ssr::actor`), and one audit row records it, all in the caller's
//! transaction.

use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    ServerResult,
};
use serde_json::json;
use sqlx::PgConnection;
use uuid::Uuid;

/// What staff do to an account's status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Change {
    /// Active → inactive (a resident who moved out); ends their sessions.
    Deactivate,
    /// Any → banned, with the reason; ends their sessions.
    Ban(String),
    /// Inactive or banned → active again (or back to where the caller says it was).
    Restore,
}

/// The status change a [`Change`] makes from the current status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// The new status.
    pub to: &'static str,
    /// The reason stored with it (bans).
    pub reason: Option<String>,
    /// Whether open sessions end (the epoch is bumped).
    pub ends_sessions: bool,
    /// The audit verb (`banned`, `unbanned`, `deactivated`, `reactivated`).
    pub verb: &'static str,
}

/// Decides what `change` does to an account whose status is `status`; `restored` is the status
/// a restore returns to. A change the current status does not allow is a conflict explained in
/// Spanish.
pub fn plan(change: &Change, status: &str, restored: &'static str) -> Result<Plan, AppError> {
    match (change, status) {
        (Change::Deactivate, "active") => Ok(Plan { to: "inactive", reason: None, ends_sessions: true, verb: "deactivated" }),
        (Change::Deactivate, _) => Err(AppError::Conflict("Solo se puede desactivar una cuenta activa.".into())),
        (Change::Ban(_), "banned") => Err(AppError::Conflict("La cuenta ya está bloqueada.".into())),
        (Change::Ban(reason), _) => Ok(Plan { to: "banned", reason: Some(reason.clone()), ends_sessions: true, verb: "banned" }),
        (Change::Restore, "inactive" | "banned") => Ok(Plan {
            to: restored,
            reason: None,
            ends_sessions: false,
            verb: if status == "banned" { "unbanned" } else { "reactivated" },
        }),
        (Change::Restore, _) => Err(AppError::Conflict("La cuenta no está desactivada ni bloqueada.".into())),
    }
}

/// The account a change is applied to, locked by the caller.
#[derive(Debug, Clone, Copy)]
pub struct Target<'a> {
    /// `users.id`.
    pub user_id: Uuid,
    /// Its building, for the audit row (none for platform staff).
    pub building_id: Option<Uuid>,
    /// Its status before the change.
    pub from: &'a str,
    /// `staff` or `resident`: the first part of the audit action.
    pub kind: &'a str,
}

/// Writes `plan` for `target` and its audit row `<kind>.<verb>` on `tx`.
pub async fn apply(
    tx: &mut PgConnection,
    actor: &Actor,
    target: Target<'_>,
    plan: &Plan,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let Target { user_id, building_id, from, kind } = target;
    sqlx::query(
        "update users set status = $2, status_reason = $3,
                session_epoch = session_epoch + case when $4 then 1 else 0 end
          where id = $1",
    )
    .bind(user_id)
    .bind(plan.to)
    .bind(&plan.reason)
    .bind(plan.ends_sessions)
    .execute(&mut *tx)
    .await?;
    let action = format!("{kind}.{}", plan.verb);
    AuditEntry::new(&actor.audit(), &action)
        .on("user", user_id)
        .building(building_id)
        .with(json!({ "from": from, "to": plan.to, "reason": plan.reason }))
        .record(tx, meta)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plans_follow_the_current_status() {
        let ban = Change::Ban("Daños".into());
        assert_eq!(plan(&ban, "active", "active").map(|p| (p.to, p.ends_sessions, p.verb)), Ok(("banned", true, "banned")));
        assert!(matches!(plan(&ban, "banned", "active"), Err(AppError::Conflict(_))));
        assert_eq!(
            plan(&Change::Restore, "banned", "pending").map(|p| (p.to, p.ends_sessions, p.verb)),
            Ok(("pending", false, "unbanned"))
        );
        assert_eq!(plan(&Change::Restore, "inactive", "active").map(|p| p.verb), Ok("reactivated"));
        assert!(plan(&Change::Restore, "active", "active").is_err());
        assert!(plan(&Change::Deactivate, "banned", "active").is_err());
    }
}
