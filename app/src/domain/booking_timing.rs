//! When a booking's clock-driven events are due: hold expiry, check-in window, no-show, overstay
//! and completion. Jobs and the concierge screen pass `now` in, so these stay pure and testable.

use chrono::{DateTime, TimeDelta, Utc};

/// How long an unpaid booking holds its spot.
pub const HOLD_MINUTES: i64 = 15;
/// How early before the start the concierge may check a car in, for a building that has not
/// chosen otherwise (the database default of `buildings.check_in_early_minutes`).
pub const DEFAULT_CHECK_IN_EARLY_MINUTES: u32 = 15;
/// How long after the end a car may stay before it is an overstay.
pub const OVERSTAY_GRACE_MINUTES: i64 = 15;
/// The default wait after the start before a confirmed booking is a no-show (per building).
pub const DEFAULT_NO_SHOW_GRACE_MINUTES: u32 = 30;

/// `t + minutes`, saturating at the end of representable time instead of panicking.
fn plus_minutes(t: DateTime<Utc>, minutes: i64) -> DateTime<Utc> {
    TimeDelta::try_minutes(minutes)
        .and_then(|delta| t.checked_add_signed(delta))
        .unwrap_or(if minutes >= 0 { DateTime::<Utc>::MAX_UTC } else { DateTime::<Utc>::MIN_UTC })
}

/// When the payment hold of a booking created at `created_at` runs out.
pub fn hold_expires_at(created_at: DateTime<Utc>) -> DateTime<Utc> {
    plus_minutes(created_at, HOLD_MINUTES)
}

/// Whether an unpaid hold has run out (the instant itself counts as expired).
pub fn hold_expired(now: DateTime<Utc>, hold_expires_at: DateTime<Utc>) -> bool {
    now >= hold_expires_at
}

/// When the gate starts admitting a booking that starts at `start`, given the building's
/// "ingreso anticipado" setting.
pub fn check_in_opens_at(start: DateTime<Utc>, early_minutes: u32) -> DateTime<Utc> {
    plus_minutes(start, -i64::from(early_minutes))
}

/// Whether the concierge may check in now: from the building's `early_minutes` before the start
/// until the end.
pub fn check_in_window_open(now: DateTime<Utc>, start: DateTime<Utc>, end: DateTime<Utc>, early_minutes: u32) -> bool {
    now >= check_in_opens_at(start, early_minutes) && now < end
}

/// Why the gate cannot admit a confirmed booking now, if it cannot: too early for the
/// building's window, or already over.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckInRefusal {
    /// Before the window opens (`early_minutes` before the start).
    TooEarly,
    /// At or after the end.
    Ended,
}

/// The gate's timing verdict for a confirmed booking: `None` when it may enter now.
pub fn check_in_refusal(
    now: DateTime<Utc>,
    start: DateTime<Utc>,
    end: DateTime<Utc>,
    early_minutes: u32,
) -> Option<CheckInRefusal> {
    if now < check_in_opens_at(start, early_minutes) {
        Some(CheckInRefusal::TooEarly)
    } else if now >= end {
        Some(CheckInRefusal::Ended)
    } else {
        None
    }
}

/// The building's setting as the domain wants it: the column is checked to 0..=1440, so a
/// negative value can only be a bug; it is read as "no early entry" rather than a panic.
pub fn early_minutes_of(column: i32) -> u32 {
    u32::try_from(column).unwrap_or(0)
}

/// Whether a confirmed booking without a check-in is now a no-show.
pub fn no_show_due(now: DateTime<Utc>, start: DateTime<Utc>, grace_minutes: u32) -> bool {
    now >= plus_minutes(start, i64::from(grace_minutes))
}

/// Whether a car still inside is now an overstay (end plus 15 minutes of grace).
pub fn overstay_due(now: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    now >= plus_minutes(end, OVERSTAY_GRACE_MINUTES)
}

/// Whether a confirmed booking that was never checked in can be completed (its block is over);
/// used only where no-show marking is turned off.
pub fn completion_due(now: DateTime<Utc>, end: DateTime<Utc>) -> bool {
    now >= end
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 28, 23, 0, 0).single().unwrap_or_default()
    }

    fn min(m: i64) -> DateTime<Utc> {
        start() + TimeDelta::minutes(m)
    }

    #[test]
    fn check_in_window_boundaries() {
        let end = min(11 * 60);
        let early = DEFAULT_CHECK_IN_EARLY_MINUTES;
        assert!(!check_in_window_open(min(-16), start(), end, early));
        assert!(check_in_window_open(min(-15), start(), end, early));
        assert!(check_in_window_open(min(0), start(), end, early));
        assert!(check_in_window_open(end - TimeDelta::seconds(1), start(), end, early));
        assert!(!check_in_window_open(end, start(), end, early));
    }

    #[test]
    fn the_buildings_early_minutes_decide_the_window() {
        let end = min(11 * 60);
        // Thirty minutes early: too early where 5 minutes are allowed, fine where 45 are.
        assert!(!check_in_window_open(min(-30), start(), end, 5));
        assert_eq!(check_in_refusal(min(-30), start(), end, 5), Some(CheckInRefusal::TooEarly));
        assert!(check_in_window_open(min(-30), start(), end, 45));
        assert_eq!(check_in_refusal(min(-30), start(), end, 45), None);
        assert!(check_in_window_open(min(-45), start(), end, 45));
        assert!(!check_in_window_open(min(-46), start(), end, 45));
        // No early entry at all.
        assert!(!check_in_window_open(min(0) - TimeDelta::seconds(1), start(), end, 0));
        assert!(check_in_window_open(min(0), start(), end, 0));
        assert_eq!(check_in_refusal(end, start(), end, 45), Some(CheckInRefusal::Ended));
        assert_eq!(check_in_opens_at(start(), 45), min(-45));
    }

    #[test]
    fn a_negative_column_means_no_early_entry() {
        assert_eq!(early_minutes_of(-5), 0);
        assert_eq!(early_minutes_of(0), 0);
        assert_eq!(early_minutes_of(1440), 1440);
    }

    #[test]
    fn no_show_after_grace() {
        assert!(!no_show_due(min(29), start(), DEFAULT_NO_SHOW_GRACE_MINUTES));
        assert!(no_show_due(min(30), start(), DEFAULT_NO_SHOW_GRACE_MINUTES));
        assert!(no_show_due(min(0), start(), 0));
        assert!(!no_show_due(min(10_000), start(), u32::MAX));
    }

    #[test]
    fn overstay_after_end_plus_grace() {
        let end = min(660);
        assert!(!overstay_due(min(674), end));
        assert!(overstay_due(min(675), end));
        assert!(!completion_due(min(659), end));
        assert!(completion_due(end, end));
    }

    #[test]
    fn hold_lasts_fifteen_minutes() {
        let expires = hold_expires_at(start());
        assert_eq!(expires, min(15));
        assert!(!hold_expired(min(14), expires));
        assert!(hold_expired(min(15), expires));
    }

    #[test]
    fn extremes_saturate_instead_of_panicking() {
        let max = DateTime::<Utc>::MAX_UTC;
        assert_eq!(hold_expires_at(max), max);
        assert!(!overstay_due(max - TimeDelta::seconds(1), max));
        assert!(check_in_window_open(DateTime::<Utc>::MIN_UTC, DateTime::<Utc>::MIN_UTC, max, u32::MAX));
    }

    proptest! {
        #[test]
        fn window_is_an_interval(offset in -2_000i64..2_000, len in 1i64..2_000, early in 0u32..=1440) {
            let end = min(len);
            let open = check_in_window_open(min(offset), start(), end, early);
            prop_assert_eq!(open, offset >= -i64::from(early) && offset < len);
            // The refusal agrees with the window, and names the right side.
            let refusal = check_in_refusal(min(offset), start(), end, early);
            prop_assert_eq!(refusal.is_none(), open);
            if offset < -i64::from(early) { prop_assert_eq!(refusal, Some(CheckInRefusal::TooEarly)); }
        }

        #[test]
        fn more_early_minutes_never_close_the_window(offset in -2_000i64..2_000, a in 0u32..=1440, b in 0u32..=1440) {
            let end = min(600);
            let (lo, hi) = (a.min(b), a.max(b));
            if check_in_window_open(min(offset), start(), end, lo) {
                prop_assert!(check_in_window_open(min(offset), start(), end, hi));
            }
        }

        #[test]
        fn due_rules_are_monotone(a in -5_000i64..5_000, b in 0i64..5_000, grace in 0u32..120) {
            // Once due, always due later.
            if no_show_due(min(a), start(), grace) { prop_assert!(no_show_due(min(a + b), start(), grace)); }
            if overstay_due(min(a), start()) { prop_assert!(overstay_due(min(a + b), start())); }
            if hold_expired(min(a), start()) { prop_assert!(hold_expired(min(a + b), start())); }
        }
    }
}
