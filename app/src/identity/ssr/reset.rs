//! Password reset by a one-time code sent to the account's phone.

use super::{BAD_CODE_MESSAGE, RESET_CODE_MINUTES, RESET_MAX_ATTEMPTS};
use crate::domain::{email::Email, password::NewPassword};
use crate::error::AppError;
use crate::ssr::{
    audit::{AuditActor, AuditEntry, RequestMeta},
    outbox::{self, OutboxEvent},
    password::{hash_password_async, verify_one_time_code},
    pii,
    vault::Vault,
    ServerError, ServerResult,
};
use rand::Rng;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// The account a reset is asked for.
#[derive(Debug, sqlx::FromRow)]
struct ResetTarget {
    id: Uuid,
    role: String,
    building_id: Option<Uuid>,
    /// Without a phone no code can be delivered: the request takes the decoy path.
    has_phone: bool,
}

/// Starts a password reset when the account exists, is not banned and has a phone: a 6-digit
/// code from the OS CSPRNG, stored hashed (argon2id) and encrypted for delivery, valid 10
/// minutes; earlier open codes die. The WhatsApp message goes through the outbox. Says nothing
/// about whether the account exists, by answer or by time: when no code can be sent, the same
/// CSPRNG, argon2id, encryption and transaction-with-audit work is done on a throwaway code
/// (ASVS 5.0 6.3.8), so the two paths differ only by two small inserts.
pub async fn request_reset(pool: &PgPool, vault: &Vault, email: &Email, meta: &RequestMeta) -> ServerResult<()> {
    let user: Option<ResetTarget> = sqlx::query_as(
        "select id, role, building_id, phone_enc is not null as has_phone from users
          where email = $1 and status <> 'banned'",
    )
    .bind(email.as_str())
    .fetch_optional(pool)
    .await?;
    let Some(ResetTarget { id: user_id, role, building_id, has_phone: true }) = user else {
        return decoy_reset(pool, vault, meta).await;
    };
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let code_hash = hash_password_async(code.clone()).await.map_err(|e| ServerError::unexpected("hashing", e))?;
    let reset_id = Uuid::new_v4();
    let code_enc = vault
        .encrypt(&code, &pii::reset_code(&reset_id.to_string()))
        .map_err(|e| ServerError::unexpected("vault", e))?;

    let mut tx = pool.begin().await?;
    sqlx::query("update password_resets set used_at = now() where user_id = $1 and used_at is null")
        .bind(user_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into password_resets (id, user_id, code_hash, code_enc, expires_at, requested_ip)
         values ($1, $2, $3, $4, now() + make_interval(mins => $5), $6)",
    )
    .bind(reset_id)
    .bind(user_id)
    .bind(code_hash.into_bytes())
    .bind(code_enc)
    .bind(RESET_CODE_MINUTES)
    .bind(meta.ip.map(sqlx::types::ipnetwork::IpNetwork::from))
    .execute(&mut *tx)
    .await?;
    outbox::enqueue(
        &mut tx,
        &OutboxEvent {
            event_type: "auth.password_reset_requested",
            version: 1,
            aggregate_type: "user",
            aggregate_id: user_id.to_string(),
            building_id,
            payload: &json!({ "user_id": user_id, "reset_id": reset_id }),
        },
    )
    .await?;
    AuditEntry::new(&AuditActor::User { id: user_id, role }, "auth.password_reset_requested")
        .on("user", user_id)
        .building(building_id)
        .with(json!({ "reset_id": reset_id }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// The work of [`request_reset`] for an email that gets no code: a code drawn, hashed and
/// encrypted like a real one and then dropped, and a transaction of the same shape (the
/// open-code update, which matches nothing, and an audit row that says no code was sent).
async fn decoy_reset(pool: &PgPool, vault: &Vault, meta: &RequestMeta) -> ServerResult<()> {
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let reset_id = Uuid::new_v4();
    let _ = hash_password_async(code.clone()).await.map_err(|e| ServerError::unexpected("hashing", e))?;
    let _ = vault
        .encrypt(&code, &pii::reset_code(&reset_id.to_string()))
        .map_err(|e| ServerError::unexpected("vault", e))?;
    let mut tx = pool.begin().await?;
    sqlx::query("update password_resets set used_at = now() where user_id = $1 and used_at is null")
        .bind(reset_id)
        .execute(&mut *tx)
        .await?;
    AuditEntry::new(&AuditActor::Anonymous, "auth.password_reset_requested")
        .with(json!({ "code_sent": false }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// The newest open reset code of an account, locked while it is checked.
#[derive(Debug, sqlx::FromRow)]
struct OpenReset {
    reset_id: Uuid,
    user_id: Uuid,
    role: String,
    building_id: Option<Uuid>,
    /// The argon2id hash of the code, as bytes of its PHC string.
    code_hash: Vec<u8>,
    attempts: i32,
}

/// Completes a reset: the newest open code of the account must match within its 10 minutes
/// and 5 tries; then the password changes, every session of the account ends (epoch bump) and
/// any lockout is lifted.
pub async fn confirm_reset(
    pool: &PgPool,
    email: &Email,
    code: &str,
    password: &NewPassword,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let bad_code = || ServerError::App(AppError::field("code", BAD_CODE_MESSAGE));
    let mut tx = pool.begin().await?;
    let open: Option<OpenReset> = sqlx::query_as(
        "select r.id as reset_id, u.id as user_id, u.role, u.building_id, r.code_hash, r.attempts
           from password_resets r join users u on u.id = r.user_id
          where u.email = $1 and u.status <> 'banned'
            and r.used_at is null and r.expires_at > now() and r.attempts < $2
          order by r.created_at desc
          limit 1
          for update of r",
    )
    .bind(email.as_str())
    .bind(RESET_MAX_ATTEMPTS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(OpenReset { reset_id, user_id, role, building_id, code_hash, attempts }) = open else {
        return Err(bad_code());
    };
    let matches = verify_one_time_code(code, code_hash).await?;
    let actor = AuditActor::User { id: user_id, role };
    if !matches {
        sqlx::query(
            "update password_resets
                set attempts = attempts + 1,
                    used_at = case when attempts + 1 >= $2 then now() else used_at end
              where id = $1",
        )
        .bind(reset_id)
        .bind(RESET_MAX_ATTEMPTS)
        .execute(&mut *tx)
        .await?;
        AuditEntry::new(&actor, "auth.password_reset_failed")
            .on("user", user_id)
            .building(building_id)
            .with(json!({ "reset_id": reset_id, "attempt": attempts + 1 }))
            .commit(tx, meta)
            .await?;
        return Err(bad_code());
    }
    let new_hash = hash_password_async(password.expose().to_string())
        .await
        .map_err(|e| ServerError::unexpected("hashing", e))?;
    sqlx::query("update password_resets set used_at = now() where id = $1")
        .bind(reset_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "update users set password_hash = $2, password_changed_at = now(), session_epoch = session_epoch + 1,
                          failed_login_count = 0, locked_until = null
          where id = $1",
    )
    .bind(user_id)
    .bind(new_hash)
    .execute(&mut *tx)
    .await?;
    AuditEntry::new(&actor, "auth.password_reset_completed")
        .on("user", user_id)
        .building(building_id)
        .with(json!({ "reset_id": reset_id, "sessions_ended": true }))
        .commit(tx, meta)
        .await?;
    Ok(())
}
