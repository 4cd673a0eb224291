//! A building's settings (time zone, windows, limits) and its commercial terms.

use super::{clp_message, squash, FieldProblem};
use crate::domain::money::Clp;
use crate::domain::rate::Rate;

/// The time zones a Chilean building may be in, with their Spanish labels.
pub const CHILEAN_ZONES: [(&str, &str); 3] = [
    ("America/Santiago", "Chile continental (America/Santiago)"),
    ("America/Punta_Arenas", "Magallanes (America/Punta_Arenas)"),
    ("Pacific/Easter", "Isla de Pascua (Pacific/Easter)"),
];

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
