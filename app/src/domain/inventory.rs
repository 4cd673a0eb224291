//! What administrators type when they set up a building: the building's terms and settings,
//! lists of unit numbers ("101-120, PH"), visitor spots, maintenance ranges and block templates.
//!
//! Every parser collects all of a form's problems at once as `(field, message)` pairs in Spanish,
//! so the form can mark each field; the server maps them to `FieldError`s.

use super::money::{Clp, ClpError};
use super::rate::Rate;
use super::schedule::BlockTemplate;
use chrono::{NaiveDateTime, NaiveTime};
use std::collections::HashSet;

/// The time zones a Chilean building may be in, with their Spanish labels.
pub const CHILEAN_ZONES: [(&str, &str); 3] = [
    ("America/Santiago", "Chile continental (America/Santiago)"),
    ("America/Punta_Arenas", "Magallanes (America/Punta_Arenas)"),
    ("Pacific/Easter", "Isla de Pascua (Pacific/Easter)"),
];

/// The most unit numbers one bulk request may create.
pub const MAX_UNITS_PER_REQUEST: usize = 500;

/// A problem with one field of a form: its name and the Spanish message.
pub type FieldProblem = (&'static str, String);

/// A unit or spot number as the database accepts it (`^[A-Za-z0-9][A-Za-z0-9 ._/-]{0,19}$`).
pub fn valid_number(number: &str) -> bool {
    let mut chars = number.chars();
    let Some(first) = chars.next() else {
        return false;
    };
    first.is_ascii_alphanumeric()
        && number.chars().count() <= 20
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, ' ' | '.' | '_' | '/' | '-'))
}

/// Why a list of unit numbers was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}", self.message())]
pub enum UnitListError {
    /// Nothing was typed.
    Empty,
    /// A piece that is neither a range nor a valid unit number.
    Invalid(String),
    /// A range whose end is below its start (`120-101`).
    Reversed(String),
    /// A range, or the whole list, with more than [`MAX_UNITS_PER_REQUEST`] numbers.
    TooMany,
}

impl UnitListError {
    /// The message shown to the administrator (es-CL).
    pub fn message(&self) -> String {
        match self {
            Self::Empty => "Escribe al menos un número de unidad, por ejemplo 101-120 o 101, 102, PH.".into(),
            Self::Invalid(piece) => format!(
                "«{piece}» no es un número de unidad válido: usa letras, dígitos, espacios, puntos, guiones o barras (hasta 20 caracteres)."
            ),
            Self::Reversed(piece) => format!("El rango «{piece}» está al revés: escribe primero el número menor."),
            Self::TooMany => format!("Puedes crear como máximo {MAX_UNITS_PER_REQUEST} unidades por vez."),
        }
    }
}

/// Reads a list of unit numbers: pieces separated by commas, semicolons or line breaks, each a
/// single number (`PH`, `B-12`, `1001`) or a numeric range (`101-120`, `01-09` keeps the zeros).
/// Duplicates are dropped (first occurrence kept), order is preserved, and the result never
/// exceeds [`MAX_UNITS_PER_REQUEST`] numbers.
pub fn parse_unit_list(input: &str) -> Result<Vec<String>, UnitListError> {
    let mut out = Vec::new();
    let mut seen = HashSet::new();
    let mut push = |number: String, out: &mut Vec<String>| -> Result<(), UnitListError> {
        if seen.insert(number.to_uppercase()) {
            if out.len() >= MAX_UNITS_PER_REQUEST {
                return Err(UnitListError::TooMany);
            }
            out.push(number);
        }
        Ok(())
    };
    for piece in input.split([',', ';', '\n', '\r']) {
        let piece = piece.split_whitespace().collect::<Vec<_>>().join(" ");
        if piece.is_empty() {
            continue;
        }
        if let Some((from, to)) = numeric_range(&piece) {
            let (Ok(start), Ok(end)) = (from.parse::<u64>(), to.parse::<u64>()) else {
                return Err(UnitListError::Invalid(piece));
            };
            if end < start {
                return Err(UnitListError::Reversed(piece));
            }
            if end - start >= MAX_UNITS_PER_REQUEST as u64 {
                return Err(UnitListError::TooMany);
            }
            // "01-09" keeps its width; "1-10" does not pad.
            let width = if from.starts_with('0') { from.len() } else { 0 };
            for n in start..=end {
                let number = format!("{n:0width$}");
                if !valid_number(&number) {
                    return Err(UnitListError::Invalid(piece));
                }
                push(number, &mut out)?;
            }
        } else if valid_number(&piece) {
            push(piece, &mut out)?;
        } else {
            return Err(UnitListError::Invalid(piece));
        }
    }
    if out.is_empty() {
        return Err(UnitListError::Empty);
    }
    Ok(out)
}

/// The dashes accepted between the ends of a range: administrators paste "101–120" (en dash,
/// as word processors and PRODUCT.md write it) or "101 — 120" (em dash) as often as "101-120".
const RANGE_DASHES: [char; 3] = ['-', '\u{2013}', '\u{2014}'];

/// `("101", "120")` when `piece` is `digits-dash-digits` (hyphen, en dash or em dash; spaces around
/// the dash allowed).
fn numeric_range(piece: &str) -> Option<(&str, &str)> {
    let (from, to) = piece.split_once(RANGE_DASHES)?;
    let (from, to) = (from.trim(), to.trim());
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    (digits(from) && digits(to)).then_some((from, to))
}

/// The settings columns of a building, checked against the database's ranges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BuildingSettings {
    /// Days ahead residents may book, 1–180.
    pub booking_horizon_days: i32,
    /// Active bookings a resident may hold at once, 1–100.
    pub max_active_bookings: i32,
    /// Minutes a pending booking holds its block while the resident pays, 1–120.
    pub hold_minutes: i32,
    /// Whether a visitor who never arrives becomes a no-show.
    pub no_show_enabled: bool,
    /// Minutes after the start before a no-show, 0–1440.
    pub no_show_grace_minutes: i32,
    /// Minutes after the end before an overstay, 0–1440.
    pub overstay_grace_minutes: i32,
    /// Minutes before the start a visitor may check in, 0–1440.
    pub check_in_early_minutes: i32,
}

impl Default for BuildingSettings {
    /// The schema's defaults.
    fn default() -> Self {
        Self {
            booking_horizon_days: 30,
            max_active_bookings: 4,
            hold_minutes: 15,
            no_show_enabled: true,
            no_show_grace_minutes: 30,
            overstay_grace_minutes: 15,
            check_in_early_minutes: 15,
        }
    }
}

/// The settings form as typed (every field a string, as an HTML form sends it).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsForm<'a> {
    /// Booking horizon, days.
    pub horizon: &'a str,
    /// Maximum active bookings per resident.
    pub max_active: &'a str,
    /// Hold minutes.
    pub hold: &'a str,
    /// No-show enabled (a checkbox: present and not "false" means on).
    pub no_show: &'a str,
    /// No-show grace, minutes.
    pub no_show_grace: &'a str,
    /// Overstay grace, minutes.
    pub overstay_grace: &'a str,
    /// Check-in early, minutes.
    pub check_in_early: &'a str,
}

/// An integer field within `range`, or a problem for `field`.
fn int_in(
    problems: &mut Vec<FieldProblem>,
    field: &'static str,
    raw: &str,
    range: std::ops::RangeInclusive<i32>,
    what: &str,
) -> i32 {
    match raw.trim().parse::<i32>() {
        Ok(n) if range.contains(&n) => n,
        _ => {
            problems.push((field, format!("{what} debe ser un número entero entre {} y {}.", range.start(), range.end())));
            *range.start()
        }
    }
}

impl BuildingSettings {
    /// Reads the settings form, collecting every field's problem.
    pub fn parse(form: &SettingsForm<'_>) -> Result<Self, Vec<FieldProblem>> {
        let mut p = Vec::new();
        let settings = Self {
            booking_horizon_days: int_in(&mut p, "horizon", form.horizon, 1..=180, "El horizonte de reserva"),
            max_active_bookings: int_in(&mut p, "max_active", form.max_active, 1..=100, "El máximo de reservas activas"),
            hold_minutes: int_in(&mut p, "hold", form.hold, 1..=120, "El tiempo para pagar"),
            no_show_enabled: !matches!(form.no_show.trim(), "" | "false" | "off" | "0"),
            no_show_grace_minutes: int_in(
                &mut p,
                "no_show_grace",
                form.no_show_grace,
                0..=1440,
                "La tolerancia de no presentación",
            ),
            overstay_grace_minutes: int_in(&mut p, "overstay_grace", form.overstay_grace, 0..=1440, "La tolerancia de salida"),
            check_in_early_minutes: int_in(&mut p, "check_in_early", form.check_in_early, 0..=1440, "La anticipación de ingreso"),
        };
        if p.is_empty() {
            Ok(settings)
        } else {
            Err(p)
        }
    }
}

/// A building's identity and commercial terms, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BuildingTerms {
    /// Name, 1–200 characters, spaces collapsed.
    pub name: String,
    /// Street address, 1–500 characters.
    pub address: String,
    /// Comuna, optional, up to 100 characters.
    pub comuna: Option<String>,
    /// One of [`CHILEAN_ZONES`].
    pub time_zone: &'static str,
    /// The platform's commission on each booking.
    pub commission: Rate,
    /// The building's monthly fee.
    pub monthly_fee: Clp,
}

/// The terms form as typed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TermsForm<'a> {
    /// Name.
    pub name: &'a str,
    /// Address.
    pub address: &'a str,
    /// Comuna.
    pub comuna: &'a str,
    /// Time zone name.
    pub time_zone: &'a str,
    /// Commission, `10 %` or `10,5`.
    pub commission: &'a str,
    /// Monthly fee, `$50.000` or `50000`.
    pub monthly_fee: &'a str,
}

/// Collapses runs of whitespace and trims.
fn squash(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The largest monthly fee accepted ($100.000.000), so a typo of extra zeros is caught.
pub const MAX_MONTHLY_FEE: Clp = Clp::new(100_000_000);

impl BuildingTerms {
    /// Reads the terms form, collecting every field's problem.
    pub fn parse(form: &TermsForm<'_>) -> Result<Self, Vec<FieldProblem>> {
        let mut p: Vec<FieldProblem> = Vec::new();
        let name = squash(form.name);
        if name.is_empty() || name.chars().count() > 200 {
            p.push(("name", "Escribe el nombre del edificio (hasta 200 caracteres).".into()));
        }
        let address = squash(form.address);
        if address.is_empty() || address.chars().count() > 500 {
            p.push(("address", "Escribe la dirección (hasta 500 caracteres).".into()));
        }
        let comuna = Some(squash(form.comuna)).filter(|c| !c.is_empty());
        if comuna.as_ref().is_some_and(|c| c.chars().count() > 100) {
            p.push(("comuna", "La comuna admite hasta 100 caracteres.".into()));
        }
        let time_zone = CHILEAN_ZONES.iter().map(|(z, _)| *z).find(|z| *z == form.time_zone.trim());
        if time_zone.is_none() {
            p.push(("time_zone", "Elige la zona horaria del edificio.".into()));
        }
        let commission = Rate::parse(form.commission)
            .map_err(|e| p.push(("commission", format!("Comisión: {}", e.message()))))
            .ok();
        let monthly_fee = match form.monthly_fee.trim() {
            "" => Some(Clp::ZERO),
            raw => match Clp::parse(raw) {
                Ok(fee) if fee <= MAX_MONTHLY_FEE => Some(fee),
                Ok(_) => {
                    p.push(("monthly_fee", "La cuota mensual no puede superar $100.000.000.".into()));
                    None
                }
                Err(e) => {
                    p.push(("monthly_fee", clp_message(e)));
                    None
                }
            },
        };
        match (time_zone, commission, monthly_fee) {
            (Some(time_zone), Some(commission), Some(monthly_fee)) if p.is_empty() => {
                Ok(Self { name, address, comuna, time_zone, commission, monthly_fee })
            }
            _ => Err(p),
        }
    }
}

/// The Spanish message of a refused amount.
fn clp_message(e: ClpError) -> String {
    e.message().to_string()
}

/// A visitor spot as typed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpotInput {
    /// Number (`V-01`), as the database accepts it.
    pub number: String,
    /// Short label (`Subterráneo -1`), optional, up to 60 characters.
    pub label: Option<String>,
    /// Longer description, optional, up to 500 characters.
    pub description: Option<String>,
}

impl SpotInput {
    /// Reads the spot form.
    pub fn parse(number: &str, label: &str, description: &str) -> Result<Self, Vec<FieldProblem>> {
        let mut p: Vec<FieldProblem> = Vec::new();
        let number = squash(number);
        if !valid_number(&number) {
            p.push(("number", "Escribe el número del estacionamiento (letras, dígitos, guiones; hasta 20 caracteres).".into()));
        }
        let label = Some(squash(label)).filter(|l| !l.is_empty());
        if label.as_ref().is_some_and(|l| l.chars().count() > 60) {
            p.push(("label", "La etiqueta admite hasta 60 caracteres.".into()));
        }
        let description = Some(description.trim().to_string()).filter(|d| !d.is_empty());
        if description.as_ref().is_some_and(|d| d.chars().count() > 500) {
            p.push(("description", "La descripción admite hasta 500 caracteres.".into()));
        }
        if p.is_empty() {
            Ok(Self { number, label, description })
        } else {
            Err(p)
        }
    }
}

/// A maintenance range as typed (local wall-clock times of the building), checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosureInput {
    /// First local instant.
    pub from: NaiveDateTime,
    /// Local instant it ends (exclusive).
    pub until: NaiveDateTime,
    /// Why, 3–500 characters.
    pub reason: String,
}

/// A local date and time as `<input type=datetime-local>` sends it (`2027-03-01T08:00`), or
/// typed as `01-03-2027 08:00`.
pub fn parse_local_datetime(raw: &str) -> Option<NaiveDateTime> {
    let raw = raw.trim();
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M", "%d-%m-%Y %H:%M"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(raw, f).ok())
}

impl ClosureInput {
    /// Reads the closure form.
    pub fn parse(from: &str, until: &str, reason: &str) -> Result<Self, Vec<FieldProblem>> {
        let mut p: Vec<FieldProblem> = Vec::new();
        let start = parse_local_datetime(from);
        if start.is_none() {
            p.push(("desde", "Escribe la fecha y hora de inicio.".into()));
        }
        let end = parse_local_datetime(until);
        match (start, end) {
            (_, None) => p.push(("hasta", "Escribe la fecha y hora de término.".into())),
            (Some(s), Some(e)) if e <= s => p.push(("hasta", "El término debe ser posterior al inicio.".into())),
            (Some(s), Some(e)) if e - s > chrono::Duration::days(366) => {
                p.push(("hasta", "Un cierre puede durar como máximo un año.".into()));
            }
            _ => {}
        }
        let reason = squash(reason);
        if reason.chars().count() < 3 || reason.chars().count() > 500 {
            p.push(("reason", "Indica el motivo (entre 3 y 500 caracteres).".into()));
        }
        match (start, end) {
            (Some(from), Some(until)) if p.is_empty() => Ok(Self { from, until, reason }),
            _ => Err(p),
        }
    }
}

/// A block template and its base price as typed, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateInput {
    /// Name, start and duration.
    pub template: BlockTemplate,
    /// Base price.
    pub base_price: Clp,
}

/// The largest base price accepted ($10.000.000).
pub const MAX_BASE_PRICE: Clp = Clp::new(10_000_000);

/// A start time, `08:00` or `8:00` or `8`.
pub fn parse_start_time(raw: &str) -> Option<NaiveTime> {
    let raw = raw.trim();
    NaiveTime::parse_from_str(raw, "%H:%M")
        .or_else(|_| NaiveTime::parse_from_str(raw, "%H:%M:%S"))
        .ok()
        .or_else(|| raw.parse::<u32>().ok().and_then(|h| NaiveTime::from_hms_opt(h, 0, 0)))
}

/// A duration in wall-clock minutes: `11` (hours), `11 h`, `11:30` (hours and minutes).
pub fn parse_duration_minutes(raw: &str) -> Option<u32> {
    let raw = raw.trim();
    let raw = raw.strip_suffix('h').unwrap_or(raw).trim();
    match raw.split_once(':') {
        Some((h, m)) => {
            let (h, m) = (h.trim().parse::<u32>().ok()?, m.trim().parse::<u32>().ok()?);
            (m < 60).then(|| h.checked_mul(60).and_then(|h| h.checked_add(m)))?
        }
        None => raw.parse::<u32>().ok()?.checked_mul(60),
    }
}

impl TemplateInput {
    /// Reads the template form.
    pub fn parse(name: &str, start: &str, duration: &str, price: &str) -> Result<Self, Vec<FieldProblem>> {
        let mut p: Vec<FieldProblem> = Vec::new();
        let start = parse_start_time(start);
        if start.is_none() {
            p.push(("start", "Escribe la hora de inicio como HH:MM, por ejemplo 08:00.".into()));
        }
        let minutes = parse_duration_minutes(duration).filter(|m| (1..=super::schedule::MAX_DURATION_MINUTES).contains(m));
        if minutes.is_none() {
            p.push(("duration", "Escribe la duración en horas (11) o en horas y minutos (11:30), hasta 24 horas.".into()));
        }
        let base_price = match Clp::parse(price) {
            Ok(c) if c <= MAX_BASE_PRICE => Some(c),
            Ok(_) => {
                p.push(("price", "El precio base no puede superar $10.000.000.".into()));
                None
            }
            Err(e) => {
                p.push(("price", clp_message(e)));
                None
            }
        };
        let template = match BlockTemplate::new(name, start.unwrap_or(NaiveTime::MIN), minutes.unwrap_or(1)) {
            Ok(t) => Some(t),
            Err(e) => {
                p.push(("name", e.message().into()));
                None
            }
        };
        match (template, base_price) {
            (Some(template), Some(base_price)) if p.is_empty() => Ok(Self { template, base_price }),
            _ => Err(p),
        }
    }
}

/// `11 h` or `11 h 30 min`, for a template's duration.
pub fn duration_text(minutes: u32) -> String {
    match (minutes / 60, minutes % 60) {
        (h, 0) => format!("{h} h"),
        (0, m) => format!("{m} min"),
        (h, m) => format!("{h} h {m} min"),
    }
}

/// `11` or `11:30`, a duration as the form field shows it.
pub fn duration_field(minutes: u32) -> String {
    match minutes % 60 {
        0 => (minutes / 60).to_string(),
        m => format!("{}:{m:02}", minutes / 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

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
        let bad = BuildingTerms::parse(&TermsForm {
            name: "",
            time_zone: "Europe/Madrid",
            commission: "120",
            monthly_fee: "5.00",
            ..form
        })
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
}
