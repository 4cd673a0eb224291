//! Database tests of frequent visitors: scope, the phone sealed and indexed, duplicates, the
//! limit under concurrent saves, the blocklist, the audit trail and the recent list.

use super::*;
use crate::booking::ssr::{create, NewBooking};
use crate::domain::names::VisitorName;
use crate::ssr::{
    keys::KeyRing,
    test_support::{local, resident},
};
use sqlx::postgres::PgPoolOptions;
use std::sync::Arc;

fn keys() -> (Vault, BlindIndexer) {
    let ring = KeyRing::from_config(None, None, false).unwrap();
    (Vault::new(&ring), BlindIndexer::new(&ring).unwrap())
}

struct World {
    vault: Vault,
    indexer: BlindIndexer,
    building: Uuid,
    spot: Uuid,
    ana: Actor,
    beto: Actor,
}

async fn world(pool: &PgPool) -> World {
    let (vault, indexer) = keys();
    let building = crate::ssr::test_support::building(pool, "Torre A").await;
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
        .bind(building)
        .fetch_one(pool)
        .await
        .unwrap();
    let ana = resident(pool, &indexer, building, "ana@x.cl").await;
    let beto = resident(pool, &indexer, building, "beto@x.cl").await;
    World { vault, indexer, building, spot, ana, beto }
}

fn input(name: &str, plate: &str, phone: &str) -> VisitorInput {
    VisitorInput::parse(name, plate, phone).unwrap()
}

async fn add(pool: &PgPool, w: &World, who: &Actor, plate: &str) -> ServerResult<Uuid> {
    save(pool, &w.vault, &w.indexer, who, None, input("Pedro Pérez", plate, "+56 9 8765 4321"), &RequestMeta::default()).await
}

fn app_err<T: std::fmt::Debug>(r: ServerResult<T>) -> AppError {
    match r {
        Err(ServerError::App(e)) => e,
        other => panic!("expected an AppError, got {other:?}"),
    }
}

async fn audit_count(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn a_saved_visitor_round_trips_with_the_phone_sealed_and_indexed(pool: PgPool) {
    let w = world(&pool).await;
    let id = save(
        &pool,
        &w.vault,
        &w.indexer,
        &w.ana,
        None,
        input(" Pedro   Pérez ", "kh-jt 52", "9 8765 4321"),
        &RequestMeta::default(),
    )
    .await
    .unwrap();
    let (name, plate, enc, bidx): (String, String, Vec<u8>, Vec<u8>) =
        sqlx::query_as("select name, plate, phone_enc, phone_bidx from frequent_visitors where id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((name.as_str(), plate.as_str()), ("Pedro Pérez", "KHJT52"));
    assert!(!enc.windows(8).any(|w| w == b"98765432"), "the phone is not stored in clear");
    assert_eq!(w.vault.decrypt(&enc, &pii::frequent_visitor_phone(&id.to_string())).unwrap(), "+56987654321");
    assert_eq!(bidx, w.indexer.index(BlindField::Phone, "+56987654321").to_vec());

    let list = list(&pool, &w.vault, &w.ana).await.unwrap();
    assert_eq!(list.max, 50);
    assert_eq!(list.visitors.len(), 1);
    assert_eq!(list.visitors[0].plate, "KHJT-52");
    assert_eq!(list.visitors[0].phone_masked.as_deref(), Some(MobilePhone::parse("+56987654321").unwrap().masked().as_str()));
    let d = draft(&pool, &w.vault, &w.ana, VisitorRef::Saved(id)).await.unwrap();
    assert_eq!((d.name.as_str(), d.plate.as_str(), d.phone.as_str()), ("Pedro Pérez", "KHJT-52", "+56987654321"));

    // Editing removes the phone (both columns) and changes the plate.
    save(&pool, &w.vault, &w.indexer, &w.ana, Some(id), input("Pedro Pérez", "AB1234", ""), &RequestMeta::default())
        .await
        .unwrap();
    let (plate, enc, bidx): (String, Option<Vec<u8>>, Option<Vec<u8>>) =
        sqlx::query_as("select plate, phone_enc, phone_bidx from frequent_visitors where id = $1")
            .bind(id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((plate.as_str(), enc, bidx), ("AB1234", None, None));
    assert_eq!(audit_count(&pool, "frequent_visitor.created").await, 1);
    assert_eq!(audit_count(&pool, "frequent_visitor.updated").await, 1);
    delete(&pool, &w.ana, id, &RequestMeta::default()).await.unwrap();
    assert_eq!(audit_count(&pool, "frequent_visitor.deleted").await, 1);
    assert!(list_empty(&pool, &w).await);
    // The audit trail names the row, never the person or the car.
    let metadata: Vec<String> = sqlx::query_scalar("select metadata::text from audit_log where entity_type = 'frequent_visitor'")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert!(metadata.iter().all(|m| !m.contains("Pedro") && !m.contains("AB1234") && !m.contains("KHJT52")), "{metadata:?}");
}

async fn list_empty(pool: &PgPool, w: &World) -> bool {
    list(pool, &w.vault, &w.ana).await.unwrap().visitors.is_empty()
}

#[sqlx::test(migrations = "../migrations")]
async fn another_residents_visitor_is_not_found_for_every_operation(pool: PgPool) {
    let w = world(&pool).await;
    let anas = add(&pool, &w, &w.ana, "KHJT52").await.unwrap();
    assert_eq!(app_err(draft(&pool, &w.vault, &w.beto, VisitorRef::Saved(anas)).await), AppError::NotFound);
    let edit =
        save(&pool, &w.vault, &w.indexer, &w.beto, Some(anas), input("Intruso Malo", "BBBB12", ""), &RequestMeta::default())
            .await;
    assert_eq!(app_err(edit), AppError::NotFound);
    assert_eq!(app_err(delete(&pool, &w.beto, anas, &RequestMeta::default()).await), AppError::NotFound);
    assert_eq!(app_err(delete(&pool, &w.ana, Uuid::new_v4(), &RequestMeta::default()).await), AppError::NotFound);
    // Ana's visitor is untouched; Beto sees none.
    let (name, plate): (String, String) = sqlx::query_as("select name, plate from frequent_visitors where id = $1")
        .bind(anas)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((name.as_str(), plate.as_str()), ("Pedro Pérez", "KHJT52"));
    assert!(list(&pool, &w.vault, &w.beto).await.unwrap().visitors.is_empty());
    // A booking of Ana's is not a prefill for Beto either.
    let block = block(&pool, &w, &local(0, "20:00"), &local(1, "07:00")).await;
    let booked = book(&pool, &w, &w.ana, block, "KHJT52").await;
    assert_eq!(app_err(draft(&pool, &w.vault, &w.beto, VisitorRef::Booking(booked)).await), AppError::NotFound);
    let own = draft(&pool, &w.vault, &w.ana, VisitorRef::Booking(booked)).await.unwrap();
    assert_eq!((own.id.as_str(), own.plate.as_str(), own.phone.as_str()), ("", "KHJT-52", "+56987654321"));
    // Staff cannot use a resident's list at all.
    let staff = crate::ssr::test_support::staff(&pool, Role::BuildingAdmin, Some(w.building)).await;
    assert_eq!(app_err(list(&pool, &w.vault, &staff).await), AppError::Forbidden);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_second_entry_with_the_same_plate_is_a_field_error(pool: PgPool) {
    let w = world(&pool).await;
    let first = add(&pool, &w, &w.ana, "KHJT52").await.unwrap();
    let err = app_err(add(&pool, &w, &w.ana, "kh-jt-52").await);
    assert_eq!(err.field_message("plate").as_deref(), Some(DUPLICATE_PLATE_MESSAGE));
    // Editing another entry onto that plate too.
    let second = add(&pool, &w, &w.ana, "AB1234").await.unwrap();
    let err = app_err(
        save(&pool, &w.vault, &w.indexer, &w.ana, Some(second), input("Otra Persona", "KHJT52", ""), &RequestMeta::default())
            .await,
    );
    assert_eq!(err.field_message("plate").as_deref(), Some(DUPLICATE_PLATE_MESSAGE));
    // Another resident may save the same car.
    add(&pool, &w, &w.beto, "KHJT52").await.unwrap();
    let _ = first;
}

fn plate_number(i: usize) -> String {
    format!("ABCD{i:02}")
}

#[sqlx::test(migrations = "../migrations")]
async fn the_limit_holds_under_concurrent_saves(pool: PgPool) {
    let w = world(&pool).await;
    for i in 0..49 {
        add(&pool, &w, &w.ana, &plate_number(i)).await.unwrap();
    }
    // Ten tabs race for the last place: exactly one wins, on separate connections.
    let racers = PgPoolOptions::new()
        .max_connections(12)
        .connect_with((*pool.connect_options()).clone())
        .await
        .unwrap();
    let w = Arc::new(w);
    let tasks: Vec<_> = (0..10)
        .map(|i| {
            let (pool, w) = (racers.clone(), w.clone());
            tokio::spawn(async move { add(&pool, &w, &w.ana, &format!("ZZ{:04}", 1000 + i)).await })
        })
        .collect();
    let mut won = 0;
    for t in tasks {
        match t.await.unwrap() {
            Ok(_) => won += 1,
            Err(ServerError::App(AppError::Conflict(m))) => assert_eq!(m, LIMIT_MESSAGE),
            Err(e) => panic!("unexpected {e:?}"),
        }
    }
    assert_eq!(won, 1);
    let count: i64 = sqlx::query_scalar("select count(*) from frequent_visitors where resident_id = $1")
        .bind(w.ana.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(count, MAX_PER_RESIDENT);
    assert_eq!(app_err(add(&pool, &w, &w.ana, "XY9999").await), AppError::Conflict(LIMIT_MESSAGE.into()));
    // The limit is per resident.
    add(&pool, &w, &w.beto, "XY9999").await.unwrap();
}

#[sqlx::test(migrations = "../migrations")]
async fn a_blocklisted_plate_or_phone_is_refused_like_the_booking(pool: PgPool) {
    let w = world(&pool).await;
    let admin_id = crate::ssr::test_support::staff(&pool, Role::Admin, None).await.id;
    let entry = |kind: &'static str, value: &'static str, field: BlindField| {
        let (pool, bidx) = (pool.clone(), w.indexer.index(field, value).to_vec());
        async move {
            sqlx::query(
                "insert into blocklist_entries (id, building_id, kind, value_bidx, value_enc, value_display, reason, created_by)
                 values ($1, null, $2, $3, '\\x00', 'x', 'prueba', $4)",
            )
            .bind(Uuid::new_v4())
            .bind(kind)
            .bind(bidx)
            .bind(admin_id)
            .execute(&pool)
            .await
            .unwrap();
        }
    };
    entry("plate", "KHJT52", BlindField::Plate).await;
    assert_eq!(app_err(add(&pool, &w, &w.ana, "kh jt 52").await), AppError::Refused(BLOCKED_MESSAGE.into()));
    entry("phone", "+56987654321", BlindField::Phone).await;
    assert_eq!(app_err(add(&pool, &w, &w.ana, "AB1234").await), AppError::Refused(BLOCKED_MESSAGE.into()));
    // Without the phone the same visitor is fine.
    save(&pool, &w.vault, &w.indexer, &w.ana, None, input("Pedro Pérez", "AB1234", ""), &RequestMeta::default())
        .await
        .unwrap();
    assert_eq!(audit_count(&pool, "blocklist.hit").await, 2, "every refusal is audited");
    let saved: i64 = sqlx::query_scalar("select count(*) from frequent_visitors").fetch_one(&pool).await.unwrap();
    assert_eq!(saved, 1);
}

async fn block(pool: &PgPool, w: &World, start: &str, end: &str) -> Uuid {
    sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, $3::timestamptz, $4::timestamptz, 5000) returning id",
    )
    .bind(w.spot)
    .bind(w.building)
    .bind(start)
    .bind(end)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn book(pool: &PgPool, w: &World, who: &Actor, block: Uuid, plate: &str) -> Uuid {
    let new = NewBooking {
        block_id: block,
        visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
        plate: Plate::parse(plate).unwrap(),
        visitor_phone: Some(MobilePhone::parse("+56 9 8765 4321").unwrap()),
    };
    create(pool, &w.vault, &w.indexer, who, new, &RequestMeta::default()).await.unwrap().booking_id
}

#[sqlx::test(migrations = "../migrations")]
async fn the_booking_form_offers_five_recent_visitors_saved_first_and_booking_marks_use(pool: PgPool) {
    let w = world(&pool).await;
    sqlx::query("update buildings set max_active_bookings_per_resident = 20 where id = $1")
        .bind(w.building)
        .execute(&pool)
        .await
        .unwrap();
    let saved_khjt = add(&pool, &w, &w.ana, "KHJT52").await.unwrap();
    // Seven bookings, each a different car, one of them the saved one.
    for (i, plate) in ["AB1001", "AB1002", "AB1003", "AB1004", "AB1005", "AB1006", "KHJT52"].iter().enumerate() {
        let day = i64::try_from(i).unwrap();
        let b = block(&pool, &w, &local(day, "20:00"), &local(day + 1, "07:00")).await;
        book(&pool, &w, &w.ana, b, plate).await;
    }
    let recent = recent(&pool, &w.ana).await.unwrap();
    assert_eq!(recent.len(), RECENT_COUNT);
    // The last booked car is the saved visitor, offered as the saved entry.
    assert_eq!(recent[0].reference, VisitorRef::Saved(saved_khjt).encode());
    assert_eq!(recent[0].plate, "KHJT-52");
    let plates: Vec<&str> = recent.iter().map(|r| r.plate.as_str()).collect();
    assert_eq!(plates, ["KHJT-52", "AB-10-06", "AB-10-05", "AB-10-04", "AB-10-03"]);
    let used: Option<DateTime<Utc>> = sqlx::query_scalar("select last_used_at from frequent_visitors where id = $1")
        .bind(saved_khjt)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert!(used.is_some(), "booking for a saved visitor marks it used");
    // Another resident's bookings never show up.
    assert!(recent_of(&pool, &w.beto).await.is_empty());
}

async fn recent_of(pool: &PgPool, who: &Actor) -> Vec<RecentVisitor> {
    recent(pool, who).await.unwrap()
}
