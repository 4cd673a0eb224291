//! The server binary as an operator runs it: `seed-demo` refuses production, `create-admin`
//! makes the first platform admin (password from standard input or `ADMIN_PASSWORD`, checked
//! by the sign-up rules, audited, a taken e-mail refused), and production refuses to start
//! with only the development outbox for WhatsApp unless `NOTIFY_TRANSPORT=outbox` says so.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::StatusCode;
use sqlx::PgPool;
use std::io::Write;
use std::process::{Command, Output, Stdio};

const ENC: &str = "1:ZXN0YWNpb25hdGUtdGVzdC1vbmx5LWtleS0wMDAwMDE=";
const BIDX: &str = "ZXN0YWNpb25hdGUtdGVzdC1vbmx5LWJpZHgtMDAwMDE=";

/// The URL of the test's own database (sqlx::test creates one per test).
fn database_url(pool: &PgPool) -> String {
    let o = pool.connect_options();
    format!("postgres://{}@{}:{}/{}", o.get_username(), o.get_host(), o.get_port(), o.get_database().unwrap())
}

/// Runs the built `server` binary with only these variables (plus PATH) and `stdin`.
fn run(args: &[&str], vars: &[(&str, &str)], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        .envs(vars.iter().copied())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn text(out: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr))
}

fn production(db: &str) -> Vec<(&str, &str)> {
    vec![
        ("APP_ENV", "production"),
        ("DATABASE_URL", db),
        ("PUBLIC_ORIGIN", "https://estacionate.cl"),
        ("PII_ENCRYPTION_KEYS", ENC),
        ("PII_BLIND_INDEX_KEY", BIDX),
        ("PAYMENT_PROVIDER", "simulator"),
        ("NOTIFY_TRANSPORT", "outbox"),
    ]
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn seed_demo_refuses_production(pool: PgPool) {
    let db = database_url(&pool);
    let out = run(&["seed-demo"], &production(&db), "");
    assert!(!out.status.success(), "seeded production: {}", text(&out));
    assert!(text(&out).contains("APP_ENV=production"), "{}", text(&out));
    let users: i64 = sqlx::query_scalar("select count(*) from users").fetch_one(&pool).await.unwrap();
    let buildings: i64 = sqlx::query_scalar("select count(*) from buildings").fetch_one(&pool).await.unwrap();
    assert_eq!((users, buildings), (0, 0));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn production_needs_a_whatsapp_transport_or_the_outbox_on_purpose(pool: PgPool) {
    let db = database_url(&pool);
    let vars: Vec<_> = production(&db).into_iter().filter(|(k, _)| *k != "NOTIFY_TRANSPORT").collect();
    let out = run(&["migrate"], &vars, "");
    assert!(!out.status.success());
    assert!(text(&out).contains("NOTIFY_TRANSPORT"), "{}", text(&out));
    let out = run(&["migrate"], &production(&db), "");
    assert!(out.status.success(), "{}", text(&out));
}

/// Starts `server serve` with these variables and waits for it to give up; a server that is
/// still running after a minute started when it must not have, and is killed.
fn serve_refusing(vars: &[(&str, &str)]) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_server"))
        .arg("serve")
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "warn")
        // Were it to start, it would not take anyone's port.
        .env("LEPTOS_SITE_ADDR", "127.0.0.1:0")
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("serve started with a bad key configuration: {}", text(&child.wait_with_output().unwrap()));
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    let out = child.wait_with_output().unwrap();
    assert!(!out.status.success(), "{}", text(&out));
    text(&out)
}

/// `vars` with `key` set to `value` instead.
fn replacing<'a>(vars: Vec<(&'a str, &'a str)>, key: &'a str, value: &'a str) -> Vec<(&'a str, &'a str)> {
    vars.into_iter().filter(|(k, _)| *k != key).chain([(key, value)]).collect()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_bad_key_configuration_refuses_start_up(pool: PgPool) {
    let db = database_url(&pool);
    let with = |key: &'static str, value: &'static str| replacing(production(&db), key, value);
    // One secret for both protections, a key that is not base64, a key of the wrong length:
    // each is named (never echoed) and nothing starts, in production and in development alike.
    let shared = serve_refusing(&with("PII_BLIND_INDEX_KEY", &ENC[2..]));
    assert!(shared.contains("PII_BLIND_INDEX_KEY must differ"), "{shared}");
    assert!(!shared.contains(&ENC[2..]), "the key is in the output: {shared}");
    let garbled = serve_refusing(&with("PII_ENCRYPTION_KEYS", "1:no-es-base64"));
    assert!(garbled.contains("PII_ENCRYPTION_KEYS: entry 1 is invalid"), "{garbled}");
    assert!(!garbled.contains("no-es-base64"), "the key is in the output: {garbled}");
    let short = serve_refusing(&with("PII_BLIND_INDEX_KEY", "c2hvcnQ="));
    assert!(short.contains("PII_BLIND_INDEX_KEY"), "{short}");
    let development = serve_refusing(&[("DATABASE_URL", db.as_str()), ("PII_ENCRYPTION_KEYS", "1:no-es-base64")]);
    assert!(development.contains("PII_ENCRYPTION_KEYS: entry 1 is invalid"), "{development}");
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn create_admin_makes_a_first_admin_who_can_log_in(pool: PgPool) {
    let db = database_url(&pool);
    let vars = production(&db);

    // The password from standard input.
    let out =
        run(&["create-admin", "--email", "Root@Estacionate.cl", "--name", "Ana Pérez"], &vars, "Clave.Inicial.Segura.2026\n");
    assert!(out.status.success(), "{}", text(&out));
    assert!(!text(&out).contains("Clave.Inicial"), "the password was echoed");
    let (role, status, name): (String, String, String) =
        sqlx::query_as("select role, status, full_name from users where email = 'root@estacionate.cl'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((role.as_str(), status.as_str(), name.as_str()), ("admin", "active", "Ana Pérez"));
    let audited: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where action = 'staff.created' and actor_type = 'system' and metadata->>'via' = 'create-admin'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // A taken e-mail is refused clearly, and nothing changes.
    let out = run(&["create-admin", "--email", "root@estacionate.cl"], &vars, "Otra.Clave.Segura.2026\n");
    assert!(!out.status.success());
    assert!(text(&out).contains("already exists"), "{}", text(&out));

    // The sign-up password rules apply, to ADMIN_PASSWORD too.
    let mut weak = vars.clone();
    weak.push(("ADMIN_PASSWORD", "corta"));
    let out = run(&["create-admin", "--email", "otro@estacionate.cl"], &weak, "");
    assert!(!out.status.success());
    assert!(text(&out).contains("password"), "{}", text(&out));
    let mut strong = vars.clone();
    strong.push(("ADMIN_PASSWORD", "Variable.Segura.2026"));
    let out = run(&["create-admin", "--email", "otro@estacionate.cl"], &strong, "");
    assert!(out.status.success(), "{}", text(&out));
    let admins: i64 = sqlx::query_scalar("select count(*) from users where role = 'admin'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(admins, 2);

    // The new admin logs in (same keys as the binary had).
    let app = app_with(pool, &[("PII_ENCRYPTION_KEYS", ENC), ("PII_BLIND_INDEX_KEY", BIDX)]).await;
    let mut c = Client::default();
    let r = c.log_in(&app, "root@estacionate.cl", "Clave.Inicial.Segura.2026").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.body);
    assert!(c.who_am_i(&app).await.contains("\"role\":\"admin\""));
}
