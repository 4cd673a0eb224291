//! The tenant-isolation matrix of the money screens: payouts, rep commissions and sales-rep
//! assignment, called by a resident, a concierge and the building admin of building A, the
//! building admin of building B, support and admin, against building A's payout; and the sales
//! rep's own dashboard before and after the building is taken away from them.
//!
//! | function                    | resident A | concierge A | admin of A | admin of B        | support | admin |
//! |-----------------------------|------------|-------------|------------|-------------------|---------|-------|
//! | admin/payouts (read)        | 403        | 403         | A's data   | 200, none of A's  | A's     | A's   |
//! | admin/sales_reps (read)     | 403        | 403         | 403        | 403               | A's     | A's   |
//! | admin/payouts_reconcile     | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/payout_paid           | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/commission_paid       | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/sales_rep_assign      | 403        | 403         | 403        | 403               | 403     | ok    |
//! | admin/sales_rep_unassign    | 403        | 403         | 403        | 403               | 403     | ok    |
//!
//! A sales rep gets 403 from every admin function above, and sees on `sales/dashboard` only the
//! buildings they hold: A while assigned, not after it is taken away (their earned commission
//! stays on the dashboard).

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::StatusCode;
use sqlx::PgPool;
use uuid::Uuid;

const F: StatusCode = StatusCode::FORBIDDEN;
const ROLES: [&str; 6] = ["resident A", "concierge A", "admin of A", "admin of B", "support", "admin"];
/// Strings only building A's money data contains.
const A_MARKERS: [&str; 2] = ["Torre Alfa", "$9.000"];

#[derive(Clone, Copy, Debug)]
enum Expect {
    Denied(StatusCode),
    SeesA,
    SeesNoneOfA,
    Done,
}
use Expect::*;

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
type Row<'a> = (&'a str, Vec<(&'a str, &'a str)>, [Expect; 6]);

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn money_screens_are_platform_only_and_scoped(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre Alfa").await;
    let b = building(&app.state.pool, "Torre Beta").await;
    user(&app, "res.a@x.cl", "resident", "active", Some(a)).await;
    user(&app, "con.a@x.cl", "concierge", "active", Some(a)).await;
    user(&app, "adm.a@x.cl", "building_admin", "active", Some(a)).await;
    user(&app, "adm.b@x.cl", "building_admin", "active", Some(b)).await;
    user(&app, "sup@x.cl", "support", "active", None).await;
    user(&app, "adm@x.cl", "admin", "active", None).await;
    let rep = user(&app, "ven@x.cl", "sales_rep", "active", None).await;
    let pool = &app.state.pool;
    // A's payout of the contract's worked example (10.000 → 1.000 / 9.000) and the rep's 50.
    let payout: Uuid = sqlx::query_scalar(
        "insert into payouts (building_id, local_date, bookings_count, gross_clp, platform_commission_clp, building_share_clp)
         values ($1, current_date + 30, 1, 10000, 1000, 9000) returning id",
    )
    .bind(a.0)
    .fetch_one(pool)
    .await
    .unwrap();
    let commission: Uuid = sqlx::query_scalar(
        "insert into sales_rep_commissions (payout_id, building_id, sales_rep_id, rate_bp, base_clp, amount_clp)
         values ($1, $2, $3, 500, 1000, 50) returning id",
    )
    .bind(payout)
    .bind(a.0)
    .bind(rep)
    .fetch_one(pool)
    .await
    .unwrap();
    let mut clients = Vec::new();
    for email in ["res.a@x.cl", "con.a@x.cl", "adm.a@x.cl", "adm.b@x.cl", "sup@x.cl", "adm@x.cl"] {
        let mut c = Client::default();
        assert!(c.log_in(&app, email, PASSWORD).await.header("location").is_some(), "{email}");
        clients.push(c);
    }
    let mut rep_client = Client::default();
    assert_eq!(rep_client.log_in(&app, "ven@x.cl", PASSWORD).await.header("location"), Some("/ventas"));

    let (a_id, payout_id, commission_id, rep_id) = (a.0.to_string(), payout.to_string(), commission.to_string(), rep.to_string());
    let payouts_form =
        vec![("q[edificio]", a_id.as_str()), ("q[estado]", ""), ("q[desde]", ""), ("q[hasta]", ""), ("q[pagina]", "1")];
    let reads: [Row<'_>; 2] = [
        ("admin/payouts", payouts_form.clone(), [Denied(F), Denied(F), SeesA, SeesNoneOfA, SeesA, SeesA]),
        ("admin/sales_reps", vec![], [Denied(F), Denied(F), Denied(F), Denied(F), SeesA, SeesA]),
    ];
    for (endpoint, form, expected) in &reads {
        for (i, role) in ROLES.iter().enumerate() {
            let r = clients[i].call(&app, endpoint, form).await;
            check(role, endpoint, &r, expected[i]);
        }
        let r = rep_client.call(&app, endpoint, form).await;
        check("sales rep", endpoint, &r, Denied(F));
    }

    // Every change is the platform admin's: everybody else is refused before anything is read.
    let assign = vec![("building_id", a_id.as_str()), ("rep_id", rep_id.as_str()), ("rate", "5")];
    let writes: [(&str, Vec<(&str, &str)>); 5] = [
        ("admin/payouts_reconcile", vec![]),
        ("admin/sales_rep_assign", assign.clone()),
        ("admin/payout_paid", vec![("payout_id", payout_id.as_str()), ("reference", "TRX-1")]),
        ("admin/commission_paid", vec![("commission_id", commission_id.as_str()), ("reference", "TRX-2")]),
        ("admin/sales_rep_unassign", vec![("building_id", a_id.as_str())]),
    ];
    for (endpoint, form) in &writes {
        for (i, role) in ROLES.iter().enumerate().take(5) {
            let r = clients[i].call(&app, endpoint, form).await;
            check(role, endpoint, &r, Denied(F));
        }
        let r = rep_client.call(&app, endpoint, form).await;
        check("sales rep", endpoint, &r, Denied(F));
        if *endpoint == "admin/sales_rep_unassign" {
            // Before the admin takes A away, the rep sees it on their dashboard.
            let r = rep_client.call(&app, "sales/dashboard", &[]).await;
            assert!(r.body.contains("Torre Alfa") && !r.body.contains("Torre Beta"), "{}", r.body);
        }
        let r = clients[5].call(&app, endpoint, form).await;
        check("admin", endpoint, &r, Done);
    }
    // Unassigned: A is gone from the rep's buildings; the commission they earned on it stays.
    let r = rep_client.call(&app, "sales/dashboard", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("\"buildings\":[]"), "{}", r.body);
    assert!(r.body.contains("\"total\":\"$50\""), "{}", r.body);
    let state: (String, String, Option<Uuid>) = sqlx::query_as(
        "select (select status from payouts where id = $1), (select status from sales_rep_commissions where id = $2),
                (select sales_rep_id from buildings where id = $3)",
    )
    .bind(payout)
    .bind(commission)
    .bind(a.0)
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(state, ("paid".into(), "paid".into(), None));
    let actions: Vec<String> = sqlx::query_scalar(
        "select action from audit_log where action in ('payout.paid', 'commission.paid', 'sales_rep.assigned', 'sales_rep.unassigned') order by id",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    assert_eq!(actions, ["sales_rep.assigned", "payout.paid", "commission.paid", "sales_rep.unassigned"]);
}
