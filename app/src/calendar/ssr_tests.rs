//! Database tests of calendar files and feeds, read back with a real iCalendar parser.

use super::*;
use crate::booking::ssr::{create, NewBooking};
use crate::domain::{names::VisitorName, plate::Plate};
use crate::ssr::{
    blind_index::BlindIndexer,
    keys::KeyRing,
    test_support::{local, local_at, resident},
};
use icalendar::{Calendar, Component as _, EventLike as _};

const ORIGIN: &str = "https://estacionate.test";

struct World {
    vault: Vault,
    indexer: BlindIndexer,
    building: Uuid,
    spot: Uuid,
    ana: Actor,
    beto: Actor,
}

async fn world(pool: &PgPool) -> World {
    let ring = KeyRing::from_config(None, None, false).unwrap();
    let (vault, indexer) = (Vault::new(&ring), BlindIndexer::new(&ring).unwrap());
    let building: Uuid = sqlx::query_scalar(
        "insert into buildings (name, address, max_active_bookings_per_resident) values ('Torre A', 'Av. Italia 1000, Ñuñoa', 20) returning id",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-07') returning id")
        .bind(building)
        .fetch_one(pool)
        .await
        .unwrap();
    let ana = resident(pool, &indexer, building, "ana@x.cl").await;
    let beto = resident(pool, &indexer, building, "beto@x.cl").await;
    World { vault, indexer, building, spot, ana, beto }
}

/// A booking of `who` on the night of the local day `day` days after the test day (20:00 to
/// 07:00 in Santiago), moved to `status`; returns (id, pass token).
async fn booking(pool: &PgPool, w: &World, who: &Actor, day: i64, status: &str) -> (Uuid, String) {
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, $3::timestamptz, $4::timestamptz, 5000) returning id",
    )
    .bind(w.spot)
    .bind(w.building)
    .bind(local(day, "20:00"))
    .bind(local(day + 1, "07:00"))
    .fetch_one(pool)
    .await
    .unwrap();
    let new = NewBooking {
        block_id: block,
        visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
        plate: Plate::parse("KHJT52").unwrap(),
        visitor_phone: None,
    };
    let id = create(pool, &w.vault, &w.indexer, who, new, &RequestMeta::default()).await.unwrap().booking_id;
    let sql = match status {
        "pending" => None,
        "confirmed" => Some("update bookings set status = 'confirmed', confirmed_at = now() where id = $1"),
        "cancelled_paid" => {
            Some("update bookings set status = 'cancelled', confirmed_at = now(), cancelled_at = now() where id = $1")
        }
        "cancelled_unpaid" => Some("update bookings set status = 'cancelled', cancelled_at = now() where id = $1"),
        other => panic!("{other}"),
    };
    if let Some(sql) = sql {
        sqlx::query(sql).bind(id).execute(pool).await.unwrap();
    }
    let token: String = sqlx::query_scalar("select guest_pass_token from bookings where id = $1")
        .bind(id)
        .fetch_one(pool)
        .await
        .unwrap();
    (id, token)
}

fn events(text: &str) -> Vec<icalendar::Event> {
    let calendar: Calendar = text.parse().expect("a valid calendar");
    calendar.components.iter().filter_map(|c| c.as_event().cloned()).collect()
}

fn app_err<T: std::fmt::Debug>(r: ServerResult<T>) -> AppError {
    match r {
        Err(ServerError::App(e)) => e,
        other => panic!("expected an AppError, got {other:?}"),
    }
}

fn token_of(url: &str) -> &str {
    url.trim_start_matches(&format!("{ORIGIN}/calendario/")).trim_end_matches(".ics")
}

#[sqlx::test(migrations = "../migrations")]
async fn a_residents_own_paid_booking_downloads_with_the_address_and_real_instants(pool: PgPool) {
    let w = world(&pool).await;
    let (id, token) = booking(&pool, &w, &w.ana, 0, "confirmed").await;
    let (name, ics) = resident_booking(&pool, ORIGIN, &w.ana, id, Utc::now()).await.unwrap();
    assert!(name.starts_with("reserva-") && name.ends_with(".ics"));
    let e = &events(&ics)[0];
    assert_eq!(e.get_location(), Some("Av. Italia 1000, Ñuñoa"));
    assert_eq!(e.get_summary(), Some("Estacionamiento de visita V-07 · Torre A"));
    let utc = |at: DateTime<Utc>| at.format("%Y%m%dT%H%M%SZ").to_string();
    assert_eq!(e.property_value("DTSTART"), Some(utc(local_at(0, "20:00")).as_str()));
    assert_eq!(e.property_value("DTEND"), Some(utc(local_at(1, "07:00")).as_str()));
    assert_eq!(e.property_value("URL"), Some(format!("{ORIGIN}/pase/{token}").as_str()));
    assert!(e.get_description().unwrap().contains("20:00"), "the window in the building's zone");
    // No visitor data in the file.
    assert!(!ics.contains("Pedro") && !ics.contains("KHJT"));
    // The guest pass gives the same event.
    let (_, from_pass) = guest_pass(&pool, ORIGIN, &token, Utc::now()).await.unwrap();
    assert_eq!(events(&from_pass)[0].get_uid(), e.get_uid());

    // Another resident's booking, an unknown one, and an unpaid one are "not found".
    assert_eq!(app_err(resident_booking(&pool, ORIGIN, &w.beto, id, Utc::now()).await), AppError::NotFound);
    assert_eq!(app_err(resident_booking(&pool, ORIGIN, &w.ana, Uuid::new_v4(), Utc::now()).await), AppError::NotFound);
    let (pending, pending_token) = booking(&pool, &w, &w.ana, 2, "pending").await;
    assert_eq!(app_err(resident_booking(&pool, ORIGIN, &w.ana, pending, Utc::now()).await), AppError::NotFound);
    assert_eq!(app_err(guest_pass(&pool, ORIGIN, &pending_token, Utc::now()).await), AppError::NotFound);
    assert_eq!(app_err(guest_pass(&pool, ORIGIN, "no-such-token-0123456789abcdef", Utc::now()).await), AppError::NotFound);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_feed_lists_paid_bookings_and_dies_when_renewed_or_revoked(pool: PgPool) {
    let w = world(&pool).await;
    assert_eq!(view(&pool, &w.vault, ORIGIN, &w.ana).await.unwrap(), FeedView { url: None, created: None });
    booking(&pool, &w, &w.ana, -5, "confirmed").await;
    booking(&pool, &w, &w.ana, -3, "cancelled_paid").await;
    booking(&pool, &w, &w.ana, -1, "cancelled_unpaid").await;
    booking(&pool, &w, &w.ana, 1, "pending").await;
    booking(&pool, &w, &w.beto, 3, "confirmed").await;

    rotate(&pool, &w.vault, &w.ana, &RequestMeta::default()).await.unwrap();
    let first = view(&pool, &w.vault, ORIGIN, &w.ana).await.unwrap().url.unwrap();
    let token = token_of(&first).to_string();
    assert_eq!(token.len(), 43, "{first}");
    // Only the hash and the sealed token are stored.
    let (hash, enc): (Vec<u8>, Vec<u8>) = sqlx::query_as("select token_hash, token_enc from calendar_feeds where user_id = $1")
        .bind(w.ana.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(hash, token_hash(&token));
    assert!(!enc.windows(token.len()).any(|win| win == token.as_bytes()));

    let ics = feed(&pool, ORIGIN, &token, Utc::now()).await.unwrap().unwrap();
    let all = events(&ics);
    assert_eq!(all.len(), 2, "the paid booking and the paid-then-cancelled one, not Beto's");
    assert_eq!(all[0].property_value("STATUS"), Some("CONFIRMED"));
    assert_eq!(all[1].property_value("STATUS"), Some("CANCELLED"));
    assert!(
        all.iter().all(|e| e.property_value("URL") == Some(format!("{ORIGIN}/mis-reservas").as_str())),
        "a feed never hands out passes"
    );
    assert!(!ics.contains("Pedro") && !ics.contains("KHJT"));

    // A new link kills the old one.
    rotate(&pool, &w.vault, &w.ana, &RequestMeta::default()).await.unwrap();
    let second = view(&pool, &w.vault, ORIGIN, &w.ana).await.unwrap().url.unwrap();
    assert_ne!(first, second);
    assert_eq!(feed(&pool, ORIGIN, &token, Utc::now()).await.unwrap(), None);
    assert!(feed(&pool, ORIGIN, token_of(&second), Utc::now()).await.unwrap().is_some());
    // A banned resident's feed stops too.
    sqlx::query("update users set status = 'banned' where id = $1")
        .bind(w.ana.id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(feed(&pool, ORIGIN, token_of(&second), Utc::now()).await.unwrap(), None);
    sqlx::query("update users set status = 'active' where id = $1")
        .bind(w.ana.id)
        .execute(&pool)
        .await
        .unwrap();
    // Revoking.
    assert!(revoke(&pool, &w.ana, &RequestMeta::default()).await.unwrap());
    assert_eq!(feed(&pool, ORIGIN, token_of(&second), Utc::now()).await.unwrap(), None);
    assert!(!revoke(&pool, &w.ana, &RequestMeta::default()).await.unwrap());
    let audited: Vec<String> = sqlx::query_scalar("select action from audit_log where action like 'calendar_feed.%' order by id")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(audited, ["calendar_feed.created", "calendar_feed.created", "calendar_feed.revoked"]);
}
