//! Block templates: start time, duration and base price of the blocks a spot offers.

use super::{clp_message, FieldProblem};
use crate::domain::money::Clp;
use crate::domain::schedule::BlockTemplate;
use chrono::NaiveTime;

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
        let minutes =
            parse_duration_minutes(duration).filter(|m| (1..=crate::domain::schedule::MAX_DURATION_MINUTES).contains(m));
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
