//! The tenant-isolation matrix of the administration server functions: each one called as a
//! resident, a concierge and the building admin of building A, the building admin of building
//! B, support and admin, against data of building A. The expected answer of every cell is in
//! the tables below; a denied or foreign caller must never receive any of A's data.
//!
//! | function                  | resident A | concierge A | admin of A | admin of B          | support | admin |
//! |---------------------------|------------|-------------|------------|---------------------|---------|-------|
//! | admin/blocklist (read)    | 403        | 403         | A's data   | 200, none of A's    | A's     | A's   |
//! | admin/bookings (read)     | 403        | 403         | A's data   | 200, none of A's    | A's     | A's   |
//! | admin/residents (read)    | 403        | 403         | A's data   | 200, none of A's    | A's     | A's   |
//! | admin/pricing (read)      | 403        | 403         | A's data   | 200, own building   | A's     | A's   |
//! | admin/audit (read)        | 403        | 403         | A's data   | 200, none of A's    | A's     | A's   |
//! | CSV export (read)         | 403        | 403         | A's rows   | 200, header only    | A's     | A's   |
//! | messages/list (read)      | 403        | 403         | A's        | 200, none of A's    | A's     | A's   |
//! | admin/blocklist_remove    | 403        | 403         | ok         | 404                 | 403     | ok    |
//! | admin/blocklist_add (→ A) | 403        | 403         | ok         | ok, but into B      | 403     | ok    |
//! | admin/resident_ban        | 403        | 403         | ok         | 404                 | 403     | ok    |
//! | admin/resident_restore    | 403        | 403         | ok         | 404                 | 403     | ok    |
//! | admin/resident_deactivate | 403        | 403         | ok         | 404                 | 403     | ok    |
//! | admin/pricing_save (edit) | 403        | 403         | ok         | 404                 | 403     | ok    |
//! | admin/pricing_deactivate  | 403        | 403         | ok         | 404                 | 403     | ok    |
//! | payments/cancel_booking   | 404        | 403         | ok         | 404                 | ok      | ok    |
//!
//! (The booking belongs to another resident of A: a resident cancelling it gets 404, it is not
//! theirs.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin_support;
mod common;

use admin_support::*;
use axum::body::Body;
use common::*;
use http::{Request, StatusCode};
use sqlx::PgPool;
use uuid::Uuid;

/// Strings that only building A's data contains.
const A_MARKERS: [&str; 4] = ["Torre Alfa", "KHJT", "Regla Alfa", "res.a@x.cl"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Refused with this status; the body carries none of A's data.
    Denied(StatusCode),
    /// 200 and A's data is there.
    SeesA,
    /// 200 and none of A's data.
    SeesNoneOfA,
    /// The change succeeded.
    Done,
}
use Expect::*;

const ROLES: [&str; 6] = ["resident A", "concierge A", "admin of A", "admin of B", "support", "admin"];

struct World {
    app: TestApp,
    a: Uuid,
    clients: Vec<Client>,
    /// The resident staff ban and restore (not the one calling as "resident A", whose session
    /// a ban would end).
    target: Uuid,
    entry: Uuid,
    rule: Uuid,
    booking: Uuid,
}

async fn world(pool: PgPool) -> World {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    let resident_a = user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    let target = user(&app, "vecino.a@x.cl", "resident", "active", Some(a)).await;
    user(&app, "con.a@x.cl", "concierge", "active", Some(a)).await;
    let admin_a = user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "adm.b@x.cl", "building_admin", "active", Some(b)).await;
    user(&app, "sup@x.cl", "support", "active", None).await;
    user(&app, "adm@x.cl", "admin", "active", None).await;
    sqlx::query("update resident_profiles set approved_at = now(), approved_by = $1 where user_id = $1")
        .bind(resident_a)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let entry = blocked_plate(&app, Some(a.0), "KHJT52", admin_a).await;
    let rule = rule(&app.state.pool, a.0, "Regla Alfa").await;
    let booking = booking(&app.state.pool, a.0, target, "KHJT52", "ABCD2345").await;
    // A WhatsApp message about A.
    let message = Uuid::new_v4();
    let recipient = app
        .state
        .vault
        .encrypt("+56912345678", &app::ssr::pii::notification_recipient(&message.to_string()))
        .unwrap();
    sqlx::query(
        "insert into notifications (id, booking_id, building_id, kind, audience, recipient_bidx, recipient_enc,
                                    idempotency_key, rendered_body)
         values ($1, $2, $3, 'booking_confirmed', 'resident', $4, $5, 'isolation:a', 'Tu visita en Torre Alfa')",
    )
    .bind(message)
    .bind(booking)
    .bind(a.0)
    .bind(vec![0u8; 32])
    .bind(recipient)
    .execute(&app.state.pool)
    .await
    .unwrap();
    // Something of A on the audit trail.
    sqlx::query("insert into audit_log (actor_id, actor_type, actor_role, building_id, action, entity_type, metadata) values ($1, 'user', 'building_admin', $2, 'test.torre_alfa', 'building', '{\"who\": \"Torre Alfa\"}')")
        .bind(admin_a)
        .bind(a.0)
        .execute(&app.state.pool)
        .await
        .unwrap();
    let mut clients = Vec::new();
    for email in ["res.a@x.cl", "con.a@x.cl", "adm.a@x.cl", "adm.b@x.cl", "sup@x.cl", "adm@x.cl"] {
        let mut c = Client::default();
        let r = c.log_in(&app, email, PASSWORD).await;
        assert!(r.header("location").is_some(), "{email} could not log in: {}", r.body);
        clients.push(c);
    }
    World { app, a: a.0, clients, target, entry, rule, booking }
}

fn check(role: &str, what: &str, r: &Reply, expected: Expect) {
    let has_a = A_MARKERS.iter().any(|m| r.body.contains(m));
    match expected {
        Denied(status) => {
            assert_eq!(r.status, status, "{what} as {role}: {}", r.body);
            assert!(!has_a, "{what} as {role} leaked A's data: {}", r.body);
        }
        SeesA => {
            assert_eq!(r.status, StatusCode::OK, "{what} as {role}: {}", r.body);
            assert!(has_a, "{what} as {role} should see A's data: {}", r.body);
        }
        SeesNoneOfA => {
            assert_eq!(r.status, StatusCode::OK, "{what} as {role}: {}", r.body);
            assert!(!has_a, "{what} as {role} leaked A's data: {}", r.body);
        }
        Done => assert!(r.status.is_success(), "{what} as {role}: {} {}", r.status, r.body),
    }
}

/// A server function, its form, and the expected answer per role (in `ROLES` order).
type Row<'a, E> = (&'a str, Vec<(&'a str, &'a str)>, [E; 6]);

const F: StatusCode = StatusCode::FORBIDDEN;
const N: StatusCode = StatusCode::NOT_FOUND;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn reads_are_scoped_to_the_callers_building(pool: PgPool) {
    let mut w = world(pool).await;
    let a = w.a.to_string();
    let reads: [Row<'_, Expect>; 6] = [
        ("admin/blocklist", vec![("edificio", &a), ("buscar", "")], [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
        (
            "admin/bookings",
            vec![
                ("filter[edificio]", &a),
                ("filter[estado]", ""),
                ("filter[desde]", ""),
                ("filter[hasta]", ""),
                ("filter[buscar]", ""),
                ("pagina", "1"),
            ],
            [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA],
        ),
        ("admin/residents", vec![("edificio", &a), ("estado", "")], [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
        ("admin/pricing", vec![("edificio", &a)], [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
        ("messages/list", vec![], [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
        (
            "admin/audit",
            vec![
                ("filter[edificio]", &a),
                ("filter[actor]", ""),
                ("filter[accion]", ""),
                ("filter[entidad]", ""),
                ("filter[desde]", ""),
                ("filter[hasta]", ""),
                ("pagina", "1"),
            ],
            [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA],
        ),
    ];
    for (endpoint, form, expected) in reads {
        for (i, role) in ROLES.iter().enumerate() {
            let r = w.clients[i].call(&w.app, endpoint, &form).await;
            check(role, endpoint, &r, expected[i]);
        }
    }
    let csv_expected = [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA];
    for (i, role) in ROLES.iter().enumerate() {
        let req = Request::get(format!("/admin/reservas/exportar?edificio={a}")).body(Body::empty()).unwrap();
        let r = w.clients[i].send(&w.app, req).await;
        check(role, "CSV export", &r, csv_expected[i]);
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn changes_to_another_buildings_data_are_refused(pool: PgPool) {
    let mut w = world(pool).await;
    let (a, entry, rule, resident, booking) =
        (w.a.to_string(), w.entry.to_string(), w.rule.to_string(), w.target.to_string(), w.booking.to_string());
    // Denied callers first (index 0, 1, 3, 4 where refused), then the allowed ones in an order
    // that keeps the data in place for the next row.
    // The rule's period: the month starting 30 days ahead of the clock.
    let first_day = (chrono::Utc::now() + chrono::TimeDelta::days(30)).date_naive();
    let (rule_from, rule_until) = (first_day.to_string(), (first_day + chrono::TimeDelta::days(30)).to_string());
    let writes: Vec<Row<'_, Option<Expect>>> = vec![
        (
            "admin/blocklist_remove",
            vec![("entry_id", &entry)],
            [Some(Denied(F)), Some(Denied(F)), None, Some(Denied(N)), Some(Denied(F)), None],
        ),
        (
            "admin/resident_ban",
            vec![("user_id", &resident), ("reason", "Prueba de aislamiento")],
            [Some(Denied(F)), Some(Denied(F)), None, Some(Denied(N)), Some(Denied(F)), Some(Done)],
        ),
        (
            "admin/resident_restore",
            vec![("user_id", &resident)],
            [Some(Denied(F)), Some(Denied(F)), None, Some(Denied(N)), Some(Denied(F)), Some(Done)],
        ),
        (
            "admin/resident_ban",
            vec![("user_id", &resident), ("reason", "Prueba de aislamiento")],
            [None, None, Some(Done), None, None, None],
        ),
        ("admin/resident_restore", vec![("user_id", &resident)], [None, None, Some(Done), None, None, None]),
        (
            "admin/resident_deactivate",
            vec![("user_id", &resident)],
            [Some(Denied(F)), Some(Denied(F)), None, Some(Denied(N)), Some(Denied(F)), Some(Done)],
        ),
        ("admin/resident_restore", vec![("user_id", &resident)], [None, None, Some(Done), None, None, None]),
        ("admin/resident_deactivate", vec![("user_id", &resident)], [None, None, Some(Done), None, None, None]),
        ("admin/resident_restore", vec![("user_id", &resident)], [None, None, None, None, None, Some(Done)]),
        (
            "admin/pricing_save",
            vec![
                ("rule_id", &rule),
                ("building_id", &a),
                ("name", "Regla Alfa"),
                ("priority", "2"),
                ("desde", &rule_from),
                ("hasta", &rule_until),
                ("multiplier", "1,5"),
            ],
            [Some(Denied(F)), Some(Denied(F)), Some(Done), Some(Denied(N)), Some(Denied(F)), Some(Done)],
        ),
        (
            "admin/pricing_deactivate",
            vec![("rule_id", &rule)],
            [Some(Denied(F)), Some(Denied(F)), None, Some(Denied(N)), Some(Denied(F)), Some(Done)],
        ),
        (
            "payments/cancel_booking",
            vec![("booking_id", &booking)],
            [Some(Denied(N)), Some(Denied(F)), None, Some(Denied(N)), Some(Done), None],
        ),
        ("admin/blocklist_remove", vec![("entry_id", &entry)], [None, None, Some(Done), None, None, None]),
    ];
    for (endpoint, form, expected) in &writes {
        for (i, role) in ROLES.iter().enumerate() {
            if let Some(e) = expected[i] {
                let r = w.clients[i].call(&w.app, endpoint, form).await;
                check(role, endpoint, &r, e);
            }
        }
    }
    // Adding "to A" as B's admin lands in B (the building comes from the session, not the form).
    let add = [("kind", "plate"), ("value", "ZZZZ11"), ("reason", "Prueba"), ("building_id", a.as_str())];
    for (i, expected) in [(0, Denied(F)), (1, Denied(F)), (4, Denied(F)), (3, Done)] {
        let r = w.clients[i].call(&w.app, "admin/blocklist_add", &add).await;
        check(ROLES[i], "admin/blocklist_add", &r, expected);
    }
    let in_a: i64 = sqlx::query_scalar("select count(*) from blocklist_entries where building_id = $1")
        .bind(w.a)
        .fetch_one(&w.app.state.pool)
        .await
        .unwrap();
    assert_eq!(in_a, 0, "B's admin must not have written into A");
    // The resident is active again, the booking cancelled with a full refund, the rule inactive.
    let state: (String, String, bool) = sqlx::query_as(
        "select (select status from users where id = $1), (select status from bookings where id = $2),
                (select active from pricing_rules where id = $3)",
    )
    .bind(w.target)
    .bind(w.booking)
    .bind(w.rule)
    .fetch_one(&w.app.state.pool)
    .await
    .unwrap();
    assert_eq!(state, ("active".into(), "cancelled".into(), false));
    let refund: i64 = sqlx::query_scalar("select amount_clp from refunds where booking_id = $1")
        .bind(w.booking)
        .fetch_one(&w.app.state.pool)
        .await
        .unwrap();
    assert_eq!(refund, 5000, "staff cancel refunds 100 %");
}
