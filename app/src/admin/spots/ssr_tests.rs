//! Database tests of spots, closures and template prices: what blocks each change touches (only
//! future available ones), what it leaves (reserved and past blocks, bookings), and that the
//! preview's count is what the save changes.

use super::*;
use crate::admin::templates::ssr as templates;
use crate::domain::inventory::TemplateInput;
use crate::domain::money::Clp;
use crate::domain::role::Role;
use crate::ssr::db::is_violation;
use crate::ssr::test_support::{app_error, building, keys, resident, staff};
use chrono::{Duration, NaiveDateTime};

/// A spot of `building` with three Noche-like blocks: yesterday (past), in 2 days (reserved
/// by a booking) and in 3 days (available), plus one in 4 days (available). Returns
/// (spot, template, [past, reserved, available3, available4]).
async fn spot_with_blocks(pool: &PgPool, building: Uuid, booker: Uuid) -> (Uuid, Uuid, [Uuid; 4]) {
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
        .bind(building)
        .fetch_one(pool)
        .await
        .unwrap();
    let template: Uuid = sqlx::query_scalar(
        "insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp) values ($1, 'Noche', '20:00', 660, 5000) returning id",
    )
    .bind(building)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut ids = [Uuid::nil(); 4];
    for (i, (days, status)) in [(-1, "available"), (2, "reserved"), (3, "available"), (4, "available")].into_iter().enumerate() {
        ids[i] = sqlx::query_scalar(
            "insert into availability_blocks (spot_id, building_id, template_id, starts_at, ends_at, base_price_clp, status)
             values ($1, $2, $3, date_trunc('hour', now()) + make_interval(days => $4), date_trunc('hour', now()) + make_interval(days => $4, hours => 11), 5000, $5)
             returning id",
        )
        .bind(spot)
        .bind(building)
        .bind(template)
        .bind(days)
        .bind(status)
        .fetch_one(pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate, base_price_clp, amount_clp,
                               commission_rate_bp, platform_commission_clp, building_share_clp, status, payment_status,
                               confirmation_code, guest_pass_token, confirmed_at)
         select id, spot_id, building_id, $2, during, 'Pedro Pérez', 'KHJT52', 5000, 5000, 1000, 500, 4500, 'confirmed', 'paid',
                'ABCD2345', md5('x') || md5('y'), now() from availability_blocks where id = $1",
    )
    .bind(ids[1])
    .bind(booker)
    .execute(pool)
    .await
    .unwrap();
    (spot, template, ids)
}

async fn statuses(pool: &PgPool, ids: &[Uuid; 4]) -> Vec<(String, i64)> {
    let mut out = Vec::new();
    for id in ids {
        out.push(
            sqlx::query_as("select status, base_price_clp from availability_blocks where id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap(),
        );
    }
    out
}

/// Torre A (`a`), its spot with its four blocks (one booked by a resident of A), and who acts on it: A's
/// admin, B's admin (another building) and support (reads only).
struct Staffed {
    a: Uuid,
    admin_a: Actor,
    admin_b: Actor,
    support: Actor,
    spot: Uuid,
    template: Uuid,
    ids: [Uuid; 4],
}

/// Creates [`Staffed`].
async fn staffed(pool: &PgPool) -> Staffed {
    let (_, indexer) = keys();
    let a = building(pool, "Torre A").await;
    let b = building(pool, "Torre B").await;
    let res = resident(pool, &indexer, a, "r@x.cl").await;
    let (spot, template, ids) = spot_with_blocks(pool, a, res.id).await;
    Staffed {
        a,
        admin_a: staff(pool, Role::BuildingAdmin, Some(a)).await,
        admin_b: staff(pool, Role::BuildingAdmin, Some(b)).await,
        support: staff(pool, Role::Support, None).await,
        spot,
        template,
        ids,
    }
}

fn local(pool_now: DateTime<Utc>, days: i64) -> NaiveDateTime {
    let tz: Tz = "America/Santiago".parse().unwrap();
    (pool_now + Duration::days(days)).with_timezone(&tz).naive_local()
}

#[sqlx::test(migrations = "../migrations")]
async fn closures_block_future_available_blocks_and_lifting_reopens_them(pool: PgPool) {
    let Staffed { a, admin_a, admin_b, support, spot, ids, .. } = staffed(&pool).await;
    let meta = RequestMeta::default();
    let now = Utc::now();
    let a_ = |s: &str, p: i64| (s.to_string(), p);

    // A closure from yesterday to 3.5 days ahead covers the past, reserved and day-3 blocks.
    let input = ClosureInput { from: local(now, -2), until: local(now, 3) + Duration::hours(12), reason: "Pintura".into() };
    assert_eq!(app_error(close(&pool, &admin_b, spot, &input, now, &meta).await), AppError::NotFound);
    assert_eq!(app_error(close(&pool, &support, spot, &input, now, &meta).await), AppError::Forbidden);
    let closed = close(&pool, &admin_a, spot, &input, now, &meta).await.unwrap();
    assert_eq!((closed.blocked, closed.bookings), (1, 1));
    assert_eq!(
        statuses(&pool, &ids).await,
        [a_("available", 5000), a_("reserved", 5000), a_("blocked", 5000), a_("available", 5000)]
    );
    // A second, overlapping closure keeps day 3 blocked when the first is lifted.
    let second = ClosureInput { from: local(now, 3), until: local(now, 3) + Duration::hours(1), reason: "Sello".into() };
    let closed2 = close(&pool, &admin_a, spot, &second, now, &meta).await.unwrap();
    assert_eq!(closed2.blocked, 0);
    let l = list(&pool, &admin_a, a, now).await.unwrap();
    assert_eq!(l.closures.len(), 2);
    assert_eq!(l.closures[0].bookings.iter().map(|b| b.code.as_str()).collect::<Vec<_>>(), ["ABCD2345"]);
    assert_eq!(app_error(list(&pool, &admin_b, a, now).await), AppError::NotFound);
    assert_eq!(app_error(lift(&pool, &admin_b, closed.closure_id, now, &meta).await), AppError::NotFound);
    let (_, reopened) = lift(&pool, &admin_a, closed.closure_id, now, &meta).await.unwrap();
    assert_eq!(reopened, 0, "the second closure still covers day 3");
    let (_, reopened) = lift(&pool, &admin_a, closed2.closure_id, now, &meta).await.unwrap();
    assert_eq!(reopened, 1);
    assert_eq!(
        statuses(&pool, &ids).await,
        [a_("available", 5000), a_("reserved", 5000), a_("available", 5000), a_("available", 5000)]
    );

    // The generator creates blocks inside a closure as blocked (the same representation).
    close(&pool, &admin_a, spot, &input, now, &meta).await.unwrap();

    // Deactivating the spot blocks its future available blocks; reactivating reopens those
    // no closure covers.
    let (_, changed) = set_active(&pool, &admin_a, spot, false, now, &meta).await.unwrap();
    assert_eq!(changed, 1, "only day 4 was still available");
    assert_eq!(
        statuses(&pool, &ids).await,
        [a_("available", 5000), a_("reserved", 5000), a_("blocked", 5000), a_("blocked", 5000)]
    );
    let (_, changed) = set_active(&pool, &admin_a, spot, true, now, &meta).await.unwrap();
    assert_eq!(changed, 1, "day 3 stays closed");
    assert_eq!(
        statuses(&pool, &ids).await,
        [a_("available", 5000), a_("reserved", 5000), a_("blocked", 5000), a_("available", 5000)]
    );
    let booking: String = sqlx::query_scalar("select status from bookings where block_id = $1")
        .bind(ids[1])
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(booking, "confirmed", "closures never cancel bookings");

    // Spot creation: duplicate numbers are a field error; scope holds.
    let dup = SpotInput::parse("V-01", "", "").unwrap();
    assert_eq!(
        app_error(create(&pool, &admin_a, a, &dup, &meta).await),
        AppError::field("number", "Ya existe un estacionamiento con ese número en este edificio.")
    );
    let new = SpotInput::parse("V-02", "Techado", "Junto al ascensor").unwrap();
    assert_eq!(app_error(create(&pool, &admin_b, a, &new, &meta).await), AppError::NotFound);
    create(&pool, &admin_a, a, &new, &meta).await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where building_id = $1 order by id")
        .bind(a)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(
        actions,
        [
            "spot.closed",
            "spot.closed",
            "spot.closure_lifted",
            "spot.closure_lifted",
            "spot.closed",
            "spot.deactivated",
            "spot.reactivated",
            "spot.created"
        ]
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn a_new_base_price_reaches_only_future_available_blocks_as_previewed(pool: PgPool) {
    let Staffed { a, admin_a, admin_b, support, spot, template, ids } = staffed(&pool).await;
    let meta = RequestMeta::default();
    let now = Utc::now();
    let a_ = |s: &str, p: i64| (s.to_string(), p);
    // Day 3 is closed: blocked blocks keep their price too.
    let input = ClosureInput { from: local(now, 3), until: local(now, 3) + Duration::hours(1), reason: "Pintura".into() };
    close(&pool, &admin_a, spot, &input, now, &meta).await.unwrap();

    let preview = templates::price_preview(&pool, &support, template, "Noche", Clp::new(6_000), now).await.unwrap();
    assert_eq!((preview.blocks, preview.from.as_str(), preview.to.as_str()), (1, "$5.000", "$6.000"));
    assert_eq!(
        app_error(templates::price_preview(&pool, &admin_b, template, "Noche", Clp::new(6_000), now).await),
        AppError::NotFound
    );
    assert_eq!(
        app_error(templates::update(&pool, &support, template, "Noche", Clp::new(6_000), now, &meta).await),
        AppError::Forbidden
    );
    assert_eq!(
        app_error(templates::update(&pool, &admin_b, template, "Noche", Clp::new(6_000), now, &meta).await),
        AppError::NotFound
    );
    let (_, changed) = templates::update(&pool, &admin_a, template, "Noche larga", Clp::new(6_000), now, &meta)
        .await
        .unwrap();
    assert_eq!(changed as i64, preview.blocks);
    assert_eq!(
        statuses(&pool, &ids).await,
        [a_("available", 5000), a_("reserved", 5000), a_("blocked", 5000), a_("available", 6000)]
    );
    let price: (String, i64) = sqlx::query_as("select name, base_price_clp from block_templates where id = $1")
        .bind(template)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(price, ("Noche larga".into(), 6000));
    let meta_row: serde_json::Value =
        sqlx::query_scalar("select metadata from audit_log where action = 'block_template.updated'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(meta_row["blocks_repriced"], 1);
    // Saving the same price again changes nothing, and the preview says so.
    let same = templates::price_preview(&pool, &admin_a, template, "Noche larga", Clp::new(6_000), now)
        .await
        .unwrap();
    assert_eq!(same.blocks, 0);

    // Templates: creation, a duplicate name is a field error, deactivation blocks future
    // available blocks and reactivation reopens them (not the closed one).
    let t = TemplateInput::parse("Tarde", "14:00", "4", "3.000").unwrap();
    templates::create(&pool, &admin_a, a, &t, &meta).await.unwrap();
    assert_eq!(
        app_error(templates::create(&pool, &admin_a, a, &t, &meta).await),
        AppError::field("name", "Ya existe un bloque con ese nombre en este edificio.")
    );
    assert_eq!(app_error(templates::create(&pool, &admin_b, a, &t, &meta).await), AppError::NotFound);
    let (_, off) = templates::set_active(&pool, &admin_a, template, false, now, &meta).await.unwrap();
    assert_eq!(off, 1);
    let (_, on) = templates::set_active(&pool, &admin_a, template, true, now, &meta).await.unwrap();
    assert_eq!(on, 1);
    assert_eq!(
        statuses(&pool, &ids).await,
        [a_("available", 5000), a_("reserved", 5000), a_("blocked", 5000), a_("available", 6000)]
    );
    let l = templates::list(&pool, &admin_a, a, now).await.unwrap();
    assert_eq!(
        l.rows
            .iter()
            .map(|r| (r.name.as_str(), r.start.as_str(), r.duration.as_str(), r.price.as_str()))
            .collect::<Vec<_>>(),
        [("Noche larga", "20:00", "11 h", "$6.000"), ("Tarde", "14:00", "4 h", "$3.000")]
    );
    assert_eq!(app_error(templates::list(&pool, &admin_b, a, now).await), AppError::NotFound);
}

#[sqlx::test(migrations = "../migrations")]
async fn spots_are_placed_on_the_plan_within_scope_and_never_overlap(pool: PgPool) {
    use crate::domain::plan::Position;
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let admin_b = staff(&pool, Role::BuildingAdmin, Some(b)).await;
    let support = staff(&pool, Role::Support, None).await;
    let concierge = staff(&pool, Role::Concierge, Some(a)).await;
    let meta = RequestMeta::default();
    let mut spots = Vec::new();
    for n in ["V-01", "V-02", "V-03", "V-04"] {
        spots.push(create(&pool, &admin_a, a, &SpotInput::parse(n, "", "").unwrap(), &meta).await.unwrap());
    }
    let spot_b = create(&pool, &admin_b, b, &SpotInput::parse("V-01", "", "").unwrap(), &meta).await.unwrap();
    let at = Position::new;
    let position = |id: Uuid| {
        let pool = pool.clone();
        async move {
            sqlx::query_as::<_, (Option<i16>, Option<i16>)>("select map_x, map_y from visitor_spots where id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };

    // Another building's admin, support, a concierge and an unknown spot change nothing.
    assert_eq!(app_error(place(&pool, &admin_b, spots[0], at(100, 100), &meta).await), AppError::NotFound);
    assert_eq!(app_error(place(&pool, &support, spots[0], at(100, 100), &meta).await), AppError::Forbidden);
    assert_eq!(app_error(place(&pool, &concierge, spots[0], at(100, 100), &meta).await), AppError::Forbidden);
    assert_eq!(app_error(place(&pool, &admin_a, Uuid::new_v4(), at(100, 100), &meta).await), AppError::NotFound);
    assert_eq!(position(spots[0]).await, (None, None));

    assert_eq!(place(&pool, &admin_a, spots[0], at(100, 100), &meta).await.unwrap(), a);
    assert_eq!(position(spots[0]).await, (Some(100), Some(100)));
    // Another building's plan is its own.
    place(&pool, &admin_b, spot_b, at(100, 100), &meta).await.unwrap();
    // An overlapping box is a field error and nothing changes; a touching one is fine.
    let clash = AppError::field(
        "map_x",
        "Ese lugar del plano choca con otro estacionamiento: sepáralos al menos 80 en horizontal o 60 en vertical.",
    );
    assert_eq!(app_error(place(&pool, &admin_a, spots[1], at(179, 159), &meta).await), clash);
    assert_eq!(position(spots[1]).await, (None, None));
    place(&pool, &admin_a, spots[1], at(180, 100), &meta).await.unwrap();

    // Two admins placing two spots on overlapping boxes at the same moment: exactly one wins.
    let (first, second) = tokio::join!(
        place(&pool, &admin_a, spots[2], at(500, 300), &meta),
        place(&pool, &admin_a, spots[3], at(520, 320), &meta),
    );
    assert_eq!([first.is_ok(), second.is_ok()].iter().filter(|ok| **ok).count(), 1, "{first:?} {second:?}");
    let loser = if first.is_ok() { second } else { first };
    assert_eq!(app_error(loser), clash);

    // The listing shows positions, and the unplaced spots drawn where nothing overlaps.
    let l = list(&pool, &admin_a, a, Utc::now()).await.unwrap();
    assert_eq!(l.spots[0].position, Some((100, 100)));
    assert_eq!(l.spots[0].drawn_at, (100, 100));
    let unplaced: Vec<_> = l.spots.iter().filter(|s| s.position.is_none()).collect();
    assert_eq!(unplaced.len(), 1);
    for s in &l.spots {
        for o in &l.spots {
            if s.id != o.id {
                let (p, q) = (Position { x: s.drawn_at.0, y: s.drawn_at.1 }, Position { x: o.drawn_at.0, y: o.drawn_at.1 });
                assert!(!crate::domain::plan::overlaps(p, q), "{} and {} overlap", s.number, o.number);
            }
        }
    }
    assert_eq!(l.plan_height, crate::domain::plan::PLAN_HEIGHT);

    // Taking a spot off the plan; saving the same position again records nothing.
    place(&pool, &admin_a, spots[0], None, &meta).await.unwrap();
    assert_eq!(position(spots[0]).await, (None, None));
    place(&pool, &admin_a, spots[1], at(180, 100), &meta).await.unwrap();
    let audited: Vec<(String, serde_json::Value)> = sqlx::query_as(
        "select action, metadata from audit_log where building_id = $1 and action like 'spot.%placed' order by id",
    )
    .bind(a)
    .fetch_all(&pool)
    .await
    .unwrap();
    let actions: Vec<&str> = audited.iter().map(|r| r.0.as_str()).collect();
    assert_eq!(actions, ["spot.placed", "spot.placed", "spot.placed", "spot.unplaced"]);
    assert_eq!(audited[0].1, json!({ "number": "V-01", "from": null, "to": [100, 100] }));
    assert_eq!(audited[3].1, json!({ "number": "V-01", "from": [100, 100], "to": null }));

    // The database refuses what the form would: off the plan, and half a position.
    let off = sqlx::query("update visitor_spots set map_x = 961, map_y = 100 where id = $1")
        .bind(spots[0])
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(is_violation(&off, "visitor_spots_map_position_check"));
    let half = sqlx::query("update visitor_spots set map_x = 500 where id = $1")
        .bind(spots[0])
        .execute(&pool)
        .await
        .unwrap_err();
    assert!(is_violation(&half, "visitor_spots_map_position_check"));
}
