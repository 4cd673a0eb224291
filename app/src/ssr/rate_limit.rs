//! Rate limits on the abuse-prone actions (login, sign-up, password reset, bookings, gate
//! checks). Each rule allows `max` hits per `window` for each key (`rl:login-ip:203.0.113.9`),
//! counted by the GCRA of the `governor` crate in memory, or by one atomic Redis script when
//! `REDIS_URL` is set so limits hold across instances (see the server's `rate_limit`).
//!
//! Client addresses are keyed per address for IPv4 and per /64 for IPv6: one subscriber gets a
//! whole /64 and could otherwise rotate through it to multiply every limit.

use governor::{DefaultKeyedRateLimiter, Quota};
use std::collections::HashMap;
use std::future::Future;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

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

/// Calendar files and feeds fetched by token (guest pass, private feed) per client IP: a calendar
/// program polls a feed a few times an hour; guessing 256-bit tokens is hopeless anyway, this
/// keeps the cost of trying bounded.
pub const CALENDAR_PER_IP: Limit = Limit { name: "calendar-ip", max: 60, window: Duration::from_secs(300) };

/// A counter store.
pub trait RateLimiter: Send + Sync + 'static {
    /// Counts one hit on `key` and answers whether it is still within `max` for `window`.
    fn hit<'a>(&'a self, key: &'a str, max: u32, window: Duration) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>>;
}

/// One rule's limiter, shared with sweeps while hits continue.
type RuleLimiter = Arc<DefaultKeyedRateLimiter<String>>;

/// How many hits between two sweeps of keys whose allowance is whole again.
const SWEEP_EVERY: u64 = 1024;

/// Per-process limits: one `governor` keyed limiter per rule (`max`, `window`). Memory stays
/// bounded by the keys active within their window: every [`SWEEP_EVERY`] hits, keys whose
/// allowance has fully recovered (indistinguishable from a new key) are dropped — which never
/// changes an answer, unlike resetting counters.
#[derive(Default)]
pub struct MemoryRateLimiter {
    rules: Mutex<HashMap<(u32, Duration), RuleLimiter>>,
    hits: AtomicU64,
}

impl std::fmt::Debug for MemoryRateLimiter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MemoryRateLimiter").field("tracked_keys", &self.tracked_keys()).finish()
    }
}

impl MemoryRateLimiter {
    /// Synchronous core, shared with the Redis limiter's fallback.
    pub fn hit_now(&self, key: &str, max: u32, window: Duration) -> bool {
        let Some(limiter) = self.rule(max, window) else {
            // A poisoned lock means a panic elsewhere; refuse rather than fail open.
            return false;
        };
        if self.hits.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY == SWEEP_EVERY - 1 {
            self.sweep();
        }
        limiter.check_key(&key.to_string()).is_ok()
    }

    /// Drops every key whose allowance is whole again.
    pub fn sweep(&self) {
        // Sweep outside the lock: hits on other rules keep flowing meanwhile.
        let limiters: Vec<_> = match self.rules.lock() {
            Ok(rules) => rules.values().cloned().collect(),
            Err(_) => return,
        };
        for limiter in limiters {
            limiter.retain_recent();
            limiter.shrink_to_fit();
        }
    }

    /// How many keys are held in memory (all rules).
    pub fn tracked_keys(&self) -> usize {
        self.rules.lock().map(|rules| rules.values().map(|l| l.len()).sum()).unwrap_or(0)
    }

    fn rule(&self, max: u32, window: Duration) -> Option<RuleLimiter> {
        let mut rules = self.rules.lock().ok()?;
        let limiter = rules
            .entry((max, window))
            .or_insert_with(|| Arc::new(DefaultKeyedRateLimiter::keyed(quota(max, window))));
        Some(limiter.clone())
    }
}

/// `max` hits at once, then one more every `window / max`: never more than `max` in a window
/// after a full one.
fn quota(max: u32, window: Duration) -> Quota {
    let burst = NonZeroU32::new(max).unwrap_or(NonZeroU32::MIN);
    let period = (window / burst.get()).max(Duration::from_nanos(1));
    Quota::with_period(period).map_or(Quota::per_second(burst), |q| q.allow_burst(burst))
}

impl RateLimiter for MemoryRateLimiter {
    fn hit<'a>(&'a self, key: &'a str, max: u32, window: Duration) -> Pin<Box<dyn Future<Output = bool> + Send + 'a>> {
        Box::pin(async move { self.hit_now(key, max, window) })
    }
}

/// The rate-limit subject of a client address: the address for IPv4, its /64 for IPv6.
pub fn ip_subject(ip: IpAddr) -> String {
    match ip.to_canonical() {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let network = std::net::Ipv6Addr::from(u128::from(v6) & (u128::MAX << 64));
            format!("{network}/64")
        }
    }
}

/// Checks `limit` for `subject` (an IP, an email's blind index…); `Err(RateLimited)` when over.
/// A subject that is an IP address is keyed by [`ip_subject`], so callers cannot get the IPv6
/// grouping wrong.
pub async fn check(limiter: &dyn RateLimiter, limit: Limit, subject: &str) -> Result<(), crate::error::AppError> {
    let subject = match subject.parse::<IpAddr>() {
        Ok(ip) => ip_subject(ip),
        Err(_) => subject.to_string(),
    };
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
    use crate::error::AppError;

    #[test]
    fn allows_max_then_refuses_and_recovers_after_the_window() {
        let l = MemoryRateLimiter::default();
        for _ in 0..3 {
            assert!(l.hit_now("k", 3, Duration::from_millis(60)));
        }
        assert!(!l.hit_now("k", 3, Duration::from_millis(60)));
        assert!(l.hit_now("other", 3, Duration::from_millis(60)));
        std::thread::sleep(Duration::from_millis(70));
        for _ in 0..3 {
            assert!(l.hit_now("k", 3, Duration::from_millis(60)));
        }
    }

    /// The old limiter purged the whole map with the window of whichever rule happened to be
    /// counting when it grew past 50 000 keys: a short rule's purge reset every long rule's
    /// counters, so a flood of cheap requests unlocked the strict limits.
    #[test]
    fn sweeping_for_a_short_rule_does_not_reset_a_long_one() {
        let l = MemoryRateLimiter::default();
        let long = Duration::from_secs(3600);
        assert!(l.hit_now("rl:reset-req-acct:x", 1, long));
        assert!(!l.hit_now("rl:reset-req-acct:x", 1, long));
        std::thread::sleep(Duration::from_millis(5));
        for i in 0..50_100 {
            l.hit_now(&format!("rl:short:{i}"), 100, Duration::from_millis(1));
        }
        l.sweep();
        assert!(!l.hit_now("rl:reset-req-acct:x", 1, long), "a sweep must not reset a running window");
    }

    #[test]
    fn memory_is_bounded_by_the_keys_still_counting() {
        let l = MemoryRateLimiter::default();
        for i in 0..5_000 {
            l.hit_now(&format!("rl:t:{i}"), 10, Duration::from_millis(500));
        }
        assert!(l.hit_now("rl:long:held", 1, Duration::from_secs(3600)));
        assert!(l.tracked_keys() >= 5_000);
        std::thread::sleep(Duration::from_millis(550));
        // The periodic sweep runs by itself within SWEEP_EVERY hits.
        for _ in 0..SWEEP_EVERY {
            l.hit_now("rl:t:again", 1_000_000, Duration::from_secs(1));
        }
        assert!(l.tracked_keys() <= 2, "{} keys left", l.tracked_keys());
        assert!(!l.hit_now("rl:long:held", 1, Duration::from_secs(3600)), "a counting key survives");
    }

    #[test]
    fn ipv6_addresses_are_grouped_by_their_64_and_ipv4_by_address() {
        let s = |t: &str| ip_subject(t.parse().unwrap());
        assert_eq!(s("2001:db8:1:2:aaaa::1"), s("2001:db8:1:2:ffff:1:2:3"));
        assert_eq!(s("2001:db8:1:2::9"), "2001:db8:1:2::/64");
        assert_ne!(s("2001:db8:1:2::1"), s("2001:db8:1:3::1"));
        assert_eq!(s("198.51.100.7"), "198.51.100.7");
        assert_ne!(s("198.51.100.7"), s("198.51.100.8"));
        assert_eq!(s("::ffff:198.51.100.7"), "198.51.100.7");
    }

    /// The old limiter keyed every IPv6 address separately: one /64 was 2^64 fresh budgets.
    #[tokio::test]
    async fn two_addresses_of_one_64_share_a_budget() {
        let l = MemoryRateLimiter::default();
        let rule = Limit { name: "t", max: 2, window: Duration::from_secs(3600) };
        assert_eq!(check(&l, rule, "2001:db8:1:2::1").await, Ok(()));
        assert_eq!(check(&l, rule, "2001:db8:1:2::2").await, Ok(()));
        assert_eq!(check(&l, rule, "2001:db8:1:2:ffff::3").await, Err(AppError::RateLimited));
        assert_eq!(check(&l, rule, "2001:db8:1:3::1").await, Ok(()));
        assert_eq!(check(&l, rule, "198.51.100.7").await, Ok(()));
        assert_eq!(check(&l, rule, "198.51.100.8").await, Ok(()));
    }
}
