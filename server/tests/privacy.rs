//! Privacy over HTTP and in the jobs: the JSON download of one's data (session, scope, audit),
//! the re-authenticated changes refused without a session or the password, erasure requests of
//! another building, the reminders job honouring the opposition, the purge job by name, and the
//! new phone's code delivered through the real notification pipeline.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use chrono::Utc;
use common::*;
use http::{Request, StatusCode};
use server::jobs::{self, JobContext};
use sqlx::PgPool;
use uuid::Uuid;

async fn logged_in(app: &TestApp, email: &str) -> Client {
    let mut c = Client::default();
    let r = c.log_in(app, email, PASSWORD).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
    c
}

async fn get(c: &mut Client, app: &TestApp, path: &str) -> Reply {
    c.send(app, Request::get(path).body(Body::empty()).unwrap()).await
}

/// A confirmed booking of `resident` starting `minutes` from now.
async fn booking_in(pool: &PgPool, building: Uuid, resident: Uuid, minutes: i64) -> Uuid {
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
        .bind(building)
        .bind(format!("V-{}", &Uuid::new_v4().simple().to_string()[..6]))
        .fetch_one(pool)
        .await
        .unwrap();
    let id = Uuid::new_v4();
    let alphabet: Vec<char> = "23456789ABCDEFGH".chars().collect();
    let code: String = id.as_bytes()[..8].iter().map(|b| alphabet[usize::from(b % 16)]).collect();
    sqlx::query(
        "with b as (insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
                    values ($2, $3, now() + make_interval(mins => $5), now() + make_interval(mins => $5) + interval '10 hours', 5000, 'reserved')
                    returning id, spot_id, building_id, during)
         insert into bookings (id, block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                               status, payment_status, confirmation_code, guest_pass_token, confirmed_at)
         select $1, b.id, b.spot_id, b.building_id, $4, b.during, 'Pedro Pérez', 'KHJT52', 5000, 5000, 1000, 500, 4500,
                'confirmed', 'paid', $6, $7, now() from b",
    )
    .bind(id)
    .bind(spot)
    .bind(building)
    .bind(resident)
    .bind(minutes as i32)
    .bind(code)
    .bind(format!("pass-{}", id.simple()))
    .execute(pool)
    .await
    .unwrap();
    id
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_json_download_is_the_callers_own_data_and_is_audited(pool: PgPool) {
    let app = app(pool.clone()).await;
    let b = building(&pool, "Torre Datos").await;
    let ana = user(&app, "ana.datos@correo.cl", "resident", "active", Some(b)).await;
    user(&app, "otro.vecino@correo.cl", "resident", "active", Some(b)).await;

    let mut anonymous = Client::default();
    let r = get(&mut anonymous, &app, "/cuenta/mis-datos.json").await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    assert!(r.header("location").unwrap().starts_with("/ingresar"));

    let mut c = logged_in(&app, "ana.datos@correo.cl").await;
    let r = get(&mut c, &app, "/cuenta/mis-datos.json").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(r.header("content-disposition").unwrap().contains("attachment"));
    assert_eq!(r.header("cache-control"), Some("no-store"));
    let json: serde_json::Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(json["profile"]["email"], "ana.datos@correo.cl");
    assert_eq!(json["profile"]["phone"], "+56912345678");
    assert_eq!(json["profile"]["rut"], "12.345.678-5");
    assert!(json["sign_ins"].as_array().unwrap().len() == 1);
    assert!(!r.body.contains("otro.vecino"));
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'privacy.data_exported' and entity_id = $1 and metadata->>'format' = 'json'",
    )
    .bind(ana.to_string())
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);
    // The readable page renders the same data for the same person.
    let page = get(&mut c, &app, "/cuenta/mis-datos").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("ana.datos@correo.cl") && !page.body.contains("otro.vecino"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn changes_need_a_session_and_the_password_and_write_nothing_when_refused(pool: PgPool) {
    let app = app(pool.clone()).await;
    let b = building(&pool, "Torre Cambios").await;
    user(&app, "ana.cambia@correo.cl", "resident", "active", Some(b)).await;

    let mut anonymous = Client::default();
    for (endpoint, form) in [
        ("privacy/change_email", vec![("password", PASSWORD), ("email", "x@correo.cl")]),
        ("privacy/request_phone_change", vec![("password", PASSWORD), ("phone", "+56977778888")]),
        ("privacy/confirm_phone_change", vec![("code", "123456")]),
        ("privacy/request_erasure", vec![("password", PASSWORD)]),
        ("privacy/my_data", vec![]),
    ] {
        let r = anonymous.call(&app, endpoint, &form).await;
        assert_eq!(r.status, StatusCode::UNAUTHORIZED, "{endpoint}: {}", r.body);
    }

    let mut c = logged_in(&app, "ana.cambia@correo.cl").await;
    let r = c
        .call(&app, "privacy/change_email", &[("password", "No.Es.La.Clave.1"), ("email", "nuevo@correo.cl")])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("La contraseña no es correcta."), "{}", r.body);
    let r = c.call(&app, "privacy/change_email", &[("password", PASSWORD), ("email", "no es un correo")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c.call(&app, "privacy/set_reminders", &[("recordatorios", "quizás")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = c.call(&app, "privacy/confirm_phone_change", &[("code", "12345678901234567890")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let unchanged: (i64, i64) = sqlx::query_as(
        "select (select count(*) from users where email = 'ana.cambia@correo.cl' and session_epoch = 0 and not reminders_opt_out),
                (select count(*) from phone_changes)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(unchanged, (1, 0));

    // The right password changes the e-mail and keeps this session alive.
    let r = c
        .call(&app, "privacy/change_email", &[("password", PASSWORD), ("email", "ana.nueva@correo.cl")])
        .await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
    assert!(c.who_am_i(&app).await.contains("Camila"), "the session that made the change continues");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_new_phone_gets_its_code_by_whatsapp_masked_in_the_stored_text(pool: PgPool) {
    let app = app(pool.clone()).await;
    let b = building(&pool, "Torre Celular").await;
    let ana = user(&app, "ana.celular@correo.cl", "resident", "active", Some(b)).await;
    let mut c = logged_in(&app, "ana.celular@correo.cl").await;
    let r = c
        .call(&app, "privacy/request_phone_change", &[("password", PASSWORD), ("phone", "+56 9 7777 8888")])
        .await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
    app.deliver().await;
    let (body, recipient_enc, code_enc_left): (String, Vec<u8>, Option<Vec<u8>>) = sqlx::query_as(
        "select n.rendered_body, n.recipient_enc, (select code_enc from phone_changes where user_id = $1)
           from notifications n where n.user_id = $1 and n.kind = 'phone_change_code'",
    )
    .bind(ana)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert!(body.contains(app::domain::secret::MASK), "{body}");
    assert!(!body.split(|c: char| !c.is_ascii_digit()).any(|run| run.len() == 6), "no code in the stored text: {body}");
    let id: Uuid = sqlx::query_scalar("select id from notifications where user_id = $1 and kind = 'phone_change_code'")
        .bind(ana)
        .fetch_one(&pool)
        .await
        .unwrap();
    let to = app
        .state
        .vault
        .decrypt(&recipient_enc, &app::ssr::pii::notification_recipient(&id.to_string()))
        .unwrap();
    assert_eq!(to, "+56977778888", "the code goes to the new number");
    assert_eq!(code_enc_left, None, "the sealed code left the pending change once the message had it");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_reminders_job_honours_the_opposition(pool: PgPool) {
    let app = app(pool.clone()).await;
    let b = building(&pool, "Torre Recuerda").await;
    let wants = user(&app, "quiere@correo.cl", "resident", "active", Some(b)).await;
    let refuses = user(&app, "no.quiere@correo.cl", "resident", "active", Some(b)).await;
    let mut c = logged_in(&app, "no.quiere@correo.cl").await;
    let r = c.call(&app, "privacy/set_reminders", &[("recordatorios", "no")]).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
    let kept = booking_in(&pool, b.0, wants, 30).await;
    booking_in(&pool, b.0, refuses, 40).await;
    jobs::reminders::run(JobContext { pool: pool.clone(), now: Utc::now() }).await.unwrap();
    let due: Vec<String> = sqlx::query_scalar("select aggregate_id from outbox where event_type = 'booking.reminder_due'")
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(due, vec![kept.to_string()]);
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'account.reminders_changed' and actor_id = $1")
            .bind(refuses)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_purge_job_runs_by_name_and_reports_its_counts(pool: PgPool) {
    let job = jobs::find("purge-personal-data", None).unwrap();
    assert_eq!(job.interval, std::time::Duration::from_secs(24 * 60 * 60));
    let outcome = jobs::run_job(&pool, &job, "test").await.unwrap();
    assert!(matches!(outcome, jobs::JobOutcome::Succeeded { .. }), "{outcome:?}");
    let result: serde_json::Value =
        sqlx::query_scalar("select result from job_runs where job_name = 'purge-personal-data' and status = 'succeeded'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(result["retention_months"], 24);
    assert_eq!(result["bookings"], 0);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn erasure_requests_stay_in_their_building(pool: PgPool) {
    let app = app(pool.clone()).await;
    let a = building(&pool, "Torre A").await;
    let other = building(&pool, "Torre B").await;
    user(&app, "ana.borra@correo.cl", "resident", "active", Some(a)).await;
    user(&app, "admin.b@correo.cl", "building_admin", "active", Some(other)).await;
    user(&app, "admin.a@correo.cl", "building_admin", "active", Some(a)).await;
    let mut ana = logged_in(&app, "ana.borra@correo.cl").await;
    let r = ana.call(&app, "privacy/request_erasure", &[("password", "equivocada")]).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = ana.call(&app, "privacy/request_erasure", &[("password", PASSWORD)]).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
    let id: Uuid = sqlx::query_scalar("select id from erasure_requests").fetch_one(&pool).await.unwrap();

    let mut admin_b = logged_in(&app, "admin.b@correo.cl").await;
    let listed = admin_b.call(&app, "privacy/erasure_requests", &[]).await;
    assert_eq!(listed.body, "[]");
    let r = admin_b.call(&app, "privacy/process_erasure", &[("id", &id.to_string())]).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = ana.call(&app, "privacy/process_erasure", &[("id", &id.to_string())]).await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);

    let mut admin_a = logged_in(&app, "admin.a@correo.cl").await;
    assert!(admin_a.call(&app, "privacy/erasure_requests", &[]).await.body.contains("Pendiente"));
    let r = admin_a.call(&app, "privacy/process_erasure", &[("id", &id.to_string())]).await;
    assert!(r.status.is_success() || r.status.is_redirection(), "{} {}", r.status, r.body);
    // Her session ended, and she cannot log back in.
    assert_eq!(ana.who_am_i(&app).await, "null");
    let r = Client::default().log_in(&app, "ana.borra@correo.cl", PASSWORD).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}
