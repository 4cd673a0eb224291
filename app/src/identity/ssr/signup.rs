//! Sign-up: the buildings and units a new resident can choose, and the sign-up transaction.

use super::BLOCKED_MESSAGE;
use crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, rut::Rut};
use crate::error::AppError;
use crate::identity::{BuildingOption, UnitOption};
use crate::ssr::{
    audit::{AuditActor, AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    blocklist::{self, Probe},
    db::is_violation,
    password::hash_password_async,
    pii,
    vault::Vault,
    ServerError, ServerResult,
};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// An active building with one of its active units (none when it has none yet).
#[derive(Debug, sqlx::FromRow)]
struct BuildingUnit {
    id: Uuid,
    name: String,
    address: String,
    unit_id: Option<Uuid>,
    unit_number: Option<String>,
}

/// Active buildings with their active units, for the sign-up form.
pub async fn signup_options(pool: &PgPool) -> ServerResult<Vec<BuildingOption>> {
    let rows: Vec<BuildingUnit> = sqlx::query_as(
        "select b.id, b.name, b.address, u.id as unit_id, u.number as unit_number
           from buildings b
           left join units u on u.building_id = b.id and u.active
          where b.status = 'active'
          order by b.name, b.id, u.number",
    )
    .fetch_all(pool)
    .await?;
    let mut out: Vec<BuildingOption> = Vec::new();
    for r in rows {
        let id = r.id.to_string();
        if out.last().map(|b| b.id != id).unwrap_or(true) {
            out.push(BuildingOption { id: id.clone(), name: r.name, address: r.address, units: Vec::new() });
        }
        if let (Some(unit_id), Some(number), Some(last)) = (r.unit_id, r.unit_number, out.last_mut()) {
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
