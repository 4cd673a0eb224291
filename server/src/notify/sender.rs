//! Notifications → WhatsApp. Due messages are leased (`status = 'sending'`, the lease end in
//! `next_attempt_at`) in a short transaction, sent outside it, and recorded. A transient
//! failure retries with exponential backoff and jitter; a permanent one, or too many attempts,
//! leaves the message `failed` for staff to see.
//!
//! A process that dies between Twilio's answer and the record leaves a lease that lapses. Such a
//! message may or may not have gone out, so it is not sent again (a duplicate access code is
//! worse than a missing one the resident can still see in the app): it becomes `failed` with the
//! reason, unless Twilio's status callback for it arrives and revives it.

use app::domain::secret::{reveal, reveal_variables};
use app::ssr::{pii, vault::Vault};
use async_trait::async_trait;
use futures_util::StreamExt as _;
use rand::Rng;
use sqlx::PgPool;
use std::sync::Arc;
use std::time::Duration;
use uuid::Uuid;

/// A message ready for a transport. `Debug` leaves the text and recipient out: they may hold a
/// reset code and a phone number.
#[derive(Clone)]
pub struct Outgoing {
    /// The notification row (the status callback names it).
    pub notification_id: Uuid,
    /// `+569…`.
    pub to_e164: String,
    /// `booking_confirmed`, `password_reset`, …
    pub kind: String,
    /// The rendered Spanish text, one-time secret included (this is the only place it is in
    /// clear: never log an `Outgoing`).
    pub body: String,
    /// The content template variables, when the kind has them.
    pub variables: Option<serde_json::Value>,
}

impl std::fmt::Debug for Outgoing {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Outgoing")
            .field("notification_id", &self.notification_id)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// What the transport accepted.
#[derive(Debug, Clone, Default)]
pub struct Sent {
    /// The provider's message id (`SM…`).
    pub provider_sid: Option<String>,
    /// The provider's first status (`queued`).
    pub provider_status: Option<String>,
}

/// Why a send failed.
#[derive(Debug, Clone, thiserror::Error)]
pub enum SendError {
    /// Worth retrying (timeouts, 5xx, 429).
    #[error("{0}")]
    Retryable(String),
    /// Will never work (a 4xx: bad number, template refused).
    #[error("{0}")]
    Permanent(String),
}

/// Something that delivers messages.
#[async_trait]
pub trait Transport: Send + Sync {
    /// `twilio` or `dev_outbox` (stored on the row).
    fn name(&self) -> &'static str;
    /// Sends one message.
    async fn send(&self, msg: &Outgoing) -> Result<Sent, SendError>;
}

/// The development outbox: nothing leaves the machine; the text stays readable at
/// `/admin/mensajes` (and to tests).
pub struct DevOutbox;

#[async_trait]
impl Transport for DevOutbox {
    fn name(&self) -> &'static str {
        "dev_outbox"
    }
    async fn send(&self, _msg: &Outgoing) -> Result<Sent, SendError> {
        Ok(Sent::default())
    }
}

/// Retry policy of the sender.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The first retry's delay.
    pub base: Duration,
    /// No delay exceeds this.
    pub cap: Duration,
    /// After this many attempts the message is `failed`.
    pub max_attempts: i32,
    /// How long a lease lasts (longer than the transport's timeout).
    pub lease: Duration,
}

impl Default for RetryPolicy {
    /// 5 s, 10 s, 20 s … up to 15 minutes, ten attempts (about an hour and a half in all).
    fn default() -> Self {
        Self {
            base: Duration::from_secs(5),
            cap: Duration::from_secs(15 * 60),
            max_attempts: 10,
            lease: Duration::from_secs(120),
        }
    }
}

/// The delay before retry number `attempt` (1 = the first retry): exponential, capped, with
/// "equal jitter" (half fixed, half random) so that many messages failing together do not
/// retry together.
pub fn backoff(policy: &RetryPolicy, attempt: i32, rng: &mut impl Rng) -> Duration {
    let exp = attempt.saturating_sub(1).clamp(0, 30).unsigned_abs();
    let full = policy.base.saturating_mul(2u32.saturating_pow(exp)).min(policy.cap);
    let half = full / 2;
    let jitter_ms = u64::try_from(half.as_millis()).unwrap_or(u64::MAX);
    half + Duration::from_millis(if jitter_ms == 0 { 0 } else { rng.gen_range(0..=jitter_ms) })
}

/// A message leased for sending, as stored (the recipient and any secret still sealed).
#[derive(sqlx::FromRow)]
struct DueMessage {
    id: Uuid,
    kind: String,
    recipient_enc: Vec<u8>,
    rendered_body: String,
    template_variables: Option<serde_json::Value>,
    secret_enc: Option<Vec<u8>>,
    attempts: i32,
}

/// What one pass did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct SendStats {
    /// Accepted by the transport.
    pub sent: usize,
    /// Failed now, to be retried.
    pub retrying: usize,
    /// Given up on.
    pub failed: usize,
    /// Leases that lapsed (a sender died mid-send): marked failed, not resent.
    pub abandoned: u64,
}

/// The sender: a transport, the vault to read recipients, and the retry policy.
#[derive(Clone)]
pub struct Sender {
    /// Database of record.
    pub pool: PgPool,
    /// Decrypts recipients.
    pub vault: Arc<Vault>,
    /// Where messages go.
    pub transport: Arc<dyn Transport>,
    /// Backoff and attempts.
    pub policy: RetryPolicy,
}

impl Sender {
    /// Sends up to `max` due messages, 8 at a time.
    pub async fn send_due(&self, max: i64) -> Result<SendStats, sqlx::Error> {
        let abandoned = sqlx::query(
            "update notifications
                set status = 'failed', failed_at = now(), next_attempt_at = null,
                    last_error = 'envío interrumpido: no se reintenta para no duplicar el mensaje',
                    secret_enc = null
              where status = 'sending' and next_attempt_at <= now()",
        )
        .execute(&self.pool)
        .await?
        .rows_affected();
        let mut stats = SendStats { abandoned, ..SendStats::default() };

        let due: Vec<DueMessage> = sqlx::query_as(
            "update notifications n
                set status = 'sending', attempts = n.attempts + 1,
                    next_attempt_at = now() + make_interval(secs => $2)
               from (select id from notifications
                      where status = 'pending' and next_attempt_at <= now()
                      order by next_attempt_at limit $1
                      for update skip locked) due
              where n.id = due.id
              returning n.id, n.kind, n.recipient_enc, n.rendered_body, n.template_variables, n.secret_enc, n.attempts",
        )
        .bind(max)
        .bind(self.policy.lease.as_secs_f64())
        .fetch_all(&self.pool)
        .await?;

        let results = futures_util::stream::iter(due.into_iter().map(
            |DueMessage {
                 id,
                 kind,
                 recipient_enc: enc,
                 rendered_body: body,
                 template_variables: variables,
                 secret_enc,
                 attempts,
             }| async move {
                let outcome = match self.outgoing(id, kind, &enc, body, variables, secret_enc.as_deref()) {
                    Ok(msg) => self.transport.send(&msg).await,
                    Err(e) => Err(e),
                };
                (id, attempts, outcome)
            },
        ))
        .buffer_unordered(8)
        .collect::<Vec<_>>()
        .await;

        let (mut sent_ids, mut sids, mut statuses, mut failures) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
        for (id, attempts, outcome) in results {
            match outcome {
                Ok(sent) => {
                    sent_ids.push(id);
                    sids.push(sent.provider_sid);
                    statuses.push(sent.provider_status);
                }
                Err(error) => failures.push((id, attempts, error)),
            }
        }
        // Every accepted message of the pass recorded first, in one statement (one commit).
        if !sent_ids.is_empty() {
            stats.sent = sent_ids.len();
            sqlx::query(
                "update notifications n
                    set status = 'sent', transport = $4, provider_sid = coalesce(s.sid, n.provider_sid),
                        provider_status = coalesce(s.status, n.provider_status), sent_at = now(),
                        next_attempt_at = null, last_error = null,
                        secret_enc = case when $4 = 'dev_outbox' then n.secret_enc end
                   from unnest($1::uuid[], $2::text[], $3::text[]) as s(id, sid, status)
                  where n.id = s.id and n.status = 'sending'",
            )
            .bind(&sent_ids)
            .bind(&sids)
            .bind(&statuses)
            .bind(self.transport.name())
            .execute(&self.pool)
            .await?;
        }
        for (id, attempts, error) in failures {
            match error {
                SendError::Retryable(error) if attempts < self.policy.max_attempts => {
                    stats.retrying += 1;
                    let delay = backoff(&self.policy, attempts, &mut rand::thread_rng());
                    tracing::warn!(notification.id = %id, attempts, error = %error, "message not sent; will retry");
                    sqlx::query(
                        "update notifications
                            set status = 'pending', transport = $2, last_error = $3,
                                next_attempt_at = now() + make_interval(secs => $4)
                          where id = $1 and status = 'sending'",
                    )
                    .bind(id)
                    .bind(self.transport.name())
                    .bind(&error)
                    .bind(delay.as_secs_f64())
                    .execute(&self.pool)
                    .await?;
                }
                SendError::Retryable(error) | SendError::Permanent(error) => {
                    stats.failed += 1;
                    tracing::error!(notification.id = %id, attempts, error = %error, "message failed");
                    sqlx::query(
                        "update notifications
                            set status = 'failed', transport = $2, last_error = $3, failed_at = now(),
                                next_attempt_at = null, secret_enc = null
                          where id = $1 and status = 'sending'",
                    )
                    .bind(id)
                    .bind(self.transport.name())
                    .bind(&error)
                    .execute(&self.pool)
                    .await?;
                }
            }
        }
        metrics::counter!("notifications_sent_total").increment(stats.sent as u64);
        metrics::counter!("notifications_retrying_total").increment(stats.retrying as u64);
        metrics::counter!("notifications_failed_total").increment(stats.failed as u64 + stats.abandoned);
        Ok(stats)
    }

    /// The message as the transport sends it: recipient decrypted and the one-time secret, if
    /// the row has one, put back in place of the mask.
    fn outgoing(
        &self,
        id: Uuid,
        kind: String,
        recipient_enc: &[u8],
        body: String,
        variables: Option<serde_json::Value>,
        secret_enc: Option<&[u8]>,
    ) -> Result<Outgoing, SendError> {
        let to_e164 = self
            .vault
            .decrypt(recipient_enc, &pii::notification_recipient(&id.to_string()))
            .map_err(|e| SendError::Permanent(format!("recipient unreadable: {e}")))?;
        let (body, variables) = match secret_enc {
            None => (body, variables),
            Some(enc) => {
                let secret = self
                    .vault
                    .decrypt_secret(enc, &pii::notification_secret(&id.to_string()))
                    .map_err(|e| SendError::Permanent(format!("secret unreadable: {e}")))?;
                let secret = secret.expose();
                (reveal(&body, secret), variables.map(|v| reveal_variables(&v, secret)))
            }
        };
        Ok(Outgoing { notification_id: id, to_e164, kind, body, variables })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn backoff_doubles_up_to_the_cap_with_bounded_jitter() {
        let policy = RetryPolicy {
            base: Duration::from_secs(2),
            cap: Duration::from_secs(60),
            max_attempts: 10,
            lease: Duration::from_secs(60),
        };
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        for (attempt, full) in [(1, 2u64), (2, 4), (3, 8), (4, 16), (5, 32), (6, 60), (20, 60), (i32::MAX, 60)] {
            for _ in 0..50 {
                let d = backoff(&policy, attempt, &mut rng);
                assert!(d >= Duration::from_secs(full) / 2 && d <= Duration::from_secs(full), "attempt {attempt}: {d:?}");
            }
        }
        // Jitter really varies.
        let a: Vec<Duration> = (0..20).map(|_| backoff(&policy, 5, &mut rng)).collect();
        assert!(a.iter().any(|d| *d != a[0]));
    }
}
