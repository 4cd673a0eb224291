//! SQL of the residents screen.

use super::{status_label, ResidentListing, ResidentRow};
use crate::admin::{account_status, scope};
use crate::error::AppError;
use crate::ssr::{actor::Actor, audit::RequestMeta, db::like_contains, ServerResult};
use crate::ui::pager::{self, Page};
use sqlx::PgPool;
use uuid::Uuid;

pub use crate::admin::account_status::Change;

/// One resident of the listing, with their building and unit, and the filter's match count.
#[derive(sqlx::FromRow)]
struct ListedResident {
    id: Uuid,
    full_name: String,
    email: String,
    building: String,
    unit: String,
    status: String,
    status_reason: Option<String>,
    total: i64,
}

/// One page of the residents in scope, optionally of one status, whose name or e-mail contains
/// `search`.
pub async fn list(
    pool: &PgPool,
    actor: &Actor,
    building: Option<Uuid>,
    status: Option<&str>,
    search: &str,
    page: u32,
) -> ServerResult<ResidentListing> {
    let page = Page::new(page);
    let search = search.trim();
    let pattern = like_contains(search);
    let rows: Vec<ListedResident> = sqlx::query_as(
        "select u.id, u.full_name, u.email::text as email, b.name as building, un.number as unit, u.status, u.status_reason,
                count(*) over () as total
           from users u
           join resident_profiles p on p.user_id = u.id
           join buildings b on b.id = u.building_id
           join units un on un.id = p.unit_id
          where u.role = 'resident'
            and ($1::uuid is null or u.building_id = $1)
            and ($2::text is null or u.status = $2)
            and ($3 = '' or u.full_name ilike $4 or u.email::text ilike $4)
          order by b.name, u.full_name, u.id
          limit $5 offset $6",
    )
    .bind(building)
    .bind(status)
    .bind(search)
    .bind(pattern)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    Ok(ResidentListing {
        total,
        page: page.number(),
        pages: page.pages(pager::total(total)),
        rows: rows
            .into_iter()
            .map(|ListedResident { id, full_name, email, building, unit, status, status_reason: reason, .. }| ResidentRow {
                user_id: id.to_string(),
                full_name,
                email,
                building,
                unit,
                status_label: status_label(&status).to_string(),
                status,
                reason,
            })
            .collect(),
        buildings: scope::buildings(pool, actor).await?,
        can_edit: scope::WRITERS.contains(&actor.role),
        search: search.to_string(),
    })
}

/// Applies `change` to resident `user_id` in `actor`'s scope (another building's resident, or
/// a user who is not a resident, is "not found"). A change the current status does not allow
/// is a conflict with a Spanish explanation.
pub async fn change_status(pool: &PgPool, actor: &Actor, user_id: Uuid, change: Change, meta: &RequestMeta) -> ServerResult<()> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, String, bool)> = sqlx::query_as(
        "select u.building_id, u.status, p.approved_at is not null
           from users u join resident_profiles p on p.user_id = u.id
          where u.id = $1 and u.role = 'resident' for update of u",
    )
    .bind(user_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some((building_id, status, approved)) = row else {
        return Err(AppError::NotFound.into());
    };
    actor.require_building(building_id)?;
    // Restoring returns the account to where it was before it was banned or deactivated (as the
    // audit trail recorded it); an account never approved goes back to the approval queue.
    let before: Option<String> = sqlx::query_scalar(
        "select metadata->>'from' from audit_log
          where entity_type = 'user' and entity_id = $1 and action in ('resident.banned', 'resident.deactivated')
          order by id desc limit 1",
    )
    .bind(user_id.to_string())
    .fetch_optional(&mut *tx)
    .await?
    .flatten();
    let restored = match before.as_deref() {
        Some("active" | "inactive") => "active",
        Some("pending") => "pending",
        _ if approved => "active",
        _ => "pending",
    };
    let plan = account_status::plan(&change, &status, restored)?;
    let account = account_status::Target { user_id, building_id: Some(building_id), from: &status, kind: "resident" };
    account_status::apply(&mut tx, actor, account, &plan, meta).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::Role;
    use crate::ssr::test_support::{app_error, building, keys, resident, staff};

    #[sqlx::test(migrations = "../migrations")]
    async fn ban_ends_sessions_and_restore_returns_the_account(pool: PgPool) {
        let (_, indexer) = keys();
        let a = building(&pool, "Torre A").await;
        let b = building(&pool, "Torre B").await;
        let res = resident(&pool, &indexer, a, "r@x.cl").await;
        sqlx::query("update resident_profiles set approved_at = now(), approved_by = $1 where user_id = $1")
            .bind(res.id)
            .execute(&pool)
            .await
            .unwrap();
        let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
        let admin_b = staff(&pool, Role::BuildingAdmin, Some(b)).await;
        let support = staff(&pool, Role::Support, None).await;
        let meta = RequestMeta::default();
        let epoch = || async {
            sqlx::query_as::<_, (String, i32)>("select status, session_epoch from users where id = $1")
                .bind(res.id)
                .fetch_one(&pool)
                .await
                .unwrap()
        };

        assert_eq!(app_error(change_status(&pool, &admin_b, res.id, Change::Ban("x".into()), &meta).await), AppError::NotFound);
        assert_eq!(app_error(change_status(&pool, &support, res.id, Change::Ban("x".into()), &meta).await), AppError::Forbidden);
        change_status(&pool, &admin_a, res.id, Change::Ban("Daños".into()), &meta).await.unwrap();
        assert_eq!(epoch().await, ("banned".into(), 1));
        assert!(matches!(
            app_error(change_status(&pool, &admin_a, res.id, Change::Ban("x".into()), &meta).await),
            AppError::Conflict(_)
        ));
        change_status(&pool, &admin_a, res.id, Change::Restore, &meta).await.unwrap();
        assert_eq!(epoch().await, ("active".into(), 1));
        change_status(&pool, &admin_a, res.id, Change::Deactivate, &meta).await.unwrap();
        assert_eq!(epoch().await, ("inactive".into(), 2));

        let l = list(&pool, &admin_b, Some(b), None, "", 1).await.unwrap();
        assert!(l.rows.is_empty());
        let l = list(&pool, &admin_a, Some(a), Some("inactive"), "", 1).await.unwrap();
        assert_eq!((l.rows.len(), l.total, l.pages), (1, 1, 1));
        // The search finds by part of the e-mail (or name), case-insensitively.
        assert_eq!(list(&pool, &admin_a, Some(a), None, "R@X", 1).await.unwrap().rows.len(), 1);
        assert!(list(&pool, &admin_a, Some(a), None, "nadie", 1).await.unwrap().rows.is_empty());
        assert!(list(&pool, &admin_a, Some(a), None, "", 2).await.unwrap().rows.is_empty());
        let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where entity_id = $1 order by id")
            .bind(res.id.to_string())
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(actions, ["resident.banned", "resident.unbanned", "resident.deactivated"]);
    }
}
