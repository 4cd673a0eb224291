//! Shared by the payment router tests: a booking fixture, and a fake MercadoPago API (an axum
//! app on 127.0.0.1:0) that records every request it receives.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::*;
use app::booking::ssr::{create, NewBooking};
use app::domain::{names::VisitorName, plate::Plate, role::Role};
use app::ssr::{actor::Actor, audit::RequestMeta};
use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, TimeDelta, Utc};
use http::{header, HeaderMap, Method, Request, StatusCode, Uri};
use serde_json::{json, Value};
use sqlx::PgPool;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use uuid::Uuid;

pub const TOKEN: &str = "TEST-access-token";
pub const SECRET: &str = "whsec-de-prueba";

/// A building with a visitor spot, and a resident of it (logged-in client included).
pub struct Fixture {
    pub building: (Uuid, Uuid),
    pub spot: Uuid,
    pub resident: Actor,
    pub client: Client,
}

pub async fn fixture(app: &TestApp, email: &str) -> Fixture {
    let pool = &app.state.pool;
    let building = building(pool, "Torre Central").await;
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-07') returning id")
        .bind(building.0)
        .fetch_one(pool)
        .await
        .unwrap();
    let resident = resident(app, building, email).await;
    let mut client = Client::default();
    assert_eq!(client.log_in(app, email, PASSWORD).await.status, StatusCode::OK);
    Fixture { building, spot, resident, client }
}

/// Another active resident of the same building.
pub async fn resident(app: &TestApp, building: (Uuid, Uuid), email: &str) -> Actor {
    let id = user(app, email, "resident", "active", Some(building)).await;
    Actor { id, role: Role::Resident, building_id: Some(building.0), full_name: "Camila Rojas".into() }
}

/// The start of the `n`-th test block: 20:00 in Santiago, `n` days after a day 30 days ahead of
/// the clock (read once per test process, so every call agrees), so a block never starts in the
/// past whenever the suite runs.
pub fn start(n: i64) -> DateTime<Utc> {
    use chrono::TimeZone as _;
    static FIRST: std::sync::OnceLock<chrono::NaiveDate> = std::sync::OnceLock::new();
    let santiago = chrono_tz::America::Santiago;
    let first = *FIRST.get_or_init(|| Utc::now().with_timezone(&santiago).date_naive() + TimeDelta::days(30));
    let day = first + TimeDelta::days(n);
    santiago
        .from_local_datetime(&day.and_hms_opt(20, 0, 0).unwrap())
        .earliest()
        .unwrap()
        .with_timezone(&Utc)
}

/// A pending booking of `who` (5.000 CLP) on a new block `n` days after the first.
pub async fn booking(app: &TestApp, f: &Fixture, who: &Actor, n: i64) -> Uuid {
    let pool = &app.state.pool;
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, $3, $4, 5000) returning id",
    )
    .bind(f.spot)
    .bind(f.building.0)
    .bind(start(n))
    .bind(start(n) + TimeDelta::hours(11))
    .fetch_one(pool)
    .await
    .unwrap();
    let new = NewBooking {
        block_id: block,
        visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
        plate: Plate::parse("KH-JT-52").unwrap(),
        visitor_phone: None,
    };
    create(pool, &app.state.vault, &app.state.blind_index, who, new, &RequestMeta::default())
        .await
        .unwrap()
        .booking_id
}

/// `(booking status, payment status, block status)`.
pub async fn state(pool: &PgPool, booking: Uuid) -> (String, String, String) {
    sqlx::query_as(
        "select k.status, k.payment_status, b.status from bookings k join availability_blocks b on b.id = k.block_id where k.id = $1",
    )
    .bind(booking)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

pub fn tuple(s: &(String, String, String)) -> (&str, &str, &str) {
    (s.0.as_str(), s.1.as_str(), s.2.as_str())
}

/// A GET of a page, as a browser without JavaScript sends it.
pub fn page(path: &str) -> Request<Body> {
    Request::get(path).header(header::ACCEPT, "text/html").body(Body::empty()).unwrap()
}

/// One request the fake received.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: Method,
    pub path: String,
    pub authorization: Option<String>,
    pub idempotency_key: Option<String>,
    pub body: Value,
}

#[derive(Default)]
struct FakeState {
    requests: Vec<Recorded>,
    payments: HashMap<String, Value>,
    refunds_fail: bool,
}

/// A fake MercadoPago API.
#[derive(Clone, Default)]
pub struct FakeMercadoPago {
    inner: Arc<Mutex<FakeState>>,
    pub base: String,
}

impl FakeMercadoPago {
    /// Starts the fake on an ephemeral port.
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let fake = Self { inner: Arc::default(), base };
        let router = axum::Router::new().fallback(handle).with_state(fake.clone());
        tokio::spawn(async move { axum::serve(listener, router).await.unwrap() });
        fake
    }

    /// The settings that point the server at this fake.
    pub fn vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("MERCADOPAGO_ACCESS_TOKEN", TOKEN.to_string()),
            ("MERCADOPAGO_WEBHOOK_SECRET", SECRET.to_string()),
            ("MERCADOPAGO_API_BASE", self.base.clone()),
        ]
    }

    /// What `GET /v1/payments/{id}` answers.
    pub fn set_payment(&self, id: &str, booking: Uuid, status: &str, amount: Value) {
        let body = json!({
            "id": id.parse::<i64>().unwrap(),
            "status": status,
            "status_detail": "accredited",
            "external_reference": booking.to_string(),
            "transaction_amount": amount,
            "currency_id": "CLP",
            "payer": { "email": "pagador@correo.cl", "identification": { "number": "12345678" } },
        });
        self.inner.lock().unwrap().payments.insert(id.to_string(), body);
    }

    /// Makes refunds answer 500 (or succeed again).
    pub fn fail_refunds(&self, fail: bool) {
        self.inner.lock().unwrap().refunds_fail = fail;
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.inner.lock().unwrap().requests.clone()
    }

    pub fn requests_to(&self, path_part: &str) -> Vec<Recorded> {
        self.requests().into_iter().filter(|r| r.path.contains(path_part)).collect()
    }
}

async fn handle(State(fake): State<FakeMercadoPago>, method: Method, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).map(str::to_string);
    let path = uri.path().to_string();
    let recorded = Recorded {
        method: method.clone(),
        path: path.clone(),
        authorization: header("authorization"),
        idempotency_key: header("x-idempotency-key"),
        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
    };
    let mut state = fake.inner.lock().unwrap();
    state.requests.push(recorded.clone());
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (method.as_str(), segments.as_slice()) {
        ("POST", ["checkout", "preferences"]) => (
            StatusCode::CREATED,
            axum::Json(json!({ "id": "123456-pref", "init_point": "https://www.mercadopago.cl/checkout/v1/redirect?pref_id=123456-pref" })),
        )
            .into_response(),
        ("GET", ["v1", "payments", id]) => match state.payments.get(*id) {
            Some(p) => axum::Json(p.clone()).into_response(),
            None => (StatusCode::NOT_FOUND, axum::Json(json!({ "message": "Payment not found" }))).into_response(),
        },
        ("POST", ["v1", "payments", _, "refunds"]) if state.refunds_fail => {
            (StatusCode::INTERNAL_SERVER_ERROR, axum::Json(json!({ "message": "internal_error" }))).into_response()
        }
        ("POST", ["v1", "payments", id, "refunds"]) => (
            StatusCode::CREATED,
            axum::Json(json!({ "id": 99_000 + state.requests.len(), "payment_id": id, "amount": recorded.body["amount"], "status": "approved" })),
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// Sends a MercadoPago notification for payment `id`, signed with `secret` at `ts`.
pub async fn notify(app: &TestApp, id: &str, secret: &str, ts: i64, request_id: &str) -> Reply {
    let signature = server::payments::signature::sign(secret.as_bytes(), id, request_id, ts);
    notify_raw(app, id, Some(&signature), Some(request_id)).await
}

/// Sends a notification with the given headers (as MercadoPago's servers do: no Origin).
pub async fn notify_raw(app: &TestApp, id: &str, signature: Option<&str>, request_id: Option<&str>) -> Reply {
    let mut req = Request::post(format!("/webhooks/mercadopago?data.id={id}&type=payment"))
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(s) = signature {
        req = req.header("x-signature", s);
    }
    if let Some(r) = request_id {
        req = req.header("x-request-id", r);
    }
    let body = json!({ "action": "payment.updated", "api_version": "v1", "data": { "id": id }, "type": "payment" });
    Client::default().send(app, req.body(Body::from(body.to_string())).unwrap()).await
}

/// Now, as MercadoPago's `ts`.
pub fn now_ts() -> i64 {
    Utc::now().timestamp()
}

/// The text of the element carrying `data-testid="{id}"` (attribute order does not matter).
pub fn testid_text(html: &str, id: &str) -> Option<String> {
    let at = html.find(&format!("data-testid=\"{id}\""))?;
    let rest = &html[at..];
    let open = rest.find('>')? + 1;
    let close = rest[open..].find('<')?;
    Some(rest[open..open + close].to_string())
}
