//! `/admin`: the dashboard of building admins, support and admins — active bookings, occupancy
//! now ("N de M cupos ocupados ahora"), revenue of a period, pending approvals and the latest
//! audit entries — above the tiles that lead to every tool. A building admin sees their own
//! building, live: the numbers reload when one of its bookings changes.

pub mod api;
pub mod page;
#[cfg(feature = "ssr")]
pub mod ssr;

use super::audit_log::AuditRow;
use super::BuildingChoice;
use serde::{Deserialize, Serialize};

/// The revenue period the dashboard sums.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Period {
    /// The building's local today.
    Today,
    /// The last 7 local days, today included.
    Week,
    /// The last 30 local days, today included.
    Month,
}

impl Period {
    /// Every period, in the order the selector shows them.
    pub const ALL: [Period; 3] = [Period::Today, Period::Week, Period::Month];

    /// Reads the query string's `periodo` (`hoy`, `7`, `30`); anything else is today.
    pub fn parse(raw: &str) -> Self {
        match raw.trim() {
            "7" => Period::Week,
            "30" => Period::Month,
            _ => Period::Today,
        }
    }

    /// The query string value.
    pub fn code(self) -> &'static str {
        match self {
            Period::Today => "hoy",
            Period::Week => "7",
            Period::Month => "30",
        }
    }

    /// Spanish label.
    pub fn label(self) -> &'static str {
        match self {
            Period::Today => "Hoy",
            Period::Week => "Últimos 7 días",
            Period::Month => "Últimos 30 días",
        }
    }

    /// How many local days it covers, today included.
    pub fn days(self) -> i32 {
        match self {
            Period::Today => 1,
            Period::Week => 7,
            Period::Month => 30,
        }
    }
}

/// "N de M cupos ocupados ahora".
pub fn occupancy_label(occupied: u32, total: u32) -> String {
    format!("{occupied} de {total} cupos ocupados ahora")
}

/// "1 reserva pagada", "N reservas pagadas" (the revenue tile's count).
pub fn paid_label(count: u32) -> String {
    match count {
        1 => "1 reserva pagada".to_string(),
        n => format!("{n} reservas pagadas"),
    }
}

/// "Sin solicitudes pendientes", "1 solicitud pendiente", "N solicitudes pendientes".
pub fn pending_label(count: u32) -> String {
    match count {
        0 => "Sin solicitudes pendientes".to_string(),
        1 => "1 solicitud pendiente".to_string(),
        n => format!("{n} solicitudes pendientes"),
    }
}

/// "Sin reembolsos fallidos", "1 reserva con reembolso fallido", "N reservas con reembolso fallido".
pub fn failed_refunds_label(count: u32) -> String {
    match count {
        0 => "Sin reembolsos fallidos".to_string(),
        1 => "1 reserva con reembolso fallido".to_string(),
        n => format!("{n} reservas con reembolso fallido"),
    }
}

/// The bookings list filtered to failed refunds, in the dashboard's building filter.
pub fn failed_refunds_link(selected: &str) -> String {
    if selected.is_empty() {
        "/admin/reservas?reembolso=fallido".to_string()
    } else {
        format!("/admin/reservas?reembolso=fallido&edificio={selected}")
    }
}

/// The dashboard's numbers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    /// Whose numbers: a building's name or "Todos los edificios".
    pub scope_label: String,
    /// The one building in scope (for live updates), or empty for every building.
    pub building_id: String,
    /// Buildings to filter by (one for a building admin).
    pub buildings: Vec<BuildingChoice>,
    /// The selected building filter ("" = all).
    pub selected: String,
    /// The revenue period.
    pub period: Period,
    /// Bookings confirmed, with the visitor inside, or overstaying.
    pub active_bookings: u32,
    /// Distinct spots with such a booking right now.
    pub occupied_spots: u32,
    /// Active spots of active buildings.
    pub total_spots: u32,
    /// Paid bookings confirmed in the period.
    pub paid_bookings: u32,
    /// What residents paid, `$5.000`.
    pub revenue: String,
    /// The platform commission of it.
    pub commission: String,
    /// The buildings' share of it.
    pub building_share: String,
    /// Residents awaiting approval.
    pub pending_approvals: u32,
    /// Bookings with a failed refund (what the bookings list's "reembolso fallido" filter shows).
    pub failed_refunds: u32,
    /// The latest audit entries in scope, newest first.
    pub recent: Vec<AuditRow>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn periods_and_labels() {
        assert_eq!(Period::parse("7"), Period::Week);
        assert_eq!(Period::parse("30").days(), 30);
        assert_eq!(Period::parse("otro"), Period::Today);
        assert!(Period::ALL.iter().all(|p| Period::parse(p.code()) == *p));
        assert_eq!(occupancy_label(1, 2), "1 de 2 cupos ocupados ahora");
        assert_eq!(pending_label(1), "1 solicitud pendiente");
        assert_eq!(pending_label(3), "3 solicitudes pendientes");
        assert_eq!(paid_label(0), "0 reservas pagadas");
        assert_eq!(paid_label(1), "1 reserva pagada");
        assert_eq!(paid_label(12), "12 reservas pagadas");
        assert_eq!(failed_refunds_label(0), "Sin reembolsos fallidos");
        assert_eq!(failed_refunds_label(2), "2 reservas con reembolso fallido");
        assert_eq!(failed_refunds_link(""), "/admin/reservas?reembolso=fallido");
        let id = "6f1c0c3e-0000-4000-8000-000000000001";
        assert_eq!(failed_refunds_link(id), format!("/admin/reservas?reembolso=fallido&edificio={id}"));
    }
}
