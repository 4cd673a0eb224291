//! The database itself makes double booking impossible: plain SQL, no application code.
//! (a) two overlapping active bookings of one spot — including a 23 h block against the 11 h
//! block of the same night — are refused by `bookings_no_overlap`; (b) a cancelled booking frees
//! its range; (c) 50 concurrent transactions racing for one spot leave exactly one booking.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use app::domain::code::ConfirmationCode;
use sqlx::{postgres::PgPoolOptions, PgPool};
use std::sync::Arc;
use tokio::sync::Barrier;
use uuid::Uuid;

struct Fixture {
    building: Uuid,
    spot: Uuid,
    resident: Uuid,
    night: Uuid,
    full_day: Uuid,
}

async fn fixture(pool: &PgPool) -> Fixture {
    let building: Uuid =
        sqlx::query_scalar("insert into buildings (name, address) values ('Torre Test', 'Calle 1') returning id")
            .fetch_one(pool)
            .await
            .unwrap();
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
        .bind(building)
        .fetch_one(pool)
        .await
        .unwrap();
    let resident: Uuid = sqlx::query_scalar(
        "insert into users (email, password_hash, role, building_id, status, full_name)
         values ('r@x.cl', 'x', 'resident', $1, 'active', 'Residente') returning id",
    )
    .bind(building)
    .fetch_one(pool)
    .await
    .unwrap();
    // Noche: 20:00 → 07:00 (11 h); Día completo: 08:00 → 07:00 next day (23 h), same night.
    let block = |start: &'static str, end: &'static str| {
        let pool = pool.clone();
        async move {
            sqlx::query_scalar::<_, Uuid>(
                "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
                 values ($1, $2, $3::timestamptz, $4::timestamptz, 5000, 'available') returning id",
            )
            .bind(spot)
            .bind(building)
            .bind(start)
            .bind(end)
            .fetch_one(&pool)
            .await
            .unwrap()
        }
    };
    let night = block("2027-01-15 20:00-03", "2027-01-16 07:00-03").await;
    let full_day = block("2027-01-15 08:00-03", "2027-01-16 07:00-03").await;
    Fixture { building, spot, resident, night, full_day }
}

async fn book(conn: &mut sqlx::PgConnection, f: &Fixture, block: Uuid) -> Result<Uuid, sqlx::Error> {
    let code = ConfirmationCode::generate(&mut rand::rngs::OsRng);
    sqlx::query_scalar(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp,
                               building_share_clp, confirmation_code, guest_pass_token, hold_expires_at)
         select id, spot_id, building_id, $2, during, 'Visita', 'KHJT52',
                5000, 5000, 1000, 500, 4500, $3, $4, now() + interval '15 minutes'
           from availability_blocks where id = $1
         returning id",
    )
    .bind(block)
    .bind(f.resident)
    .bind(code.as_str())
    .bind(format!("{}{}", Uuid::new_v4().simple(), Uuid::new_v4().simple()))
    .fetch_one(conn)
    .await
}

fn is_overlap(err: &sqlx::Error) -> bool {
    app::ssr::db::is_violation(err, "bookings_no_overlap") && app::ssr::db::sqlstate(err).as_deref() == Some("23P01")
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn overlapping_active_bookings_are_refused_and_cancellation_frees_the_range(pool: PgPool) {
    let f = fixture(&pool).await;
    let mut conn = pool.acquire().await.unwrap();
    let first = book(&mut conn, &f, f.night).await.unwrap();

    // (a) the same block again, and the 23 h block of the same night.
    assert!(is_overlap(&book(&mut conn, &f, f.night).await.unwrap_err()));
    assert!(is_overlap(&book(&mut conn, &f, f.full_day).await.unwrap_err()));

    // Confirmed, checked in and overstay still hold the spot.
    for status in ["confirmed", "checked_in", "overstay"] {
        sqlx::query(&format!(
            "update bookings set status = '{status}', confirmed_at = coalesce(confirmed_at, now()),
                    checked_in_at = case when '{status}' in ('checked_in', 'overstay') then now() end,
                    payment_status = 'paid'
              where id = $1"
        ))
        .bind(first)
        .execute(&mut *conn)
        .await
        .unwrap();
        assert!(is_overlap(&book(&mut conn, &f, f.full_day).await.unwrap_err()), "{status}");
    }

    // (b) cancelling frees the range for the overlapping 23 h block.
    sqlx::query("update bookings set status = 'cancelled', cancelled_at = now(), checked_in_at = null where id = $1")
        .bind(first)
        .execute(&mut *conn)
        .await
        .unwrap();
    book(&mut conn, &f, f.full_day).await.unwrap();
    let active: i64 = sqlx::query_scalar(
        "select count(*) from bookings where spot_id = $1 and status in ('pending','confirmed','checked_in','overstay')",
    )
    .bind(f.spot)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(active, 1);
    let _ = f.building;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn fifty_concurrent_transactions_leave_exactly_one_booking(pool: PgPool) {
    let f = Arc::new(fixture(&pool).await);
    // A pool wide enough for 50 truly simultaneous transactions on the same test database.
    let wide = PgPoolOptions::new()
        .max_connections(50)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let barrier = Arc::new(Barrier::new(50));
    let mut tasks = Vec::new();
    for i in 0..50 {
        let (wide, f, barrier) = (wide.clone(), f.clone(), barrier.clone());
        tasks.push(tokio::spawn(async move {
            let mut tx = wide.begin().await.unwrap();
            barrier.wait().await;
            // Half race for the 11 h block, half for the overlapping 23 h block.
            let block = if i % 2 == 0 { f.night } else { f.full_day };
            match book(&mut tx, &f, block).await {
                Ok(_) => tx.commit().await.map(|_| true).map_err(|e| e.to_string()),
                Err(e) if is_overlap(&e) => Ok(false),
                Err(e) => Err(e.to_string()),
            }
        }));
    }
    let mut won = 0;
    for t in tasks {
        if t.await.unwrap().expect("only overlap refusals are acceptable") {
            won += 1;
        }
    }
    assert_eq!(won, 1, "exactly one transaction wins");
    let rows: i64 = sqlx::query_scalar("select count(*) from bookings where spot_id = $1")
        .bind(f.spot)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
}
