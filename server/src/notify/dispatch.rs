//! Events → notifications. The notification consumer hands each event here; the messages it
//! implies are created in one transaction together with the outbox row's `notified_at`, under
//! that row's lock, so an event delivered twice (a redelivery, a reclaimed entry, a relay that
//! died before marking) creates its messages once. Sending happens later, in [`super::sender`].

use super::templates::{
    BookingCancelled, BookingConfirmed, BookingReminder, ContentVariables, PasswordReset, PaymentFailed, PhoneChangeCode,
    ResidentApproved, ResidentRejected,
};
use app::domain::event::{DomainEvent, Envelope};
use app::domain::phone::MobilePhone;
use app::domain::secret::MASK;
use app::ssr::{blind_index::BlindField, pii, AppState};
use askama::Template;
use chrono::{DateTime, Utc};
use sqlx::{PgConnection, Postgres, Transaction};
use uuid::Uuid;

/// An error while handling one event (the consumer retries it later).
#[derive(Debug, thiserror::Error)]
pub enum DispatchError {
    /// The database failed.
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    /// The event could not be turned into a message.
    #[error("{0}")]
    Event(String),
}

/// What handling an event did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Its messages (possibly none) were created now.
    Handled,
    /// It had been handled before: nothing was created.
    Duplicate,
    /// Its outbox row no longer exists (purged): nothing to do.
    Gone,
}

/// A message to create.
struct NewMessage<'a> {
    kind: &'a str,
    audience: &'a str,
    user_id: Option<Uuid>,
    booking_id: Option<Uuid>,
    building_id: Option<Uuid>,
    phone: &'a MobilePhone,
    idempotency_key: String,
    body: String,
    variables: serde_json::Value,
    /// A one-time secret `body` and `variables` carry only as [`app::domain::secret::MASK`]:
    /// sealed apart, put back by the sender for the provider alone.
    secret: Option<&'a str>,
    event_id: i64,
}

/// Creates the messages `envelope` implies, once.
pub async fn handle(state: &AppState, envelope: &Envelope) -> Result<Outcome, DispatchError> {
    let mut tx = state.pool.begin().await?;
    let row: Option<(Option<DateTime<Utc>>,)> = sqlx::query_as("select notified_at from outbox where id = $1 for update")
        .bind(envelope.id)
        .fetch_optional(&mut *tx)
        .await?;
    match row {
        None => return Ok(Outcome::Gone),
        Some((Some(_),)) => return Ok(Outcome::Duplicate),
        Some((None,)) => {}
    }
    messages(state, &mut tx, envelope.id, &envelope.event).await?;
    // The consumer can be faster than the relay's own "relayed" mark: record both.
    sqlx::query(
        "update outbox set notified_at = now(), relayed_at = coalesce(relayed_at, now()), last_error = null
          where id = $1",
    )
    .bind(envelope.id)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Outcome::Handled)
}

/// Records a failed attempt at handling outbox event `id`; after `give_up_after` attempts the
/// event is marked handled (its messages abandoned, the error kept) so it stops coming back.
/// Returns whether it gave up.
pub async fn record_failure(pool: &sqlx::PgPool, id: i64, error: &str, give_up_after: i32) -> Result<bool, sqlx::Error> {
    let gave_up: Option<bool> = sqlx::query_scalar(
        "update outbox set attempts = attempts + 1, last_error = $2,
                notified_at = case when attempts + 1 >= $3 then now() else notified_at end,
                relayed_at = coalesce(relayed_at, now())
          where id = $1 and notified_at is null
          returning notified_at is not null",
    )
    .bind(id)
    .bind(error)
    .bind(give_up_after)
    .fetch_optional(pool)
    .await?;
    Ok(gave_up.unwrap_or(false))
}

async fn messages(
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

/// What booking messages say, loaded and decrypted once per event.
struct BookingFacts {
    id: Uuid,
    resident_id: Uuid,
    building_id: Uuid,
    status: String,
    starts_at: DateTime<Utc>,
    building: String,
    address: String,
    spot: String,
    window: String,
    visitor: Option<String>,
    plate: String,
    code: String,
    pass_url: String,
    resident_name: String,
    visitor_phone: Option<MobilePhone>,
    resident_phone: Option<MobilePhone>,
}

impl BookingFacts {
    async fn load(state: &AppState, tx: &mut Transaction<'_, Postgres>, booking_id: Uuid) -> Result<Option<Self>, DispatchError> {
        type Row = (
            Uuid,
            Uuid,
            String,
            String,
            String,
            String,
            String,
            DateTime<Utc>,
            DateTime<Utc>,
            Option<String>,
            Option<String>,
            String,
            String,
            Option<Vec<u8>>,
            Option<Vec<u8>>,
            String,
        );
        let row: Option<Row> = sqlx::query_as(
            "select k.resident_id, k.building_id, k.status, b.name, b.address, b.time_zone, s.number,
                    k.starts_at, k.ends_at, k.visitor_name, k.visitor_plate, k.confirmation_code,
                    k.guest_pass_token, k.visitor_phone_enc, u.phone_enc, coalesce(p.first_name, u.full_name)
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
        let Some((
            resident_id,
            building_id,
            status,
            building,
            address,
            zone,
            spot,
            start,
            end,
            visitor,
            plate,
            code,
            token,
            visitor_phone,
            resident_phone,
            resident_name,
        )) = row
        else {
            return Ok(None);
        };
        let tz: chrono_tz::Tz = zone.parse().map_err(|_| DispatchError::Event(format!("zone {zone}")))?;
        let visitor_phone = match visitor_phone {
            Some(enc) => {
                let text = decrypt(state, &enc, &pii::visitor_phone(&booking_id.to_string()))?;
                Some(MobilePhone::parse(&text).map_err(|_| DispatchError::Event("visitor phone".into()))?)
            }
            None => None,
        };
        let resident_phone = match resident_phone {
            Some(enc) => Some(user_phone(state, resident_id, &enc)?),
            None => None,
        };
        Ok(Some(Self {
            id: booking_id,
            resident_id,
            building_id,
            status,
            starts_at: start,
            building,
            address,
            spot,
            window: app::domain::format::window_label(start, end, tz),
            visitor,
            plate: plate
                .map(|p| app::domain::plate::Plate::parse(&p).map(|p| p.pretty()).unwrap_or(p))
                .unwrap_or_default(),
            code: app::domain::code::ConfirmationCode::parse(&code).map(|c| c.to_string()).unwrap_or(code),
            pass_url: format!("{}/pase/{token}", state.settings.public_origin),
            resident_name,
            visitor_phone,
            resident_phone,
        }))
    }

    fn confirmed<'a>(&'a self, name: &'a str, intro: &'a str) -> BookingConfirmed<'a> {
        BookingConfirmed {
            name,
            intro,
            building: &self.building,
            address: &self.address,
            spot: &self.spot,
            window: &self.window,
            plate: &self.plate,
            code: &self.code,
            pass_url: &self.pass_url,
        }
    }

    fn reminder<'a>(&'a self, name: &'a str, intro: &'a str) -> BookingReminder<'a> {
        BookingReminder {
            name,
            intro,
            building: &self.building,
            address: &self.address,
            spot: &self.spot,
            window: &self.window,
            plate: &self.plate,
            code: &self.code,
            pass_url: &self.pass_url,
        }
    }

    /// A message about this booking; one per kind and audience, whatever the event delivery.
    fn message<'a>(
        &self,
        kind: &'a str,
        audience: &'a str,
        phone: &'a MobilePhone,
        body: String,
        variables: serde_json::Value,
        event_id: i64,
    ) -> NewMessage<'a> {
        NewMessage {
            kind,
            audience,
            user_id: (audience == "resident").then_some(self.resident_id),
            booking_id: Some(self.id),
            building_id: Some(self.building_id),
            phone,
            idempotency_key: format!("{kind}:{}:{audience}", self.id),
            body,
            variables,
            secret: None,
            event_id,
        }
    }
}

fn first_name(full: &str) -> String {
    full.split_whitespace().next().unwrap_or(full).to_string()
}

fn render(template: &impl Template) -> Result<String, DispatchError> {
    template.render().map_err(|e| DispatchError::Event(format!("template: {e}")))
}

fn decrypt(state: &AppState, blob: &[u8], aad: &app::ssr::vault::Aad<'_>) -> Result<String, DispatchError> {
    state.vault.decrypt(blob, aad).map_err(|e| DispatchError::Event(format!("vault: {e}")))
}

fn user_phone(state: &AppState, user_id: Uuid, phone_enc: &[u8]) -> Result<MobilePhone, DispatchError> {
    let text = decrypt(state, phone_enc, &pii::user_phone(&user_id.to_string()))?;
    MobilePhone::parse(&text).map_err(|_| DispatchError::Event("stored phone is not a mobile".into()))
}

async fn insert(state: &AppState, conn: &mut PgConnection, msg: NewMessage<'_>) -> Result<(), DispatchError> {
    let id = Uuid::new_v4();
    let recipient_enc = state
        .vault
        .encrypt(msg.phone.as_e164(), &pii::notification_recipient(&id.to_string()))
        .map_err(|e| DispatchError::Event(format!("vault: {e}")))?;
    let secret_enc = msg
        .secret
        .map(|secret| state.vault.encrypt(secret, &pii::notification_secret(&id.to_string())))
        .transpose()
        .map_err(|e| DispatchError::Event(format!("vault: {e}")))?;
    sqlx::query(
        "insert into notifications (id, event_id, user_id, booking_id, building_id, kind, audience, recipient_bidx,
                                    recipient_enc, idempotency_key, rendered_body, template_variables, secret_enc)
         values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
         on conflict on constraint notifications_idempotency_key_key do nothing",
    )
    .bind(id)
    .bind(msg.event_id)
    .bind(msg.user_id)
    .bind(msg.booking_id)
    .bind(msg.building_id)
    .bind(msg.kind)
    .bind(msg.audience)
    .bind(state.blind_index.index(BlindField::Phone, msg.phone.as_e164()).to_vec())
    .bind(recipient_enc)
    .bind(&msg.idempotency_key)
    .bind(&msg.body)
    .bind(&msg.variables)
    .bind(secret_enc)
    .execute(conn)
    .await?;
    Ok(())
}
