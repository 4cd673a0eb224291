//! Database tests of the bookings screen: every filter, search by any spelling, local dates,
//! scope, and pagination.

use super::*;
use crate::domain::role::Role;
use crate::ssr::test_support::{building, date, day_text, keys, local, resident, staff, test_day};

/// A booking of `plate` in a new spot of `building`, starting at `start` (with offset) for 11 h.
pub async fn booking(pool: &PgPool, building: Uuid, resident: Uuid, plate: &str, code: &str, start: &str, status: &str) -> Uuid {
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
        .bind(building)
        .bind(format!("V{}", &code[..4]))
        .fetch_one(pool)
        .await
        .unwrap();
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, $3::timestamptz, $3::timestamptz + interval '11 hours', 5000, 'reserved') returning id",
    )
    .bind(spot)
    .bind(building)
    .bind(start)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query_scalar(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                               status, payment_status, confirmation_code, guest_pass_token, confirmed_at,
                               cancelled_at, checked_in_at)
         select id, spot_id, building_id, $2, during, 'Pedro Pérez', $3, 5000, 5000, 1000, 500, 4500,
                $5, 'paid', $4, md5($4) || md5($4), now(),
                case when $5 = 'cancelled' then now() end, case when $5 = 'checked_in' then now() end
           from availability_blocks where id = $1 returning id",
    )
    .bind(block)
    .bind(resident)
    .bind(plate)
    .bind(code)
    .bind(status)
    .fetch_one(pool)
    .await
    .unwrap()
}

fn q(estado: &str, desde: &str, hasta: &str, buscar: &str) -> BookingQuery {
    BookingQuery {
        estado: estado.into(),
        desde: desde.into(),
        hasta: hasta.into(),
        edificio: String::new(),
        buscar: buscar.into(),
        reembolso: String::new(),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn filters_search_and_scope(pool: PgPool) {
    let (_, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    let ra = resident(&pool, &indexer, a, "ra@x.cl").await;
    let rb = resident(&pool, &indexer, b, "rb@x.cl").await;
    // 23:30 in Santiago on the test day is already the next day in UTC: the local date decides.
    booking(&pool, a, ra.id, "KHJT52", "ABCD2345", &local(0, "23:30"), "confirmed").await;
    booking(&pool, a, ra.id, "BBBB12", "EFGH2345", &local(1, "08:00"), "cancelled").await;
    booking(&pool, b, rb.id, "CCCC12", "JKMN2345", &local(0, "20:00"), "confirmed").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let platform = staff(&pool, Role::Admin, None).await;

    let run = |actor: Actor, query: BookingQuery| {
        let pool = pool.clone();
        async move {
            let f = parse_filter(&actor, &query).unwrap();
            list(&pool, &actor, &f, 1).await.unwrap().rows.into_iter().map(|r| r.code).collect::<Vec<_>>()
        }
    };
    assert_eq!(run(admin_a.clone(), q("", "", "", "")).await, ["EFGH2345", "ABCD2345"]);
    assert_eq!(run(platform.clone(), q("", "", "", "")).await.len(), 3);
    // Building admins are pinned to their building whatever the query string says.
    let mut foreign = q("", "", "", "");
    foreign.edificio = b.to_string();
    assert_eq!(run(admin_a.clone(), foreign.clone()).await, ["EFGH2345", "ABCD2345"]);
    assert_eq!(run(platform.clone(), foreign).await, ["JKMN2345"]);

    assert_eq!(run(admin_a.clone(), q("confirmed", "", "", "")).await, ["ABCD2345"]);
    assert_eq!(run(admin_a.clone(), q("", &test_day().to_string(), &test_day().to_string(), "")).await, ["ABCD2345"]);
    assert_eq!(run(admin_a.clone(), q("", &day_text(1), "", "")).await, ["EFGH2345"]);
    for spelling in ["khjt 52", "KHJT-52", "abcd-2345", "pedro p"] {
        assert!(run(admin_a.clone(), q("", "", "", spelling)).await.contains(&"ABCD2345".to_string()), "{spelling}");
    }
    assert!(run(admin_a.clone(), q("", "", "", "CCCC12")).await.is_empty());

    let listing = list(&pool, &admin_a, &parse_filter(&admin_a, &q("", "", "", "")).unwrap(), 1).await.unwrap();
    assert_eq!((listing.total, listing.pages), (2, 1));
    let confirmed = listing.rows.iter().find(|r| r.code == "ABCD2345").unwrap();
    assert_eq!(
        (confirmed.starts.as_str(), confirmed.plate.as_str(), confirmed.amount.as_str()),
        (format!("{} 23:30", day_text(0)).as_str(), "KHJT-52", "$5.000")
    );
    assert!(confirmed.cancellable);
    assert!(!listing.rows.iter().find(|r| r.code == "EFGH2345").unwrap().cancellable);

    let bad = parse_filter(&admin_a, &q("nope", &date(1).to_string(), &date(0).to_string(), ""));
    let AppError::Invalid { fields, .. } = bad.unwrap_err() else { panic!() };
    assert_eq!(fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["estado", "hasta"]);
}

/// A payment of `booking` and one refund of it in `status` (5.000 CLP each).
async fn refund(pool: &PgPool, booking: Uuid, status: &str) {
    let payment: Uuid = sqlx::query_scalar(
        "insert into payments (booking_id, provider, amount_clp, status, approved_at)
         values ($1, 'simulator', 5000, 'approved', now()) returning id",
    )
    .bind(booking)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into refunds (booking_id, payment_id, amount_clp, status, idempotency_key, succeeded_at, attempts)
         values ($1, $2, 5000, $3, 'refund-' || gen_random_uuid(), case when $3 = 'succeeded' then now() end, 1)",
    )
    .bind(booking)
    .bind(payment)
    .bind(status)
    .execute(pool)
    .await
    .unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn failed_and_pending_refunds_are_found_by_their_filter_in_scope(pool: PgPool) {
    let (_, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    let ra = resident(&pool, &indexer, a, "ra@x.cl").await;
    let rb = resident(&pool, &indexer, b, "rb@x.cl").await;
    let failed = booking(&pool, a, ra.id, "KHJT52", "ABCD2345", &local(0, "20:00"), "cancelled").await;
    let pending = booking(&pool, a, ra.id, "BBBB12", "EFGH2345", &local(1, "20:00"), "cancelled").await;
    let done = booking(&pool, a, ra.id, "DDDD12", "PQRS2345", &local(2, "20:00"), "cancelled").await;
    booking(&pool, a, ra.id, "EEEE12", "TUVW2345", &local(3, "20:00"), "confirmed").await;
    let foreign = booking(&pool, b, rb.id, "CCCC12", "JKMN2345", &local(0, "20:00"), "cancelled").await;
    refund(&pool, failed, "failed").await;
    refund(&pool, pending, "pending").await;
    refund(&pool, done, "succeeded").await;
    refund(&pool, foreign, "failed").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let platform = staff(&pool, Role::Support, None).await;

    let with_refund = |reembolso: &str| BookingQuery { reembolso: reembolso.into(), ..BookingQuery::default() };
    let run = |actor: Actor, query: BookingQuery| {
        let pool = pool.clone();
        async move {
            let f = parse_filter(&actor, &query).unwrap();
            list(&pool, &actor, &f, 1)
                .await
                .unwrap()
                .rows
                .into_iter()
                .map(|r| (r.code, r.refund, r.refund_failed))
                .collect::<Vec<_>>()
        }
    };
    let row = |code: &str, refund: &str, failed: bool| (code.to_string(), refund.to_string(), failed);
    assert_eq!(run(admin_a.clone(), with_refund("fallido")).await, [row("ABCD2345", "Fallido", true)]);
    assert_eq!(run(admin_a.clone(), with_refund("pendiente")).await, [row("EFGH2345", "Pendiente", false)]);
    assert_eq!(
        run(admin_a.clone(), with_refund("")).await,
        [
            row("TUVW2345", "—", false),
            row("PQRS2345", "Realizado", false),
            row("EFGH2345", "Pendiente", false),
            row("ABCD2345", "Fallido", true)
        ]
    );
    // Platform staff see every building's failed refunds; a building admin only their own.
    assert_eq!(run(platform.clone(), with_refund("fallido")).await.len(), 2);
    let mut other = with_refund("fallido");
    other.edificio = b.to_string();
    assert_eq!(run(admin_a.clone(), other).await, [row("ABCD2345", "Fallido", true)]);
    // The filter survives the pager and the export link.
    assert!(with_refund("fallido").to_query_string().contains("reembolso=fallido"));
    let AppError::Invalid { fields, .. } = parse_filter(&admin_a, &with_refund("quizas")).unwrap_err() else { panic!() };
    assert_eq!(fields.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["reembolso"]);

    // The dashboard counts what the filter shows, in the same scope.
    let now = chrono::Utc::now();
    let dashboard = |actor: Actor, requested: &'static str| {
        let pool = pool.clone();
        async move {
            crate::admin::dashboard::ssr::load(&pool, &actor, requested, crate::admin::dashboard::Period::Today, now)
                .await
                .unwrap()
                .failed_refunds
        }
    };
    assert_eq!(dashboard(admin_a.clone(), "").await, 1);
    assert_eq!(dashboard(platform.clone(), "").await, 2);
}
