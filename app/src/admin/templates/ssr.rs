//! SQL of the block templates screen.

use super::{PricePreview, TemplateListing, TemplateRow};
use crate::admin::scope;
use crate::admin::spots::ssr::{block_blocks, reopen_blocks};
use crate::admin::switch::{Switch, Switchable};
use crate::domain::format::time_hm;
use crate::domain::inventory::{duration_text, TemplateInput};
use crate::domain::money::Clp;
use crate::error::AppError;
use crate::ssr::{
    actor::Actor,
    audit::{AuditEntry, RequestMeta},
    db::{constraint_error, insert_error, ConstraintField},
    ServerResult,
};
use chrono::{DateTime, NaiveTime, Utc};
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// What a violated constraint of `block_templates` means on the form.
const CONSTRAINTS: [ConstraintField; 1] =
    [("block_templates_building_name_key", "name", "Ya existe un bloque con ese nombre en este edificio.")];

/// One template of the templates screen, with its future available blocks.
#[derive(sqlx::FromRow)]
struct ListedTemplate {
    id: Uuid,
    name: String,
    start_local: NaiveTime,
    duration_minutes: i32,
    base_price_clp: Clp,
    active: bool,
    available: i64,
}

/// The templates of `building_id`.
pub async fn list(pool: &PgPool, actor: &Actor, building_id: Uuid, now: DateTime<Utc>) -> ServerResult<TemplateListing> {
    actor.require_role(&scope::READERS)?;
    actor.require_building(building_id)?;
    let screen = scope::building_screen(pool, actor, building_id).await?;
    let rows: Vec<ListedTemplate> = sqlx::query_as(
        "select t.id, t.name, t.start_local, t.duration_minutes, t.base_price_clp, t.active,
                (select count(*) from availability_blocks b where b.template_id = t.id and b.status = 'available' and b.starts_at > $2)
                  as available
           from block_templates t where t.building_id = $1
          order by t.active desc, t.sort_order, t.start_local, t.name limit 200",
    )
    .bind(building_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    Ok(TemplateListing {
        screen,
        rows: rows
            .into_iter()
            .map(|t| TemplateRow {
                id: t.id.to_string(),
                name: t.name,
                start: time_hm(t.start_local),
                duration: duration_text(u32::try_from(t.duration_minutes).unwrap_or(0)),
                price: t.base_price_clp.to_string(),
                price_field: t.base_price_clp.pesos().to_string(),
                active: t.active,
                available: t.available,
            })
            .collect(),
    })
}

/// Creates a template of `building_id` (the generator makes its blocks on its next run).
pub async fn create(
    pool: &PgPool,
    actor: &Actor,
    building_id: Uuid,
    input: &TemplateInput,
    meta: &RequestMeta,
) -> ServerResult<Uuid> {
    scope::require_writer_of(actor, building_id)?;
    let mut tx = pool.begin().await?;
    let minutes = i32::try_from(input.template.duration_minutes).unwrap_or(0);
    let inserted = sqlx::query_scalar::<_, Uuid>(
        "insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp, sort_order)
         select $1, $2, $3, $4, $5, coalesce(max(sort_order) + 1, 0) from block_templates where building_id = $1
         returning id",
    )
    .bind(building_id)
    .bind(&input.template.name)
    .bind(input.template.start_local)
    .bind(minutes)
    .bind(input.base_price.pesos())
    .fetch_one(&mut *tx)
    .await;
    let id = inserted.map_err(|e| insert_error(e, &CONSTRAINTS))?;
    AuditEntry::new(&actor.audit(), "block_template.created")
        .on("block_template", id)
        .building(building_id)
        .with(json!({ "name": input.template.name, "start": time_hm(input.template.start_local), "duration_minutes": minutes, "base_price_clp": input.base_price.pesos() }))
        .commit(tx, meta)
        .await?;
    Ok(id)
}

/// What the template's edits read of it before changing it.
#[derive(sqlx::FromRow)]
struct Template {
    building_id: Uuid,
    name: String,
    base_price_clp: Clp,
    active: bool,
}

/// A template's building, name, price and active flag, locked when `lock`; "not found" outside
/// `actor`'s scope.
async fn template(conn: &mut PgConnection, actor: &Actor, template_id: Uuid, lock: bool) -> ServerResult<Template> {
    let sql = if lock {
        "select building_id, name, base_price_clp, active from block_templates where id = $1 for update"
    } else {
        "select building_id, name, base_price_clp, active from block_templates where id = $1"
    };
    let row: Option<Template> = sqlx::query_as(sql).bind(template_id).fetch_optional(conn).await?;
    let row = row.ok_or(AppError::NotFound)?;
    actor.require_building(row.building_id)?;
    Ok(row)
}

/// The blocks a new base price would change: future available blocks of the template whose
/// price differs. The same condition as [`update`]'s, so the preview's count is what changes.
const CHANGING: &str = "template_id = $1 and status = 'available' and starts_at > $2 and base_price_clp <> $3";

/// What saving `name` and `price` on a template would change.
pub async fn price_preview(
    pool: &PgPool,
    actor: &Actor,
    template_id: Uuid,
    name: &str,
    price: Clp,
    now: DateTime<Utc>,
) -> ServerResult<PricePreview> {
    actor.require_role(&scope::READERS)?;
    let mut conn = pool.acquire().await?;
    let current = template(&mut conn, actor, template_id, false).await?.base_price_clp;
    let blocks: i64 = sqlx::query_scalar(&format!("select count(*) from availability_blocks where {CHANGING}"))
        .bind(template_id)
        .bind(now)
        .bind(price.pesos())
        .fetch_one(&mut *conn)
        .await?;
    Ok(PricePreview {
        template_id: template_id.to_string(),
        name: name.to_string(),
        from: current.to_string(),
        to: price.to_string(),
        to_pesos: price.pesos(),
        blocks,
    })
}

/// Renames a template and sets its base price; the new price goes to its future available
/// blocks in the same transaction. Returns the building and how many blocks changed.
pub async fn update(
    pool: &PgPool,
    actor: &Actor,
    template_id: Uuid,
    name: &str,
    price: Clp,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServerResult<(Uuid, u64)> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let Template { building_id, name: old_name, base_price_clp: old_price, .. } =
        template(&mut tx, actor, template_id, true).await?;
    let renamed = sqlx::query("update block_templates set name = $2, base_price_clp = $3 where id = $1")
        .bind(template_id)
        .bind(name)
        .bind(price.pesos())
        .execute(&mut *tx)
        .await;
    renamed.map_err(|e| constraint_error(e, &CONSTRAINTS))?;
    let changed = sqlx::query(&format!("update availability_blocks set base_price_clp = $3 where {CHANGING}"))
        .bind(template_id)
        .bind(now)
        .bind(price.pesos())
        .execute(&mut *tx)
        .await?
        .rows_affected();
    AuditEntry::new(&actor.audit(), "block_template.updated")
        .on("block_template", template_id)
        .building(building_id)
        .with(json!({ "name": { "from": old_name, "to": name }, "base_price_clp": { "from": old_price.pesos(), "to": price.pesos() }, "blocks_repriced": changed }))
        .commit(tx, meta)
        .await?;
    Ok((building_id, changed))
}

/// Block types, as they are switched off and on.
const TEMPLATES: Switchable = Switchable {
    table: "block_templates",
    entity: "block_template",
    action: "block_template",
    already_on: "El bloque ya estaba activo.",
    already_off: "El bloque ya estaba desactivado.",
};

/// Deactivates (`false`) or reactivates a template: its future available blocks are blocked
/// (and the generator makes no new ones), or its blocked ones reopened where the rule allows.
pub async fn set_active(
    pool: &PgPool,
    actor: &Actor,
    template_id: Uuid,
    active: bool,
    now: DateTime<Utc>,
    meta: &RequestMeta,
) -> ServerResult<(Uuid, u64)> {
    actor.require_role(&scope::WRITERS)?;
    let mut tx = pool.begin().await?;
    let Template { building_id, name, active: was, .. } = template(&mut tx, actor, template_id, true).await?;
    let switch = Switch { what: &TEMPLATES, id: template_id, building_id, active };
    switch.set(&mut tx, was).await?;
    let changed = if active {
        reopen_blocks(&mut tx, None, Some(template_id), now).await?
    } else {
        block_blocks(&mut tx, None, Some(template_id), None, now).await?
    };
    switch.commit(tx, actor, json!({ "name": name, "blocks_changed": changed }), meta).await?;
    Ok((building_id, changed))
}
