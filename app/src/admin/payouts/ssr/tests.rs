//! Database tests of the reconciliation: the contract's worked example, idempotent reruns,
//! refunds, local days, paid payouts frozen, the rep who held the building that day, and several
//! instances racing.

use super::*;
use crate::admin::sales_reps::ssr as reps;
use crate::ssr::test_support::{app_error, building, date, keys, local, local_at, resident, staff};

/// A booking of `amount` at 10 % in a new spot of `building`, starting at `start` (text PostgreSQL
/// reads as a `timestamptz`, from [`local`]), with the given payment status.
async fn booking(pool: &PgPool, building: Uuid, resident: Uuid, amount: i64, start: &str, payment: &str) -> Uuid {
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, $2) returning id")
        .bind(building)
        .bind(format!("V{}", &Uuid::new_v4().simple().to_string()[..8]))
        .fetch_one(pool)
        .await
        .unwrap();
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, $3::timestamptz, $3::timestamptz + interval '11 hours', $4, 'reserved') returning id",
    )
    .bind(spot)
    .bind(building)
    .bind(start)
    .bind(amount)
    .fetch_one(pool)
    .await
    .unwrap();
    let code: String = {
        const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
        let n = Uuid::new_v4().as_u128();
        (0..8).map(|i| char::from(ALPHABET[((n >> (i * 5)) % 31) as usize])).collect()
    };
    let commission = (amount * 1000 + 9999) / 10000;
    sqlx::query_scalar(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate,
                               base_price_clp, amount_clp, commission_rate_bp, platform_commission_clp, building_share_clp,
                               status, payment_status, confirmation_code, guest_pass_token, confirmed_at)
         select id, spot_id, building_id, $2, during, 'Pedro Pérez', 'KHJT52', $3, $3, 1000, $4, $3 - $4,
                'confirmed', $5, $6, md5($6) || md5($6), now()
           from availability_blocks where id = $1 returning id",
    )
    .bind(block)
    .bind(resident)
    .bind(amount)
    .bind(commission)
    .bind(payment)
    .bind(code)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn refund(pool: &PgPool, booking: Uuid, amount: i64) {
    let payment: Uuid = sqlx::query_scalar(
        "insert into payments (booking_id, provider, amount_clp, status, approved_at)
         select id, 'simulator', amount_clp, 'approved', now() from bookings where id = $1 returning id",
    )
    .bind(booking)
    .fetch_one(pool)
    .await
    .unwrap();
    sqlx::query("insert into refunds (booking_id, payment_id, amount_clp, idempotency_key) values ($1, $2, $3, $4)")
        .bind(booking)
        .bind(payment)
        .bind(amount)
        .bind(format!("refund-{booking}"))
        .execute(pool)
        .await
        .unwrap();
}

type PayoutValues = (NaiveDate, i32, i64, i64, i64, String);

async fn payouts(pool: &PgPool, building: Uuid) -> Vec<PayoutValues> {
    sqlx::query_as(
        "select local_date, bookings_count, gross_clp, platform_commission_clp, building_share_clp, status
           from payouts where building_id = $1 order by local_date",
    )
    .bind(building)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn commissions(pool: &PgPool, building: Uuid) -> Vec<(Uuid, i64, i64)> {
    sqlx::query_as(
        "select sales_rep_id, base_clp, amount_clp from sales_rep_commissions where building_id = $1 order by created_at",
    )
    .bind(building)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn audits(pool: &PgPool, action: &str) -> i64 {
    sqlx::query_scalar("select count(*) from audit_log where action = $1")
        .bind(action)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn the_worked_example_is_settled_once_and_reruns_write_nothing(pool: PgPool) {
    let (_, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let res = resident(&pool, &indexer, a, "r@x.cl").await;
    let admin = staff(&pool, Role::Admin, None).await;
    let rep = staff(&pool, Role::SalesRep, None).await;
    reps::assign(&pool, &admin, a, rep.id, Rate::saturating_from_basis_points(500), &RequestMeta::default())
        .await
        .unwrap();
    // The assignment starts "today" (the database clock); backdate it to cover the test's days.
    sqlx::query("update sales_rep_assignments set valid = daterange($1, null)")
        .bind(date(-14))
        .execute(&pool)
        .await
        .unwrap();

    // 23:30 in Santiago is the next day in UTC (at −03 or −04): the building's local day decides.
    booking(&pool, a, res.id, 10_000, &local(0, "23:30"), "paid").await;
    // Not paid, failed: never counted.
    booking(&pool, a, res.id, 7_000, &local(0, "10:00"), "pending").await;
    booking(&pool, a, res.id, 7_000, &local(0, "11:00"), "failed").await;
    // Noon in Santiago, two days later.
    let now = local_at(2, "12:00");

    let first = reconcile(&pool, now, 7).await.unwrap();
    assert_eq!((first.payouts_written, first.commissions_written), (1, 1));
    // PRODUCT.md §3: 10.000 at 10 % → 1.000 to the platform, 9.000 to the building, 50 to the rep at 5 %.
    assert_eq!(payouts(&pool, a).await, vec![(date(0), 1, 10_000, 1_000, 9_000, "calculated".into())]);
    assert_eq!(commissions(&pool, a).await, vec![(rep.id, 1_000, 50)]);

    let again = reconcile(&pool, now, 7).await.unwrap();
    assert_eq!((again.payouts_written, again.commissions_written), (0, 0));
    assert_eq!(audits(&pool, "payout.calculated").await, 1);
    assert_eq!(audits(&pool, "payout.recalculated").await, 0);
    assert_eq!(audits(&pool, "commission.calculated").await, 1);

    // Today (two days later, local) is not settled until it ends.
    booking(&pool, a, res.id, 4_000, &local(2, "09:00"), "paid").await;
    reconcile(&pool, now, 7).await.unwrap();
    assert_eq!(payouts(&pool, a).await.len(), 1);
    // Just after local midnight.
    reconcile(&pool, local_at(3, "00:30"), 7).await.unwrap();
    assert_eq!(payouts(&pool, a).await.len(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn refunds_late_changes_and_paid_payouts(pool: PgPool) {
    let (_, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let res = resident(&pool, &indexer, a, "r@x.cl").await;
    let admin = staff(&pool, Role::Admin, None).await;
    let support = staff(&pool, Role::Support, None).await;
    let meta = RequestMeta::default();
    // Noon in Santiago, two days after the bookings' day.
    let now = local_at(2, "12:00");

    // An early resident cancellation keeps 10 %: 500 of 5.000; a full refund keeps nothing.
    let partial = booking(&pool, a, res.id, 5_000, &local(0, "08:00"), "partially_refunded").await;
    refund(&pool, partial, 4_500).await;
    let full = booking(&pool, a, res.id, 3_000, &local(0, "20:00"), "refunded").await;
    refund(&pool, full, 3_000).await;
    reconcile(&pool, now, 7).await.unwrap();
    assert_eq!(payouts(&pool, a).await, vec![(date(0), 1, 500, 50, 450, "calculated".into())]);
    // No rep held the building: no commission.
    assert!(commissions(&pool, a).await.is_empty());

    // A booking of that day paid late is picked up by the next run.
    booking(&pool, a, res.id, 3_300, &local(0, "12:00"), "paid").await;
    let r = reconcile(&pool, now, 7).await.unwrap();
    assert_eq!(r.payouts_written, 1);
    assert_eq!(payouts(&pool, a).await, vec![(date(0), 2, 3_800, 380, 3_420, "calculated".into())]);
    assert_eq!(audits(&pool, "payout.recalculated").await, 1);

    let id: Uuid = sqlx::query_scalar("select id from payouts where building_id = $1")
        .bind(a)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(app_error(mark_paid(&pool, &support, id, "TRX-1", &meta).await), AppError::Forbidden);
    mark_paid(&pool, &admin, id, "TRX-1", &meta).await.unwrap();
    assert!(matches!(app_error(mark_paid(&pool, &admin, id, "TRX-1", &meta).await), AppError::Conflict(_)));
    // Paid is final: a later change of that day no longer moves it.
    booking(&pool, a, res.id, 9_000, &local(0, "13:00"), "paid").await;
    let r = reconcile(&pool, now, 7).await.unwrap();
    assert_eq!(r.payouts_written, 0);
    assert_eq!(payouts(&pool, a).await[0].2, 3_800);
    assert_eq!(audits(&pool, "payout.paid").await, 1);
    assert!(parse_reference(" x ").is_err());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_rep_of_each_day_earns_it_and_commissions_are_paid_after_the_payout(pool: PgPool) {
    let (_, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let res = resident(&pool, &indexer, a, "r@x.cl").await;
    let admin = staff(&pool, Role::Admin, None).await;
    let rep1 = staff(&pool, Role::SalesRep, None).await;
    let rep2 = staff(&pool, Role::SalesRep, None).await;
    let meta = RequestMeta::default();
    // Rep 1 held the building the nine days before day 0, rep 2 from day 0 on.
    let ranges = [format!("[{},{})", date(-9), date(0)), format!("[{},)", date(0))];
    for (rep, bp, range) in [(rep1.id, 500, &ranges[0]), (rep2.id, 1_000, &ranges[1])] {
        sqlx::query(
            "insert into sales_rep_assignments (building_id, sales_rep_id, rate_bp, valid) values ($1, $2, $3, $4::daterange)",
        )
        .bind(a)
        .bind(rep)
        .bind(bp)
        .bind(range)
        .execute(&pool)
        .await
        .unwrap();
    }
    booking(&pool, a, res.id, 10_000, &local(-1, "10:00"), "paid").await;
    booking(&pool, a, res.id, 10_000, &local(0, "10:00"), "paid").await;
    reconcile(&pool, local_at(2, "09:00"), 7).await.unwrap();
    let mut got = commissions(&pool, a).await;
    got.sort_by_key(|c| c.2);
    assert_eq!(got, vec![(rep1.id, 1_000, 50), (rep2.id, 1_000, 100)]);

    let (commission, payout): (Uuid, Uuid) =
        sqlx::query_as("select c.id, c.payout_id from sales_rep_commissions c where c.sales_rep_id = $1")
            .bind(rep2.id)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert!(matches!(app_error(mark_commission_paid(&pool, &admin, commission, "TRX-9", &meta).await), AppError::Conflict(_)));
    mark_paid(&pool, &admin, payout, "TRX-8", &meta).await.unwrap();
    mark_commission_paid(&pool, &admin, commission, "TRX-9", &meta).await.unwrap();
    assert_eq!(audits(&pool, "commission.paid").await, 1);

    // The listing: the building admin sees the payouts of their building without the reps'
    // commissions; a foreign building admin sees none.
    let b = building(&pool, "Torre B").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let admin_b = staff(&pool, Role::BuildingAdmin, Some(b)).await;
    let l = list(&pool, &admin_a, &Filter { building: Some(a), ..Filter::default() }, 1).await.unwrap();
    assert_eq!(l.rows.len(), 2);
    assert!(l.rows.iter().all(|r| r.rep.is_none()) && !l.can_pay);
    let l = list(&pool, &admin_b, &Filter { building: Some(b), ..Filter::default() }, 1).await.unwrap();
    assert!(l.rows.is_empty());
    let l = list(&pool, &admin, &Filter { status: Some("paid"), ..Filter::default() }, 1).await.unwrap();
    assert_eq!(l.rows.len(), 1);
    assert!(l.rows[0].rep.as_ref().is_some_and(|c| c.paid && c.amount == "$100"));
    assert!(l.can_pay);
}

#[sqlx::test(migrations = "../migrations")]
async fn instances_racing_settle_each_day_exactly_once(pool: PgPool) {
    let (_, indexer) = keys();
    let admin = staff(&pool, Role::Admin, None).await;
    let rep = staff(&pool, Role::SalesRep, None).await;
    let mut buildings = Vec::new();
    for name in ["Torre A", "Torre B", "Torre C"] {
        let b = building(&pool, name).await;
        let res = resident(&pool, &indexer, b, &format!("r@{}.cl", name.replace(' ', ""))).await;
        reps::assign(&pool, &admin, b, rep.id, Rate::saturating_from_basis_points(500), &RequestMeta::default())
            .await
            .unwrap();
        for day in 1..=5 {
            for hour in ["08:00", "20:00"] {
                booking(&pool, b, res.id, 3_300, &local(day, hour), "paid").await;
            }
        }
        buildings.push(b);
    }
    sqlx::query("update sales_rep_assignments set valid = daterange($1, null)")
        .bind(date(-14))
        .execute(&pool)
        .await
        .unwrap();
    let now = local_at(7, "08:00");
    let runs: Vec<_> = (0..8)
        .map(|_| {
            tokio::spawn({
                let pool = pool.clone();
                async move { reconcile(&pool, now, 7).await }
            })
        })
        .collect();
    let mut written = 0;
    for run in runs {
        written += run.await.unwrap().unwrap().payouts_written;
    }
    // 3 buildings × 5 days, each written by exactly one of the eight runs.
    assert_eq!(written, 15);
    assert_eq!(audits(&pool, "payout.calculated").await, 15);
    assert_eq!(audits(&pool, "commission.calculated").await, 15);
    for b in buildings {
        let p = payouts(&pool, b).await;
        assert_eq!(p.len(), 5);
        assert!(p.iter().all(|row| (row.1, row.2, row.3, row.4) == (2, 6_600, 660, 5_940)), "{p:?}");
        // 5 % of 660 = 33 per day.
        assert!(commissions(&pool, b).await.iter().all(|c| c.2 == 33));
    }
}
