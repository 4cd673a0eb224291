//! MercadoPago Checkout Pro through the real router, against a local fake of its API that
//! records every request: the preference's wire format, signed webhooks (valid, bad, stale,
//! replayed, wrong amount), refunds with their idempotency key, a failing refund retried, and a
//! webhook approval racing the hold expiry.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod payments_support;

use app::payments::{holds::expire_holds, refunds::retry_refunds};
use chrono::{TimeDelta, Utc};
use common::*;
use http::StatusCode;
use payments_support::*;
use serde_json::json;
use sqlx::PgPool;

async fn mp_app(pool: PgPool, fake: &FakeMercadoPago) -> TestApp {
    let vars = fake.vars();
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    app_with(pool, &refs).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn checkout_posts_the_exact_preference_and_redirects_to_mercadopago(pool: PgPool) {
    let fake = FakeMercadoPago::start().await;
    let app = mp_app(pool, &fake).await;
    let mut f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    let hold: chrono::DateTime<Utc> = sqlx::query_scalar("select hold_expires_at from bookings where id = $1")
        .bind(b)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();

    // A page reached by a link, not a form post: `form-action 'self'` also covers redirects
    // after a post, so the page moves on to MercadoPago itself (meta refresh) and links there.
    let init_point = "https://www.mercadopago.cl/checkout/v1/redirect?pref_id=123456-pref";
    let r = f.client.send(&app, page(&format!("/pago/ir/{b}"))).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let escaped = init_point.replace('&', "&amp;");
    assert!(r.body.contains(&format!("http-equiv=\"refresh\" content=\"0;url={escaped}\"")), "{}", r.body);
    assert!(r.body.contains(&format!("href=\"{escaped}\"")));
    // The resident comes back: the same preference is reused, not a new one per visit.
    let again = f.client.send(&app, page(&format!("/pago/ir/{b}"))).await;
    assert!(again.body.contains(&escaped));
    // Scripts get the target as data.
    let r = f.client.call(&app, "payments/checkout", &[("booking_id", &b.to_string())]).await;
    assert!(r.body.contains(init_point) && r.body.contains("\"external\":true"), "{}", r.body);

    let sent = fake.requests();
    assert_eq!(sent.len(), 1);
    assert_eq!((sent[0].method.as_str(), sent[0].path.as_str()), ("POST", "/checkout/preferences"));
    assert_eq!(sent[0].authorization.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    let expected = json!({
        "items": [{
            "id": "visitor-parking",
            "title": "Estacionamiento de visita V-07 · Torre Central",
            "quantity": 1,
            "unit_price": 5000,
            "currency_id": "CLP",
        }],
        "external_reference": b.to_string(),
        "back_urls": {
            "success": format!("{ORIGIN}/pago/exito?reserva={b}"),
            "pending": format!("{ORIGIN}/pago/pendiente?reserva={b}"),
            "failure": format!("{ORIGIN}/pago/fallido?reserva={b}"),
        },
        "auto_return": "approved",
        "notification_url": format!("{ORIGIN}/webhooks/mercadopago"),
        "expires": true,
        "expiration_date_to": hold.to_rfc3339_opts(chrono::SecondsFormat::Millis, false),
    });
    assert_eq!(sent[0].body, expected);
    let pref: Option<String> = sqlx::query_scalar("select provider_preference_id from payments where booking_id = $1")
        .bind(b)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(pref.as_deref(), Some("123456-pref"));
    // With MercadoPago configured, the simulator does not exist.
    let r = f
        .client
        .call(&app, "payments/simulator_checkout", &[("booking_id", &b.to_string()), ("firma", "x")])
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_validly_signed_webhook_confirms_after_re_fetching_the_payment(pool: PgPool) {
    let fake = FakeMercadoPago::start().await;
    let app = mp_app(pool, &fake).await;
    let f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    fake.set_payment("1234567", b, "approved", json!(5000));

    let r = notify(&app, "1234567", SECRET, now_ts(), "req-aprobado-1").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("confirmed", "paid", "reserved"));
    let fetched = fake.requests_to("/v1/payments/1234567");
    assert_eq!(fetched.len(), 1);
    assert_eq!(fetched[0].method.as_str(), "GET");
    assert_eq!(fetched[0].authorization.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    // The payer's data never reaches our database.
    let raw: serde_json::Value = sqlx::query_scalar("select raw from payments").fetch_one(&app.state.pool).await.unwrap();
    assert!(raw.get("payer").is_none() && !raw.to_string().contains("pagador"));
    assert_eq!(count(&app.state.pool, "select count(*) from outbox where event_type = 'booking.payment_approved'").await, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn bad_or_stale_signatures_are_refused_without_side_effects(pool: PgPool) {
    let fake = FakeMercadoPago::start().await;
    let app = mp_app(pool, &fake).await;
    let f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    fake.set_payment("1234567", b, "approved", json!(5000));
    let audit_before = count(&app.state.pool, "select count(*) from audit_log").await;

    let good = server::payments::signature::sign(SECRET.as_bytes(), "1234567", "req-1", now_ts());
    let other_id = server::payments::signature::sign(SECRET.as_bytes(), "7654321", "req-1", now_ts());
    let cases: Vec<(&str, Reply)> = vec![
        ("no headers", notify_raw(&app, "1234567", None, None).await),
        ("no request id", notify_raw(&app, "1234567", Some(&good), None).await),
        ("other request id", notify_raw(&app, "1234567", Some(&good), Some("req-2")).await),
        ("wrong secret", notify(&app, "1234567", "otro-secreto", now_ts(), "req-1").await),
        ("stale", notify(&app, "1234567", SECRET, now_ts() - 6 * 60, "req-1").await),
        ("from the future", notify(&app, "1234567", SECRET, now_ts() + 6 * 60, "req-1").await),
        ("old system's ; format", notify_raw(&app, "1234567", Some(&good.replace(',', ";")), Some("req-1")).await),
        ("signed for another payment", notify_raw(&app, "1234567", Some(&other_id), Some("req-1")).await),
    ];
    for (case, reply) in cases {
        assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{case}");
    }
    assert!(fake.requests().is_empty(), "nothing was fetched");
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("pending", "pending", "reserved"));
    assert_eq!(count(&app.state.pool, "select count(*) from payment_events").await, 0);
    assert_eq!(count(&app.state.pool, "select count(*) from payments").await, 0);
    assert_eq!(count(&app.state.pool, "select count(*) from audit_log").await, audit_before);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_replayed_webhook_changes_nothing(pool: PgPool) {
    let fake = FakeMercadoPago::start().await;
    let app = mp_app(pool, &fake).await;
    let f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    fake.set_payment("1234567", b, "approved", json!(5000.0));
    assert_eq!(notify(&app, "1234567", SECRET, now_ts(), "req-1").await.status, StatusCode::OK);
    let snapshot = |pool: PgPool| async move {
        (
            count(&pool, "select count(*) from audit_log").await,
            count(&pool, "select count(*) from outbox").await,
            count(&pool, "select count(*) from payment_events").await,
            count(&pool, "select count(*) from payments").await,
            count(&pool, "select count(*) from refunds").await,
        )
    };
    let before = snapshot(app.state.pool.clone()).await;
    // The same notification again, and MercadoPago's retry with a new request id.
    assert_eq!(notify(&app, "1234567", SECRET, now_ts(), "req-1").await.status, StatusCode::OK);
    assert_eq!(notify(&app, "1234567", SECRET, now_ts(), "req-2").await.status, StatusCode::OK);
    assert_eq!(snapshot(app.state.pool.clone()).await, before);
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("confirmed", "paid", "reserved"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_wrong_amount_is_refused_recorded_and_given_back(pool: PgPool) {
    let fake = FakeMercadoPago::start().await;
    let app = mp_app(pool, &fake).await;
    let f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    fake.set_payment("1234567", b, "approved", json!(4000));
    assert_eq!(notify(&app, "1234567", SECRET, now_ts(), "req-1").await.status, StatusCode::OK);
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("pending", "pending", "reserved"));
    let (error,): (Option<String>,) =
        sqlx::query_as("select process_error from payment_events").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(error.as_deref(), Some("amount_mismatch"));
    let refunds = fake.requests_to("/refunds");
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].path, "/v1/payments/1234567/refunds");
    assert_eq!(refunds[0].body, json!({ "amount": 4000 }));
    let key: String = sqlx::query_scalar("select idempotency_key from refunds").fetch_one(&app.state.pool).await.unwrap();
    assert_eq!(refunds[0].idempotency_key.as_deref(), Some(key.as_str()));
    // A fractional amount is not the booking's amount either.
    let b2 = booking(&app, &f, &f.resident, 1).await;
    fake.set_payment("1234568", b2, "approved", json!(4999.5));
    assert_eq!(notify(&app, "1234568", SECRET, now_ts(), "req-2").await.status, StatusCode::OK);
    assert_eq!(state(&app.state.pool, b2).await.0, "pending");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn refunds_carry_the_idempotency_key_and_a_failed_one_is_retried(pool: PgPool) {
    let fake = FakeMercadoPago::start().await;
    let app = mp_app(pool, &fake).await;
    let mut f = fixture(&app, "camila@x.cl").await;

    // The resident cancels a paid booking more than 24 h ahead: 90 %, shown first.
    let b = booking(&app, &f, &f.resident, 0).await;
    fake.set_payment("1000001", b, "approved", json!(5000));
    notify(&app, "1000001", SECRET, now_ts(), "req-1").await;
    let id = b.to_string();
    let quote = f.client.call(&app, "payments/refund_preview", &[("booking_id", &id)]).await;
    assert!(quote.body.contains("\"refund\":\"$4.500\""), "{}", quote.body);
    let r = f.client.call(&app, "payments/cancel_booking", &[("booking_id", &id)]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let sent = fake.requests_to("/refunds");
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].path, "/v1/payments/1000001/refunds");
    assert_eq!(sent[0].authorization.as_deref(), Some(format!("Bearer {TOKEN}").as_str()));
    assert_eq!(sent[0].body, json!({ "amount": 4500 }));
    let key: String = sqlx::query_scalar("select idempotency_key from refunds where booking_id = $1")
        .bind(b)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(sent[0].idempotency_key.as_deref(), Some(key.as_str()));
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("cancelled", "partially_refunded", "available"));

    // Staff cancel another paid booking while MercadoPago fails: the refund stays failed.
    let b2 = booking(&app, &f, &f.resident, 1).await;
    fake.set_payment("1000002", b2, "approved", json!(5000));
    notify(&app, "1000002", SECRET, now_ts(), "req-2").await;
    user(&app, "admin@torre.cl", "building_admin", "active", Some(f.building)).await;
    let mut admin = Client::default();
    admin.log_in(&app, "admin@torre.cl", PASSWORD).await;
    fake.fail_refunds(true);
    let r = admin.call(&app, "payments/cancel_booking", &[("booking_id", &b2.to_string())]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("no se pudo completar"), "{}", r.body);
    let (status, error, next): (String, Option<String>, Option<chrono::DateTime<Utc>>) =
        sqlx::query_as("select status, last_error, next_attempt_at from refunds where booking_id = $1")
            .bind(b2)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(error.unwrap().contains("500"));
    assert!(next.is_some());
    assert_eq!(tuple(&state(&app.state.pool, b2).await), ("cancelled", "refund_pending", "available"));

    // Still failing at the first retry; then MercadoPago recovers.
    let later = Utc::now() + TimeDelta::hours(1);
    let report = retry_refunds(&app.state.pool, &*app.state.gateway, later).await.unwrap();
    assert_eq!((report.attempted, report.succeeded), (1, 0));
    fake.fail_refunds(false);
    let report = retry_refunds(&app.state.pool, &*app.state.gateway, later + TimeDelta::days(1)).await.unwrap();
    assert_eq!((report.attempted, report.succeeded), (1, 1));
    assert_eq!(tuple(&state(&app.state.pool, b2).await), ("cancelled", "refunded", "available"));
    let attempts = fake.requests_to("/v1/payments/1000002/refunds");
    assert_eq!(attempts.len(), 3);
    let key2: String = sqlx::query_scalar("select idempotency_key from refunds where booking_id = $1")
        .bind(b2)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert!(attempts.iter().all(|a| a.idempotency_key.as_deref() == Some(key2.as_str())));
    assert!(attempts.iter().all(|a| a.body == json!({ "amount": 5000 })));
    assert_ne!(key, key2);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_webhook_approval_racing_the_hold_expiry_ends_consistent(pool: PgPool) {
    let fake = FakeMercadoPago::start().await;
    let app = mp_app(pool, &fake).await;
    let f = fixture(&app, "camila@x.cl").await;
    let (mut confirmed, mut cancelled) = (0, 0);
    for n in 0..16 {
        let who = resident(&app, f.building, &format!("carrera{n}@x.cl")).await;
        let b = booking(&app, &f, &who, n).await;
        let now = Utc::now();
        sqlx::query("update bookings set hold_expires_at = $2 where id = $1")
            .bind(b)
            .bind(now)
            .execute(&app.state.pool)
            .await
            .unwrap();
        let pid = format!("{}", 5_000_000 + n);
        fake.set_payment(&pid, b, "approved", json!(5000));
        let request_id = format!("req-{n}");
        let (expired, reply) =
            tokio::join!(expire_holds(&app.state.pool, now), notify(&app, &pid, SECRET, now_ts(), &request_id));
        assert_eq!(reply.status, StatusCode::OK, "{}", reply.body);
        let s = state(&app.state.pool, b).await;
        match tuple(&s) {
            ("confirmed", "paid", "reserved") => {
                confirmed += 1;
                assert_eq!(expired.unwrap(), 0);
            }
            ("cancelled", _, "available") => {
                cancelled += 1;
                assert_eq!(expired.unwrap(), 1);
                // The late payment was refused and given back in full.
                let (status, amount): (String, i64) =
                    sqlx::query_as("select status, amount_clp from refunds where booking_id = $1")
                        .bind(b)
                        .fetch_one(&app.state.pool)
                        .await
                        .unwrap();
                assert_eq!((status.as_str(), amount), ("succeeded", 5000));
            }
            other => panic!("inconsistent end state {other:?}"),
        }
    }
    assert_eq!(confirmed + cancelled, 16);
}
