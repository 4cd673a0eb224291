//! Database tests of privacy: the retention purge with the clock moved on, the export of one
//! person's data (and nobody else's), the erasure checked against a `pg_dump` of the whole test
//! database, and rectification refused without the password or with a wrong code.

use super::{erasure, export, purge, rectify, registry};
use crate::domain::{email::Email, phone::MobilePhone, role::Role};
use crate::error::AppError;
use crate::ssr::{
    audit::RequestMeta,
    blind_index::BlindField,
    pii,
    test_support::{app_error, staff},
};
use chrono::{Duration, Months, Utc};
use sqlx::PgPool;
use uuid::Uuid;

mod world;
use world::{booking, dump, resident, snapshot, world, OkGateway, ANA, BRUNO, PASSWORD, PEDRO, ROSA, XIMENA};

#[sqlx::test(migrations = "../migrations")]
async fn purge_25_months_on_removes_visitors_keeps_money_and_audit_and_reruns_as_a_no_op(pool: PgPool) {
    let w = world(&pool, "Torre Purga").await;
    let ana = resident(&pool, &w, "101", &ANA).await;
    let now = Utc::now();
    let old = booking(&pool, &w, &ana, now - Duration::days(2), &PEDRO, "completed").await;
    // Ends 23 months before the moved clock: kept.
    let recent = booking(&pool, &w, &ana, now + Months::new(2) - Duration::days(1), &ROSA, "confirmed").await;
    let later = now.checked_add_months(Months::new(25)).unwrap();
    let money = "select to_jsonb(x)::text from (select id, amount_clp, platform_commission_clp, building_share_clp, status, payment_status from bookings order by id) x
                 union all select to_jsonb(p)::text from (select id, amount_clp, status from payments order by id) p";
    let money_before = snapshot(&pool, money).await;
    let audit = "select to_jsonb(a)::text from audit_log a order by id";
    let audit_before = snapshot(&pool, audit).await;

    let report = purge::purge(&pool, later, registry::DEFAULT_RETENTION_MONTHS).await.unwrap();
    assert_eq!((report.bookings, report.access_events, report.notifications), (1, 1, 1), "{report:?}");
    type Visitor = (Option<String>, Option<String>, Option<Vec<u8>>, Option<Vec<u8>>, bool);
    let row: Visitor = sqlx::query_as(
        "select visitor_name, visitor_plate, visitor_phone_enc, visitor_phone_bidx, purged_at is not null from bookings where id = $1",
    )
    .bind(old)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row, (None, None, None, None, true));
    let kept: (Option<String>, bool) = sqlx::query_as("select visitor_name, purged_at is null from bookings where id = $1")
        .bind(recent)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, (Some("Rosa Díaz".into()), true), "a booking ended 23 months ago is untouched");
    let event: (Option<String>, Option<String>) =
        sqlx::query_as("select plate_observed, query_text from access_events where booking_id = $1")
            .bind(old)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(event, (None, None));
    let purged_messages: i64 = sqlx::query_scalar(
        "select count(*) from notifications where booking_id = $1 and recipient_enc is null and rendered_body is null and purged_at is not null",
    )
    .bind(old)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(purged_messages, 1);
    assert_eq!(snapshot(&pool, money).await, money_before, "money and statuses stay");
    assert_eq!(snapshot(&pool, audit).await, audit_before, "the audit log stays");

    // The admin list and the CSV still work, saying the data is gone.
    let admin = staff(&pool, Role::Admin, None).await;
    let listing = crate::admin::bookings::ssr::list(&pool, &admin, &Default::default(), 1).await.unwrap();
    let shown = listing.rows.iter().find(|r| r.id == old.to_string()).unwrap();
    assert_eq!((shown.visitor.as_str(), shown.plate.as_str()), (super::PURGED_LABEL, super::PURGED_LABEL));
    let rows = crate::admin::bookings::ssr::find(&pool, &Default::default(), 10, 0).await.unwrap();
    assert!(crate::admin::bookings::csv::render(&rows, 10).0.contains(super::PURGED_LABEL));

    let everything = "select to_jsonb(t)::text from (select * from bookings order by id) t
                      union all select to_jsonb(e)::text from (select * from access_events order by id) e
                      union all select to_jsonb(n)::text from (select * from notifications order by id) n";
    let after_first = snapshot(&pool, everything).await;
    let again = purge::purge(&pool, later, registry::DEFAULT_RETENTION_MONTHS).await.unwrap();
    assert_eq!((again.bookings, again.access_events, again.notifications), (0, 0, 0));
    assert_eq!(snapshot(&pool, everything).await, after_first, "a rerun changes nothing");
}

#[sqlx::test(migrations = "../migrations")]
async fn export_holds_every_field_of_the_person_and_nothing_of_another(pool: PgPool) {
    let w = world(&pool, "Torre Exporta").await;
    let ana = resident(&pool, &w, "101", &ANA).await;
    let bruno = resident(&pool, &w, "202", &BRUNO).await;
    let now = Utc::now();
    booking(&pool, &w, &ana, now + Duration::days(3), &PEDRO, "confirmed").await;
    booking(&pool, &w, &bruno, now + Duration::days(4), &XIMENA, "confirmed").await;

    let data = export::my_data(&pool, &w.vault, &ana, now).await.unwrap();
    let p = &data.profile;
    assert_eq!(p.email, ANA.email);
    assert_eq!((p.first_name.as_deref(), p.last_name.as_deref()), (Some(ANA.first), Some(ANA.last)));
    assert_eq!(p.full_name, "Anastasia Villavicencio");
    assert_eq!(p.rut.as_deref(), Some(ANA.rut));
    assert_eq!(p.phone.as_deref(), Some("+56971112233"));
    assert_eq!((p.unit.as_deref(), p.building.as_deref(), p.role.as_str()), (Some("101"), Some("Torre Exporta"), "resident"));
    assert_eq!(data.bookings.len(), 1);
    let b = &data.bookings[0];
    assert_eq!(
        (b.visitor_name.as_deref(), b.visitor_plate.as_deref(), b.visitor_phone.as_deref()),
        (Some("Pedro Pérez"), Some("KHJT52"), Some("+56987654321"))
    );
    assert_eq!(b.amount_clp, 5000);
    assert_eq!(data.messages.len(), 1);
    assert_eq!(data.messages[0].recipient.as_deref(), Some("+56971112233"));
    assert!(data.audit.iter().any(|a| a.action == "auth.signed_up"));

    let json = serde_json::to_string(&data).unwrap();
    for foreign in [
        BRUNO.email,
        BRUNO.first,
        BRUNO.last,
        "22.222.222-2",
        "22222222-2",
        "+56974445566",
        "Ximena",
        "ZZXY98",
        "+56911112222",
        &bruno.id.to_string(),
    ] {
        assert!(!json.contains(foreign), "the export of one person leaks {foreign:?} of another");
    }
    export::record_export(&pool, &ana, "json", &RequestMeta::default()).await.unwrap();
    let audited: i64 =
        sqlx::query_scalar("select count(*) from audit_log where action = 'privacy.data_exported' and entity_id = $1")
            .bind(ana.id.to_string())
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(audited, 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn erasure_leaves_no_value_of_the_person_in_a_dump_and_cancels_with_the_policy_refund(pool: PgPool) {
    let w = world(&pool, "Torre Olvido").await;
    let ana = resident(&pool, &w, "101", &ANA).await;
    let bruno = resident(&pool, &w, "202", &BRUNO).await;
    let now = Utc::now();
    booking(&pool, &w, &ana, now - Duration::days(5), &PEDRO, "completed").await;
    let future = booking(&pool, &w, &ana, now + Duration::days(5), &PEDRO, "confirmed").await;
    booking(&pool, &w, &bruno, now + Duration::days(6), &XIMENA, "confirmed").await;
    crate::identity::ssr::request_reset(&pool, &w.vault, &Email::parse(ANA.email).unwrap(), &RequestMeta::default())
        .await
        .unwrap();
    rectify::request_phone_change(
        &pool,
        &w.vault,
        &w.indexer,
        &ana,
        PASSWORD,
        &MobilePhone::parse("+56 9 7999 8888").unwrap(),
        &RequestMeta::default(),
    )
    .await
    .unwrap();

    // Wrong password first, then the request; a second one is refused.
    let wrong = rectify::reauthenticate(&pool, &ana, "otra", "privacy.erasure_refused", &RequestMeta::default()).await;
    assert!(matches!(app_error(wrong), AppError::Invalid { .. }));
    let request = erasure::request(&pool, &ana, &RequestMeta::default(), now).await.unwrap();
    assert!(matches!(app_error(erasure::request(&pool, &ana, &RequestMeta::default(), now).await), AppError::Conflict(_)));

    // Hostile processors: another building's admin, support, a concierge, the resident.
    let elsewhere = world(&pool, "Torre Ajena").await;
    let other_admin = staff(&pool, Role::BuildingAdmin, Some(elsewhere.building)).await;
    let support = staff(&pool, Role::Support, None).await;
    let concierge = staff(&pool, Role::Concierge, Some(w.building)).await;
    for (who, want) in [
        (&other_admin, AppError::NotFound),
        (&support, AppError::Forbidden),
        (&concierge, AppError::Forbidden),
        (&ana, AppError::Forbidden),
    ] {
        let got = erasure::process(&pool, &OkGateway, who, request, &RequestMeta::default(), now).await;
        assert_eq!(app_error(got), want);
    }
    let admin = staff(&pool, Role::BuildingAdmin, Some(w.building)).await;
    assert_eq!(
        app_error(erasure::process(&pool, &OkGateway, &admin, Uuid::new_v4(), &RequestMeta::default(), now).await),
        AppError::NotFound
    );
    let listed = erasure::list(&pool, &admin, now).await.unwrap();
    assert_eq!((listed.len(), listed[0].days_left, listed[0].can_process), (1, 30, true));

    assert_eq!(erasure::process(&pool, &OkGateway, &admin, request, &RequestMeta::default(), now).await.unwrap(), 1);
    let cancelled: (String, i64) =
        sqlx::query_as("select k.status, r.amount_clp from bookings k join refunds r on r.booking_id = k.id where k.id = $1")
            .bind(future)
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(cancelled, ("cancelled".into(), 4500), "the resident's policy: 90 % more than 24 h before");

    let text = dump(&pool).await;
    let phone_index: String = w.indexer.index(BlindField::Phone, "+56971112233").iter().map(|b| format!("{b:02x}")).collect();
    let rut_index: String = w.indexer.index(BlindField::Rut, "11111111-1").iter().map(|b| format!("{b:02x}")).collect();
    for value in [
        ANA.email,
        ANA.first,
        ANA.last,
        "Anastasia Villavicencio",
        "11.111.111-1",
        "11111111-1",
        "+56971112233",
        "971112233",
        "+56979998888",
        &phone_index,
        &rut_index,
    ] {
        assert!(!text.contains(value), "{value:?} of the erased person is still in the database");
    }
    assert!(text.contains(BRUNO.email) && text.contains("Ximena"), "another resident's data is untouched");
    // The money of the bookings stays.
    let kept: i64 = sqlx::query_scalar("select count(*) from bookings where resident_id = $1 and amount_clp = 5000")
        .bind(ana.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(kept, 2);
    // No way back in.
    let login = crate::identity::ssr::log_in(
        &pool,
        &w.indexer,
        Some(Email::parse(ANA.email).unwrap()),
        PASSWORD.into(),
        &RequestMeta::default(),
    )
    .await;
    assert!(matches!(app_error(login), AppError::Invalid { .. }));
    let (status, epoch): (String, i32) = sqlx::query_as("select status, session_epoch from users where id = $1")
        .bind(ana.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!((status.as_str(), epoch > 0), ("inactive", true), "sessions ended");
    assert!(matches!(
        app_error(erasure::process(&pool, &OkGateway, &admin, request, &RequestMeta::default(), now).await),
        AppError::Conflict(_)
    ));
}

#[sqlx::test(migrations = "../migrations")]
async fn erasure_waits_for_a_booking_within_24_hours(pool: PgPool) {
    let w = world(&pool, "Torre Espera").await;
    let ana = resident(&pool, &w, "101", &ANA).await;
    let now = Utc::now();
    booking(&pool, &w, &ana, now + Duration::hours(5), &PEDRO, "confirmed").await;
    let status = erasure::status(&pool, &ana, now).await.unwrap();
    assert!(status.blocked_by_booking);
    let refused = erasure::request(&pool, &ana, &RequestMeta::default(), now).await;
    assert_eq!(app_error(refused), AppError::Conflict(super::ACTIVE_BOOKING_MESSAGE.into()));
    let rows: i64 = sqlx::query_scalar("select count(*) from erasure_requests").fetch_one(&pool).await.unwrap();
    assert_eq!(rows, 0, "no partial write");
}

#[sqlx::test(migrations = "../migrations")]
async fn rectification_needs_the_password_and_the_right_code(pool: PgPool) {
    let w = world(&pool, "Torre Corrige").await;
    let ana = resident(&pool, &w, "101", &ANA).await;
    let bruno = resident(&pool, &w, "202", &BRUNO).await;
    let meta = RequestMeta::default();
    let new_email = Email::parse("anastasia.nueva@correo.cl").unwrap();
    for password in ["", "Clave.Equivocada.2026"] {
        let refused = rectify::change_email(&pool, &w.indexer, &ana, password, &new_email, &meta).await;
        assert_eq!(app_error(refused).field_message("password").as_deref(), Some(rectify::WRONG_PASSWORD));
        let refused = rectify::request_phone_change(
            &pool,
            &w.vault,
            &w.indexer,
            &ana,
            password,
            &MobilePhone::parse("+56979998888").unwrap(),
            &meta,
        )
        .await;
        assert!(matches!(app_error(refused), AppError::Invalid { .. }));
    }
    let email: String = sqlx::query_scalar("select email::text from users where id = $1")
        .bind(ana.id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(email, ANA.email);
    let changes: i64 = sqlx::query_scalar("select count(*) from phone_changes").fetch_one(&pool).await.unwrap();
    assert_eq!(changes, 0, "no partial write");
    let taken = rectify::change_email(&pool, &w.indexer, &ana, PASSWORD, &Email::parse(BRUNO.email).unwrap(), &meta).await;
    assert!(app_error(taken).field_message("email").is_some());

    let change = rectify::request_phone_change(
        &pool,
        &w.vault,
        &w.indexer,
        &ana,
        PASSWORD,
        &MobilePhone::parse("+56979998888").unwrap(),
        &meta,
    )
    .await
    .unwrap();
    let code_enc: Vec<u8> = sqlx::query_scalar("select code_enc from phone_changes where id = $1")
        .bind(change)
        .fetch_one(&pool)
        .await
        .unwrap();
    let code = w.vault.decrypt(&code_enc, &pii::PHONE_CHANGE_CODE.aad(&change.to_string())).unwrap();
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let refused = rectify::confirm_phone_change(&pool, &w.vault, &ana, wrong, &meta).await;
    assert_eq!(app_error(refused).field_message("code").as_deref(), Some(crate::identity::ssr::BAD_CODE_MESSAGE));
    // Another person cannot use it, whatever they type.
    assert!(matches!(
        app_error(rectify::confirm_phone_change(&pool, &w.vault, &bruno, &code, &meta).await),
        AppError::Invalid { .. }
    ));
    let phone_of = |id: Uuid| {
        let pool = pool.clone();
        async move {
            let enc: Vec<u8> = sqlx::query_scalar("select phone_enc from users where id = $1")
                .bind(id)
                .fetch_one(&pool)
                .await
                .unwrap();
            enc
        }
    };
    let before = phone_of(ana.id).await;
    assert_eq!(w.vault.decrypt(&before, &pii::user_phone(&ana.id.to_string())).unwrap(), "+56971112233");

    let epoch = rectify::confirm_phone_change(&pool, &w.vault, &ana, &code, &meta).await.unwrap();
    assert_eq!(epoch, 1, "other sessions end");
    let after = phone_of(ana.id).await;
    assert_eq!(w.vault.decrypt(&after, &pii::user_phone(&ana.id.to_string())).unwrap(), "+56979998888");
    let left: i64 = sqlx::query_scalar("select count(*) from phone_changes").fetch_one(&pool).await.unwrap();
    assert_eq!(left, 0);
    let epoch = rectify::change_email(&pool, &w.indexer, &ana, PASSWORD, &new_email, &meta).await.unwrap();
    assert_eq!(epoch, 2);
    let actions: Vec<String> =
        sqlx::query_scalar("select action from audit_log where entity_id = $1 and action like 'account.%' order by id")
            .bind(ana.id.to_string())
            .fetch_all(&pool)
            .await
            .unwrap();
    assert!(
        actions.contains(&"account.phone_changed".to_string()) && actions.contains(&"account.email_changed".to_string()),
        "{actions:?}"
    );
    let leaked: i64 = sqlx::query_scalar(
        "select count(*) from audit_log where metadata::text like '%979998888%' or metadata::text like '%nueva@%'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(leaked, 0, "the audit trail holds no contact data");
}
