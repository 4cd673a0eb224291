//! Erasure (Ley 21.719, right of suppression). A resident asks with their password; the request
//! reaches their building's administration and the platform admins with its legal deadline
//! ([`RESPONSE_DAYS`] calendar days). Processing it cancels the future bookings with the
//! cancellation policy's refund (the existing cancel path, as the resident), then, in one
//! transaction, anonymises the account as [`super::registry`] says column by column (names,
//! e-mail, RUT, phone, blind indexes; the visitors and messages of their bookings; open codes),
//! ends every session and audits it. Bookings keep what accounting needs: amounts, statuses,
//! times, spot and building.

use super::registry::{erased_columns, erased_tables, Erasure, RESPONSE_DAYS};
use super::{ErasureRequestView, ErasureState, ACTIVE_BOOKING_MESSAGE};
use crate::domain::role::Role;
use crate::error::AppError;
use crate::payments::{cancel, gateway::PaymentGateway};
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    db::is_violation,
    ServerError, ServerResult,
};
use chrono::{DateTime, Duration, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Which rows of each anonymised table belong to the person (`$1` = user id, `$2` = now), and
/// what else changes in them. Every table the registry erases must be here (tested).
const SCOPES: [(&str, &str, &str); 5] = [
    (
        "users",
        "id = $1",
        "status = 'inactive', erased_at = $2, session_epoch = session_epoch + 1, reminders_opt_out = true,
         failed_login_count = 0, locked_until = null",
    ),
    ("resident_profiles", "user_id = $1", ""),
    ("bookings", "resident_id = $1 and purged_at is null", "purged_at = $2"),
    (
        "access_events",
        "booking_id in (select id from bookings where resident_id = $1)
         and (plate_observed is not null or query_text is not null)",
        "purged_at = $2",
    ),
    (
        "notifications",
        "(user_id = $1 or booking_id in (select id from bookings where resident_id = $1)) and purged_at is null",
        "purged_at = $2",
    ),
];

/// The anonymising statement of one table (registry column names are compile-time constants).
fn statement(table: &str, filter: &str, extra: &str) -> String {
    let mut sets: Vec<String> = erased_columns(table)
        .iter()
        .map(|c| match c.erasure {
            Erasure::Replace(expr) => format!("{} = {expr}", c.column),
            _ => format!("{} = null", c.column),
        })
        .collect();
    if !extra.is_empty() {
        sets.push(extra.to_string());
    }
    format!("update {table} set {} where {filter}", sets.join(", "))
}

/// Whether `user_id` holds an active booking overlapping the next 24 hours.
async fn active_soon(conn: &mut PgConnection, user_id: Uuid, now: DateTime<Utc>) -> ServerResult<bool> {
    Ok(sqlx::query_scalar(concat!(
        "select exists (select 1 from bookings where resident_id = $1 and status in ",
        crate::active_statuses!(),
        " and starts_at < $2 + interval '24 hours' and ends_at > $2)"
    ))
    .bind(user_id)
    .bind(now)
    .fetch_one(conn)
    .await?)
}

/// What `/cuenta/eliminar` shows the resident.
pub async fn status(pool: &PgPool, actor: &Actor, now: DateTime<Utc>) -> ServerResult<ErasureState> {
    actor.require_role(&[Role::Resident])?;
    let mut conn = pool.acquire().await?;
    let pending_due: Option<String> = sqlx::query_scalar(
        "select to_char(r.due_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY')
           from erasure_requests r left join buildings b on b.id = r.building_id
          where r.user_id = $1 and r.status = 'pending'",
    )
    .bind(actor.id)
    .fetch_optional(&mut *conn)
    .await?;
    let blocked_by_booking = active_soon(&mut conn, actor.id, now).await?;
    let future_bookings: i64 = sqlx::query_scalar(concat!(
        "select count(*) from bookings where resident_id = $1 and status in ",
        crate::active_statuses!(),
        " and starts_at > $2"
    ))
    .bind(actor.id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    Ok(ErasureState { pending_due, blocked_by_booking, future_bookings })
}

/// Records the resident's request (password already checked by the caller). Refused while a
/// booking is active within 24 hours or a request is already open.
pub async fn request(pool: &PgPool, actor: &Actor, meta: &RequestMeta, now: DateTime<Utc>) -> ServerResult<Uuid> {
    actor.require_role(&[Role::Resident])?;
    let mut tx = pool.begin().await?;
    if active_soon(&mut tx, actor.id, now).await? {
        return Err(AppError::Conflict(ACTIVE_BOOKING_MESSAGE.into()).into());
    }
    let inserted: Result<Uuid, sqlx::Error> = sqlx::query_scalar(
        "insert into erasure_requests (user_id, building_id, requested_at, due_at)
         values ($1, $2, $3, $3 + make_interval(days => $4)) returning id",
    )
    .bind(actor.id)
    .bind(actor.building_id)
    .bind(now)
    .bind(i32::try_from(RESPONSE_DAYS).map_err(|_| ServerError::invariant(format!("{RESPONSE_DAYS} response days")))?)
    .fetch_one(&mut *tx)
    .await;
    let id = match inserted {
        Ok(id) => id,
        Err(err) if is_violation(&err, "erasure_requests_one_open_key") => {
            return Err(AppError::Conflict("Ya tienes una solicitud de eliminación en curso.".into()).into())
        }
        Err(err) => return Err(err.into()),
    };
    AuditEntry::new(&actor.audit(), "privacy.erasure_requested")
        .on("user", actor.id)
        .building(actor.building_id)
        .with(json!({ "request_id": id, "due_days": RESPONSE_DAYS }))
        .commit(tx, meta)
        .await?;
    Ok(id)
}

/// An erasure request with its person, as the list shows it.
#[derive(sqlx::FromRow)]
struct RequestRow {
    id: Uuid,
    name: String,
    building: String,
    unit: Option<String>,
    requested_at: String,
    due: String,
    due_at: DateTime<Utc>,
    status: String,
}

/// The request to process and whose it is.
#[derive(sqlx::FromRow)]
struct ToProcess {
    user_id: Uuid,
    building_id: Option<Uuid>,
    status: String,
    full_name: String,
}

/// Roles that see the requests (support reads; building admins: their building).
pub const READERS: [Role; 3] = [Role::BuildingAdmin, Role::Support, Role::Admin];
/// Roles that process them.
pub const PROCESSORS: [Role; 2] = [Role::BuildingAdmin, Role::Admin];

/// The requests in `actor`'s scope, open ones first by deadline.
pub async fn list(pool: &PgPool, actor: &Actor, now: DateTime<Utc>) -> ServerResult<Vec<ErasureRequestView>> {
    actor.require_role(&READERS)?;
    let scope = if actor.role.is_building_scoped() { actor.building_id } else { None };
    let rows: Vec<RequestRow> = sqlx::query_as(
        "select r.id, u.full_name as name, coalesce(b.name, '—') as building, un.number as unit,
                to_char(r.requested_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY HH24:MI')
                    as requested_at,
                to_char(r.due_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY') as due,
                r.due_at, r.status
           from erasure_requests r
           join users u on u.id = r.user_id
           left join buildings b on b.id = r.building_id
           left join resident_profiles p on p.user_id = u.id
           left join units un on un.id = p.unit_id
          where $1::uuid is null or r.building_id = $1
          order by r.status = 'processed', r.due_at
          limit 200",
    )
    .bind(scope)
    .fetch_all(pool)
    .await?;
    let can_process = PROCESSORS.contains(&actor.role);
    Ok(rows
        .into_iter()
        .map(|RequestRow { id, name, building, unit, requested_at, due, due_at, status }| ErasureRequestView {
            id: id.to_string(),
            name,
            building,
            unit: unit.unwrap_or_else(|| "—".into()),
            requested_at,
            due,
            // Whole days rounded up: a deadline 29.9 days away has 30 days left.
            days_left: ((due_at - now).num_seconds() + 86_399).div_euclid(86_400),
            can_process: can_process && status == "pending",
            status: if status == "pending" { "Pendiente" } else { "Procesada" }.into(),
        })
        .collect())
}

/// Processes request `request_id` for `actor` (the building's admin or a platform admin).
/// Returns how many future bookings were cancelled.
pub async fn process(
    pool: &PgPool,
    gateway: &dyn PaymentGateway,
    actor: &Actor,
    request_id: Uuid,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> ServerResult<usize> {
    actor.require_role(&PROCESSORS)?;
    let row: Option<ToProcess> = sqlx::query_as(
        "select r.user_id, r.building_id, r.status, u.full_name
           from erasure_requests r join users u on u.id = r.user_id where r.id = $1",
    )
    .bind(request_id)
    .fetch_optional(pool)
    .await?;
    let Some(ToProcess { user_id, building_id, status, full_name }) = row else {
        return Err(AppError::NotFound.into());
    };
    if let Some(building) = building_id {
        actor.require_building(building)?;
    } else if actor.role != Role::Admin {
        return Err(AppError::NotFound.into());
    }
    if status != "pending" {
        return Err(AppError::Conflict("Esta solicitud ya fue procesada.".into()).into());
    }
    let mut conn = pool.acquire().await?;
    let running: bool = sqlx::query_scalar(
        "select exists (select 1 from bookings where resident_id = $1
                          and (status in ('checked_in', 'overstay')
                               or (status in ('pending', 'confirmed') and starts_at <= $2 and ends_at > $2)))",
    )
    .bind(user_id)
    .bind(now)
    .fetch_one(&mut *conn)
    .await?;
    if running {
        return Err(
            AppError::Conflict("El residente tiene una reserva en curso: procesa la solicitud cuando termine.".into()).into()
        );
    }
    let future: Vec<Uuid> = sqlx::query_scalar(
        "select id from bookings where resident_id = $1 and status in ('pending', 'confirmed') and starts_at > $2
          order by starts_at",
    )
    .bind(user_id)
    .bind(now)
    .fetch_all(&mut *conn)
    .await?;
    drop(conn);
    // The cancellation is the resident's own (their request): the resident's refund policy.
    let resident = Actor { id: user_id, role: Role::Resident, building_id, full_name };
    for booking in &future {
        cancel::cancel(pool, gateway, &resident, *booking, meta, now).await?;
    }
    let mut tx = pool.begin().await?;
    let still_pending: Option<String> = sqlx::query_scalar("select status from erasure_requests where id = $1 for update")
        .bind(request_id)
        .fetch_optional(&mut *tx)
        .await?;
    if still_pending.as_deref() != Some("pending") {
        return Err(AppError::Conflict("Esta solicitud ya fue procesada.".into()).into());
    }
    let anonymised = anonymise(&mut tx, user_id, now).await?;
    sqlx::query("update erasure_requests set status = 'processed', processed_at = $2, processed_by = $3 where id = $1")
        .bind(request_id)
        .bind(now)
        .bind(actor.id)
        .execute(&mut *tx)
        .await?;
    AuditEntry::new(&actor.audit(), "privacy.erasure_processed")
        .on("user", user_id)
        .building(building_id)
        .with(json!({
            "request_id": request_id,
            "bookings_cancelled": future.len(),
            "bookings_anonymised": anonymised,
            "sessions_ended": true,
        }))
        .commit(tx, meta)
        .await?;
    Ok(future.len())
}

/// Applies the registry's erasure to every row of `user_id`; returns how many bookings lost
/// their visitor data.
pub async fn anonymise(conn: &mut PgConnection, user_id: Uuid, now: DateTime<Utc>) -> ServerResult<u64> {
    // A message not yet sent would still go to the erased number: it is abandoned first.
    sqlx::query(
        "update notifications set status = 'failed', failed_at = $2, next_attempt_at = null,
                last_error = 'cuenta eliminada antes del envío'
          where (user_id = $1 or booking_id in (select id from bookings where resident_id = $1))
            and status in ('pending', 'sending')",
    )
    .bind(user_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    let mut bookings = 0;
    for (table, filter, extra) in SCOPES {
        let n = sqlx::query(&statement(table, filter, extra))
            .bind(user_id)
            .bind(now)
            .execute(&mut *conn)
            .await?
            .rows_affected();
        if table == "bookings" {
            bookings = n;
        }
    }
    for table in erased_tables() {
        let owner = owner_column(table);
        sqlx::query(&format!("delete from {table} where {owner} = $1"))
            .bind(user_id)
            .execute(&mut *conn)
            .await?;
    }
    Ok(bookings)
}

/// The column naming the person in a table whose rows an erasure deletes (saved visitors belong
/// to their resident; every other such table names its `user_id`).
fn owner_column(table: &str) -> &'static str {
    match table {
        "frequent_visitors" => "resident_id",
        _ => "user_id",
    }
}

/// The deadline of a request made at `at`.
pub fn due(at: DateTime<Utc>) -> DateTime<Utc> {
    at + Duration::days(RESPONSE_DAYS)
}

#[cfg(test)]
mod unit {
    use super::*;
    use crate::privacy::registry::REGISTRY;

    #[test]
    fn every_table_the_registry_erases_has_a_scope() {
        for c in REGISTRY.iter().filter(|c| matches!(c.erasure, Erasure::Null | Erasure::Replace(_))) {
            assert!(SCOPES.iter().any(|(t, _, _)| *t == c.table), "{}.{} has no erasure scope", c.table, c.column);
        }
        let users = statement(SCOPES[0].0, SCOPES[0].1, SCOPES[0].2);
        assert!(users.contains("phone_bidx = null") && users.contains("full_name = 'Usuario eliminado'"), "{users}");
        assert_eq!(due("2026-12-07T12:00:00Z".parse().unwrap()), "2027-01-06T12:00:00Z".parse::<DateTime<Utc>>().unwrap());
    }
}
