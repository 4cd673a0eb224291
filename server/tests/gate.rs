//! The gate through the real router: plates in any spelling and codes find the same booking;
//! another building's booking is denied without a trace of it; check-in and check-out go
//! through the state machine; residents cannot use the gate; the clock-driven sweeps are
//! idempotent and safe with two instances racing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use app::booking::sweeps::{self, Sweep};
use app::domain::{names::VisitorName, plate::Plate, role::Role};
use app::ssr::{actor::Actor, audit::RequestMeta};
use common::*;
use http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

/// A confirmed booking of `plate` in building `b`, starting `start_in_minutes` from now.
async fn confirmed_booking(
    app: &TestApp,
    b: (Uuid, Uuid),
    resident: Uuid,
    plate: &str,
    start_in_minutes: i64,
    minutes: i64,
) -> (Uuid, String) {
    let pool = &app.state.pool;
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
        .bind(b.0)
        .bind(format!("V{}", &Uuid::new_v4().simple().to_string()[..6]))
        .fetch_one(pool)
        .await
        .unwrap();
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, now() + make_interval(mins => $3::int), now() + make_interval(mins => $4::int), 5000) returning id",
    )
    .bind(spot)
    .bind(b.0)
    .bind(start_in_minutes.max(1) as i32)
    .bind((start_in_minutes.max(1) + minutes) as i32)
    .fetch_one(pool)
    .await
    .unwrap();
    let actor = Actor { id: resident, role: Role::Resident, building_id: Some(b.0), full_name: "Camila".into() };
    let created = app::booking::ssr::create(
        pool,
        &app.state.vault,
        &app.state.blind_index,
        &actor,
        app::booking::ssr::NewBooking {
            block_id: block,
            visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
            plate: Plate::parse(plate).unwrap(),
            visitor_phone: None,
        },
        &RequestMeta::default(),
    )
    .await
    .unwrap();
    let mut tx = pool.begin().await.unwrap();
    app::booking::transition::apply(
        &mut tx,
        created.booking_id,
        app::domain::booking::BookingEvent::PaymentApproved,
        &app::ssr::audit::AuditActor::System,
        &RequestMeta::default(),
        serde_json::json!({}),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    // Let the booking start now (the block was created in the future to be bookable).
    if start_in_minutes <= 0 {
        sqlx::query("update bookings set hold_expires_at = hold_expires_at where id = $1")
            .bind(created.booking_id)
            .execute(pool)
            .await
            .unwrap();
    }
    let code: String = sqlx::query_scalar("select confirmation_code from bookings where id = $1")
        .bind(created.booking_id)
        .fetch_one(pool)
        .await
        .unwrap();
    (created.booking_id, code)
}

async fn verify(c: &mut Client, app: &TestApp, q: &str) -> serde_json::Value {
    let r = c.call(app, "gate/verify", &[("q", q)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let location = r.header("location").unwrap().to_string();
    let v = location.split("v=").nth(1).unwrap().to_string();
    let r = c.call(app, "gate/verdict", &[("v", &v)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn plates_in_any_spelling_and_codes_find_the_same_booking(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre A").await;
    let resident = user(&app, "res@x.cl", "resident", "active", Some(a)).await;
    user(&app, "con@x.cl", "concierge", "active", Some(a)).await;
    let (booking, code) = confirmed_booking(&app, a, resident, "KHJT52", 5, 600).await;
    let mut gate = Client::default();
    gate.log_in(&app, "con@x.cl", PASSWORD).await;

    for spelling in ["KHJT52", "khjt52", "KHJT-52", "kh jt 52", "Kh.Jt.52"] {
        let v = verify(&mut gate, &app, spelling).await;
        assert_eq!(v["allowed"], true, "{spelling}: {v}");
        assert_eq!(v["booking"]["id"], booking.to_string(), "{spelling}");
        assert_eq!(v["booking"]["plate"], "KHJT-52");
        assert_eq!(v["booking"]["can_check_in"], true);
    }
    let spaced = format!("{}-{}", &code[..4], code[4..].to_lowercase());
    let v = verify(&mut gate, &app, &spaced).await;
    assert_eq!(v["booking"]["id"], booking.to_string());

    // Check in, then the car is inside; check out.
    let r = gate
        .call(&app, "gate/register", &[("booking_id", &booking.to_string()), ("accion", "ingreso")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let lists: serde_json::Value = serde_json::from_str(&gate.call(&app, "gate/lists", &[]).await.body).unwrap();
    assert_eq!(lists["inside"][0]["id"], booking.to_string());
    let r = gate
        .call(&app, "gate/register", &[("booking_id", &booking.to_string()), ("accion", "ingreso")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "a second check-in is refused");
    let r = gate
        .call(&app, "gate/register", &[("booking_id", &booking.to_string()), ("accion", "salida")])
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let kinds: Vec<String> = sqlx::query_scalar("select kind from access_events order by occurred_at, created_at")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(kinds.iter().filter(|k| *k == "verify_allowed").count(), 6, "every verification is recorded");
    assert!(kinds.contains(&"check_in".to_string()) && kinds.contains(&"check_out".to_string()));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn another_buildings_booking_is_denied_without_leaking_and_residents_cannot_use_the_gate(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre A").await;
    let b = building(&app.state.pool, "Torre B").await;
    let resident = user(&app, "res@x.cl", "resident", "active", Some(a)).await;
    user(&app, "con.b@x.cl", "concierge", "active", Some(b)).await;
    let (_, code) = confirmed_booking(&app, a, resident, "BBBB12", 5, 600).await;
    let mut gate_b = Client::default();
    gate_b.log_in(&app, "con.b@x.cl", PASSWORD).await;
    for q in ["BBBB12", code.as_str()] {
        let v = verify(&mut gate_b, &app, q).await;
        assert_eq!(v["allowed"], false);
        assert!(v["booking"].is_null(), "nothing of building A: {v}");
        assert!(!v.to_string().contains("Torre A"));
    }
    let mut res = Client::default();
    res.log_in(&app, "res@x.cl", PASSWORD).await;
    let r = res.call(&app, "gate/verify", &[("q", "BBBB12")]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    let r = res.call(&app, "gate/lists", &[]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    // Garbage gets a Spanish field error, not a 500.
    let r = gate_b.call(&app, "gate/verify", &[("q", "!!")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sweeps_are_idempotent_and_two_instances_never_double_apply(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre A").await;
    let resident = user(&app, "res@x.cl", "resident", "active", Some(a)).await;
    let (never_came, _) = confirmed_booking(&app, a, resident, "KHJT52", 5, 600).await;
    let (inside, _) = confirmed_booking(&app, a, resident, "BBBB12", 5, 600).await;
    sqlx::query("update bookings set status = 'checked_in', checked_in_at = now() where id = $1")
        .bind(inside)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let pool = &app.state.pool;
    let later = chrono::Utc::now() + chrono::Duration::hours(11);
    // Two instances race the no-show sweep: the booking changes exactly once.
    let (x, y) = tokio::join!(sweeps::run(pool, Sweep::NoShow, later), sweeps::run(pool, Sweep::NoShow, later));
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    assert_eq!(sweeps::run(pool, Sweep::NoShow, later).await.unwrap(), 0, "a rerun changes nothing");
    let (x, y) = tokio::join!(sweeps::run(pool, Sweep::Overstay, later), sweeps::run(pool, Sweep::Overstay, later));
    assert_eq!(x.unwrap() + y.unwrap(), 1);
    let status = |id: Uuid| async move {
        sqlx::query_scalar::<_, String>("select status from bookings where id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap()
    };
    assert_eq!(status(never_came).await, "no_show");
    assert_eq!(status(inside).await, "overstay");
    let events: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action in ('booking.no_show', 'booking.overstay')")
            .fetch_one(pool)
            .await
            .unwrap();
    assert_eq!(events, 2);

    // Complete: only where no-show is off.
    sqlx::query("update buildings set no_show_enabled = false").execute(pool).await.unwrap();
    let (unused, _) = confirmed_booking(&app, a, resident, "CCCC12", 5, 60).await;
    let after = chrono::Utc::now() + chrono::Duration::hours(3);
    assert_eq!(sweeps::run(pool, Sweep::NoShow, after).await.unwrap(), 0);
    assert_eq!(sweeps::run(pool, Sweep::Complete, after).await.unwrap(), 1);
    assert_eq!(sweeps::run(pool, Sweep::Complete, after).await.unwrap(), 0);
    assert_eq!(status(unused).await, "completed");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn gate_verification_is_rate_limited_per_concierge(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre A").await;
    user(&app, "con@x.cl", "concierge", "active", Some(a)).await;
    let mut gate = Client::default();
    gate.log_in(&app, "con@x.cl", PASSWORD).await;
    let max = app::ssr::rate_limit::VERIFY_PER_ACCOUNT.max as usize;
    for _ in 0..max {
        assert_eq!(gate.call(&app, "gate/verify", &[("q", "ZZZZ98")]).await.status, StatusCode::OK);
    }
    // A GCRA gives one attempt back every window / max (2.5 s here): a slow run may earn one
    // or two, never many.
    let mut extra = 0;
    let refused = loop {
        let status = gate.call(&app, "gate/verify", &[("q", "ZZZZ98")]).await.status;
        if status != StatusCode::OK {
            break status;
        }
        extra += 1;
        assert!(extra <= 3, "the limit must hold");
    };
    assert_eq!(refused, StatusCode::TOO_MANY_REQUESTS);
}

/// Sets building `b`'s "ingreso anticipado" as the admin form saves it.
async fn set_check_in_early(pool: &PgPool, b: (Uuid, Uuid), minutes: i32) {
    sqlx::query("update buildings set check_in_early_minutes = $2 where id = $1")
        .bind(b.0)
        .bind(minutes)
        .execute(pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_buildings_early_entry_minutes_decide_the_gate_and_the_lists(pool: PgPool) {
    let app = app(pool).await;
    let strict = building(&app.state.pool, "Torre Estricta").await;
    let relaxed = building(&app.state.pool, "Torre Holgada").await;
    set_check_in_early(&app.state.pool, strict, 5).await;
    set_check_in_early(&app.state.pool, relaxed, 45).await;
    let res_s = user(&app, "res.s@x.cl", "resident", "active", Some(strict)).await;
    let res_r = user(&app, "res.r@x.cl", "resident", "active", Some(relaxed)).await;
    user(&app, "con.s@x.cl", "concierge", "active", Some(strict)).await;
    user(&app, "con.r@x.cl", "concierge", "active", Some(relaxed)).await;
    // The same car, thirty minutes early, at both buildings.
    let (early_s, _) = confirmed_booking(&app, strict, res_s, "KHJT52", 30, 120).await;
    let (early_r, _) = confirmed_booking(&app, relaxed, res_r, "KHJT52", 30, 120).await;

    let mut gate_s = Client::default();
    gate_s.log_in(&app, "con.s@x.cl", PASSWORD).await;
    let mut gate_r = Client::default();
    gate_r.log_in(&app, "con.r@x.cl", PASSWORD).await;

    // 45 minutes allowed: AUTORIZADO, with the check-in button.
    let v = verify(&mut gate_r, &app, "KHJT52").await;
    assert_eq!(v["allowed"], true, "{v}");
    assert!(v["reason"].is_null(), "{v}");
    assert_eq!(v["booking"]["id"], early_r.to_string());
    assert_eq!(v["booking"]["can_check_in"], true);

    // 5 minutes allowed: DENEGADO, saying so in Spanish, without the check-in button.
    let v = verify(&mut gate_s, &app, "KHJT52").await;
    assert_eq!(v["allowed"], false, "{v}");
    assert_eq!(v["booking"]["id"], early_s.to_string());
    assert_eq!(v["booking"]["can_check_in"], false);
    let reason = v["reason"].as_str().unwrap();
    assert!(reason.starts_with("Aún no es su horario"), "{reason}");
    assert!(reason.contains("el ingreso se habilita 5 minutos antes"), "{reason}");

    // The lists agree with the verdicts.
    let lists_r: serde_json::Value = serde_json::from_str(&gate_r.call(&app, "gate/lists", &[]).await.body).unwrap();
    assert_eq!(lists_r["arrivals"][0]["id"], early_r.to_string(), "{lists_r}");
    assert_eq!(lists_r["arrivals"][0]["can_check_in"], true, "{lists_r}");
    let lists_s: serde_json::Value = serde_json::from_str(&gate_s.call(&app, "gate/lists", &[]).await.body).unwrap();
    assert_eq!(lists_s["arrivals"][0]["id"], early_s.to_string(), "{lists_s}");
    assert_eq!(lists_s["arrivals"][0]["can_check_in"], false, "{lists_s}");

    // And so does the state machine: the check-in goes through at one, is refused at the other.
    let r = gate_s
        .call(&app, "gate/register", &[("booking_id", &early_s.to_string()), ("accion", "ingreso")])
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("5 minutos antes del inicio"), "{}", r.body);
    let r = gate_r
        .call(&app, "gate/register", &[("booking_id", &early_r.to_string()), ("accion", "ingreso")])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let statuses: Vec<(Uuid, String)> = sqlx::query_as("select id, status from bookings where id in ($1, $2)")
        .bind(early_s)
        .bind(early_r)
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    for (id, status) in statuses {
        assert_eq!(status, if id == early_r { "checked_in" } else { "confirmed" });
    }
}
