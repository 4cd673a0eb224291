//! The world the privacy tests run in: a building, residents with every kind of personal data,
//! their bookings and messages, and dumps of what the database holds.

use crate::domain::money::Clp;
use crate::domain::{email::Email, names::PersonName, password::NewPassword, phone::MobilePhone, role::Role, rut::Rut};
use crate::identity::ssr::{sign_up, NewResident};
use crate::payments::gateway::{Checkout, CheckoutUrl, GatewayError, PaymentGateway, PaymentToRefund, Provider, RefundOutcome};
use crate::ssr::{
    actor::Actor,
    audit::RequestMeta,
    blind_index::{BlindField, BlindIndexer},
    pii,
    test_support::keys,
    vault::Vault,
};
use chrono::{DateTime, Duration, Utc};
use sqlx::PgPool;
use uuid::Uuid;

pub(super) const PASSWORD: &str = "Clave.Privada.2026";

/// A gateway that accepts every refund.
pub(super) struct OkGateway;

#[async_trait::async_trait]
impl PaymentGateway for OkGateway {
    fn provider(&self) -> Provider {
        Provider::Simulator
    }
    async fn create_checkout(&self, c: &Checkout) -> Result<CheckoutUrl, GatewayError> {
        Ok(CheckoutUrl { url: format!("/pagar/{}", c.booking_id), preference_id: None })
    }
    async fn refund(&self, _p: &PaymentToRefund, _amount: Clp, key: &str) -> RefundOutcome {
        RefundOutcome::Succeeded { provider_refund_id: format!("r-{key}") }
    }
}

pub(super) struct World {
    pub(super) vault: Vault,
    pub(super) indexer: BlindIndexer,
    pub(super) building: Uuid,
    pub(super) spot: Uuid,
}

pub(super) async fn world(pool: &PgPool, name: &str) -> World {
    let (vault, indexer) = keys();
    let building: Uuid = sqlx::query_scalar("insert into buildings (name, address) values ($1, 'Av. Italia 1000') returning id")
        .bind(name)
        .fetch_one(pool)
        .await
        .unwrap();
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
        .bind(building)
        .fetch_one(pool)
        .await
        .unwrap();
    World { vault, indexer, building, spot }
}

/// The values of one fixture person.
pub(super) struct Person {
    pub(super) first: &'static str,
    pub(super) last: &'static str,
    pub(super) email: &'static str,
    pub(super) rut: &'static str,
    pub(super) phone: &'static str,
}

/// A real, approved resident: through sign-up, so everything is encrypted and indexed.
pub(super) async fn resident(pool: &PgPool, w: &World, unit: &str, p: &Person) -> Actor {
    let unit: Uuid = sqlx::query_scalar("insert into units (building_id, number) values ($1, $2) returning id")
        .bind(w.building)
        .bind(unit)
        .fetch_one(pool)
        .await
        .unwrap();
    let new = NewResident {
        first_name: PersonName::parse(p.first).unwrap(),
        last_name: PersonName::parse(p.last).unwrap(),
        email: Email::parse(p.email).unwrap(),
        password: NewPassword::parse(PASSWORD).unwrap(),
        rut: Rut::parse(p.rut).unwrap(),
        phone: MobilePhone::parse(p.phone).unwrap(),
        building_id: w.building,
        unit_id: unit,
    };
    let id = sign_up(pool, &w.vault, &w.indexer, new, &RequestMeta::default()).await.unwrap();
    sqlx::query("update users set status = 'active' where id = $1")
        .bind(id)
        .execute(pool)
        .await
        .unwrap();
    Actor { id, role: Role::Resident, building_id: Some(w.building), full_name: format!("{} {}", p.first, p.last) }
}

/// A visitor as a booking names them.
pub(super) struct Visitor {
    pub(super) name: &'static str,
    pub(super) plate: &'static str,
    pub(super) phone: &'static str,
}

/// Ana's usual visitor.
pub(super) const PEDRO: Visitor = Visitor { name: "Pedro Pérez", plate: "KHJT52", phone: "+56987654321" };
/// Ana's visitor of a later booking.
pub(super) const ROSA: Visitor = Visitor { name: "Rosa Díaz", plate: "BBCL12", phone: "+56987650000" };
/// Bruno's visitor.
pub(super) const XIMENA: Visitor = Visitor { name: "Ximena Zúñiga", plate: "ZZXY98", phone: "+56911112222" };

/// A paid booking of `who` for `visitor`, for a block `[start, start + 12 h)`, with its payment,
/// a gate event and a message to the resident.
pub(super) async fn booking(
    pool: &PgPool,
    w: &World,
    who: &Actor,
    start: DateTime<Utc>,
    visitor: &Visitor,
    status: &str,
) -> Uuid {
    let Visitor { name: visitor, plate, phone } = *visitor;
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, $3, $3 + interval '12 hours', 5000, 'reserved') returning id",
    )
    .bind(w.spot)
    .bind(w.building)
    .bind(start)
    .fetch_one(pool)
    .await
    .unwrap();
    let id = Uuid::new_v4();
    let phone_enc = w.vault.encrypt(phone, &pii::visitor_phone(&id.to_string())).unwrap();
    let code: String = (0..8).map(|i| ['A', 'B', 'C', 'D', '2', '3', '4', '5'][(id.as_bytes()[i] % 8) as usize]).collect();
    sqlx::query(
        "insert into bookings (id, block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               visitor_phone_enc, visitor_phone_bidx, base_price_clp, amount_clp, commission_rate_bp,
                               platform_commission_clp, building_share_clp, status, payment_status, confirmation_code,
                               guest_pass_token, confirmed_at, completed_at)
         select $1, b.id, b.spot_id, b.building_id, $3, b.during, $4, $5, $6, $7, 5000, 5000, 1000, 500, 4500, $8, 'paid', $9,
                $10, b.starts_at - interval '1 day', case when $8 = 'completed' then b.ends_at end
           from availability_blocks b where b.id = $2",
    )
    .bind(id)
    .bind(block)
    .bind(who.id)
    .bind(visitor)
    .bind(plate)
    .bind(phone_enc)
    .bind(w.indexer.index(BlindField::Phone, phone).to_vec())
    .bind(status)
    .bind(code)
    .bind(format!("pass-{}", id.simple()))
    .execute(pool)
    .await
    .unwrap();
    sqlx::query("insert into payments (booking_id, provider, amount_clp, status, approved_at) values ($1, 'simulator', 5000, 'approved', $2)")
        .bind(id)
        .bind(start - Duration::days(1))
        .execute(pool)
        .await
        .unwrap();
    sqlx::query("insert into access_events (booking_id, building_id, kind, plate_observed, query_text, occurred_at) values ($1, $2, 'verify_allowed', $3, $3, $4)")
        .bind(id)
        .bind(w.building)
        .bind(plate)
        .bind(start)
        .execute(pool)
        .await
        .unwrap();
    message(
        pool,
        w,
        who,
        Some(id),
        start - Duration::days(1),
        &format!("Hola {}, tu visita {visitor} llega pronto.", who.full_name),
    )
    .await;
    id
}

/// A sent WhatsApp message to `who`'s phone.
pub(super) async fn message(pool: &PgPool, w: &World, who: &Actor, booking: Option<Uuid>, at: DateTime<Utc>, body: &str) {
    let id = Uuid::new_v4();
    let phone: Vec<u8> = sqlx::query_scalar("select phone_enc from users where id = $1")
        .bind(who.id)
        .fetch_one(pool)
        .await
        .unwrap();
    let phone = w.vault.decrypt(&phone, &pii::user_phone(&who.id.to_string())).unwrap();
    sqlx::query(
        "insert into notifications (id, booking_id, user_id, building_id, kind, audience, recipient_bidx, recipient_enc,
                                    idempotency_key, status, rendered_body, sent_at, created_at)
         values ($1, $2, $3, $4, 'booking_confirmed', 'resident', $5, $6, $7, 'sent', $8, $9, $9)",
    )
    .bind(id)
    .bind(booking)
    .bind(who.id)
    .bind(w.building)
    .bind(w.indexer.index(BlindField::Phone, &phone).to_vec())
    .bind(w.vault.encrypt(&phone, &pii::notification_recipient(&id.to_string())).unwrap())
    .bind(format!("test:{id}"))
    .bind(body)
    .bind(at)
    .execute(pool)
    .await
    .unwrap();
}

pub(super) const ANA: Person = Person {
    first: "Anastasia",
    last: "Villavicencio",
    email: "anastasia.v@correo.cl",
    rut: "11.111.111-1",
    phone: "+56 9 7111 2233",
};

pub(super) const BRUNO: Person = Person {
    first: "Bartolomé",
    last: "Quintanilla",
    email: "bartolome.q@correo.cl",
    rut: "22.222.222-2",
    phone: "+56 9 7444 5566",
};

pub(super) async fn snapshot(pool: &PgPool, sql: &str) -> Vec<String> {
    sqlx::query_scalar(sql).fetch_all(pool).await.unwrap()
}

/// The test database as `pg_dump --data-only` prints it.
pub(super) async fn dump(pool: &PgPool) -> String {
    let db: String = sqlx::query_scalar("select current_database()").fetch_one(pool).await.unwrap();
    let base = std::env::var("DATABASE_URL").unwrap();
    let url = format!("{}/{db}", &base[..base.rfind('/').unwrap()]);
    let out = std::process::Command::new("pg_dump").args(["--data-only", "--no-owner", &url]).output().unwrap();
    assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}
