//! `bench_bus`: throughput and delay of the notification pipeline — outbox → relay → Redis
//! stream → notification consumer → sender → Twilio (a local fake that answers at once) — against
//! the plain `XADD`/`XREADGROUP`/`XACK` throughput of the same Redis, measured in the same run.
//! Driven by `scripts/bench-bus.sh`; refuses a database whose name does not contain `bench`.
//!
//! The pipeline runs exactly as in the server ([`server::notify::spawn_workers`] with the
//! production settings); the driver confirms `--events` bookings through the real state machine
//! (one transaction each, from `--writers` tasks), recording each commit instant, and the fake
//! Twilio records when each message arrives. Delay = arrival − commit, per booking.

use anyhow::Context as _;
use app::domain::{booking::BookingEvent, names::VisitorName, plate::Plate, rut::Rut};
use app::ssr::{
    actor::Actor,
    audit::{AuditActor, RequestMeta},
    blind_index::BlindField,
    pii,
};
use axum::{extract::State, http::StatusCode, response::IntoResponse, Router};
use clap::Parser;
use fred::prelude::{ClientLike, KeysInterface, StreamsInterface};
use server::{config::Config, db, startup};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use uuid::Uuid;

/// Pipeline benchmark.
#[derive(Debug, Parser)]
#[command(name = "bench_bus", about = "Estacionate bench: notification pipeline vs raw Redis streams")]
struct Cli {
    /// Bookings confirmed (events through the pipeline).
    #[arg(long, default_value_t = 2000)]
    events: usize,
    /// Concurrent confirming transactions.
    #[arg(long, default_value_t = 8)]
    writers: usize,
    /// Entries in the raw Redis baseline.
    #[arg(long, default_value_t = 20000)]
    raw: usize,
    /// Confirmations per second, spread evenly, with the pipeline running meanwhile (the delay
    /// measurement at a steady load). Without it, every confirmation commits first and the
    /// pipeline then drains them all (the throughput measurement).
    #[arg(long)]
    rate: Option<f64>,
}

/// When each notification reached the fake Twilio.
type Arrivals = Arc<Mutex<HashMap<Uuid, Instant>>>;

async fn fake_twilio(State(arrivals): State<Arrivals>, body: axum::body::Bytes) -> impl IntoResponse {
    let now = Instant::now();
    let form: Vec<(String, String)> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let id = form
        .iter()
        .find(|(k, _)| k == "StatusCallback")
        .and_then(|(_, v)| v.split_once("?n="))
        .and_then(|(_, id)| Uuid::parse_str(id).ok());
    if let (Some(id), Ok(mut map)) = (id, arrivals.lock()) {
        map.entry(id).or_insert(now);
    }
    (StatusCode::CREATED, axum::Json(serde_json::json!({ "sid": format!("SM{}", Uuid::new_v4().simple()), "status": "queued" })))
}

fn percentile(sorted: &[f64], pct: usize) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    sorted[(sorted.len() * pct).div_ceil(100).saturating_sub(1)]
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    anyhow::ensure!(cli.events > 0 && cli.writers > 0 && cli.raw > 0, "counts must be positive");
    anyhow::ensure!(cli.rate.is_none_or(|r| r.is_finite() && r > 0.0), "--rate must be positive");
    // The fake Twilio, on an ephemeral port, before the configuration that points at it.
    let arrivals: Arrivals = Arc::default();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let twilio_base = format!("http://{}", listener.local_addr()?);
    let fake = Router::new().fallback(fake_twilio).with_state(arrivals.clone());
    tokio::spawn(async move { axum::serve(listener, fake).await });
    let mut vars: HashMap<String, String> = std::env::vars().collect();
    // A fresh stream per run.
    let prefix = format!("bench-bus-{}", Uuid::new_v4().simple());
    for (k, v) in [
        ("TWILIO_ACCOUNT_SID", "ACbench"),
        ("TWILIO_AUTH_TOKEN", "bench-token"),
        ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886"),
        ("TWILIO_API_BASE", twilio_base.as_str()),
        ("REDIS_BUS_PREFIX", prefix.as_str()),
    ] {
        vars.insert(k.into(), v.into());
    }
    let config = Config::from_lookup("127.0.0.1:0".parse()?, |k| vars.get(k).cloned())?;
    server::telemetry::init(config.log_format);
    let redis_url = config.redis_url.clone().context("REDIS_URL is required")?;
    let pool = db::connect(&config).await.context("connecting to DATABASE_URL")?;
    let database: String = sqlx::query_scalar("select current_database()").fetch_one(&pool).await?;
    anyhow::ensure!(database.contains("bench"), "refusing to run against {database:?}: its name must contain \"bench\"");

    // ---- baseline: plain XADD / XREADGROUP / XACK on the same Redis -------------------------
    let raw = raw_streams(redis_url.expose(), cli.raw).await?;

    // ---- the pipeline ----------------------------------------------------------------------
    let opts = leptos::prelude::LeptosOptions::builder()
        .output_name("estacionate")
        .site_root("target/site")
        .build();
    let assembled = startup::app(&config, pool.clone(), opts).await?;
    let state = assembled.state.clone();
    let ids = seed(&state, cli.events).await?;
    eprintln!("seeded {} pending bookings", ids.len());
    // Events of the seeding (booking.created) are not part of the measurement.
    sqlx::query("update outbox set relayed_at = now(), notified_at = now() where relayed_at is null")
        .execute(&pool)
        .await?;
    let start_workers = || {
        server::notify::spawn_workers(
            state.clone(),
            assembled.bus.clone(),
            assembled.transport.clone(),
            "bench".into(),
            Default::default(),
        )
    };
    // Steady mode: the pipeline runs while the confirmations arrive at the given rate.
    let _workers = cli.rate.map(|_| start_workers());

    let commits: Arc<Mutex<HashMap<Uuid, Instant>>> = Arc::default();
    let started = Instant::now();
    let mut writers = Vec::new();
    for w in 0..cli.writers {
        let pool = pool.clone();
        let commits = commits.clone();
        // Writer w confirms events w, w + writers, …; at a steady rate event j is due at j / rate.
        let mine: Vec<(usize, Uuid)> = ids.iter().copied().enumerate().skip(w).step_by(cli.writers).collect();
        let rate = cli.rate;
        writers.push(tokio::spawn(async move {
            for (j, id) in mine {
                if let Some(rate) = rate {
                    tokio::time::sleep_until((started + Duration::from_secs_f64(j as f64 / rate)).into()).await;
                }
                let mut tx = pool.begin().await?;
                app::booking::transition::apply(
                    &mut tx,
                    id,
                    BookingEvent::PaymentApproved,
                    &AuditActor::System,
                    &RequestMeta::default(),
                    serde_json::json!({ "provider": "bench" }),
                )
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                tx.commit().await?;
                if let Ok(mut c) = commits.lock() {
                    c.insert(id, Instant::now());
                }
            }
            anyhow::Ok(())
        }));
    }
    for w in writers {
        w.await??;
    }
    let committed_in = started.elapsed();
    // Throughput mode: everything is committed; the pipeline now drains it, timed from its start.
    let (drain_started, _workers) = match cli.rate {
        Some(_) => (started, _workers),
        None => (Instant::now(), Some(start_workers())),
    };
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let n = arrivals.lock().map(|a| a.len()).unwrap_or(0);
        if n >= ids.len() || Instant::now() > deadline {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let arrivals = arrivals.lock().map(|a| a.clone()).unwrap_or_default();
    anyhow::ensure!(arrivals.len() == ids.len(), "only {} of {} messages arrived", arrivals.len(), ids.len());
    let by_notification: Vec<(Uuid, Uuid)> =
        sqlx::query_as("select id, booking_id from notifications where kind = 'booking_confirmed'")
            .fetch_all(&pool)
            .await?;
    let commits = commits.lock().map(|c| c.clone()).unwrap_or_default();
    let mut delays: Vec<f64> = by_notification
        .iter()
        .filter_map(|(n, b)| Some(arrivals.get(n)?.duration_since(*commits.get(b)?).as_secs_f64() * 1000.0))
        .collect();
    delays.sort_by(f64::total_cmp);
    let last = arrivals.values().max().copied().unwrap_or(drain_started);
    let total = last.duration_since(drain_started).as_secs_f64();
    let pipeline_rate = ids.len() as f64 / total;

    println!("events={}", ids.len());
    println!("writers={}", cli.writers);
    println!("mode={}", cli.rate.map_or("drain".to_string(), |r| format!("steady at {r} events/s")));
    println!("commit_seconds={:.2}", committed_in.as_secs_f64());
    println!("pipeline_seconds={total:.2}");
    println!("pipeline_events_per_s={pipeline_rate:.0}");
    println!("raw_entries={}", cli.raw);
    println!("raw_events_per_s={:.0}", raw);
    println!("ratio_pipeline_vs_raw={:.4}", pipeline_rate / raw);
    println!("delay_p50_ms={:.1}", percentile(&delays, 50));
    println!("delay_p99_ms={:.1}", percentile(&delays, 99));
    println!("delay_max_ms={:.1}", delays.last().copied().unwrap_or(0.0));
    let cleanup = fred::types::Builder::from_config(fred::prelude::Config::from_url(redis_url.expose())?).build()?;
    cleanup.init().await?;
    cleanup.del::<(), _>(format!("{prefix}:events")).await?;
    Ok(())
}

/// Entries per second through a plain stream: one producer `XADD`s (payloads the size of a real
/// envelope) while one consumer `XREADGROUP`s batches of 50 and `XACK`s them.
async fn raw_streams(url: &str, n: usize) -> anyhow::Result<f64> {
    let config = fred::prelude::Config::from_url(url)?;
    let producer = fred::types::Builder::from_config(config.clone()).build()?;
    let consumer = fred::types::Builder::from_config(config).build()?;
    producer.init().await?;
    consumer.init().await?;
    let key = "bench-bus:raw";
    producer.del::<(), _>(key).await?;
    producer.xgroup_create::<(), _, _, _>(key, "g", "0", true).await?;
    let payload = format!(
        r#"{{"v":1,"id":123456,"building_id":"{}","occurred_at":"2026-11-28T12:00:00+00:00","type":"booking_confirmed","booking_id":"{}"}}"#,
        Uuid::new_v4(),
        Uuid::new_v4()
    );
    let started = Instant::now();
    let produce = {
        let producer = producer.clone();
        tokio::spawn(async move {
            for _ in 0..n {
                producer
                    .xadd::<String, _, _, _, _>(key, false, ("MAXLEN", "~", 100_000), "*", vec![("e", payload.as_str())])
                    .await?;
            }
            anyhow::Ok(())
        })
    };
    let mut seen = 0;
    while seen < n {
        let got = consumer
            .xreadgroup::<fred::prelude::Value, _, _, _, _>("g", "c", Some(50), Some(1000), false, key, ">")
            .await?;
        if got.is_null() {
            continue;
        }
        let got = got.into_xread_response::<String, String, String, String>()?;
        let ids: Vec<String> = got.into_values().flatten().map(|(id, _)| id).collect();
        seen += ids.len();
        if !ids.is_empty() {
            consumer.xack::<i64, _, _, _>(key, "g", ids).await?;
        }
    }
    produce.await??;
    let rate = n as f64 / started.elapsed().as_secs_f64();
    producer.del::<(), _>(key).await?;
    Ok(rate)
}

/// `n` pending bookings on distinct blocks, by the real booking code, for residents with phones.
async fn seed(state: &app::ssr::AppState, n: usize) -> anyhow::Result<Vec<Uuid>> {
    let pool = &state.pool;
    let existing: i64 = sqlx::query_scalar("select count(*) from buildings").fetch_one(pool).await?;
    anyhow::ensure!(existing == 0, "the bench database is not empty; recreate it first");
    let building: Uuid = sqlx::query_scalar(
        "insert into buildings (name, address, max_active_bookings_per_resident, booking_horizon_days)
         values ('Edificio Bench Bus', 'Av. Providencia 1000', 100, 60) returning id",
    )
    .fetch_one(pool)
    .await?;
    let unit: Uuid = sqlx::query_scalar("insert into units (building_id, number) values ($1, '101') returning id")
        .bind(building)
        .fetch_one(pool)
        .await?;
    let spots: Vec<Uuid> = sqlx::query_scalar(
        "insert into visitor_spots (building_id, number) select $1, format('V-%s', g) from generate_series(1, 10) g returning id",
    )
    .bind(building)
    .fetch_all(pool)
    .await?;
    let per_spot = n.div_ceil(spots.len());
    let blocks: Vec<Uuid> = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         select s, $1, date_trunc('hour', now()) + make_interval(days => 1, hours => 2 * g),
                date_trunc('hour', now()) + make_interval(days => 1, hours => 2 * g + 1), 5000
           from unnest($2::uuid[]) s cross join generate_series(0, $3 - 1) g
         returning id",
    )
    .bind(building)
    .bind(&spots)
    .bind(i32::try_from(per_spot)?)
    .fetch_all(pool)
    .await?;
    let hash = app::ssr::password::hash_password("Bench.Estacionate.2026").map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut out = Vec::with_capacity(n);
    for (k, chunk) in blocks.iter().take(n).collect::<Vec<_>>().chunks(100).enumerate() {
        let id = Uuid::new_v4();
        let phone = format!("+569{:08}", 20_000_000 + k);
        let rut = Rut::from_body(20_000_000 + u32::try_from(k)?)
            .map_err(|e| anyhow::anyhow!("rut: {e:?}"))?
            .canonical();
        sqlx::query(
            "insert into users (id, email, password_hash, role, building_id, status, full_name, phone_enc, phone_bidx)
             values ($1, $2, $3, 'resident', $4, 'active', 'Residente Bench', $5, $6)",
        )
        .bind(id)
        .bind(format!("bus{k}@bench.estacionate.cl"))
        .bind(&hash)
        .bind(building)
        .bind(state.vault.encrypt(&phone, &pii::user_phone(&id.to_string()))?)
        .bind(state.blind_index.index(BlindField::Phone, &phone).to_vec())
        .execute(pool)
        .await?;
        sqlx::query(
            "insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name)
             values ($1, $2, $3, $4, $5, 'Residente', 'Bench')",
        )
        .bind(id)
        .bind(building)
        .bind(unit)
        .bind(state.vault.encrypt(&rut, &pii::resident_rut(&id.to_string()))?)
        .bind(state.blind_index.index(BlindField::Rut, &rut).to_vec())
        .execute(pool)
        .await?;
        let who = Actor {
            id,
            role: app::domain::role::Role::Resident,
            building_id: Some(building),
            full_name: "Residente Bench".into(),
        };
        for block in chunk {
            let new = app::booking::ssr::NewBooking {
                block_id: **block,
                visitor_name: VisitorName::parse("Pedro Pérez").map_err(|e| anyhow::anyhow!("{e:?}"))?,
                plate: Plate::parse("KHJT52").map_err(|e| anyhow::anyhow!("{e:?}"))?,
                visitor_phone: None,
            };
            let made = app::booking::ssr::create(pool, &state.vault, &state.blind_index, &who, new, &RequestMeta::default())
                .await
                .map_err(|e| anyhow::anyhow!("booking: {e}"))?;
            out.push(made.booking_id);
        }
    }
    Ok(out)
}
