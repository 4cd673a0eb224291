//! The audit writer: every state change appends one row to `audit_log` inside the same
//! transaction as the change, so the trail and the data can never disagree. The table refuses
//! UPDATE, DELETE and TRUNCATE, and at commit the database links each new row into a SHA-256
//! hash chain (migration `audit_hash_chain`) that `server verify-audit` checks.

use super::ServerResult;
use serde_json::Value;
use sqlx::{PgConnection, Postgres, Transaction};
use std::net::IpAddr;
use uuid::Uuid;

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuditActor {
    /// A logged-in person, with the role they acted in.
    User {
        /// `users.id`.
        id: Uuid,
        /// The role text (`resident`, `admin`, …).
        role: String,
    },
    /// A scheduled job or the server itself.
    System,
    /// Someone not logged in (a failed login, a sign-up, a guest-pass view).
    Anonymous,
}

/// Where the request came from; PII-free by construction (an IP and a user agent).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestMeta {
    /// The client address.
    pub ip: Option<IpAddr>,
    /// The `User-Agent` header, truncated.
    pub user_agent: Option<String>,
    /// The `x-request-id` of the request, to join the audit trail with the logs.
    pub request_id: Option<String>,
}

/// One audit entry.
#[derive(Debug, Clone)]
pub struct AuditEntry<'a> {
    /// Who.
    pub actor: &'a AuditActor,
    /// What happened, dotted lower-case (`auth.login_succeeded`, `booking.created`).
    pub action: &'a str,
    /// What it happened to (`user`, `booking`, `building`, …).
    pub entity_type: Option<&'a str>,
    /// The entity's id.
    pub entity_id: Option<String>,
    /// The building whose audit trail shows this entry.
    pub building_id: Option<Uuid>,
    /// Details: ids, amounts, reasons — never PII in clear.
    pub metadata: Value,
}

impl<'a> AuditEntry<'a> {
    /// An entry of `action` by `actor` about nothing in particular: no entity, no building and
    /// empty metadata (`{}`). The methods below fill in the rest, so a call site reads as one
    /// sentence: `AuditEntry::new(&actor.audit(), "spot.created").on("visitor_spot", id).building(b)`.
    pub fn new(actor: &'a AuditActor, action: &'a str) -> Self {
        Self { actor, action, entity_type: None, entity_id: None, building_id: None, metadata: Value::Object(Default::default()) }
    }

    /// What it happened to: the entity's type and id.
    #[must_use]
    pub fn on(mut self, entity_type: &'a str, entity_id: impl ToString) -> Self {
        self.entity_type = Some(entity_type);
        self.entity_id = Some(entity_id.to_string());
        self
    }

    /// What kind of thing it happened to, when no single one is named (an export of many
    /// bookings).
    #[must_use]
    pub fn about(mut self, entity_type: &'a str) -> Self {
        self.entity_type = Some(entity_type);
        self
    }

    /// The building whose audit trail shows this entry (`None` leaves it out of every
    /// building's trail).
    #[must_use]
    pub fn building(mut self, building_id: impl Into<Option<Uuid>>) -> Self {
        self.building_id = building_id.into();
        self
    }

    /// A change to the building itself: the entity is the building, shown in its own trail.
    #[must_use]
    pub fn on_building(self, building_id: Uuid) -> Self {
        self.on("building", building_id).building(building_id)
    }

    /// The details (ids, amounts, reasons — never PII in clear).
    #[must_use]
    pub fn with(mut self, metadata: Value) -> Self {
        self.metadata = metadata;
        self
    }

    /// Appends this entry on `conn`; see [`record`].
    pub async fn record(&self, conn: &mut PgConnection, meta: &RequestMeta) -> ServerResult<()> {
        record(conn, self, meta).await
    }

    /// Appends this entry as the last write of `tx` and commits it: the change and its trail
    /// land together or not at all.
    pub async fn commit(&self, mut tx: Transaction<'_, Postgres>, meta: &RequestMeta) -> ServerResult<()> {
        record(&mut tx, self, meta).await?;
        tx.commit().await?;
        Ok(())
    }
}

/// Appends `entry` on `conn` (pass the transaction of the change it records).
pub async fn record(conn: &mut PgConnection, entry: &AuditEntry<'_>, meta: &RequestMeta) -> ServerResult<()> {
    let (actor_type, actor_id, actor_role) = match entry.actor {
        AuditActor::User { id, role } => ("user", Some(*id), Some(role.as_str())),
        AuditActor::System => ("system", None, None),
        AuditActor::Anonymous => ("anonymous", None, None),
    };
    let metadata =
        if entry.metadata.is_object() { entry.metadata.clone() } else { serde_json::json!({ "value": entry.metadata }) };
    let user_agent = meta.user_agent.as_deref().map(|ua| ua.chars().take(300).collect::<String>());
    sqlx::query(
        "insert into audit_log
            (actor_id, actor_type, actor_role, building_id, action, entity_type, entity_id,
             metadata, ip, user_agent, request_id)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(actor_id)
    .bind(actor_type)
    .bind(actor_role)
    .bind(entry.building_id)
    .bind(entry.action)
    .bind(entry.entity_type)
    .bind(entry.entity_id.as_deref())
    .bind(metadata)
    .bind(meta.ip.map(sqlx::types::ipnetwork::IpNetwork::from))
    .bind(user_agent)
    .bind(meta.request_id.as_deref())
    .execute(conn)
    .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use sqlx::PgPool;

    #[sqlx::test(migrations = "../migrations")]
    async fn entries_are_written_and_can_never_be_changed(pool: PgPool) {
        let mut tx = pool.begin().await.unwrap();
        let actor = AuditActor::System;
        record(
            &mut tx,
            &AuditEntry {
                actor: &actor,
                action: "test.happened",
                entity_type: Some("thing"),
                entity_id: Some("42".into()),
                building_id: None,
                metadata: serde_json::json!({ "n": 1 }),
            },
            &RequestMeta {
                ip: Some("192.0.2.7".parse().unwrap()),
                user_agent: Some("agente".into()),
                request_id: Some("req-1".into()),
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();

        let (action, ip): (String, String) =
            sqlx::query_as("select action, host(ip) from audit_log").fetch_one(&pool).await.unwrap();
        assert_eq!((action.as_str(), ip.as_str()), ("test.happened", "192.0.2.7"));

        // (d) append-only: UPDATE, DELETE and TRUNCATE are refused by the database itself.
        for statement in ["update audit_log set action = 'forged'", "delete from audit_log", "truncate audit_log"] {
            let err = sqlx::query(statement).execute(&pool).await.unwrap_err();
            assert!(err.to_string().contains("append-only"), "{statement}: {err}");
        }
        let count: i64 = sqlx::query_scalar("select count(*) from audit_log").fetch_one(&pool).await.unwrap();
        assert_eq!(count, 1);
    }
}
