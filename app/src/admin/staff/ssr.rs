//! SQL of the staff screen. Every change runs in one transaction with its audit row; the
//! database's named constraints (`users_email_key`, `users_building_scope_check`) stay the last
//! word on what an account may look like.

use super::{role_choices, StaffListing, StaffQuery, StaffRow, STAFF_ROLES};
use crate::admin::account_status::{self, Change};
use crate::admin::residents::status_label;
use crate::admin::scope;
use crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, role::Role};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    db::{constraint_error, like_contains},
    password::hash_password_async,
    pii,
    vault::Vault,
    ServerError, ServerResult,
};
use crate::ui::pager::{self, Page};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// One building (a building admin's own, always).
    pub building: Option<Uuid>,
    /// One role.
    pub role: Option<Role>,
    /// One status.
    pub status: Option<&'static str>,
    /// Part of the name or e-mail.
    pub search: Option<String>,
}

/// Reads the query string's filter for `actor`; unknown roles and statuses mean "any".
pub fn parse_filter(actor: &Actor, q: &StaffQuery) -> Result<Filter, AppError> {
    Ok(Filter {
        building: scope::listing_scope(actor, &q.edificio)?,
        role: super::parse_staff_role(&q.rol),
        status: super::STATUSES.into_iter().find(|s| *s == q.estado.trim()),
        search: Some(scope::search_term(&q.buscar)?.to_string()).filter(|s| !s.is_empty()),
    })
}

/// The roles `actor` may give a new account: every staff role for a platform admin, concierge
/// for a building admin, none for support.
pub fn creatable_roles(actor: &Actor) -> Vec<Role> {
    match actor.role {
        Role::Admin => STAFF_ROLES.to_vec(),
        Role::BuildingAdmin => vec![Role::Concierge],
        _ => Vec::new(),
    }
}

/// Whether `actor` may ban or unban an account of `role` in `building` (scope is checked
/// separately: outside it the account is "not found").
fn may_ban(actor: &Actor, target: Uuid, role: Role, building: Option<Uuid>) -> bool {
    if actor.id == target {
        return false;
    }
    match actor.role {
        Role::Admin => true,
        Role::BuildingAdmin => role == Role::Concierge && building.is_some() && building == actor.building_id,
        _ => false,
    }
}

/// One staff account of the listing, with its building's name and the filter's match count.
#[derive(sqlx::FromRow)]
struct ListedStaff {
    id: Uuid,
    full_name: String,
    email: String,
    role: String,
    building_id: Option<Uuid>,
    building: Option<String>,
    status: String,
    status_reason: Option<String>,
    total: i64,
}

/// One page of staff accounts in `actor`'s scope.
pub async fn list(pool: &PgPool, actor: &Actor, f: &Filter, page: u32) -> ServerResult<StaffListing> {
    actor.require_role(&scope::READERS)?;
    let page = Page::new(page);
    let rows: Vec<ListedStaff> = sqlx::query_as(
        "select u.id, u.full_name, u.email::text as email, u.role, u.building_id, b.name as building, u.status, u.status_reason,
                count(*) over () as total
           from users u
           left join buildings b on b.id = u.building_id
          where u.role in ('concierge', 'building_admin', 'support', 'admin', 'sales_rep')
            and ($1::uuid is null or u.building_id = $1)
            and ($2::text is null or u.role = $2)
            and ($3::text is null or u.status = $3)
            and ($4::text is null or u.full_name ilike $4 or u.email::text ilike $4)
          order by u.full_name, u.id
          limit $5 offset $6",
    )
    .bind(f.building)
    .bind(f.role.map(Role::as_str))
    .bind(f.status)
    .bind(f.search.as_deref().map(like_contains))
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total = pager::total(rows.first().map_or(0, |r| r.total));
    let mut out = Vec::with_capacity(rows.len());
    for ListedStaff { id, full_name, email, role: role_text, building_id, building, status, status_reason: reason, .. } in rows {
        let role = Role::parse(&role_text).ok_or_else(|| ServerError::invariant(format!("unknown role {role_text}")))?;
        out.push(StaffRow {
            user_id: id.to_string(),
            full_name,
            email,
            role_label: role.label_es().to_string(),
            role: role_text,
            building_id: building_id.map(|b| b.to_string()).unwrap_or_default(),
            building: building.unwrap_or_default(),
            status_label: status_label(&status).to_string(),
            status,
            reason,
            can_ban: may_ban(actor, id, role, building_id),
            can_change_role: actor.role == Role::Admin && actor.id != id,
        });
    }
    Ok(StaffListing {
        rows: out,
        total,
        page: page.number(),
        pages: page.pages(total),
        buildings: scope::buildings(pool, actor).await?,
        creatable_roles: role_choices(&creatable_roles(actor)),
        search: f.search.clone().unwrap_or_default(),
    })
}

/// A parsed, valid new staff account.
#[derive(Debug)]
pub struct NewStaff {
    /// Full name.
    pub full_name: PersonName,
    /// Login e-mail.
    pub email: Email,
    /// Mobile for WhatsApp (optional for staff).
    pub phone: Option<MobilePhone>,
    /// Role.
    pub role: Role,
    /// Building (building-scoped roles only).
    pub building: Option<Uuid>,
    /// Initial password, which the creator shares with the person.
    pub password: NewPassword,
}

/// Refuses a building that does not exist or is archived, as a field error.
async fn check_building(conn: &mut PgConnection, building: Uuid) -> ServerResult<()> {
    let status: Option<String> = sqlx::query_scalar("select status from buildings where id = $1")
        .bind(building)
        .fetch_optional(conn)
        .await?;
    match status.as_deref() {
        Some("active") => Ok(()),
        Some(_) => Err(AppError::field("building_id", "El edificio está archivado: elige otro.").into()),
        None => Err(AppError::field("building_id", "Elige un edificio de la lista.").into()),
    }
}

/// The building a role needs: required for concierge and building admin, none for platform
/// roles (`users_building_scope_check`).
pub fn building_for(role: Role, building: Option<Uuid>) -> Result<Option<Uuid>, AppError> {
    match (role.is_building_scoped(), building) {
        (true, Some(b)) => Ok(Some(b)),
        (true, None) => Err(AppError::field("building_id", "Elige el edificio de esta cuenta.")),
        (false, _) => Ok(None),
    }
}

/// Creates an active staff account with an argon2id-hashed initial password and, if given, the
/// phone encrypted and blind-indexed as sign-up stores it. A building admin may only create
/// concierge accounts of their own building.
pub async fn create(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    actor: &Actor,
    new: NewStaff,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    if !creatable_roles(actor).contains(&new.role) {
        return Err(AppError::Forbidden.into());
    }
    let building = building_for(new.role, new.building)?;
    if let Some(b) = building {
        actor.require_building(b)?;
    }
    let password_hash = hash_password_async(new.password.expose().to_string())
        .await
        .map_err(|e| ServerError::unexpected("hashing", e))?;
    let user_id = Uuid::new_v4();
    let phone_enc = new
        .phone
        .as_ref()
        .map(|p| vault.encrypt(p.as_e164(), &pii::user_phone(&user_id.to_string())))
        .transpose()
        .map_err(|e| ServerError::unexpected("vault", e))?;
    let phone_bidx = new.phone.as_ref().map(|p| indexer.index(BlindField::Phone, p.as_e164()).to_vec());

    let mut tx = pool.begin().await?;
    if let Some(b) = building {
        check_building(&mut tx, b).await?;
    }
    let inserted = sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name,
                            phone_enc, phone_bidx, password_changed_at)
         values ($1, $2, $3, $4, $5, 'active', $6, $7, $8, now())",
    )
    .bind(user_id)
    .bind(new.email.as_str())
    .bind(&password_hash)
    .bind(new.role.as_str())
    .bind(building)
    .bind(new.full_name.as_str())
    .bind(&phone_enc)
    .bind(&phone_bidx)
    .execute(&mut *tx)
    .await;
    inserted.map_err(email_taken)?;
    AuditEntry::new(&actor.audit(), "staff.created")
        .on("user", user_id)
        .building(building)
        .with(json!({ "role": new.role.as_str(), "building_id": building, "phone": new.phone.is_some() }))
        .commit(tx, meta)
        .await?;
    Ok(user_id)
}

/// A staff account locked for a change, with every active admin locked too (in id order, so two
/// changes racing to remove the last two admins cannot both pass nor deadlock).
struct Locked {
    role: Role,
    building: Option<Uuid>,
    status: String,
    /// Active admins other than this account.
    other_admins: i64,
}

/// An account [`lock`] reads: the one to change, or an active admin.
#[derive(sqlx::FromRow)]
struct LockedAccount {
    id: Uuid,
    role: String,
    building_id: Option<Uuid>,
    status: String,
}

async fn lock(conn: &mut PgConnection, user_id: Uuid) -> ServerResult<Locked> {
    let rows: Vec<LockedAccount> = sqlx::query_as(
        "select id, role, building_id, status from users
          where (role = 'admin' and status = 'active') or id = $1
          order by id for update",
    )
    .bind(user_id)
    .fetch_all(conn)
    .await?;
    let mut target = None;
    let mut other_admins = 0;
    for row in rows {
        if row.id == user_id {
            target = Some(row);
        } else if row.role == "admin" && row.status == "active" {
            other_admins += 1;
        }
    }
    let Some(target) = target else {
        return Err(AppError::NotFound.into());
    };
    let role = Role::parse(&target.role).filter(|r| STAFF_ROLES.contains(r)).ok_or(AppError::NotFound)?;
    Ok(Locked { role, building: target.building_id, status: target.status, other_admins })
}

/// Whether an account is in `actor`'s scope: platform roles see every staff account, a building
/// admin only those of their building.
fn in_scope(actor: &Actor, building: Option<Uuid>) -> Result<(), AppError> {
    if actor.role.is_building_scoped() {
        match building {
            Some(b) => actor.require_building(b),
            None => Err(AppError::NotFound),
        }
    } else {
        Ok(())
    }
}

const LAST_ADMIN: &str = "Es la última cuenta de administración activa de la plataforma: crea o reactiva otra antes.";

/// Bans (with a reason) or unbans a staff account, through the same path as residents'
/// (`account_status`): a ban bumps the session epoch and ends open sessions.
pub async fn change_status(pool: &PgPool, actor: &Actor, user_id: Uuid, change: Change, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let target = lock(&mut tx, user_id).await?;
    in_scope(actor, target.building)?;
    if actor.id == user_id {
        return Err(AppError::Conflict("No puedes bloquear ni desbloquear tu propia cuenta.".into()).into());
    }
    if !may_ban(actor, user_id, target.role, target.building) {
        return Err(AppError::Forbidden.into());
    }
    if matches!(change, Change::Ban(_)) && target.role == Role::Admin && target.status == "active" && target.other_admins == 0 {
        return Err(AppError::Conflict(LAST_ADMIN.into()).into());
    }
    let plan = account_status::plan(&change, &target.status, "active")?;
    let account = account_status::Target { user_id, building_id: target.building, from: &target.status, kind: "staff" };
    account_status::apply(&mut tx, actor, account, &plan, meta).await?;
    tx.commit().await?;
    Ok(())
}

/// Gives a staff account a new role and building (platform admins only). Building-scoped roles
/// need a building; platform roles have none. Ends the account's open sessions. `keep_role`
/// changes only the building (the "asignar edificio" form).
pub async fn change_access(
    pool: &PgPool,
    actor: &Actor,
    user_id: Uuid,
    role: Option<Role>,
    building: Option<Uuid>,
    meta: &RequestMeta,
) -> ServerResult<()> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = pool.begin().await?;
    let target = lock(&mut tx, user_id).await?;
    if actor.id == user_id {
        return Err(AppError::Conflict("No puedes cambiar tu propio rol ni tu edificio.".into()).into());
    }
    let new_role = role.unwrap_or(target.role);
    if role.is_none() && !target.role.is_building_scoped() {
        return Err(AppError::Conflict(
            "Solo las cuentas de conserjería y de administración de edificio tienen edificio.".into(),
        )
        .into());
    }
    let new_building = building_for(new_role, building)?;
    if new_role == target.role && new_building == target.building {
        return Err(AppError::Conflict("No hay cambios que guardar.".into()).into());
    }
    if let Some(b) = new_building {
        check_building(&mut tx, b).await?;
    }
    if target.role == Role::Admin && new_role != Role::Admin && target.status == "active" && target.other_admins == 0 {
        return Err(AppError::Conflict(LAST_ADMIN.into()).into());
    }
    if target.role == Role::SalesRep && new_role != Role::SalesRep {
        let assigned: i64 = sqlx::query_scalar("select count(*) from buildings where sales_rep_id = $1")
            .bind(user_id)
            .fetch_one(&mut *tx)
            .await?;
        if assigned > 0 {
            return Err(AppError::Conflict(
                "Esta cuenta de ventas tiene edificios asignados: quítaselos antes de cambiar su rol.".into(),
            )
            .into());
        }
    }
    sqlx::query("update users set role = $2, building_id = $3, session_epoch = session_epoch + 1 where id = $1")
        .bind(user_id)
        .bind(new_role.as_str())
        .bind(new_building)
        .execute(&mut *tx)
        .await?;
    let action = if new_role == target.role { "staff.building_assigned" } else { "staff.role_changed" };
    AuditEntry::new(&actor.audit(), action)
        .on("user", user_id)
        .building(new_building.or(target.building))
        .with(json!({
            "from_role": target.role.as_str(), "to_role": new_role.as_str(),
            "from_building": target.building, "to_building": new_building,
        }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// A staff insert's error: a taken e-mail is the `email` field's fault (the unique constraint
/// decides, so two racing creations cannot both succeed); anything else is the server's.
fn email_taken(err: sqlx::Error) -> ServerError {
    constraint_error(err, &[("users_email_key", "email", "Ya existe una cuenta con este correo.")])
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;

/// Creates a platform admin from the server's command line (`server create-admin`), the way in
/// on a fresh production database, where nobody can log in to create the first one. Audited as
/// the system; a taken e-mail is the usual field error.
pub async fn create_platform_admin(
    pool: &PgPool,
    email: &Email,
    full_name: &PersonName,
    password: &NewPassword,
) -> ServerResult<Uuid> {
    let password_hash = hash_password_async(password.expose().to_string())
        .await
        .map_err(|e| ServerError::unexpected("hashing", e))?;
    let user_id = Uuid::new_v4();
    let mut tx = pool.begin().await?;
    let inserted = sqlx::query(
        "insert into users (id, email, password_hash, role, status, full_name, password_changed_at)
         values ($1, $2, $3, 'admin', 'active', $4, now())",
    )
    .bind(user_id)
    .bind(email.as_str())
    .bind(&password_hash)
    .bind(full_name.as_str())
    .execute(&mut *tx)
    .await;
    inserted.map_err(email_taken)?;
    AuditEntry::new(&crate::ssr::audit::AuditActor::System, "staff.created")
        .on("user", user_id)
        .with(json!({ "role": Role::Admin.as_str(), "via": "create-admin" }))
        .commit(tx, &RequestMeta::default())
        .await?;
    Ok(user_id)
}
