//! The in-process bus (one instance, no Redis): the same contract as Redis Streams — entries stay
//! pending until acknowledged and can be reclaimed after a timeout — kept in memory.

use super::{BusError, Delivery, EventBus, GroupBacklog, LIVE_CAPACITY};
use app::domain::event::Envelope;
use async_trait::async_trait;
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Mutex;
use std::time::{Duration, Instant};
use tokio::sync::{broadcast, Notify};

#[derive(Default)]
struct Group {
    queue: VecDeque<Delivery>,
    /// id → (delivery, when it was last handed out); ordered so reclaiming is oldest first.
    pending: BTreeMap<u64, (Delivery, Instant)>,
}

#[derive(Default)]
struct Inner {
    next_id: u64,
    groups: HashMap<String, Group>,
}

/// The bus for a single instance.
pub struct InProcessBus {
    inner: Mutex<Inner>,
    arrived: Notify,
    live: broadcast::Sender<Envelope>,
}

impl InProcessBus {
    /// A bus whose work entries go to each of `groups`.
    pub fn new(groups: &[&str]) -> Self {
        let mut inner = Inner::default();
        for g in groups {
            inner.groups.insert((*g).to_string(), Group::default());
        }
        Self { inner: Mutex::new(inner), arrived: Notify::new(), live: broadcast::channel(LIVE_CAPACITY).0 }
    }

    fn lock(&self) -> Result<std::sync::MutexGuard<'_, Inner>, BusError> {
        self.inner.lock().map_err(|_| BusError("in-process bus poisoned".into()))
    }

    fn take(&self, group: &str, max: usize) -> Result<Vec<Delivery>, BusError> {
        let mut inner = self.lock()?;
        let g = inner.groups.get_mut(group).ok_or_else(|| BusError(format!("unknown group {group}")))?;
        let now = Instant::now();
        let mut out = Vec::new();
        while out.len() < max {
            let Some(d) = g.queue.pop_front() else { break };
            if let Ok(n) = d.id.parse::<u64>() {
                g.pending.insert(n, (d.clone(), now));
            }
            out.push(d);
        }
        Ok(out)
    }
}

#[async_trait]
impl EventBus for InProcessBus {
    async fn publish(&self, envelope: &Envelope) -> Result<(), BusError> {
        let payload = envelope.to_json().map_err(|e| BusError(e.to_string()))?;
        {
            let mut inner = self.lock()?;
            inner.next_id += 1;
            let id = inner.next_id.to_string();
            for g in inner.groups.values_mut() {
                g.queue.push_back(Delivery { id: id.clone(), payload: payload.clone() });
            }
        }
        self.arrived.notify_waiters();
        if envelope.event.is_live() {
            // No subscriber is not an error: nobody is watching a screen.
            let _ = self.live.send(envelope.clone());
        }
        Ok(())
    }

    async fn read(&self, group: &str, _consumer: &str, max: usize, wait: Duration) -> Result<Vec<Delivery>, BusError> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            // Registered before looking, so a publish between the look and the wait is not missed.
            let arrived = self.arrived.notified();
            let got = self.take(group, max)?;
            if !got.is_empty() {
                return Ok(got);
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return Ok(Vec::new());
            }
        }
    }

    async fn ack(&self, group: &str, ids: &[String]) -> Result<(), BusError> {
        let mut inner = self.lock()?;
        if let Some(g) = inner.groups.get_mut(group) {
            for id in ids {
                if let Ok(n) = id.parse::<u64>() {
                    g.pending.remove(&n);
                }
            }
        }
        Ok(())
    }

    async fn claim_stale(&self, group: &str, _consumer: &str, min_idle: Duration, max: usize) -> Result<Vec<Delivery>, BusError> {
        let mut inner = self.lock()?;
        let Some(g) = inner.groups.get_mut(group) else { return Ok(Vec::new()) };
        let now = Instant::now();
        let mut out = Vec::new();
        for (delivery, since) in g.pending.values_mut() {
            if out.len() >= max {
                break;
            }
            if now.duration_since(*since) >= min_idle {
                *since = now;
                out.push(delivery.clone());
            }
        }
        Ok(out)
    }

    fn live(&self) -> broadcast::Receiver<Envelope> {
        self.live.subscribe()
    }

    async fn backlog(&self, group: &str) -> Result<GroupBacklog, BusError> {
        let inner = self.lock()?;
        Ok(inner.groups.get(group).map_or_else(GroupBacklog::default, |g| GroupBacklog {
            lag: Some(g.queue.len() as u64),
            pending: g.pending.len() as u64,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use app::domain::event::{DomainEvent, EVENT_VERSION};
    use uuid::Uuid;

    fn envelope(id: i64) -> Envelope {
        Envelope {
            v: EVENT_VERSION,
            id,
            building_id: Some(Uuid::from_u128(1)),
            occurred_at: "2026-11-28T12:00:00Z".into(),
            event: DomainEvent::BookingCheckedIn { booking_id: Uuid::from_u128(id as u128) },
        }
    }

    #[tokio::test]
    async fn entries_stay_pending_until_acked_and_can_be_reclaimed() {
        let bus = InProcessBus::new(&["g"]);
        let mut live = bus.live();
        bus.publish(&envelope(1)).await.unwrap();
        bus.publish(&envelope(2)).await.unwrap();
        assert_eq!(live.recv().await.unwrap().id, 1);

        let got = bus.read("g", "a", 10, Duration::from_millis(10)).await.unwrap();
        assert_eq!(got.len(), 2);
        bus.ack("g", &[got[0].id.clone()]).await.unwrap();
        assert!(bus.read("g", "a", 10, Duration::from_millis(10)).await.unwrap().is_empty());
        // Not idle long enough yet.
        assert!(bus.claim_stale("g", "b", Duration::from_secs(60), 10).await.unwrap().is_empty());
        let reclaimed = bus.claim_stale("g", "b", Duration::ZERO, 10).await.unwrap();
        assert_eq!(reclaimed.len(), 1);
        assert_eq!(Envelope::from_json(&reclaimed[0].payload).unwrap().id, 2);
        bus.ack("g", &[reclaimed[0].id.clone()]).await.unwrap();
        assert!(bus.claim_stale("g", "b", Duration::ZERO, 10).await.unwrap().is_empty());
    }

    #[tokio::test]
    async fn a_waiting_reader_wakes_on_publish() {
        let bus = std::sync::Arc::new(InProcessBus::new(&["g"]));
        let reader = {
            let bus = bus.clone();
            tokio::spawn(async move { bus.read("g", "a", 10, Duration::from_secs(5)).await })
        };
        tokio::time::sleep(Duration::from_millis(20)).await;
        bus.publish(&envelope(7)).await.unwrap();
        let got = reader.await.unwrap().unwrap();
        assert_eq!(got.len(), 1);
    }
}
