//! Log-in with lockout after repeated failures, and log-out.

use super::{
    BANNED_MESSAGE, BLOCKED_MESSAGE, INACTIVE_MESSAGE, INVALID_CREDENTIALS, LOCKED_MESSAGE, LOCKOUT_MINUTES, MAX_FAILED_LOGINS,
    PENDING_MESSAGE,
};
use crate::domain::{email::Email, role::Role};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditActor, AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    blocklist::{self, Probe},
    password::{dummy_verify_async, verify_password_async},
    ServerError, ServerResult,
};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// A successful login: who, and the epoch to store in the session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedIn {
    /// `users.id`.
    pub user_id: Uuid,
    /// Role (decides the landing page).
    pub role: Role,
    /// Session epoch to bind the session to.
    pub epoch: i32,
}

/// What a log-in reads of the account behind an email.
#[derive(Debug, sqlx::FromRow)]
struct Account {
    id: Uuid,
    password_hash: String,
    status: String,
    role: String,
    building_id: Option<Uuid>,
    session_epoch: i32,
    /// The stored blind indexes of the phone and (for residents) the RUT, so the login checks
    /// the same blocklist kinds as sign-up and booking without decrypting anything.
    phone_bidx: Option<Vec<u8>>,
    rut_bidx: Option<Vec<u8>>,
}

/// Checks credentials with lockout. The password is verified before any status is revealed,
/// so pending/banned messages never tell a stranger that an email exists; the locked and
/// blocklisted answers come after the same argon2 work as any other answer, and their text does
/// not depend on whether the password was right.
///
/// Every attempt first reserves one of the [`MAX_FAILED_LOGINS`] slots in a single `UPDATE`
/// (ASVS 5.0 6.3.1): the count and the lock move together, so parallel guesses cannot all read
/// "unlocked" and each verify a password; the attempt that takes the last slot also starts the
/// lock. An attempt without a slot is refused, even with the right password, and verifies
/// nothing. A success frees the slots (it holds one, so it ran before the lock or the lock
/// expired).
pub async fn log_in(
    pool: &PgPool,
    indexer: &BlindIndexer,
    email: Option<Email>,
    password: String,
    meta: &RequestMeta,
) -> ServerResult<LoggedIn> {
    let row: Option<Account> = match &email {
        Some(email) => {
            sqlx::query_as(
                "select u.id, u.password_hash, u.status, u.role, u.building_id, u.session_epoch,
                        u.phone_bidx, rp.rut_bidx as rut_bidx
                   from users u
                   left join resident_profiles rp on rp.user_id = u.id
                  where u.email = $1",
            )
            .bind(email.as_str())
            .fetch_optional(pool)
            .await?
        }
        None => None,
    };
    let ip_text = meta.ip.map(|ip| ip.to_string());
    let mut probes = Vec::new();
    if let Some(email) = &email {
        probes.push(Probe { kind: BlindField::Email, canonical: email.as_str() });
    }
    if let Some(ip) = ip_text.as_deref() {
        probes.push(Probe { kind: BlindField::Ip, canonical: ip });
    }
    let Some(Account { id: user_id, password_hash: hash, status, role, building_id, session_epoch: epoch, phone_bidx, rut_bidx }) =
        row
    else {
        // Same work as a real check, so timing does not reveal unknown emails; a blocklisted
        // email or address gets the same refusal as a known account would.
        let _ = dummy_verify_async(password).await;
        let mut conn = pool.acquire().await?;
        if blocklist::is_blocked(&mut conn, indexer, None, &probes, "auth.login", &AuditActor::Anonymous, meta).await? {
            return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
        }
        AuditEntry::new(&AuditActor::Anonymous, "auth.login_failed")
            .with(json!({ "reason": "unknown_account" }))
            .record(&mut conn, meta)
            .await?;
        return Err(AppError::Invalid { message: INVALID_CREDENTIALS.into(), fields: vec![] }.into());
    };
    let role = Role::parse(&role).ok_or_else(|| ServerError::invariant(format!("role {role}")))?;
    let actor = AuditActor::User { id: user_id, role: role.as_str().into() };
    let user_entry = |action: &'static str, metadata: serde_json::Value| {
        AuditEntry::new(&actor, action).on("user", user_id).building(building_id).with(metadata)
    };

    let slot = reserve_attempt(pool, user_id).await?;
    let ok = match slot {
        Some(_) => verify_password_async(password, hash).await.map_err(|e| ServerError::unexpected("verify", e))?,
        // Locked: no guess is checked, but the answer costs the same time as a checked one.
        None => {
            let _ = dummy_verify_async(password).await;
            false
        }
    };

    // The whole blocklist, as at sign-up and booking: a RUT or phone listed after the account
    // was created refuses the login too.
    let mut indexed: Vec<(BlindField, Vec<u8>)> =
        probes.iter().map(|p| (p.kind, indexer.index(p.kind, p.canonical).to_vec())).collect();
    indexed.extend(phone_bidx.map(|bidx| (BlindField::Phone, bidx)));
    indexed.extend(rut_bidx.map(|bidx| (BlindField::Rut, bidx)));
    let mut conn = pool.acquire().await?;
    if blocklist::is_blocked_by_index(&mut conn, building_id, &indexed, "auth.login", &actor, meta).await? {
        return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
    }
    let Some(slot) = slot else {
        user_entry("auth.login_refused", json!({ "reason": "locked" })).record(&mut conn, meta).await?;
        return Err(AppError::Refused(LOCKED_MESSAGE.into()).into());
    };
    // One pooled connection per attempt at a time: parallel guesses must not starve the pool.
    if !ok {
        drop(conn);
        let locks = slot >= MAX_FAILED_LOGINS;
        let mut tx = pool.begin().await?;
        user_entry("auth.login_failed", json!({ "reason": "wrong_password", "consecutive": slot }))
            .record(&mut tx, meta)
            .await?;
        if locks {
            user_entry("auth.locked_out", json!({ "minutes": LOCKOUT_MINUTES })).record(&mut tx, meta).await?;
        }
        tx.commit().await?;
        return Err(if locks {
            AppError::Refused(LOCKED_MESSAGE.into())
        } else {
            AppError::Invalid { message: INVALID_CREDENTIALS.into(), fields: vec![] }
        }
        .into());
    }

    let refusal = match status.as_str() {
        "active" => None,
        "pending" => Some(PENDING_MESSAGE),
        "banned" => Some(BANNED_MESSAGE),
        _ => Some(INACTIVE_MESSAGE),
    };
    if let Some(message) = refusal {
        user_entry("auth.login_refused", json!({ "reason": status })).record(&mut conn, meta).await?;
        return Err(AppError::Refused(message.into()).into());
    }

    drop(conn);
    let mut tx = pool.begin().await?;
    sqlx::query("update users set failed_login_count = 0, locked_until = null, last_login_at = now() where id = $1")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    user_entry("auth.login_succeeded", json!({})).commit(tx, meta).await?;
    Ok(LoggedIn { user_id, role, epoch })
}

/// Takes one attempt slot of `user_id` in one statement, or `None` while the account is locked.
/// Returns the slot's number (1..=[`MAX_FAILED_LOGINS`]); taking the last one starts the lock.
/// An expired lock restarts the count. Concurrent callers queue on the row, and PostgreSQL
/// re-checks the `where` on the row they finally see, so no two callers get the same slot and
/// none gets one past the lock.
pub async fn reserve_attempt(pool: &PgPool, user_id: Uuid) -> ServerResult<Option<i32>> {
    Ok(sqlx::query_scalar(
        "update users
            set failed_login_count = case when locked_until <= now() then 1 else failed_login_count + 1 end,
                locked_until = case
                    when (case when locked_until <= now() then 1 else failed_login_count + 1 end) >= $2
                        then now() + make_interval(mins => $3)
                    when locked_until <= now() then null
                    else locked_until end
          where id = $1 and (locked_until is null or locked_until <= now())
      returning failed_login_count",
    )
    .bind(user_id)
    .bind(MAX_FAILED_LOGINS)
    .bind(LOCKOUT_MINUTES)
    .fetch_optional(pool)
    .await?)
}

/// Audits a logout (the session itself is destroyed by the caller).
pub async fn record_logout(pool: &PgPool, actor: &Actor, meta: &RequestMeta) -> ServerResult<()> {
    let mut conn = pool.acquire().await?;
    AuditEntry::new(&actor.audit(), "auth.logged_out")
        .on("user", actor.id)
        .building(actor.building_id)
        .record(&mut conn, meta)
        .await
}
