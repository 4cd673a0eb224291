//! Events → notifications. The notification consumer hands each event here; the messages it
//! implies are created in one transaction together with the outbox row's `notified_at`, under
//! that row's lock, so an event delivered twice (a redelivery, a reclaimed entry, a relay that
//! died before marking) creates its messages once. Sending happens later, in [`super::sender`].

use app::domain::event::Envelope;
use app::domain::phone::MobilePhone;
use app::ssr::{blind_index::BlindField, pii, AppState};
use askama::Template;
use chrono::{DateTime, Utc};
use sqlx::PgConnection;
use uuid::Uuid;

mod facts;
mod messages;
use messages::messages;

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
