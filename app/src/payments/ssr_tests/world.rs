//! The world the payment tests run in: a fake gateway that records refunds, a building with staff
//! and a resident, bookings, gateway reports and counts of what the database holds.

use crate::booking::ssr::{create, NewBooking};
use crate::domain::{names::VisitorName, plate::Plate};
use crate::payments::apply::GatewayPayment;
use crate::payments::gateway::{PaymentToRefund, Provider, RefundOutcome};
use crate::payments::ssr::*;
use crate::ssr::test_support::resident;
use crate::ssr::{audit::RequestMeta, blind_index::BlindIndexer, keys::KeyRing, vault::Vault};
use chrono::TimeDelta;
use serde_json::json;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Mutex;

/// A gateway that records refunds and fails them while `fail` is set; while `slow` is set it
/// takes a moment to answer, as a real one does (so racing callers overlap with the call).
#[derive(Default)]
pub(super) struct FakeGateway {
    pub(super) fail: AtomicBool,
    pub(super) slow: AtomicBool,
    pub(super) refunds: Mutex<Vec<(String, i64)>>,
}

#[async_trait::async_trait]
impl PaymentGateway for FakeGateway {
    fn provider(&self) -> Provider {
        Provider::Simulator
    }

    async fn create_checkout(
        &self,
        c: &Checkout,
    ) -> Result<crate::payments::gateway::CheckoutUrl, crate::payments::gateway::GatewayError> {
        Ok(crate::payments::gateway::CheckoutUrl {
            url: format!("/pagar/{}", c.booking_id),
            preference_id: Some("pref-1".into()),
        })
    }

    async fn refund(&self, _p: &PaymentToRefund, amount: Clp, key: &str) -> RefundOutcome {
        self.refunds.lock().unwrap().push((key.to_string(), amount.pesos()));
        if self.slow.load(Ordering::SeqCst) {
            tokio::time::sleep(std::time::Duration::from_millis(300)).await;
        }
        if self.fail.load(Ordering::SeqCst) {
            RefundOutcome::Failed { reason: "HTTP 500".into(), retryable: true }
        } else {
            RefundOutcome::Succeeded { provider_refund_id: format!("r-{key}") }
        }
    }
}

pub(super) struct World {
    pub(super) vault: Vault,
    pub(super) indexer: BlindIndexer,
    pub(super) building: Uuid,
    pub(super) spot: Uuid,
    pub(super) resident: Actor,
}

pub(super) async fn staff(pool: &PgPool, role: Role, building: Option<Uuid>) -> Actor {
    let id = Uuid::new_v4();
    sqlx::query(
        "insert into users (id, email, password_hash, role, building_id, status, full_name, phone_enc, phone_bidx)
         values ($1, $2, 'x', $3, $4, 'active', 'Equipo', '\\x00', $5)",
    )
    .bind(id)
    .bind(format!("{id}@staff.cl"))
    .bind(role.as_str())
    .bind(building)
    .bind(id.as_bytes().repeat(2))
    .execute(pool)
    .await
    .unwrap();
    Actor { id, role, building_id: building, full_name: "Equipo".into() }
}

pub(super) async fn world(pool: &PgPool) -> World {
    let ring = KeyRing::from_config(None, None, false).unwrap();
    let (vault, indexer) = (Vault::new(&ring), BlindIndexer::new(&ring).unwrap());
    let building: Uuid =
        sqlx::query_scalar("insert into buildings (name, address) values ('Torre A', 'Av. Italia 1000') returning id")
            .fetch_one(pool)
            .await
            .unwrap();
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
        .bind(building)
        .fetch_one(pool)
        .await
        .unwrap();
    let resident = resident(pool, &indexer, building, "camila@x.cl").await;
    World { vault, indexer, building, spot, resident }
}

/// The start of the `n`-th test block: 20:00 in Santiago, `n` days after the test day (a month
/// ahead of the clock, so a block never starts in the past).
pub(super) fn start(n: i64) -> DateTime<Utc> {
    crate::ssr::test_support::local_instant(n, 20)
}

/// A pending booking of `who` on the `n`-th block (5.000 CLP).
pub(super) async fn booking(pool: &PgPool, w: &World, who: &Actor, n: i64) -> Uuid {
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, $3, $4, 5000) returning id",
    )
    .bind(w.spot)
    .bind(w.building)
    .bind(start(n))
    .bind(start(n) + TimeDelta::hours(11))
    .fetch_one(pool)
    .await
    .unwrap();
    let new = NewBooking {
        block_id: block,
        visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
        plate: Plate::parse("KHJT52").unwrap(),
        visitor_phone: None,
    };
    create(pool, &w.vault, &w.indexer, who, new, &RequestMeta::default()).await.unwrap().booking_id
}

pub(super) fn report(booking: Uuid, payment_id: &str, status: &str, amount: i64) -> GatewayPayment {
    GatewayPayment {
        provider: Provider::MercadoPago,
        provider_payment_id: payment_id.into(),
        status: status.into(),
        status_detail: None,
        external_reference: Some(booking.to_string()),
        amount: Some(Clp::new(amount)),
        currency: Some("CLP".into()),
        raw: json!({ "id": payment_id }),
    }
}

pub(super) async fn state(pool: &PgPool, booking: Uuid) -> (String, String, String) {
    sqlx::query_as(
        "select k.status, k.payment_status, b.status from bookings k join availability_blocks b on b.id = k.block_id where k.id = $1",
    )
    .bind(booking)
    .fetch_one(pool)
    .await
    .unwrap()
}

pub(super) async fn count(pool: &PgPool, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

pub(super) fn meta() -> RequestMeta {
    RequestMeta::default()
}
