//! One round: concierges at their gates, then as many clients on the baseline.
//!
//! Within a phase every client first makes its unmeasured warm-up requests, then all wait at a
//! barrier and the measured requests start together, so the measured part runs at the stated
//! concurrency from its first request (it thins out only at the very end, as clients finish).

use super::client::{self, Gate};
use super::mix::{Entry, Expect, Kind};
use crate::stats::Percentiles;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::Barrier;
use uuid::Uuid;

/// What every round does.
#[derive(Debug, Clone)]
pub struct Plan {
    /// Application origin.
    pub app: String,
    /// Baseline URL.
    pub baseline: String,
    /// Concierges' password.
    pub password: String,
    /// Clients per phase.
    pub concierges: usize,
    /// Unmeasured requests per client.
    pub warmup: usize,
    /// Measured requests per client.
    pub requests: usize,
}

/// One phase's results.
#[derive(Debug, Default)]
pub struct Phase {
    /// Latencies of the measured, successful requests.
    pub(super) latencies: Vec<Duration>,
    /// Failed requests (transport, status, no verdict address), warm-up included.
    pub(super) errors: u64,
    /// The first failure's description.
    pub(super) first_error: Option<String>,
    /// From the barrier's release to the last answer.
    pub(super) elapsed: Duration,
    /// Every verification's access event (warm-up included) with the kind and expected verdict.
    pub(super) verdicts: Vec<(Uuid, Kind, Expect)>,
    /// Measured verifications per kind.
    pub(super) kinds: BTreeMap<Kind, u64>,
}

impl Phase {
    /// Adds `other`'s requests (not its elapsed time) to this phase.
    pub(super) fn absorb(&mut self, other: Phase) {
        self.latencies.extend(other.latencies);
        self.errors += other.errors;
        if self.first_error.is_none() {
            self.first_error = other.first_error;
        }
        self.verdicts.extend(other.verdicts);
        for (k, n) in other.kinds {
            *self.kinds.entry(k).or_default() += n;
        }
    }
}

/// One round's two phases and the machine's load average when it started.
#[derive(Debug)]
pub struct Round {
    /// The concierges' verifications.
    pub(super) gate: Phase,
    /// The baseline requests.
    pub(super) base: Phase,
    /// `/proc/loadavg`'s three averages when the round started.
    pub(super) load: String,
}

/// Logs the round's concierges in, runs their verifications, then the baseline.
pub async fn round(plan: &Plan, work: Vec<(String, Vec<Entry>)>) -> anyhow::Result<Round> {
    let mut gates = Vec::with_capacity(work.len());
    for (email, entries) in work {
        gates.push((Gate::log_in(&plan.app, &email, &plan.password).await?, entries));
    }
    let load = std::fs::read_to_string("/proc/loadavg").unwrap_or_default();
    let load = load.split_whitespace().take(3).collect::<Vec<_>>().join(" ");

    let barrier = Arc::new(Barrier::new(gates.len() + 1));
    let mut handles = Vec::with_capacity(gates.len());
    for (mut gate, entries) in gates {
        let (barrier, warmup) = (Arc::clone(&barrier), plan.warmup);
        handles.push(tokio::spawn(async move {
            let mut phase = Phase::default();
            let mut released = false;
            for (i, entry) in entries.into_iter().enumerate() {
                if i == warmup {
                    barrier.wait().await;
                    released = true;
                }
                let t0 = Instant::now();
                let result = gate.verify(&entry.query).await;
                let took = t0.elapsed();
                record(&mut phase, i >= warmup, took, result.map(|id| (id, entry.kind, entry.expect)));
            }
            if !released {
                barrier.wait().await; // no measured entries: still let the others start
            }
            phase
        }));
    }
    let gate = gather(&barrier, handles).await?;

    let barrier = Arc::new(Barrier::new(plan.concierges + 1));
    let mut handles = Vec::with_capacity(plan.concierges);
    for _ in 0..plan.concierges {
        let device = client::device()?;
        let (barrier, url, warmup, total) =
            (Arc::clone(&barrier), plan.baseline.clone(), plan.warmup, plan.warmup + plan.requests);
        handles.push(tokio::spawn(async move {
            let mut phase = Phase::default();
            for i in 0..total {
                if i == warmup {
                    barrier.wait().await;
                }
                let t0 = Instant::now();
                let result = client::baseline(&device, &url).await;
                let took = t0.elapsed();
                record(&mut phase, i >= warmup, took, result.map(|()| (Uuid::nil(), Kind::UnknownPlate, Expect::DeniedNothing)));
            }
            phase.verdicts.clear(); // the baseline has no verdicts
            phase.kinds.clear();
            phase
        }));
    }
    let base = gather(&barrier, handles).await?;
    let (mut g, mut b) = (gate.latencies.clone(), base.latencies.clone());
    let (g, b) = (Percentiles::of(&mut g), Percentiles::of(&mut b));
    eprintln!(
        "  gate p50 {:.2} ms p99 {:.2} ms; baseline p50 {:.2} ms p99 {:.2} ms; load {load}",
        g.p50_ms, g.p99_ms, b.p50_ms, b.p99_ms
    );
    Ok(Round { gate, base, load })
}

/// Adds one request's outcome to `phase` (its latency only if `measured` and successful).
fn record(phase: &mut Phase, measured: bool, took: Duration, result: Result<(Uuid, Kind, Expect), String>) {
    match result {
        Ok((id, kind, expect)) => {
            phase.verdicts.push((id, kind, expect));
            if measured {
                phase.latencies.push(took);
                *phase.kinds.entry(kind).or_default() += 1;
            }
        }
        Err(e) => {
            phase.errors += 1;
            phase.first_error.get_or_insert(e);
        }
    }
}

/// Releases the clients from the barrier once all are warm, then waits for them; the phase's
/// elapsed time runs from the release to the last client's last answer.
async fn gather(barrier: &Barrier, handles: Vec<tokio::task::JoinHandle<Phase>>) -> anyhow::Result<Phase> {
    barrier.wait().await;
    let started = Instant::now();
    let mut all = Phase::default();
    for handle in handles {
        all.absorb(handle.await?);
    }
    all.elapsed = started.elapsed();
    Ok(all)
}
