//! Shared by the bus tests: a fake Twilio Messages API that checks every request exactly and can
//! fail on demand, a private redis-server that can be restarted, and settings for fast workers.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use axum::body::Bytes;
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use http::{HeaderMap, Method, StatusCode, Uri};
use serde_json::json;
use server::notify::{consumer::ConsumerSettings, sender::RetryPolicy, WorkerSettings};
use std::collections::HashMap;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

pub const ACCOUNT: &str = "ACtest0000000000000000000000000000";
pub const AUTH_TOKEN: &str = "twilio-auth-token-de-prueba";
pub const FROM: &str = "whatsapp:+14155238886";

/// What the fake saw.
#[derive(Default)]
pub struct TwilioLog {
    /// Calls answered 201, per notification id (from the StatusCallback URL).
    pub accepted: HashMap<String, u32>,
    /// Every call's form, in order.
    pub forms: Vec<HashMap<String, String>>,
    /// Calls answered 500.
    pub failed: u32,
    /// Requests that broke the contract (wrong path, auth, fields): must stay empty.
    pub violations: Vec<String>,
    calls: u64,
}

/// A local Twilio: `POST /2010-04-01/Accounts/{AC}/Messages.json`.
#[derive(Clone)]
pub struct FakeTwilio {
    pub log: Arc<Mutex<TwilioLog>>,
    /// Of every 10 calls, this many (the first ones) answer 500.
    pub fail_per_ten: Arc<Mutex<u64>>,
    pub base: String,
}

impl FakeTwilio {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = Self { log: Arc::default(), fail_per_ten: Arc::default(), base };
        let router = axum::Router::new().fallback(handle).with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        fake
    }

    pub fn fail_per_ten(&self, n: u64) {
        *self.fail_per_ten.lock().unwrap() = n;
    }

    /// Server settings pointing at this fake.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("TWILIO_ACCOUNT_SID", ACCOUNT.to_string()),
            ("TWILIO_AUTH_TOKEN", AUTH_TOKEN.to_string()),
            ("TWILIO_WHATSAPP_FROM", FROM.to_string()),
            ("TWILIO_API_BASE", self.base.clone()),
        ]
    }
}

async fn handle(State(fake): State<FakeTwilio>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes::<Vec<(String, String)>>(&body)
        .unwrap_or_default()
        .into_iter()
        .collect();
    let mut log = fake.log.lock().unwrap();
    let mut problems = Vec::new();
    if method != Method::POST || uri.path() != format!("/2010-04-01/Accounts/{ACCOUNT}/Messages.json") {
        problems.push(format!("{method} {}", uri.path()));
    }
    let basic = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{ACCOUNT}:{AUTH_TOKEN}")));
    if headers.get("authorization").and_then(|v| v.to_str().ok()) != Some(basic.as_str()) {
        problems.push("authorization".into());
    }
    if headers.get("content-type").and_then(|v| v.to_str().ok()) != Some("application/x-www-form-urlencoded") {
        problems.push("content-type".into());
    }
    let to_ok = form
        .get("To")
        .is_some_and(|t| t.starts_with("whatsapp:+569") && t.len() == "whatsapp:+56912345678".len());
    if !to_ok {
        problems.push(format!("To {:?}", form.get("To")));
    }
    if form.get("From").map(String::as_str) != Some(FROM) {
        problems.push("From".into());
    }
    let has_body = form.get("Body").is_some_and(|b| !b.trim().is_empty());
    let has_content = form.contains_key("ContentSid") && form.contains_key("ContentVariables");
    if has_body == has_content {
        problems.push("exactly one of Body or ContentSid+ContentVariables".into());
    }
    let notification = form
        .get("StatusCallback")
        .and_then(|u| u.split_once("/webhooks/twilio/estado?n="))
        .map(|(_, id)| id.to_string());
    if notification.is_none() {
        problems.push("StatusCallback".into());
    }
    if !problems.is_empty() {
        log.violations.push(problems.join(", "));
        return (StatusCode::BAD_REQUEST, axum::Json(json!({ "code": 21211, "message": "invalid" }))).into_response();
    }
    log.forms.push(form);
    log.calls += 1;
    let fail = *fake.fail_per_ten.lock().unwrap();
    if (log.calls - 1) % 10 < fail {
        log.failed += 1;
        return (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({ "code": 20500, "message": "Internal Server Error" })))
            .into_response();
    }
    let id = notification.unwrap_or_default();
    *log.accepted.entry(id).or_default() += 1;
    let sid = format!("SM{:032}", log.calls);
    (StatusCode::CREATED, axum::Json(json!({ "sid": sid, "status": "queued" }))).into_response()
}

/// A redis-server of our own (the same Redis build the machine runs), so a test can restart it
/// without disturbing other tests. Nothing is persisted: a restart loses everything, like the
/// machine's Redis.
pub struct PrivateRedis {
    pub port: u16,
    child: Option<Child>,
}

impl PrivateRedis {
    pub async fn start() -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let mut r = Self { port, child: None };
        r.up().await;
        r
    }

    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    async fn up(&mut self) {
        let child = Command::new("redis-server")
            .args(["--port", &self.port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("redis-server must be installed");
        self.child = Some(child);
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", self.port)).is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("private redis-server did not start");
    }

    /// Kills the server (everything in it is lost) and starts it again after `down_for`.
    pub async fn restart(&mut self, down_for: Duration) {
        if let Some(mut c) = self.child.take() {
            c.kill().unwrap();
            c.wait().unwrap();
        }
        tokio::time::sleep(down_for).await;
        self.up().await;
    }
}

impl Drop for PrivateRedis {
    fn drop(&mut self) {
        if let Some(mut c) = self.child.take() {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

/// Workers that poll and retry fast enough for a test.
pub fn fast_workers() -> WorkerSettings {
    WorkerSettings {
        consumer: ConsumerSettings {
            batch: 50,
            wait: Duration::from_millis(100),
            claim_idle: Duration::from_secs(2),
            give_up_after: 50,
        },
        retry: RetryPolicy {
            base: Duration::from_millis(20),
            cap: Duration::from_millis(300),
            max_attempts: 40,
            lease: Duration::from_secs(30),
        },
        poll: Duration::from_millis(25),
        redeliver_after: Duration::from_secs(4),
    }
}

/// A prefix no other test run uses.
pub fn unique_prefix(name: &str) -> String {
    format!("test-{name}-{}", uuid::Uuid::new_v4().simple())
}
