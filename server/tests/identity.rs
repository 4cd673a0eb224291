//! Identity through the real router: lockout and its release, logout invalidating the old
//! cookie, bans and role changes taking effect on the next request, reset codes that expire and
//! die after five tries, rate limits, and the HTTP Observatory score of the login page.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::StatusCode;
use sqlx::PgPool;

fn assert_logged_out(body: &str) {
    assert_eq!(body, "null", "expected nobody logged in");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn login_lands_each_role_on_its_home_and_logout_kills_the_old_cookie(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    for (email, role, home) in [
        ("res@x.cl", "resident", "/buscar"),
        ("con@x.cl", "concierge", "/conserjeria"),
        ("badm@x.cl", "building_admin", "/admin"),
        ("sup@x.cl", "support", "/admin"),
        ("adm@x.cl", "admin", "/admin"),
        ("ven@x.cl", "sales_rep", "/ventas"),
    ] {
        user(&app, email, role, "active", Some(b)).await;
        let mut c = Client::default();
        let r = c.log_in(&app, email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::OK, "{role}: {}", r.body);
        assert_eq!(r.header("location"), Some(home), "{role}");
        assert!(c.who_am_i(&app).await.contains(&format!("\"role\":\"{role}\"")));
    }

    let mut c = Client::default();
    c.log_in(&app, "res@x.cl", PASSWORD).await;
    let stolen = c.clone();
    let r = c.call(&app, "identity/log_out", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_logged_out(&c.who_am_i(&app).await);
    // The old cookie no longer names a session on the server.
    let mut replay = stolen;
    assert_logged_out(&replay.who_am_i(&app).await);

    let audit: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action in ('auth.login_succeeded', 'auth.logged_out')")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!(audit, 8);
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn five_failures_lock_the_account_for_fifteen_minutes(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    let mut c = Client::default();
    for attempt in 1..=4 {
        let r = c.log_in(&app, "res@x.cl", "contraseña-equivocada").await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "attempt {attempt}");
        assert!(r.body.contains("Correo o contraseña incorrectos"));
    }
    let r = c.log_in(&app, "res@x.cl", "contraseña-equivocada").await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(r.body.contains("bloqueada temporalmente"), "{}", r.body);
    // Even the right password is refused while locked.
    let r = c.log_in(&app, "res@x.cl", PASSWORD).await;
    assert!(r.body.contains("bloqueada temporalmente"));
    assert_logged_out(&c.who_am_i(&app).await);

    // The window passes.
    sqlx::query("update users set locked_until = now() - interval '1 minute' where email = 'res@x.cl'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let r = c.log_in(&app, "res@x.cl", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    let (failures, locked): (i32, Option<chrono::DateTime<chrono::Utc>>) =
        sqlx::query_as("select failed_login_count, locked_until from users where email = 'res@x.cl'")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    assert_eq!((failures, locked), (0, None));
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log order by id")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert!(actions.contains(&"auth.locked_out".to_string()));
    assert!(actions.contains(&"auth.login_refused".to_string()));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn statuses_get_distinct_messages_only_after_the_right_password(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "pend@x.cl", "resident", "pending", Some(b)).await;
    user(&app, "ban@x.cl", "resident", "banned", Some(b)).await;
    let mut c = Client::default();
    assert!(c.log_in(&app, "pend@x.cl", PASSWORD).await.body.contains("pendiente de aprobación"));
    assert!(c.log_in(&app, "ban@x.cl", PASSWORD).await.body.contains("suspendida"));
    // A wrong password reveals nothing about the status.
    assert!(c
        .log_in(&app, "pend@x.cl", "otra-clave-cualquiera")
        .await
        .body
        .contains("Correo o contraseña incorrectos"));
    assert!(c.log_in(&app, "nadie@x.cl", PASSWORD).await.body.contains("Correo o contraseña incorrectos"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_ban_ends_a_live_session_and_a_role_change_applies_without_relogin(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    user(&app, "badm@x.cl", "building_admin", "active", Some(b)).await;

    let mut resident = Client::default();
    resident.log_in(&app, "res@x.cl", PASSWORD).await;
    assert!(resident.who_am_i(&app).await.contains("resident"));
    sqlx::query("update users set status = 'banned', session_epoch = session_epoch + 1 where email = 'res@x.cl'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert_logged_out(&resident.who_am_i(&app).await);

    let mut staff = Client::default();
    staff.log_in(&app, "badm@x.cl", PASSWORD).await;
    assert!(staff.who_am_i(&app).await.contains("building_admin"));
    sqlx::query("update users set role = 'support', building_id = null where email = 'badm@x.cl'")
        .execute(&app.state.pool)
        .await
        .unwrap();
    assert!(staff.who_am_i(&app).await.contains("\"role\":\"support\""));
}

async fn latest_code(app: &TestApp) -> String {
    app.deliver().await;
    // The stored text carries only the mask; the code is sealed apart for the sender.
    let (id, secret_enc): (uuid::Uuid, Vec<u8>) =
        sqlx::query_as("select id, secret_enc from notifications where kind = 'password_reset' order by created_at desc limit 1")
            .fetch_one(&app.state.pool)
            .await
            .unwrap();
    let code = app.state.vault.decrypt(&secret_enc, &app::ssr::pii::notification_secret(&id.to_string())).unwrap();
    assert!(code.len() == 6 && code.chars().all(|c| c.is_ascii_digit()));
    code.to_string()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn reset_codes_expire_die_after_five_tries_and_end_every_session(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    let new_password = "Otra.Clave.Larga.2027";

    let mut anon = Client::default();
    // Unknown accounts get exactly the same answer.
    let unknown = anon.call(&app, "identity/request_reset", &[("email", "nadie@x.cl")]).await;
    let known = anon.call(&app, "identity/request_reset", &[("email", "res@x.cl")]).await;
    assert_eq!((unknown.status, unknown.header("location")), (known.status, known.header("location")));
    let code = latest_code(&app).await;

    // Five wrong tries kill the code, even for the right one afterwards.
    for _ in 0..5 {
        let r = anon
            .call(&app, "identity/confirm_reset", &[("email", "res@x.cl"), ("code", "000000"), ("password", new_password)])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST);
    }
    let r = anon
        .call(&app, "identity/confirm_reset", &[("email", "res@x.cl"), ("code", &code), ("password", new_password)])
        .await;
    assert!(r.body.contains("no es válido o expiró"), "{}", r.body);

    // An expired code is refused.
    anon.call(&app, "identity/request_reset", &[("email", "res@x.cl")]).await;
    let code = latest_code(&app).await;
    sqlx::query("update password_resets set created_at = now() - interval '11 minutes', expires_at = now() - interval '1 minute' where used_at is null")
        .execute(&app.state.pool)
        .await
        .unwrap();
    let r = anon
        .call(&app, "identity/confirm_reset", &[("email", "res@x.cl"), ("code", &code), ("password", new_password)])
        .await;
    assert!(r.body.contains("no es válido o expiró"));

    // A live session before the reset...
    let mut session = Client::default();
    session.log_in(&app, "res@x.cl", PASSWORD).await;
    assert!(session.who_am_i(&app).await.contains("resident"));
    // ...and a good code: password changes, every session ends.
    anon.call(&app, "identity/request_reset", &[("email", "res@x.cl")]).await;
    let code = latest_code(&app).await;
    let r = anon
        .call(&app, "identity/confirm_reset", &[("email", "res@x.cl"), ("code", &code), ("password", new_password)])
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_logged_out(&session.who_am_i(&app).await);
    // Single use.
    let r = anon
        .call(&app, "identity/confirm_reset", &[("email", "res@x.cl"), ("code", &code), ("password", new_password)])
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(Client::default().log_in(&app, "res@x.cl", PASSWORD).await.status, StatusCode::BAD_REQUEST);
    assert_eq!(Client::default().log_in(&app, "res@x.cl", new_password).await.status, StatusCode::OK);
    // The code was stored hashed, never in clear.
    let stored: Vec<Vec<u8>> = sqlx::query_scalar("select code_hash from password_resets")
        .fetch_all(&app.state.pool)
        .await
        .unwrap();
    assert!(stored.iter().all(|h| h.starts_with(b"$argon2id$")));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn login_is_rate_limited_per_client(pool: PgPool) {
    let app = app(pool).await;
    let mut c = Client::default();
    let max = app::ssr::rate_limit::LOGIN_PER_IP.max as usize;
    // The in-memory limiter is a GCRA: a burst of `max`, then one more attempt every
    // window / max. The password checks of this loop take a few seconds and earn a few back,
    // so the refusal comes after at least `max` attempts and long before twice as many.
    let mut statuses = Vec::new();
    while statuses.last() != Some(&StatusCode::TOO_MANY_REQUESTS) && statuses.len() < 2 * max {
        statuses.push(c.log_in(&app, "nadie@x.cl", "cualquier-clave").await.status);
    }
    let refused_at = statuses.len() - 1;
    assert!(statuses[..refused_at].iter().all(|s| *s == StatusCode::BAD_REQUEST));
    assert_eq!(statuses[refused_at], StatusCode::TOO_MANY_REQUESTS);
    assert!((max..max + max / 4).contains(&refused_at), "refused after {refused_at} attempts");
    let r = c.log_in(&app, "nadie@x.cl", "cualquier-clave").await;
    // The wire carries the typed error; the page renders its Spanish text.
    let err: app::error::AppError = serde_json::from_str(&r.body).unwrap();
    assert_eq!(err, app::error::AppError::RateLimited);
    assert!(err.to_string().starts_with("Demasiados intentos"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn sign_up_creates_a_pending_resident_with_encrypted_pii(pool: PgPool) {
    let app = app(pool).await;
    let (b, u) = building(&app.state.pool, "Edificio Uno").await;
    let (b2, u2) = building(&app.state.pool, "Edificio Dos").await;
    let mut c = Client::default();
    let form = |rut: &'static str, unit: String, email: &'static str| {
        vec![
            ("first_name", "Camila".to_string()),
            ("last_name", "Rojas Pérez".to_string()),
            ("email", email.to_string()),
            ("password", PASSWORD.to_string()),
            ("rut", rut.to_string()),
            ("phone", "9 8765 4321".to_string()),
            ("building_id", b.to_string()),
            ("unit_id", unit),
        ]
    };
    let call = |f: Vec<(&'static str, String)>| {
        let mut c = c.clone();
        let app = &app;
        async move {
            let pairs: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            c.call(app, "identity/sign_up", &pairs).await
        }
    };
    // Bad RUT check digit: a field error.
    let r = call(form("12.345.678-9", u.to_string(), "camila@x.cl")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert!(r.body.contains("\"field\":\"rut\""), "{}", r.body);
    // A unit of another building is refused.
    let r = call(form("12.345.678-5", u2.to_string(), "camila@x.cl")).await;
    assert!(r.body.contains("\"field\":\"unit_id\""), "{}", r.body);
    let _ = b2;
    // Valid: pending, PII encrypted, audited.
    let r = call(form("12.345.678-5", u.to_string(), "Camila@X.cl")).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert_eq!(r.header("location"), Some("/ingresar?registro=pendiente"));
    let (status, phone_enc, rut_enc): (String, Vec<u8>, Vec<u8>) = sqlx::query_as(
        "select u.status, u.phone_enc, p.rut_enc from users u join resident_profiles p on p.user_id = u.id where u.email = 'camila@x.cl'",
    )
    .fetch_one(&app.state.pool)
    .await
    .unwrap();
    assert_eq!(status, "pending");
    assert!(!String::from_utf8_lossy(&phone_enc).contains("98765"));
    assert!(!String::from_utf8_lossy(&rut_enc).contains("12345678"));
    // The same RUT in another spelling is a duplicate.
    let r = call(form("123456785", u.to_string(), "otra@x.cl")).await;
    assert!(r.body.contains("Ya existe una cuenta con este RUT"), "{}", r.body);
    let _ = &mut c;
}

/// The MDN HTTP Observatory rules (mdn/mdn-http-observatory, scoring as of 2026-08), applied
/// to the headers of the login page and the session cookie set at login.
fn observatory_score(headers: &http::HeaderMap, set_cookies: &[String]) -> i32 {
    let get = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let mut penalty = 0;
    let mut bonus = 0;
    let csp = get("content-security-policy");
    if csp.is_empty() {
        penalty += 25;
    } else {
        let has = |d: &str| csp.split(';').map(str::trim).any(|x| x.starts_with(d));
        let script = csp.split(';').map(str::trim).find(|d| d.starts_with("script-src")).unwrap_or("");
        let unsafe_script = script.contains("'unsafe-inline'") && !script.contains("'nonce-")
            || script.contains(" data:")
            || script.contains(" https:")
            || script.contains(" *");
        if unsafe_script
            || !(has("script-src") || has("default-src"))
            || !(has("object-src") || csp.contains("default-src 'none'"))
        {
            penalty += 20;
        } else if csp.contains("'unsafe-eval'") {
            penalty += 10;
        } else if csp.contains("default-src 'none'") && !csp.contains("'unsafe-inline'") {
            bonus += 10;
        } else {
            bonus += 5;
        }
    }
    let hsts = get("strict-transport-security");
    let max_age = hsts
        .split(';')
        .find_map(|p| p.trim().strip_prefix("max-age=").and_then(|v| v.parse::<u64>().ok()))
        .unwrap_or(0);
    if max_age < 15_768_000 {
        penalty += 20;
    }
    if csp.contains("frame-ancestors 'none'") || csp.contains("frame-ancestors 'self'") {
        bonus += 5;
    } else if get("x-frame-options").is_empty() {
        penalty += 20;
    }
    match get("referrer-policy").as_str() {
        "no-referrer" | "same-origin" | "strict-origin" | "strict-origin-when-cross-origin" => bonus += 5,
        "" => {}
        _ => penalty += 5,
    }
    if get("x-content-type-options") != "nosniff" {
        penalty += 5;
    }
    if get("access-control-allow-origin") == "*" {
        penalty += 50;
    }
    if matches!(get("cross-origin-resource-policy").as_str(), "same-origin" | "same-site") {
        bonus += 10;
    }
    if get("cross-origin-opener-policy") == "same-origin" {
        bonus += 10;
    }
    if !set_cookies.is_empty() {
        let all_good = set_cookies.iter().all(|c| {
            let lower = c.to_ascii_lowercase();
            lower.contains("; secure") && lower.contains("; httponly") && lower.contains("; samesite=")
        });
        if all_good {
            bonus += 5;
        } else {
            for c in set_cookies {
                let lower = c.to_ascii_lowercase();
                if !lower.contains("; secure") {
                    penalty += 40;
                } else if !lower.contains("; httponly") {
                    penalty += 30;
                }
            }
        }
    }
    let score = 100 - penalty;
    if score >= 90 {
        score + bonus
    } else {
        score
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn the_login_page_scores_at_least_100_on_the_http_observatory_rules(pool: PgPool) {
    let enc = "1:ZXN0YWNpb25hdGUtdGVzdC1vbmx5LWtleS0wMDAwMDE=";
    let bidx = "ZXN0YWNpb25hdGUtdGVzdC1vbmx5LWJpZHgtMDAwMDE=";
    let app = app_with(
        pool,
        &[
            ("APP_ENV", "production"),
            ("PUBLIC_ORIGIN", "https://estacionate.cl"),
            ("PII_ENCRYPTION_KEYS", enc),
            ("PII_BLIND_INDEX_KEY", bidx),
            // Production never falls back to the payment simulator silently.
            ("PAYMENT_PROVIDER", "simulator"),
            // ...nor keeps WhatsApp messages in the development outbox silently.
            ("NOTIFY_TRANSPORT", "outbox"),
        ],
    )
    .await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    let mut c = Client::default();
    let page = c
        .send(
            &app,
            http::Request::get("/ingresar")
                .header("accept", "text/html")
                .body(axum::body::Body::empty())
                .unwrap(),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK);
    let login = c
        .send(
            &app,
            http::Request::post("/api/identity/log_in")
                .header("origin", "https://estacionate.cl")
                .header("content-type", "application/x-www-form-urlencoded")
                .header("accept", "application/json")
                .body(axum::body::Body::from(format!("email=res%40x.cl&password={}", urlencode(PASSWORD))))
                .unwrap(),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.body);
    let cookies: Vec<String> = login.headers.get_all("set-cookie").iter().map(|v| v.to_str().unwrap().to_string()).collect();
    assert_eq!(cookies.len(), 1);
    assert!(cookies[0].starts_with("__Host-estacionate="), "{}", cookies[0]);
    assert!(cookies[0].contains("Path=/") && !cookies[0].contains("Domain="));
    let score = observatory_score(&page.headers, &cookies);
    assert!(score >= 100, "observatory score {score}");
    println!("HTTP Observatory score of /ingresar with the session cookie: {score}");
}

/// Gives `id` its own RUT and phone (the helper shares one phone and salts the RUT), stored as
/// sign-up stores them: blind indexes of the canonical values.
async fn own_rut_and_phone(app: &TestApp, id: uuid::Uuid, rut: &str, phone: &str) {
    use app::domain::{phone::MobilePhone, rut::Rut};
    use app::ssr::blind_index::BlindField;
    let rut = Rut::parse(rut).unwrap().canonical();
    let phone = MobilePhone::parse(phone).unwrap();
    let idx = &app.state.blind_index;
    sqlx::query("update resident_profiles set rut_bidx = $2 where user_id = $1")
        .bind(id)
        .bind(idx.index(BlindField::Rut, &rut).to_vec())
        .execute(&app.state.pool)
        .await
        .unwrap();
    sqlx::query("update users set phone_bidx = $2 where id = $1")
        .bind(id)
        .bind(idx.index(BlindField::Phone, phone.as_e164()).to_vec())
        .execute(&app.state.pool)
        .await
        .unwrap();
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_resident_whose_rut_or_phone_is_blocklisted_later_cannot_log_in(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    let other = building(&app.state.pool, "Edificio Dos").await;
    let residents = [
        ("rut-global@x.cl", "11.111.111-1", "+56 9 1111 0001"),
        ("rut-local@x.cl", "22.222.222-2", "+56 9 1111 0002"),
        ("fono-global@x.cl", "7.654.321-6", "+56 9 1111 0003"),
        ("fono-local@x.cl", "9.876.543-3", "+56 9 1111 0004"),
        ("libre@x.cl", "5.126.663-3", "+56 9 1111 0005"),
    ];
    let mut ids = Vec::new();
    for (email, rut, phone) in residents {
        let id = user(&app, email, "resident", "active", Some(b)).await;
        own_rut_and_phone(&app, id, rut, phone).await;
        ids.push(id);
    }
    user(&app, "root@x.cl", "admin", "active", None).await;
    let mut admin = Client::default();
    assert_eq!(admin.log_in(&app, "root@x.cl", PASSWORD).await.status, StatusCode::OK);
    let (this, elsewhere) = (b.0.to_string(), other.0.to_string());
    for (kind, value, scope) in [
        ("rut", "11111111-1", ""),
        ("rut", "22.222.222-2", this.as_str()),
        ("phone", "+56911110003", ""),
        ("phone", "9 1111 0004", this.as_str()),
        // Listed in another building only: does not concern the free resident's building.
        ("rut", "5126663-3", elsewhere.as_str()),
        ("phone", "+56911110005", elsewhere.as_str()),
    ] {
        let r = admin
            .call(&app, "admin/blocklist_add", &[("kind", kind), ("value", value), ("reason", "Abuso"), ("building_id", scope)])
            .await;
        assert!(r.status.is_success(), "{kind} {value}: {} {}", r.status, r.body);
    }

    for (email, _, _) in &residents[..4] {
        let mut c = Client::default();
        let r = c.log_in(&app, email, PASSWORD).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{email}: {}", r.body);
        assert!(r.body.contains("No es posible completar la solicitud"), "{email}: {}", r.body);
        assert_logged_out(&c.who_am_i(&app).await);
        // The refusal's text does not depend on the password, so it confirms nothing.
        let wrong = c.log_in(&app, email, "otra-clave-cualquiera").await;
        assert_eq!((wrong.status, wrong.body), (r.status, r.body), "{email}");
    }
    let hits: Vec<serde_json::Value> = sqlx::query_scalar(
        "select metadata->'kinds' from audit_log
          where action = 'blocklist.hit' and metadata->>'refused_action' = 'auth.login'
            and actor_id = any($1) order by created_at",
    )
    .bind(&ids[..4])
    .fetch_all(&app.state.pool)
    .await
    .unwrap();
    let kinds: Vec<String> = hits.iter().map(|k| k.to_string()).collect();
    assert_eq!(kinds.iter().filter(|k| k.contains("rut")).count(), 4, "{kinds:?}");
    assert_eq!(kinds.iter().filter(|k| k.contains("phone")).count(), 4, "{kinds:?}");

    let mut free = Client::default();
    let r = free.log_in(&app, "libre@x.cl", PASSWORD).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(free.who_am_i(&app).await.contains("\"role\":\"resident\""));
}

/// An anonymous GET of `path` as a browser without JavaScript sends it.
async fn get_page(c: &mut Client, app: &TestApp, path: &str) -> Reply {
    c.send(app, http::Request::get(path).header("accept", "text/html").body(axum::body::Body::empty()).unwrap())
        .await
}

/// A no-JS login: the plain HTML form post (no JSON accept header), with `extra` fields.
async fn log_in_without_js(c: &mut Client, app: &TestApp, email: &str, extra: &str) -> Reply {
    let body = format!("email={}&password={}{extra}", urlencode(email), urlencode(PASSWORD));
    c.send(
        app,
        http::Request::post("/api/identity/log_in")
            .header("origin", ORIGIN)
            .header("content-type", "application/x-www-form-urlencoded")
            .header("accept", "text/html")
            .body(axum::body::Body::from(body))
            .unwrap(),
    )
    .await
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_anonymous_visitor_sent_to_log_in_lands_back_on_the_page_they_were_on(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    user(&app, "con@x.cl", "concierge", "active", Some(b)).await;

    for (page, back) in
        [("/mis-reservas", "/mis-reservas"), ("/buscar?fecha=2026-12-08&tipo=auto", "/buscar?fecha=2026-12-08&tipo=auto")]
    {
        // The protected page sends the visitor to log in, carrying where they were.
        let mut c = Client::default();
        let r = get_page(&mut c, &app, page).await;
        assert!(r.status.is_redirection(), "{page}: {} {}", r.status, r.body);
        let login_url = r.header("location").unwrap().to_string();
        assert!(login_url.starts_with("/ingresar?volver=/"), "{page}: {login_url}");

        // The login page carries it in its form, so it works without JavaScript.
        let form = get_page(&mut c, &app, &login_url).await;
        assert_eq!(form.status, StatusCode::OK);
        let hidden = format!("name=\"volver\" value=\"{}\"", back.replace('&', "&amp;"));
        assert!(form.body.contains(&hidden), "{page}: the login form keeps the return path");

        // And logging in, with or without JavaScript, goes back there.
        let r = c
            .call(&app, "identity/log_in", &[("email", "res@x.cl"), ("password", PASSWORD), ("volver", back)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{}", r.body);
        assert_eq!(r.header("location"), Some(back));
        let mut no_js = Client::default();
        let r = log_in_without_js(&mut no_js, &app, "res@x.cl", &format!("&volver={}", urlencode(back))).await;
        assert!(r.status.is_redirection(), "{} {}", r.status, r.body);
        assert_eq!(r.header("location"), Some(back));
    }

    // Without a return path, each role still lands on its home.
    let mut c = Client::default();
    assert_eq!(c.log_in(&app, "con@x.cl", PASSWORD).await.header("location"), Some("/conserjeria"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn hostile_return_paths_fall_back_to_the_roles_home(pool: PgPool) {
    let app = app(pool).await;
    let b = building(&app.state.pool, "Edificio Uno").await;
    user(&app, "res@x.cl", "resident", "active", Some(b)).await;
    // The control: a safe value is honoured, so the fallbacks below are the validation's doing.
    let r = Client::default()
        .call(&app, "identity/log_in", &[("email", "res@x.cl"), ("password", PASSWORD), ("volver", "/mis-reservas")])
        .await;
    assert_eq!(r.header("location"), Some("/mis-reservas"));
    for hostile in [
        "//evil.example",
        "//evil.example/buscar",
        "/\\evil.example",
        "\\\\evil.example",
        "https://evil.example/buscar",
        "javascript:alert(1)",
        "/%2F%2Fevil.example",
        "/%5Cevil.example",
        "/%252F%252Fevil.example",
        "/\t/evil.example",
        "/buscar\r\nSet-Cookie: a=b",
        "buscar",
        "",
    ] {
        let mut c = Client::default();
        let r = c
            .call(&app, "identity/log_in", &[("email", "res@x.cl"), ("password", PASSWORD), ("volver", hostile)])
            .await;
        assert_eq!(r.status, StatusCode::OK, "{hostile:?}: {}", r.body);
        assert_eq!(r.header("location"), Some("/buscar"), "{hostile:?}");
        let mut no_js = Client::default();
        let r = log_in_without_js(&mut no_js, &app, "res@x.cl", &format!("&volver={}", urlencode(hostile))).await;
        assert_eq!(r.header("location"), Some("/buscar"), "{hostile:?} without JS");

        // The login page does not carry a hostile value into its form either.
        let page = get_page(&mut Client::default(), &app, &format!("/ingresar?volver={}", urlencode(hostile))).await;
        assert_eq!(page.status, StatusCode::OK);
        assert!(!page.body.contains("name=\"volver\""), "{hostile:?}");
    }
}
