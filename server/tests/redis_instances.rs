//! Two server instances sharing PostgreSQL and the real Redis of this machine: a session made
//! on one is valid on the other, and rate limits count across both.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::StatusCode;
use sqlx::PgPool;

fn redis_url() -> String {
    std::env::var("REDIS_TEST_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sessions_and_rate_limits_are_shared_through_redis(pool: PgPool) {
    let url = redis_url();
    let a = app_with(pool.clone(), &[("REDIS_URL", url.as_str())]).await;
    let b = app_with(pool, &[("REDIS_URL", url.as_str())]).await;
    let building = building(&a.state.pool, "Torre A").await;
    user(&a, "con@x.cl", "concierge", "active", Some(building)).await;

    // A session started on instance A is recognised by instance B.
    let mut c = Client::default();
    assert_eq!(c.log_in(&a, "con@x.cl", PASSWORD).await.status, StatusCode::OK);
    assert!(c.who_am_i(&b).await.contains("concierge"));
    c.call(&b, "identity/log_out", &[]).await;
    assert_eq!(c.who_am_i(&a).await, "null", "logout on B ends the session on A");

    // One client address alternating between instances hits one shared counter. A random
    // address from the documentation range keeps reruns and parallel runs apart.
    let ip: std::net::IpAddr = format!("198.51.100.{}", 1 + rand::random::<u8>() % 250).parse().unwrap();
    let max = app::ssr::rate_limit::LOGIN_PER_IP.max as usize;
    let mut c = Client { cookie: None, ip: Some(ip) };
    let mut refused = None;
    for i in 0..=max {
        let instance = if i % 2 == 0 { &a } else { &b };
        if c.log_in(instance, "nadie@x.cl", "cualquier-clave").await.status == StatusCode::TOO_MANY_REQUESTS {
            refused = Some(i);
            break;
        }
    }
    // Earlier runs within the window may have counted for the same address already, so the
    // refusal can come sooner, never later than the shared limit.
    assert!(refused.is_some(), "the limit holds across instances");
}
