//! Rectification with re-authentication (ASVS 5.0 7.5.1): a person changes their e-mail or phone
//! only after typing their password again. A new phone must also prove it is theirs: a 6-digit
//! code goes to it by WhatsApp under the rules of the password-reset code (OS CSPRNG, argon2id
//! hash, a sealed copy for delivery only, 10 minutes, 5 tries, earlier open codes die). Each
//! change bumps the session epoch — every other session of the account ends — and is audited
//! without the values.

use crate::domain::{email::Email, phone::MobilePhone};
use crate::error::AppError;
use crate::identity::ssr::{BAD_CODE_MESSAGE, BLOCKED_MESSAGE, RESET_CODE_MINUTES, RESET_MAX_ATTEMPTS};
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    blocklist::{self, Probe},
    db::is_violation,
    outbox::{self, OutboxEvent},
    password::{hash_password_async, verify_one_time_code, verify_password_async},
    pii,
    vault::Vault,
    ServerError, ServerResult,
};
use rand::Rng;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A wrong password on a re-authenticated change.
pub const WRONG_PASSWORD: &str = "La contraseña no es correcta.";

/// Checks `password` against the account's hash; a wrong one is a field error (and audited by
/// the caller's action name). The same argon2 work either way.
pub async fn reauthenticate(pool: &PgPool, actor: &Actor, password: &str, action: &str, meta: &RequestMeta) -> ServerResult<()> {
    let hash: String = sqlx::query_scalar("select password_hash from users where id = $1")
        .bind(actor.id)
        .fetch_one(pool)
        .await?;
    let ok = !password.is_empty()
        && verify_password_async(password.to_string(), hash)
            .await
            .map_err(|e| ServerError::unexpected("verify", e))?;
    if ok {
        return Ok(());
    }
    let mut conn = pool.acquire().await?;
    audit_user(&mut conn, actor, action, json!({ "reason": "wrong_password" }), meta).await?;
    Err(AppError::field("password", WRONG_PASSWORD).into())
}

async fn audit_user(
    conn: &mut PgConnection,
    actor: &Actor,
    action: &str,
    metadata: serde_json::Value,
    meta: &RequestMeta,
) -> ServerResult<()> {
    AuditEntry::new(&actor.audit(), action)
        .on("user", actor.id)
        .building(actor.building_id)
        .with(metadata)
        .record(conn, meta)
        .await
}

/// Changes the login e-mail after the password. Returns the new session epoch (the caller's
/// session is restarted with it; every other session has ended).
pub async fn change_email(
    pool: &PgPool,
    indexer: &BlindIndexer,
    actor: &Actor,
    password: &str,
    email: &Email,
    meta: &RequestMeta,
) -> ServerResult<i32> {
    reauthenticate(pool, actor, password, "account.email_change_refused", meta).await?;
    let mut conn = pool.acquire().await?;
    let probe = [Probe { kind: BlindField::Email, canonical: email.as_str() }];
    if blocklist::is_blocked(&mut conn, indexer, actor.building_id, &probe, "account.email_change", &actor.audit(), meta).await? {
        return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
    }
    drop(conn);
    let mut tx = pool.begin().await?;
    let epoch: Result<i32, sqlx::Error> = sqlx::query_scalar(
        "update users set email = $2, session_epoch = session_epoch + 1 where id = $1 returning session_epoch",
    )
    .bind(actor.id)
    .bind(email.as_str())
    .fetch_one(&mut *tx)
    .await;
    let epoch = match epoch {
        Ok(epoch) => epoch,
        Err(err) if is_violation(&err, "users_email_key") => {
            return Err(AppError::field("email", "Ese correo ya está en uso por otra cuenta.").into())
        }
        Err(err) => return Err(err.into()),
    };
    audit_user(&mut tx, actor, "account.email_changed", json!({ "sessions_ended": true }), meta).await?;
    tx.commit().await?;
    Ok(epoch)
}

/// Starts a phone change after the password: stores the new number encrypted with a fresh code
/// and asks for the WhatsApp message through the outbox (the code goes to the *new* number).
pub async fn request_phone_change(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    actor: &Actor,
    password: &str,
    phone: &MobilePhone,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    reauthenticate(pool, actor, password, "account.phone_change_refused", meta).await?;
    let mut conn = pool.acquire().await?;
    let probe = [Probe { kind: BlindField::Phone, canonical: phone.as_e164() }];
    if blocklist::is_blocked(&mut conn, indexer, actor.building_id, &probe, "account.phone_change", &actor.audit(), meta).await? {
        return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
    }
    drop(conn);
    let code = format!("{:06}", rand::rngs::OsRng.gen_range(0..1_000_000u32));
    let code_hash = hash_password_async(code.clone()).await.map_err(|e| ServerError::unexpected("hashing", e))?;
    let id = Uuid::new_v4();
    let id_text = id.to_string();
    let vault_err = |e: crate::ssr::vault::VaultError| ServerError::unexpected("vault", e);
    let phone_enc = vault.encrypt(phone.as_e164(), &pii::PHONE_CHANGE_PHONE.aad(&id_text)).map_err(vault_err)?;
    let code_enc = vault.encrypt(&code, &pii::PHONE_CHANGE_CODE.aad(&id_text)).map_err(vault_err)?;
    let mut tx = pool.begin().await?;
    sqlx::query("update phone_changes set used_at = now() where user_id = $1 and used_at is null")
        .bind(actor.id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "insert into phone_changes (id, user_id, phone_enc, phone_bidx, code_hash, code_enc, expires_at)
         values ($1, $2, $3, $4, $5, $6, now() + make_interval(mins => $7))",
    )
    .bind(id)
    .bind(actor.id)
    .bind(phone_enc)
    .bind(indexer.index(BlindField::Phone, phone.as_e164()).to_vec())
    .bind(code_hash.into_bytes())
    .bind(code_enc)
    .bind(RESET_CODE_MINUTES)
    .execute(&mut *tx)
    .await?;
    outbox::enqueue(
        &mut tx,
        &OutboxEvent {
            event_type: "account.phone_change_requested",
            version: 1,
            aggregate_type: "user",
            aggregate_id: actor.id.to_string(),
            building_id: actor.building_id,
            payload: &json!({ "user_id": actor.id, "change_id": id }),
        },
    )
    .await?;
    audit_user(&mut tx, actor, "account.phone_change_requested", json!({ "change_id": id }), meta).await?;
    tx.commit().await?;
    Ok(id)
}

/// The newest usable phone change of a person, locked for the attempt.
#[derive(sqlx::FromRow)]
struct OpenChange {
    id: Uuid,
    phone_enc: Vec<u8>,
    phone_bidx: Vec<u8>,
    code_hash: Vec<u8>,
    attempts: i32,
}

/// Confirms the newest open phone change of `actor` with `code`. A wrong code counts a try (the
/// fifth kills the code); the right one moves the number to the account (re-encrypted under the
/// account's own associated data, blind index recomputed) and ends every other session. Returns
/// the new session epoch.
pub async fn confirm_phone_change(
    pool: &PgPool,
    vault: &Vault,
    actor: &Actor,
    code: &str,
    meta: &RequestMeta,
) -> ServerResult<i32> {
    let bad_code = || ServerError::App(AppError::field("code", BAD_CODE_MESSAGE));
    let mut tx = pool.begin().await?;
    let open: Option<OpenChange> = sqlx::query_as(
        "select id, phone_enc, phone_bidx, code_hash, attempts from phone_changes
          where user_id = $1 and used_at is null and expires_at > now() and attempts < $2
          order by created_at desc limit 1
          for update",
    )
    .bind(actor.id)
    .bind(RESET_MAX_ATTEMPTS)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(OpenChange { id: change_id, phone_enc, phone_bidx, code_hash, attempts }) = open else {
        return Err(bad_code());
    };
    let matches = verify_one_time_code(code, code_hash).await?;
    if !matches {
        sqlx::query(
            "update phone_changes set attempts = attempts + 1,
                    used_at = case when attempts + 1 >= $2 then now() else used_at end
              where id = $1",
        )
        .bind(change_id)
        .bind(RESET_MAX_ATTEMPTS)
        .execute(&mut *tx)
        .await?;
        audit_user(
            &mut tx,
            actor,
            "account.phone_change_failed",
            json!({ "change_id": change_id, "attempt": attempts + 1 }),
            meta,
        )
        .await?;
        tx.commit().await?;
        return Err(bad_code());
    }
    let vault_err = |e: crate::ssr::vault::VaultError| ServerError::unexpected("vault", e);
    let phone = vault.decrypt(&phone_enc, &pii::PHONE_CHANGE_PHONE.aad(&change_id.to_string())).map_err(vault_err)?;
    let user_enc = vault.encrypt(&phone, &pii::user_phone(&actor.id.to_string())).map_err(vault_err)?;
    let epoch: i32 = sqlx::query_scalar(
        "update users set phone_enc = $2, phone_bidx = $3, session_epoch = session_epoch + 1
          where id = $1 returning session_epoch",
    )
    .bind(actor.id)
    .bind(user_enc)
    .bind(phone_bidx)
    .fetch_one(&mut *tx)
    .await?;
    // The pending number has moved to the account: nothing of it stays behind.
    sqlx::query("delete from phone_changes where user_id = $1").bind(actor.id).execute(&mut *tx).await?;
    audit_user(&mut tx, actor, "account.phone_changed", json!({ "change_id": change_id, "sessions_ended": true }), meta).await?;
    tx.commit().await?;
    Ok(epoch)
}

/// Opposition: turns reminder messages off (`opt_out`) or back on. Confirmations and codes are
/// part of the service and are not affected.
pub async fn set_reminders(pool: &PgPool, actor: &Actor, opt_out: bool, meta: &RequestMeta) -> ServerResult<()> {
    let mut tx = pool.begin().await?;
    sqlx::query("update users set reminders_opt_out = $2 where id = $1")
        .bind(actor.id)
        .bind(opt_out)
        .execute(&mut *tx)
        .await?;
    audit_user(&mut tx, actor, "account.reminders_changed", json!({ "opt_out": opt_out }), meta).await?;
    tx.commit().await?;
    Ok(())
}

/// Re-authenticated changes (e-mail, phone, codes, erasure requests) per account: each one costs
/// an argon2 verification, and five wrong codes already kill a code.
pub const CHANGE_PER_ACCOUNT: crate::ssr::rate_limit::Limit =
    crate::ssr::rate_limit::Limit { name: "privacy-change-acct", max: 20, window: std::time::Duration::from_secs(900) };
