//! No personal data or bearer tokens in URLs, logs and stored provider errors (issue 12, item 8):
//! searches by RUT or e-mail carry the term sealed in the URL, never in clear;
//! request logs name the matched route template (`/pase/{token}`), never a guest pass's raw path;
//! a provider's error text quoting the recipient's number is stored and logged masked.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod log_capture;

use axum::body::Body;
use axum::response::IntoResponse;
use common::*;
use http::{Request, StatusCode};
use log_capture::Captured;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn request_logs_name_the_route_template_not_the_guest_pass_token(pool: PgPool) {
    let logs = Captured::default();
    let _guard = logs.start();
    let app = app(pool).await;
    let token = "PaseSecreto0123456789abcdefXYZ";
    let r = Client::default()
        .send(&app, Request::get(format!("/pase/{token}")).body(Body::empty()).unwrap())
        .await;
    assert!(r.status.is_success() || r.status == StatusCode::NOT_FOUND, "{}", r.status);
    Client::default().who_am_i(&app).await;

    let text = logs.text();
    assert!(text.contains("http.route=/pase/{token}"), "{text}");
    assert!(text.contains("http.route=/api/identity/who_am_i"), "{text}");
    assert!(!text.contains(token), "the guest pass token is in the logs: {text}");
}

/// A Twilio that refuses every message the way it does a bad number, quoting it.
async fn refusing_twilio() -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let router = axum::Router::new().fallback(|| async {
        (
            StatusCode::BAD_REQUEST,
            axum::Json(serde_json::json!({
                "code": 21211,
                "message": "The 'To' number whatsapp:+56912345678 is not a valid phone number."
            })),
        )
            .into_response()
    });
    tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
    base
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_providers_error_is_stored_and_logged_with_the_number_masked(pool: PgPool) {
    let logs = Captured::default();
    let _guard = logs.start();
    let base = refusing_twilio().await;
    let app = app_with(
        pool,
        &[
            ("TWILIO_ACCOUNT_SID", "ACtest0000000000000000000000000000"),
            ("TWILIO_AUTH_TOKEN", "twilio-auth-token-de-prueba"),
            ("TWILIO_WHATSAPP_FROM", "whatsapp:+14155238886"),
            ("TWILIO_API_BASE", &base),
        ],
    )
    .await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    Client::default().call(&app, "identity/request_reset", &[("email", "res@x.cl")]).await;
    app.deliver().await;

    let (status, error): (String, String) =
        sqlx::query_as("select status, last_error from notifications where kind = 'password_reset'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(status, "failed");
    assert!(error.contains("21211") && error.contains("5678") && error.contains("not a valid phone number"), "{error}");
    assert!(!error.contains("56912345678") && !error.contains("912345678"), "{error}");
    let text = logs.text();
    assert!(text.contains("message failed") && text.contains("21211"), "{text}");
    assert!(!text.contains("912345678"), "the number is in the logs: {text}");
}

/// Posts a screen's search form as the browser does (plain form, our Origin), without
/// following the redirect.
async fn search(app: &TestApp, client: &mut Client, form: &[(&str, &str)]) -> Reply {
    let body = form.iter().map(|(k, v)| format!("{k}={}", urlencode(v))).collect::<Vec<_>>().join("&");
    let req = Request::post("/admin/buscar")
        .header(http::header::ORIGIN, ORIGIN)
        .header(http::header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body))
        .unwrap();
    client.send(app, req).await
}

async fn page(app: &TestApp, client: &mut Client, path: &str) -> String {
    let r = client.send(app, Request::get(path).body(Body::empty()).unwrap()).await;
    assert_eq!(r.status, StatusCode::OK, "{path}");
    r.body
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn searches_by_rut_or_email_never_put_the_term_in_a_url(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "badm@x.cl", "building_admin", "active", Some(b)).await;
    user(&app, "conserje.buscado@x.cl", "concierge", "active", Some(b)).await;
    user(&app, "vecina.buscada@x.cl", "resident", "active", Some(b)).await;
    user(&app, "otro.admin@x.cl", "admin", "active", None).await;
    let mut staff = Client::default();
    staff.log_in(&app, "badm@x.cl", PASSWORD).await;
    for (kind, value) in [("rut", "12.345.678-5"), ("plate", "KHJT52")] {
        let r = staff
            .call(&app, "admin/blocklist_add", &[("kind", kind), ("value", value), ("reason", "Prueba"), ("building_id", "")])
            .await;
        assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
    }

    // The search form posts; the screen's URL carries the term sealed, not in clear.
    let html = page(&app, &mut staff, "/admin/bloqueos").await;
    assert!(html.contains(r#"action="/admin/buscar""#) && !html.contains(r#"method="GET""#), "{html}");
    let screens = [
        ("/admin/bloqueos", "12.345.678-5", ["12.345.678", "12345678"], r#"data-testid="blocklist-entry""#),
        ("/admin/personal", "conserje.buscado@x.cl", ["conserje.buscado", "conserje.buscado"], r#"data-testid="staff-row""#),
        ("/admin/residentes/todos", "vecina.buscada@x.cl", ["vecina.buscada", "vecina.buscada"], r#"data-testid="resident-row""#),
    ];
    for (screen, term, forbidden, row) in screens {
        let r = search(&app, &mut staff, &[("volver", screen), ("edificio", ""), ("estado", ""), ("buscar", term)]).await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{screen}: {}", r.body);
        let location = r.header("location").unwrap().to_string();
        assert!(location.starts_with(&format!("{screen}?buscar=s1.")), "{location}");
        for f in forbidden {
            assert!(!location.contains(f) && !location.contains(&urlencode(f)), "{screen}: {location}");
        }
        // The screen searches with it and shows the term in the box, not in any link.
        let html = page(&app, &mut staff, &location).await;
        assert!(html.contains(&format!(r#"value="{term}""#)), "{screen}: the box shows the term");
        assert_eq!(html.matches(row).count(), 1, "{screen}: one match: {html}");
        for link in html.split("href=\"").skip(1).map(|h| h.split('"').next().unwrap()) {
            assert!(!forbidden.iter().any(|f| link.contains(f)), "{screen}: {link}");
        }
        // Sealed for this staff member: another opens the link and finds no search in it.
        let mut other = Client::default();
        other.log_in(&app, "otro.admin@x.cl", PASSWORD).await;
        let html = page(&app, &mut other, &location).await;
        assert!(!html.contains(&format!(r#"value="{term}""#)), "{screen}: another staff member read the term");
    }
    // The audit screen's "who" filter (a name or an e-mail) travels sealed as well, and the
    // filters that are not personal data stay readable beside it.
    let html = page(&app, &mut staff, "/admin/auditoria").await;
    assert!(html.contains(r#"action="/admin/buscar""#) && !html.contains(r#"method="GET""#), "{html}");
    let r = search(&app, &mut staff, &[("volver", "/admin/auditoria"), ("actor", "badm@x.cl"), ("accion", "blocklist.")]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let location = r.header("location").unwrap().to_string();
    assert!(location.starts_with("/admin/auditoria?accion=blocklist.&actor=s1."), "{location}");
    assert!(!location.contains("badm"), "{location}");
    let html = page(&app, &mut staff, &location).await;
    assert!(html.contains(r#"value="badm@x.cl""#), "the box shows the term");
    assert!(html.matches(r#"data-testid="audit-row""#).count() >= 1, "the staff member's blocklist additions are found: {html}");
    let r = search(&app, &mut staff, &[("volver", "/admin/auditoria"), ("actor", "nadie@x.cl")]).await;
    let html = page(&app, &mut staff, r.header("location").unwrap()).await;
    assert!(html.contains("0 registros."), "an unknown person matches nothing");

    // The blocklist's remove links keep the sealed filter (as the pager does).
    let r = search(&app, &mut staff, &[("volver", "/admin/bloqueos"), ("buscar", "12.345.678-5")]).await;
    let location = r.header("location").unwrap().to_string();
    let sealed = location.split("buscar=").nth(1).unwrap().to_string();
    let html = page(&app, &mut staff, &location).await;
    assert!(html.contains(&format!("buscar={sealed}&amp;pagina=1&amp;eliminar=")), "{html}");

    // Only the listed screens, and only for staff.
    let r = search(&app, &mut staff, &[("volver", "https://evil.example/"), ("buscar", "x")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = search(&app, &mut Client::default(), &[("volver", "/admin/bloqueos"), ("buscar", "x")]).await;
    assert_eq!(r.header("location"), Some("/ingresar"));
}
