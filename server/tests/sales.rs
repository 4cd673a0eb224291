//! The sales dashboard shows a rep only their own buildings and commissions; other roles get 403.

#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use http::StatusCode;
use sqlx::PgPool;

#[sqlx::test(migrator = "server::MIGRATOR")]
async fn a_rep_sees_only_their_own_buildings_and_commissions(pool: PgPool) {
    let app = app(pool).await;
    let a = building(&app.state.pool, "Torre A").await;
    let b = building(&app.state.pool, "Torre B").await;
    let rep_a = user(&app, "ven.a@x.cl", "sales_rep", "active", None).await;
    let rep_b = user(&app, "ven.b@x.cl", "sales_rep", "active", None).await;
    let pool = &app.state.pool;
    for (building, rep) in [(a.0, rep_a), (b.0, rep_b)] {
        sqlx::query("update buildings set sales_rep_id = $2, sales_rep_rate_bp = 500 where id = $1")
            .bind(building)
            .bind(rep)
            .execute(pool)
            .await
            .unwrap();
    }
    // PRODUCT.md §3 worked example: 10.000 at 10 % → commission 1.000 → rep at 5 % gets 50.
    let payout: uuid::Uuid = sqlx::query_scalar(
        "insert into payouts (building_id, local_date, bookings_count, gross_clp, platform_commission_clp, building_share_clp)
         values ($1, current_date - 1, 1, 10000, 1000, 9000) returning id",
    )
    .bind(a.0)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query(
        "insert into sales_rep_commissions (payout_id, building_id, sales_rep_id, rate_bp, base_clp, amount_clp)
         values ($1, $2, $3, 500, 1000, 50)",
    )
    .bind(payout)
    .bind(a.0)
    .bind(rep_a)
    .execute(pool)
    .await
    .unwrap();

    let mut c = Client::default();
    assert_eq!(c.log_in(&app, "ven.a@x.cl", PASSWORD).await.header("location"), Some("/ventas"));
    let r = c.call(&app, "sales/dashboard", &[]).await;
    assert_eq!(r.status, StatusCode::OK);
    assert!(r.body.contains("Torre A") && !r.body.contains("Torre B"), "{}", r.body);
    assert!(r.body.contains("\"total\":\"$50\""), "{}", r.body);
    assert!(r.body.contains("\"rate\":\"5 %\""), "{}", r.body);

    let mut other = Client::default();
    other.log_in(&app, "ven.b@x.cl", PASSWORD).await;
    let r = other.call(&app, "sales/dashboard", &[]).await;
    assert!(r.body.contains("Torre B") && !r.body.contains("Torre A"));
    assert!(r.body.contains("\"total\":\"$0\""));

    user(&app, "adm@x.cl", "building_admin", "active", Some(a)).await;
    let mut admin = Client::default();
    admin.log_in(&app, "adm@x.cl", PASSWORD).await;
    assert_eq!(admin.call(&app, "sales/dashboard", &[]).await.status, StatusCode::FORBIDDEN);
}
