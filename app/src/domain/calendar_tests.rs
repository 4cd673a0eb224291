//! The calendar builder against RFC 5545's shape rules and a real parser (the `icalendar`
//! crate): what we write is what a calendar program reads back.

use super::*;
use chrono::{Duration, NaiveDate, TimeZone};
use chrono_tz::America::Santiago;
use icalendar::{Calendar, CalendarDateTime, Component as _, DatePerhapsTime, EventLike as _};
use proptest::prelude::*;

fn at(y: i32, m: u32, d: u32, h: u32, min: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap()
}

fn event(summary: &str, location: &str, description: &str) -> CalendarEvent {
    CalendarEvent {
        uid: "reserva-0b6f3c1e@estacionate".into(),
        starts_at: at(2026, 12, 7, 23, 0),
        ends_at: at(2026, 12, 8, 10, 0),
        summary: summary.into(),
        location: location.into(),
        description: description.into(),
        url: Some("https://estacionate.cl/pase/abc".into()),
        cancelled: false,
    }
}

/// Parses with the real parser; one calendar, its events.
fn parse(text: &str) -> Vec<icalendar::Event> {
    let calendar: Calendar = text.parse().expect("the parser reads our file");
    calendar.components.iter().filter_map(|c| c.as_event().cloned()).collect()
}

fn utc_of(value: Option<DatePerhapsTime>) -> DateTime<Utc> {
    match value {
        Some(DatePerhapsTime::DateTime(CalendarDateTime::Utc(t))) => t,
        other => panic!("expected a UTC date-time, got {other:?}"),
    }
}

/// Every physical line ends with CRLF, is at most 75 octets, and no bare CR or LF exists.
fn assert_shape(text: &str) {
    assert!(text.ends_with("\r\n"));
    let body = &text[..text.len() - 2];
    for line in body.split("\r\n") {
        assert!(line.len() <= MAX_LINE_OCTETS, "line of {} octets: {line:?}", line.len());
        assert!(!line.contains('\r') && !line.contains('\n'), "bare line break in {line:?}");
    }
}

#[test]
fn a_booking_reads_back_with_its_address_window_and_uid() {
    let text =
        calendar(None, &[event("Estacionamiento V-03", "Av. Bustamante 120, Providencia", "Visita")], at(2026, 12, 1, 12, 0));
    assert!(text.starts_with("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:"));
    assert_shape(&text);
    let events = parse(&text);
    assert_eq!(events.len(), 1);
    let e = &events[0];
    assert_eq!(e.get_uid(), Some("reserva-0b6f3c1e@estacionate"));
    assert_eq!(e.get_summary(), Some("Estacionamiento V-03"));
    assert_eq!(e.get_location(), Some("Av. Bustamante 120, Providencia"));
    assert_eq!(utc_of(e.get_start()), at(2026, 12, 7, 23, 0));
    assert_eq!(utc_of(e.get_end()), at(2026, 12, 8, 10, 0));
    assert_eq!(e.property_value("DTSTAMP"), Some("20261201T120000Z"));
    assert_eq!(e.property_value("STATUS"), Some("CONFIRMED"));
    assert!(text.contains("LOCATION:Av. Bustamante 120\\, Providencia\r\n"));
}

#[test]
fn special_characters_are_escaped_and_come_back_intact() {
    assert_eq!(escape_text("a,b;c\\d\ne"), "a\\,b\\;c\\\\d\\ne");
    assert_eq!(escape_text("uno\r\ndos\rtres"), "uno\\ndos\\ntres");
    assert_eq!(escape_text("sin\u{7}control\ttab"), "sincontrol\ttab");
    let tricky = "Torre \"Sur\"; piso 2, depto \\ 3\nEntrada por calle lateral: portón";
    let text = calendar(None, &[event(tricky, tricky, tricky)], at(2026, 1, 1, 0, 0));
    assert_shape(&text);
    let e = &parse(&text)[0];
    assert_eq!(e.get_summary(), Some(tricky));
    assert_eq!(e.get_location(), Some(tricky));
    assert_eq!(e.get_description(), Some(tricky));
}

#[test]
fn long_lines_fold_at_75_octets_without_splitting_characters() {
    let line = format!("DESCRIPTION:{}", "ñ".repeat(100));
    let folded = fold(&line);
    assert_shape(&folded);
    // Unfolding (remove CRLF + one space) gives the line back.
    assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), line);
    assert_eq!(fold("SHORT:x"), "SHORT:x\r\n");
    let exactly = format!("X:{}", "a".repeat(73));
    assert_eq!(fold(&exactly), format!("{exactly}\r\n"));
    let one_more = format!("X:{}", "a".repeat(74));
    assert_eq!(fold(&one_more), format!("X:{}\r\n a\r\n", "a".repeat(73)));
}

/// Chile leaves summer time on the first Sunday of April (2026-04-05, 00:00 → 23:00 the day
/// before) and enters it on the first Sunday of September (2026-09-06, 00:00 → 01:00). A night
/// block 20:00–07:00 then lasts 12 and 10 hours; the file must carry exactly those instants.
#[test]
fn a_night_across_each_chilean_clock_change_keeps_its_real_length() {
    for (day, hours) in [(NaiveDate::from_ymd_opt(2026, 4, 4).unwrap(), 12), (NaiveDate::from_ymd_opt(2026, 9, 5).unwrap(), 10)] {
        let start = Santiago
            .from_local_datetime(&day.and_hms_opt(20, 0, 0).unwrap())
            .single()
            .unwrap()
            .with_timezone(&Utc);
        let end_local = (day + Duration::days(1)).and_hms_opt(7, 0, 0).unwrap();
        let end = Santiago.from_local_datetime(&end_local).single().unwrap().with_timezone(&Utc);
        let mut e = event("Noche", "Av. Italia 1000", "Noche");
        e.starts_at = start;
        e.ends_at = end;
        let parsed = &parse(&calendar(None, &[e], start))[0];
        let (s, t) = (utc_of(parsed.get_start()), utc_of(parsed.get_end()));
        assert_eq!((s, t), (start, end));
        assert_eq!(t - s, Duration::hours(hours), "{day}");
        // And in the building's zone, the reader sees 20:00 and 07:00.
        assert_eq!(s.with_timezone(&Santiago).format("%H:%M").to_string(), "20:00");
        assert_eq!(t.with_timezone(&Santiago).format("%H:%M").to_string(), "07:00");
    }
}

#[test]
fn a_feed_holds_every_event_its_name_and_cancellations() {
    let mut cancelled = event("Cancelada", "Av. Italia 1000", "");
    cancelled.uid = "reserva-2@estacionate".into();
    cancelled.cancelled = true;
    cancelled.url = None;
    let text =
        calendar(Some("Estacionate: mis reservas"), &[event("Uno", "Av. Italia 1000", "x"), cancelled], at(2026, 1, 1, 0, 0));
    assert_shape(&text);
    let calendar: Calendar = text.parse().unwrap();
    assert_eq!(calendar.property_value("X-WR-CALNAME"), Some("Estacionate: mis reservas"));
    let events = parse(&text);
    assert_eq!(events.len(), 2);
    assert_eq!(events[1].property_value("STATUS"), Some("CANCELLED"));
    assert_eq!(events[1].property_value("URL"), None);
    assert_eq!(text.matches("BEGIN:VEVENT\r\n").count(), 2);
    let empty = super::calendar(Some("Vacío"), &[], at(2026, 1, 1, 0, 0));
    assert!(parse(&empty).is_empty());
    assert!(empty.ends_with("END:VCALENDAR\r\n"));
}

#[test]
fn a_line_break_in_a_link_cannot_inject_a_property() {
    let mut e = event("x", "y", "z");
    e.url = Some("https://x.cl/pase/a\r\nATTENDEE:mailto:evil@x.cl".into());
    let text = calendar(None, &[e], at(2026, 1, 1, 0, 0));
    assert!(!text.contains("\r\nATTENDEE"));
    assert_shape(&text);
}

proptest! {
    /// Whatever the text, every line is CRLF-terminated and ≤ 75 octets, and the parser reads
    /// the same text back (control characters other than line breaks and tabs are dropped).
    #[test]
    fn any_text_survives_escaping_and_folding(text in "[a-zA-Z0-9áéíóúñÑ€ ,;:\\\\\n\r\"'.-]{1,300}") {
        let out = calendar(None, &[event(&text, &text, &text)], at(2026, 1, 1, 0, 0));
        assert_shape(&out);
        let expected = text.replace("\r\n", "\n").replace('\r', "\n");
        let e = &parse(&out)[0];
        // The parser keeps leading/trailing whitespace of a value as is.
        prop_assert_eq!(e.get_summary(), Some(expected.as_str()));
        prop_assert_eq!(e.get_description(), Some(expected.as_str()));
    }

    /// Folding never loses or adds a character and never splits one.
    #[test]
    fn folding_is_lossless(line in "\\PC{0,400}") {
        let folded = fold(&line);
        prop_assert!(folded.ends_with("\r\n"));
        for physical in folded.trim_end_matches("\r\n").split("\r\n") {
            prop_assert!(physical.len() <= MAX_LINE_OCTETS);
        }
        prop_assert_eq!(folded.trim_end_matches("\r\n").replace("\r\n ", ""), line);
    }

    /// Any instant is written and read back exactly (to the second).
    #[test]
    fn instants_round_trip(secs in 0i64..4_102_444_800, len in 60i64..172_800) {
        let start = DateTime::from_timestamp(secs, 0).unwrap();
        let mut e = event("x", "y", "z");
        e.starts_at = start;
        e.ends_at = start + Duration::seconds(len);
        let parsed = &parse(&calendar(None, &[e], start))[0];
        prop_assert_eq!(utc_of(parsed.get_start()), start);
        prop_assert_eq!(utc_of(parsed.get_end()), start + Duration::seconds(len));
    }
}
