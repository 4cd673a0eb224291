//! The event bus on the real Redis of this machine (and a private redis-server the fault test
//! restarts), the outbox relay, the notification consumer, the Twilio sender against a fake
//! Twilio, the status callback, the reminder job and the live stream.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bus_support;
mod common;
mod payments_support;

use app::domain::booking::BookingEvent;
use app::ssr::audit::{AuditActor, RequestMeta};
use axum::body::Body;
use bus_support::*;
use common::*;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use payments_support::{booking, count, fixture, resident};
use server::bus::{relay, NOTIFICATIONS};
use server::notify::{consumer, sender::Sender};
use sqlx::PgPool;
use std::time::{Duration, Instant};
use tower::ServiceExt;
use uuid::Uuid;

fn redis_url() -> String {
    std::env::var("REDIS_TEST_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

async fn confirm(pool: &PgPool, booking: Uuid) {
    let mut tx = pool.begin().await.unwrap();
    app::booking::transition::apply(
        &mut tx,
        booking,
        BookingEvent::PaymentApproved,
        &AuditActor::System,
        &RequestMeta::default(),
        serde_json::json!({ "provider": "test" }),
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}

/// Reads an SSE body until `needle` shows up (or 10 s pass); returns what was read.
async fn read_until(body: &mut Body, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) && Instant::now() < deadline {
        match tokio::time::timeout(Duration::from_millis(500), body.frame()).await {
            Ok(Some(Ok(frame))) => {
                if let Some(data) = frame.data_ref() {
                    seen.push_str(&String::from_utf8_lossy(data));
                }
            }
            Ok(_) => break,
            Err(_) => continue,
        }
    }
    seen
}

async fn open_stream(app: &TestApp, client: &Client, building: Uuid) -> (StatusCode, Body) {
    let mut req = Request::get(format!("/vivo/edificio/{building}")).body(Body::empty()).unwrap();
    if let Some(c) = &client.cookie {
        req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
    }
    let res = app.router.clone().oneshot(req).await.unwrap();
    (res.status(), res.into_body())
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn two_instances_handle_each_event_once_and_both_stream_it(pool: PgPool) {
    let prefix = unique_prefix("two");
    let vars = [("REDIS_URL", redis_url()), ("REDIS_BUS_PREFIX", prefix.clone())];
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = app_with(pool.clone(), &vars).await;
    let b = app_with(pool.clone(), &vars).await;
    let f = fixture(&a, "residente@x.cl").await;
    user(&a, "conserje@x.cl", "concierge", "active", Some(f.building)).await;
    let mut concierge = Client::default();
    assert_eq!(concierge.log_in(&a, "conserje@x.cl", PASSWORD).await.status, StatusCode::OK);

    // The concierge watches the building on both instances (sessions are shared in Redis).
    let (sa, mut stream_a) = open_stream(&a, &concierge, f.building.0).await;
    let (sb, mut stream_b) = open_stream(&b, &concierge, f.building.0).await;
    assert_eq!((sa, sb), (StatusCode::OK, StatusCode::OK));

    let id = booking(&a, &f, &f.resident, 1).await;
    confirm(&pool, id).await;
    // Instance A relays; both consume as members of one group, concurrently, a few rounds.
    let relayed = relay::relay_batch(&pool, a.bus.as_ref(), 100).await.unwrap();
    assert_eq!(relayed, 2, "booking.created and booking.payment_approved");
    let settings = consumer::ConsumerSettings { wait: Duration::from_millis(200), ..Default::default() };
    let mut handled = 0;
    for _ in 0..3 {
        let (x, y) = tokio::join!(
            consumer::consume_once(&a.state, a.bus.as_ref(), "instance-a", &settings, false),
            consumer::consume_once(&b.state, b.bus.as_ref(), "instance-b", &settings, false),
        );
        handled += x.unwrap() + y.unwrap();
    }
    assert_eq!(handled, 2, "each event handled by exactly one member of the group");
    assert_eq!(count(&pool, "select count(*) from notifications where kind = 'booking_confirmed'").await, 1);
    assert_eq!(count(&pool, "select count(*) from outbox where notified_at is null").await, 0);

    let seen_a = read_until(&mut stream_a, "booking_confirmed").await;
    let seen_b = read_until(&mut stream_b, "booking_confirmed").await;
    for seen in [&seen_a, &seen_b] {
        assert!(seen.contains("event: cambio") && seen.contains("booking_created"), "{seen}");
        assert!(seen.contains(&id.to_string()) && seen.contains("booking_confirmed"), "{seen}");
        // Ids only: no plate, no visitor name.
        assert!(!seen.contains("KHJT52") && !seen.contains("Pedro"), "{seen}");
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_live_stream_is_for_staff_of_that_building_only(pool: PgPool) {
    let app = app(pool.clone()).await;
    let f = fixture(&app, "residente@x.cl").await;
    let other = building(&pool, "Torre Norte").await;
    user(&app, "conserje@x.cl", "concierge", "active", Some(f.building)).await;
    user(&app, "otro@x.cl", "concierge", "active", Some(other)).await;
    user(&app, "admin@x.cl", "admin", "active", None).await;
    let (status, _) = open_stream(&app, &Client::default(), f.building.0).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _) = open_stream(&app, &f.client, f.building.0).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "a resident gets nothing");
    let mut foreign = Client::default();
    foreign.log_in(&app, "otro@x.cl", PASSWORD).await;
    let (status, _) = open_stream(&app, &foreign, f.building.0).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "another building's concierge gets nothing");
    let mut admin = Client::default();
    admin.log_in(&app, "admin@x.cl", PASSWORD).await;
    let (status, mut stream) = open_stream(&app, &admin, f.building.0).await;
    assert_eq!(status, StatusCode::OK);
    let mut own = Client::default();
    own.log_in(&app, "conserje@x.cl", PASSWORD).await;
    let (status, _) = open_stream(&app, &own, f.building.0).await;
    assert_eq!(status, StatusCode::OK);

    // In process (no REDIS_URL): a booking in another building never reaches this stream.
    let g = {
        let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'N-1') returning id")
            .bind(other.0)
            .fetch_one(&pool)
            .await
            .unwrap();
        let who = resident(&app, other, "norte@x.cl").await;
        payments_support::Fixture { building: other, spot, resident: who, client: Client::default() }
    };
    let foreign_booking = booking(&app, &g, &g.resident, 2).await;
    let own_booking = booking(&app, &f, &f.resident, 3).await;
    app.deliver().await;
    let seen = read_until(&mut stream, &own_booking.to_string()).await;
    assert!(seen.contains(&own_booking.to_string()), "{seen}");
    assert!(!seen.contains(&foreign_booking.to_string()), "{seen}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_consumer_killed_after_sending_but_before_acknowledging_causes_no_second_send(pool: PgPool) {
    let twilio = FakeTwilio::start().await;
    let prefix = unique_prefix("crash");
    let mut vars: Vec<(&str, String)> = twilio.vars();
    vars.push(("REDIS_URL", redis_url()));
    vars.push(("REDIS_BUS_PREFIX", prefix));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = app_with(pool.clone(), &vars).await;
    let f = fixture(&app, "residente@x.cl").await;
    let id = booking(&app, &f, &f.resident, 1).await;
    confirm(&pool, id).await;
    relay::relay_batch(&pool, app.bus.as_ref(), 100).await.unwrap();

    let settings = consumer::ConsumerSettings::default();
    let sender = Sender {
        pool: pool.clone(),
        vault: app.state.vault.clone(),
        transport: app.transport.clone(),
        policy: Default::default(),
    };
    // Consumer "x" reads, handles, the message goes out… and x dies before XACK.
    let taken = app.bus.read(NOTIFICATIONS, "x", 10, Duration::from_millis(500)).await.unwrap();
    assert_eq!(taken.len(), 2);
    for d in &taken {
        assert!(consumer::process(&app.state, d, &settings).await);
    }
    assert_eq!(sender.send_due(10).await.unwrap().sent, 1);
    // Nothing new for a live member; the entries are pending with the dead one.
    assert!(app.bus.read(NOTIFICATIONS, "y", 10, Duration::from_millis(100)).await.unwrap().is_empty());
    tokio::time::sleep(Duration::from_millis(300)).await;
    let reclaimed = app.bus.claim_stale(NOTIFICATIONS, "y", Duration::from_millis(250), 10).await.unwrap();
    assert_eq!(reclaimed.len(), 2, "y takes over what x left pending");
    let mut acked = Vec::new();
    for d in &reclaimed {
        assert!(consumer::process(&app.state, d, &settings).await);
        acked.push(d.id.clone());
    }
    app.bus.ack(NOTIFICATIONS, &acked).await.unwrap();
    assert_eq!(sender.send_due(10).await.unwrap().sent, 0);
    assert!(app.bus.claim_stale(NOTIFICATIONS, "z", Duration::ZERO, 10).await.unwrap().is_empty());

    let log = twilio.log.lock().unwrap();
    assert!(log.violations.is_empty(), "{:?}", log.violations);
    assert_eq!(log.forms.len(), 1, "one send in all");
    assert!(log.accepted.values().all(|n| *n == 1));
    let form = &log.forms[0];
    assert_eq!(form["To"], "whatsapp:+56912345678");
    assert!(form["Body"].contains("Reserva confirmada") && form["Body"].contains("V-07"), "{}", form["Body"]);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn three_hundred_confirmations_survive_twilio_failures_and_a_redis_restart(pool: PgPool) {
    const BOOKINGS: usize = 300;
    let twilio = FakeTwilio::start().await;
    twilio.fail_per_ten(3);
    let mut redis = PrivateRedis::start().await;
    let mut vars: Vec<(&str, String)> = twilio.vars();
    vars.push(("REDIS_URL", redis.url()));
    vars.push(("REDIS_BUS_PREFIX", "fault".into()));
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let a = app_with(pool.clone(), &vars).await;
    let b = app_with(pool.clone(), &vars).await;

    let f = fixture(&a, "r0@x.cl").await;
    sqlx::query("update buildings set max_active_bookings_per_resident = 100")
        .execute(&pool)
        .await
        .unwrap();
    let mut residents = vec![f.resident.clone()];
    for i in 1..BOOKINGS.div_ceil(100) {
        residents.push(resident(&a, f.building, &format!("r{i}@x.cl")).await);
    }
    let mut ids = Vec::with_capacity(BOOKINGS);
    for n in 0..BOOKINGS {
        ids.push(booking(&a, &f, &residents[n / 100], n as i64).await);
    }

    // Two instances, each with its relay, consumer, sender and sweep.
    for (app, name) in [(&a, "a"), (&b, "b")] {
        server::notify::spawn_workers(app.state.clone(), app.bus.clone(), app.transport.clone(), name.into(), fast_workers());
    }
    let started = Instant::now();
    for (n, id) in ids.iter().enumerate() {
        confirm(&pool, *id).await;
        if n == BOOKINGS / 2 {
            redis.restart(Duration::from_millis(500)).await;
        }
    }

    let done_sql = "select count(*) from notifications where kind = 'booking_confirmed' and status = 'sent'";
    let deadline = Instant::now() + Duration::from_secs(150);
    let unhandled_sql = "select count(*) from outbox where notified_at is null";
    // Every confirmation sent, and every event (the bookings' `created` ones too, which carry no
    // message) handled: what the restart lost must come back through the redelivery sweep.
    while (count(&pool, done_sql).await < BOOKINGS as i64 || count(&pool, unhandled_sql).await > 0) && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let sent = count(&pool, done_sql).await;
    let rows = count(&pool, "select count(*) from notifications where kind = 'booking_confirmed'").await;
    let keys = count(&pool, "select count(distinct idempotency_key) from notifications where kind = 'booking_confirmed'").await;
    let unhandled = count(&pool, unhandled_sql).await;
    let relayed_again = count(&pool, "select count(*) from outbox where attempts > 1").await;
    let log = twilio.log.lock().unwrap();
    let accepted: u32 = log.accepted.values().sum();
    let max_per_message = log.accepted.values().copied().max().unwrap_or(0);
    println!(
        "fault test: {BOOKINGS} bookings confirmed, redis restarted once; twilio calls {} (500s: {}, accepted: {accepted}); \
         messages sent {sent}, rows {rows}, distinct keys {keys}, max sends per message {max_per_message}; \
         outbox events relayed more than once {relayed_again}; {:.1} s",
        log.forms.len(),
        log.failed,
        started.elapsed().as_secs_f64()
    );
    assert!(log.violations.is_empty(), "{:?}", log.violations);
    assert_eq!(sent, BOOKINGS as i64, "every confirmation sent");
    assert_eq!((rows, keys), (BOOKINGS as i64, BOOKINGS as i64), "one message per booking");
    assert_eq!(log.accepted.len(), BOOKINGS, "every message reached Twilio");
    assert_eq!(max_per_message, 1, "none twice");
    assert!(log.failed > 0, "the fake really failed some calls");
    assert_eq!(unhandled, 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn status_callbacks_are_verified_and_recorded_without_going_back(pool: PgPool) {
    let twilio = FakeTwilio::start().await;
    let vars: Vec<(&str, String)> = twilio.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = app_with(pool.clone(), &vars).await;
    let f = fixture(&app, "residente@x.cl").await;
    let id = booking(&app, &f, &f.resident, 1).await;
    confirm(&pool, id).await;
    assert_eq!(app.deliver().await, 1);
    let (notification, sid): (Uuid, String) =
        sqlx::query_as("select id, provider_sid from notifications where kind = 'booking_confirmed'")
            .fetch_one(&pool)
            .await
            .unwrap();

    let post = |status: &str, signature: Option<String>| {
        let path = format!("/webhooks/twilio/estado?n={notification}");
        let params = vec![
            ("AccountSid".to_string(), ACCOUNT.to_string()),
            ("MessageSid".to_string(), sid.clone()),
            ("MessageStatus".to_string(), status.to_string()),
        ];
        let good = server::notify::twilio::signature(AUTH_TOKEN, &format!("{ORIGIN}{path}"), &params);
        let body = serde_urlencoded::to_string(&params).unwrap();
        Request::post(path)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header("x-twilio-signature", signature.unwrap_or(good))
            .body(Body::from(body))
            .unwrap()
    };
    let status = |app: &TestApp| {
        let pool = app.state.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>("select status from notifications where id = $1")
                .bind(notification)
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let forged = app
        .router
        .clone()
        .oneshot(post("delivered", Some("AAAAAAAAAAAAAAAAAAAAAAAAAAA=".into())))
        .await
        .unwrap();
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);
    assert_eq!(status(&app).await, "sent");
    let ok = app.router.clone().oneshot(post("delivered", None)).await.unwrap();
    assert_eq!(ok.status(), StatusCode::NO_CONTENT);
    assert_eq!(status(&app).await, "delivered");
    // A late "sent" does not move it back.
    app.router.clone().oneshot(post("sent", None)).await.unwrap();
    assert_eq!(status(&app).await, "delivered");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_reminder_goes_out_once_an_hour_before(pool: PgPool) {
    let app = app(pool.clone()).await;
    let f = fixture(&app, "residente@x.cl").await;
    let soon = chrono::Utc::now() + chrono::TimeDelta::minutes(40);
    let later = chrono::Utc::now() + chrono::TimeDelta::hours(5);
    let mut ids = Vec::new();
    for (i, start) in [soon, later].into_iter().enumerate() {
        let block: Uuid = sqlx::query_scalar(
            "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
             values ($1, $2, $3, $4, 5000) returning id",
        )
        .bind(f.spot)
        .bind(f.building.0)
        .bind(start + chrono::TimeDelta::minutes(i as i64))
        .bind(start + chrono::TimeDelta::minutes(30 + i as i64))
        .fetch_one(&pool)
        .await
        .unwrap();
        let new = app::booking::ssr::NewBooking {
            block_id: block,
            visitor_name: app::domain::names::VisitorName::parse("Pedro Pérez").unwrap(),
            plate: app::domain::plate::Plate::parse("KHJT52").unwrap(),
            visitor_phone: Some(app::domain::phone::MobilePhone::parse("+56 9 8765 4321").unwrap()),
        };
        let made =
            app::booking::ssr::create(&pool, &app.state.vault, &app.state.blind_index, &f.resident, new, &RequestMeta::default())
                .await
                .unwrap();
        confirm(&pool, made.booking_id).await;
        ids.push(made.booking_id);
    }
    let ctx = || server::jobs::JobContext { pool: pool.clone(), now: chrono::Utc::now() };
    let first = server::jobs::reminders::run(ctx()).await.unwrap();
    let second = server::jobs::reminders::run(ctx()).await.unwrap();
    assert_eq!((first["reminders"].as_u64(), second["reminders"].as_u64()), (Some(1), Some(0)));
    app.deliver().await;
    let reminders: Vec<(String, Uuid, String)> = sqlx::query_as(
        "select audience, booking_id, rendered_body from notifications where kind = 'booking_reminder' order by audience",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(reminders.len(), 2, "visitor and resident");
    let code: String = sqlx::query_scalar("select confirmation_code from bookings where id = $1")
        .bind(ids[0])
        .fetch_one(&pool)
        .await
        .unwrap();
    for (audience, booking, body) in &reminders {
        assert_eq!(*booking, ids[0], "{audience}");
        assert!(body.contains(&app::domain::code::ConfirmationCode::parse(&code).unwrap().to_string()), "{body}");
    }
}
