//! Block templates and the real instants they cover in a building's time zone.
//!
//! Blocks are defined on the wall clock: *Noche* is 20:00 to 07:00 local every night, even on the
//! two nights a year when daylight saving makes that 10 or 12 real hours. The old system computed
//! them in the server's zone and was hours off on a UTC host; here the zone is always explicit.

use chrono::offset::MappedLocalTime;
use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// The longest block a template may describe: one full day.
pub const MAX_DURATION_MINUTES: u32 = 24 * 60;
/// The longest template name, in characters.
const MAX_NAME_CHARS: usize = 40;

/// A daily block shape: starts at a local wall-clock time and lasts a number of wall-clock minutes.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct BlockTemplate {
    /// The name residents see ("Día", "Noche").
    pub name: String,
    /// Local start time in the building's zone.
    pub start_local: NaiveTime,
    /// Wall-clock length in minutes, 1..=1440.
    pub duration_minutes: u32,
}

impl BlockTemplate {
    /// A template typed by an administrator, checked.
    pub fn new(name: &str, start_local: NaiveTime, duration_minutes: u32) -> Result<Self, ScheduleError> {
        let name = name.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() || name.chars().count() > MAX_NAME_CHARS {
            return Err(ScheduleError::InvalidName);
        }
        if !(1..=MAX_DURATION_MINUTES).contains(&duration_minutes) {
            return Err(ScheduleError::InvalidDuration);
        }
        Ok(Self { name, start_local, duration_minutes })
    }

    /// *Día*: 08:00 to 19:00, 11 hours.
    pub fn day() -> Self {
        Self::standard("Día", 8, 11 * 60)
    }

    /// *Noche*: 20:00 to 07:00 the next day, 11 hours.
    pub fn night() -> Self {
        Self::standard("Noche", 20, 11 * 60)
    }

    /// *Día completo*: 08:00 to 07:00 the next day, 23 hours (optional per building).
    pub fn full_day() -> Self {
        Self::standard("Día completo", 8, 23 * 60)
    }

    /// The templates a new building starts with: *Día* and *Noche*.
    pub fn defaults() -> Vec<Self> {
        vec![Self::day(), Self::night()]
    }

    fn standard(name: &str, hour: u32, duration_minutes: u32) -> Self {
        Self {
            name: name.to_owned(),
            start_local: NaiveTime::from_hms_opt(hour, 0, 0).unwrap_or(NaiveTime::MIN),
            duration_minutes,
        }
    }

    /// The wall-clock length, "11 horas".
    pub fn duration_label(&self) -> String {
        duration_label(self.duration_minutes)
    }

    /// The local start and end, on the wall clock, of the block on `date` (the end may fall on
    /// the next day). These are what is shown; [`BlockTemplate::window`] gives the real instants.
    pub fn local_window(&self, date: NaiveDate) -> Result<(NaiveDateTime, NaiveDateTime), ScheduleError> {
        if !(1..=MAX_DURATION_MINUTES).contains(&self.duration_minutes) {
            return Err(ScheduleError::InvalidDuration);
        }
        let start = date.and_time(self.start_local);
        let end = start
            .checked_add_signed(TimeDelta::minutes(i64::from(self.duration_minutes)))
            .ok_or(ScheduleError::OutOfRange)?;
        Ok((start, end))
    }

    /// The real instants the block covers on `date` in `tz`.
    ///
    /// The end is the local start plus the duration *on the wall clock*, then converted, so the
    /// real length changes on daylight-saving nights. A local time skipped by a DST jump becomes
    /// the first instant after the jump; a local time that happens twice takes the earlier one.
    pub fn window(&self, date: NaiveDate, tz: Tz) -> Result<(DateTime<Utc>, DateTime<Utc>), ScheduleError> {
        let (local_start, local_end) = self.local_window(date)?;
        let start = resolve_local(tz, local_start).ok_or(ScheduleError::OutOfRange)?;
        let end = resolve_local(tz, local_end).ok_or(ScheduleError::OutOfRange)?;
        if end <= start {
            // Only a block entirely inside a DST gap collapses like this.
            return Err(ScheduleError::EmptyWindow);
        }
        Ok((start, end))
    }
}

/// A local wall-clock time as a real instant: gaps move forward, folds take the earlier instant.
pub fn resolve_local(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    match tz.from_local_datetime(&local) {
        MappedLocalTime::Single(t) => Some(t.with_timezone(&Utc)),
        MappedLocalTime::Ambiguous(a, b) => Some(a.min(b).with_timezone(&Utc)),
        MappedLocalTime::None => first_instant_after_gap(tz, local),
    }
}

/// The transition instant that skips over `local`: the first instant whose local time is at or
/// after it. Found by bisection over a window wide enough for any UTC offset (±26 h), on which
/// "local time ≥ `local`" flips from false to true exactly at the jump.
fn first_instant_after_gap(tz: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    const SPAN: i64 = 26 * 3600;
    let local_at = |secs: i64| DateTime::from_timestamp(secs, 0).map(|t| tz.from_utc_datetime(&t.naive_utc()).naive_local());
    let reached = |secs: i64| local_at(secs).map(|l| l >= local);
    let centre = local.and_utc().timestamp();
    let (mut lo, mut hi) = (centre.checked_sub(SPAN)?, centre.checked_add(SPAN)?);
    if reached(lo)? || !reached(hi)? {
        return None;
    }
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if reached(mid)? {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    DateTime::from_timestamp(hi, 0)
}

/// "Today" in the building's zone, which is what residents mean by today.
pub fn local_date(now: DateTime<Utc>, tz: Tz) -> NaiveDate {
    now.with_timezone(&tz).date_naive()
}

/// The dates blocks are materialised for: `today` through `today + horizon_days − 1`.
pub fn dates_in_horizon(today: NaiveDate, horizon_days: u32) -> impl Iterator<Item = NaiveDate> {
    today.iter_days().take(usize::try_from(horizon_days).unwrap_or(usize::MAX))
}

/// A whole number of minutes in words: "11 horas", "1 hora", "45 minutos", "1 hora y 30 minutos".
pub fn duration_label(minutes: u32) -> String {
    let (hours, rest) = (minutes / 60, minutes % 60);
    let hours_text = match hours {
        1 => "1 hora".to_owned(),
        h => format!("{h} horas"),
    };
    let minutes_text = match rest {
        1 => "1 minuto".to_owned(),
        m => format!("{m} minutos"),
    };
    match (hours, rest) {
        (0, _) => minutes_text,
        (_, 0) => hours_text,
        _ => format!("{hours_text} y {minutes_text}"),
    }
}

/// Why a block window could not be computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, thiserror::Error)]
#[error("{}", self.message())]
pub enum ScheduleError {
    /// A template name that is empty or too long.
    InvalidName,
    /// A duration outside 1 minute to 24 hours.
    InvalidDuration,
    /// The whole block falls inside a daylight-saving jump, so it does not exist that day.
    EmptyWindow,
    /// A date beyond the range the calendar handles.
    OutOfRange,
}

impl ScheduleError {
    /// The message shown to the administrator (es-CL).
    pub fn message(&self) -> &'static str {
        match self {
            Self::InvalidName => "El nombre del bloque debe tener entre 1 y 40 caracteres.",
            Self::InvalidDuration => "La duración del bloque debe estar entre 1 minuto y 24 horas.",
            Self::EmptyWindow => "Ese bloque no existe ese día por el cambio de horario.",
            Self::OutOfRange => "La fecha está fuera del rango permitido.",
        }
    }
}

#[cfg(test)]
mod tests;
