//! `GET /admin/reservas/exportar?…`: the filtered bookings as a CSV file Chilean Excel opens
//! as it is — UTF-8 with a byte-order mark, `;` between fields (Excel in es-CL uses the comma
//! as decimal separator), dates `dd-mm-yyyy HH:MM` in the building's zone, CLP as integer pesos.
//! A plain axum handler (a file download, not a page): it reads the session itself and applies
//! the same role and building scope as the screen.

use super::ssr::{find, parse_filter, pretty_plate};
use super::BookingQuery;
use crate::admin::scope::READERS;
use crate::domain::booking::BookingStatus;
use crate::error::AppError;
use crate::ssr::{
    actor::actor_of_session,
    audit::{self, AuditEntry, RequestMeta},
    AppState, ServerError,
};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use http::{header, StatusCode};
use serde_json::json;
use tower_sessions::Session;

/// At most this many rows per file (a year of a large building); the filter narrows it.
pub const MAX_ROWS: i64 = 20_000;

/// The header row.
pub const HEADER: [&str; 10] = [
    "Código", "Edificio", "Estacionamiento", "Inicio", "Término", "Visita", "Patente", "Estado", "Monto (CLP)", "Id",
];

/// One CSV field: quoted when it holds the separator, a quote or a line break, and prefixed
/// with `'` when a spreadsheet would read it as a formula (CSV injection).
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if value.contains([';', '"', '\n', '\r']) {
        format!("\"{}\"", value.replace('"', "\"\""))
    } else {
        value
    }
}

/// Joins fields into one CSV line (CRLF, as Excel writes it).
pub fn line<S: AsRef<str>>(fields: &[S]) -> String {
    let mut out = fields.iter().map(|f| field(f.as_ref())).collect::<Vec<_>>().join(";");
    out.push_str("\r\n");
    out
}

fn error_response(err: AppError) -> Response {
    match err {
        AppError::Unauthenticated => (StatusCode::SEE_OTHER, [(header::LOCATION, "/ingresar")]).into_response(),
        other => {
            let status = StatusCode::from_u16(other.status_code()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], other.to_string()).into_response()
        }
    }
}

/// The handler.
pub async fn export(State(state): State<AppState>, session: Session, Query(q): Query<BookingQuery>) -> Response {
    match build(&state, &session, &q).await {
        Ok((name, body)) => (
            StatusCode::OK,
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(err) => error_response(err.into()),
    }
}

async fn build(state: &AppState, session: &Session, q: &BookingQuery) -> Result<(String, String), ServerError> {
    let actor = actor_of_session(&state.pool, session, state.settings.session_limits)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    actor.require_role(&READERS)?;
    let filter = parse_filter(&actor, q)?;
    let rows = find(&state.pool, &filter, MAX_ROWS, 0).await?;
    let mut body = String::from("\u{feff}");
    body.push_str(&line(&HEADER));
    for r in &rows {
        let status = BookingStatus::parse(&r.status).map_or(r.status.clone(), |s| s.label_es().to_string());
        body.push_str(&line(&[
            r.code.as_str(),
            r.building.as_str(),
            r.spot.as_str(),
            r.starts.as_str(),
            r.ends.as_str(),
            r.visitor.as_deref().unwrap_or(""),
            pretty_plate(r.plate.as_deref()).as_str(),
            status.as_str(),
            r.amount.to_string().as_str(),
            r.id.to_string().as_str(),
        ]));
    }
    // An export takes personal data out of the system: it is on the audit trail (filter and
    // count only).
    let mut conn = state.pool.acquire().await?;
    audit::record(
        &mut conn,
        &AuditEntry {
            actor: &actor.audit(),
            action: "booking.exported",
            entity_type: Some("booking"),
            entity_id: None,
            building_id: filter.building.or(actor.building_id),
            metadata: json!({
                "rows": rows.len(),
                "status": q.estado, "from": q.desde, "to": q.hasta, "search": !q.buscar.trim().is_empty(),
            }),
        },
        &RequestMeta::default(),
    )
    .await?;
    let today = chrono::Utc::now().format("%Y%m%d");
    Ok((format!("reservas-{today}.csv"), body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_quoted_and_defused() {
        assert_eq!(field("Pedro Pérez"), "Pedro Pérez");
        assert_eq!(field("a;b"), "\"a;b\"");
        assert_eq!(field("di \"hola\""), "\"di \"\"hola\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-5"), "'-5");
        assert_eq!(line(&["a", "b"]), "a;b\r\n");
    }
}
