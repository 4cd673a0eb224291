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

mod limiter {
    //! The Redis limiter against the real Redis: one atomic script per hit, so a counter always
    //! expires.

    use app::ssr::rate_limit::RateLimiter;
    use server::rate_limit::RedisRateLimiter;
    use std::time::Duration;
    use tower_sessions_redis_store::fred::{
        clients::Pool,
        interfaces::{ClientLike, KeysInterface},
        types::{config::Config as RedisConfig, Builder},
    };

    async fn pool() -> Pool {
        let pool = Builder::from_config(RedisConfig::from_url(&super::redis_url()).unwrap()).build_pool(2).unwrap();
        pool.init().await.unwrap();
        pool
    }

    fn fresh_key() -> String {
        format!("rl:test:{}", uuid::Uuid::new_v4())
    }

    /// The old limiter ran `INCR`, then `EXPIRE` only when the count was 1: a counter left
    /// without an expiry (a crash or a lost connection between the two commands) stayed
    /// limited forever, since no later hit ever set one.
    #[tokio::test]
    async fn a_counter_without_expiry_gets_one_on_the_next_hit() {
        let pool = pool().await;
        let limiter = RedisRateLimiter::new(pool.clone());
        let key = fresh_key();
        let _: () = pool.set(key.as_str(), 50, None, None, false).await.unwrap();
        assert!(!limiter.hit(&key, 5, Duration::from_secs(60)).await, "over the limit now");
        let ttl: i64 = pool.pttl(key.as_str()).await.unwrap();
        assert!(ttl > 0 && ttl <= 60_000, "the counter must expire, pttl = {ttl}");
        let _: i64 = pool.del(key.as_str()).await.unwrap();
    }

    #[tokio::test]
    async fn parallel_hits_count_exactly_and_the_window_ends() {
        let pool = pool().await;
        let limiter = std::sync::Arc::new(RedisRateLimiter::new(pool.clone()));
        let key = fresh_key();
        let hits = (0..40).map(|_| {
            let (limiter, key) = (limiter.clone(), key.clone());
            tokio::spawn(async move { limiter.hit(&key, 10, Duration::from_millis(700)).await })
        });
        let mut allowed = 0;
        for hit in hits {
            allowed += usize::from(hit.await.unwrap());
        }
        assert_eq!(allowed, 10);
        let ttl: i64 = pool.pttl(key.as_str()).await.unwrap();
        assert!(ttl > 0 && ttl <= 700, "pttl = {ttl}");
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(limiter.hit(&key, 10, Duration::from_millis(700)).await, "a new window starts");
        let _: i64 = pool.del(key.as_str()).await.unwrap();
    }
}
