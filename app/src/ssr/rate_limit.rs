//! Rate limits on the abuse-prone actions (login, sign-up, password reset). Fixed windows
//! counted per key (`login:ip:203.0.113.9`). In memory by default; the server swaps in a Redis
//! counter when `REDIS_URL` is set so limits hold across instances.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// One rule: at most `max` hits per `window` for each key.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit {
    /// Prefix of the counter key.
    pub name: &'static str,
    /// Hits allowed per window.
    pub max: u32,
    /// Window length.
    pub window: Duration,
}

/// Login attempts per client IP (account lockout is separate, in the database).
pub const LOGIN_PER_IP: Limit = Limit { name: "login-ip", max: 100, window: Duration::from_secs(300) };
/// Sign-ups per client IP.
pub const SIGNUP_PER_IP: Limit = Limit { name: "signup-ip", max: 10, window: Duration::from_secs(3600) };
/// Reset-code requests per client IP.
pub const RESET_REQUEST_PER_IP: Limit = Limit { name: "reset-req-ip", max: 10, window: Duration::from_secs(3600) };
/// Reset-code requests per account (by email), so nobody floods a person's WhatsApp.
pub const RESET_REQUEST_PER_ACCOUNT: Limit = Limit { name: "reset-req-acct", max: 3, window: Duration::from_secs(3600) };
/// Reset-code confirmations per client IP (each code also dies after 5 tries).
pub const RESET_CONFIRM_PER_IP: Limit = Limit { name: "reset-confirm-ip", max: 20, window: Duration::from_secs(900) };

/// Booking attempts per resident (a person books a handful a day; a script would not stop).
pub const BOOKING_PER_ACCOUNT: Limit = Limit { name: "booking-acct", max: 30, window: Duration::from_secs(600) };
/// Gate verifications per concierge account: generous for a busy gate, a wall for guessing codes.
pub const VERIFY_PER_ACCOUNT: Limit = Limit { name: "verify-acct", max: 120, window: Duration::from_secs(300) };

/// A counter store.
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one hit on `key` and answers whether it is still within `max` for `window`.
    fn hit<'a>(
        &'a self,
        key: &'a str,
        max: u32,
        window: Duration,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

/// Per-process counters.
#[derive(Debug, Default)]
pub struct MemoryRateLimiter {
    counters: Mutex<HashMap<String, (Instant, u32)>>,
}

impl MemoryRateLimiter {
    /// Synchronous core, shared with the Redis limiter's fallback.
    pub fn hit_now(&self, key: &str, max: u32, window: Duration) -> bool {
        let now = Instant::now();
        let Ok(mut counters) = self.counters.lock() else {
            // A poisoned lock means a panic elsewhere; refuse rather than fail open.
            return false;
        };
        if counters.len() > 50_000 {
            counters.retain(|_, (start, _)| now.duration_since(*start) < window);
        }
        let entry = counters.entry(key.to_string()).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= max
    }
}

impl RateLimiter for MemoryRateLimiter {
    fn hit<'a>(
        &'a self,
        key: &'a str,
        max: u32,
        window: Duration,
    ) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move { self.hit_now(key, max, window) })
    }
}

/// Checks `limit` for `subject` (an IP, an email's blind index…); `Err(RateLimited)` when over.
pub async fn check(
    limiter: &dyn RateLimiter,
    limit: Limit,
    subject: &str,
) -> Result<(), crate::error::AppError> {
    let key = format!("rl:{}:{}", limit.name, subject);
    if limiter.hit(&key, limit.max, limit.window).await {
        Ok(())
    } else {
        tracing::warn!(limit = limit.name, "rate limit exceeded");
        Err(crate::error::AppError::RateLimited)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allows_max_then_refuses_and_resets_after_the_window() {
        let l = MemoryRateLimiter::default();
        for _ in 0..3 {
            assert!(l.hit_now("k", 3, Duration::from_millis(50)));
        }
        assert!(!l.hit_now("k", 3, Duration::from_millis(50)));
        assert!(l.hit_now("other", 3, Duration::from_millis(50)));
        std::thread::sleep(Duration::from_millis(60));
        assert!(l.hit_now("k", 3, Duration::from_millis(50)));
    }
}
