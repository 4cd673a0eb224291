//! One round (concierges at their gates, then as many clients on the baseline), and the report
//! over all rounds.
//!
//! Within a phase every client first makes its unmeasured warm-up requests, then all wait at a
//! barrier and the measured requests start together, so the measured part runs at the stated
//! concurrency from its first request (it thins out only at the very end, as clients finish).

use super::client::{self, Gate};
use super::mix::{Entry, Expect, Kind};
use crate::{stats::Percentiles, Env};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::path::Path;
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
    latencies: Vec<Duration>,
    errors: u64,
    first_error: Option<String>,
    elapsed: Duration,
    /// Every verification's access event (warm-up included) with the kind and expected verdict.
    verdicts: Vec<(Uuid, Kind, Expect)>,
    /// Measured verifications per kind.
    kinds: BTreeMap<Kind, u64>,
}

impl Phase {
    fn absorb(&mut self, other: Phase) {
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
    gate: Phase,
    base: Phase,
    load: String,
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
        let (barrier, url, warmup, total) = (Arc::clone(&barrier), plan.baseline.clone(), plan.warmup, plan.warmup + plan.requests);
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

/// Checks every verdict against its access event, then prints and writes the results; fails if
/// any request failed or any verdict was not the expected one.
pub async fn report(env: &Env, out: Option<&Path>, plan: &Plan, rounds: Vec<Round>) -> anyhow::Result<()> {
    let count = rounds.len();
    let mut gate = Phase::default();
    let mut base = Phase::default();
    let mut lines = String::new();
    for (i, mut r) in rounds.into_iter().enumerate() {
        let (g, b) = (Percentiles::of(&mut r.gate.latencies), Percentiles::of(&mut r.base.latencies));
        let _ = writeln!(
            lines,
            "round{}=gate p50 {:.2} / p99 {:.2} ms, baseline p50 {:.2} / p99 {:.2} ms, load {}",
            i + 1,
            g.p50_ms,
            g.p99_ms,
            b.p50_ms,
            b.p99_ms,
            r.load
        );
        gate.elapsed += r.gate.elapsed;
        base.elapsed += r.base.elapsed;
        gate.absorb(r.gate);
        base.absorb(r.base);
    }
    let mismatches = check_verdicts(env, &gate.verdicts).await?;
    let (g, b) = (Percentiles::of(&mut gate.latencies), Percentiles::of(&mut base.latencies));
    let ratio = |a: f64, z: f64| if z > 0.0 { format!("{:.1}", a / z) } else { "n/a".into() };
    let rate = |p: &Phase| {
        let s = p.elapsed.as_secs_f64();
        if s > 0.0 { p.latencies.len() as f64 / s } else { 0.0 }
    };
    let _ = writeln!(lines, "concierges={}", plan.concierges);
    let _ = writeln!(lines, "rounds={count}");
    let _ = writeln!(lines, "requests_per_concierge={}", plan.requests);
    let _ = writeln!(lines, "warmup_per_concierge={}", plan.warmup);
    for (name, p, pc) in [("gate", &gate, &g), ("base", &base, &b)] {
        let _ = writeln!(lines, "{name}_requests={}", p.latencies.len());
        let _ = writeln!(lines, "{name}_errors={}", p.errors);
        let _ = writeln!(lines, "{name}_per_second={:.1}", rate(p));
        let _ = writeln!(lines, "{name}_p50_ms={:.2}", pc.p50_ms);
        let _ = writeln!(lines, "{name}_p95_ms={:.2}", pc.p95_ms);
        let _ = writeln!(lines, "{name}_p99_ms={:.2}", pc.p99_ms);
        let _ = writeln!(lines, "{name}_max_ms={:.2}", pc.max_ms);
    }
    let _ = writeln!(lines, "ratio_p50={}", ratio(g.p50_ms, b.p50_ms));
    let _ = writeln!(lines, "ratio_p99={}", ratio(g.p99_ms, b.p99_ms));
    let mix: Vec<String> = gate.kinds.iter().map(|(k, n)| format!("{} {n}", k.name())).collect();
    let _ = writeln!(lines, "mix={}", mix.join(", "));
    let _ = writeln!(lines, "verdicts_checked={}", gate.verdicts.len());
    let _ = writeln!(lines, "verdict_mismatches={mismatches}");
    print!("{lines}");
    for (name, p) in [("gate", &gate), ("baseline", &base)] {
        if let Some(e) = &p.first_error {
            eprintln!("first {name} error: {e}");
        }
    }
    if let Some(path) = out {
        std::fs::write(path, &lines)?;
    }
    anyhow::ensure!(gate.errors == 0 && base.errors == 0, "{} gate and {} baseline requests failed", gate.errors, base.errors);
    anyhow::ensure!(mismatches == 0, "{mismatches} verdicts differ from what the data says");
    Ok(())
}

/// How many verifications got another verdict than expected (or left no access event).
async fn check_verdicts(env: &Env, verdicts: &[(Uuid, Kind, Expect)]) -> anyhow::Result<u64> {
    let ids: Vec<Uuid> = verdicts.iter().map(|(id, _, _)| *id).collect();
    let rows: Vec<(Uuid, String, bool)> =
        sqlx::query_as("select id, kind, booking_id is not null from access_events where id = any($1)")
            .bind(&ids)
            .fetch_all(&env.pool)
            .await?;
    let found: HashMap<Uuid, (String, bool)> = rows.into_iter().map(|(id, k, b)| (id, (k, b))).collect();
    let mut mismatches = 0;
    let mut first: Option<String> = None;
    for (id, kind, expect) in verdicts {
        let ok = match (found.get(id), expect) {
            (Some((k, _)), Expect::Allowed) => k == "verify_allowed",
            (Some((k, true)), Expect::DeniedWithBooking) => k == "verify_denied",
            (Some((k, false)), Expect::DeniedNothing) => k == "verify_denied",
            _ => false,
        };
        if !ok {
            mismatches += 1;
            first.get_or_insert_with(|| format!("{} {id}: expected {expect:?}, got {:?}", kind.name(), found.get(id)));
        }
    }
    if let Some(f) = first {
        eprintln!("first verdict mismatch: {f}");
    }
    Ok(mismatches)
}
