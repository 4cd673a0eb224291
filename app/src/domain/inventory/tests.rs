use super::*;
use crate::domain::{money::Clp, schedule::BlockTemplate};
use chrono::NaiveTime;
use proptest::prelude::*;
use std::collections::HashSet;

#[test]
fn unit_lists_expand_ranges_and_lists() {
    assert_eq!(parse_unit_list("101-103").unwrap(), ["101", "102", "103"]);
    assert_eq!(parse_unit_list("101-102, 201-202, PH").unwrap(), ["101", "102", "201", "202", "PH"]);
    assert_eq!(parse_unit_list("01-03\nB-12; 7 - 8").unwrap(), ["01", "02", "03", "B-12", "7", "8"]);
    assert_eq!(parse_unit_list("101, 101, 100-102").unwrap(), ["101", "100", "102"]);
    assert_eq!(parse_unit_list("ph, PH").unwrap(), ["ph"]);
    assert_eq!(parse_unit_list("5-5").unwrap(), ["5"]);
}

#[test]
fn unit_lists_accept_en_and_em_dashes() {
    assert_eq!(parse_unit_list("101\u{2013}103").unwrap(), ["101", "102", "103"]);
    assert_eq!(parse_unit_list("101 \u{2014} 103").unwrap(), ["101", "102", "103"]);
    assert_eq!(parse_unit_list("01\u{2013}02, 7 \u{2013} 8; PH").unwrap(), ["01", "02", "7", "8", "PH"]);
    assert_eq!(parse_unit_list("120\u{2013}101"), Err(UnitListError::Reversed("120\u{2013}101".into())));
    // A dash that is not between two numbers is still not a unit number.
    assert_eq!(parse_unit_list("B\u{2013}12"), Err(UnitListError::Invalid("B\u{2013}12".into())));
}

#[test]
fn unit_lists_refuse_bad_input_in_spanish() {
    assert_eq!(parse_unit_list(" , ;"), Err(UnitListError::Empty));
    assert_eq!(parse_unit_list("120-101"), Err(UnitListError::Reversed("120-101".into())));
    assert_eq!(parse_unit_list("1-100000"), Err(UnitListError::TooMany));
    assert_eq!(parse_unit_list("1-500").map(|v| v.len()), Ok(500));
    assert_eq!(parse_unit_list("1-500, 501"), Err(UnitListError::TooMany));
    assert_eq!(parse_unit_list("1-99999999999999999999999"), Err(UnitListError::Invalid("1-99999999999999999999999".into())));
    assert_eq!(parse_unit_list("101, #4"), Err(UnitListError::Invalid("#4".into())));
    assert!(parse_unit_list("120-101").unwrap_err().message().contains("al revés"));
    assert!(UnitListError::TooMany.message().contains("500"));
}

#[test]
fn terms_parse_percent_and_pesos() {
    let form = TermsForm {
        name: " Torre  Alfa ",
        address: "Av. Italia 1000",
        comuna: "Ñuñoa",
        time_zone: "America/Santiago",
        commission: "10,5 %",
        monthly_fee: "$50.000",
    };
    let t = BuildingTerms::parse(&form).unwrap();
    assert_eq!(t.name, "Torre Alfa");
    assert_eq!(t.commission.basis_points(), 1_050);
    assert_eq!(t.monthly_fee, Clp::new(50_000));
    let t = BuildingTerms::parse(&TermsForm { commission: "10", monthly_fee: "5000", ..form.clone() }).unwrap();
    assert_eq!((t.commission.basis_points(), t.monthly_fee.pesos()), (1_000, 5_000));
    let t = BuildingTerms::parse(&TermsForm { monthly_fee: "", comuna: " ", ..form.clone() }).unwrap();
    assert_eq!((t.monthly_fee, t.comuna), (Clp::ZERO, None));
    let bad =
        BuildingTerms::parse(&TermsForm { name: "", time_zone: "Europe/Madrid", commission: "120", monthly_fee: "5.00", ..form })
            .unwrap_err();
    let fields: Vec<&str> = bad.iter().map(|(f, _)| *f).collect();
    assert_eq!(fields, ["name", "time_zone", "commission", "monthly_fee"]);
}

#[test]
fn settings_are_range_checked() {
    let form = SettingsForm {
        horizon: "30",
        max_active: "4",
        hold: "15",
        no_show: "on",
        no_show_grace: "30",
        overstay_grace: "15",
        check_in_early: "15",
    };
    assert_eq!(BuildingSettings::parse(&form), Ok(BuildingSettings::default()));
    let off = BuildingSettings::parse(&SettingsForm { no_show: "", ..form.clone() }).unwrap();
    assert!(!off.no_show_enabled);
    let bad = BuildingSettings::parse(&SettingsForm { horizon: "181", hold: "x", ..form }).unwrap_err();
    assert_eq!(bad.iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["horizon", "hold"]);
}

#[test]
fn templates_parse_times_durations_and_prices() {
    let t = TemplateInput::parse("Noche", "20:00", "11", "$5.000").unwrap();
    assert_eq!(t.template, BlockTemplate::night());
    assert_eq!(t.base_price, Clp::new(5_000));
    let t = TemplateInput::parse("Tarde", "8", "4:30", "4500").unwrap();
    assert_eq!((t.template.start_local, t.template.duration_minutes), (NaiveTime::from_hms_opt(8, 0, 0).unwrap(), 270));
    let bad = TemplateInput::parse("", "25:00", "25", "-1").unwrap_err();
    assert_eq!(bad.iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["start", "duration", "price", "name"]);
    assert_eq!(duration_text(660), "11 h");
    assert_eq!(duration_text(270), "4 h 30 min");
    assert_eq!(duration_field(270), "4:30");
    assert_eq!(parse_duration_minutes("11 h"), Some(660));
    assert_eq!(parse_duration_minutes("1:60"), None);
}

#[test]
fn spots_and_closures_are_checked() {
    let s = SpotInput::parse(" V-01 ", "Subterráneo", "").unwrap();
    assert_eq!((s.number.as_str(), s.label.as_deref(), s.description), ("V-01", Some("Subterráneo"), None));
    assert!(SpotInput::parse("", "", "").is_err());
    let c = ClosureInput::parse("2027-03-01T08:00", "01-03-2027 18:00", "Pintura").unwrap();
    assert_eq!((c.until - c.from).num_hours(), 10);
    let bad = ClosureInput::parse("2027-03-01T08:00", "2027-03-01T07:00", "x").unwrap_err();
    assert_eq!(bad.iter().map(|(f, _)| *f).collect::<Vec<_>>(), ["hasta", "reason"]);
}

/// A generated list: ranges and single numbers.
fn pieces() -> impl Strategy<Value = Vec<(u32, u32)>> {
    prop::collection::vec((0u32..5000, 0u32..700), 1..6)
}

/// How a range's dash may be typed: hyphen, en dash or em dash, with or without spaces.
fn dash() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["-", " - ", "\u{2013}", " \u{2013} ", "\u{2014}", " \u{2014} "])
}

proptest! {
    #[test]
    fn unit_list_yields_only_typed_numbers_without_duplicates(ps in pieces(), d in dash()) {
        let text = ps.iter().map(|(a, len)| if *len == 0 { a.to_string() } else { format!("{a}{d}{}", a + len) }).collect::<Vec<_>>().join(", ");
        match parse_unit_list(&text) {
            Ok(units) => {
                prop_assert!(units.len() <= MAX_UNITS_PER_REQUEST);
                let set: HashSet<&String> = units.iter().collect();
                prop_assert_eq!(set.len(), units.len());
                for u in &units {
                    let n: u32 = u.parse().map_err(|_| TestCaseError::fail("not numeric"))?;
                    prop_assert!(ps.iter().any(|(a, len)| (*a..=a + len).contains(&n)));
                }
                let distinct: HashSet<u32> = ps.iter().flat_map(|(a, len)| *a..=a + len).collect();
                prop_assert_eq!(distinct.len(), units.len());
            }
            Err(e) => {
                prop_assert_eq!(&e, &UnitListError::TooMany);
                let distinct: HashSet<u32> = ps.iter().flat_map(|(a, len)| *a..=a + len).collect();
                prop_assert!(distinct.len() > MAX_UNITS_PER_REQUEST || ps.iter().any(|(_, len)| *len as usize >= MAX_UNITS_PER_REQUEST));
            }
        }
    }

    #[test]
    fn unit_list_range_is_the_same_whatever_the_dash(a in 0u32..5000, len in 0u32..300, d in dash()) {
        let typed = parse_unit_list(&format!("{a}{d}{}", a + len));
        prop_assert_eq!(typed, parse_unit_list(&format!("{a}-{}", a + len)));
    }

    #[test]
    fn unit_list_never_panics(input in ".{0,40}") {
        let _ = parse_unit_list(&input);
    }
}
