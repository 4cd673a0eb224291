//! Outbox → notifications. Each committed outbox event is read once (row-locked, skipping rows
//! another instance holds), turned into the messages it implies, and marked relayed in the same
//! transaction; an event that cannot be processed is retried later with backoff.

use super::templates::{BookingCancelled, BookingConfirmed, PasswordReset, ResidentApproved, ResidentRejected};
use app::domain::phone::MobilePhone;
use app::ssr::{blind_index::BlindField, pii, AppState};
use askama::Template;
use serde_json::Value;
use sqlx::{Acquire, PgConnection, Postgres, Transaction};
use uuid::Uuid;

/// An error while dispatching one event (kept for the retry bookkeeping).
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The event could not be turned into a message.
    #[error("{0}")]
    Event(String),
}

/// A message to create.
struct NewMessage<'a> {
    kind: &'a str,
    audience: &'a str,
    user_id: Option<Uuid>,
    building_id: Option<Uuid>,
    phone: &'a MobilePhone,
    idempotency_key: String,
    body: String,
    event_id: i64,
}

/// Processes up to 50 due outbox events; returns how many were handled.
pub async fn dispatch_batch(state: &AppState) -> Result<usize, DispatchError> {
    let mut tx = state.pool.begin().await?;
    let events: Vec<(i64, String, Value)> = sqlx::query_as(
        "select id, event_type, payload from outbox
          where relayed_at is null and next_attempt_at <= now()
          order by id limit 50
          for update skip locked",
    )
    .fetch_all(&mut *tx)
    .await?;
    let count = events.len();
    for (id, event_type, payload) in events {
        // A savepoint per event: one bad event must not undo the others.
        let mut sp = (&mut *tx).begin().await?;
        match handle(state, &mut sp, id, &event_type, &payload).await {
            Ok(()) => {
                sqlx::query("update outbox set relayed_at = now(), attempts = attempts + 1 where id = $1")
                    .bind(id)
                    .execute(&mut *sp)
                    .await?;
                sp.commit().await?;
            }
            Err(err) => {
                sp.rollback().await?;
                tracing::warn!(outbox.id = id, event.type = %event_type, error = %err, "outbox event failed; will retry");
                sqlx::query(
                    "update outbox set attempts = attempts + 1, last_error = $2,
                            next_attempt_at = now() + make_interval(secs => least(300, power(2, attempts + 1))::int)
                      where id = $1",
                )
                .bind(id)
                .bind(err.to_string())
                .execute(&mut *tx)
                .await?;
            }
        }
    }
    tx.commit().await?;
    Ok(count)
}

async fn handle(
    state: &AppState,
    tx: &mut Transaction<'_, Postgres>,
    event_id: i64,
    event_type: &str,
    payload: &Value,
) -> Result<(), DispatchError> {
    let uuid_field = |name: &str| {
        payload
            .get(name)
            .and_then(Value::as_str)
            .and_then(|s| Uuid::parse_str(s).ok())
            .ok_or_else(|| DispatchError::Event(format!("{event_type}: missing {name}")))
    };
    match event_type {
        "auth.password_reset_requested" => {
            let user_id = uuid_field("user_id")?;
            let reset_id = uuid_field("reset_id")?;
            type Row = (Option<Vec<u8>>, Option<Vec<u8>>, Option<Uuid>);
            let row: Option<Row> = sqlx::query_as(
                "select r.code_enc, u.phone_enc, u.building_id
                   from password_resets r join users u on u.id = r.user_id
                  where r.id = $1 and u.id = $2",
            )
            .bind(reset_id)
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((Some(code_enc), Some(phone_enc), building_id)) = row else {
                return Ok(()); // Nothing to send (no phone, or the reset is gone).
            };
            let code = decrypt(state, &code_enc, &pii::reset_code(&reset_id.to_string()))?;
            let phone = user_phone(state, user_id, &phone_enc)?;
            let body = PasswordReset { code: &code, minutes: app::identity::ssr::RESET_CODE_MINUTES }
                .render()
                .map_err(|e| DispatchError::Event(format!("template: {e}")))?;
            insert(state, tx, NewMessage {
                kind: "password_reset",
                audience: "user",
                user_id: Some(user_id),
                building_id,
                phone: &phone,
                idempotency_key: format!("password_reset:{reset_id}"),
                body,
                event_id,
            })
            .await
        }
        "resident.approved" | "resident.rejected" => {
            let user_id = uuid_field("user_id")?;
            type Row = (Option<Vec<u8>>, String, Option<String>, Uuid, String);
            let row: Option<Row> = sqlx::query_as(
                "select u.phone_enc, p.first_name, u.status_reason, b.id, b.name
                   from users u
                   join resident_profiles p on p.user_id = u.id
                   join buildings b on b.id = u.building_id
                  where u.id = $1",
            )
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((Some(phone_enc), first_name, reason, building_id, building)) = row else {
                return Ok(());
            };
            let phone = user_phone(state, user_id, &phone_enc)?;
            let (kind, body) = if event_type == "resident.approved" {
                let login_url = format!("{}/ingresar", state.settings.public_origin);
                ("resident_approved", ResidentApproved { first_name: &first_name, building: &building, login_url: &login_url }.render())
            } else {
                let reason = reason.unwrap_or_else(|| "sin detalle".into());
                ("resident_rejected", ResidentRejected { first_name: &first_name, building: &building, reason: &reason }.render())
            };
            let body = body.map_err(|e| DispatchError::Event(format!("template: {e}")))?;
            insert(state, tx, NewMessage {
                kind,
                audience: "resident",
                user_id: Some(user_id),
                building_id: Some(building_id),
                phone: &phone,
                idempotency_key: format!("{kind}:{user_id}:{event_id}"),
                body,
                event_id,
            })
            .await
        }
        "booking.payment_approved" | "booking.cancel" => {
            let booking_id = uuid_field("booking_id")?;
            booking_messages(state, tx, event_id, event_type, booking_id, payload).await
        }
        // Events without messages (yet): relayed so they do not pile up.
        _ => Ok(()),
    }
}

/// The confirmation (to the visitor, if they gave a phone, and to the resident) or the
/// cancellation notice (to the resident) of a booking.
async fn booking_messages(
    state: &AppState,
    tx: &mut Transaction<'_, Postgres>,
    event_id: i64,
    event_type: &str,
    booking_id: Uuid,
    payload: &Value,
) -> Result<(), DispatchError> {
    type Row = (
        Uuid, Uuid, String, String, String, String, chrono::DateTime<chrono::Utc>, chrono::DateTime<chrono::Utc>,
        Option<String>, Option<String>, String, String, Option<Vec<u8>>, Option<Vec<u8>>, String,
    );
    let row: Option<Row> = sqlx::query_as(
        "select k.resident_id, k.building_id, b.name, b.address, b.time_zone, s.number, k.starts_at, k.ends_at,
                k.visitor_name, k.visitor_plate, k.confirmation_code, k.guest_pass_token,
                k.visitor_phone_enc, u.phone_enc, coalesce(p.first_name, u.full_name)
           from bookings k
           join buildings b on b.id = k.building_id
           join visitor_spots s on s.id = k.spot_id
           join users u on u.id = k.resident_id
           left join resident_profiles p on p.user_id = u.id
          where k.id = $1",
    )
    .bind(booking_id)
    .fetch_optional(&mut **tx)
    .await?;
    let Some((resident_id, building_id, building, address, zone, spot, start, end, visitor, plate, code, token, visitor_phone, resident_phone, resident_name)) = row else {
        return Ok(());
    };
    let tz: chrono_tz::Tz = zone.parse().map_err(|_| DispatchError::Event(format!("zone {zone}")))?;
    let window = app::domain::format::window_label(start, end, tz);
    let plate = plate
        .map(|p| app::domain::plate::Plate::parse(&p).map(|p| p.pretty()).unwrap_or(p))
        .unwrap_or_default();
    let code = app::domain::code::ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code);
    let pass_url = format!("{}/pase/{token}", state.settings.public_origin);
    let render_err = |e: askama::Error| DispatchError::Event(format!("template: {e}"));

    if event_type == "booking.payment_approved" {
        let visitor_name = visitor.clone().unwrap_or_default();
        let first = |full: &str| full.split_whitespace().next().unwrap_or(full).to_string();
        if let Some(enc) = visitor_phone {
            let text = decrypt(state, &enc, &pii::visitor_phone(&booking_id.to_string()))?;
            let phone = MobilePhone::parse(&text).map_err(|_| DispatchError::Event("visitor phone".into()))?;
            let intro = format!("{} te reservó un estacionamiento de visita.", first(&resident_name));
            let body = BookingConfirmed {
                name: &first(&visitor_name), intro: &intro, building: &building, address: &address, spot: &spot,
                window: &window, plate: &plate, code: &code, pass_url: &pass_url,
            }
            .render()
            .map_err(render_err)?;
            insert(state, tx, NewMessage {
                kind: "booking_confirmed", audience: "visitor", user_id: None, building_id: Some(building_id),
                phone: &phone, idempotency_key: format!("booking_confirmed:{booking_id}:visitor"), body, event_id,
            })
            .await?;
        }
        if let Some(enc) = resident_phone {
            let phone = user_phone(state, resident_id, &enc)?;
            let intro = format!("tu reserva para {} está pagada y confirmada.", if visitor_name.is_empty() { "tu visita" } else { &visitor_name });
            let body = BookingConfirmed {
                name: &first(&resident_name), intro: &intro, building: &building, address: &address, spot: &spot,
                window: &window, plate: &plate, code: &code, pass_url: &pass_url,
            }
            .render()
            .map_err(render_err)?;
            insert(state, tx, NewMessage {
                kind: "booking_confirmed", audience: "resident", user_id: Some(resident_id), building_id: Some(building_id),
                phone: &phone, idempotency_key: format!("booking_confirmed:{booking_id}:resident"), body, event_id,
            })
            .await?;
        }
        return Ok(());
    }

    // booking.cancel: the resident hears about it, with the refund the policy gave.
    let Some(enc) = resident_phone else { return Ok(()) };
    let phone = user_phone(state, resident_id, &enc)?;
    let refund = payload.get("refund_clp").and_then(Value::as_i64).unwrap_or(0);
    let refund_label = app::domain::money::Clp::new(refund).to_string();
    let body = BookingCancelled { name: &resident_name, spot: &spot, building: &building, window: &window, refund, refund_label: &refund_label }
        .render()
        .map_err(render_err)?;
    insert(state, tx, NewMessage {
        kind: "booking_cancelled", audience: "resident", user_id: Some(resident_id), building_id: Some(building_id),
        phone: &phone, idempotency_key: format!("booking_cancelled:{booking_id}:resident"), body, event_id,
    })
    .await
}

fn decrypt(state: &AppState, blob: &[u8], aad: &app::ssr::vault::Aad<'_>) -> Result<String, DispatchError> {
    state
        .vault
        .decrypt(blob, aad)
        .map_err(|e| DispatchError::Event(format!("vault: {e}")))
}

fn user_phone(state: &AppState, user_id: Uuid, phone_enc: &[u8]) -> Result<MobilePhone, DispatchError> {
    let text = decrypt(state, phone_enc, &pii::user_phone(&user_id.to_string()))?;
    MobilePhone::parse(&text).map_err(|_| DispatchError::Event("stored phone is not a mobile".into()))
}

async fn insert(
    state: &AppState,
    conn: &mut PgConnection,
    msg: NewMessage<'_>,
) -> Result<(), DispatchError> {
    let id = Uuid::new_v4();
    let recipient_enc = state
        .vault
        .encrypt(msg.phone.as_e164(), &pii::notification_recipient(&id.to_string()))
        .map_err(|e| DispatchError::Event(format!("vault: {e}")))?;
    sqlx::query(
        "insert into notifications (id, event_id, user_id, building_id, kind, audience, recipient_bidx,
                                    recipient_enc, idempotency_key, rendered_body)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
         on conflict on constraint notifications_idempotency_key_key do nothing",
    )
    .bind(id)
    .bind(msg.event_id)
    .bind(msg.user_id)
    .bind(msg.building_id)
    .bind(msg.kind)
    .bind(msg.audience)
    .bind(state.blind_index.index(BlindField::Phone, msg.phone.as_e164()).to_vec())
    .bind(recipient_enc)
    .bind(&msg.idempotency_key)
    .bind(&msg.body)
    .execute(conn)
    .await?;
    Ok(())
}
