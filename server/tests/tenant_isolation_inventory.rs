//! The tenant-isolation matrix of the inventory server functions (buildings, units, visitor
//! spots and closures, block templates, on-demand availability): each one called as a
//! resident, a concierge and the building admin of building A, the building admin of building
//! B, support and admin, against data of building A. Expected answers per cell below (and in
//! the tables in code); a denied or foreign caller never receives any of A's data.
//!
//! | function                         | resident A | concierge A | admin of A | admin of B        | support | admin |
//! |----------------------------------|------------|-------------|------------|-------------------|---------|-------|
//! | admin/buildings (read)           | 403        | 403         | A's data   | 200, none of A's  | A's     | A's   |
//! | admin/building (A's page)        | 403        | 403         | A's data   | 404               | A's     | A's   |
//! | admin/units (read)               | 403        | 403         | A's data   | 200, own building | A's     | A's   |
//! | admin/spots (read)               | 403        | 403         | A's data   | 200, own building | A's     | A's   |
//! | admin/templates (read)           | 403        | 403         | A's data   | 200, own building | A's     | A's   |
//! | admin/template_preview (read)    | 403        | 403         | ok         | 404               | ok      | ok    |
//! | admin/building_create            | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/building_save (terms)      | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/building_settings          | 403        | 403         | ok         | 404               | 403     | ok    |
//! | admin/building_archive / restore | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/building_delete            | 403        | 403         | 403        | 403               | 403     | 409 (A has accounts) |
//! | admin/generate_availability      | 403        | 403         | ok         | 404               | 403     | ok    |
//! | admin/units_create (→ A)         | 403        | 403         | ok         | ok, but into B    | 403     | ok    |
//! | admin/unit_deactivate / reactivate | 403      | 403         | ok         | 404               | 403     | ok    |
//! | admin/spot_create (→ A)          | 403        | 403         | ok         | ok, but into B    | 403     | ok    |
//! | admin/spot_deactivate / reactivate | 403      | 403         | ok         | 404               | 403     | ok    |
//! | admin/spot_close                 | 403        | 403         | ok         | 404               | 403     | ok    |
//! | admin/spot_closure_lift          | 403        | 403         | ok         | 404               | 403     | ok    |
//! | admin/template_create (→ A)      | 403        | 403         | ok         | ok, but into B    | 403     | ok    |
//! | admin/template_save              | 403        | 403         | ok         | 404               | 403     | ok    |
//! | admin/template_deactivate / reactivate | 403  | 403         | ok         | 404               | 403     | ok    |

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

/// Strings that only building A's data contains.
const A_MARKERS: [&str; 5] = ["Torre Alfa", "ALFA-7", "V-ALFA", "Bloque Alfa", "Cierre Alfa"];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Expect {
    /// Refused with this status; the body carries none of A's data.
    Denied(StatusCode),
    /// 200 and A's data is there.
    SeesA,
    /// 200 and none of A's data.
    SeesNoneOfA,
    /// The call succeeded.
    Done,
}
use Expect::*;

const ROLES: [&str; 6] = ["resident A", "concierge A", "admin of A", "admin of B", "support", "admin"];
const F: StatusCode = StatusCode::FORBIDDEN;
const N: StatusCode = StatusCode::NOT_FOUND;
const C: StatusCode = StatusCode::CONFLICT;

struct World {
    app: TestApp,
    a: Uuid,
    b: Uuid,
    clients: Vec<Client>,
    unit: Uuid,
    spot: Uuid,
    template: Uuid,
    closure: Uuid,
}

async fn world(pool: PgPool) -> World {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    let resident_a = user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    user(&app, "con.a@x.cl", "concierge", "active", Some(a)).await;
    let admin_a = user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "adm.b@x.cl", "building_admin", "active", Some(b)).await;
    user(&app, "sup@x.cl", "support", "active", None).await;
    user(&app, "adm@x.cl", "admin", "active", None).await;
    let pool = &app.state.pool;
    sqlx::query("update resident_profiles set approved_at = now(), approved_by = $1 where user_id = $1")
        .bind(resident_a)
        .execute(pool)
        .await
        .unwrap();
    let unit: Uuid = sqlx::query_scalar("insert into units (building_id, number) values ($1, 'ALFA-7') returning id")
        .bind(a.0)
        .fetch_one(pool)
        .await
        .unwrap();
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-ALFA') returning id")
        .bind(a.0)
        .fetch_one(pool)
        .await
        .unwrap();
    let template: Uuid = sqlx::query_scalar(
        "insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp) values ($1, 'Bloque Alfa', '20:00', 660, 5000) returning id",
    )
    .bind(a.0)
    .fetch_one(pool)
    .await
    .unwrap();
    let closure: Uuid = sqlx::query_scalar(
        "insert into spot_closures (spot_id, building_id, during, reason, created_by)
         values ($1, $2, tstzrange(now() + interval '5 days', now() + interval '6 days'), 'Cierre Alfa', $3) returning id",
    )
    .bind(spot)
    .bind(a.0)
    .bind(admin_a)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut clients = Vec::new();
    for email in ["res.a@x.cl", "con.a@x.cl", "adm.a@x.cl", "adm.b@x.cl", "sup@x.cl", "adm@x.cl"] {
        let mut c = Client::default();
        let r = c.log_in(&app, email, PASSWORD).await;
        assert!(r.header("location").is_some(), "{email} could not log in: {}", r.body);
        clients.push(c);
    }
    World { app, a: a.0, b: b.0, clients, unit, spot, template, closure }
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

/// A server function, its form, and the expected answer per role (in `ROLES` order; `None`:
/// not called in this row).
type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, [Option<Expect>; 6]);

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn inventory_reads_are_scoped_to_the_callers_building(pool: PgPool) {
    let mut w = world(pool).await;
    let (a, template) = (w.a.to_string(), w.template.to_string());
    let reads: Vec<Row<'_>> = vec![
        (
            "admin/buildings",
            vec![("estado", ""), ("buscar", ""), ("pagina", "1")],
            [Some(Denied(F)), Some(Denied(F)), Some(SeesA), Some(SeesNoneOfA), Some(SeesA), Some(SeesA)],
        ),
        (
            "admin/building",
            vec![("building_id", &a)],
            [Some(Denied(F)), Some(Denied(F)), Some(SeesA), Some(Denied(N)), Some(SeesA), Some(SeesA)],
        ),
        (
            "admin/units",
            vec![("edificio", &a), ("buscar", ""), ("pagina", "1")],
            [Some(Denied(F)), Some(Denied(F)), Some(SeesA), Some(SeesNoneOfA), Some(SeesA), Some(SeesA)],
        ),
        (
            "admin/spots",
            vec![("edificio", &a)],
            [Some(Denied(F)), Some(Denied(F)), Some(SeesA), Some(SeesNoneOfA), Some(SeesA), Some(SeesA)],
        ),
        (
            "admin/templates",
            vec![("edificio", &a)],
            [Some(Denied(F)), Some(Denied(F)), Some(SeesA), Some(SeesNoneOfA), Some(SeesA), Some(SeesA)],
        ),
        (
            "admin/template_preview",
            vec![("template_id", &template), ("nombre", "Noche"), ("precio", "6000")],
            [Some(Denied(F)), Some(Denied(F)), Some(Done), Some(Denied(N)), Some(Done), Some(Done)],
        ),
    ];
    run(&mut w, &reads).await;
}

async fn run(w: &mut World, rows: &[Row<'_>]) {
    for (endpoint, form, expected) in rows {
        for (i, role) in ROLES.iter().enumerate() {
            if let Some(e) = expected[i] {
                let r = w.clients[i].call(&w.app, endpoint, form).await;
                check(role, endpoint, &r, e);
            }
        }
    }
}

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn inventory_changes_to_another_buildings_data_are_refused(pool: PgPool) {
    let mut w = world(pool).await;
    let (a, unit, spot, template, closure) =
        (w.a.to_string(), w.unit.to_string(), w.spot.to_string(), w.template.to_string(), w.closure.to_string());
    let building_form = |name: &'static str| -> Vec<(&'static str, &'static str)> {
        vec![
            ("name", name),
            ("address", "Av. Matta 500"),
            ("comuna", "Santiago"),
            ("time_zone", "America/Santiago"),
            ("commission", "10"),
            ("monthly_fee", "0"),
            ("horizon", "7"),
            ("max_active", "4"),
            ("hold", "15"),
            ("no_show", "on"),
            ("no_show_grace", "30"),
            ("overstay_grace", "15"),
            ("check_in_early", "15"),
        ]
    };
    let mut save_a = building_form("Torre Alfa");
    save_a.push(("building_id", &a));
    let settings = vec![
        ("building_id", a.as_str()),
        ("horizon", "7"),
        ("max_active", "4"),
        ("hold", "15"),
        ("no_show", "on"),
        ("no_show_grace", "30"),
        ("overstay_grace", "15"),
        ("check_in_early", "15"),
    ];
    let deny_all_but_admin =
        |last: Expect| [Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(Denied(F)), Some(last)];
    let scoped = |own: Option<Expect>, admin: Option<Expect>| {
        [Some(Denied(F)), Some(Denied(F)), own, Some(Denied(N)), Some(Denied(F)), admin]
    };
    let only = |i: usize| {
        let mut r = [None; 6];
        r[i] = Some(Done);
        r
    };
    // A closure a month ahead of the clock: a closure that already ended is refused.
    let closing_day = (chrono::Utc::now() + chrono::TimeDelta::days(30)).date_naive();
    let (close_from, close_until) = (format!("{closing_day}T08:00"), format!("{closing_day}T18:00"));
    let writes: Vec<Row<'_>> = vec![
        ("admin/building_create", building_form("Torre Gamma"), deny_all_but_admin(Done)),
        ("admin/building_save", save_a.clone(), deny_all_but_admin(Done)),
        ("admin/building_settings", settings.clone(), scoped(Some(Done), Some(Done))),
        ("admin/building_archive", vec![("building_id", &a)], deny_all_but_admin(Done)),
        ("admin/building_restore", vec![("building_id", &a)], deny_all_but_admin(Done)),
        ("admin/building_delete", vec![("building_id", &a)], deny_all_but_admin(Denied(C))),
        ("admin/generate_availability", vec![("building_id", &a)], scoped(Some(Done), Some(Done))),
        (
            "admin/units_create",
            vec![("building_id", &a), ("numbers", "201-203")],
            [Some(Denied(F)), Some(Denied(F)), Some(Done), None, Some(Denied(F)), None],
        ),
        ("admin/units_create", vec![("building_id", &a), ("numbers", "B-900")], only(3)),
        ("admin/units_create", vec![("building_id", &a), ("numbers", "301")], only(5)),
        ("admin/unit_deactivate", vec![("unit_id", &unit)], scoped(None, Some(Done))),
        ("admin/unit_reactivate", vec![("unit_id", &unit)], scoped(Some(Done), None)),
        (
            "admin/spot_create",
            vec![("building_id", &a), ("number", "V-10"), ("label", ""), ("description", "")],
            [Some(Denied(F)), Some(Denied(F)), Some(Done), None, Some(Denied(F)), None],
        ),
        ("admin/spot_create", vec![("building_id", &a), ("number", "V-B90"), ("label", ""), ("description", "")], only(3)),
        ("admin/spot_create", vec![("building_id", &a), ("number", "V-11"), ("label", ""), ("description", "")], only(5)),
        (
            "admin/spot_close",
            vec![("spot_id", &spot), ("desde", &close_from), ("hasta", &close_until), ("reason", "Pintura")],
            scoped(Some(Done), Some(Done)),
        ),
        ("admin/spot_closure_lift", vec![("closure_id", &closure)], scoped(None, Some(Done))),
        ("admin/spot_deactivate", vec![("spot_id", &spot)], scoped(None, Some(Done))),
        ("admin/spot_reactivate", vec![("spot_id", &spot)], scoped(Some(Done), None)),
        (
            "admin/template_create",
            vec![("building_id", &a), ("name", "Tarde"), ("start", "14:00"), ("duration", "4"), ("price", "3000")],
            [Some(Denied(F)), Some(Denied(F)), Some(Done), None, Some(Denied(F)), None],
        ),
        (
            "admin/template_create",
            vec![("building_id", &a), ("name", "Tarde B"), ("start", "14:00"), ("duration", "4"), ("price", "3000")],
            only(3),
        ),
        (
            "admin/template_create",
            vec![("building_id", &a), ("name", "Mañana"), ("start", "08:00"), ("duration", "4"), ("price", "3000")],
            only(5),
        ),
        (
            "admin/template_save",
            vec![("template_id", &template), ("nombre", "Bloque Alfa"), ("precio", "6000")],
            scoped(Some(Done), Some(Done)),
        ),
        ("admin/template_deactivate", vec![("template_id", &template)], scoped(None, Some(Done))),
        ("admin/template_reactivate", vec![("template_id", &template)], scoped(Some(Done), None)),
    ];
    run(&mut w, &writes).await;

    let pool = &w.app.state.pool;
    // B's admin wrote into B, never into A.
    let in_a: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from units where building_id = $1 and number = 'B-900'),
                (select count(*) from visitor_spots where building_id = $1 and number = 'V-B90'),
                (select count(*) from block_templates where building_id = $1 and name = 'Tarde B')",
    )
    .bind(w.a)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(in_a, (0, 0, 0), "B's admin must not have written into A");
    let in_b: (i64, i64, i64) = sqlx::query_as(
        "select (select count(*) from units where building_id = $1 and number = 'B-900'),
                (select count(*) from visitor_spots where building_id = $1 and number = 'V-B90'),
                (select count(*) from block_templates where building_id = $1 and name = 'Tarde B')",
    )
    .bind(w.b)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(in_b, (1, 1, 1));
    // A's state after the allowed changes.
    let state: (String, i32, bool, bool, bool, i64, i64, i64) = sqlx::query_as(
        "select b.status, b.booking_horizon_days,
                (select active from units where id = $2), (select active from visitor_spots where id = $3),
                (select active from block_templates where id = $4),
                (select base_price_clp from block_templates where id = $4),
                (select count(*) from units where building_id = $1),
                (select count(*) from spot_closures where building_id = $1)
           from buildings b where b.id = $1",
    )
    .bind(w.a)
    .bind(w.unit)
    .bind(w.spot)
    .bind(w.template)
    .fetch_one(pool)
    .await
    .unwrap();
    // 101, ALFA-7, 201-203, 301; one closure left of the admin's and the building admin's two.
    assert_eq!(state, ("active".into(), 7, true, true, true, 6000, 6, 2));
    let gamma: i64 = sqlx::query_scalar("select count(*) from buildings where name = 'Torre Gamma'")
        .fetch_one(pool)
        .await
        .unwrap();
    assert_eq!(gamma, 1);
}
