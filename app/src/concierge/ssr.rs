//! SQL of the gate.

use super::{GateBooking, GateLists, Verdict};
use crate::booking::transition;
use crate::domain::{
    booking::{BookingEvent, BookingStatus},
    booking_timing::{check_in_refusal, check_in_window_open, early_minutes_of, CheckInRefusal},
    code::ConfirmationCode,
    format::time_hm,
    plate::Plate,
    role::Role,
};
use crate::error::AppError;
use crate::ssr::{actor::Actor, audit::RequestMeta, ServerError, ServerResult};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_json::json;
use sqlx::{PgConnection, PgPool};
use uuid::Uuid;

/// Roles that work the gate: concierges, and the building's administration.
const GATE_ROLES: [Role; 4] = [Role::Concierge, Role::BuildingAdmin, Role::Support, Role::Admin];

/// A booking as the gate reads it, with the building's "ingreso anticipado"
/// (`check_in_early_minutes`), which decides when the gate opens for it.
#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    status: BookingStatus,
    visitor_plate: Option<String>,
    spot: String,
    unit: String,
    visitor_name: Option<String>,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    time_zone: String,
    check_in_early_minutes: i32,
}

/// The gate's query of [`Row`]s, to complete with a `where`.
const SELECT: &str =
    "select k.id, k.status, k.visitor_plate, s.number as spot, u.number as unit, k.visitor_name, k.starts_at, k.ends_at,
             b.time_zone, b.check_in_early_minutes
      from bookings k
      join visitor_spots s on s.id = k.spot_id
      join buildings b on b.id = k.building_id
      join resident_profiles p on p.user_id = k.resident_id
      join units u on u.id = p.unit_id";

/// A booking locked for a gate action: its window, plate and the building's early-entry minutes.
#[derive(sqlx::FromRow)]
struct Locked {
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    visitor_plate: Option<String>,
    check_in_early_minutes: i32,
}

/// Refuses anyone who may not work the gate (before anything is read or recorded).
pub fn require_gate(actor: &Actor) -> ServerResult<()> {
    gate_building(actor).map(|_| ())
}

fn gate_building(actor: &Actor) -> ServerResult<Uuid> {
    actor.require_role(&GATE_ROLES)?;
    // The gate is a per-building screen; platform roles have no building of their own.
    actor.building_id.ok_or_else(|| AppError::Forbidden.into())
}

fn to_gate(row: Row, now: DateTime<Utc>) -> ServerResult<(GateBooking, BookingStatus)> {
    let Row {
        id,
        status,
        visitor_plate: plate,
        spot,
        unit,
        visitor_name: visitor,
        starts_at: start,
        ends_at: end,
        time_zone: zone,
        check_in_early_minutes: early,
    } = row;
    let early = early_minutes_of(early);
    let tz: Tz = zone.parse().map_err(|_| ServerError::invariant(format!("zone {zone}")))?;
    Ok((
        GateBooking {
            id: id.to_string(),
            plate: Plate::shown(plate.as_deref()),
            spot,
            unit,
            visitor: visitor.unwrap_or_default(),
            window: format!("{} – {}", time_hm(start.with_timezone(&tz).time()), time_hm(end.with_timezone(&tz).time())),
            status: status.label_es().to_string(),
            can_check_in: status == BookingStatus::Confirmed && check_in_window_open(now, start, end, early),
            can_check_out: matches!(status, BookingStatus::CheckedIn | BookingStatus::Overstay),
            can_no_show: status == BookingStatus::Confirmed && now >= start,
        },
        status,
    ))
}

/// The building's early-entry rule in words, for the gate's refusals.
fn early_entry_es(early: u32) -> String {
    match early {
        0 => "el ingreso se habilita desde la hora de inicio".into(),
        n => format!("el ingreso se habilita {} antes", minutes_es(n)),
    }
}

/// "1 minuto", "45 minutos".
fn minutes_es(n: u32) -> String {
    if n == 1 {
        "1 minuto".into()
    } else {
        format!("{n} minutos")
    }
}

/// Verifies a plate (any spelling) or a confirmation code at the gate of the actor's building,
/// and records the verification as an access event whatever the answer; returns the verdict and
/// the access event's id (the gate screen shows the verdict by that id).
pub async fn verify(pool: &PgPool, actor: &Actor, query: &str, now: DateTime<Utc>) -> ServerResult<(Verdict, Uuid)> {
    let building_id = gate_building(actor)?;
    // A scanned (or pasted) guest-pass link is verified by the code it carries.
    let query = crate::domain::gate_link::scanned_query(query);
    let plate = Plate::parse(query).ok();
    let code = ConfirmationCode::parse(query).ok();
    if plate.is_none() && code.is_none() {
        return Err(AppError::field("q", "Ingresa una patente (BBBB12, AB1234) o un código de 8 caracteres.").into());
    }
    // The most relevant booking: the car inside first, then the one whose window is open, then
    // the next one today, then the most recent.
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT}
          where k.building_id = $1 and (k.visitor_plate = $2 or k.confirmation_code = $3)
            and k.ends_at > $4 - interval '1 day'
            -- Implied by the line above (a block lasts at most 48 hours), but it bounds the
            -- (building, plate, starts_at) index scan: a regular visitor's year of history is
            -- not read on every verification.
            and k.starts_at > $4 - interval '3 days'
          order by (k.status in ('checked_in', 'overstay')) desc,
                   (k.status = 'confirmed'
                    and $4 between k.starts_at - make_interval(mins => b.check_in_early_minutes) and k.ends_at) desc,
                   (k.status = 'confirmed' and k.starts_at > $4) desc,
                   abs(extract(epoch from k.starts_at - $4))
          limit 1"
    ))
    .bind(building_id)
    .bind(plate.as_ref().map(|p| p.as_str().to_string()))
    .bind(code.as_ref().map(|c| c.as_str().to_string()))
    .bind(now)
    .fetch_all(pool)
    .await?;

    let (verdict, booking_id, plate_seen) = match rows.into_iter().next() {
        None => (
            Verdict {
                allowed: false,
                reason: Some("No hay una reserva para esta patente o código en este edificio.".into()),
                booking: None,
            },
            None,
            plate.map(|p| p.as_str().to_string()),
        ),
        Some(row) => {
            let (start, end, early) = (row.starts_at, row.ends_at, early_minutes_of(row.check_in_early_minutes));
            let plate_seen = row.visitor_plate.clone();
            let (gate, status) = to_gate(row, now)?;
            let reason = match status {
                BookingStatus::CheckedIn => None,
                BookingStatus::Overstay => Some("El vehículo excedió su horario: registra la salida.".to_string()),
                BookingStatus::Confirmed => match check_in_refusal(now, start, end, early) {
                    Some(CheckInRefusal::TooEarly) => Some(format!(
                        "Aún no es su horario: la reserva comienza a las {} ({}).",
                        gate.window.split(" – ").next().unwrap_or_default(),
                        early_entry_es(early)
                    )),
                    Some(CheckInRefusal::Ended) => Some("La reserva ya terminó.".into()),
                    None => None,
                },
                BookingStatus::Pending => Some("La reserva aún no está pagada.".into()),
                BookingStatus::Cancelled => Some("La reserva fue cancelada.".into()),
                BookingStatus::NoShow => Some("La reserva fue marcada como no llegó.".into()),
                BookingStatus::CheckedOut | BookingStatus::Completed => Some("La visita ya terminó.".into()),
            };
            let allowed = matches!(status, BookingStatus::CheckedIn | BookingStatus::Overstay)
                || (status == BookingStatus::Confirmed && reason.is_none());
            let id = Uuid::parse_str(&gate.id).ok();
            (Verdict { allowed, reason, booking: Some(gate) }, id, plate_seen)
        }
    };
    let mut conn = pool.acquire().await?;
    let event_id = AccessEvent {
        building_id,
        booking_id: verdict.booking.as_ref().and(booking_id),
        actor_id: actor.id,
        kind: if verdict.allowed { "verify_allowed" } else { "verify_denied" },
        plate: plate_seen.as_deref(),
        query: Some(query),
        reason: verdict.reason.as_deref(),
    }
    .insert(&mut conn)
    .await?;
    Ok((verdict, event_id))
}

/// The verdict recorded by access event `event_id` (of the actor's building), with the booking's
/// current state so the buttons match what is allowed now.
pub async fn load_verdict(pool: &PgPool, actor: &Actor, event_id: Uuid, now: DateTime<Utc>) -> ServerResult<Verdict> {
    let building_id = gate_building(actor)?;
    let event: Option<(String, Option<String>, Option<Uuid>)> = sqlx::query_as(
        "select kind, reason, booking_id from access_events
          where id = $1 and building_id = $2 and kind in ('verify_allowed', 'verify_denied')",
    )
    .bind(event_id)
    .bind(building_id)
    .fetch_optional(pool)
    .await?;
    let Some((kind, reason, booking_id)) = event else {
        return Err(AppError::NotFound.into());
    };
    let booking = match booking_id {
        Some(id) => {
            let row: Option<Row> = sqlx::query_as(&format!("{SELECT} where k.id = $1")).bind(id).fetch_optional(pool).await?;
            row.map(|r| to_gate(r, now)).transpose()?.map(|(g, _)| g)
        }
        None => None,
    };
    Ok(Verdict { allowed: kind == "verify_allowed", reason, booking })
}

/// One row of the gate's access log: a verification or a movement.
struct AccessEvent<'a> {
    building_id: Uuid,
    booking_id: Option<Uuid>,
    actor_id: Uuid,
    /// `verify_allowed`, `verify_denied`, `check_in`, `check_out` or `no_show`.
    kind: &'a str,
    /// The plate the concierge saw, if one was typed.
    plate: Option<&'a str>,
    /// What was typed to verify (kept short and without control characters).
    query: Option<&'a str>,
    reason: Option<&'a str>,
}

impl AccessEvent<'_> {
    /// Writes the event durably (on the caller's connection or transaction); returns its id.
    async fn insert(&self, conn: &mut PgConnection) -> ServerResult<Uuid> {
        let query: Option<String> = self.query.map(|q| q.chars().filter(|c| !c.is_control()).take(64).collect());
        let id: Uuid = sqlx::query_scalar(
            "insert into access_events (booking_id, building_id, actor_id, kind, plate_observed, query_text, reason)
             values ($1, $2, $3, $4, $5, $6, $7) returning id",
        )
        .bind(self.booking_id)
        .bind(self.building_id)
        .bind(self.actor_id)
        .bind(self.kind)
        .bind(self.plate)
        .bind(query)
        .bind(self.reason.map(|r| r.chars().take(500).collect::<String>()))
        .fetch_one(conn)
        .await?;
        Ok(id)
    }
}

/// Check-in, check-out or no-show at the gate, through the state machine, with its access event.
pub async fn register(
    pool: &PgPool,
    actor: &Actor,
    booking_id: Uuid,
    event: BookingEvent,
    meta: &RequestMeta,
    now: DateTime<Utc>,
) -> ServerResult<()> {
    let building_id = gate_building(actor)?;
    let mut tx = pool.begin().await?;
    let row: Option<Locked> = sqlx::query_as(
        "select k.starts_at, k.ends_at, k.visitor_plate, b.check_in_early_minutes
           from bookings k join buildings b on b.id = k.building_id
          where k.id = $1 and k.building_id = $2
            for update of k",
    )
    .bind(booking_id)
    .bind(building_id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(Locked { starts_at: start, ends_at: end, visitor_plate: plate, check_in_early_minutes: early }) = row else {
        return Err(AppError::NotFound.into());
    };
    match event {
        BookingEvent::CheckIn if !check_in_window_open(now, start, end, early_minutes_of(early)) => {
            let message = match early_minutes_of(early) {
                0 => "En este edificio el ingreso se habilita desde el inicio y hasta el fin de la reserva.".to_string(),
                n => format!(
                    "En este edificio el ingreso se habilita {} antes del inicio y hasta el fin de la reserva.",
                    minutes_es(n)
                ),
            };
            return Err(AppError::Conflict(message).into());
        }
        BookingEvent::NoShow if now < start => {
            return Err(AppError::Conflict("Solo puedes marcar «No llegó» una vez comenzada la reserva.".into()).into());
        }
        BookingEvent::CheckIn | BookingEvent::CheckOut | BookingEvent::NoShow => {}
        _ => return Err(AppError::Forbidden.into()),
    }
    transition::apply(&mut tx, booking_id, event, &actor.audit(), meta, json!({ "by": "gate" })).await?;
    let kind = match event {
        BookingEvent::CheckIn => "check_in",
        BookingEvent::CheckOut => "check_out",
        _ => "no_show",
    };
    AccessEvent {
        building_id,
        booking_id: Some(booking_id),
        actor_id: actor.id,
        kind,
        plate: plate.as_deref(),
        query: None,
        reason: None,
    }
    .insert(&mut tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Today's arrivals (and those of the next two hours, or of the early-entry window if longer, so
/// that just before midnight the concierge still sees who comes next), cars inside and overstays
/// of the actor's building.
pub async fn lists(pool: &PgPool, actor: &Actor, now: DateTime<Utc>) -> ServerResult<GateLists> {
    let building_id = gate_building(actor)?;
    let building: String = sqlx::query_scalar("select name from buildings where id = $1")
        .bind(building_id)
        .fetch_one(pool)
        .await?;
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "{SELECT}
          where k.building_id = $1
            and (k.status in ('checked_in', 'overstay')
                 or (k.status = 'confirmed' and k.ends_at > $2
                     and ((k.starts_at at time zone b.time_zone)::date <= ($2 at time zone b.time_zone)::date
                          -- the next hours too, so the list does not empty at midnight
                          or k.starts_at <= $2 + greatest(interval '2 hours',
                                                          make_interval(mins => b.check_in_early_minutes)))))
          order by k.starts_at, s.number"
    ))
    .bind(building_id)
    .bind(now)
    .fetch_all(pool)
    .await?;
    let mut out =
        GateLists { building, building_id: building_id.to_string(), arrivals: vec![], inside: vec![], overstays: vec![] };
    for row in rows {
        let (gate, status) = to_gate(row, now)?;
        match status {
            BookingStatus::CheckedIn => out.inside.push(gate),
            BookingStatus::Overstay => out.overstays.push(gate),
            _ => out.arrivals.push(gate),
        }
    }
    Ok(out)
}

#[cfg(test)]
#[path = "ssr_tests.rs"]
mod tests;
