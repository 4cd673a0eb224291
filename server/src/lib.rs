//! Estacionate's server: configuration, the HTTP stack, and (as capabilities land) the event
//! bus, scheduled jobs and notifications. `main.rs` is a thin bootstrap over this library so
//! that tests build exactly the router production serves.

#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used))]

pub mod audit_chain;
pub mod bus;
pub mod check_config;
pub mod cli;
pub mod config;
pub mod create_admin;
pub mod db;
pub mod http;
pub mod jobs;
pub mod lifecycle;
pub mod metrics;
pub mod notify;
pub mod outbound;
pub mod payments;
pub mod rate_limit;
pub mod rotate;
pub mod seed;
pub mod serve;
pub mod startup;
pub mod telemetry;

/// Every migration in `migrations/`, embedded in the binary and applied at startup.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("../migrations");

/// The allocator of every binary built on this library (the server, the bench drivers and the
/// baseline they are measured against, the tests). A profile of the search page under load
/// showed glibc's malloc and free in about a quarter of the server's CPU time: a page allocates
/// many small strings on many threads, which mimalloc's per-thread free lists serve without the
/// arena locks and consolidation passes glibc spends that time in.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
