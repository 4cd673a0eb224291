//! SQL of the sales reps screen: listing, assignment and unassignment.
//!
//! `buildings.sales_rep_id` / `sales_rep_rate_bp` hold the current assignment and
//! `sales_rep_assignments` its history; both change in one transaction that locks the building
//! row first, so two admins assigning the same building at once end with one of them, in order.

use super::{AssignmentRow, HeldBuilding, RepRow, SalesRepListing};
use crate::admin::BuildingChoice;
use crate::domain::money::Clp;
use crate::domain::rate::Rate;
use crate::domain::role::Role;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    ServerResult,
};
use chrono::NaiveDate;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// A sales rep with their commission totals.
#[derive(sqlx::FromRow)]
struct RepTotals {
    id: Uuid,
    full_name: String,
    email: String,
    status: String,
    pending: Clp,
    paid: Clp,
}

/// A building a rep holds now, at the rate of their open assignment.
#[derive(sqlx::FromRow)]
struct Held {
    sales_rep_id: Uuid,
    building_id: Uuid,
    name: String,
    rate: Rate,
    since: Option<NaiveDate>,
}

/// One assignment of the history, closed or open.
#[derive(sqlx::FromRow)]
struct Assignment {
    building: String,
    rep: String,
    rate: Rate,
    valid_from: NaiveDate,
    valid_until: Option<NaiveDate>,
}

fn day(d: NaiveDate) -> String {
    d.format("%d-%m-%Y").to_string()
}

/// Every sales rep with their buildings and earnings (admins and support).
pub async fn list(pool: &PgPool, actor: &Actor) -> ServerResult<SalesRepListing> {
    actor.require_role(&[Role::Admin, Role::Support])?;
    let reps: Vec<RepTotals> = sqlx::query_as(
        "select u.id, u.full_name, u.email::text as email, u.status,
                coalesce(sum(c.amount_clp) filter (where c.status = 'pending'), 0)::bigint as pending,
                coalesce(sum(c.amount_clp) filter (where c.status = 'paid'), 0)::bigint as paid
           from users u left join sales_rep_commissions c on c.sales_rep_id = u.id
          where u.role = 'sales_rep'
          group by u.id
          order by u.full_name, u.id",
    )
    .fetch_all(pool)
    .await?;
    let held: Vec<Held> = sqlx::query_as(
        "select b.sales_rep_id, b.id as building_id, b.name, b.sales_rep_rate_bp as rate,
                (select lower(a.valid) from sales_rep_assignments a
                  where a.building_id = b.id and upper_inf(a.valid)) as since
           from buildings b where b.sales_rep_id is not null order by b.name",
    )
    .fetch_all(pool)
    .await?;
    let buildings: Vec<(Uuid, String)> = sqlx::query_as("select id, name from buildings where status = 'active' order by name")
        .fetch_all(pool)
        .await?;
    let history: Vec<Assignment> = sqlx::query_as(
        "select b.name as building, u.full_name as rep, a.rate_bp as rate, lower(a.valid) as valid_from,
                upper(a.valid) as valid_until
           from sales_rep_assignments a
           join buildings b on b.id = a.building_id
           join users u on u.id = a.sales_rep_id
          order by a.created_at desc, a.id limit 50",
    )
    .fetch_all(pool)
    .await?;
    Ok(SalesRepListing {
        reps: reps
            .into_iter()
            .map(|r| RepRow {
                buildings: held
                    .iter()
                    .filter(|h| h.sales_rep_id == r.id)
                    .map(|h| HeldBuilding {
                        id: h.building_id.to_string(),
                        name: h.name.clone(),
                        rate: h.rate.to_string(),
                        since: h.since.map_or_else(|| "—".into(), day),
                    })
                    .collect(),
                id: r.id.to_string(),
                name: r.full_name,
                email: r.email,
                active: r.status == "active",
                pending: r.pending.to_string(),
                paid: r.paid.to_string(),
            })
            .collect(),
        buildings: buildings.into_iter().map(|(id, name)| BuildingChoice { id: id.to_string(), name }).collect(),
        history: history
            .into_iter()
            .map(|a| AssignmentRow {
                building: a.building,
                rep: a.rep,
                rate: a.rate.to_string(),
                from: day(a.valid_from),
                until: a.valid_until.map_or_else(|| "—".into(), day),
            })
            .collect(),
        can_edit: actor.role == Role::Admin,
    })
}

/// A building's current assignment, locked for a change of rep.
#[derive(Debug, sqlx::FromRow)]
struct LockedBuilding {
    /// The building's local date.
    today: NaiveDate,
    status: String,
    sales_rep_id: Option<Uuid>,
    sales_rep_rate_bp: Rate,
}

/// The locked building: its zone's current local date and its current rep.
async fn lock_building(conn: &mut PgConnection, building: Uuid) -> ServerResult<LockedBuilding> {
    let row: Option<LockedBuilding> = sqlx::query_as(
        "select (now() at time zone time_zone)::date as today, status, sales_rep_id, sales_rep_rate_bp
           from buildings where id = $1 for update",
    )
    .bind(building)
    .fetch_optional(&mut *conn)
    .await?;
    row.ok_or_else(|| AppError::NotFound.into())
}

/// Ends the building's open assignment before `today` (an assignment that started today is
/// removed: it never held a whole day).
async fn close_open(conn: &mut PgConnection, building: Uuid, today: NaiveDate) -> ServerResult<()> {
    sqlx::query("delete from sales_rep_assignments where building_id = $1 and upper_inf(valid) and lower(valid) >= $2")
        .bind(building)
        .bind(today)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "update sales_rep_assignments set valid = daterange(lower(valid), $2, '[)')
          where building_id = $1 and upper_inf(valid)",
    )
    .bind(building)
    .bind(today)
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// Gives `building` to `rep` at `rate` from today (replacing whoever held it; the same rep with
/// a new rate is a new assignment too). Admins only.
pub async fn assign(pool: &PgPool, actor: &Actor, building: Uuid, rep: Uuid, rate: Rate, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = pool.begin().await?;
    let LockedBuilding { today, status, sales_rep_id: previous, sales_rep_rate_bp: previous_rate } =
        lock_building(&mut tx, building).await?;
    if status != "active" {
        return Err(AppError::field("building_id", "El edificio está archivado; restáuralo antes de asignarlo.").into());
    }
    let rep_ok: Option<bool> = sqlx::query_scalar("select status = 'active' from users where id = $1 and role = 'sales_rep'")
        .bind(rep)
        .fetch_optional(&mut *tx)
        .await?;
    if rep_ok != Some(true) {
        return Err(AppError::field("rep_id", "Elige un vendedor activo.").into());
    }
    if previous == Some(rep) && previous_rate == rate {
        return Err(AppError::Conflict("Ese vendedor ya tiene este edificio con esa comisión.".into()).into());
    }
    close_open(&mut tx, building, today).await?;
    sqlx::query(
        "insert into sales_rep_assignments (building_id, sales_rep_id, rate_bp, valid, created_by)
         values ($1, $2, $3, daterange($4, null, '[)'), $5)",
    )
    .bind(building)
    .bind(rep)
    .bind(rate)
    .bind(today)
    .bind(actor.id)
    .execute(&mut *tx)
    .await?;
    sqlx::query("update buildings set sales_rep_id = $2, sales_rep_rate_bp = $3 where id = $1")
        .bind(building)
        .bind(rep)
        .bind(rate)
        .execute(&mut *tx)
        .await?;
    AuditEntry::new(&actor.audit(), "sales_rep.assigned")
        .on_building(building)
        .with(json!({ "sales_rep_id": rep, "rate_bp": rate.basis_points(), "previous_sales_rep_id": previous, "from": today.to_string() }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

/// Takes `building` away from its rep from today on: they stop seeing it and earn nothing on
/// its payouts from today; what they earned before stays theirs. Admins only.
pub async fn unassign(pool: &PgPool, actor: &Actor, building: Uuid, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&[Role::Admin])?;
    let mut tx = pool.begin().await?;
    let LockedBuilding { today, sales_rep_id: previous, .. } = lock_building(&mut tx, building).await?;
    let Some(previous) = previous else {
        return Err(AppError::Conflict("El edificio no tiene un vendedor asignado.".into()).into());
    };
    close_open(&mut tx, building, today).await?;
    sqlx::query("update buildings set sales_rep_id = null where id = $1")
        .bind(building)
        .execute(&mut *tx)
        .await?;
    AuditEntry::new(&actor.audit(), "sales_rep.unassigned")
        .on_building(building)
        .with(json!({ "sales_rep_id": previous, "until": today.to_string() }))
        .commit(tx, meta)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::test_support::{app_error, building, staff};

    async fn holder(pool: &PgPool, b: Uuid) -> (Option<Uuid>, Vec<(Uuid, i32, Option<NaiveDate>)>) {
        let current: Option<Uuid> = sqlx::query_scalar("select sales_rep_id from buildings where id = $1")
            .bind(b)
            .fetch_one(pool)
            .await
            .unwrap();
        let history = sqlx::query_as("select sales_rep_id, rate_bp, upper(valid) from sales_rep_assignments where building_id = $1 order by lower(valid), created_at")
            .bind(b)
            .fetch_all(pool)
            .await
            .unwrap();
        (current, history)
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn assign_reassign_and_unassign_keep_one_holder_per_day(pool: PgPool) {
        let a = building(&pool, "Torre A").await;
        let admin = staff(&pool, Role::Admin, None).await;
        let support = staff(&pool, Role::Support, None).await;
        let rep1 = staff(&pool, Role::SalesRep, None).await;
        let rep2 = staff(&pool, Role::SalesRep, None).await;
        let concierge = staff(&pool, Role::Concierge, Some(a)).await;
        let meta = RequestMeta::default();
        let five = Rate::saturating_from_basis_points(500);

        assert_eq!(app_error(assign(&pool, &support, a, rep1.id, five, &meta).await), AppError::Forbidden);
        assert!(matches!(app_error(assign(&pool, &admin, a, concierge.id, five, &meta).await), AppError::Invalid { .. }));
        assert_eq!(app_error(assign(&pool, &admin, Uuid::new_v4(), rep1.id, five, &meta).await), AppError::NotFound);

        assign(&pool, &admin, a, rep1.id, five, &meta).await.unwrap();
        assert!(matches!(app_error(assign(&pool, &admin, a, rep1.id, five, &meta).await), AppError::Conflict(_)));
        // Same day: the new assignment replaces the one that never held a whole day.
        assign(&pool, &admin, a, rep2.id, Rate::saturating_from_basis_points(700), &meta).await.unwrap();
        let (current, history) = holder(&pool, a).await;
        assert_eq!(current, Some(rep2.id));
        assert_eq!(history, vec![(rep2.id, 700, None)]);

        // An assignment that began on an earlier day is closed at today, not removed.
        sqlx::query("update sales_rep_assignments set valid = daterange(lower(valid) - 10, null) where building_id = $1")
            .bind(a)
            .execute(&pool)
            .await
            .unwrap();
        unassign(&pool, &admin, a, &meta).await.unwrap();
        let (current, history) = holder(&pool, a).await;
        assert_eq!(current, None);
        assert_eq!(history.len(), 1);
        assert!(history[0].2.is_some(), "closed");
        assert!(matches!(app_error(unassign(&pool, &admin, a, &meta).await), AppError::Conflict(_)));

        let l = list(&pool, &support).await.unwrap();
        assert!(l.reps.iter().all(|r| r.buildings.is_empty()));
        assert!(!l.can_edit);
        let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where entity_id = $1 order by id")
            .bind(a.to_string())
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(actions, ["sales_rep.assigned", "sales_rep.assigned", "sales_rep.unassigned"]);
    }

    #[sqlx::test(migrations = "../migrations")]
    async fn the_database_refuses_two_holders_on_one_day_and_a_non_rep(pool: PgPool) {
        let a = building(&pool, "Torre A").await;
        let rep = staff(&pool, Role::SalesRep, None).await;
        let concierge = staff(&pool, Role::Concierge, Some(a)).await;
        let insert = |who: Uuid, from: &'static str| {
            let pool = pool.clone();
            async move {
                sqlx::query("insert into sales_rep_assignments (building_id, sales_rep_id, rate_bp, valid) values ($1, $2, 500, daterange($3::date, null))")
                    .bind(a)
                    .bind(who)
                    .bind(from)
                    .execute(&pool)
                    .await
            }
        };
        insert(rep.id, "2026-01-01").await.unwrap();
        let e = insert(rep.id, "2026-02-01").await.unwrap_err();
        assert_eq!(e.as_database_error().and_then(|d| d.constraint()), Some("sales_rep_assignments_no_overlap"));
        let e = insert(concierge.id, "2025-01-01").await.unwrap_err();
        assert_eq!(e.as_database_error().and_then(|d| d.constraint()), Some("sales_rep_assignments_role_check"));
    }
}
