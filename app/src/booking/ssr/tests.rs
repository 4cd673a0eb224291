//! Database tests of the booking transaction: prices, blocklist, limits, scope and races.

use super::*;
use crate::domain::booking::BookingEvent;
use crate::domain::{money::Clp, names::VisitorName, phone::MobilePhone, plate::Plate};
use crate::error::AppError;
use crate::ssr::test_support::{local, resident, test_day};
use crate::ssr::{
    actor::Actor,
    audit::{AuditActor, RequestMeta},
    blind_index::{BlindField, BlindIndexer},
    keys::KeyRing,
    vault::Vault,
};
use chrono::Utc;
use serde_json::json;
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;
use std::sync::Arc;
use uuid::Uuid;

struct World {
    vault: Vault,
    indexer: BlindIndexer,
    building: Uuid,
    other_building: Uuid,
    resident: Actor,
    night: Uuid,
    full_day: Uuid,
    other_block: Uuid,
}

fn keys() -> (Vault, BlindIndexer) {
    let ring = KeyRing::from_config(None, None, false).unwrap();
    (Vault::new(&ring), BlindIndexer::new(&ring).unwrap())
}

async fn block(pool: &PgPool, building: Uuid, spot: Uuid, start: &str, end: &str, base: i64) -> Uuid {
    sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, $3::timestamptz, $4::timestamptz, $5) returning id",
    )
    .bind(spot)
    .bind(building)
    .bind(start)
    .bind(end)
    .bind(base)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn world(pool: &PgPool) -> World {
    let (vault, indexer) = keys();
    let mk = |name: &'static str| async move {
        let b: Uuid = sqlx::query_scalar("insert into buildings (name, address) values ($1, 'Av. Italia 1000') returning id")
            .bind(name)
            .fetch_one(pool)
            .await
            .unwrap();
        let s: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
            .bind(b)
            .fetch_one(pool)
            .await
            .unwrap();
        (b, s)
    };
    let (building, spot) = mk("Torre A").await;
    let (other_building, other_spot) = mk("Torre B").await;
    let resident = resident(pool, &indexer, building, "camila@x.cl").await;
    // On the test day, a month ahead of the clock, so the blocks never fall into the past.
    let night = block(pool, building, spot, &local(0, "20:00"), &local(1, "07:00"), 3000).await;
    let full_day = block(pool, building, spot, &local(0, "08:00"), &local(1, "07:00"), 8000).await;
    let other_block = block(pool, other_building, other_spot, &local(0, "20:00"), &local(1, "07:00"), 3000).await;
    World { vault, indexer, building, other_building, resident, night, full_day, other_block }
}

fn request(block: Uuid, plate: &str) -> NewBooking {
    NewBooking {
        block_id: block,
        visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
        plate: Plate::parse(plate).unwrap(),
        visitor_phone: Some(MobilePhone::parse("+56 9 8765 4321").unwrap()),
    }
}

async fn book(pool: &PgPool, w: &World, actor: &Actor, block: Uuid, plate: &str) -> ServerResult<Created> {
    create(pool, &w.vault, &w.indexer, actor, request(block, plate), &RequestMeta::default()).await
}

fn app_err(r: ServerResult<Created>) -> AppError {
    match r {
        Err(ServerError::App(e)) => e,
        other => panic!("expected an AppError, got {other:?}"),
    }
}

#[sqlx::test(migrations = "../migrations")]
async fn the_effective_price_uses_the_highest_priority_rule_exactly(pool: PgPool) {
    let w = world(&pool).await;
    // Overlapping rules: priority 5 at ×1,1 beats priority 1 at ×2; an inactive ×3 rule is ignored.
    for (priority, bp, active) in [(1, 20000, true), (5, 11000, true), (9, 30000, false)] {
        sqlx::query(
            "insert into pricing_rules (building_id, name, priority, starts_at, ends_at, multiplier_bp, active)
             values ($1, 'Regla', $2, $5::timestamptz, $6::timestamptz, $3, $4)",
        )
        .bind(w.building)
        .bind(priority)
        .bind(bp)
        .bind(active)
        .bind(local(-14, "00:00"))
        .bind(local(17, "00:00"))
        .execute(&pool)
        .await
        .unwrap();
    }
    let created = book(&pool, &w, &w.resident, w.night, "KHJT52").await.unwrap();
    assert_eq!(created.amount, Clp::new(3300), "3.000 × 1,1 = 3.300, never 3.301");
    let (amount, multiplier, commission, share): (i64, i32, i64, i64) = sqlx::query_as(
        "select amount_clp, multiplier_bp, platform_commission_clp, building_share_clp from bookings where id = $1",
    )
    .bind(created.booking_id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((amount, multiplier, commission, share), (3300, 11000, 330, 2970));
    // The same number search shows.
    let result = search(&pool, &w.resident, Some(test_day()), None, Utc::now()).await.unwrap();
    let full = result.cards.iter().find(|c| c.block_id == w.full_day.to_string()).unwrap();
    assert_eq!(full.price, "$8.800");
    assert!(!full.available, "the 23 h block overlaps the booked night");
    let night = result.cards.iter().find(|c| c.block_id == w.night.to_string()).unwrap();
    assert_eq!(night.price, "$3.300");
    assert!(!night.available);
}

#[sqlx::test(migrations = "../migrations")]
async fn every_blocklist_kind_blocks_in_any_spelling_globally_and_per_building(pool: PgPool) {
    let w = world(&pool).await;
    let admin: Uuid = sqlx::query_scalar(
        "insert into users (email, password_hash, role, status, full_name) values ('adm@x.cl', 'x', 'admin', 'active', 'Admin') returning id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let add = |kind: &'static str, canonical: String, building: Option<Uuid>| {
        let pool = pool.clone();
        let field = match kind {
            "email" => BlindField::Email,
            "rut" => BlindField::Rut,
            "phone" => BlindField::Phone,
            "plate" => BlindField::Plate,
            _ => BlindField::Ip,
        };
        let bidx = w.indexer.index(field, &canonical).to_vec();
        // Entries store their value encrypted too, so a blind-index key rotation can re-index them.
        let id = Uuid::new_v4();
        let enc = w.vault.encrypt(&canonical, &crate::ssr::pii::BLOCKLIST_VALUE.aad(&id.to_string())).unwrap();
        async move {
            sqlx::query(
                "insert into blocklist_entries (id, building_id, kind, value_bidx, value_enc, value_display, reason, created_by)
                 values ($1, $2, $3, $4, $5, 'x', 'prueba', $6) returning id",
            )
            .bind(id)
            .bind(building)
            .bind(kind)
            .bind(bidx)
            .bind(enc)
            .bind(admin)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    let refused = |r: ServerResult<Created>| matches!(app_err(r), AppError::Refused(m) if m == BLOCKED_MESSAGE);

    // Visitor plate, entered as "zz-zz 99", listed globally as ZZZZ99.
    add("plate", Plate::parse("ZZZZ99").unwrap().as_str().to_string(), None).await;
    assert!(refused(book(&pool, &w, &w.resident, w.night, "zz-zz 99").await));
    // Visitor phone, listed for this building only.
    add("phone", "+56987654321".into(), Some(w.building)).await;
    assert!(refused(book(&pool, &w, &w.resident, w.night, "KHJT52").await));
    sqlx::query("delete from blocklist_entries where kind = 'phone'").execute(&pool).await.unwrap();
    // The resident's email, any case.
    add("email", "camila@x.cl".into(), Some(w.building)).await;
    assert!(refused(book(&pool, &w, &w.resident, w.night, "KHJT52").await));
    sqlx::query("delete from blocklist_entries where kind = 'email'").execute(&pool).await.unwrap();
    // An entry of another building does not apply here.
    add("plate", "BBBB12".into(), Some(w.other_building)).await;
    let ok = book(&pool, &w, &w.resident, w.night, "BB-BB-12").await.unwrap();
    let hits: i64 = sqlx::query_scalar("select count(*) from audit_log where action = 'blocklist.hit'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(hits, 3, "every refusal is audited");
    let _ = ok;
}

#[sqlx::test(migrations = "../migrations")]
async fn another_buildings_block_is_not_found_and_the_limit_holds(pool: PgPool) {
    let w = world(&pool).await;
    assert_eq!(app_err(book(&pool, &w, &w.resident, w.other_block, "KHJT52").await), AppError::NotFound);
    sqlx::query("update buildings set max_active_bookings_per_resident = 1 where id = $1")
        .bind(w.building)
        .execute(&pool)
        .await
        .unwrap();
    let spot2: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-02') returning id")
        .bind(w.building)
        .fetch_one(&pool)
        .await
        .unwrap();
    let second = block(&pool, w.building, spot2, &local(5, "08:00"), &local(5, "19:00"), 5000).await;
    book(&pool, &w, &w.resident, w.night, "KHJT52").await.unwrap();
    assert!(
        matches!(app_err(book(&pool, &w, &w.resident, second, "KHJT52").await), AppError::Conflict(m) if m.contains("máximo"))
    );
}

#[sqlx::test(migrations = "../migrations")]
async fn cancelling_frees_the_block_and_illegal_transitions_are_refused(pool: PgPool) {
    let w = world(&pool).await;
    let created = book(&pool, &w, &w.resident, w.night, "KHJT52").await.unwrap();
    let mut tx = pool.begin().await.unwrap();
    let err = crate::booking::transition::apply(
        &mut tx,
        created.booking_id,
        BookingEvent::CheckIn,
        &AuditActor::System,
        &RequestMeta::default(),
        json!({}),
    )
    .await
    .unwrap_err();
    assert!(matches!(err, ServerError::App(AppError::Conflict(_))));
    drop(tx);
    let mut tx = pool.begin().await.unwrap();
    crate::booking::transition::apply(
        &mut tx,
        created.booking_id,
        BookingEvent::Cancel,
        &w.resident.audit(),
        &RequestMeta::default(),
        json!({"reason": "cambio de planes"}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let status: String = sqlx::query_scalar("select status from availability_blocks where id = $1")
        .bind(w.night)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "available");
    // The same block (and the overlapping 23 h one) can be booked again.
    book(&pool, &w, &w.resident, w.full_day, "KHJT52").await.unwrap();
}

async fn race(pool: &PgPool, w: Arc<World>, blocks: Vec<Uuid>, n: usize) -> (usize, usize) {
    let wide = PgPoolOptions::new()
        .max_connections(40)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let mut residents = Vec::new();
    for i in 0..n {
        residents.push(resident(&wide, &w.indexer, w.building, &format!("r{i}@x.cl")).await);
    }
    let barrier = Arc::new(tokio::sync::Barrier::new(n));
    let mut tasks = Vec::new();
    for (i, r) in residents.into_iter().enumerate() {
        let (wide, w, barrier, block) = (wide.clone(), w.clone(), barrier.clone(), blocks[i % blocks.len()]);
        tasks.push(tokio::spawn(async move {
            barrier.wait().await;
            book(&wide, &w, &r, block, "KHJT52").await
        }));
    }
    let (mut won, mut taken) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(ServerError::App(AppError::Conflict(m))) if m == TAKEN_MESSAGE => taken += 1,
            Err(other) => panic!("a lost race must be the Spanish conflict, got {other:?}"),
        }
    }
    (won, taken)
}

#[sqlx::test(migrations = "../migrations")]
async fn two_hundred_residents_racing_for_one_block_one_wins(pool: PgPool) {
    let w = Arc::new(world(&pool).await);
    let (won, taken) = race(&pool, w.clone(), vec![w.night], 200).await;
    assert_eq!((won, taken), (1, 199));
    let rows: i64 = sqlx::query_scalar("select count(*) from bookings").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_23_hour_block_and_the_11_hour_night_raced_together_one_wins(pool: PgPool) {
    let w = Arc::new(world(&pool).await);
    let (won, taken) = race(&pool, w.clone(), vec![w.night, w.full_day], 40).await;
    assert_eq!((won, taken), (1, 39));
}

/// One resident at the limit minus two, booking ten free blocks at once from ten tabs: the
/// per-resident lock lets exactly two through, the others get the limit's message, and every
/// refused block is still available (the claim went back with the refused transaction).
#[sqlx::test(migrations = "../migrations")]
async fn one_resident_booking_from_ten_tabs_at_once_stays_within_the_limit(pool: PgPool) {
    let w = Arc::new(world(&pool).await);
    sqlx::query("update buildings set max_active_bookings_per_resident = 2 where id = $1")
        .bind(w.building)
        .execute(&pool)
        .await
        .unwrap();
    let mut blocks = Vec::new();
    for n in 2..12 {
        let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
            .bind(w.building)
            .bind(format!("V-{n:02}"))
            .fetch_one(&pool)
            .await
            .unwrap();
        blocks.push(block(&pool, w.building, spot, &local(3, "08:00"), &local(3, "19:00"), 4000).await);
    }
    let wide = PgPoolOptions::new()
        .max_connections(12)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let barrier = Arc::new(tokio::sync::Barrier::new(blocks.len()));
    let tasks: Vec<_> = blocks
        .iter()
        .map(|&b| {
            let (wide, w, barrier) = (wide.clone(), w.clone(), barrier.clone());
            tokio::spawn(async move {
                barrier.wait().await;
                book(&wide, &w, &w.resident, b, "KHJT52").await
            })
        })
        .collect();
    let (mut won, mut at_limit) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(ServerError::App(AppError::Conflict(m))) if m.contains("máximo") => at_limit += 1,
            Err(other) => panic!("a refusal over the limit must be its Spanish conflict, got {other:?}"),
        }
    }
    assert_eq!((won, at_limit), (2, 8));
    let (bookings, reserved): (i64, i64) = sqlx::query_as(
        "select (select count(*) from bookings where resident_id = $1),
                (select count(*) from availability_blocks where id = any($2) and status <> 'available')",
    )
    .bind(w.resident.id)
    .bind(&blocks)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!((bookings, reserved), (2, 2));
}

#[sqlx::test(migrations = "../migrations")]
async fn my_bookings_and_the_guest_pass_follow_the_booking(pool: PgPool) {
    let w = world(&pool).await;
    let created = book(&pool, &w, &w.resident, w.night, "khjt-52").await.unwrap();
    let token: String = sqlx::query_scalar("select guest_pass_token from bookings where id = $1")
        .bind(created.booking_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(token.len() >= 43, "256-bit token");
    // Pending: no code shown, no pass yet, can pay.
    let mine = my_bookings(&pool, &w.resident, Utc::now()).await.unwrap();
    assert_eq!(mine.len(), 1);
    assert!(mine[0].can_pay && mine[0].code.is_none() && mine[0].guest_pass.is_none());
    assert_eq!(mine[0].plate, "KHJT-52");
    assert!(matches!(
        guest_pass(&pool, &token, "https://estacionate.cl", Utc::now()).await,
        Err(ServerError::App(AppError::NotFound))
    ));

    let mut tx = pool.begin().await.unwrap();
    crate::booking::transition::apply(
        &mut tx,
        created.booking_id,
        BookingEvent::PaymentApproved,
        &AuditActor::System,
        &RequestMeta::default(),
        json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    let mine = my_bookings(&pool, &w.resident, Utc::now()).await.unwrap();
    assert_eq!(mine[0].status, "Confirmada");
    assert_eq!(mine[0].guest_pass.as_deref(), Some(format!("/pase/{token}").as_str()));
    let pass = guest_pass(&pool, &token, "https://estacionate.cl", Utc::now()).await.unwrap();
    assert_eq!(pass.state, "valid");
    assert_eq!(Some(pass.code.clone()), mine[0].code);
    assert!(pass.qr_svg.contains("<svg") && pass.qr_svg.contains("<path"));
    assert_eq!(pass.building, "Torre A");

    let mut tx = pool.begin().await.unwrap();
    crate::booking::transition::apply(
        &mut tx,
        created.booking_id,
        BookingEvent::Cancel,
        &w.resident.audit(),
        &RequestMeta::default(),
        json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(guest_pass(&pool, &token, "https://estacionate.cl", Utc::now()).await.unwrap().state, "cancelled");
    // Another resident's list never shows it.
    let other = resident(&pool, &w.indexer, w.building, "otro@x.cl").await;
    assert!(my_bookings(&pool, &other, Utc::now()).await.unwrap().is_empty());
}
