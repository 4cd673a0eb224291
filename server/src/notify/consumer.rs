//! The notification consumer: reads the bus as one member of the `notifications` group, turns
//! each event into its messages ([`super::dispatch::handle`]) and acknowledges it after the
//! commit. Entries another member left pending (it died or hung) are claimed after
//! [`ConsumerSettings::claim_idle`]; because handling is idempotent on the outbox id, an entry
//! handled twice creates its messages once.

use super::dispatch::{self, Outcome};
use crate::bus::{Delivery, EventBus, NOTIFICATIONS};
use app::domain::event::{Envelope, EventError};
use app::ssr::AppState;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// How the consumer reads.
#[derive(Debug, Clone, Copy)]
pub struct ConsumerSettings {
    /// Entries per read.
    pub batch: usize,
    /// How long a read blocks waiting for entries.
    pub wait: Duration,
    /// How long an entry may stay pending with another member before this one takes it.
    pub claim_idle: Duration,
    /// Failed attempts after which an event's messages are abandoned.
    pub give_up_after: i32,
}

impl Default for ConsumerSettings {
    fn default() -> Self {
        Self { batch: 50, wait: Duration::from_secs(1), claim_idle: Duration::from_secs(30), give_up_after: 10 }
    }
}

/// Handles one delivery; returns whether it may be acknowledged.
pub async fn process(state: &AppState, delivery: &Delivery, settings: &ConsumerSettings) -> bool {
    process_read(state, delivery, Envelope::from_json(&delivery.payload), settings).await
}

/// [`process`] for a delivery whose payload has already been read.
async fn process_read(
    state: &AppState,
    delivery: &Delivery,
    read: Result<Envelope, EventError>,
    settings: &ConsumerSettings,
) -> bool {
    let envelope = match read {
        Ok(e) => e,
        Err(err) => {
            // Unreadable forever: acknowledge so it stops coming back; the outbox still has it.
            tracing::error!(entry = %delivery.id, error = %err, "bus entry unreadable; dropped from the bus");
            return true;
        }
    };
    match dispatch::handle(state, &envelope).await {
        Ok(Outcome::Handled | Outcome::Duplicate | Outcome::Gone) => true,
        Err(err) => {
            let error = err.to_string();
            match dispatch::record_failure(&state.pool, envelope.id, &error, settings.give_up_after).await {
                Ok(true) => {
                    tracing::error!(outbox.id = envelope.id, error = %error, "event abandoned after repeated failures");
                    true
                }
                Ok(false) => {
                    tracing::warn!(outbox.id = envelope.id, error = %error, "event failed; it will be claimed again");
                    false
                }
                Err(db) => {
                    tracing::warn!(outbox.id = envelope.id, error = %db, "could not record the failure");
                    false
                }
            }
        }
    }
}

/// One pass: stale entries first, then new ones. Returns how many were acknowledged.
pub async fn consume_once(
    state: &AppState,
    bus: &dyn EventBus,
    consumer: &str,
    settings: &ConsumerSettings,
    claim: bool,
) -> Result<usize, crate::bus::BusError> {
    let mut deliveries =
        if claim { bus.claim_stale(NOTIFICATIONS, consumer, settings.claim_idle, settings.batch).await? } else { Vec::new() };
    if deliveries.is_empty() {
        deliveries = bus.read(NOTIFICATIONS, consumer, settings.batch, settings.wait).await?;
    }
    let done = process_in_lanes(state, &deliveries, settings).await;
    bus.ack(NOTIFICATIONS, &done).await?;
    Ok(done.len())
}

/// How many events of one read are handled at once. Each is a short transaction whose commit
/// waits for the disk; side by side, their commits share the flushes.
const LANES: usize = 8;

/// Handles a read's deliveries in [`LANES`] concurrent lanes, events of one subject always in
/// the same lane and in the order read; returns the ids that may be acknowledged.
async fn process_in_lanes(state: &AppState, deliveries: &[Delivery], settings: &ConsumerSettings) -> Vec<String> {
    let mut lanes: Vec<Vec<(&Delivery, Result<Envelope, EventError>)>> = (0..LANES).map(|_| Vec::new()).collect();
    for d in deliveries {
        let read = Envelope::from_json(&d.payload);
        // An unreadable entry goes to lane 0, where `process_read` drops it.
        let lane = read.as_ref().map_or(0, |e| lane_of(e.event.subject()));
        lanes[lane].push((d, read));
    }
    let handled = futures_util::future::join_all(lanes.into_iter().map(|lane| async move {
        let mut acked = Vec::with_capacity(lane.len());
        for (d, read) in lane {
            if process_read(state, d, read, settings).await {
                acked.push(d.id.clone());
            }
        }
        acked
    }))
    .await;
    handled.into_iter().flatten().collect()
}

/// The lane of a subject: stable, spread evenly (UUIDs are random).
fn lane_of(subject: uuid::Uuid) -> usize {
    usize::try_from(subject.as_u128() % LANES as u128).unwrap_or(0)
}

/// Runs the consumer until `stop` turns true (after the batch in hand), backing off while the
/// bus is unreachable; `handled` is notified after each read that handled something (the
/// sender then looks for the new messages at once). `keep` holds the stop signal's sender
/// alive for as long as the task runs.
pub fn spawn(
    state: AppState,
    bus: Arc<dyn EventBus>,
    consumer: String,
    settings: ConsumerSettings,
    handled: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
    keep: Arc<watch::Sender<bool>>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        let _keep = keep;
        let mut last_claim = tokio::time::Instant::now();
        let mut failures: u32 = 0;
        while !*stop.borrow_and_update() {
            let claim = last_claim.elapsed() >= settings.claim_idle / 2;
            if claim {
                last_claim = tokio::time::Instant::now();
            }
            match consume_once(&state, bus.as_ref(), &consumer, &settings, claim).await {
                Ok(n) => {
                    failures = 0;
                    if n > 0 {
                        handled.notify_one();
                    }
                }
                Err(err) => {
                    failures = failures.saturating_add(1);
                    if failures == 1 || failures.is_multiple_of(30) {
                        tracing::warn!(error = %err, failures, "notification consumer cannot read the bus");
                    }
                    tokio::select! {
                        _ = tokio::time::sleep(Duration::from_millis(500)) => {}
                        () = crate::lifecycle::until_true(&mut stop) => {}
                    }
                }
            }
        }
    })
}
