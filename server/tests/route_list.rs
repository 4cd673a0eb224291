//! Pages keep rendering while another thread builds a router. Generating a route list makes
//! leptos suppress resource loading process-wide (leptos issue #4773): a page whose resource
//! first polls during that window waits forever. The route list is generated once per process
//! (`server::http::routes`), so building more routers (one per test here) opens no such window.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use common::{app, Client};
use http::Request;
use sqlx::PgPool;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn pages_render_while_routers_are_being_built_on_another_thread(pool: PgPool) {
    let app = app(pool).await;
    let stop = Arc::new(AtomicBool::new(false));
    // Another thread asks for the route list without pause, as parallel tests building their
    // routers do (each router used to generate its own).
    let builder = tokio::task::spawn_blocking({
        let stop = stop.clone();
        move || {
            let mut built = 0u32;
            while !stop.load(Ordering::Relaxed) {
                assert!(!server::http::routes().is_empty());
                built += 1;
            }
            built
        }
    });
    tokio::time::sleep(Duration::from_millis(50)).await;
    for round in 0..20 {
        // The guest pass page reads a resource (the pass) before it renders.
        let mut client = Client::default();
        let page = client.send(&app, Request::get("/pase/NoExisteEstePase0123456789").body(Body::empty()).unwrap());
        let reply = tokio::time::timeout(Duration::from_secs(10), page).await;
        assert!(reply.is_ok(), "round {round}: the page never finished while route lists were being generated");
    }
    stop.store(true, Ordering::Relaxed);
    assert!(builder.await.unwrap() > 0);
}
