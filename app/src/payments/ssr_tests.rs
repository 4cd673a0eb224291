//! Database tests of payments: applying gateway reports once, refusing wrong amounts and late
//! payments, hold expiry under concurrency, its race with an approval, cancellation refunds
//! and their retries — against a fake gateway that records every refund request.

use super::*;
use crate::payments::apply::{apply_gateway_payment, Applied, Refusal};
use crate::payments::cancel::{cancel, refund_preview};
use crate::payments::holds::expire_holds;
use crate::payments::refunds::{retry_refunds, RefundState};
use crate::ssr::test_support::resident;
use chrono::TimeDelta;
use sqlx::postgres::PgPoolOptions;
use std::sync::atomic::Ordering;
use std::sync::Arc;

#[path = "ssr_tests/world.rs"]
mod world;
use world::{booking, count, meta, report, staff, start, state, world, FakeGateway};

#[sqlx::test(migrations = "../migrations")]
async fn an_approval_confirms_once_and_a_replay_changes_nothing(pool: PgPool) {
    let w = world(&pool).await;
    let b = booking(&pool, &w, &w.resident, 0).await;
    let applied = apply_gateway_payment(&pool, &report(b, "9001", "approved", 5000), &meta()).await.unwrap();
    assert_eq!(applied, Applied::Confirmed);
    assert_eq!(state(&pool, b).await, ("confirmed".into(), "paid".into(), "reserved".into()));
    let before = count(&pool, "select count(*) from audit_log").await;
    let again = apply_gateway_payment(&pool, &report(b, "9001", "approved", 5000), &meta()).await.unwrap();
    assert_eq!(again, Applied::Replay);
    assert_eq!(count(&pool, "select count(*) from audit_log").await, before);
    assert_eq!(count(&pool, "select count(*) from payments").await, 1);
    assert_eq!(count(&pool, "select count(*) from refunds").await, 0);
    assert_eq!(count(&pool, "select count(*) from outbox where event_type = 'booking.payment_approved'").await, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_wrong_amount_or_currency_never_confirms_and_is_refunded(pool: PgPool) {
    let w = world(&pool).await;
    let gateway = FakeGateway::default();
    let b = booking(&pool, &w, &w.resident, 0).await;
    let applied = apply_gateway_payment(&pool, &report(b, "9002", "approved", 50), &meta()).await.unwrap();
    let Applied::Refused { reason: Refusal::AmountMismatch, refund: Some(refund) } = applied else {
        panic!("expected a refused payment with a refund, got {applied:?}");
    };
    assert_eq!(state(&pool, b).await.0, "pending");
    let (error,): (Option<String>,) = sqlx::query_as("select process_error from payment_events").fetch_one(&pool).await.unwrap();
    assert_eq!(error.as_deref(), Some("amount_mismatch"));
    assert_eq!(count(&pool, "select count(*) from audit_log where action = 'payment.refused'").await, 1);
    assert_eq!(crate::payments::refunds::execute(&pool, &gateway, refund).await.unwrap(), RefundState::Succeeded);
    assert_eq!(gateway.refunds.lock().unwrap().as_slice(), &[(format!("refund-{refund}"), 50)]);
    // The booking's own payment status is untouched by the refund of a payment it never took.
    assert_eq!(state(&pool, b).await.1, "pending");

    let mut usd = report(b, "9003", "approved", 5000);
    usd.currency = Some("USD".into());
    let applied = apply_gateway_payment(&pool, &usd, &meta()).await.unwrap();
    assert!(matches!(applied, Applied::Refused { reason: Refusal::AmountMismatch, .. }));
    assert_eq!(state(&pool, b).await.0, "pending");
}

#[sqlx::test(migrations = "../migrations")]
async fn a_rejection_cancels_and_frees_and_a_late_approval_is_refunded(pool: PgPool) {
    let w = world(&pool).await;
    let b = booking(&pool, &w, &w.resident, 0).await;
    let applied = apply_gateway_payment(&pool, &report(b, "9004", "rejected", 5000), &meta()).await.unwrap();
    assert_eq!(applied, Applied::Rejected);
    assert_eq!(state(&pool, b).await, ("cancelled".into(), "failed".into(), "available".into()));
    let applied = apply_gateway_payment(&pool, &report(b, "9005", "approved", 5000), &meta()).await.unwrap();
    assert!(matches!(applied, Applied::Refused { reason: Refusal::BookingNotPending, refund: Some(_) }));
    assert_eq!(state(&pool, b).await.0, "cancelled");
    // A report for a booking that does not exist is recorded, nothing else.
    let stray = apply_gateway_payment(&pool, &report(Uuid::new_v4(), "9006", "approved", 5000), &meta())
        .await
        .unwrap();
    assert_eq!(stray, Applied::Refused { reason: Refusal::UnknownBooking, refund: None });
    // A pending report leaves the booking waiting.
    let b2 = booking(&pool, &w, &w.resident, 1).await;
    let applied = apply_gateway_payment(&pool, &report(b2, "9007", "in_process", 5000), &meta()).await.unwrap();
    assert_eq!(applied, Applied::Recorded);
    assert_eq!(state(&pool, b2).await.0, "pending");
}

#[sqlx::test(migrations = "../migrations")]
async fn two_racing_expiry_runs_cancel_each_lapsed_hold_exactly_once(pool: PgPool) {
    let w = world(&pool).await;
    let mut lapsed = Vec::new();
    for n in 0..12 {
        let who = resident(&pool, &w.indexer, w.building, &format!("r{n}@x.cl")).await;
        lapsed.push(booking(&pool, &w, &who, n).await);
    }
    let fresh = booking(&pool, &w, &w.resident, 20).await;
    let now = Utc::now();
    sqlx::query("update bookings set hold_expires_at = $1 - interval '1 minute' where id <> $2")
        .bind(now)
        .bind(fresh)
        .execute(&pool)
        .await
        .unwrap();
    let wide = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let (a, b) = tokio::join!(expire_holds(&wide, now), expire_holds(&wide, now));
    assert_eq!(a.unwrap() + b.unwrap(), 12);
    for id in &lapsed {
        assert_eq!(state(&pool, *id).await, ("cancelled".into(), "pending".into(), "available".into()));
    }
    assert_eq!(state(&pool, fresh).await.0, "pending");
    assert_eq!(count(&pool, "select count(*) from audit_log where action = 'booking.hold_expired'").await, 12);
    assert_eq!(count(&pool, "select count(*) from outbox where event_type = 'booking.hold_expired'").await, 12);
    assert_eq!(expire_holds(&pool, now).await.unwrap(), 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn an_approval_racing_the_hold_expiry_ends_in_one_consistent_state(pool: PgPool) {
    let w = Arc::new(world(&pool).await);
    let wide = PgPoolOptions::new()
        .max_connections(8)
        .connect_with(pool.connect_options().as_ref().clone())
        .await
        .unwrap();
    let (mut confirmed, mut cancelled) = (0, 0);
    for n in 0..30 {
        // A resident per booking: confirmed bookings count against the per-resident limit.
        let who = resident(&pool, &w.indexer, w.building, &format!("carrera{n}@x.cl")).await;
        let b = booking(&pool, &w, &who, n).await;
        let now = Utc::now();
        sqlx::query("update bookings set hold_expires_at = $2 where id = $1")
            .bind(b)
            .bind(now)
            .execute(&pool)
            .await
            .unwrap();
        let pay = report(b, &format!("77{n}"), "approved", 5000);
        let m = meta();
        let (expired, applied) = tokio::join!(expire_holds(&wide, now), apply_gateway_payment(&wide, &pay, &m));
        let (expired, applied) = (expired.unwrap(), applied.unwrap());
        let (status, payment_status, block) = state(&pool, b).await;
        match status.as_str() {
            "confirmed" => {
                confirmed += 1;
                assert_eq!((expired, applied), (0, Applied::Confirmed));
                assert_eq!((payment_status.as_str(), block.as_str()), ("paid", "reserved"));
            }
            "cancelled" => {
                cancelled += 1;
                assert_eq!(expired, 1);
                assert!(matches!(applied, Applied::Refused { reason: Refusal::BookingNotPending, refund: Some(_) }));
                assert_eq!(block, "available");
                let refunds: i64 = sqlx::query_scalar("select count(*) from refunds where booking_id = $1 and amount_clp = 5000")
                    .bind(b)
                    .fetch_one(&pool)
                    .await
                    .unwrap();
                assert_eq!(refunds, 1, "the late payment must be given back");
            }
            other => panic!("booking ended {other}"),
        }
    }
    eprintln!("race outcomes: {confirmed} confirmed, {cancelled} cancelled");
    assert_eq!(confirmed + cancelled, 30);
}

#[sqlx::test(migrations = "../migrations")]
async fn cancellation_refunds_follow_the_policy_and_the_preview(pool: PgPool) {
    let w = world(&pool).await;
    let gateway = FakeGateway::default();
    let paid = |n| {
        let (pool, w) = (&pool, &w);
        async move {
            let b = booking(pool, w, &w.resident, n).await;
            let applied = apply_gateway_payment(pool, &report(b, &format!("55{n}"), "approved", 5000), &meta()).await.unwrap();
            assert_eq!(applied, Applied::Confirmed);
            b
        }
    };

    // Resident, more than 24 h before: 90 %, previewed exactly.
    let early = paid(0).await;
    let now = start(0) - TimeDelta::hours(48);
    let quote = refund_preview(&pool, &w.resident, early, now).await.unwrap();
    assert_eq!((quote.refund.as_str(), quote.percent.as_str(), quote.cancellable), ("$4.500", "90 %", true));
    let done = cancel(&pool, &gateway, &w.resident, early, &meta(), now).await.unwrap();
    assert_eq!(done.refund, "$4.500");
    assert_eq!(state(&pool, early).await, ("cancelled".into(), "partially_refunded".into(), "available".into()));
    let (status, key): (String, String) = sqlx::query_as("select status, idempotency_key from refunds where booking_id = $1")
        .bind(early)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "succeeded");
    assert_eq!(gateway.refunds.lock().unwrap().as_slice(), &[(key, 4500)]);
    let after = refund_preview(&pool, &w.resident, early, now).await.unwrap();
    assert!(!after.cancellable);
    assert_eq!(after.refund_state.as_deref(), Some(RefundState::Succeeded.label_es()));

    // Resident, 24 h or less before: nothing, and no refund row.
    let late = paid(1).await;
    let now = start(1) - TimeDelta::hours(2);
    assert_eq!(refund_preview(&pool, &w.resident, late, now).await.unwrap().refund_pesos, 0);
    assert_eq!(cancel(&pool, &gateway, &w.resident, late, &meta(), now).await.unwrap().refund, "$0");
    assert_eq!(state(&pool, late).await.1, "paid");
    assert_eq!(count(&pool, &format!("select count(*) from refunds where booking_id = '{late}'")).await, 0);

    // Staff in scope: everything back; out of scope or another resident: not found.
    let by_staff = paid(2).await;
    let other_building: Uuid =
        sqlx::query_scalar("insert into buildings (name, address) values ('Torre B', 'Calle 2') returning id")
            .fetch_one(&pool)
            .await
            .unwrap();
    let foreign_admin = staff(&pool, Role::BuildingAdmin, Some(other_building)).await;
    let neighbour = resident(&pool, &w.indexer, w.building, "vecino@x.cl").await;
    let concierge = staff(&pool, Role::Concierge, Some(w.building)).await;
    for (who, expected) in
        [(&foreign_admin, AppError::NotFound), (&neighbour, AppError::NotFound), (&concierge, AppError::Forbidden)]
    {
        match cancel(&pool, &gateway, who, by_staff, &meta(), now).await {
            Err(ServerError::App(e)) => assert_eq!(e, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
        assert!(refund_preview(&pool, who, by_staff, now).await.is_err());
    }
    let admin = staff(&pool, Role::BuildingAdmin, Some(w.building)).await;
    assert_eq!(refund_preview(&pool, &admin, by_staff, now).await.unwrap().refund, "$5.000");
    assert_eq!(cancel(&pool, &gateway, &admin, by_staff, &meta(), now).await.unwrap().refund, "$5.000");
    assert_eq!(state(&pool, by_staff).await.1, "refunded");
    let (payment_status,): (String,) = sqlx::query_as("select status from payments where booking_id = $1")
        .bind(by_staff)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(payment_status, "refunded");
    // Cancelling again is refused (the state machine), and refunds nothing more.
    assert!(cancel(&pool, &gateway, &admin, by_staff, &meta(), now).await.is_err());
    assert_eq!(gateway.refunds.lock().unwrap().len(), 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_failed_refund_stays_failed_until_a_retry_succeeds(pool: PgPool) {
    let w = world(&pool).await;
    let gateway = FakeGateway::default();
    let b = booking(&pool, &w, &w.resident, 0).await;
    apply_gateway_payment(&pool, &report(b, "8001", "approved", 5000), &meta()).await.unwrap();
    let admin = staff(&pool, Role::Support, None).await;
    gateway.fail.store(true, Ordering::SeqCst);
    let now = start(0) - TimeDelta::hours(48);
    let done = cancel(&pool, &gateway, &admin, b, &meta(), now).await.unwrap();
    assert_eq!(done.refund_state.as_deref(), Some(RefundState::Failed.label_es()));
    let (status, attempts, error, next): (String, i32, Option<String>, Option<DateTime<Utc>>) =
        sqlx::query_as("select status, attempts, last_error, next_attempt_at from refunds where booking_id = $1")
            .bind(b)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!((status.as_str(), attempts, error.as_deref()), ("failed", 1, Some("HTTP 500")));
    let next = next.expect("a retry is scheduled");
    assert_eq!(state(&pool, b).await.1, "refund_pending", "never marked refunded without the gateway");

    // Not due yet: nothing happens.
    assert_eq!(retry_refunds(&pool, &gateway, Utc::now()).await.unwrap().attempted, 0);
    // Due, still failing: failed again, visible, rescheduled.
    let report1 = retry_refunds(&pool, &gateway, next).await.unwrap();
    assert_eq!((report1.attempted, report1.succeeded), (1, 0));
    let (status, attempts): (String, i32) =
        sqlx::query_as("select status, attempts from refunds").fetch_one(&pool).await.unwrap();
    assert_eq!((status.as_str(), attempts), ("failed", 2));
    // The gateway recovers.
    gateway.fail.store(false, Ordering::SeqCst);
    let report2 = retry_refunds(&pool, &gateway, Utc::now() + TimeDelta::days(1)).await.unwrap();
    assert_eq!((report2.attempted, report2.succeeded), (1, 1));
    assert_eq!(state(&pool, b).await.1, "refunded");
    let keys: Vec<String> = gateway.refunds.lock().unwrap().iter().map(|(k, _)| k.clone()).collect();
    assert_eq!(keys.len(), 3);
    assert!(keys.iter().all(|k| k == &keys[0]), "every attempt carries the same idempotency key");
    assert_eq!(retry_refunds(&pool, &gateway, Utc::now() + TimeDelta::days(2)).await.unwrap().attempted, 0);
    assert_eq!(count(&pool, "select count(*) from audit_log where action = 'payment.refund_failed'").await, 2);
}

#[sqlx::test(migrations = "../migrations")]
async fn staff_retry_a_failed_refund_once_even_when_two_retry_at_the_same_time(pool: PgPool) {
    use crate::payments::refunds::retry_failed;
    let w = world(&pool).await;
    let gateway = FakeGateway::default();
    let b = booking(&pool, &w, &w.resident, 0).await;
    apply_gateway_payment(&pool, &report(b, "8101", "approved", 5000), &meta()).await.unwrap();
    let admin = staff(&pool, Role::BuildingAdmin, Some(w.building)).await;
    gateway.fail.store(true, Ordering::SeqCst);
    cancel(&pool, &gateway, &admin, b, &meta(), start(0) - TimeDelta::hours(48)).await.unwrap();
    // Still failing: the retry fails, the refund stays failed and can be retried again.
    assert_eq!(retry_failed(&pool, &gateway, &admin, b, &meta()).await.unwrap(), RefundState::Failed);
    assert_eq!(count(&pool, "select count(*) from refunds where status = 'failed' and attempts = 2").await, 1);

    // Out of scope, or a role that never refunds: refused, nothing attempted.
    let other: Uuid = sqlx::query_scalar("insert into buildings (name, address) values ('Torre B', 'Calle 2') returning id")
        .fetch_one(&pool)
        .await
        .unwrap();
    let foreign = staff(&pool, Role::BuildingAdmin, Some(other)).await;
    let concierge = staff(&pool, Role::Concierge, Some(w.building)).await;
    for (who, expected) in [(&foreign, AppError::NotFound), (&concierge, AppError::Forbidden), (&w.resident, AppError::Forbidden)]
    {
        match retry_failed(&pool, &gateway, who, b, &meta()).await {
            Err(ServerError::App(e)) => assert_eq!(e, expected),
            other => panic!("expected {expected:?}, got {other:?}"),
        }
    }
    assert_eq!(gateway.refunds.lock().unwrap().len(), 2);

    // The gateway recovers; two staff members press "retry" at the same moment, each on its
    // own connection: one claims the refund, the other finds nothing failed.
    gateway.fail.store(false, Ordering::SeqCst);
    gateway.slow.store(true, Ordering::SeqCst);
    let support = staff(&pool, Role::Support, None).await;
    let (meta_one, meta_two) = (meta(), meta());
    let (one, two) =
        tokio::join!(retry_failed(&pool, &gateway, &admin, b, &meta_one), retry_failed(&pool, &gateway, &support, b, &meta_two),);
    let results = [one, two];
    assert_eq!(results.iter().filter(|r| matches!(r, Ok(RefundState::Succeeded))).count(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| matches!(r, Err(ServerError::App(AppError::Conflict(_))))).count(), 1, "{results:?}");
    assert_eq!(gateway.refunds.lock().unwrap().len(), 3, "the gateway is asked once more, not twice");
    assert_eq!(state(&pool, b).await.1, "refunded");
    assert_eq!(count(&pool, "select count(*) from refunds where status = 'succeeded'").await, 1);
    assert_eq!(count(&pool, "select count(*) from audit_log where action = 'payment.refund_retry_requested'").await, 2);
    assert_eq!(count(&pool, "select count(*) from audit_log where action = 'payment.refund_succeeded'").await, 1);
    // Nothing failed is left to retry.
    assert!(retry_failed(&pool, &gateway, &admin, b, &meta()).await.is_err());
}

#[sqlx::test(migrations = "../migrations")]
async fn checkout_and_result_are_for_the_owner_only(pool: PgPool) {
    let w = world(&pool).await;
    let gateway = FakeGateway::default();
    let b = booking(&pool, &w, &w.resident, 0).await;
    let now = Utc::now();
    let url = start_checkout(&pool, &gateway, &w.resident, b, now).await.unwrap();
    assert_eq!(url, format!("/pagar/{b}"));
    // A second click reuses the attempt.
    start_checkout(&pool, &gateway, &w.resident, b, now).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from payments where provider_preference_id = 'pref-1'").await, 1);
    let neighbour = resident(&pool, &w.indexer, w.building, "vecino@x.cl").await;
    assert!(matches!(start_checkout(&pool, &gateway, &neighbour, b, now).await, Err(ServerError::App(AppError::NotFound))));
    assert!(matches!(payment_result(&pool, &neighbour, b, now).await, Err(ServerError::App(AppError::NotFound))));
    let r = payment_result(&pool, &w.resident, b, now).await.unwrap();
    assert_eq!((r.kind, r.can_pay, r.amount.as_str(), r.plate.as_str()), (ResultKind::Pending, true, "$5.000", "KHJT-52"));
    assert_eq!(r.window, "20:00 – 07:00 (día siguiente)");
    // The attempt is what the approval (same provider) later claims: one payment row in the end.
    let mut pay = report(b, "6001", "approved", 5000);
    pay.provider = gateway.provider();
    apply_gateway_payment(&pool, &pay, &meta()).await.unwrap();
    assert_eq!(count(&pool, "select count(*) from payments").await, 1);
    let r = payment_result(&pool, &w.resident, b, now).await.unwrap();
    assert_eq!(r.kind, ResultKind::Confirmed);
    assert_eq!(r.code.len(), 9);
    assert!(matches!(start_checkout(&pool, &gateway, &w.resident, b, now).await, Err(ServerError::App(AppError::Conflict(_)))));
    // A lapsed hold cannot be paid.
    let b2 = booking(&pool, &w, &w.resident, 1).await;
    let late = now + TimeDelta::hours(1);
    assert!(
        matches!(start_checkout(&pool, &gateway, &w.resident, b2, late).await, Err(ServerError::App(AppError::Conflict(m))) if m == EXPIRED_MESSAGE)
    );
}
