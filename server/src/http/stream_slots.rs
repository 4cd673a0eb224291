//! How many live streams each user holds open on this instance, so one account cannot pin an
//! unbounded number of connections, tasks and bus receivers (`LIVE_STREAMS_PER_USER`).
//!
//! The count is per instance on purpose: what a stream costs (a connection, a task, a broadcast
//! receiver) is spent on the instance that serves it, so a per-instance cap bounds exactly that
//! cost, and a slot is freed by the drop of the stream itself, even when the client vanishes. A
//! count shared through Redis would need leases and heartbeats to survive a crashed instance,
//! and would still not bound any one instance better.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use uuid::Uuid;

/// The open-stream counters of this instance.
#[derive(Debug, Clone)]
pub struct StreamSlots {
    per_user: usize,
    open: Arc<Mutex<HashMap<Uuid, usize>>>,
}

/// One open stream of one user; dropping it frees the slot.
#[derive(Debug)]
pub struct StreamSlot {
    slots: StreamSlots,
    user: Uuid,
}

impl StreamSlots {
    /// At most `per_user` open streams per user.
    pub fn new(per_user: usize) -> Self {
        Self { per_user, open: Arc::default() }
    }

    // A panic while holding the lock cannot leave a half-updated count (every update is a
    // single statement), so a poisoned lock is still safe to use.
    fn counts(&self) -> MutexGuard<'_, HashMap<Uuid, usize>> {
        self.open.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A slot for `user`, or `None` when they already hold the maximum.
    pub fn try_acquire(&self, user: Uuid) -> Option<StreamSlot> {
        let mut counts = self.counts();
        let open = counts.entry(user).or_insert(0);
        if *open >= self.per_user {
            return None;
        }
        *open += 1;
        Some(StreamSlot { slots: self.clone(), user })
    }

    /// How many streams `user` holds open now.
    pub fn open(&self, user: Uuid) -> usize {
        self.counts().get(&user).copied().unwrap_or(0)
    }
}

impl Drop for StreamSlot {
    fn drop(&mut self) {
        let mut counts = self.slots.counts();
        if let Some(open) = counts.get_mut(&self.user) {
            *open = open.saturating_sub(1);
            if *open == 0 {
                counts.remove(&self.user);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_user_holds_at_most_the_cap_and_closing_one_frees_a_slot() {
        let slots = StreamSlots::new(5);
        let (ana, beto) = (Uuid::new_v4(), Uuid::new_v4());
        let mut held: Vec<_> = (0..5).map(|_| slots.try_acquire(ana).unwrap()).collect();
        assert!(slots.try_acquire(ana).is_none());
        // Another user is not affected.
        let other = slots.try_acquire(beto).unwrap();
        held.pop();
        assert_eq!(slots.open(ana), 4);
        held.push(slots.try_acquire(ana).unwrap());
        assert!(slots.try_acquire(ana).is_none());
        drop(held);
        drop(other);
        assert_eq!((slots.open(ana), slots.open(beto)), (0, 0));
        assert!(slots.counts().is_empty());
    }
}
