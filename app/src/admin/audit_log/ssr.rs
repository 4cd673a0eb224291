//! SQL of the audit screen.

use super::{AuditListing, AuditQuery, AuditRow};
use crate::admin::scope;
use crate::error::{FieldErrors, FILTER_PROBLEMS};
use crate::ssr::{
    actor::Actor,
    db::{like_contains, like_escape},
    ServerResult,
};
use crate::ui::pager::{self, Page};
use sqlx::PgPool;

/// One audit entry of the listing, with its actor's account, its building's name and the filter's
/// match count.
#[derive(sqlx::FromRow)]
struct ListedEntry {
    /// When it happened, local to its building, `DD-MM-YYYY HH24:MI:SS`.
    occurred: String,
    actor_type: String,
    full_name: Option<String>,
    email: Option<String>,
    actor_role: Option<String>,
    action: String,
    entity_type: Option<String>,
    entity_id: Option<String>,
    building: Option<String>,
    metadata: serde_json::Value,
    total: i64,
}

/// One page of the audit trail in `actor`'s scope.
pub async fn list(pool: &PgPool, actor: &Actor, q: &AuditQuery, page: u32) -> ServerResult<AuditListing> {
    let building = scope::listing_scope(actor, &q.edificio)?;
    let mut errors = FieldErrors::new();
    let from = scope::date_filter(&mut errors, "desde", &q.desde);
    let to = scope::date_filter(&mut errors, "hasta", &q.hasta);
    for (name, value) in [("actor", &q.actor), ("accion", &q.accion), ("entidad", &q.entidad)] {
        errors.check(name, crate::domain::text::search_term(value));
    }
    if !errors.is_empty() {
        return Err(errors.into_error_with(FILTER_PROBLEMS).into());
    }
    let opt = |s: &str| Some(s.trim().to_string()).filter(|s| !s.is_empty());
    let actor_q = opt(&q.actor).map(|s| like_contains(&s));
    let action_q = opt(&q.accion).map(|s| format!("{}%", like_escape(&s.to_lowercase())));
    let entity_q = opt(&q.entidad);
    let page = Page::new(page).with_rows(50);
    let rows: Vec<ListedEntry> = sqlx::query_as(
        "select to_char(a.occurred_at at time zone coalesce(b.time_zone, 'America/Santiago'), 'DD-MM-YYYY HH24:MI:SS')
                  as occurred,
                a.actor_type, u.full_name, u.email::text as email, a.actor_role, a.action, a.entity_type, a.entity_id,
                b.name as building, a.metadata, count(*) over () as total
           from audit_log a
           left join users u on u.id = a.actor_id
           left join buildings b on b.id = a.building_id
          where ($1::uuid is null or a.building_id = $1)
            and ($2::text is null or u.full_name ilike $2 or u.email::text ilike $2)
            and ($3::text is null or a.action like $3)
            and ($4::text is null or a.entity_type = $4 or a.entity_id = $4)
            and ($5::date is null or (a.occurred_at at time zone coalesce(b.time_zone, 'America/Santiago'))::date >= $5)
            and ($6::date is null or (a.occurred_at at time zone coalesce(b.time_zone, 'America/Santiago'))::date <= $6)
          order by a.occurred_at desc, a.id desc
          limit $7 offset $8",
    )
    .bind(building)
    .bind(actor_q)
    .bind(action_q)
    .bind(entity_q)
    .bind(from)
    .bind(to)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    let total = rows.first().map_or(0, |r| r.total);
    let total = pager::total(total);
    let rows = rows
        .into_iter()
        .map(|row| AuditRow {
            at: row.occurred,
            actor: match (row.actor_type.as_str(), row.full_name, row.email) {
                ("user", Some(n), Some(e)) => format!("{n} ({e})"),
                ("system", _, _) => "Sistema".into(),
                _ => "Anónimo".into(),
            },
            role: row
                .actor_role
                .as_deref()
                .and_then(crate::domain::role::Role::parse)
                .map_or_else(String::new, |r| r.label_es().to_string()),
            action: row.action,
            entity: match (row.entity_type, row.entity_id) {
                (Some(t), Some(i)) => format!("{t} {i}"),
                (Some(t), None) => t,
                _ => String::new(),
            },
            building: row.building.unwrap_or_default(),
            metadata: serde_json::to_string_pretty(&row.metadata).unwrap_or_default(),
        })
        .collect();
    Ok(AuditListing {
        rows,
        total,
        page: page.number(),
        pages: page.pages(total),
        buildings: scope::buildings(pool, actor).await?,
        actor_search: q.actor.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::role::Role;
    use crate::ssr::audit::{record, AuditActor, AuditEntry, RequestMeta};
    use crate::ssr::test_support::{building, staff, test_day};
    use serde_json::json;

    #[sqlx::test(migrations = "../migrations")]
    async fn filters_and_scope(pool: PgPool) {
        let a = building(&pool, "Torre A").await;
        let b = building(&pool, "Torre B").await;
        let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
        let platform = staff(&pool, Role::Admin, None).await;
        let mut conn = pool.acquire().await.unwrap();
        for (who, action, building, entity) in [
            (admin_a.audit(), "blocklist.added", Some(a), "blocklist_entry"),
            (admin_a.audit(), "pricing_rule.created", Some(a), "pricing_rule"),
            (platform.audit(), "blocklist.added", Some(b), "blocklist_entry"),
            (AuditActor::System, "booking.no_show", None, "booking"),
        ] {
            record(
                &mut conn,
                &AuditEntry {
                    actor: &who,
                    action,
                    entity_type: Some(entity),
                    entity_id: Some("e1".into()),
                    building_id: building,
                    metadata: json!({ "kind": "plate" }),
                },
                &RequestMeta::default(),
            )
            .await
            .unwrap();
        }
        drop(conn);
        let run = |actor: Actor, q: AuditQuery| {
            let pool = pool.clone();
            async move { list(&pool, &actor, &q, 1).await.unwrap().rows.into_iter().map(|r| r.action).collect::<Vec<_>>() }
        };
        assert_eq!(run(admin_a.clone(), AuditQuery::default()).await, ["pricing_rule.created", "blocklist.added"]);
        let foreign = AuditQuery { edificio: b.to_string(), ..Default::default() };
        assert_eq!(run(admin_a.clone(), foreign.clone()).await.len(), 2, "pinned to their own building");
        assert_eq!(run(platform.clone(), foreign).await, ["blocklist.added"]);
        assert_eq!(run(platform.clone(), AuditQuery::default()).await.len(), 4);
        assert_eq!(run(platform.clone(), AuditQuery { accion: "blocklist.".into(), ..Default::default() }).await.len(), 2);
        assert_eq!(
            run(platform.clone(), AuditQuery { entidad: "booking".into(), ..Default::default() }).await,
            ["booking.no_show"]
        );
        assert_eq!(run(platform.clone(), AuditQuery { actor: "staff.cl".into(), ..Default::default() }).await.len(), 3);
        let listing = list(&pool, &platform, &AuditQuery { accion: "booking".into(), ..Default::default() }, 1)
            .await
            .unwrap();
        assert_eq!(listing.rows[0].actor, "Sistema");
        assert!(listing.rows[0].metadata.contains("\"kind\": \"plate\""));
        let no_such_day = AuditQuery { desde: test_day().format("31-02-%Y").to_string(), ..Default::default() };
        assert!(list(&pool, &platform, &no_such_day, 1).await.is_err());
    }
}
