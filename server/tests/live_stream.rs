//! The live stream (`/vivo/edificio/{id}`) keeps checking who watches it (ASVS 5.0 7.4.1: a
//! session that ends ends everywhere, open streams included) and each user holds a bounded
//! number of them (ASVS 5.0 2.4.1 / 15.2.2: bounded resources per user).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use common::*;
use http::{header, Request, StatusCode};
use http_body_util::BodyExt;
use server::http::live::TOO_MANY_STREAMS;
use sqlx::PgPool;
use std::time::Duration;
use tower::ServiceExt;
use uuid::Uuid;

async fn open_stream(app: &TestApp, client: &Client, building: Uuid) -> (StatusCode, Body) {
    let mut req = Request::get(format!("/vivo/edificio/{building}")).body(Body::empty()).unwrap();
    if let Some(c) = &client.cookie {
        req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
    }
    let res = app.router.clone().oneshot(req).await.unwrap();
    (res.status(), res.into_body())
}

/// Whether the stream ends within `within` (keep-alive comments and events do not count).
async fn ends_within(body: &mut Body, within: Duration) -> bool {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        match tokio::time::timeout_at(deadline, body.frame()).await {
            Err(_) => return false,
            Ok(None) => return true,
            Ok(Some(frame)) => {
                frame.unwrap();
            }
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_open_stream_closes_when_its_viewer_logs_out_is_banned_or_moves(pool: PgPool) {
    let app = app_with(pool.clone(), &[("LIVE_RECHECK_SECONDS", "1")]).await;
    let (tower, _) = building(&pool, "Torre Central").await;
    let other = building(&pool, "Torre Norte").await;
    let mut viewers = Vec::new();
    for name in ["queda", "sale", "baneado", "movido"] {
        let email = format!("{name}@x.cl");
        let id = user(&app, &email, "concierge", "active", Some((tower, Uuid::nil()))).await;
        let mut client = Client::default();
        assert_eq!(client.log_in(&app, &email, PASSWORD).await.status, StatusCode::OK);
        let (status, body) = open_stream(&app, &client, tower).await;
        assert_eq!(status, StatusCode::OK);
        viewers.push((id, client, body));
    }
    let [(_, _, mut stays), (_, mut leaves, mut logged_out), (banned_id, _, mut banned), (moved_id, _, mut moved)] =
        <[_; 4]>::try_from(viewers).ok().unwrap();

    assert_eq!(leaves.call(&app, "identity/log_out", &[]).await.status, StatusCode::OK);
    sqlx::query("update users set status = 'banned' where id = $1")
        .bind(banned_id)
        .execute(&pool)
        .await
        .unwrap();
    // Moved to another building without the epoch bump the admin screens add: the scope check
    // alone must close it.
    sqlx::query("update users set building_id = $2 where id = $1")
        .bind(moved_id)
        .bind(other.0)
        .execute(&pool)
        .await
        .unwrap();

    let (a, b, c) = tokio::join!(
        ends_within(&mut logged_out, Duration::from_secs(5)),
        ends_within(&mut banned, Duration::from_secs(5)),
        ends_within(&mut moved, Duration::from_secs(5)),
    );
    assert_eq!((a, b, c), (true, true, true), "logged out, banned, moved");
    // The untouched viewer outlives several re-checks.
    assert!(!ends_within(&mut stays, Duration::from_millis(2500)).await);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_user_holds_at_most_five_streams_and_closing_one_frees_a_slot(pool: PgPool) {
    let app = app(pool.clone()).await;
    let (tower, _) = building(&pool, "Torre Central").await;
    user(&app, "conserje@x.cl", "concierge", "active", Some((tower, Uuid::nil()))).await;
    user(&app, "admin@x.cl", "admin", "active", None).await;
    let mut concierge = Client::default();
    concierge.log_in(&app, "conserje@x.cl", PASSWORD).await;
    // A second browser of the same person counts against the same cap.
    let mut second_browser = Client::default();
    second_browser.log_in(&app, "conserje@x.cl", PASSWORD).await;
    let mut admin = Client::default();
    admin.log_in(&app, "admin@x.cl", PASSWORD).await;

    let mut open = Vec::new();
    for i in 0..5 {
        let client = if i % 2 == 0 { &concierge } else { &second_browser };
        let (status, body) = open_stream(&app, client, tower).await;
        assert_eq!(status, StatusCode::OK, "stream {}", i + 1);
        open.push(body);
    }
    let (status, body) = open_stream(&app, &concierge, tower).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    let text = String::from_utf8(body.collect().await.unwrap().to_bytes().to_vec()).unwrap();
    assert_eq!(text, TOO_MANY_STREAMS);
    assert!(text.contains("demasiadas pantallas"));

    // Someone else is not limited by it.
    let (status, _admin_stream) = open_stream(&app, &admin, tower).await;
    assert_eq!(status, StatusCode::OK);

    // Closing one (the browser goes away) frees exactly one slot.
    drop(open.pop());
    let (status, again) = open_stream(&app, &second_browser, tower).await;
    assert_eq!(status, StatusCode::OK);
    open.push(again);
    assert_eq!(open_stream(&app, &concierge, tower).await.0, StatusCode::TOO_MANY_REQUESTS);
}
