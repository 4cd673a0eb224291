//! The report over all rounds: percentiles, ratios, the mix actually typed, and every verdict
//! checked against the access event the gate wrote.

use super::mix::{Expect, Kind};
use super::run::{Phase, Plan, Round};
use crate::{stats::Percentiles, Env};
use std::collections::HashMap;
use std::fmt::Write as _;
use std::path::Path;
use uuid::Uuid;

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
        if s > 0.0 {
            p.latencies.len() as f64 / s
        } else {
            0.0
        }
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
