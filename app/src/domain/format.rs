//! Dates and times written the Chilean way: `sábado, 28 de noviembre`, `20:00`.
//!
//! Written by hand rather than through a locale library because the browser bundle should not
//! carry locale data for one language, and these few forms are all the product shows.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Timelike, Utc, Weekday};
use chrono_tz::Tz;

/// The weekday in lower case, as Spanish writes it mid-sentence.
pub fn weekday_es(weekday: Weekday) -> &'static str {
    match weekday {
        Weekday::Mon => "lunes",
        Weekday::Tue => "martes",
        Weekday::Wed => "miércoles",
        Weekday::Thu => "jueves",
        Weekday::Fri => "viernes",
        Weekday::Sat => "sábado",
        Weekday::Sun => "domingo",
    }
}

/// The month in lower case (`1` → `enero`); out-of-range numbers give an empty string.
pub fn month_es(month: u32) -> &'static str {
    const MONTHS: [&str; 12] = [
        "enero",
        "febrero",
        "marzo",
        "abril",
        "mayo",
        "junio",
        "julio",
        "agosto",
        "septiembre",
        "octubre",
        "noviembre",
        "diciembre",
    ];
    usize::try_from(month)
        .ok()
        .and_then(|m| m.checked_sub(1))
        .and_then(|i| MONTHS.get(i))
        .copied()
        .unwrap_or("")
}

/// `sábado, 28 de noviembre`: for dates in the coming weeks, where the year is obvious.
pub fn long_date(date: NaiveDate) -> String {
    format!("{}, {} de {}", weekday_es(date.weekday()), date.day(), month_es(date.month()))
}

/// `sábado, 28 de noviembre de 2026`: for history and receipts.
pub fn long_date_with_year(date: NaiveDate) -> String {
    format!("{} de {}", long_date(date), date.year())
}

/// `28-11-2026`: the compact numeric form used in tables and CSV exports.
pub fn short_date(date: NaiveDate) -> String {
    format!("{:02}-{:02}-{}", date.day(), date.month(), date.year())
}

/// `20:00`, 24-hour clock.
pub fn time_hm(time: NaiveTime) -> String {
    format!("{:02}:{:02}", time.hour(), time.minute())
}

/// A block's window in the building's zone.
///
/// Same local day: `sábado, 28 de noviembre, 08:00 – 19:00`. Across midnight:
/// `sábado, 28 de noviembre, 20:00 – domingo, 29 de noviembre, 07:00`.
pub fn window_label(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
    let (start, end) = (start.with_timezone(&tz), end.with_timezone(&tz));
    let (start_date, end_date) = (start.date_naive(), end.date_naive());
    let head = format!("{}, {}", long_date(start_date), time_hm(start.time()));
    if start_date == end_date {
        format!("{head} – {}", time_hm(end.time()))
    } else {
        format!("{head} – {}, {}", long_date(end_date), time_hm(end.time()))
    }
}

/// Only the times, `20:00 – 07:00`, for lists already grouped by date.
pub fn time_range_label(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
    format!("{} – {}", time_hm(start.with_timezone(&tz).time()), time_hm(end.with_timezone(&tz).time()))
}

/// A block's times, marking an end on the next day: `20:00 – 07:00 (día siguiente)`.
pub fn block_window_label(start: DateTime<Utc>, end: DateTime<Utc>, tz: Tz) -> String {
    let (s, e) = (start.with_timezone(&tz), end.with_timezone(&tz));
    let next_day = if e.date_naive() > s.date_naive() { " (día siguiente)" } else { "" };
    format!("{} – {}{next_day}", time_hm(s.time()), time_hm(e.time()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::schedule::BlockTemplate;
    use chrono_tz::America::Santiago;
    use proptest::prelude::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
    }

    #[test]
    fn dates_in_spanish() {
        assert_eq!(long_date(date(2026, 11, 28)), "sábado, 28 de noviembre");
        assert_eq!(long_date(date(2026, 9, 2)), "miércoles, 2 de septiembre");
        assert_eq!(long_date_with_year(date(2027, 1, 1)), "viernes, 1 de enero de 2027");
        assert_eq!(short_date(date(2026, 3, 5)), "05-03-2026");
        assert_eq!(month_es(0), "");
        assert_eq!(month_es(13), "");
    }

    #[test]
    fn times_are_24_hour() {
        assert_eq!(time_hm(NaiveTime::from_hms_opt(20, 0, 0).unwrap_or_default()), "20:00");
        assert_eq!(time_hm(NaiveTime::from_hms_opt(7, 5, 59).unwrap_or_default()), "07:05");
    }

    #[test]
    fn window_labels() {
        let Ok((s, e)) = BlockTemplate::night().window(date(2026, 11, 28), Santiago) else { panic!("night") };
        assert_eq!(window_label(s, e, Santiago), "sábado, 28 de noviembre, 20:00 – domingo, 29 de noviembre, 07:00");
        assert_eq!(time_range_label(s, e, Santiago), "20:00 – 07:00");
        let Ok((s, e)) = BlockTemplate::day().window(date(2026, 11, 28), Santiago) else { panic!("day") };
        assert_eq!(window_label(s, e, Santiago), "sábado, 28 de noviembre, 08:00 – 19:00");
    }

    proptest! {
        #[test]
        fn every_date_has_a_label(days in 0u64..40_000) {
            let d = date(2000, 1, 1) + chrono::Days::new(days);
            let label = long_date(d);
            let day_part = format!(", {} de ", d.day());
            prop_assert!(label.contains(&day_part));
            prop_assert!(!month_es(d.month()).is_empty());
            prop_assert!(long_date_with_year(d).ends_with(&d.year().to_string()));
        }
    }
}
