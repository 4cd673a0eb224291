//! Identity under attack: parallel password guesses cannot get past the lockout, reset codes
//! cannot be guessed in parallel either, and neither the answers nor the time of a password
//! reset request tell whether an e-mail has an account.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use common::*;
use futures_util::future::join_all;
use http::{header, Request, StatusCode};
use sqlx::PgPool;
use std::net::{IpAddr, Ipv4Addr};
use std::time::{Duration, Instant};

const LOCKED: &str = "bloqueada temporalmente";

async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

/// A client with its own address, so per-IP rate limits do not stand between a test and the
/// limit it is about.
fn client_at(n: u32) -> Client {
    Client { cookie: None, ip: Some(IpAddr::V4(Ipv4Addr::from(0x0a00_0000 + n))) }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn thirty_parallel_wrong_guesses_verify_at_most_five_passwords(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;

    let guesses = (0..30u32).map(|i| {
        let app = &app;
        async move { client_at(i).log_in(app, "res@x.cl", &format!("equivocada-{i}")).await }
    });
    let replies = join_all(guesses).await;
    // Every password checked leaves one `wrong_password` row; the others were refused unchecked.
    let pool = &app.state.pool;
    let verified = count(
        pool,
        "select count(*) from audit_log where action = 'auth.login_failed' and metadata->>'reason' = 'wrong_password'",
    )
    .await;
    let refused =
        count(pool, "select count(*) from audit_log where action = 'auth.login_refused' and metadata->>'reason' = 'locked'")
            .await;
    assert!(verified <= 5, "{verified} passwords verified");
    for r in &replies {
        assert!(r.status.is_client_error(), "{} {}", r.status, r.body);
    }
    assert_eq!(verified + refused, 30);
    assert_eq!(replies.iter().filter(|r| r.body.contains(LOCKED)).count(), 26, "the 5th guess and every refused one say locked");

    // The right password during the lock is refused and logs nobody in.
    let mut owner = client_at(100);
    let r = owner.log_in(&app, "res@x.cl", PASSWORD).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains(LOCKED), "{}", r.body);
    assert_eq!(owner.who_am_i(&app).await, "null");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_right_password_racing_a_lockout_never_unlocks_it(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    // Locked by five earlier failures.
    for i in 0..5 {
        client_at(i).log_in(&app, "res@x.cl", "equivocada").await;
    }
    // The owner, typing the right password ten times at once, and an attacker guessing.
    let attempts = (0..20u32).map(|i| {
        let app = &app;
        async move {
            let password = if i % 2 == 0 { PASSWORD.to_string() } else { format!("equivocada-{i}") };
            client_at(10 + i).log_in(app, "res@x.cl", &password).await
        }
    });
    for r in join_all(attempts).await {
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{}", r.body);
        assert!(r.body.contains(LOCKED), "{}", r.body);
    }
    let still_locked = count(&app.state.pool, "select count(*) from users where locked_until > now()").await;
    assert_eq!(still_locked, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn thirty_parallel_wrong_reset_codes_are_checked_at_most_five_times(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    let id = user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    // A known code, stored as `request_reset` stores one (argon2id hash).
    let hash = app::ssr::password::hash_password("482913").unwrap();
    sqlx::query("insert into password_resets (user_id, code_hash, expires_at) values ($1, $2, now() + interval '10 minutes')")
        .bind(id)
        .bind(hash.into_bytes())
        .execute(&app.state.pool)
        .await
        .unwrap();

    let confirm = |n: u32, code: String| {
        let app = &app;
        async move {
            client_at(n)
                .call(
                    app,
                    "identity/confirm_reset",
                    &[("email", "res@x.cl"), ("code", &code), ("password", "Nueva.Clave.Segura.2026")],
                )
                .await
        }
    };
    let replies = join_all((0..30u32).map(|i| confirm(i, format!("{:06}", 100_000 + i)))).await;
    for r in &replies {
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    }
    let checked = count(&app.state.pool, "select count(*) from audit_log where action = 'auth.password_reset_failed'").await;
    assert!(checked <= 5, "{checked} codes checked");
    // The code died after its tries: the right one no longer works.
    let r = confirm(100, "482913".into()).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    let mut c = client_at(101);
    assert_eq!(c.log_in(&app, "res@x.cl", PASSWORD).await.status, StatusCode::OK);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

async fn timed_reset(app: &TestApp, n: u32, email: &str) -> Duration {
    let req = Request::post("/api/identity/request_reset")
        .header(header::ORIGIN, ORIGIN)
        .header(header::ACCEPT, "application/json")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(format!("email={}", urlencode(email))))
        .unwrap();
    let mut c = client_at(n);
    let started = Instant::now();
    let r = c.send(app, req).await;
    let took = started.elapsed();
    // The same answer either way: on to the code page.
    assert_eq!((r.status, r.header("location")), (StatusCode::OK, Some("/recuperar/codigo")), "{}", r.body);
    took
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_reset_request_takes_as_long_for_an_unknown_email_as_for_an_account(pool: PgPool) {
    const N: u32 = 50;
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    // One account per request (each address and account has its own reset limit), and a
    // distinct client address for each request for the same reason.
    for i in 0..N {
        user(&app, &format!("vecina{i}@x.cl"), "resident", "active", Some(b)).await;
    }
    // Warm up both paths (connections, code caches).
    timed_reset(&app, 1_000, "calentar@x.cl").await;
    timed_reset(&app, 1_001, "vecina0@x.cl").await;
    sqlx::query("delete from password_resets").execute(&app.state.pool).await.unwrap();

    let (mut known, mut unknown) = (Vec::new(), Vec::new());
    for i in 0..N {
        // Interleaved, alternating which goes first, so drift in machine load hits both alike.
        let k = format!("vecina{i}@x.cl");
        let u = format!("nadie{i}@x.cl");
        if i % 2 == 0 {
            known.push(timed_reset(&app, 2 * i, &k).await);
            unknown.push(timed_reset(&app, 2 * i + 1, &u).await);
        } else {
            unknown.push(timed_reset(&app, 2 * i + 1, &u).await);
            known.push(timed_reset(&app, 2 * i, &k).await);
        }
    }
    // Every known account really got a code (the work being equalised is real).
    let codes = count(&app.state.pool, "select count(*) from password_resets").await;
    assert_eq!(codes, i64::from(N));
    let (k, u) = (median(known), median(unknown));
    let ratio = u.as_secs_f64() / k.as_secs_f64();
    println!("reset request medians over {N}: known {k:?}, unknown {u:?}, ratio {ratio:.3}");
    assert!((0.9..=1.1).contains(&ratio), "known {k:?} vs unknown {u:?} (ratio {ratio:.3})");
}
