//! The life of one instance behind a load balancer: serving, then draining, then stopping.
//!
//! On SIGTERM (or Ctrl-C) `serve` first turns `/readyz` to 503 while still accepting requests
//! (`SHUTDOWN_DRAIN_SECONDS`), so the balancer's health check takes the instance out of rotation
//! before anything is refused; then it stops: the listener closes, in-flight requests finish
//! (bounded by `SHUTDOWN_GRACE_SECONDS`), live streams end with a reconnect hint, and the
//! workers and jobs stop after their current batch. Everything that must react holds a clone of
//! one [`Lifecycle`].

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use tokio::sync::watch;

/// The shared state of this instance's shutdown.
#[derive(Debug, Clone)]
pub struct Lifecycle {
    draining: Arc<AtomicBool>,
    stopping: Arc<watch::Sender<bool>>,
}

impl Default for Lifecycle {
    fn default() -> Self {
        Self::new()
    }
}

impl Lifecycle {
    /// A serving instance.
    pub fn new() -> Self {
        let (stopping, _) = watch::channel(false);
        Self { draining: Arc::default(), stopping: Arc::new(stopping) }
    }

    /// Whether `/readyz` must answer 503: from the start of the drain on.
    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    /// Starts the drain: the readiness probe fails, requests are still served.
    pub fn begin_draining(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    /// Starts stopping (and draining, if that had not begun): the listener closes, live streams
    /// and workers end.
    pub fn stop(&self) {
        self.begin_draining();
        self.stopping.send_replace(true);
    }

    /// Whether [`Lifecycle::stop`] was called.
    pub fn is_stopping(&self) -> bool {
        *self.stopping.borrow()
    }

    /// A receiver that sees the stop (for `select!` loops that re-check it often).
    pub fn subscribe(&self) -> watch::Receiver<bool> {
        self.stopping.subscribe()
    }

    /// Resolves once [`Lifecycle::stop`] has been called (at once if it already was).
    pub async fn stopped(&self) {
        let mut rx = self.stopping.subscribe();
        // The sender lives as long as `self`, so `wait_for` only ends when the value turns true.
        let _ = rx.wait_for(|stopping| *stopping).await;
    }
}

/// Resolves once `rx` holds `true`. Its output is `()`, so a `select!` over it holds no
/// borrow of the channel's value across an await (which would make the future not `Send`).
pub async fn until_true(rx: &mut watch::Receiver<bool>) {
    let _ = rx.wait_for(|value| *value).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[tokio::test]
    async fn draining_comes_before_stopping_and_stopping_wakes_every_waiter() {
        let life = Lifecycle::new();
        assert!(!life.is_draining() && !life.is_stopping());
        life.begin_draining();
        assert!(life.is_draining() && !life.is_stopping());
        let waiter = tokio::spawn({
            let life = life.clone();
            async move { life.stopped().await }
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert!(!waiter.is_finished());
        life.stop();
        tokio::time::timeout(Duration::from_secs(1), waiter).await.unwrap().unwrap();
        // Late waiters resolve at once.
        tokio::time::timeout(Duration::from_millis(100), life.stopped()).await.unwrap();
        assert!(life.is_stopping());
    }
}
