//! The Redis rate limiter (used when `REDIS_URL` is set): one counter per key and window shared
//! by every instance. If Redis cannot answer, the per-process limiter takes over — limits keep
//! holding (per instance) rather than failing open.

use app::ssr::rate_limit::{MemoryRateLimiter, RateLimiter};
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;
use tower_sessions_redis_store::fred::{clients::Pool, interfaces::LuaInterface};

/// Counts a hit and makes sure the counter expires, in one atomic step: `INCR`, then `PEXPIRE`
/// whenever the key has no expiry (a new key — or one left without an expiry by anything else,
/// which would otherwise stay limited forever). Redis runs a script without interleaving other
/// commands, so no client can observe or leave the counter without a TTL.
const HIT_SCRIPT: &str = r"
local n = redis.call('INCR', KEYS[1])
if redis.call('PTTL', KEYS[1]) < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
";

/// Fixed-window counters in Redis, one atomic script per hit.
pub struct RedisRateLimiter {
    pool: Pool,
    fallback: MemoryRateLimiter,
}

impl RedisRateLimiter {
    /// Uses an initialised fred pool.
    pub fn new(pool: Pool) -> Self {
        Self { pool, fallback: MemoryRateLimiter::default() }
    }

    /// Counts one hit on `key` and returns the count within the current window.
    pub async fn count(&self, key: &str, window: Duration) -> Result<u64, tower_sessions_redis_store::fred::error::Error> {
        let millis = i64::try_from(window.as_millis().max(1)).unwrap_or(i64::MAX);
        self.pool.eval(HIT_SCRIPT, vec![key.to_string()], vec![millis]).await
    }
}

impl RateLimiter for RedisRateLimiter {
    fn hit<'a>(&'a self, key: &'a str, max: u32, window: Duration) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
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
