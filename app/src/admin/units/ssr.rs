//! SQL of the units screen.

use super::{BulkResult, UnitListing, UnitRow};
use crate::admin::scope;
use crate::admin::switch::{Switch, Switchable};
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    db::like_contains,
    ServerResult,
};
use crate::ui::pager::{self, Page};
use serde_json::json;
use sqlx::PgPool;
use uuid::Uuid;

/// One unit of the listing, with how many residents it has.
#[derive(sqlx::FromRow)]
struct ListedUnit {
    id: Uuid,
    number: String,
    active: bool,
    residents: i64,
}

/// The units of `building_id` whose number contains `search`, one page.
pub async fn list(pool: &PgPool, actor: &Actor, building_id: Uuid, search: &str, page: u32) -> ServerResult<UnitListing> {
    actor.require_role(&scope::READERS)?;
    actor.require_building(building_id)?;
    let screen = scope::building_screen(pool, actor, building_id).await?;
    let search = search.trim();
    let pattern = (!search.is_empty()).then(|| like_contains(search));
    let total: i64 =
        sqlx::query_scalar("select count(*) from units where building_id = $1 and ($2::text is null or number ilike $2)")
            .bind(building_id)
            .bind(&pattern)
            .fetch_one(pool)
            .await?;
    let total = pager::total(total);
    let page = Page::new(page).with_rows(50).within(total);
    let rows: Vec<ListedUnit> = sqlx::query_as(
        "select u.id, u.number, u.active, (select count(*) from resident_profiles p where p.unit_id = u.id) as residents
           from units u
          where u.building_id = $1 and ($2::text is null or u.number ilike $2)
          order by length(u.number), u.number, u.id
          limit $3 offset $4",
    )
    .bind(building_id)
    .bind(&pattern)
    .bind(page.limit())
    .bind(page.offset())
    .fetch_all(pool)
    .await?;
    Ok(UnitListing {
        screen,
        rows: rows
            .into_iter()
            .map(|u| UnitRow { id: u.id.to_string(), number: u.number, active: u.active, residents: u.residents })
            .collect(),
        total,
        page: page.number(),
        pages: page.pages(total),
    })
}

/// Creates the units `numbers` of `building_id` in one statement; numbers that already exist
/// are skipped and reported.
pub async fn bulk_create(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    numbers: &[String],
    meta: &RequestMeta,
) -> ServerResult<BulkResult> {
    scope::require_writer_of(actor, building_id)?;
    let mut tx = pool.begin().await?;
    let exists: Option<Uuid> = sqlx::query_scalar("select id from buildings where id = $1 for key share")
        .bind(building_id)
        .fetch_optional(&mut *tx)
        .await?;
    exists.ok_or(AppError::NotFound)?;
    let created: Vec<String> = sqlx::query_scalar(
        "insert into units (building_id, number)
         select $1, n from unnest($2::text[]) as n
         on conflict on constraint units_building_number_key do nothing
         returning number",
    )
    .bind(building_id)
    .bind(numbers)
    .fetch_all(&mut *tx)
    .await?;
    let new: std::collections::HashSet<&str> = created.iter().map(String::as_str).collect();
    let existing: Vec<String> = numbers.iter().filter(|n| !new.contains(n.as_str())).cloned().collect();
    AuditEntry::new(&actor.audit(), "unit.bulk_created")
        .on_building(building_id)
        .with(json!({ "created": created.len(), "existing": existing.len(), "first": created.first(), "last": created.last() }))
        .commit(tx, meta)
        .await?;
    Ok(BulkResult { created: u32::try_from(created.len()).unwrap_or(u32::MAX), existing })
}

/// Units, as they are switched off and on.
const UNITS: Switchable = Switchable {
    table: "units",
    entity: "unit",
    action: "unit",
    already_on: "La unidad ya estaba activa.",
    already_off: "La unidad ya estaba desactivada.",
};

/// Deactivates (`false`) or reactivates a unit of `actor`'s scope; returns its building.
pub async fn set_active(pool: &PgPool, actor: &Actor, unit_id: Uuid, active: bool, meta: &RequestMeta) -> ServerResult<Uuid> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let row: Option<(Uuid, String, bool)> =
        sqlx::query_as("select building_id, number, active from units where id = $1 for update")
            .bind(unit_id)
            .fetch_optional(&mut *tx)
            .await?;
    let (building_id, number, was) = row.ok_or(AppError::NotFound)?;
    actor.require_building(building_id)?;
    let switch = Switch { what: &UNITS, id: unit_id, building_id, active };
    switch.set(&mut tx, was).await?;
    switch.commit(tx, actor, json!({ "number": number }), meta).await?;
    Ok(building_id)
}
