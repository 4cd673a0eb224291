//! The tenant-isolation matrix of the staff, dashboard and analytics server functions: each one
//! called as a resident, a concierge and the building admin of building A, the building admin
//! of building B, support and admin, against data of building A. The expected answer of every
//! cell is in the tables below; a denied or foreign caller never receives any of A's data (and
//! B's dashboard and analytics never count A's bookings).
//!
//! | function                       | resident A | concierge A | admin of A | admin of B        | support | admin |
//! |--------------------------------|------------|-------------|------------|-------------------|---------|-------|
//! | admin/staff (read)             | 403        | 403         | A's staff  | 200, none of A's  | A's     | A's   |
//! | admin/dashboard (read)         | 403        | 403         | A's        | 200, B's only     | A's     | A's   |
//! | admin/analytics (read)         | 403        | 403         | A's        | 200, B's only     | A's     | A's   |
//! | admin/staff_ban (A's concierge)| 403        | 403         | ok         | 404               | 403     | ok    |
//! | admin/staff_unban              | 403        | 403         | ok         | 404               | 403     | ok    |
//! | admin/staff_role               | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/staff_building           | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/staff_create (→ A)       | 403        | 403         | ok, in A   | ok, but into B    | 403     | ok    |
//!
//! (Role and building changes are a platform admin's alone, so every other caller is refused
//! before the target is even looked up: the answer says nothing about A.)

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod admin_support;
mod common;

use admin_support::booking;
use common::*;
use http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

/// Strings that only building A's data contains.
const A_MARKERS: [&str; 3] = ["Torre Alfa", "con.a@x.cl", "portero.a@x.cl"];

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
const F: StatusCode = StatusCode::FORBIDDEN;
const N: StatusCode = StatusCode::NOT_FOUND;

struct World {
    app: TestApp,
    a: Uuid,
    b: Uuid,
    clients: Vec<Client>,
    /// A concierge of A that staff ban, unban, promote and move (not the one calling as
    /// "concierge A", whose session a ban would end).
    target: Uuid,
}

async fn world(pool: PgPool) -> World {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    let vecino = user(&app, "vecino.a@x.cl", "resident", "active", Some(a)).await;
    user(&app, "con.a@x.cl", "concierge", "active", Some(a)).await;
    let target = user(&app, "portero.a@x.cl", "concierge", "active", Some(a)).await;
    user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "adm.b@x.cl", "building_admin", "active", Some(b)).await;
    user(&app, "sup@x.cl", "support", "active", None).await;
    user(&app, "adm@x.cl", "admin", "active", None).await;
    // One paid booking of A, made now: A's dashboard and analytics count it, B's must not.
    booking(&app.state.pool, a.0, vecino, "KHJT52", "ABCD2345").await;
    let mut clients = Vec::new();
    for email in ["res.a@x.cl", "con.a@x.cl", "adm.a@x.cl", "adm.b@x.cl", "sup@x.cl", "adm@x.cl"] {
        let mut c = Client::default();
        let r = c.log_in(&app, email, PASSWORD).await;
        assert!(r.header("location").is_some(), "{email} could not log in: {}", r.body);
        clients.push(c);
    }
    World { app, a: a.0, b: b.0, clients, target }
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

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn reads_are_scoped_to_the_callers_building(pool: PgPool) {
    let mut w = world(pool).await;
    let a = w.a.to_string();
    let reads: [Row<'_, Expect>; 3] = [
        (
            "admin/staff",
            vec![("filter[edificio]", &a), ("filter[rol]", ""), ("filter[estado]", ""), ("filter[buscar]", ""), ("pagina", "1")],
            [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA],
        ),
        ("admin/dashboard", vec![("edificio", &a), ("periodo", "30")], [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
        ("admin/analytics", vec![("edificio", &a), ("dias", "30")], [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
    ];
    for (endpoint, form, expected) in reads {
        for (i, role) in ROLES.iter().enumerate() {
            let r = w.clients[i].call(&w.app, endpoint, &form).await;
            check(role, endpoint, &r, expected[i]);
            // The numbers too: A's one booking is counted for A and never for B.
            let counted = match endpoint {
                "admin/dashboard" => Some(("\"active_bookings\":1", "\"active_bookings\":0")),
                "admin/analytics" => Some(("\"bookings\":1", "\"bookings\":0")),
                _ => None,
            };
            if let Some((a_count, none)) = counted {
                match expected[i] {
                    SeesA => assert!(r.body.contains(a_count), "{endpoint} as {role}: {}", r.body),
                    SeesNoneOfA => assert!(r.body.contains(none), "{endpoint} as {role} counted A: {}", r.body),
                    _ => {}
                }
            }
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn changes_to_another_buildings_staff_are_refused(pool: PgPool) {
    let mut w = world(pool).await;
    let (a, b, target) = (w.a.to_string(), w.b.to_string(), w.target.to_string());
    // Denied callers first, then the allowed ones in an order that keeps the data in place for
    // the next row.
    let writes: Vec<Row<'_, Option<Expect>>> = vec![
        (
            "admin/staff_ban",
            vec![("user_id", &target), ("reason", "Prueba de aislamiento")],
            [Some(Denied(F)), Some(Denied(F)), None, Some(Denied(N)), Some(Denied(F)), Some(Done)],
        ),
        (
            "admin/staff_unban",
            vec![("user_id", &target)],
            [Some(Denied(F)), Some(Denied(F)), None, Some(Denied(N)), Some(Denied(F)), Some(Done)],
        ),
        (
            "admin/staff_ban",
            vec![("user_id", &target), ("reason", "Prueba de aislamiento")],
            [None, None, Some(Done), None, None, None],
        ),
        ("admin/staff_unban", vec![("user_id", &target)], [None, None, Some(Done), None, None, None]),
        (
            "admin/staff_role",
            vec![("user_id", &target), ("role", "building_admin"), ("building_id", &a)],
            [Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Done)],
        ),
        (
            "admin/staff_building",
            vec![("user_id", &target), ("building_id", &b)],
            [Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Done)],
        ),
    ];
    for (endpoint, form, expected) in &writes {
        for (i, role) in ROLES.iter().enumerate() {
            if let Some(e) = expected[i] {
                let r = w.clients[i].call(&w.app, endpoint, form).await;
                check(role, endpoint, &r, e);
            }
        }
    }
    let moved: (String, Uuid, i32) = sqlx::query_as("select role, building_id, session_epoch from users where id = $1")
        .bind(w.target)
        .fetch_one(&w.app.state.pool)
        .await
        .unwrap();
    assert_eq!((moved.0.as_str(), moved.1), ("building_admin", w.b));
    assert_eq!(moved.2, 4, "two bans, a role change and a building change each ended the sessions");

    // Creating "in A" as B's admin lands in B (the building comes from the session, not the form).
    for (i, email, expected) in [
        (0, "n0@x.cl", Denied(F)),
        (1, "n1@x.cl", Denied(F)),
        (4, "n4@x.cl", Denied(F)),
        (2, "n2@x.cl", Done),
        (3, "n3@x.cl", Done),
        (5, "n5@x.cl", Done),
    ] {
        let form = [
            ("full_name", "Jorge Muñoz"),
            ("email", email),
            ("phone", ""),
            ("role", "concierge"),
            ("building_id", a.as_str()),
            ("password", "Porton.Norte.2026"),
        ];
        let r = w.clients[i].call(&w.app, "admin/staff_create", &form).await;
        check(ROLES[i], "admin/staff_create", &r, expected);
    }
    let created: Vec<(String, Uuid)> =
        sqlx::query_as("select email::text, building_id from users where email like 'n_@x.cl' order by email")
            .fetch_all(&w.app.state.pool)
            .await
            .unwrap();
    assert_eq!(created, [("n2@x.cl".to_string(), w.a), ("n3@x.cl".into(), w.b), ("n5@x.cl".into(), w.a)]);
}
