//! Daylight-saving tests against the real America/Santiago rules shipped in chrono-tz.

use super::*;
use chrono::{Datelike, Offset, Weekday};
use chrono_tz::America::Santiago;
use proptest::prelude::*;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap_or_default()
}

fn hm(h: u32, m: u32) -> NaiveTime {
    NaiveTime::from_hms_opt(h, m, 0).unwrap_or_default()
}

/// UTC offset in seconds at local noon of `day` (noon is never inside a Chilean transition).
fn noon_offset(tz: Tz, day: NaiveDate) -> i32 {
    tz.from_local_datetime(&day.and_time(hm(12, 0)))
        .earliest()
        .map_or(i32::MIN, |t| t.offset().fix().local_minus_utc())
}

/// The days whose noon offset differs from the next day's, found from the tz data itself.
fn transitions(tz: Tz, year: i32) -> Vec<(NaiveDate, i32)> {
    date(year, 1, 1)
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| {
            let next = d.succ_opt()?;
            let shift = noon_offset(tz, next) - noon_offset(tz, d);
            (shift != 0).then_some((d, shift))
        })
        .collect()
}

fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&Santiago).naive_local()
}

fn window(template: &BlockTemplate, day: NaiveDate) -> (DateTime<Utc>, DateTime<Utc>) {
    template.window(day, Santiago).unwrap_or_else(|e| panic!("{day}: {e}"))
}

#[test]
fn santiago_changes_on_the_first_saturday_of_april_and_september() {
    for year in [2026, 2027] {
        let found = transitions(Santiago, year);
        let months: Vec<_> = found.iter().map(|(d, shift)| (d.month(), *shift)).collect();
        // April: back one hour (−03 → −04); September: forward one hour (−04 → −03).
        assert_eq!(months, [(4, -3600), (9, 3600)], "{year}: {found:?}");
        for (day, _) in &found {
            assert_eq!(day.weekday(), Weekday::Sat, "{day}");
            assert!(day.day() <= 7, "{day} is not the first Saturday");
        }
    }
    assert_eq!(transitions(Santiago, 2026).iter().map(|(d, _)| *d).collect::<Vec<_>>(), [date(2026, 4, 4), date(2026, 9, 5)]);
    assert_eq!(transitions(Santiago, 2027).iter().map(|(d, _)| *d).collect::<Vec<_>>(), [date(2027, 4, 3), date(2027, 9, 4)]);
}

#[test]
fn templates_keep_wall_clock_times_across_every_change() {
    for year in [2026, 2027] {
        for (saturday, shift) in transitions(Santiago, year) {
            let shift_hours = i64::from(shift / 3600);
            for day in [saturday.pred_opt(), Some(saturday), saturday.succ_opt()].into_iter().flatten() {
                for (template, start, end, nominal_hours) in [
                    (BlockTemplate::day(), hm(8, 0), hm(19, 0), 11),
                    (BlockTemplate::night(), hm(20, 0), hm(7, 0), 11),
                    (BlockTemplate::full_day(), hm(8, 0), hm(7, 0), 23),
                ] {
                    let (s, e) = window(&template, day);
                    assert_eq!(local(s), day.and_time(start), "{} {day}", template.name);
                    let end_day = if end < start { day.succ_opt().unwrap_or(day) } else { day };
                    assert_eq!(local(e), end_day.and_time(end), "{} {day}", template.name);
                    // Only the windows spanning Saturday 24:00 of the change day cross it.
                    let crosses = day == saturday && end < start;
                    let expected = nominal_hours - if crosses { shift_hours } else { 0 };
                    assert_eq!((e - s).num_hours(), expected, "{} {day}", template.name);
                    assert_eq!((e - s).num_minutes() % 60, 0);
                }
            }
        }
    }
}

#[test]
fn known_real_durations_on_change_nights() {
    let hours = |t: &BlockTemplate, d| {
        let (s, e) = window(t, d);
        (e - s).num_hours()
    };
    for april in [date(2026, 4, 4), date(2027, 4, 3)] {
        assert_eq!(hours(&BlockTemplate::night(), april), 12);
        assert_eq!(hours(&BlockTemplate::full_day(), april), 24);
        assert_eq!(hours(&BlockTemplate::day(), april), 11);
    }
    for september in [date(2026, 9, 5), date(2027, 9, 4)] {
        assert_eq!(hours(&BlockTemplate::night(), september), 10);
        assert_eq!(hours(&BlockTemplate::full_day(), september), 22);
        assert_eq!(hours(&BlockTemplate::day(), september), 11);
    }
}

#[test]
fn night_in_summer_and_winter_in_utc() {
    // Summer (−03): 20:00 local is 23:00 UTC. Winter (−04): 20:00 local is 00:00 UTC next day.
    let (s, e) = window(&BlockTemplate::night(), date(2026, 11, 28));
    assert_eq!((s.naive_utc(), e.naive_utc()), (date(2026, 11, 28).and_time(hm(23, 0)), date(2026, 11, 29).and_time(hm(10, 0))));
    let (s, _) = window(&BlockTemplate::night(), date(2026, 6, 15));
    assert_eq!(s.naive_utc(), date(2026, 6, 16).and_time(hm(0, 0)));
}

#[test]
fn a_start_in_the_gap_moves_to_the_first_valid_instant() {
    // Sunday 2026-09-06 00:00–00:59 does not exist in Santiago; 01:00 (−03) is 04:00 UTC.
    let Ok(template) = BlockTemplate::new("Madrugada", hm(0, 30), 60) else { panic!("valid template") };
    let (s, e) = window(&template, date(2026, 9, 6));
    assert_eq!(s.naive_utc(), date(2026, 9, 6).and_time(hm(4, 0)));
    assert_eq!(local(s), date(2026, 9, 6).and_time(hm(1, 0)));
    assert_eq!(local(e), date(2026, 9, 6).and_time(hm(1, 30)));
    // A block wholly inside the gap does not exist that day.
    let Ok(short) = BlockTemplate::new("Corto", hm(0, 10), 20) else { panic!("valid template") };
    assert_eq!(short.window(date(2026, 9, 6), Santiago), Err(ScheduleError::EmptyWindow));
}

#[test]
fn an_ambiguous_start_takes_the_earlier_instant() {
    // Saturday 2026-04-04 23:00–23:59 happens twice; the first 23:30 is at −03, 02:30 UTC.
    let Ok(template) = BlockTemplate::new("Tarde", hm(23, 30), 60) else { panic!("valid template") };
    let (s, e) = window(&template, date(2026, 4, 4));
    assert_eq!(s.naive_utc(), date(2026, 4, 5).and_time(hm(2, 30)));
    assert_eq!(e.naive_utc(), date(2026, 4, 5).and_time(hm(4, 30)));
    assert_eq!(local(e), date(2026, 4, 5).and_time(hm(0, 30)));
}

#[test]
fn gaps_in_other_zones() {
    // Madrid jumps 02:00 → 03:00 on 2026-03-29, at 01:00 UTC.
    let Ok(template) = BlockTemplate::new("X", hm(2, 30), 60) else { panic!("valid template") };
    let result = template.window(date(2026, 3, 29), chrono_tz::Europe::Madrid);
    assert_eq!(result.map(|(s, _)| s.naive_utc()), Ok(date(2026, 3, 29).and_time(hm(1, 0))));
}

#[test]
fn templates_are_checked() {
    assert_eq!(BlockTemplate::new("  ", hm(8, 0), 60), Err(ScheduleError::InvalidName));
    assert_eq!(BlockTemplate::new("Día", hm(8, 0), 0), Err(ScheduleError::InvalidDuration));
    assert_eq!(BlockTemplate::new("Día", hm(8, 0), 1441), Err(ScheduleError::InvalidDuration));
    assert_eq!(BlockTemplate::new(" Día  largo ", hm(8, 0), 60).map(|t| t.name), Ok("Día largo".to_owned()));
    let broken = BlockTemplate { name: "X".into(), start_local: hm(8, 0), duration_minutes: 0 };
    assert_eq!(broken.window(date(2026, 1, 1), Santiago), Err(ScheduleError::InvalidDuration));
    assert_eq!(BlockTemplate::night().window(NaiveDate::MAX, Santiago), Err(ScheduleError::OutOfRange));
    assert_eq!(BlockTemplate::defaults(), [BlockTemplate::day(), BlockTemplate::night()]);
}

#[test]
fn today_is_in_the_buildings_zone() {
    // 02:00 UTC on the 29th is still the 28th in Santiago.
    let now = date(2026, 11, 29).and_time(hm(2, 0)).and_utc();
    assert_eq!(local_date(now, Santiago), date(2026, 11, 28));
    assert_eq!(local_date(now, chrono_tz::UTC), date(2026, 11, 29));
}

#[test]
fn horizon_includes_today() {
    let days: Vec<_> = dates_in_horizon(date(2026, 12, 30), 3).collect();
    assert_eq!(days, [date(2026, 12, 30), date(2026, 12, 31), date(2027, 1, 1)]);
    assert_eq!(dates_in_horizon(date(2026, 1, 1), 0).count(), 0);
    assert_eq!(dates_in_horizon(date(2026, 1, 1), 30).last(), Some(date(2026, 1, 30)));
}

#[test]
fn duration_labels() {
    assert_eq!(BlockTemplate::day().duration_label(), "11 horas");
    assert_eq!(BlockTemplate::full_day().duration_label(), "23 horas");
    assert_eq!(duration_label(60), "1 hora");
    assert_eq!(duration_label(45), "45 minutos");
    assert_eq!(duration_label(1), "1 minuto");
    assert_eq!(duration_label(90), "1 hora y 30 minutos");
}

fn arb_template() -> impl Strategy<Value = BlockTemplate> {
    prop_oneof![
        Just(BlockTemplate::day()),
        Just(BlockTemplate::night()),
        Just(BlockTemplate::full_day()),
        (0u32..24, 0u32..60, 1u32..=MAX_DURATION_MINUTES).prop_map(|(h, m, d)| BlockTemplate {
            name: "Prueba".into(),
            start_local: hm(h, m),
            duration_minutes: d,
        }),
    ]
}

fn arb_zone() -> impl Strategy<Value = Tz> {
    prop_oneof![
        Just(Santiago),
        Just(chrono_tz::America::Punta_Arenas),
        Just(chrono_tz::Pacific::Easter),
        Just(chrono_tz::America::New_York),
        Just(chrono_tz::Europe::Madrid),
        Just(chrono_tz::Australia::Lord_Howe),
        Just(chrono_tz::UTC),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2_000))]

    #[test]
    fn windows_are_well_formed(offset in 0u64..(6 * 366), template in arb_template(), tz in arb_zone()) {
        let day = date(2025, 1, 1) + chrono::Days::new(offset);
        prop_assume!(day.year() <= 2030);
        let (local_start, local_end) = template.local_window(day).map_err(|e| TestCaseError::fail(e.to_string()))?;
        let in_gap = |l: NaiveDateTime| matches!(tz.from_local_datetime(&l), MappedLocalTime::None);
        match template.window(day, tz) {
            Ok((s, e)) => {
                prop_assert!(s < e);
                let shown_start = s.with_timezone(&tz).naive_local();
                let shown_end = e.with_timezone(&tz).naive_local();
                if in_gap(local_start) {
                    prop_assert!(shown_start > local_start);
                } else {
                    prop_assert_eq!(shown_start, local_start);
                }
                if in_gap(local_end) {
                    prop_assert!(shown_end > local_end);
                } else {
                    prop_assert_eq!(shown_end, local_end);
                }
                // The real length differs from the wall-clock length by at most one DST shift.
                let real = (e - s).num_minutes();
                prop_assert!((real - i64::from(template.duration_minutes)).abs() <= 60);
            }
            Err(ScheduleError::EmptyWindow) => prop_assert!(in_gap(local_start) && in_gap(local_end)),
            Err(other) => return Err(TestCaseError::fail(other.to_string())),
        }
    }
}
