//! Shared helpers of the router tests: build the real router on a test database, send requests
//! with a cookie jar, create buildings and users directly.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use app::ssr::{blind_index::BlindField, pii, AppState};
use axum::body::Body;
use http::{header, Request, Response, StatusCode};
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use server::config::Config;
use sqlx::PgPool;
use std::collections::HashMap;
use tower::ServiceExt;
use uuid::Uuid;

pub const ORIGIN: &str = "http://127.0.0.1:3000";
pub const PASSWORD: &str = "Clave.Segura.2026";

/// A test application: state (for direct calls) and router.
pub struct TestApp {
    pub state: AppState,
    pub router: axum::Router,
    pub bus: std::sync::Arc<dyn server::bus::EventBus>,
    pub transport: std::sync::Arc<dyn server::notify::sender::Transport>,
}

impl TestApp {
    /// Relays, consumes and sends everything pending (the workers' job, done synchronously).
    pub async fn deliver(&self) -> usize {
        server::notify::drain(&self.state, self.bus.as_ref(), self.transport.clone()).await.unwrap()
    }
}

pub fn options() -> LeptosOptions {
    LeptosOptions::builder().output_name("estacionate").site_root("target/site").build()
}

pub async fn app_with(pool: PgPool, vars: &[(&str, &str)]) -> TestApp {
    let mut map: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    // The 30 s production limit answers 503 when a test binary's parallel tests (each hashing
    // passwords with argon2 on a 2-core machine) make one render slow; no test here is about the
    // limit itself (server/src/http/limits.rs's unit tests check it), so tests get a generous one.
    map.entry("REQUEST_TIMEOUT_SECONDS".into()).or_insert_with(|| "600".into());
    let config = Config::from_lookup("127.0.0.1:3000".parse().unwrap(), |k| map.get(k).cloned()).unwrap();
    let server::startup::Assembled { state, router, bus, transport, .. } =
        server::startup::app(&config, pool, options()).await.unwrap();
    TestApp { state, router, bus, transport }
}

pub async fn app(pool: PgPool) -> TestApp {
    app_with(pool, &[]).await
}

/// A response, read whole.
pub struct Reply {
    pub status: StatusCode,
    pub headers: http::HeaderMap,
    pub body: String,
}

impl Reply {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }
}

/// A browser-like client: keeps the session cookie between requests.
#[derive(Clone, Default)]
pub struct Client {
    pub cookie: Option<String>,
    /// The client address the server sees (as `ConnectInfo`); none by default.
    pub ip: Option<std::net::IpAddr>,
}

impl Client {
    pub async fn send(&mut self, app: &TestApp, mut req: Request<Body>) -> Reply {
        if let Some(c) = &self.cookie {
            req.headers_mut().insert(header::COOKIE, c.parse().unwrap());
        }
        if let Some(ip) = self.ip {
            req.extensions_mut().insert(axum::extract::ConnectInfo(std::net::SocketAddr::new(ip, 40000)));
        }
        let res: Response<Body> = app.router.clone().oneshot(req).await.unwrap();
        let status = res.status();
        let headers = res.headers().clone();
        for set in headers.get_all(header::SET_COOKIE) {
            let pair = set.to_str().unwrap().split(';').next().unwrap().to_string();
            if pair.ends_with('=') {
                self.cookie = None;
            } else {
                self.cookie = Some(pair);
            }
        }
        let body = res.into_body().collect().await.unwrap().to_bytes();
        Reply { status, headers, body: String::from_utf8_lossy(&body).into_owned() }
    }

    /// Calls a server function as the hydrated page does (JSON answer, our Origin).
    pub async fn call(&mut self, app: &TestApp, endpoint: &str, form: &[(&str, &str)]) -> Reply {
        let body = form.iter().map(|(k, v)| format!("{}={}", k, urlencode(v))).collect::<Vec<_>>().join("&");
        let req = Request::post(format!("/api/{endpoint}"))
            .header(header::ORIGIN, ORIGIN)
            .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
            .header(header::ACCEPT, "application/json")
            .body(Body::from(body))
            .unwrap();
        self.send(app, req).await
    }

    pub async fn who_am_i(&mut self, app: &TestApp) -> String {
        self.call(app, "identity/who_am_i", &[]).await.body
    }

    pub async fn log_in(&mut self, app: &TestApp, email: &str, password: &str) -> Reply {
        self.call(app, "identity/log_in", &[("email", email), ("password", password)]).await
    }
}

pub fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Creates an active building with one unit; returns (building id, unit id).
pub async fn building(pool: &PgPool, name: &str) -> (Uuid, Uuid) {
    let b: Uuid = sqlx::query_scalar("insert into buildings (name, address) values ($1, 'Av. Providencia 1234') returning id")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    let u: Uuid = sqlx::query_scalar("insert into units (building_id, number) values ($1, '101') returning id")
        .bind(b)
        .fetch_one(pool)
        .await
        .unwrap();
    (b, u)
}

/// Creates a user with `PASSWORD`, a phone, and (for residents) a profile.
pub async fn user(app: &TestApp, email: &str, role: &str, status: &str, building: Option<(Uuid, Uuid)>) -> Uuid {
    let pool = &app.state.pool;
    let id = Uuid::new_v4();
    let hash = app::ssr::password::hash_password(PASSWORD).unwrap();
    let phone = "+56912345678";
    let phone_enc = app.state.vault.encrypt(phone, &pii::user_phone(&id.to_string())).unwrap();
    let phone_bidx = app.state.blind_index.index(BlindField::Phone, phone).to_vec();
    let building_id =
        if role == "resident" || role == "concierge" || role == "building_admin" { building.map(|b| b.0) } else { None };
    sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name, phone_enc, phone_bidx)
         values ($1, $2, $3, $4, $5, $6, 'Camila Rojas', $7, $8)",
    )
    .bind(id)
    .bind(email)
    .bind(hash)
    .bind(role)
    .bind(building_id)
    .bind(status)
    .bind(phone_enc)
    .bind(phone_bidx)
    .execute(pool)
    .await
    .unwrap();
    if role == "resident" {
        let (b, u) = building.unwrap();
        let rut = "12345678-5";
        let rut_enc = app.state.vault.encrypt(rut, &pii::resident_rut(&id.to_string())).unwrap();
        let rut_bidx = app.state.blind_index.index(BlindField::Rut, &format!("{rut}{id}")).to_vec();
        sqlx::query(
            "insert into resident_profiles (user_id, building_id, unit_id, rut_enc, rut_bidx, first_name, last_name)
             values ($1, $2, $3, $4, $5, 'Camila', 'Rojas')",
        )
        .bind(id)
        .bind(b)
        .bind(u)
        .bind(rut_enc)
        .bind(rut_bidx)
        .execute(pool)
        .await
        .unwrap();
    }
    id
}
