//! One-time secrets are never readable by staff (issue 12, item 1): a password-reset code exists
//! in clear only in the request to Twilio. The stored message, the messages screen of every staff
//! role, the audit trail, the outbox and the logs carry the mask; the development outbox shows
//! the code only in development and only to platform admins. Booking audit rows carry no
//! confirmation code.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod bus_support;
mod common;
mod log_capture;
mod payments_support;

use app::domain::secret::MASK;
use bus_support::FakeTwilio;
use common::*;
use http::StatusCode;
use log_capture::Captured;
use sqlx::PgPool;

const NEW_PASSWORD: &str = "Otra.Clave.Larga.2027";

/// The six digits after "Tu código es:" in a message text, if there are six.
fn code_in(text: &str) -> Option<String> {
    let rest = &text[text.find("Tu código es:")?..];
    let digits: String = rest.chars().skip_while(|c| !c.is_ascii_digit()).take_while(char::is_ascii_digit).collect();
    (digits.len() == 6).then_some(digits)
}

/// Staff of every role that opens `/admin/mensajes`, logged in: (role, client).
async fn staff(app: &TestApp, b: (uuid::Uuid, uuid::Uuid)) -> Vec<(&'static str, Client)> {
    let mut out = Vec::new();
    for (role, email) in [("building_admin", "badm@x.cl"), ("support", "soporte@x.cl"), ("admin", "otro.admin@x.cl")] {
        user(app, email, role, "active", Some(b)).await;
        let mut c = Client::default();
        assert_eq!(c.log_in(app, email, PASSWORD).await.status, StatusCode::OK, "{role}");
        out.push((role, c));
    }
    out
}

/// The reset-code message bodies `client` sees at `/admin/mensajes`.
async fn reset_bodies(app: &TestApp, client: &mut Client) -> Vec<String> {
    let r = client.call(app, "messages/list", &[]).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let rows: Vec<app::messages::MessageView> = serde_json::from_str(&r.body).unwrap();
    rows.into_iter().filter(|m| m.kind == "Código de recuperación").map(|m| m.body).collect()
}

/// Asks for a reset of `email` as anyone can (the support agent of the attack, logged out).
async fn request_reset(app: &TestApp, email: &str) {
    let r = Client::default().call(app, "identity/request_reset", &[("email", email)]).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
}

/// The code really works: it resets the password, and the new password logs in.
async fn reset_with(app: &TestApp, email: &str, code: &str) {
    let r = Client::default()
        .call(app, "identity/confirm_reset", &[("email", email), ("code", code), ("password", NEW_PASSWORD)])
        .await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{}", r.body);
    assert_eq!(Client::default().log_in(app, email, NEW_PASSWORD).await.status, StatusCode::OK);
}

/// Every place in the database a staff screen, an export or an operator reads text from.
async fn stored_text(app: &TestApp) -> String {
    sqlx::query_scalar(
        "select concat_ws(' ',
                (select string_agg(rendered_body || coalesce(template_variables::text, '') || coalesce(last_error, ''), ' ')
                   from notifications),
                (select string_agg(metadata::text, ' ') from audit_log),
                (select string_agg(payload::text || coalesce(last_error, ''), ' ') from outbox))",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_reset_code_reaches_twilio_and_no_staff_screen_stored_text_or_log(pool: PgPool) {
    let logs = Captured::default();
    let _guard = logs.start();
    let twilio = FakeTwilio::start().await;
    let vars: Vec<(&str, String)> = twilio.vars();
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let app = app_with(pool, &vars).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "admin@x.cl", "admin", "active", None).await;
    let mut staff = staff(&app, b).await;

    request_reset(&app, "admin@x.cl").await;
    app.deliver().await;

    // Twilio received the real code: the only place it is in clear.
    let form = {
        let log = twilio.log.lock().unwrap();
        assert!(log.violations.is_empty(), "{:?}", log.violations);
        assert_eq!(log.forms.len(), 1);
        log.forms[0].clone()
    };
    let code = code_in(&form["Body"]).unwrap_or_else(|| panic!("no code sent: {}", form["Body"]));

    // No staff role reads it; each sees the mask (building admins do not see a platform admin's
    // message at all).
    for (role, client) in &mut staff {
        let bodies = reset_bodies(&app, client).await;
        assert_eq!(bodies.len(), usize::from(*role != "building_admin"), "{role}: {bodies:?}");
        for body in bodies {
            assert!(!body.contains(&code) && body.contains(MASK), "{role}: {body}");
        }
    }
    let stored = stored_text(&app).await;
    assert!(!stored.contains(&code), "stored in clear: {stored}");
    assert!(stored.contains(MASK));
    // Sent through Twilio: nothing is kept, not even sealed.
    let sealed: i64 = sqlx::query_scalar("select count(*) from notifications where secret_enc is not null")
        .fetch_one(&app.state.pool)
        .await
        .unwrap();
    assert_eq!(sealed, 0);

    reset_with(&app, "admin@x.cl", &code).await;
    let logs = logs.text();
    // The capture is live on this test's thread (the start-up lines of this app are in it).
    assert!(logs.contains("whatsapp: twilio"), "the capture saw this app: {logs}");
    assert!(!logs.contains(&code), "the code is in the logs");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn in_development_only_a_platform_admin_reads_the_code_in_the_development_outbox(pool: PgPool) {
    let app = app_with(pool, &[("APP_ENV", "development")]).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "target@x.cl", "building_admin", "active", Some(b)).await;
    let mut staff = staff(&app, b).await;

    request_reset(&app, "target@x.cl").await;
    app.deliver().await;

    let mut revealed = None;
    for (role, client) in &mut staff {
        let bodies = reset_bodies(&app, client).await;
        assert_eq!(bodies.len(), 1, "{role}: {bodies:?}");
        let code = code_in(&bodies[0]);
        if *role == "admin" {
            revealed = code;
        } else {
            assert!(code.is_none() && bodies[0].contains(MASK), "{role}: {}", bodies[0]);
        }
    }
    let code = revealed.expect("the platform admin reads the code of the development outbox");
    assert!(!stored_text(&app).await.contains(&code));
    reset_with(&app, "target@x.cl", &code).await;
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn outside_development_not_even_a_platform_admin_reads_the_code(pool: PgPool) {
    let app = app_with(pool, &[("APP_ENV", "test")]).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "target@x.cl", "support", "active", None).await;
    let mut staff = staff(&app, b).await;

    request_reset(&app, "target@x.cl").await;
    app.deliver().await;

    for (role, client) in &mut staff {
        for body in reset_bodies(&app, client).await {
            assert!(code_in(&body).is_none() && body.contains(MASK), "{role}: {body}");
        }
    }
    let (admin, client) = &mut staff[2];
    assert_eq!(*admin, "admin");
    assert_eq!(reset_bodies(&app, client).await.len(), 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_booking_audit_row_names_the_booking_not_its_confirmation_code(pool: PgPool) {
    let app = app(pool).await;
    let f = payments_support::fixture(&app, "residente@x.cl").await;
    let id = payments_support::booking(&app, &f, &f.resident, 1).await;
    let (code, metadata): (String, String) = sqlx::query_as(
        "select k.confirmation_code, a.metadata::text
           from bookings k join audit_log a on a.entity_id = k.id::text and a.action = 'booking.created'
          where k.id = $1",
    )
    .bind(id)
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert!(!metadata.contains(&code), "{metadata}");
}

/// The migration that introduced sealed secrets scrubs the codes stored in clear before it.
#[sqlx::test(migrations = false)]
async fn the_migration_scrubs_reset_codes_stored_in_clear(pool: PgPool) {
    const SCRUB: i64 = 20261207130100;
    let mut conn = pool.acquire().await.unwrap();
    for m in server::MIGRATOR.iter().filter(|m| m.version < SCRUB) {
        sqlx::raw_sql(&m.sql).execute(&mut *conn).await.unwrap();
    }
    for (key, status) in [("password_reset:sent", "sent"), ("password_reset:pending", "pending")] {
        sqlx::query(
            "insert into notifications (kind, audience, recipient_bidx, recipient_enc, idempotency_key, status,
                                        sent_at, rendered_body, template_variables)
             values ('password_reset', 'user', '\\x00000000000000000000000000000000', '\\x00', $1, $2,
                     case when $2 = 'sent' then now() end,
                     E'🔐 *Estacionate · Recuperación de contraseña*\\n\\nTu código es: *042917*\\n\\nVence en 10 minutos.',
                     '{\"1\": \"042917\"}')",
        )
        .bind(key)
        .bind(status)
        .execute(&mut *conn)
        .await
        .unwrap();
    }
    let scrub = server::MIGRATOR.iter().find(|m| m.version == SCRUB).expect("the scrub migration exists");
    sqlx::raw_sql(&scrub.sql).execute(&mut *conn).await.unwrap();

    let rows: Vec<(String, String, String, String)> =
        sqlx::query_as("select idempotency_key, status, rendered_body, template_variables::text from notifications order by 1")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
    for (_, _, body, vars) in &rows {
        assert!(!body.contains("042917") && !vars.contains("042917"), "{body} {vars}");
        assert!(body.contains(&format!("Tu código es: *{MASK}*")) && vars.contains(MASK), "{body} {vars}");
    }
    // The unsent one cannot go out with a mask for a code.
    let statuses: Vec<(&str, &str)> = rows.iter().map(|r| (r.0.as_str(), r.1.as_str())).collect();
    assert_eq!(statuses, [("password_reset:pending", "failed"), ("password_reset:sent", "sent")]);
}

/// Audit rows written before the change lose the confirmation code, before the chain covers them.
#[sqlx::test(migrations = false)]
async fn the_migration_removes_confirmation_codes_from_older_audit_rows(pool: PgPool) {
    const SCRUB: i64 = 20261207125900;
    let mut conn = pool.acquire().await.unwrap();
    for m in server::MIGRATOR.iter().filter(|m| m.version < SCRUB) {
        sqlx::raw_sql(&m.sql).execute(&mut *conn).await.unwrap();
    }
    for (action, metadata) in [
        ("booking.created", r#"{"code": "K7Q2MX", "amount_clp": 5000, "block_id": 7}"#),
        ("booking.cancelled", r#"{"code": "KEEP01"}"#),
    ] {
        sqlx::query("insert into audit_log (actor_type, action, metadata) values ('system', $1, $2::jsonb)")
            .bind(action)
            .bind(metadata)
            .execute(&mut *conn)
            .await
            .unwrap();
    }
    for m in server::MIGRATOR.iter().filter(|m| m.version >= SCRUB) {
        sqlx::raw_sql(&m.sql).execute(&mut *conn).await.unwrap();
    }
    let rows: Vec<(String, String)> = sqlx::query_as("select action, metadata::text from audit_log order by action")
        .fetch_all(&mut *conn)
        .await
        .unwrap();
    assert_eq!(rows[0], ("booking.cancelled".to_string(), r#"{"code": "KEEP01"}"#.to_string()), "other actions untouched");
    assert_eq!(rows[1].0, "booking.created");
    assert!(!rows[1].1.contains("K7Q2MX") && rows[1].1.contains("5000"), "{}", rows[1].1);
    // Still append-only afterwards.
    let refused = sqlx::query("update audit_log set action = 'x'").execute(&mut *conn).await;
    assert!(refused.is_err(), "the append-only trigger is back on");
}
