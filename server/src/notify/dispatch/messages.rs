//! Which messages each event implies, to whom, and with what text.

use super::facts::BookingFacts;
use super::{first_name, insert, render, user_phone, DispatchError, NewMessage};
use crate::notify::templates::{
    BookingCancelled, ContentVariables, PasswordReset, PaymentFailed, PhoneChangeCode, ResidentApproved, ResidentRejected,
};
use app::domain::event::DomainEvent;
use app::domain::phone::MobilePhone;
use app::domain::secret::MASK;
use app::ssr::{pii, AppState};
use chrono::Utc;
use sqlx::{Postgres, Transaction};
use uuid::Uuid;

/// A resident just approved or rejected, with their building (the phone still sealed).
#[derive(sqlx::FromRow)]
struct DecidedResident {
    phone_enc: Option<Vec<u8>>,
    first_name: String,
    status_reason: Option<String>,
    building_id: Uuid,
    building: String,
}

pub(super) async fn messages(
    state: &AppState,
    tx: &mut Transaction<'_, Postgres>,
    event_id: i64,
    event: &DomainEvent,
) -> Result<(), DispatchError> {
    match *event {
        DomainEvent::PasswordResetRequested { user_id, reset_id } => {
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
            let code = state
                .vault
                .decrypt_secret(&code_enc, &pii::reset_code(&reset_id.to_string()))
                .map_err(|e| DispatchError::Event(format!("vault: {e}")))?;
            let phone = user_phone(state, user_id, &phone_enc)?;
            // The stored text names the code only as the mask: staff read these rows.
            let text = PasswordReset { code: MASK, minutes: app::identity::ssr::RESET_CODE_MINUTES };
            insert(
                state,
                tx,
                NewMessage {
                    kind: "password_reset",
                    audience: "user",
                    user_id: Some(user_id),
                    booking_id: None,
                    building_id,
                    phone: &phone,
                    idempotency_key: format!("password_reset:{reset_id}"),
                    body: render(&text)?,
                    variables: text.content_variables(),
                    secret: Some(code.expose()),
                    event_id,
                },
            )
            .await
        }
        DomainEvent::PhoneChangeRequested { user_id, change_id } => {
            type Row = (Option<Vec<u8>>, Vec<u8>, Option<Uuid>);
            let row: Option<Row> = sqlx::query_as(
                "select c.code_enc, c.phone_enc, u.building_id
                   from phone_changes c join users u on u.id = c.user_id
                  where c.id = $1 and u.id = $2 and c.used_at is null",
            )
            .bind(change_id)
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some((Some(code_enc), phone_enc, building_id)) = row else {
                return Ok(()); // Confirmed, replaced or expired meanwhile: nothing to send.
            };
            let aad_id = change_id.to_string();
            let code = state
                .vault
                .decrypt_secret(&code_enc, &app::ssr::pii::PHONE_CHANGE_CODE.aad(&aad_id))
                .map_err(|e| DispatchError::Event(format!("vault: {e}")))?;
            let phone = state
                .vault
                .decrypt(&phone_enc, &app::ssr::pii::PHONE_CHANGE_PHONE.aad(&aad_id))
                .ok()
                .and_then(|p| MobilePhone::parse(&p).ok())
                .ok_or_else(|| DispatchError::Event(format!("phone change {change_id}: unreadable number")))?;
            let text = PhoneChangeCode { code: MASK, minutes: app::identity::ssr::RESET_CODE_MINUTES };
            insert(
                state,
                tx,
                NewMessage {
                    kind: "phone_change_code",
                    audience: "user",
                    user_id: Some(user_id),
                    booking_id: None,
                    building_id,
                    phone: &phone,
                    idempotency_key: format!("phone_change_code:{change_id}"),
                    body: render(&text)?,
                    variables: text.content_variables(),
                    secret: Some(code.expose()),
                    event_id,
                },
            )
            .await?;
            // The code now travels sealed in the message alone; the hash stays for the check.
            sqlx::query("update phone_changes set code_enc = null where id = $1")
                .bind(change_id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
        DomainEvent::ResidentApproved { user_id } | DomainEvent::ResidentRejected { user_id } => {
            let row: Option<DecidedResident> = sqlx::query_as(
                "select u.phone_enc, p.first_name, u.status_reason, b.id as building_id, b.name as building
                   from users u
                   join resident_profiles p on p.user_id = u.id
                   join buildings b on b.id = u.building_id
                  where u.id = $1",
            )
            .bind(user_id)
            .fetch_optional(&mut **tx)
            .await?;
            let Some(DecidedResident { phone_enc: Some(phone_enc), first_name, status_reason: reason, building_id, building }) =
                row
            else {
                return Ok(());
            };
            let phone = user_phone(state, user_id, &phone_enc)?;
            let (kind, body, variables) = if matches!(event, DomainEvent::ResidentApproved { .. }) {
                let login_url = format!("{}/ingresar", state.settings.public_origin);
                let text = ResidentApproved { first_name: &first_name, building: &building, login_url: &login_url };
                ("resident_approved", render(&text)?, text.content_variables())
            } else {
                let reason = reason.unwrap_or_else(|| "sin detalle".into());
                let text = ResidentRejected { first_name: &first_name, building: &building, reason: &reason };
                ("resident_rejected", render(&text)?, text.content_variables())
            };
            insert(
                state,
                tx,
                NewMessage {
                    kind,
                    audience: "resident",
                    user_id: Some(user_id),
                    booking_id: None,
                    building_id: Some(building_id),
                    phone: &phone,
                    idempotency_key: format!("{kind}:{user_id}:{event_id}"),
                    body,
                    variables,
                    secret: None,
                    event_id,
                },
            )
            .await
        }
        DomainEvent::BookingConfirmed { booking_id } => {
            let Some(b) = BookingFacts::load(state, tx, booking_id).await? else { return Ok(()) };
            let visitor_name = b.visitor.clone().unwrap_or_default();
            if let Some(phone) = &b.visitor_phone {
                let intro = format!("{} te reservó un estacionamiento de visita.", first_name(&b.resident_name));
                let name = first_name(&visitor_name);
                let text = b.confirmed(&name, &intro);
                insert(
                    state,
                    tx,
                    b.message("booking_confirmed", "visitor", phone, render(&text)?, text.content_variables(), event_id),
                )
                .await?;
            }
            if let Some(phone) = &b.resident_phone {
                let who = if visitor_name.is_empty() { "tu visita" } else { &visitor_name };
                let intro = format!("tu reserva para {who} está pagada y confirmada.");
                let name = first_name(&b.resident_name);
                let text = b.confirmed(&name, &intro);
                insert(
                    state,
                    tx,
                    b.message("booking_confirmed", "resident", phone, render(&text)?, text.content_variables(), event_id),
                )
                .await?;
            }
            Ok(())
        }
        DomainEvent::BookingReminderDue { booking_id } => {
            let Some(b) = BookingFacts::load(state, tx, booking_id).await? else { return Ok(()) };
            // A reminder for a booking cancelled (or already started) meanwhile is noise.
            if b.status != "confirmed" || b.starts_at <= Utc::now() {
                return Ok(());
            }
            let visitor_name = b.visitor.clone().unwrap_or_default();
            if let Some(phone) = &b.visitor_phone {
                let intro = "tu estacionamiento de visita es en menos de una hora.";
                let name = first_name(&visitor_name);
                let text = b.reminder(&name, intro);
                insert(
                    state,
                    tx,
                    b.message("booking_reminder", "visitor", phone, render(&text)?, text.content_variables(), event_id),
                )
                .await?;
            }
            if let Some(phone) = &b.resident_phone {
                let who = if visitor_name.is_empty() { "tu visita" } else { &visitor_name };
                let intro = format!("{who} tiene el estacionamiento de visita en menos de una hora.");
                let name = first_name(&b.resident_name);
                let text = b.reminder(&name, &intro);
                insert(
                    state,
                    tx,
                    b.message("booking_reminder", "resident", phone, render(&text)?, text.content_variables(), event_id),
                )
                .await?;
            }
            Ok(())
        }
        DomainEvent::BookingCancelled { booking_id, refund_clp } => {
            let Some(b) = BookingFacts::load(state, tx, booking_id).await? else { return Ok(()) };
            let Some(phone) = &b.resident_phone else { return Ok(()) };
            let refund_label = app::domain::money::Clp::new(refund_clp).to_string();
            let text = BookingCancelled {
                name: &first_name(&b.resident_name),
                spot: &b.spot,
                building: &b.building,
                window: &b.window,
                refund: refund_clp,
                refund_label: &refund_label,
            };
            insert(
                state,
                tx,
                b.message("booking_cancelled", "resident", phone, render(&text)?, text.content_variables(), event_id),
            )
            .await
        }
        DomainEvent::PaymentFailed { booking_id } => {
            let Some(b) = BookingFacts::load(state, tx, booking_id).await? else { return Ok(()) };
            let Some(phone) = &b.resident_phone else { return Ok(()) };
            let search_url = format!("{}/buscar", state.settings.public_origin);
            let text = PaymentFailed {
                name: &first_name(&b.resident_name),
                spot: &b.spot,
                building: &b.building,
                window: &b.window,
                search_url: &search_url,
            };
            insert(state, tx, b.message("payment_failed", "resident", phone, render(&text)?, text.content_variables(), event_id))
                .await
        }
        // Events without messages: live screens only.
        DomainEvent::BookingCreated { .. }
        | DomainEvent::HoldExpired { .. }
        | DomainEvent::BookingCheckedIn { .. }
        | DomainEvent::BookingCheckedOut { .. }
        | DomainEvent::BookingNoShow { .. }
        | DomainEvent::BookingOverstay { .. }
        | DomainEvent::BookingCompleted { .. } => Ok(()),
    }
}
