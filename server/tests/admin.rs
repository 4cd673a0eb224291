//! The administration tools through the real router: blocklist scope, the CSV export, and a
//! ban ending the resident's open session.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin_support;
mod common;

use admin_support::*;
use axum::body::Body;
use common::*;
use http::{header, Request, StatusCode};
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_building_admin_cannot_list_or_delete_another_buildings_entry(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    let admin_a = user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "adm.b@x.cl", "building_admin", "active", Some(b)).await;
    let entry = blocked_plate(&app, Some(a.0), "KHJT52", admin_a).await;

    let mut ca = Client::default();
    ca.log_in(&app, "adm.a@x.cl", PASSWORD).await;
    let r = ca.call(&app, "admin/blocklist", &[("edificio", ""), ("buscar", "khjt 52")]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.body.contains("KHJT-52"), "{}", r.body);

    let mut cb = Client::default();
    cb.log_in(&app, "adm.b@x.cl", PASSWORD).await;
    let r = cb.call(&app, "admin/blocklist", &[("edificio", &a.0.to_string()), ("buscar", "")]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(!r.body.contains("KHJT") && !r.body.contains("Alfa"), "{}", r.body);
    let r = cb.call(&app, "admin/blocklist_remove", &[("entry_id", &entry.to_string())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND, "{}", r.body);
    let still: i64 = sqlx::query_scalar("select count(*) from blocklist_entries where id = $1")
        .bind(entry)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(still, 1);

    // A duplicate added through the form is a field error on `value`, answered 400.
    let r = ca
        .call(
            &app,
            "admin/blocklist_add",
            &[("kind", "plate"), ("value", "KHJT-52"), ("reason", "Otra vez"), ("building_id", "")],
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.body);
    assert!(r.body.contains("\"field\":\"value\"") && r.body.contains("ya está en la lista"), "{}", r.body);

    // Without JavaScript, the confirmed removal redirects back to the list.
    let req = Request::post("/api/admin/blocklist_remove")
        .header(header::ORIGIN, ORIGIN)
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ACCEPT, "text/html")
        .header(header::REFERER, format!("{ORIGIN}/admin/bloqueos?eliminar={entry}"))
        .body(Body::from(format!("entry_id={entry}")))
        .unwrap();
    let r = ca.send(&app, req).await;
    assert_eq!(r.status, StatusCode::FOUND);
    assert_eq!(r.header("location"), Some("/admin/bloqueos?eliminado=1"));
}

async fn csv(client: &mut Client, app: &TestApp, query: &str) -> Reply {
    let req = Request::get(format!("/admin/reservas/exportar?{query}")).body(Body::empty()).unwrap();
    client.send(app, req).await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_csv_export_is_excel_ready_and_scoped(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    let ra = user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    let rb = user(&app, "res.b@x.cl", "resident", "active", Some(b)).await;
    booking(&app.state.pool, a.0, ra, "KHJT52", "ABCD2345").await;
    booking(&app.state.pool, a.0, ra, "BBBB12", "EFGH2345").await;
    booking(&app.state.pool, b.0, rb, "CCCC12", "JKMN2345").await;
    user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "adm@x.cl", "admin", "active", None).await;

    let mut anon = Client::default();
    let r = csv(&mut anon, &app, "").await;
    assert_eq!((r.status, r.header("location")), (StatusCode::SEE_OTHER, Some("/ingresar")));
    let mut res = Client::default();
    res.log_in(&app, "res.a@x.cl", PASSWORD).await;
    assert_eq!(csv(&mut res, &app, "").await.status, StatusCode::FORBIDDEN);

    let mut c = Client::default();
    c.log_in(&app, "adm.a@x.cl", PASSWORD).await;
    // Pinned to their building even when asking for another.
    let r = csv(&mut c, &app, &format!("edificio={}&buscar=khjt-52", b.0)).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.header("content-type"), Some("text/csv; charset=utf-8"));
    assert!(r.header("content-disposition").unwrap().starts_with("attachment; filename=\"reservas-"));
    assert!(r.body.starts_with('\u{feff}'), "UTF-8 byte-order mark");
    let lines: Vec<&str> = r.body.trim_start_matches('\u{feff}').split("\r\n").filter(|l| !l.is_empty()).collect();
    assert_eq!(lines[0], "Código;Edificio;Estacionamiento;Inicio;Término;Visita;Patente;Estado;Monto (CLP);Id");
    assert_eq!(lines.len(), 2, "{lines:?}");
    let fields: Vec<&str> = lines[1].split(';').collect();
    assert_eq!(
        (fields[0], fields[1], fields[6], fields[7], fields[8]),
        ("ABCD2345", "Torre Alfa", "KHJT-52", "Confirmada", "5000")
    );
    assert!(regex_like_date(fields[3]), "{}", fields[3]);

    let r = csv(&mut c, &app, "").await;
    assert!(!r.body.contains("Beta") && !r.body.contains("CCCC") && r.body.contains("EFGH2345"));

    let mut adm = Client::default();
    adm.log_in(&app, "adm@x.cl", PASSWORD).await;
    let r = csv(&mut adm, &app, "estado=confirmed").await;
    assert_eq!(r.body.matches("\r\n").count(), 4, "header and three bookings");
    let r = csv(&mut adm, &app, &format!("edificio={}", b.0)).await;
    assert!(r.body.contains("JKMN2345") && !r.body.contains("Alfa"));
    let r = csv(&mut adm, &app, "desde=nope").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// `dd-mm-yyyy HH:MM`.
fn regex_like_date(s: &str) -> bool {
    let b = s.as_bytes();
    s.len() == 16
        && b.iter().enumerate().all(|(i, c)| match i {
            2 | 5 => *c == b'-',
            10 => *c == b' ',
            13 => *c == b':',
            _ => c.is_ascii_digit(),
        })
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_banned_residents_open_session_ends_on_the_next_request(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let resident = user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    let mut r = Client::default();
    r.log_in(&app, "res.a@x.cl", PASSWORD).await;
    assert!(r.who_am_i(&app).await.contains("resident"));
    assert_eq!(r.call(&app, "booking/mine", &[]).await.status, StatusCode::OK);

    let mut admin = Client::default();
    admin.log_in(&app, "adm.a@x.cl", PASSWORD).await;
    let short = admin.call(&app, "admin/resident_ban", &[("user_id", &resident.to_string()), ("reason", "")]).await;
    assert_eq!(short.status, StatusCode::BAD_REQUEST);
    let ban = admin
        .call(&app, "admin/resident_ban", &[("user_id", &resident.to_string()), ("reason", "Daños al portón")])
        .await;
    assert!(ban.status.is_success(), "{}: {}", ban.status, ban.body);

    // The resident's open session is refused on its very next request, and login is refused.
    assert_eq!(r.call(&app, "booking/mine", &[]).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.who_am_i(&app).await, "null");
    let again = Client::default().log_in(&app, "res.a@x.cl", PASSWORD).await;
    assert_ne!(again.header("location"), Some("/buscar"));

    let unban = admin.call(&app, "admin/resident_restore", &[("user_id", &resident.to_string())]).await;
    assert!(unban.status.is_success(), "{}", unban.body);
    let mut back = Client::default();
    assert_eq!(back.log_in(&app, "res.a@x.cl", PASSWORD).await.header("location"), Some("/buscar"));
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_log where entity_id = $1 and action like 'resident.%' order by id")
            .bind(resident.to_string())
            .fetch_all(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(actions, ["resident.banned", "resident.unbanned"]);
}

/// A payment of `booking` and a refund of it that failed at the gateway.
async fn failed_refund(pool: &PgPool, booking: uuid::Uuid) -> uuid::Uuid {
    let payment: uuid::Uuid = sqlx::query_scalar(
        "insert into payments (booking_id, provider, amount_clp, status, approved_at)
         values ($1, 'simulator', 5000, 'approved', now()) returning id",
    )
    .bind(booking)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "update bookings set status = 'cancelled', cancelled_at = now(), payment_status = 'refund_pending' where id = $1",
    )
    .bind(booking)
    .execute(pool)
    .await
    .unwrap();
    sqlx::query_scalar(
        "insert into refunds (booking_id, payment_id, amount_clp, status, idempotency_key, attempts, last_error,
                              failed_at, next_attempt_at)
         values ($1, $2, 5000, 'failed', 'refund-' || gen_random_uuid(), 12, 'HTTP 500', now(), null) returning id",
    )
    .bind(booking)
    .bind(payment)
    .fetch_one(pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_failed_refund_is_listed_exported_and_retried_without_javascript_in_scope(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    let ra = user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    let failed = booking(&app.state.pool, a.0, ra, "KHJT52", "ABCD2345").await;
    booking(&app.state.pool, a.0, ra, "BBBB12", "EFGH2345").await;
    let refund = failed_refund(&app.state.pool, failed).await;
    user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "adm.b@x.cl", "building_admin", "active", Some(b)).await;
    user(&app, "conserje@x.cl", "concierge", "active", Some(a)).await;

    let mut c = Client::default();
    c.log_in(&app, "adm.a@x.cl", PASSWORD).await;
    // The export shares the list's filter.
    let r = csv(&mut c, &app, "reembolso=fallido").await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("ABCD2345") && !r.body.contains("EFGH2345"), "{}", r.body);
    // The list page, rendered on the server: the refund column, the filter kept by the form,
    // and the retry button of the failed one.
    let req = Request::get("/admin/reservas?reembolso=fallido")
        .header(header::ACCEPT, "text/html")
        .body(Body::empty())
        .unwrap();
    let page = c.send(&app, req).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains(r#"<option value="fallido" selected"#), "{}", page.body);
    assert_eq!(page.body.matches(r#"data-testid="retry-refund""#).count(), 1, "{}", page.body);
    assert!(!page.body.contains("EFGH2345"));

    let retry = |referer: &'static str| {
        Request::post("/api/payments/retry_refund")
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "text/html")
            .header(header::REFERER, format!("{ORIGIN}{referer}"))
            .body(Body::from(format!("booking_id={failed}")))
            .unwrap()
    };
    // Another building's admin and the concierge cannot retry it; nothing is attempted.
    for email in ["adm.b@x.cl", "conserje@x.cl"] {
        let mut other = Client::default();
        other.log_in(&app, email, PASSWORD).await;
        let r = other.call(&app, "payments/retry_refund", &[("booking_id", &failed.to_string())]).await;
        assert!(matches!(r.status, StatusCode::NOT_FOUND | StatusCode::FORBIDDEN), "{email}: {} {}", r.status, r.body);
    }
    let attempts: i32 = sqlx::query_scalar("select attempts from refunds where id = $1")
        .bind(refund)
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(attempts, 12);

    // The building's admin retries it (also after the automatic retries gave up).
    let r = c.send(&app, retry("/admin/reservas?reembolso=fallido")).await;
    assert_eq!(r.status, StatusCode::FOUND, "{}", r.body);
    assert_eq!(r.header("location"), Some("/admin/reservas?reembolso=fallido"));
    let (status, payment_status): (String, String) =
        sqlx::query_as("select r.status, k.payment_status from refunds r join bookings k on k.id = r.booking_id where r.id = $1")
            .bind(refund)
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), payment_status.as_str()), ("succeeded", "refunded"));
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'payment.refund_retry_requested' and entity_id = $1 and actor_id is not null",
    )
    .bind(refund.to_string())
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // Nothing failed is left: the dashboard says so.
    let req = Request::get("/admin").header(header::ACCEPT, "text/html").body(Body::empty()).unwrap();
    let dash = c.send(&app, req).await;
    assert!(dash.body.contains("Sin reembolsos fallidos"), "{}", dash.body);
    assert!(dash.body.contains(r#"href="/admin/reservas?reembolso=fallido""#), "{}", dash.body);
}
