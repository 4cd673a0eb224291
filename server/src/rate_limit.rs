//! The Redis rate limiter (used when `REDIS_URL` is set): one counter per key and window shared
//! by every instance. If Redis cannot answer, the per-process counters take over — limits keep
//! holding (per instance) rather than failing open.

use app::ssr::rate_limit::{MemoryRateLimiter, RateLimiter};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tower_sessions_redis_store::fred::{clients::Pool, interfaces::KeysInterface};

/// Fixed-window counters in Redis (`INCR` then `EXPIRE … NX` on the first hit).
pub struct RedisRateLimiter {
    pool: Pool,
    fallback: MemoryRateLimiter,
}

impl RedisRateLimiter {
    /// Uses an initialised fred pool.
    pub fn new(pool: Pool) -> Self {
        Self { pool, fallback: MemoryRateLimiter::default() }
    }

    async fn count(&self, key: &str, window: Duration) -> Result<u64, tower_sessions_redis_store::fred::error::Error> {
        let n: u64 = self.pool.incr(key).await?;
        if n == 1 {
            let secs = i64::try_from(window.as_secs().max(1)).unwrap_or(i64::MAX);
            let _: () = self.pool.expire(key, secs, None).await?;
        }
        Ok(n)
    }
}

impl RateLimiter for RedisRateLimiter {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        max: u32,
        window: Duration,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move {
            match self.count(key, window).await {
                Ok(n) => n <= u64::from(max),
                Err(err) => {
                    tracing::warn!(error = %err, "redis rate limiter unavailable; using local counters");
                    self.fallback.hit_now(key, max, window)
                }
            }
        })
    }
}
