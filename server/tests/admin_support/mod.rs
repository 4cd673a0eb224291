//! Data the administration router tests share: a building's booking, blocklist entry and
//! pricing rule, written directly.

#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use crate::common::TestApp;
use app::ssr::pii::{PiiValue, BLOCKLIST_VALUE};
use sqlx::PgPool;
use uuid::Uuid;

/// A confirmed, paid booking of `plate` in a new spot of `building`, starting in 3 days.
pub async fn booking(pool: &PgPool, building: Uuid, resident: Uuid, plate: &str, code: &str) -> Uuid {
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
        .bind(building)
        .bind(format!("V{}", &code[..4]))
        .fetch_one(pool)
        .await
        .unwrap();
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, date_trunc('hour', now()) + interval '3 days', date_trunc('hour', now()) + interval '3 days 11 hours', 5000, 'reserved')
         returning id",
    )
    .bind(spot)
    .bind(building)
    .fetch_one(pool)
    .await
    .unwrap();
    let id: Uuid = sqlx::query_scalar(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                               status, payment_status, confirmation_code, guest_pass_token, confirmed_at)
         select id, spot_id, building_id, $2, during, 'Pedro Pérez', $3, 5000, 5000, 1000, 500, 4500,
                'confirmed', 'paid', $4, md5($4) || md5($4), now()
           from availability_blocks where id = $1 returning id",
    )
    .bind(block)
    .bind(resident)
    .bind(plate)
    .bind(code)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into payments (booking_id, provider, provider_payment_id, amount_clp, status, approved_at)
         values ($1, 'simulator', $2, 5000, 'approved', now())",
    )
    .bind(id)
    .bind(format!("sim-{code}"))
    .execute(pool)
    .await
    .unwrap();
    id
}

/// A blocklist entry of plate `plate` for `building` (or global), created by `by`.
pub async fn blocked_plate(app: &TestApp, building: Option<Uuid>, plate: &str, by: Uuid) -> Uuid {
    let id = Uuid::new_v4();
    let value = PiiValue::plate(&app::domain::plate::Plate::parse(plate).unwrap());
    let sealed = BLOCKLIST_VALUE.seal(&app.state.vault, &app.state.blind_index, &id.to_string(), &value).unwrap();
    sqlx::query(
        "insert into blocklist_entries (id, building_id, kind, value_bidx, value_enc, value_display, reason, created_by)
         values ($1, $2, 'plate', $3, $4, $5, 'Daños', $6)",
    )
    .bind(id)
    .bind(building)
    .bind(sealed.bidx)
    .bind(sealed.enc)
    .bind(plate)
    .bind(by)
    .execute(&app.state.pool)
    .await
    .unwrap();
    id
}

/// An active ×2 pricing rule of `building` over the next 30 days.
pub async fn rule(pool: &PgPool, building: Uuid, name: &str) -> Uuid {
    sqlx::query_scalar(
        "insert into pricing_rules (building_id, name, priority, starts_at, ends_at, multiplier_bp)
         values ($1, $2, 1, now(), now() + interval '30 days', 20000) returning id",
    )
    .bind(building)
    .bind(name)
    .fetch_one(pool)
    .await
    .unwrap()
}
