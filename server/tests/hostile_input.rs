//! Hostile input against every server function, as an attacker would send it: every function
//! registered with server_fn (so a new one is covered without touching this file) × six callers
//! (anonymous, resident, concierge, building admin, support, admin) × thirty-odd values (empty,
//! 100 KB, NUL, SQL, script tags, invalid UTF-8, broken JSON and url-encoding, flat values where
//! a struct is expected, arrays, deep nesting…). No answer may be a 5xx; an undecodable body is
//! a 400 with the Spanish message; a group of calls that were all refused wrote nothing.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use axum::body::Body;
use common::*;
use http::{header, Method, Request, StatusCode};
use sqlx::PgPool;
use std::collections::BTreeMap;

/// What the client sees for input the server cannot read.
const UNREADABLE: &str = "Los datos enviados no son válidos";

/// The four functions whose first argument is a struct (a flat value cannot decode).
const STRUCT_FUNCTIONS: [&str; 4] = ["/api/admin/audit", "/api/admin/bookings", "/api/admin/payouts", "/api/admin/staff"];

/// Tables whose row counts a refused request must leave alone (the audit log is left out:
/// refusals such as failed logins are audited on purpose).
const TABLES: [&str; 21] = [
    "access_events",
    "availability_blocks",
    "block_templates",
    "blocklist_entries",
    "bookings",
    "buildings",
    "notifications",
    "outbox",
    "password_resets",
    "payment_events",
    "payments",
    "payouts",
    "pricing_rules",
    "refunds",
    "resident_profiles",
    "sales_rep_assignments",
    "sales_rep_commissions",
    "spot_closures",
    "units",
    "users",
    "visitor_spots",
];

/// One hostile request body.
enum Hostile {
    /// Every argument of the function set to this value (url-encoded properly).
    EachArg(String),
    /// Every argument given as this raw `key` suffix and value (`arg[]=x`, `arg[a][b]=x`).
    EachArgRaw(&'static str),
    /// This exact body, with this content type.
    Raw(Vec<u8>, &'static str),
}

const FORM: &str = "application/x-www-form-urlencoded";

fn hostile_values() -> Vec<(&'static str, Hostile)> {
    use Hostile::*;
    vec![
        ("empty", EachArg(String::new())),
        ("100 KB", EachArg("a".repeat(100_000))),
        ("NUL", EachArg("a\0b".into())),
        ("SQL", EachArg("' OR 1=1; DROP TABLE users; --".into())),
        ("script", EachArg("<script>alert(1)</script>".into())),
        ("RTL and emoji", EachArg("\u{202e}ñ\u{1F600}".into())),
        ("long number", EachArg("9".repeat(400))),
        ("negative", EachArg("-1".into())),
        ("nil uuid", EachArg("00000000-0000-0000-0000-000000000000".into())),
        ("random uuid", EachArg(uuid::Uuid::new_v4().to_string())),
        ("bad date", EachArg("2026-13-45".into())),
        ("null", EachArg("null".into())),
        ("whitespace", EachArg("   \t\n".into())),
        ("path traversal", EachArg("../../etc/passwd".into())),
        ("format string", EachArg("%s%n%x".into())),
        ("u64 overflow", EachArg("18446744073709551616".into())),
        ("float overflow", EachArg("1e309".into())),
        ("escape codes", EachArg("\u{1b}[31m\r\n".into())),
        ("array", EachArgRaw("[]=a&{k}[]=b")),
        ("nested", EachArgRaw("[a][b][c]=1")),
        ("invalid UTF-8 in a value", EachArgRaw("=%FF%FE")),
        ("invalid UTF-8 body", Raw(vec![0xff, 0xfe, 0xfd, b'=', 0xc0], FORM)),
        ("NUL body", Raw(vec![0, 0, 0], FORM)),
        ("broken url-encoding", Raw(b"%%%zz&&==&=&%".to_vec(), FORM)),
        ("deep nesting", Raw(format!("a{}=1", "[a]".repeat(2_000)).into_bytes(), FORM)),
        ("100 KB of separators", Raw("&=".repeat(50_000).into_bytes(), FORM)),
        ("broken JSON", Raw(br#"{"email": "#.to_vec(), "application/json")),
        ("JSON of the wrong shape", Raw(br#"{"filter": "x", "pagina": [1, {"a": null}]}"#.to_vec(), "application/json")),
        ("empty JSON body", Raw(Vec::new(), "application/json")),
        ("no content type", Raw(b"email=a".to_vec(), "")),
    ]
}

/// Each server function's argument names, read from the `#[server(... endpoint = "…")]`
/// declarations under `app/src` (the registry only knows paths).
fn argument_names() -> BTreeMap<String, Vec<String>> {
    fn walk(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(&std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../app/src"), &mut files);
    let mut names = BTreeMap::new();
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        for (at, _) in text.match_indices("endpoint = \"") {
            let rest = &text[at + 12..];
            let endpoint = &rest[..rest.find('"').unwrap()];
            let sig = &rest[rest.find("fn ").unwrap()..];
            let open = sig.find('(').unwrap();
            let mut depth = 0;
            let mut close = open;
            for (i, c) in sig[open..].char_indices() {
                match c {
                    '(' | '<' | '[' => depth += 1,
                    ')' | '>' | ']' => depth -= 1,
                    _ => {}
                }
                if depth == 0 {
                    close = open + i;
                    break;
                }
            }
            let params = sig[open + 1..close]
                .split(',')
                .filter_map(|p| {
                    let p = p.trim();
                    let p = if p.starts_with("#[") { &p[p.find(']').unwrap() + 1..] } else { p };
                    p.split_once(':').map(|(name, _)| name.trim().to_string())
                })
                .filter(|name| !name.is_empty() && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
                .collect();
            names.insert(format!("/api/{endpoint}"), params);
        }
    }
    names
}

fn body_for(hostile: &Hostile, args: &[String]) -> (Vec<u8>, &'static str) {
    match hostile {
        Hostile::EachArg(value) => {
            let body = args.iter().map(|a| format!("{a}={}", urlencode(value))).collect::<Vec<_>>().join("&");
            (body.into_bytes(), FORM)
        }
        Hostile::EachArgRaw(suffix) => {
            let body = args.iter().map(|a| format!("{a}{}", suffix.replace("{k}", a))).collect::<Vec<_>>().join("&");
            (body.into_bytes(), FORM)
        }
        Hostile::Raw(bytes, content_type) => (bytes.clone(), content_type),
    }
}

async fn row_counts(pool: &PgPool) -> Vec<i64> {
    let sql = TABLES.iter().map(|t| format!("(select count(*) from {t})")).collect::<Vec<_>>().join(", ");
    let row: sqlx::postgres::PgRow = sqlx::query(&format!("select {sql}")).fetch_one(pool).await.unwrap();
    use sqlx::Row;
    (0..TABLES.len()).map(|i| row.get::<i64, _>(i)).collect()
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn every_server_function_answers_hostile_input_with_a_4xx_and_writes_nothing(pool: PgPool) {
    let app = app(pool).await;
    let pool = app.state.pool.clone();
    let a = building(&pool, "Torre Alfa").await;
    let mut callers: Vec<(&str, Client)> = vec![("anonymous", Client::default())];
    for (email, role) in [
        ("res@x.cl", "resident"),
        ("con@x.cl", "concierge"),
        ("badm@x.cl", "building_admin"),
        ("sup@x.cl", "support"),
        ("adm@x.cl", "admin"),
    ] {
        user(&app, email, role, "active", Some(a)).await;
        let mut client = Client::default();
        assert_eq!(client.log_in(&app, email, PASSWORD).await.status, StatusCode::OK, "{role}");
        callers.push((role, client));
    }

    let args = argument_names();
    let mut functions: Vec<(String, Method)> = leptos::server_fn::axum::server_fn_paths()
        .filter(|(path, _)| path.starts_with("/api/"))
        .map(|(path, method)| (path.to_string(), method))
        .collect();
    functions.sort_by(|x, y| x.0.cmp(&y.0));
    assert!(functions.len() >= 80, "only {} server functions registered", functions.len());
    for (path, _) in &functions {
        assert!(args.contains_key(path), "no declaration found for {path}");
    }
    for path in STRUCT_FUNCTIONS {
        assert!(functions.iter().any(|(p, _)| p == path), "{path} is not registered");
    }

    let values = hostile_values();
    let mut failures = Vec::new();
    let mut sent = 0;
    for (role, client) in callers.iter_mut() {
        for (path, method) in &functions {
            // Logging out would turn the rest of this caller's sweep into an anonymous one.
            if *role != "anonymous" && path == "/api/identity/log_out" {
                continue;
            }
            let before = row_counts(&pool).await;
            let mut all_refused = true;
            for (label, hostile) in &values {
                let (body, content_type) = body_for(hostile, &args[path]);
                let mut builder = Request::builder()
                    .method(method.clone())
                    .header(header::ORIGIN, ORIGIN)
                    .header(header::ACCEPT, "application/json");
                if !content_type.is_empty() {
                    builder = builder.header(header::CONTENT_TYPE, content_type);
                }
                let req = if *method == Method::GET {
                    let query = String::from_utf8_lossy(&body).into_owned();
                    builder.uri(format!("{path}?{query}")).body(Body::empty())
                } else {
                    builder.uri(path.as_str()).body(Body::from(body))
                }
                .unwrap();
                let reply = client.send(&app, req).await;
                sent += 1;
                let status = reply.status;
                if status.is_server_error() {
                    failures
                        .push(format!("{role} {path} [{label}]: {status} {}", reply.body.chars().take(120).collect::<String>()));
                }
                all_refused &= status.is_client_error();
                let must_be_unreadable =
                    *label == "invalid UTF-8 body" || (STRUCT_FUNCTIONS.contains(&path.as_str()) && *label == "script");
                if must_be_unreadable && (status != StatusCode::BAD_REQUEST || !reply.body.contains(UNREADABLE)) {
                    failures.push(format!("{role} {path} [{label}]: expected 400 \"{UNREADABLE}\", got {status} {}", reply.body));
                }
            }
            if all_refused {
                let after = row_counts(&pool).await;
                if before != after {
                    let changed: Vec<_> = TABLES
                        .iter()
                        .zip(before.iter().zip(&after))
                        .filter(|(_, (b, a))| b != a)
                        .map(|(t, (b, a))| format!("{t}: {b} → {a}"))
                        .collect();
                    failures.push(format!("{role} {path}: every call refused, yet rows changed: {changed:?}"));
                }
            }
        }
    }
    // Each caller is still who they were: the sweep really ran with six roles.
    for (role, client) in callers.iter_mut() {
        let me = client.who_am_i(&app).await;
        if *role == "anonymous" {
            assert_eq!(me, "null");
        } else {
            assert!(me.contains(&format!("\"role\":\"{role}\"")), "{role} lost the session: {me}");
        }
    }
    assert!(sent > 10_000, "only {sent} requests sent");
    assert!(failures.is_empty(), "{} of {sent} hostile requests misanswered:\n{}", failures.len(), failures.join("\n"));
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn an_unreadable_body_is_the_clients_fault(pool: PgPool) {
    let app = app(pool).await;
    let mut client = Client::default();
    for (path, body) in [
        ("/api/identity/log_in", vec![0xff, 0xfe, b'=', 0xc0]),
        ("/api/identity/request_reset", b"email[a][b]=x".to_vec()),
        ("/api/admin/audit", b"filter=x&pagina=1".to_vec()),
        ("/api/booking/search", b"date[]=a&date[]=b".to_vec()),
    ] {
        let req = Request::post(path)
            .header(header::ORIGIN, ORIGIN)
            .header(header::ACCEPT, "application/json")
            .header(header::CONTENT_TYPE, FORM)
            .body(Body::from(body))
            .unwrap();
        let reply = client.send(&app, req).await;
        assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{path}: {}", reply.body);
        let err: app::error::AppError = serde_json::from_str(&reply.body).unwrap();
        assert!(err.to_string().starts_with(UNREADABLE), "{path}: {err}");
    }
}
