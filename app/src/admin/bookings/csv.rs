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
    audit::{AuditEntry, RequestMeta},
    client_ip::ClientIp,
    AppState, ServerError,
};
use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use http::{header, HeaderMap, StatusCode};
use serde_json::json;
use tower_sessions::Session;

/// At most this many rows per file (a year of a large building); the filter narrows it.
pub const MAX_ROWS: usize = 20_000;

/// The last line of a file cut at [`MAX_ROWS`], so whoever opens it knows it is incomplete.
pub const TRUNCATED_NOTE: &str =
    "Exportación limitada a las primeras 20.000 reservas: acota el filtro (por ejemplo, por fechas) para obtener el resto.";

/// The header row.
pub const HEADER: [&str; 10] =
    ["Código", "Edificio", "Estacionamiento", "Inicio", "Término", "Visita", "Patente", "Estado", "Monto (CLP)", "Id"];

/// One CSV field: quoted when it holds the separator, a quote or a line break, and prefixed
/// with `'` when a spreadsheet would read it as a formula (CSV injection).
pub fn field(value: &str) -> String {
    let value = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_string() };
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
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    client: Option<Extension<ClientIp>>,
    headers: HeaderMap,
    Query(q): Query<BookingQuery>,
) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let meta = RequestMeta {
        ip: client.map(|Extension(ClientIp(ip))| ip),
        user_agent: header("user-agent"),
        request_id: header("x-request-id"),
    };
    match build(&state, &session, &q, &meta).await {
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

async fn build(
    state: &AppState,
    session: &Session,
    q: &BookingQuery,
    meta: &RequestMeta,
) -> Result<(String, String), ServerError> {
    let actor = actor_of_session(&state.pool, session, state.settings.session_limits)
        .await?
        .ok_or(AppError::Unauthenticated)?;
    actor.require_role(&READERS)?;
    let filter = parse_filter(&actor, q)?;
    // One row past the cap tells whether the file had to be cut; no more is ever read.
    let rows = find(&state.pool, &filter, i64::try_from(MAX_ROWS + 1).unwrap_or(i64::MAX), 0).await?;
    let (body, truncated) = render(&rows, MAX_ROWS);
    let written = rows.len().min(MAX_ROWS);
    // An export takes personal data out of the system: it is on the audit trail (filter and
    // count only).
    let mut conn = state.pool.acquire().await?;
    AuditEntry::new(&actor.audit(), "booking.exported")
        .about("booking")
        .building(filter.building.or(actor.building_id))
        .with(json!({
            "rows": written, "truncated": truncated,
            "status": q.estado, "from": q.desde, "to": q.hasta, "search": !q.buscar.trim().is_empty(),
        }))
        .record(&mut conn, meta)
        .await?;
    let today = chrono::Utc::now().format("%Y%m%d");
    Ok((format!("reservas-{today}.csv"), body))
}

/// The file: BOM, header, at most `cap` rows and, when there were more, [`TRUNCATED_NOTE`].
/// Returns whether it was cut.
pub fn render(rows: &[super::ssr::Row], cap: usize) -> (String, bool) {
    let mut body = String::from("\u{feff}");
    body.push_str(&line(&HEADER));
    for r in rows.iter().take(cap) {
        let status = BookingStatus::parse(&r.status).map_or(r.status.clone(), |s| s.label_es().to_string());
        let (visitor, plate) = if r.purged {
            (crate::privacy::PURGED_LABEL.to_string(), crate::privacy::PURGED_LABEL.to_string())
        } else {
            (r.visitor.clone().unwrap_or_default(), pretty_plate(r.plate.as_deref()))
        };
        body.push_str(&line(&[
            r.code.as_str(),
            r.building.as_str(),
            r.spot.as_str(),
            r.starts.as_str(),
            r.ends.as_str(),
            visitor.as_str(),
            plate.as_str(),
            status.as_str(),
            r.amount.to_string().as_str(),
            r.id.to_string().as_str(),
        ]));
    }
    let truncated = rows.len() > cap;
    if truncated {
        body.push_str(&line(&[TRUNCATED_NOTE]));
    }
    (body, truncated)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(code: &str) -> super::super::ssr::Row {
        super::super::ssr::Row {
            id: uuid::Uuid::nil(),
            code: code.into(),
            building: "Torre".into(),
            spot: "1".into(),
            starts: "01-01-2027 08:00".into(),
            ends: "01-01-2027 20:00".into(),
            visitor: None,
            plate: None,
            purged: false,
            status: "confirmed".into(),
            amount: 5000,
            refund: None,
            refund_failed: false,
            total: 3,
        }
    }

    /// The export used to stop at the cap silently: a file that looked complete was not.
    #[test]
    fn a_capped_export_says_so_and_stops_at_the_cap() {
        let rows = [row("AAA111"), row("BBB222"), row("CCC333")];
        let (body, truncated) = render(&rows, 2);
        assert!(truncated);
        assert!(body.contains("AAA111") && body.contains("BBB222") && !body.contains("CCC333"));
        assert!(body.trim_end().ends_with(TRUNCATED_NOTE));
        let (body, truncated) = render(&rows, 3);
        assert!(!truncated && !body.contains(TRUNCATED_NOTE));
        assert!(TRUNCATED_NOTE.contains("20.000") && MAX_ROWS == 20_000);
    }

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
