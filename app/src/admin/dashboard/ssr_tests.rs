//! Database tests of the dashboard, and booking fixtures the analytics tests share.

use super::*;
use crate::domain::role::Role;
use crate::ssr::test_support::{building, keys, local_at, resident, staff};
use crate::ssr::{actor::Actor, blind_index::BlindIndexer};
use chrono::Duration;
use uuid::Uuid;

/// A spot of `building`.
pub async fn spot(pool: &PgPool, building: Uuid, number: &str) -> Uuid {
    sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
        .bind(building)
        .bind(number)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A unique confirmation code in the codes' alphabet.
fn code() -> String {
    const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
    Uuid::new_v4().as_bytes()[..8]
        .iter()
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// A $5.000 booking (commission $500) of `(building, spot, resident)` from `start` for `hours`,
/// in `(status, payment)`, created at `created` and confirmed at `confirmed`, with the timestamps
/// its status requires. The block is the booking's own.
pub async fn booking(
    pool: &PgPool,
    (building, spot, resident): (Uuid, Uuid, Uuid),
    (status, payment): (&str, &str),
    start: DateTime<Utc>,
    hours: i64,
    created: DateTime<Utc>,
    confirmed: Option<DateTime<Utc>>,
) -> Uuid {
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, $3, $4, 5000, case when $5 in ('cancelled', 'no_show') then 'available' else 'reserved' end) returning id",
    )
    .bind(spot)
    .bind(building)
    .bind(start)
    .bind(start + Duration::hours(hours))
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap();
    let token = Uuid::new_v4().simple().to_string();
    sqlx::query_scalar(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                               status, payment_status, confirmation_code, guest_pass_token, confirmed_at,
                               hold_expires_at, cancelled_at, checked_in_at, checked_out_at, no_show_at, completed_at, created_at)
         select id, spot_id, building_id, $2, during, 'Pedro Pérez', 'KHJT52', 5000, 5000, 1000, 500, 4500,
                $3, $4, $5, $6, $7,
                case when $3 = 'pending' then $8 + interval '15 minutes' end,
                case when $3 = 'cancelled' then $8 + interval '1 minute' end,
                case when $3 in ('checked_in', 'checked_out', 'overstay') then lower(during) end,
                case when $3 = 'checked_out' then upper(during) end,
                case when $3 = 'no_show' then lower(during) + interval '30 minutes' end,
                case when $3 = 'completed' then upper(during) end,
                $8
           from availability_blocks where id = $1 returning id",
    )
    .bind(block)
    .bind(resident)
    .bind(status)
    .bind(payment)
    .bind(code())
    .bind(token)
    .bind(confirmed)
    .bind(created)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Two buildings, Torre A (resident `ra`, spots `a1` and `a2`) and Torre B (resident `rb`,
/// spot `b1`), the fixture of the dashboard and analytics tests.
pub struct Towers {
    pub a: Uuid,
    pub b: Uuid,
    pub ra: Actor,
    pub rb: Actor,
    pub a1: Uuid,
    pub a2: Uuid,
    pub b1: Uuid,
}

/// Creates [`Towers`].
pub async fn towers(pool: &PgPool, indexer: &BlindIndexer) -> Towers {
    let a = building(pool, "Torre A").await;
    let b = building(pool, "Torre B").await;
    Towers {
        ra: resident(pool, indexer, a, "ra@x.cl").await,
        rb: resident(pool, indexer, b, "rb@x.cl").await,
        a1: spot(pool, a, "1").await,
        a2: spot(pool, a, "2").await,
        b1: spot(pool, b, "1").await,
        a,
        b,
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn occupancy_now_revenue_and_scope(pool: PgPool) {
    let (_, indexer) = keys();
    // Noon in Santiago, so "today" holds the last few hours whatever the real clock says.
    let now = local_at(0, "12:00");
    let Towers { a, b, ra, rb, a1, a2, b1 } = towers(&pool, &indexer).await;
    // An inactive spot counts in no total.
    sqlx::query("update visitor_spots set active = false where id = $1")
        .bind(spot(&pool, a, "3").await)
        .execute(&pool)
        .await
        .unwrap();
    let hour = Duration::hours(1);
    // A: a visitor inside now, one expected tomorrow, one cancelled (refunded) and one paid 10 days ago.
    booking(&pool, (a, a1, ra.id), ("checked_in", "paid"), now - hour, 3, now - hour * 2, Some(now - hour * 2)).await;
    booking(&pool, (a, a2, ra.id), ("confirmed", "paid"), now + Duration::days(1), 11, now - hour, Some(now - hour)).await;
    booking(&pool, (a, a2, ra.id), ("cancelled", "refunded"), now - hour, 2, now - hour * 3, Some(now - hour * 3)).await;
    booking(
        &pool,
        (a, a1, ra.id),
        ("completed", "paid"),
        now - Duration::days(10),
        11,
        now - Duration::days(10),
        Some(now - Duration::days(10)),
    )
    .await;
    // B: a visitor inside now.
    booking(&pool, (b, b1, rb.id), ("checked_in", "paid"), now - hour, 3, now - hour, Some(now - hour)).await;
    sqlx::query("update users set status = 'pending' where id = $1")
        .bind(ra.id)
        .execute(&pool)
        .await
        .unwrap();

    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let admin_b = staff(&pool, Role::BuildingAdmin, Some(b)).await;
    let platform = staff(&pool, Role::Admin, None).await;

    let d = load(&pool, &admin_a, &b.to_string(), Period::Today, now).await.unwrap();
    assert_eq!(d.scope_label, "Torre A", "a building admin is pinned to their building");
    assert_eq!(super::super::occupancy_label(d.occupied_spots, d.total_spots), "1 de 2 cupos ocupados ahora");
    assert_eq!(d.active_bookings, 2);
    assert_eq!(
        (d.paid_bookings, d.revenue.as_str(), d.commission.as_str(), d.building_share.as_str()),
        (2, "$10.000", "$1.000", "$9.000")
    );
    assert_eq!(d.pending_approvals, 1);
    assert_eq!(d.building_id, a.to_string());
    let d = load(&pool, &admin_a, "", Period::Month, now).await.unwrap();
    assert_eq!((d.paid_bookings, d.revenue.as_str()), (3, "$15.000"));
    let d = load(&pool, &admin_a, "", Period::Week, now).await.unwrap();
    assert_eq!(d.paid_bookings, 2);

    // B's admin never counts A's bookings.
    let d = load(&pool, &admin_b, &a.to_string(), Period::Month, now).await.unwrap();
    assert_eq!((d.occupied_spots, d.total_spots, d.active_bookings, d.paid_bookings, d.pending_approvals), (1, 1, 1, 1, 0));

    let d = load(&pool, &platform, "", Period::Today, now).await.unwrap();
    assert_eq!((d.occupied_spots, d.total_spots, d.paid_bookings, d.scope_label.as_str()), (2, 3, 3, "Todos los edificios"));
    assert!(d.building_id.is_empty());
    let d = load(&pool, &platform, &b.to_string(), Period::Today, now).await.unwrap();
    assert_eq!((d.occupied_spots, d.total_spots, d.revenue.as_str()), (1, 1, "$5.000"));

    // An archived building's spots leave the totals.
    sqlx::query("update buildings set status = 'archived', archived_at = now() where id = $1")
        .bind(b)
        .execute(&pool)
        .await
        .unwrap();
    let d = load(&pool, &platform, "", Period::Today, now).await.unwrap();
    assert_eq!((d.occupied_spots, d.total_spots), (1, 2));
    let support = staff(&pool, Role::Support, None).await;
    assert!(load(&pool, &support, "no-es-un-id", Period::Today, now).await.is_err());
}
