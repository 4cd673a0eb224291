//! SQL and transactions of identity. Plain async functions over the pool, testable without
//! Leptos; the server functions in `api.rs` call them after parsing input into domain types.

use super::{BuildingOption, PendingResident, UnitOption};
use crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, role::Role, rut::Rut};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditActor, AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    blocklist::{self, Probe},
    db::is_violation,
    outbox::{self, OutboxEvent},
    password::{dummy_verify_async, hash_password_async, verify_one_time_code, verify_password_async},
    pii,
    vault::Vault,
    ServerError, ServerResult,
};
use rand::Rng;
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// Consecutive failures that lock an account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_MINUTES: i32 = 15;
/// How long a reset code lives.
pub const RESET_CODE_MINUTES: i32 = 10;
/// Wrong codes before a reset code dies.
pub const RESET_MAX_ATTEMPTS: i32 = 5;

/// The neutral refusal for a blocklist hit at sign-up or login.
pub const BLOCKED_MESSAGE: &str = "No es posible completar la solicitud. Contacta a la administración.";
/// Wrong email or password (never says which).
pub const INVALID_CREDENTIALS: &str = "Correo o contraseña incorrectos.";
/// Locked after too many failures.
pub const LOCKED_MESSAGE: &str = "Cuenta bloqueada temporalmente por intentos fallidos. Intenta nuevamente en 15 minutos.";
/// Signed up, not yet approved.
pub const PENDING_MESSAGE: &str = "Tu cuenta está pendiente de aprobación por la administración de tu edificio.";
/// Banned or rejected.
pub const BANNED_MESSAGE: &str = "Tu cuenta está suspendida. Contacta a la administración de tu edificio.";
/// Deactivated.
pub const INACTIVE_MESSAGE: &str = "Tu cuenta está inactiva. Contacta a la administración de tu edificio.";
/// A reset code that is wrong, used, expired or out of tries.
pub const BAD_CODE_MESSAGE: &str = "El código no es válido o expiró. Solicita uno nuevo.";

/// Active buildings with their active units, for the sign-up form.
pub async fn signup_options(pool: &PgPool) -> ServerResult<Vec<BuildingOption>> {
    type Row = (Uuid, String, String, Option<Uuid>, Option<String>);
    let rows: Vec<Row> = sqlx::query_as(
        "select b.id, b.name, b.address, u.id, u.number
           from buildings b
           left join units u on u.building_id = b.id and u.active
          where b.status = 'active'
          order by b.name, b.id, u.number",
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<BuildingOption> = Vec::new();
    for (id, name, address, unit_id, unit_number) in rows {
        let id = id.to_string();
        if out.last().map(|b| b.id != id).unwrap_or(true) {
            out.push(BuildingOption { id: id.clone(), name, address, units: Vec::new() });
        }
        if let (Some(unit_id), Some(number), Some(last)) = (unit_id, unit_number, out.last_mut()) {
            last.units.push(UnitOption { id: unit_id.to_string(), number });
        }
    }
    Ok(out)
}

/// A parsed, valid sign-up.
#[derive(Debug)]
pub struct NewResident {
    /// Given names.
    pub first_name: PersonName,
    /// Surnames.
    pub last_name: PersonName,
    /// Login email.
    pub email: Email,
    /// Chosen password.
    pub password: NewPassword,
    /// RUT.
    pub rut: Rut,
    /// Mobile for WhatsApp.
    pub phone: MobilePhone,
    /// Building chosen from the list.
    pub building_id: Uuid,
    /// Unit chosen from that building's units.
    pub unit_id: Uuid,
}

/// Creates a *pending* resident. Refuses blocklisted email, RUT, phone or IP with the neutral
/// message (and audits the hit); maps duplicate email/RUT to field errors.
pub async fn sign_up(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    new: NewResident,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    let ip_text = meta.ip.map(|ip| ip.to_string());
    let rut = new.rut.canonical();
    let mut probes = vec![
        Probe { kind: BlindField::Email, canonical: new.email.as_str() },
        Probe { kind: BlindField::Rut, canonical: &rut },
        Probe { kind: BlindField::Phone, canonical: new.phone.as_e164() },
    ];
    if let Some(ip) = ip_text.as_deref() {
        probes.push(Probe { kind: BlindField::Ip, canonical: ip });
    }
    // Checked on its own connection so the audit of a hit survives the refusal.
    let mut conn = pool.acquire().await?;
    if blocklist::is_blocked(&mut conn, indexer, Some(new.building_id), &probes, "auth.sign_up", &AuditActor::Anonymous, meta)
        .await?
    {
        return Err(AppError::Refused(BLOCKED_MESSAGE.into()).into());
    }
    drop(conn);

    let password_hash = hash_password_async(new.password.expose().to_string())
        .await
        .map_err(|e| ServerError::unexpected("hashing", e))?;
    let user_id = Uuid::new_v4();
    let id_text = user_id.to_string();
    let phone_enc = vault
        .encrypt(new.phone.as_e164(), &pii::user_phone(&id_text))
        .map_err(|e| ServerError::unexpected("vault", e))?;
    let rut_enc = vault.encrypt(&rut, &pii::resident_rut(&id_text)).map_err(|e| ServerError::unexpected("vault", e))?;

    let mut tx = pool.begin().await?;
    let unit_ok: Option<bool> = sqlx::query_scalar(
        "select u.active and b.status = 'active'
           from units u join buildings b on b.id = u.building_id
          where u.id = $1 and u.building_id = $2",
    )
    .bind(new.unit_id)
    .bind(new.building_id)
    .fetch_optional(&mut *tx)
    .await?;
    if unit_ok != Some(true) {
        return Err(AppError::field("unit_id", "Elige un departamento de tu edificio.").into());
    }
    let full_name = format!("{} {}", new.first_name.as_str(), new.last_name.as_str());
    let inserted = sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name,
                            phone_enc, phone_bidx, password_changed_at)
         values ($1, $2, $3, 'resident', $4, 'pending', $5, $6, $7, now())",
    )
    .bind(user_id)
    .bind(new.email.as_str())
    .bind(&password_hash)
    .bind(new.building_id)
    .bind(&full_name)
    .bind(&phone_enc)
    .bind(indexer.index(BlindField::Phone, new.phone.as_e164()).to_vec())
    .execute(&mut *tx)
    .await;
    if let Err(err) = inserted {
        return Err(if is_violation(&err, "users_email_key") {
            AppError::field("email", "Ya existe una cuenta con este correo. Inicia sesión o recupera tu contraseña.").into()
        } else {
            err.into()
        });
    }
    let profile = sqlx::query(
        "insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name)
         values ($1, $2, $3, $4, $5, $6, $7)",
    )
    .bind(user_id)
    .bind(new.building_id)
    .bind(new.unit_id)
    .bind(&rut_enc)
    .bind(indexer.index(BlindField::Rut, &rut).to_vec())
    .bind(new.first_name.as_str())
    .bind(new.last_name.as_str())
    .execute(&mut *tx)
    .await;
    if let Err(err) = profile {
        return Err(if is_violation(&err, "resident_profiles_rut_bidx_key") {
            AppError::field("rut", "Ya existe una cuenta con este RUT.").into()
        } else {
            err.into()
        });
    }
    AuditEntry::new(&AuditActor::Anonymous, "auth.signed_up")
        .on("user", &id_text)
        .building(new.building_id)
        .with(json!({ "unit_id": new.unit_id }))
        .commit(tx, meta)
        .await?;
    Ok(user_id)
}

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
    type Row = (Uuid, String, String, String, Option<Uuid>, i32, Option<Vec<u8>>, Option<Vec<u8>>);
    let row: Option<Row> = match &email {
        Some(email) => {
            // The stored blind indexes of the phone and (for residents) the RUT, so the login
            // checks the same blocklist kinds as sign-up and booking without decrypting anything.
            sqlx::query_as(
                "select u.id, u.password_hash, u.status, u.role, u.building_id, u.session_epoch,
                        u.phone_bidx, rp.rut_bidx
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
    let Some((user_id, hash, status, role, building_id, epoch, phone_bidx, rut_bidx)) = row else {
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

/// Starts a password reset when the account exists, is not banned and has a phone: a 6-digit
/// code from the OS CSPRNG, stored hashed (argon2id) and encrypted for delivery, valid 10
/// minutes; earlier open codes die. The WhatsApp message goes through the outbox. Says nothing
/// about whether the account exists, by answer or by time: when no code can be sent, the same
/// CSPRNG, argon2id, encryption and transaction-with-audit work is done on a throwaway code
/// (ASVS 5.0 6.3.8), so the two paths differ only by two small inserts.
pub async fn request_reset(pool: &PgPool, vault: &Vault, email: &Email, meta: &RequestMeta) -> ServerResult<()> {
    let user: Option<(Uuid, String, Option<Uuid>, bool)> = sqlx::query_as(
        "select id, role, building_id, phone_enc is not null from users
          where email = $1 and status <> 'banned'",
    )
    .bind(email.as_str())
    .fetch_optional(pool)
    .await?;
    let Some((user_id, role, building_id, true)) = user else {
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
    type OpenReset = (Uuid, Uuid, String, Option<Uuid>, Vec<u8>, i32);
    let open: Option<OpenReset> = sqlx::query_as(
        "select r.id, u.id, u.role, u.building_id, r.code_hash, r.attempts
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
    let Some((reset_id, user_id, role, building_id, code_hash, attempts)) = open else {
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

/// Residents awaiting approval that `actor` may decide on.
pub async fn pending_residents(pool: &PgPool, vault: &Vault, actor: &Actor) -> ServerResult<Vec<PendingResident>> {
    let scope = if actor.role.is_building_scoped() { actor.building_id } else { None };
    type Row = (Uuid, String, String, String, String, String, Vec<u8>, Option<Vec<u8>>, String);
    let rows: Vec<Row> = sqlx::query_as(
        "select u.id, u.full_name, u.email::text, b.name, un.number, b.time_zone, p.rut_enc, u.phone_enc,
                to_char(u.created_at at time zone b.time_zone, 'DD-MM-YYYY HH24:MI')
           from users u
           join resident_profiles p on p.user_id = u.id
           join buildings b on b.id = u.building_id
           join units un on un.id = p.unit_id
          where u.role = 'resident' and u.status = 'pending'
            and ($1::uuid is null or u.building_id = $1)
          order by u.created_at",
    )
    .bind(scope)
    .fetch_all(pool)
    .await?;
    let mut out = Vec::with_capacity(rows.len());
    for (id, full_name, email, building, unit, _tz, rut_enc, phone_enc, requested_at) in rows {
        let id_text = id.to_string();
        let rut_masked = pii::RESIDENT_RUT.display(vault, &id_text, &rut_enc, |r| Rut::parse(r).ok().map(|r| r.masked()));
        let phone_masked = phone_enc.map_or_else(
            || "—".into(),
            |p| pii::USER_PHONE.display(vault, &id_text, &p, |p| MobilePhone::parse(p).ok().map(|p| p.masked())),
        );
        out.push(PendingResident {
            user_id: id_text,
            full_name,
            email,
            building,
            unit,
            rut_masked,
            phone_masked,
            requested_at,
            can_decide: actor.role != crate::domain::role::Role::Support,
        });
    }
    Ok(out)
}

/// Approves (`approve = true`) or rejects a pending resident in `actor`'s scope. Rejection bans
/// the account with the reason. The resident hears about it by WhatsApp through the outbox.
pub async fn decide_resident(
    pool: &PgPool,
    actor: &Actor,
    user_id: Uuid,
    approve: bool,
    reason: Option<&str>,
    meta: &RequestMeta,
) -> ServerResult<()> {
    let mut tx = pool.begin().await?;
    let building: Option<Uuid> =
        sqlx::query_scalar("select building_id from users where id = $1 and role = 'resident' and status = 'pending' for update")
            .bind(user_id)
            .fetch_optional(&mut *tx)
            .await?
            .flatten();
    let Some(building_id) = building else {
        return Err(AppError::NotFound.into());
    };
    actor.require_building(building_id)?;
    if approve {
        sqlx::query("update users set status = 'active', status_reason = null where id = $1")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("update resident_profiles set approved_at = now(), approved_by = $2 where user_id = $1")
            .bind(user_id)
            .bind(actor.id)
            .execute(&mut *tx)
            .await?;
    } else {
        sqlx::query("update users set status = 'banned', status_reason = $2, session_epoch = session_epoch + 1 where id = $1")
            .bind(user_id)
            .bind(reason)
            .execute(&mut *tx)
            .await?;
    }
    let (event, action) =
        if approve { ("resident.approved", "resident.approved") } else { ("resident.rejected", "resident.rejected") };
    outbox::enqueue(
        &mut tx,
        &OutboxEvent {
            event_type: event,
            version: 1,
            aggregate_type: "user",
            aggregate_id: user_id.to_string(),
            building_id: Some(building_id),
            payload: &json!({ "user_id": user_id }),
        },
    )
    .await?;
    AuditEntry::new(&actor.audit(), action)
        .on("user", user_id)
        .building(building_id)
        .with(json!({ "reason": reason }))
        .commit(tx, meta)
        .await?;
    Ok(())
}
