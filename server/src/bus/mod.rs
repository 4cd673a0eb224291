//! The event bus: committed outbox rows travel from the relay to the consumers that must act on
//! them exactly once (notifications) and to every instance's live screens (fan-out).
//!
//! Two implementations behind [`EventBus`]: [`memory::InProcessBus`] when `REDIS_URL` is unset
//! (one instance), and [`redis::RedisBus`] (Redis Streams with a consumer group per consumer kind
//! for work, Pub/Sub for fan-out). Neither is the record: the outbox is. The bus may lose what it
//! holds (a Redis restart without persistence); the redelivery sweep in [`relay`] publishes again
//! whatever was relayed but never handled, and consumers deduplicate on the outbox id.

pub mod memory;
pub mod redis;
pub mod relay;

use app::domain::event::Envelope;
use async_trait::async_trait;
use std::time::Duration;
use tokio::sync::broadcast;

/// The consumer group that turns events into WhatsApp messages.
pub const NOTIFICATIONS: &str = "notifications";

/// One message handed to a consumer: acknowledge it by `id` once its work is committed.
#[derive(Debug, Clone)]
pub struct Delivery {
    /// The bus's id for this entry (a Redis stream id, or a counter in process).
    pub id: String,
    /// The serialised [`Envelope`] (decoded by the consumer, which can refuse it).
    pub payload: String,
}

/// A bus failure (Redis unreachable, a command refused).
#[derive(Debug, thiserror::Error)]
#[error("event bus: {0}")]
pub struct BusError(pub String);

/// Publish, consume with acknowledgement, reclaim what dead consumers left, and fan out.
#[async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Appends the event to the work stream and, when it matters to live screens, fans it out.
    async fn publish(&self, envelope: &Envelope) -> Result<(), BusError>;

    /// Up to `max` new entries for `consumer` in `group`, waiting at most `wait` for the first.
    /// Each stays pending for the group until [`EventBus::ack`].
    async fn read(&self, group: &str, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError>;

    /// Marks entries done for `group`.
    async fn ack(&self, group: &str, ids: &[String]) -> Result<(), BusError>;

    /// Takes over entries of `group` pending longer than `min_idle` (their consumer died or hung)
    /// and hands them to `consumer`.
    async fn claim_stale(&self, group: &str, consumer: &str, min_idle: Duration, max: usize) -> Result<Vec<Delivery>, BusError>;

    /// Every live event any instance publishes, from now on.
    fn live(&self) -> broadcast::Receiver<Envelope>;

    /// How far `group` is behind (the `bus_consumer_lag` metric).
    async fn backlog(&self, group: &str) -> Result<GroupBacklog, BusError>;
}

/// How far one consumer group is behind the stream.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct GroupBacklog {
    /// Entries not yet delivered to any member (`None` when the bus cannot tell: Redis before 7
    /// after a trim).
    pub lag: Option<u64>,
    /// Entries delivered but not yet acknowledged.
    pub pending: u64,
}

/// How many live events a slow subscriber may fall behind before it skips (it then reloads).
pub(crate) const LIVE_CAPACITY: usize = 1024;
