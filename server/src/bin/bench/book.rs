//! `bench book`: concurrent clients run the real booking transaction
//! ([`app::booking::ssr::create`]) on the server's pool, each over its own residents and blocks,
//! so no two clients ever want the same block or the same resident (whose advisory lock would
//! otherwise serialise them). The clock stops at the deadline, or as soon as any client runs out
//! of blocks, so the reported rate is always that of all clients working at once.

use crate::{stats::Percentiles, Env};
use app::booking::ssr::{create, NewBooking};
use app::domain::{names::VisitorName, phone::MobilePhone, plate::Plate, role::Role};
use app::error::AppError;
use app::ssr::{actor::Actor, audit::RequestMeta, ServerError};
use clap::Args;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Load shape.
#[derive(Debug, Args)]
pub struct BookArgs {
    /// Concurrent clients.
    #[arg(long, default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=256))]
    clients: u32,
    /// Duration of the measurement in seconds.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=600))]
    seconds: u64,
    /// Also write the results as `key=value` lines to this file.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// A single booking never legitimately takes this long; past it the attempt counts as timed out.
const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// Plates cycled through the bookings (all valid Chilean formats).
const PLATES: [&str; 4] = ["KHJT52", "BBDF12", "AB1234", "FXRZ90"];

/// One client's results.
#[derive(Debug, Default)]
struct Outcome {
    latencies: Vec<Duration>,
    conflicts: u64,
    errors: u64,
    timeouts: u64,
    first_error: Option<String>,
    ran_out: bool,
}

/// Runs the measurement and prints (and optionally writes) its results.
pub async fn run(env: &Env, args: &BookArgs) -> anyhow::Result<()> {
    let clients = usize::try_from(args.clients)?;
    let work = assign(env, clients).await?;
    let total: usize = work.iter().map(Vec::len).sum();
    anyhow::ensure!(total > 0, "no bookable blocks: seed the bench database first");
    eprintln!("{total} blocks assigned to {clients} clients; booking for {} s", args.seconds);
    warm_up(env, clients).await?;

    let stop = Arc::new(AtomicBool::new(false));
    let started = Instant::now();
    let deadline = started + Duration::from_secs(args.seconds);
    let mut handles = Vec::with_capacity(clients);
    for (client, items) in work.into_iter().enumerate() {
        let pool = env.pool.clone();
        let vault = Arc::clone(&env.vault);
        let indexer = Arc::clone(&env.indexer);
        let stop = Arc::clone(&stop);
        handles.push(tokio::spawn(async move {
            let mut out = Outcome { latencies: Vec::with_capacity(items.len()), ..Outcome::default() };
            let meta = RequestMeta {
                ip: Some(IpAddr::V4(Ipv4Addr::LOCALHOST)),
                user_agent: Some("estacionate-bench".into()),
                request_id: None,
            };
            let len = items.len();
            for (i, (actor, block_id)) in items.into_iter().enumerate() {
                if stop.load(Ordering::Relaxed) || Instant::now() >= deadline {
                    return Ok::<_, anyhow::Error>(out);
                }
                let new = request(block_id, client + i)?;
                let t0 = Instant::now();
                let result = tokio::time::timeout(ATTEMPT_TIMEOUT, create(&pool, &vault, &indexer, &actor, new, &meta)).await;
                match result {
                    Ok(Ok(_)) => out.latencies.push(t0.elapsed()),
                    Ok(Err(ServerError::App(AppError::Conflict(_)))) => out.conflicts += 1,
                    Ok(Err(e)) => {
                        out.errors += 1;
                        out.first_error.get_or_insert_with(|| chain(&e));
                    }
                    Err(_) => out.timeouts += 1,
                }
                if i + 1 == len {
                    out.ran_out = true;
                    stop.store(true, Ordering::Relaxed);
                }
            }
            Ok(out)
        }));
    }
    let mut outcomes = Vec::with_capacity(clients);
    for handle in handles {
        outcomes.push(handle.await??);
    }
    let elapsed = started.elapsed();
    report(env, args, clients, elapsed, &outcomes).await
}

/// The visitor details of one booking.
fn request(block_id: Uuid, n: usize) -> anyhow::Result<NewBooking> {
    let parse = |what: &str, e: String| anyhow::anyhow!("{what}: {e}");
    Ok(NewBooking {
        block_id,
        visitor_name: VisitorName::parse("Pedro Pérez").map_err(|e| parse("name", e.to_string()))?,
        plate: Plate::parse(PLATES[n % PLATES.len()]).map_err(|e| parse("plate", e.to_string()))?,
        visitor_phone: Some(MobilePhone::parse("+56 9 8765 4321").map_err(|e| parse("phone", e.to_string()))?),
    })
}

/// The error and its causes on one line.
fn chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

/// A resident of an active building with their allowance of active bookings.
#[derive(sqlx::FromRow)]
struct ResidentRow {
    id: Uuid,
    building_id: Uuid,
    full_name: String,
    max_active: i32,
    active: i64,
}

/// Splits every bookable block among the clients. Within a building, each resident gets a run of
/// blocks (in time order) no longer than their remaining allowance; residents are dealt
/// round-robin to clients.
async fn assign(env: &Env, clients: usize) -> anyhow::Result<Vec<Vec<(Actor, Uuid)>>> {
    let residents: Vec<ResidentRow> = sqlx::query_as(concat!(
        "select u.id, u.building_id, u.full_name, b.max_active_bookings_per_resident as max_active,
                (select count(*) from bookings k where k.resident_id = u.id
                    and k.status in ",
        app::active_statuses!(),
        ") as active
           from users u join buildings b on b.id = u.building_id
          where u.role = 'resident' and u.status = 'active' and b.status = 'active'
          order by b.name, u.email"
    ))
    .fetch_all(&env.pool)
    .await?;
    let blocks: Vec<(Uuid, Uuid)> = sqlx::query_as(
        "select b.id, b.building_id from availability_blocks b
          where b.status = 'available' and b.starts_at > now() + interval '5 minutes'
          order by b.building_id, b.starts_at, b.spot_id",
    )
    .fetch_all(&env.pool)
    .await?;
    let mut by_building: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for (block, building) in blocks {
        by_building.entry(building).or_default().push(block);
    }
    // Per client, the queues of its residents; interleaved below.
    let mut queues: Vec<Vec<std::vec::IntoIter<(Actor, Uuid)>>> = (0..clients).map(|_| Vec::new()).collect();
    let mut next_client = 0;
    for ResidentRow { id, building_id: building, full_name, max_active, active } in residents {
        let allowance = usize::try_from((i64::from(max_active) - active).max(0))?;
        let Some(pool_of_blocks) = by_building.get_mut(&building) else { continue };
        let take = allowance.min(pool_of_blocks.len());
        if take == 0 {
            continue;
        }
        let actor = Actor { id, role: Role::Resident, building_id: Some(building), full_name };
        let mine: Vec<(Actor, Uuid)> = pool_of_blocks.drain(..take).map(|b| (actor.clone(), b)).collect();
        if let Some(list) = queues.get_mut(next_client % clients) {
            list.push(mine.into_iter());
        }
        next_client += 1;
    }
    // Each client takes one block of each of its residents in turn, so at any moment the load is
    // spread over many buildings, as it would be in production.
    Ok(queues
        .into_iter()
        .map(|mut residents| {
            let mut list = Vec::new();
            while !residents.is_empty() {
                residents.retain_mut(|queue| match queue.next() {
                    Some(item) => {
                        list.push(item);
                        true
                    }
                    None => false,
                });
            }
            list
        })
        .collect())
}

/// Opens the pool's connections before the clock starts (pgbench, the baseline, connects first
/// too), so connection set-up is not measured as booking latency.
async fn warm_up(env: &Env, clients: usize) -> anyhow::Result<()> {
    let mut held = Vec::with_capacity(clients);
    for _ in 0..clients.min(usize::try_from(env.pool.options().get_max_connections())?) {
        held.push(env.pool.acquire().await?);
    }
    drop(held);
    Ok(())
}

async fn report(env: &Env, args: &BookArgs, clients: usize, elapsed: Duration, outcomes: &[Outcome]) -> anyhow::Result<()> {
    let mut latencies: Vec<Duration> = outcomes.iter().flat_map(|o| o.latencies.iter().copied()).collect();
    let booked = latencies.len();
    let conflicts: u64 = outcomes.iter().map(|o| o.conflicts).sum();
    let errors: u64 = outcomes.iter().map(|o| o.errors).sum();
    let timeouts: u64 = outcomes.iter().map(|o| o.timeouts).sum();
    let ran_out = outcomes.iter().any(|o| o.ran_out);
    let p = Percentiles::of(&mut latencies);
    let seconds = elapsed.as_secs_f64();
    let rate = if seconds > 0.0 { booked as f64 / seconds } else { 0.0 };
    // The database's own word: bookings stored, and overlapping active pairs (must be 0).
    let (stored, overlaps): (i64, i64) = sqlx::query_as(concat!(
        "select (select count(*) from bookings),
                (select count(*) from bookings a join bookings b
                    on a.spot_id = b.spot_id and a.id < b.id and a.during && b.during
                 where a.status in ",
        app::active_statuses!(),
        "
                   and b.status in ",
        app::active_statuses!(),
        ")"
    ))
    .fetch_one(&env.pool)
    .await?;

    let mut lines = String::new();
    let _ = writeln!(lines, "clients={clients}");
    let _ = writeln!(lines, "seconds={}", args.seconds);
    let _ = writeln!(lines, "elapsed_s={seconds:.2}");
    let _ = writeln!(lines, "bookings={booked}");
    let _ = writeln!(lines, "per_second={rate:.1}");
    let _ = writeln!(lines, "p50_ms={:.2}", p.p50_ms);
    let _ = writeln!(lines, "p99_ms={:.2}", p.p99_ms);
    let _ = writeln!(lines, "max_ms={:.2}", p.max_ms);
    let _ = writeln!(lines, "conflicts={conflicts}");
    let _ = writeln!(lines, "errors={errors}");
    let _ = writeln!(lines, "timeouts={timeouts}");
    let _ = writeln!(lines, "stored={stored}");
    let _ = writeln!(lines, "overlaps={overlaps}");
    let _ = writeln!(lines, "stopped_by={}", if ran_out { "blocks_exhausted" } else { "deadline" });
    print!("{lines}");
    if let Some(first) = outcomes.iter().find_map(|o| o.first_error.as_deref()) {
        eprintln!("first error: {first}");
    }
    if ran_out {
        eprintln!("note: a client ran out of blocks before the deadline; seed more days or buildings");
    }
    if let Some(path) = &args.out {
        std::fs::write(path, &lines)?;
    }
    anyhow::ensure!(overlaps == 0, "{overlaps} overlapping active bookings: the invariant is broken");
    Ok(())
}
