//! The tenant-isolation matrix of the resident, concierge and approval server functions: each
//! called by the residents, concierges and building admins of buildings A and B, support and
//! admin, against building A's data (a booking at A's gate in 10 minutes, a free block, a
//! pending sign-up). The expected answer of every cell is in the table below and in the code;
//! a denied or foreign caller never receives any of A's data.
//!
//! | function                    | res A | res B | con A | con B | adm A | adm B | support | admin |
//! |-----------------------------|-------|-------|-------|-------|-------|-------|---------|-------|
//! | booking/search (A's day)    | A     | none  | 403   | 403   | 403   | 403   | 403     | 403   |
//! | booking/quote (A's block)   | A     | 404   | 403   | 403   | 403   | 403   | 403     | 403   |
//! | booking/mine                | A     | none  | 403   | 403   | 403   | 403   | 403     | 403   |
//! | payments/result (A's)       | A     | 404   | 404   | 404   | 404   | 404   | 404     | 404   |
//! | payments/refund_preview     | A     | 404   | 403   | 403   | A     | 404   | A       | A     |
//! | gate/lists                  | 403   | 403   | A     | none  | A     | none  | 403     | 403   |
//! | gate/verify + verdict (A's) | 403   | 403   | A     | none  | A     | none  | 403     | 403   |
//! | gate/verdict of A's check   | 403   | 403   | A     | 404   | A     | 404   | 403     | 403   |
//! | gate/register (check in)    | 403   | 403   | ok    | 404   | —     | 404   | 403     | 403   |
//! | identity/pending_residents  | 403   | 403   | 403   | 403   | A     | none  | A       | A     |
//! | identity/approve_resident   | 403   | 403   | 403   | 403   | ok    | 404   | 403     | —     |
//! | identity/reject_resident    | 403   | 403   | 403   | 403   | —     | 404   | 403     | ok    |
//!
//! ("—": not called, the row's change was already made by another allowed caller.) The payment
//! result page is the payer's own; staff follow a booking on /admin/reservas.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

/// Strings only building A's data contains.
const A_MARKERS: [&str; 5] = ["Torre Alfa", "ALFA1", "KHJT", "Pendiente Alfa", "Visita Alfa"];

const ROLES: [&str; 8] = ["res A", "res B", "con A", "con B", "adm A", "adm B", "support", "admin"];
const F: StatusCode = StatusCode::FORBIDDEN;
const N: StatusCode = StatusCode::NOT_FOUND;

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    Denied(StatusCode),
    SeesA,
    SeesNoneOfA,
    Done,
    Skip,
}
use Expect::*;

/// The mismatch of one cell, if any (collected so one run reports the whole matrix).
fn check(role: &str, what: &str, r: &Reply, expected: Expect) -> Option<String> {
    let has_a = A_MARKERS.iter().any(|m| r.body.contains(m));
    let ok = match expected {
        Denied(status) => r.status == status && !has_a,
        SeesA => r.status == StatusCode::OK && has_a,
        SeesNoneOfA => r.status == StatusCode::OK && !has_a,
        Done => r.status.is_success(),
        Skip => true,
    };
    (!ok).then(|| format!("{what} as {role}: expected {expected:?}, got {} (A's data: {has_a}) {}", r.status, r.body))
}

/// A server function, its form, and the expected answer per role (in `ROLES` order).
type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, [Expect; 8]);

struct World {
    app: TestApp,
    clients: Vec<Client>,
    booking: Uuid,
    block: Uuid,
    day: String,
    pending: Uuid,
    pending2: Uuid,
}

async fn world(pool: PgPool) -> World {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    let res_a = user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    let res_b = user(&app, "res.b@x.cl", "resident", "active", Some(b)).await;
    for id in [res_a, res_b] {
        sqlx::query("update resident_profiles set approved_at = now(), approved_by = $1 where user_id = $1")
            .bind(id)
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
    for (email, role, building) in [
        ("con.a@x.cl", "concierge", Some(a)),
        ("con.b@x.cl", "concierge", Some(b)),
        ("adm.a@x.cl", "building_admin", Some(a)),
        ("adm.b@x.cl", "building_admin", Some(b)),
        ("sup@x.cl", "support", None),
        ("adm@x.cl", "admin", None),
    ] {
        user(&app, email, role, "active", building).await;
    }
    let pending = user(&app, "pend.a@x.cl", "resident", "pending", Some(a)).await;
    let pending2 = user(&app, "pend2.a@x.cl", "resident", "pending", Some(a)).await;
    for id in [pending, pending2] {
        sqlx::query("update users set full_name = 'Pendiente Alfa' where id = $1")
            .bind(id)
            .execute(&app.state.pool)
            .await
            .unwrap();
    }
    let pool = &app.state.pool;
    // A's spot ALFA1: a booking arriving in 10 minutes (the check-in window is open) and a free
    // block the day after tomorrow.
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'ALFA1') returning id")
        .bind(a.0)
        .fetch_one(pool)
        .await
        .unwrap();
    let booked: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, now() + interval '10 minutes', now() + interval '3 hours', 5000, 'reserved') returning id",
    )
    .bind(spot)
    .bind(a.0)
    .fetch_one(pool)
    .await
    .unwrap();
    let booking: Uuid = sqlx::query_scalar(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                               status, payment_status, confirmation_code, guest_pass_token, confirmed_at)
         select id, spot_id, building_id, $2, during, 'Visita Alfa', 'KHJT52', 5000, 5000, 1000, 500, 4500,
                'confirmed', 'paid', 'ABCD2345', md5('alfa') || md5('alfa'), now()
           from availability_blocks where id = $1 returning id",
    )
    .bind(booked)
    .bind(res_a)
    .fetch_one(pool)
    .await
    .unwrap();
    let (block, day): (Uuid, String) = sqlx::query_as(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp)
         values ($1, $2, date_trunc('day', now()) + interval '2 days 12 hours', date_trunc('day', now()) + interval '2 days 23 hours', 5000)
         returning id, to_char(starts_at at time zone 'America/Santiago', 'YYYY-MM-DD')",
    )
    .bind(spot)
    .bind(a.0)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut clients = Vec::new();
    for email in ["res.a@x.cl", "res.b@x.cl", "con.a@x.cl", "con.b@x.cl", "adm.a@x.cl", "adm.b@x.cl", "sup@x.cl", "adm@x.cl"] {
        let mut c = Client::default();
        let r = c.log_in(&app, email, PASSWORD).await;
        assert!(r.header("location").is_some(), "{email} could not log in: {}", r.body);
        clients.push(c);
    }
    World { app, clients, booking, block, day, pending, pending2 }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn resident_and_gate_functions_never_cross_buildings(pool: PgPool) {
    let mut w = world(pool).await;
    let mut wrong = Vec::new();
    let (booking, block, day) = (w.booking.to_string(), w.block.to_string(), w.day.clone());
    let reads: Vec<Row<'_>> = vec![
        (
            "booking/search",
            vec![("date", &day), ("kind", "")],
            [SeesA, SeesNoneOfA, Denied(F), Denied(F), Denied(F), Denied(F), Denied(F), Denied(F)],
        ),
        (
            "booking/quote",
            vec![("block_id", &block)],
            [SeesA, Denied(N), Denied(F), Denied(F), Denied(F), Denied(F), Denied(F), Denied(F)],
        ),
        ("booking/mine", vec![], [SeesA, SeesNoneOfA, Denied(F), Denied(F), Denied(F), Denied(F), Denied(F), Denied(F)]),
        (
            "payments/result",
            vec![("booking_id", &booking)],
            [SeesA, Denied(N), Denied(N), Denied(N), Denied(N), Denied(N), Denied(N), Denied(N)],
        ),
        (
            "payments/refund_preview",
            vec![("booking_id", &booking)],
            [SeesA, Denied(N), Denied(F), Denied(F), SeesA, Denied(N), SeesA, SeesA],
        ),
        ("gate/lists", vec![], [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesNoneOfA, Denied(F), Denied(F)]),
        ("identity/pending_residents", vec![], [Denied(F), Denied(F), Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
    ];
    for (endpoint, form, expected) in &reads {
        for (i, role) in ROLES.iter().enumerate() {
            let r = w.clients[i].call(&w.app, endpoint, form).await;
            wrong.extend(check(role, endpoint, &r, expected[i]));
        }
    }

    // The gate: verifying A's plate at B's gate finds nothing of A; A's verdict is A's only.
    let verify_expected = [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesNoneOfA, Denied(F), Denied(F)];
    let mut verdict_of_a = String::new();
    for (i, role) in ROLES.iter().enumerate() {
        let r = w.clients[i].call(&w.app, "gate/verify", &[("q", "KHJT-52")]).await;
        match verify_expected[i] {
            Denied(s) => wrong.extend(check(role, "gate/verify", &r, Denied(s))),
            expected => {
                let location = r.header("location").unwrap_or_default().to_string();
                let v = location.split("v=").nth(1).unwrap_or_default().to_string();
                if v.is_empty() {
                    wrong.push(format!("gate/verify as {role}: no verdict, {} {}", r.status, r.body));
                    continue;
                }
                let verdict = w.clients[i].call(&w.app, "gate/verdict", &[("v", &v)]).await;
                wrong.extend(check(role, "gate/verdict", &verdict, expected));
                if i == 2 {
                    verdict_of_a = v;
                }
            }
        }
    }
    let verdict_expected = [Denied(F), Denied(F), SeesA, Denied(N), SeesA, Denied(N), Denied(F), Denied(F)];
    for (i, role) in ROLES.iter().enumerate() {
        let r = w.clients[i].call(&w.app, "gate/verdict", &[("v", &verdict_of_a)]).await;
        wrong.extend(check(role, "gate/verdict of A's check", &r, verdict_expected[i]));
    }

    let (pending, pending2) = (w.pending.to_string(), w.pending2.to_string());
    let writes: Vec<Row<'_>> = vec![
        (
            "gate/register",
            vec![("booking_id", &booking), ("accion", "ingreso")],
            [Denied(F), Denied(F), Skip, Denied(N), Skip, Denied(N), Denied(F), Denied(F)],
        ),
        (
            "gate/register",
            vec![("booking_id", &booking), ("accion", "ingreso")],
            [Skip, Skip, Done, Skip, Skip, Skip, Skip, Skip],
        ),
        (
            "identity/approve_resident",
            vec![("user_id", &pending)],
            [Denied(F), Denied(F), Denied(F), Denied(F), Skip, Denied(N), Denied(F), Skip],
        ),
        ("identity/approve_resident", vec![("user_id", &pending)], [Skip, Skip, Skip, Skip, Done, Skip, Skip, Skip]),
        (
            "identity/reject_resident",
            vec![("user_id", &pending2), ("reason", "No vive en el edificio")],
            [Denied(F), Denied(F), Denied(F), Denied(F), Skip, Denied(N), Denied(F), Done],
        ),
    ];
    for (endpoint, form, expected) in &writes {
        for (i, role) in ROLES.iter().enumerate() {
            if expected[i] != Skip {
                let r = w.clients[i].call(&w.app, endpoint, form).await;
                wrong.extend(check(role, endpoint, &r, expected[i]));
            }
        }
    }
    assert!(wrong.is_empty(), "cells that differ from the matrix:\n{}", wrong.join("\n"));
    let state: (String, String, String) = sqlx::query_as(
        "select (select status from bookings where id = $1), (select status from users where id = $2),
                (select status from users where id = $3)",
    )
    .bind(w.booking)
    .bind(w.pending)
    .bind(w.pending2)
    .fetch_one(&w.app.state.pool)
    .await
    .unwrap();
    assert_eq!(state.0, "checked_in");
    assert_eq!(state.1, "active");
    assert_ne!(state.2, "pending", "rejected");
}
