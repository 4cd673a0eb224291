//! The Redis bus: one stream of work entries read by consumer groups (each group handles an
//! entry once; entries stay pending until acknowledged and are claimed by another consumer when
//! theirs died), and a Pub/Sub channel that fans live events out to every instance.
//!
//! The clients reconnect by themselves (exponential backoff, forever). A command issued while
//! Redis is down fails after a timeout instead of hanging, so the relay leaves the outbox rows
//! for later. After a restart without persistence the stream and its groups are gone: the group
//! is recreated on the next read, and the relay's redelivery sweep republishes what was lost.

use super::{BusError, Delivery, EventBus, GroupBacklog, LIVE_CAPACITY};
use app::domain::event::Envelope;
use async_trait::async_trait;
use fred::clients::SubscriberClient;
use fred::prelude::{
    Client, ClientLike, Config as RedisConfig, EventInterface, PubsubInterface, ReconnectPolicy, StreamsInterface,
};
use fred::types::Builder;
use std::collections::HashMap;
use std::time::Duration;
use tokio::sync::broadcast;

/// Where the bus keeps its entries; distinct prefixes let tests share one Redis.
#[derive(Debug, Clone)]
pub struct RedisBusNames {
    /// The work stream.
    pub stream: String,
    /// The live fan-out channel.
    pub channel: String,
    /// Consumer groups to create on the stream.
    pub groups: Vec<String>,
    /// Approximate cap on the stream's length (older, acknowledged entries are trimmed).
    pub max_len: i64,
}

impl RedisBusNames {
    /// The production names under `prefix` (`estacionate`).
    pub fn with_prefix(prefix: &str) -> Self {
        Self {
            stream: format!("{prefix}:events"),
            channel: format!("{prefix}:live"),
            groups: vec![super::NOTIFICATIONS.to_string()],
            max_len: 100_000,
        }
    }
}

/// The bus over Redis.
pub struct RedisBus {
    /// Publishes, acknowledges, claims.
    commands: Client,
    /// Blocking reads only: a blocked connection must not delay publishes.
    reader: Client,
    /// Keeps the Pub/Sub connection (and its resubscription task) alive.
    _subscriber: SubscriberClient,
    names: RedisBusNames,
    live: broadcast::Sender<Envelope>,
}

fn bus_err(e: fred::error::Error) -> BusError {
    BusError(e.to_string())
}

fn builder(url: &str) -> Result<Builder, BusError> {
    let mut builder = Builder::from_config(RedisConfig::from_url(url).map_err(bus_err)?);
    builder
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2))
        .with_performance_config(|p| p.default_command_timeout = Duration::from_secs(5))
        .with_connection_config(|c| c.connection_timeout = Duration::from_secs(2));
    Ok(builder)
}

impl RedisBus {
    /// Connects the three clients, creates the groups and starts forwarding the fan-out channel.
    pub async fn connect(url: &str, names: RedisBusNames) -> Result<Self, BusError> {
        let b = builder(url)?;
        let commands = b.build().map_err(bus_err)?;
        let reader = b.build().map_err(bus_err)?;
        let subscriber = b.build_subscriber_client().map_err(bus_err)?;
        commands.init().await.map_err(bus_err)?;
        reader.init().await.map_err(bus_err)?;
        subscriber.init().await.map_err(bus_err)?;
        // Resubscribes after every reconnect; the task runs detached for the client's lifetime.
        drop(subscriber.manage_subscriptions());
        let (live, _) = broadcast::channel(LIVE_CAPACITY);
        let mut messages = subscriber.message_rx();
        let forward = live.clone();
        tokio::spawn(async move {
            loop {
                match messages.recv().await {
                    Ok(message) => {
                        let Some(text) = message.value.as_str() else { continue };
                        match Envelope::from_json(&text) {
                            Ok(envelope) => {
                                let _ = forward.send(envelope);
                            }
                            Err(err) => tracing::warn!(error = %err, "live event refused"),
                        }
                    }
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        tracing::warn!(skipped = n, "live fan-out lagged");
                    }
                    Err(broadcast::error::RecvError::Closed) => break,
                }
            }
        });
        subscriber.subscribe(names.channel.clone()).await.map_err(bus_err)?;
        let bus = Self { commands, reader, _subscriber: subscriber, names, live };
        for group in bus.names.groups.clone() {
            bus.ensure_group(&group).await?;
        }
        Ok(bus)
    }

    /// Creates `group` (and the stream) unless it exists. From id 0: after a restart that lost
    /// the stream, entries the relay added before the group came back must still be read.
    async fn ensure_group(&self, group: &str) -> Result<(), BusError> {
        match self.commands.xgroup_create::<(), _, _, _>(self.names.stream.as_str(), group, "0", true).await {
            Ok(()) => Ok(()),
            Err(e) if e.to_string().contains("BUSYGROUP") => Ok(()),
            Err(e) => Err(bus_err(e)),
        }
    }

    fn deliveries(entries: Vec<(String, HashMap<String, String>)>) -> Vec<Delivery> {
        entries
            .into_iter()
            .filter_map(|(id, mut fields)| fields.remove("e").map(|payload| Delivery { id, payload }))
            .collect()
    }
}

#[async_trait]
impl EventBus for RedisBus {
    async fn publish(&self, envelope: &Envelope) -> Result<(), BusError> {
        let payload = envelope.to_json().map_err(|e| BusError(e.to_string()))?;
        self.commands
            .xadd::<String, _, _, _, _>(
                self.names.stream.as_str(),
                false,
                ("MAXLEN", "~", self.names.max_len),
                "*",
                vec![("e", payload.as_str())],
            )
            .await
            .map_err(bus_err)?;
        if envelope.event.is_live() {
            self.commands.publish::<i64, _, _>(self.names.channel.as_str(), payload).await.map_err(bus_err)?;
        }
        Ok(())
    }

    async fn read(&self, group: &str, consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        let block = u64::try_from(wait.as_millis()).unwrap_or(u64::MAX);
        // XREADGROUP answers nil when BLOCK times out: not a map, so convert only real replies.
        let read =
            self.reader
                .xreadgroup::<fred::prelude::Value, _, _, _, _>(
                    group,
                    consumer,
                    Some(max as u64),
                    Some(block),
                    false,
                    self.names.stream.as_str(),
                    ">",
                )
                .await
                .and_then(|v| {
                    if v.is_null() {
                        Ok(HashMap::new())
                    } else {
                        v.into_xread_response::<String, String, String, String>()
                    }
                });
        match read {
            Ok(mut streams) => Ok(Self::deliveries(streams.remove(&self.names.stream).unwrap_or_default())),
            Err(e) if e.to_string().contains("NOGROUP") => {
                // Redis lost the stream (restart): recreate and read on the next call.
                self.ensure_group(group).await?;
                Ok(Vec::new())
            }
            Err(e) => Err(bus_err(e)),
        }
    }

    async fn ack(&self, group: &str, ids: &[String]) -> Result<(), BusError> {
        if ids.is_empty() {
            return Ok(());
        }
        self.commands
            .xack::<i64, _, _, _>(self.names.stream.as_str(), group, ids.to_vec())
            .await
            .map_err(bus_err)?;
        Ok(())
    }

    async fn claim_stale(&self, group: &str, consumer: &str, min_idle: Duration, max: usize) -> Result<Vec<Delivery>, BusError> {
        let idle = u64::try_from(min_idle.as_millis()).unwrap_or(u64::MAX);
        // XPENDING with IDLE, then XCLAIM (XAUTOCLAIM's reply changed shape in Redis 7).
        let pending: Vec<(String, String, u64, u64)> =
            match self.commands.xpending(self.names.stream.as_str(), group, (idle, "-", "+", max as u64)).await {
                Ok(p) => p,
                Err(e) if e.to_string().contains("NOGROUP") => {
                    self.ensure_group(group).await?;
                    return Ok(Vec::new());
                }
                Err(e) => return Err(bus_err(e)),
            };
        if pending.is_empty() {
            return Ok(Vec::new());
        }
        let ids: Vec<String> = pending.into_iter().map(|(id, ..)| id).collect();
        let claimed = self
            .commands
            .xclaim_values::<String, String, String, _, _, _, _>(
                self.names.stream.as_str(),
                group,
                consumer,
                idle,
                ids,
                None,
                None,
                None,
                false,
                false,
            )
            .await
            .map_err(bus_err)?;
        Ok(Self::deliveries(claimed))
    }

    fn live(&self) -> broadcast::Receiver<Envelope> {
        self.live.subscribe()
    }

    async fn backlog(&self, group: &str) -> Result<GroupBacklog, BusError> {
        // XINFO GROUPS: one map per group; `lag` exists from Redis 7 on (nil when unknown).
        let groups: Vec<HashMap<String, fred::types::Value>> = match self.commands.xinfo_groups(self.names.stream.as_str()).await
        {
            Ok(groups) => groups,
            // No stream yet: nothing was ever published, nothing is behind.
            Err(e) if e.to_string().contains("no such key") => return Ok(GroupBacklog { lag: Some(0), pending: 0 }),
            Err(e) => return Err(bus_err(e)),
        };
        let number = |g: &HashMap<String, fred::types::Value>, key: &str| g.get(key).and_then(fred::types::Value::as_u64);
        Ok(groups
            .iter()
            .find(|g| g.get("name").and_then(fred::types::Value::as_str).as_deref() == Some(group))
            .map_or_else(GroupBacklog::default, |g| GroupBacklog {
                lag: number(g, "lag"),
                pending: number(g, "pending").unwrap_or(0),
            }))
    }
}
