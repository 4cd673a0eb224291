//! Switching an inventory row (a unit, a spot, a block type) off and back on: the refusal when
//! it already is so, the one-column update, and the audit entry committed with the change.

use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    ServerResult,
};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

/// A table of ours whose rows administrators switch off and on.
pub struct Switchable {
    /// The table; a constant of ours, never input.
    pub table: &'static str,
    /// The audit entity type (`visitor_spot`).
    pub entity: &'static str,
    /// The prefix of the audit action (`spot` → `spot.reactivated`).
    pub action: &'static str,
    /// The conflict when the row already is active.
    pub already_on: &'static str,
    /// The conflict when the row already is inactive.
    pub already_off: &'static str,
}

/// One switch of one row, locked by the caller in its transaction.
pub struct Switch<'a> {
    /// What kind of row.
    pub what: &'a Switchable,
    /// The row's id.
    pub id: Uuid,
    /// Its building, for the audit entry.
    pub building_id: Uuid,
    /// The state asked for.
    pub active: bool,
}

impl Switch<'_> {
    /// Sets the row's `active`, or refuses with the Spanish conflict when it already `was` so.
    pub async fn set(&self, conn: &mut PgConnection, was: bool) -> ServerResult<()> {
        if was == self.active {
            let message = if self.active { self.what.already_on } else { self.what.already_off };
            return Err(AppError::Conflict(message.into()).into());
        }
        sqlx::query(&format!("update {} set active = $2 where id = $1", self.what.table))
            .bind(self.id)
            .bind(self.active)
            .execute(conn)
            .await?;
        Ok(())
    }

    /// Audits the switch (`<action>.reactivated` or `.deactivated`, with `metadata`) and commits.
    pub async fn commit(
        &self,
        tx: Transaction<'_, Postgres>,
        actor: &Actor,
        metadata: serde_json::Value,
        meta: &RequestMeta,
    ) -> ServerResult<()> {
        let verb = if self.active { "reactivated" } else { "deactivated" };
        AuditEntry::new(&actor.audit(), &format!("{}.{verb}", self.what.action))
            .on(self.what.entity, self.id)
            .building(self.building_id)
            .with(metadata)
            .commit(tx, meta)
            .await
    }
}
