//! The built-in payment simulator through the real router: the signed checkout page, the three
//! decisions and their result pages, and every way of forging a confirmation (no signature, a
//! bad one, another booking's, another amount, another resident, a lapsed hold) refused with no
//! payment recorded.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod payments_support;

use common::*;
use http::StatusCode;
use payments_support::*;
use sqlx::PgPool;
use uuid::Uuid;

/// The simulator link `/pago/ir/{booking}` redirects to: `(path, firma)`.
async fn checkout_link(app: &TestApp, client: &mut Client, booking: Uuid) -> (String, String) {
    let r = client.send(app, page(&format!("/pago/ir/{booking}"))).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let location = r.header("location").unwrap().to_string();
    let prefix = format!("/pago/simulador/{booking}?firma=");
    assert!(location.starts_with(&prefix), "{location}");
    let firma = location[prefix.len()..].to_string();
    (location, firma)
}

async fn confirm(app: &TestApp, client: &mut Client, booking: &str, firma: &str, monto: &str, decision: &str) -> Reply {
    client
        .call(
            app,
            "payments/simulator_confirm",
            &[("booking_id", booking), ("firma", firma), ("monto", monto), ("decision", decision)],
        )
        .await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn approving_on_the_signed_page_confirms_and_shows_the_receipt(pool: PgPool) {
    let app = app(pool).await;
    let mut f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    let (link, firma) = checkout_link(&app, &mut f.client, b).await;

    let page_html = f.client.send(&app, page(&link)).await;
    assert_eq!(page_html.status, StatusCode::OK);
    for text in [
        "Simulador de pago",
        "Torre Central",
        "V-07",
        "Pedro Pérez",
        "KHJT-52",
        "$5.000",
        "Aprobar",
        "Rechazar",
        "Dejar pendiente",
    ] {
        assert!(page_html.body.contains(text), "{text} missing");
    }
    assert!(!page_html.body.contains("style="), "no inline styles (CSP)");

    let r = confirm(&app, &mut f.client, &b.to_string(), &firma, "5000", "aprobar").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("location"), Some(format!("/pago/exito?reserva={b}").as_str()));
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("confirmed", "paid", "reserved"));
    let (provider, status, amount): (String, String, i64) = sqlx::query_as("select provider, status, amount_clp from payments")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!((provider.as_str(), status.as_str(), amount), ("simulator", "approved", 5000));
    // A second click is harmless.
    let again = confirm(&app, &mut f.client, &b.to_string(), &firma, "5000", "aprobar").await;
    assert_eq!(again.status, StatusCode::OK);
    assert_eq!(count(&app.state.pool, "select count(*) from payments").await, 1);

    let receipt = f.client.send(&app, page(&format!("/pago/exito?reserva={b}"))).await;
    assert_eq!(receipt.status, StatusCode::OK);
    let code: String = sqlx::query_scalar("select confirmation_code from bookings")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let formatted = format!("{}-{}", &code[..4], &code[4..]);
    assert_eq!(testid_text(&receipt.body, "confirmation-code").as_deref(), Some(formatted.as_str()));
    assert_eq!(testid_text(&receipt.body, "amount").as_deref(), Some("$5.000"));
    // The block's local day, written as the receipt writes it ("martes, 15 de enero").
    let day = app::domain::format::long_date(start(0).with_timezone(&chrono_tz::America::Santiago).date_naive());
    for text in [
        "Reserva confirmada",
        "Torre Central",
        "Av. Providencia 1234",
        "V-07",
        day.as_str(),
        "20:00 – 07:00 (día siguiente)",
        "Pedro Pérez · Patente: KHJT-52",
    ] {
        assert!(receipt.body.contains(text), "{text} missing from the receipt");
    }
    // Someone else's receipt does not exist for them.
    let mut neighbour = Client::default();
    resident(&app, f.building, "vecino@x.cl").await;
    neighbour.log_in(&app, "vecino@x.cl", PASSWORD).await;
    let other = neighbour.send(&app, page(&format!("/pago/exito?reserva={b}"))).await;
    assert_eq!(other.status, StatusCode::NOT_FOUND);
    assert!(other.body.contains("No encontrado.") && !other.body.contains(&formatted));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn rejecting_cancels_and_frees_and_leaving_pending_changes_nothing(pool: PgPool) {
    let app = app(pool).await;
    let mut f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    let (_, firma) = checkout_link(&app, &mut f.client, b).await;

    let r = confirm(&app, &mut f.client, &b.to_string(), &firma, "$5.000", "pendiente").await;
    assert_eq!(r.header("location"), Some(format!("/pago/pendiente?reserva={b}").as_str()));
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("pending", "pending", "reserved"));
    let pending = f.client.send(&app, page(&format!("/pago/pendiente?reserva={b}"))).await;
    assert!(pending.body.contains("Pago pendiente") && pending.body.contains("Guardamos el estacionamiento"));
    assert!(pending.body.contains(&format!("href=\"/pago/ir/{b}\"")), "pay again from the pending page");

    let r = confirm(&app, &mut f.client, &b.to_string(), &firma, "5000", "rechazar").await;
    assert_eq!(r.header("location"), Some(format!("/pago/fallido?reserva={b}").as_str()));
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("cancelled", "failed", "available"));
    let failed = f.client.send(&app, page(&format!("/pago/fallido?reserva={b}"))).await;
    assert!(failed.body.contains("Pago no completado") && failed.body.contains("href=\"/buscar\""));
    // A rejected booking cannot be approved afterwards.
    let late = confirm(&app, &mut f.client, &b.to_string(), &firma, "5000", "aprobar").await;
    assert_eq!(late.status, StatusCode::CONFLICT);
    assert_eq!(state(&app.state.pool, b).await.0, "cancelled");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn forged_confirmations_are_refused_and_record_nothing(pool: PgPool) {
    let app = app(pool).await;
    let mut f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    let other = booking(&app, &f, &f.resident, 1).await;
    let (_, firma) = checkout_link(&app, &mut f.client, b).await;
    let (_, other_firma) = checkout_link(&app, &mut f.client, other).await;
    let id = b.to_string();

    // Posting by hand: no signature, a made-up one, another booking's, another amount.
    for (case, firma, monto) in [
        ("no signature", "", "5000"),
        ("made-up signature", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "5000"),
        ("another booking's signature", other_firma.as_str(), "5000"),
        ("another amount", firma.as_str(), "1"),
        ("unreadable amount", firma.as_str(), "gratis"),
    ] {
        let r = confirm(&app, &mut f.client, &id, firma, monto, "aprobar").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{case}: {}", r.body);
        assert!(r.body.contains("El enlace de pago no es válido"), "{case}");
    }
    // A signature minted for another amount with the server's own key is refused too.
    let signer = app.state.simulator.clone().unwrap();
    let hold: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select hold_expires_at from bookings where id = $1")
        .bind(b)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let cheap = signer.sign(b, app::domain::money::Clp::new(1), hold);
    for monto in ["1", "5000"] {
        let r = confirm(&app, &mut f.client, &id, &cheap, monto, "aprobar").await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "cheap signature, monto {monto}");
    }

    // Another resident with the real link: not found. Nobody logged in: must log in.
    resident(&app, f.building, "vecino@x.cl").await;
    let mut neighbour = Client::default();
    neighbour.log_in(&app, "vecino@x.cl", PASSWORD).await;
    let r = confirm(&app, &mut neighbour, &id, &firma, "5000", "aprobar").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = neighbour.send(&app, page(&format!("/pago/simulador/{b}?firma={firma}"))).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = confirm(&app, &mut Client::default(), &id, &firma, "5000", "aprobar").await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);

    // A cross-site form post never reaches the server function.
    let forged = http::Request::post("/api/payments/simulator_confirm")
        .header(http::header::ORIGIN, "https://evil.example")
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("booking_id={id}&firma={firma}&monto=5000&decision=aprobar")))
        .unwrap();
    assert_eq!(f.client.send(&app, forged).await.status, StatusCode::FORBIDDEN);

    // The hold lapsed: the link is dead even before the expiry job runs.
    sqlx::query("update bookings set hold_expires_at = now() - interval '1 second' where id = $1")
        .bind(b)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let lapsed = signer.sign(b, app::domain::money::Clp::new(5000), hold - chrono::TimeDelta::hours(1));
    let r = confirm(&app, &mut f.client, &id, &lapsed, "5000", "aprobar").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN, "a link signed for another expiry");

    let expiry: chrono::DateTime<chrono::Utc> = sqlx::query_scalar("select hold_expires_at from bookings where id = $1")
        .bind(b)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    let current = signer.sign(b, app::domain::money::Clp::new(5000), expiry);
    let r = confirm(&app, &mut f.client, &id, &current, "5000", "aprobar").await;
    assert_eq!(r.status, StatusCode::CONFLICT, "{}", r.body);
    assert!(r.body.contains("El plazo para pagar"));

    assert_eq!(tuple(&state(&app.state.pool, b).await), ("pending", "pending", "reserved"));
    assert_eq!(state(&app.state.pool, other).await.0, "pending");
    assert_eq!(count(&app.state.pool, "select count(*) from payments where status <> 'pending'").await, 0);
    assert_eq!(count(&app.state.pool, "select count(*) from payment_events").await, 0);
    // The real link still works for its owner on the other booking.
    let r = confirm(&app, &mut f.client, &other.to_string(), &other_firma, "5000", "aprobar").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(state(&app.state.pool, other).await.0, "confirmed");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_cancel_page_shows_the_refund_before_and_after(pool: PgPool) {
    let app = app(pool).await;
    let mut f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    let (_, firma) = checkout_link(&app, &mut f.client, b).await;
    confirm(&app, &mut f.client, &b.to_string(), &firma, "5000", "aprobar").await;

    let before = f.client.send(&app, page(&format!("/reservas/cancelar?reserva={b}"))).await;
    assert_eq!(before.status, StatusCode::OK);
    assert_eq!(testid_text(&before.body, "refund-amount").as_deref(), Some("$4.500"));
    assert!(before.body.contains("Confirmar cancelación"));
    // A plain form post, as a browser without JavaScript sends it: back to the page.
    let post = http::Request::post("/api/payments/cancel_booking")
        .header(http::header::ORIGIN, ORIGIN)
        .header(http::header::ACCEPT, "text/html")
        .header(http::header::REFERER, format!("{ORIGIN}/reservas/cancelar?reserva={b}"))
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(axum::body::Body::from(format!("booking_id={b}")))
        .unwrap();
    let r = f.client.send(&app, post).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    let after = f.client.send(&app, page(&format!("/reservas/cancelar?reserva={b}"))).await;
    assert!(after.body.contains("Cancelada") && after.body.contains("Reembolso realizado."), "{}", after.body);
    assert!(!after.body.contains("Confirmar cancelación"));
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("cancelled", "partially_refunded", "available"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_expiry_job_frees_lapsed_holds_and_the_dead_link_says_why(pool: PgPool) {
    let app = app(pool).await;
    let mut f = fixture(&app, "camila@x.cl").await;
    let b = booking(&app, &f, &f.resident, 0).await;
    let (link, _) = checkout_link(&app, &mut f.client, b).await;
    let now = chrono::Utc::now() + chrono::TimeDelta::minutes(16);
    let ran = server::payments::jobs::expire_holds(&app.state.pool, now).await.unwrap();
    assert_eq!(ran, serde_json::json!({ "expired": 1 }));
    assert_eq!(tuple(&state(&app.state.pool, b).await), ("cancelled", "pending", "available"));
    let page_html = f.client.send(&app, page(&link)).await;
    assert!(page_html.body.contains("ya no está pendiente de pago"), "{}", page_html.body);
    let failed = f.client.send(&app, page(&format!("/pago/fallido?reserva={b}"))).await;
    assert!(failed.body.contains("Pago no completado") && !failed.body.contains("/pago/ir/"));
    let retried = server::payments::jobs::retry_refunds(&app.state.pool, &*app.state.gateway, now).await.unwrap();
    assert_eq!(retried["attempted"], 0);
}
