//! Notifications: committed outbox events travel over the bus ([`crate::bus`]) to the
//! notification consumer, which creates one `notifications` row per message (once, thanks to the
//! outbox id and each message's idempotency key); the sender then delivers them through Twilio
//! or, without Twilio settings, the development outbox (text readable at `/admin/mensajes`).
//!
//! Every instance runs the same workers: the relay, a consumer in the `notifications` group, the
//! sender and the redelivery sweep. `FOR UPDATE SKIP LOCKED` and the consumer group share the
//! work between instances without doing anything twice.

pub mod consumer;
pub mod dispatch;
pub mod sender;
pub mod status;
pub mod templates;
pub mod twilio;

use crate::bus::{relay, EventBus};
use app::ssr::AppState;
use consumer::ConsumerSettings;
use sender::{RetryPolicy, Sender, Transport};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{watch, Notify};
use tokio::task::JoinHandle;

/// How the workers pace themselves.
#[derive(Debug, Clone, Copy)]
pub struct WorkerSettings {
    /// The consumer's reads and claims.
    pub consumer: ConsumerSettings,
    /// The sender's retries.
    pub retry: RetryPolicy,
    /// How often the relay and the sender look for work when idle (the sender is also woken as
    /// soon as this instance's consumer has created messages).
    pub poll: Duration,
    /// How long a relayed event may stay unhandled before it is published again.
    pub redeliver_after: Duration,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        Self {
            consumer: ConsumerSettings::default(),
            retry: RetryPolicy::default(),
            // Idle polls are index lookups on partial indexes of what is due: 40 a second cost
            // nothing, and an event waits for the relay 25 ms at most.
            poll: Duration::from_millis(25),
            redeliver_after: Duration::from_secs(60),
        }
    }
}

/// The transport the configuration asks for.
pub fn transport(config: &crate::config::Config) -> anyhow::Result<Arc<dyn Transport>> {
    Ok(match &config.twilio {
        Some(settings) => {
            tracing::info!("whatsapp: twilio");
            let builder = crate::outbound::client_builder(config.operations.outbound_ca_file.as_deref())?;
            Arc::new(twilio::TwilioTransport::with_client(settings.clone(), builder)?)
        }
        None => {
            tracing::info!("whatsapp: development outbox (/admin/mensajes)");
            Arc::new(sender::DevOutbox)
        }
    })
}

/// This instance's running workers. Dropping the handle leaves them running (tests rely on
/// that); [`Workers::stop`] ends them after their current batch.
#[derive(Debug)]
pub struct Workers {
    stop: Arc<watch::Sender<bool>>,
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Asks every worker to stop after its current batch and waits for them, at most `grace`.
    pub async fn stop(self, grace: Duration) {
        self.stop.send_replace(true);
        let all = futures_util::future::join_all(self.tasks);
        if tokio::time::timeout(grace, all).await.is_err() {
            tracing::warn!("a notification worker did not finish its batch within the grace period");
        }
    }
}

/// Sleeps for `pause`, or less when the stop is asked; returns whether to stop.
async fn pause_or_stop(stop: &mut watch::Receiver<bool>, pause: Duration) -> bool {
    pause_until_woken(stop, pause, None).await
}

/// Sleeps for `pause`, or less when `wake` is notified or the stop is asked; returns whether
/// to stop.
async fn pause_until_woken(stop: &mut watch::Receiver<bool>, pause: Duration, wake: Option<&Notify>) -> bool {
    let woken = async {
        match wake {
            Some(wake) => wake.notified().await,
            None => std::future::pending().await,
        }
    };
    tokio::select! {
        _ = tokio::time::sleep(pause) => {}
        () = woken => {}
        // The sender lives in every task (see `spawn_workers`), so this only ends on `true`.
        () = crate::lifecycle::until_true(stop) => return true,
    }
    *stop.borrow()
}

/// Starts this instance's relay, consumer, sender and redelivery sweep.
pub fn spawn_workers(
    state: AppState,
    bus: Arc<dyn EventBus>,
    transport: Arc<dyn Transport>,
    instance: String,
    settings: WorkerSettings,
) -> Workers {
    let stop = Arc::new(watch::channel(false).0);
    let mut tasks = Vec::with_capacity(4);
    let keep = stop.clone();
    // The consumer wakes this instance's sender when it has created messages.
    let messages_ready = Arc::new(Notify::new());
    tasks.push(consumer::spawn(
        state.clone(),
        bus.clone(),
        instance,
        settings.consumer,
        messages_ready.clone(),
        stop.subscribe(),
        keep,
    ));

    let pool = state.pool.clone();
    let (keep, mut halt) = (stop.clone(), stop.subscribe());
    tasks.push(tokio::spawn(async move {
        let _keep = keep;
        let mut failures: u32 = 0;
        loop {
            match relay::relay_batch(&pool, bus.as_ref(), 200).await {
                Ok(200) if !*halt.borrow() => continue,
                Ok(_) => failures = 0,
                Err(err) => {
                    failures = failures.saturating_add(1);
                    if failures == 1 || failures.is_multiple_of(50) {
                        tracing::warn!(error = %err, failures, "outbox relay stalled; events wait in the outbox");
                    }
                }
            }
            if pause_or_stop(&mut halt, settings.poll).await {
                break;
            }
        }
    }));

    let pool = state.pool.clone();
    let (keep, mut halt) = (stop.clone(), stop.subscribe());
    tasks.push(tokio::spawn(async move {
        let _keep = keep;
        loop {
            if pause_or_stop(&mut halt, settings.redeliver_after / 4).await {
                break;
            }
            if let Err(err) = relay::redeliver_unhandled(&pool, settings.redeliver_after).await {
                tracing::warn!(error = %err, "redelivery sweep failed");
            }
        }
    }));

    let sender = Sender { pool: state.pool.clone(), vault: state.vault.clone(), transport, policy: settings.retry };
    let (keep, mut halt) = (stop.clone(), stop.subscribe());
    tasks.push(tokio::spawn(async move {
        let _keep = keep;
        loop {
            match sender.send_due(50).await {
                Ok(stats) if stats.sent + stats.retrying + stats.failed == 50 && !*halt.borrow() => continue,
                Ok(_) => {}
                Err(err) => tracing::warn!(error = %err, "message sender failed"),
            }
            if pause_until_woken(&mut halt, settings.poll, Some(&messages_ready)).await {
                break;
            }
        }
    }));
    Workers { stop, tasks }
}

/// Runs relay, consumer and sender until nothing is left to do (tests, and `seed-demo`'s
/// messages before the server starts). Returns how many messages were sent.
pub async fn drain(state: &AppState, bus: &dyn EventBus, transport: Arc<dyn Transport>) -> anyhow::Result<usize> {
    let settings = ConsumerSettings { wait: Duration::from_millis(20), ..ConsumerSettings::default() };
    let sender = Sender { pool: state.pool.clone(), vault: state.vault.clone(), transport, policy: RetryPolicy::default() };
    let mut sent = 0;
    loop {
        let relayed = relay::relay_batch(&state.pool, bus, 200).await?;
        let consumed = consumer::consume_once(state, bus, "drain", &settings, false).await?;
        let stats = sender.send_due(200).await?;
        sent += stats.sent;
        if relayed == 0 && consumed == 0 && stats.sent + stats.retrying + stats.failed == 0 {
            return Ok(sent);
        }
    }
}
