//! SQL of the bookings screen and its CSV export.

use super::{AdminBooking, BookingListing, BookingQuery};
use crate::admin::scope;
use crate::domain::{booking::BookingStatus, code::ConfirmationCode, money::Clp, plate::Plate};
use crate::error::{AppError, FieldErrors, FILTER_PROBLEMS};
use crate::payments::cancel::cancellable;
use crate::ssr::{actor::Actor, db::like_contains, ServerResult};
use crate::ui::pager::{self, Page};
use chrono::NaiveDate;
use sqlx::PgPool;
use uuid::Uuid;

/// A parsed filter.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Filter {
    /// One building, or every building in scope.
    pub building: Option<Uuid>,
    /// One status.
    pub status: Option<BookingStatus>,
    /// Bookings starting on or after this local date.
    pub from: Option<NaiveDate>,
    /// Bookings starting on or before this local date.
    pub to: Option<NaiveDate>,
    /// The search box: plate, code or name.
    pub search: Option<String>,
    /// Only bookings with a refund in this `refunds.status` (`failed`, `pending`).
    pub refund: Option<&'static str>,
}

/// Parses the query string's filter for `actor` (a building admin is pinned to their building).
pub fn parse_filter(actor: &Actor, q: &BookingQuery) -> Result<Filter, AppError> {
    let mut errors = FieldErrors::new();
    let from = scope::date_filter(&mut errors, "desde", &q.desde);
    let to = scope::date_filter(&mut errors, "hasta", &q.hasta);
    let status = match q.estado.trim() {
        "" => None,
        s => errors.check("estado", BookingStatus::parse(s).map_err(|_| "Elige un estado de la lista.")),
    };
    let refund = match q.reembolso.trim() {
        "" => None,
        r => match super::REFUND_FILTERS.iter().find(|(value, _, _)| *value == r) {
            Some((_, status, _)) => Some(*status),
            None => {
                errors.push("reembolso", "Elige un estado de reembolso de la lista.");
                None
            }
        },
    };
    if let (Some(f), Some(t)) = (from, to) {
        if f > t {
            errors.push("hasta", "La fecha final debe ser igual o posterior a la inicial.");
        }
    }
    let search = errors.absorb("buscar", scope::search_term(&q.buscar)).map(str::to_string).filter(|s| !s.is_empty());
    if !errors.is_empty() {
        return Err(errors.into_error_with(FILTER_PROBLEMS));
    }
    Ok(Filter { building: scope::listing_scope(actor, &q.edificio)?, status, from, to, search, refund })
}

/// One matching booking, raw.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct Row {
    /// `bookings.id`.
    pub id: Uuid,
    /// Confirmation code.
    pub code: String,
    /// Building name.
    pub building: String,
    /// Spot number.
    pub spot: String,
    /// Local start, `dd-mm-yyyy HH:MM`.
    pub starts: String,
    /// Local end.
    pub ends: String,
    /// Visitor name (null once purged).
    pub visitor: Option<String>,
    /// Plate (null once purged).
    pub plate: Option<String>,
    /// Whether the retention purge removed the visitor.
    pub purged: bool,
    /// Status text.
    pub status: String,
    /// Amount in pesos.
    pub amount: i64,
    /// `refunds.status` of the booking's latest refund.
    pub refund: Option<String>,
    /// Whether any of the booking's refunds failed.
    pub refund_failed: bool,
    /// Matches of the whole filter (window count).
    pub total: i64,
}

/// The matching bookings, newest start first, `limit` from `offset`.
pub async fn find(pool: &PgPool, f: &Filter, limit: i64, offset: i64) -> ServerResult<Vec<Row>> {
    let search = f.search.as_deref().unwrap_or("");
    let plate = Plate::parse(search).ok().map(|p| p.as_str().to_string());
    let code = ConfirmationCode::parse(search).ok().map(|c| c.as_str().to_string());
    let name = like_contains(search);
    let rows = sqlx::query_as::<_, Row>(
        "select k.id, k.confirmation_code as code, bl.name as building, s.number as spot,
                to_char(lower(k.during) at time zone bl.time_zone, 'DD-MM-YYYY HH24:MI') as starts,
                to_char(upper(k.during) at time zone bl.time_zone, 'DD-MM-YYYY HH24:MI') as ends,
                k.visitor_name as visitor, k.visitor_plate as plate, k.purged_at is not null as purged,
                k.status, k.amount_clp as amount,
                (select r.status from refunds r where r.booking_id = k.id
                  order by r.created_at desc, r.id limit 1) as refund,
                exists (select 1 from refunds r where r.booking_id = k.id and r.status = 'failed') as refund_failed,
                count(*) over () as total
           from bookings k
           join buildings bl on bl.id = k.building_id
           join visitor_spots s on s.id = k.spot_id
          where ($1::uuid is null or k.building_id = $1)
            and ($2::text is null or k.status = $2)
            and ($3::date is null or (lower(k.during) at time zone bl.time_zone)::date >= $3)
            and ($4::date is null or (lower(k.during) at time zone bl.time_zone)::date <= $4)
            and (not $5 or k.visitor_plate = $6 or k.confirmation_code = $7 or k.visitor_name ilike $8)
            and ($11::text is null or exists (select 1 from refunds r where r.booking_id = k.id and r.status = $11))
          order by lower(k.during) desc, k.id
          limit $9 offset $10",
    )
    .bind(f.building)
    .bind(f.status.map(|s| s.as_str()))
    .bind(f.from)
    .bind(f.to)
    .bind(f.search.is_some())
    .bind(plate)
    .bind(code)
    .bind(name)
    .bind(limit)
    .bind(offset)
    .bind(f.refund)
    .fetch_all(pool)
    .await?;
    Ok(rows)
}

/// The plate as people write it (`KHJT-52`).
pub fn pretty_plate(plate: Option<&str>) -> String {
    plate.map_or_else(|| "—".into(), |p| Plate::parse(p).map_or_else(|_| p.to_string(), |p| p.pretty()))
}

/// The visitor column: "Datos eliminados" once the retention purge removed the visitor.
pub fn visitor_label(visitor: Option<&str>, purged: bool) -> String {
    match (visitor, purged) {
        (_, true) => crate::privacy::PURGED_LABEL.into(),
        (Some(v), false) => v.into(),
        (None, false) => "—".into(),
    }
}

/// The refund column: a failed refund shows as failed even if a later one is pending.
pub fn refund_label(latest: Option<&str>, failed: bool) -> String {
    match (latest, failed) {
        (_, true) => "Fallido",
        (Some("succeeded"), _) => "Realizado",
        (Some(_), _) => "Pendiente",
        (None, _) => "—",
    }
    .into()
}

/// One page of the screen.
pub async fn list(pool: &PgPool, actor: &Actor, f: &Filter, page: u32) -> ServerResult<BookingListing> {
    let page = Page::new(page);
    let rows = find(pool, f, page.limit(), page.offset()).await?;
    let total = pager::total(rows.first().map_or(0, |r| r.total));
    let rows = rows
        .into_iter()
        .map(|r| {
            let status = BookingStatus::parse(&r.status).ok();
            AdminBooking {
                id: r.id.to_string(),
                code: r.code,
                building: r.building,
                spot: r.spot,
                starts: r.starts,
                ends: r.ends,
                visitor: visitor_label(r.visitor.as_deref(), r.purged),
                plate: if r.purged { crate::privacy::PURGED_LABEL.into() } else { pretty_plate(r.plate.as_deref()) },
                status: status.map_or(r.status.clone(), |s| s.label_es().to_string()),
                amount: Clp::new(r.amount).to_string(),
                cancellable: status.is_some_and(cancellable),
                refund: refund_label(r.refund.as_deref(), r.refund_failed),
                refund_failed: r.refund_failed,
            }
        })
        .collect();
    Ok(BookingListing {
        rows,
        total,
        page: page.number(),
        pages: page.pages(total),
        buildings: scope::buildings(pool, actor).await?,
    })
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
