//! A stored PII value that cannot be decrypted (a tampered ciphertext, one moved from another
//! row, a truncated one) is shown as "No disponible" on the screens that display it, never as
//! if nothing were stored, and the log names its table and column without the value.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod log_capture;

use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use log_capture::Captured;
use sqlx::PgPool;

async fn page(app: &TestApp, client: &mut Client, path: &str) -> String {
    let r = client.send(app, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{path}");
    r.body
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_unreadable_value_shows_as_unavailable_and_is_logged_without_it(pool: PgPool) {
    let logs = Captured::default();
    let _guard = logs.start();
    let app = app(pool).await;
    let pool = &app.state.pool;
    let b = building(pool, "Edificio Uno").await;
    let resident = user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    let pending = user(&app, "pend@x.cl", "resident", "pending", Some(b)).await;
    user(&app, "badm@x.cl", "building_admin", "active", Some(b)).await;
    let mut staff = Client::default();
    staff.log_in(&app, "badm@x.cl", PASSWORD).await;
    let r = staff
        .call(
            &app,
            "admin/blocklist_add",
            &[("kind", "email"), ("value", "vecino.molesto@x.cl"), ("reason", "Prueba"), ("building_id", "")],
        )
        .await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);

    // Readable first: every screen shows the masked values.
    let mut res = Client::default();
    res.log_in(&app, "res@x.cl", PASSWORD).await;
    let account = page(&app, &mut res, "/cuenta").await;
    assert!(account.contains("••.•••.678-5") && account.contains("+56 9 •••• 5678"), "{account}");
    assert!(!account.contains("No disponible"), "{account}");
    let approvals = page(&app, &mut staff, "/admin/residentes").await;
    assert!(approvals.contains("••.•••.678-5") && !approvals.contains("No disponible"), "{approvals}");
    let blocklist = page(&app, &mut staff, "/admin/bloqueos").await;
    assert!(blocklist.contains("vecino.molesto@x.cl") && !blocklist.contains("No disponible"), "{blocklist}");

    // The resident's phone loses a bit of its tag; the pending resident's RUT is the resident's
    // ciphertext (bound to another row); the blocked e-mail is cut short.
    sqlx::query("update users set phone_enc = set_byte(phone_enc, length(phone_enc) - 1, get_byte(phone_enc, length(phone_enc) - 1) # 1) where id = $1")
        .bind(resident)
        .execute(pool)
        .await
        .unwrap();
    sqlx::query(
        "update resident_profiles set rut_enc = (select rut_enc from resident_profiles where user_id = $1) where user_id = $2",
    )
    .bind(resident)
    .bind(pending)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("update blocklist_entries set value_enc = substring(value_enc from 1 for 10)")
        .execute(pool)
        .await
        .unwrap();

    // Each screen still answers, with "No disponible" where the value was, the rest intact.
    let account = page(&app, &mut res, "/cuenta").await;
    assert!(account.contains("Celular") && account.contains("No disponible"), "{account}");
    assert!(account.contains("••.•••.678-5") && !account.contains("5678<"), "{account}");
    let approvals = page(&app, &mut staff, "/admin/residentes").await;
    assert!(approvals.contains("No disponible") && !approvals.contains("678-5"), "{approvals}");
    assert!(approvals.contains("+56 9 •••• 5678"), "the phone is still readable: {approvals}");
    let blocklist = page(&app, &mut staff, "/admin/bloqueos").await;
    assert!(blocklist.contains("No disponible") && !blocklist.contains("vecino.molesto@x.cl"), "{blocklist}");
    assert!(blocklist.contains("Prueba"), "the entry is still listed: {blocklist}");

    // The log says which column of which table failed, and how; never the value.
    let text = logs.text();
    assert!(text.matches("stored PII value unreadable").count() >= 3, "{text}");
    for (table, column, why) in [
        ("users", "phone_enc", "failed authentication"),
        ("resident_profiles", "rut_enc", "failed authentication"),
        ("blocklist_entries", "value_enc", "truncated"),
    ] {
        assert!(
            text.lines()
                .any(|l| l.contains("stored PII value unreadable") && l.contains(table) && l.contains(column) && l.contains(why)),
            "{table}.{column}: {text}"
        );
    }
    for value in ["12345678", "912345678", "vecino.molesto"] {
        assert!(!text.contains(value), "{value} is in the logs: {text}");
    }
}
