//! Database tests of the buildings screens: create with templates, edit, settings-only edits by
//! a building admin, archive/restore (and what archiving stops), delete refused while the
//! building holds bookings, money or accounts, on-demand generation, and bulk units.

use super::*;
use crate::admin::units::ssr as units;
use crate::domain::inventory::{parse_unit_list, SettingsForm, TermsForm};
use crate::ssr::test_support::{app_error, building, keys, resident, staff};

fn terms(name: &str) -> BuildingTerms {
    BuildingTerms::parse(&TermsForm {
        name,
        address: "Av. Italia 1000",
        comuna: "Ñuñoa",
        time_zone: "America/Santiago",
        commission: "10,5 %",
        monthly_fee: "$50.000",
    })
    .unwrap()
}

fn settings(horizon: &str) -> BuildingSettings {
    BuildingSettings::parse(&SettingsForm {
        horizon,
        max_active: "3",
        hold: "10",
        no_show: "on",
        no_show_grace: "20",
        overstay_grace: "10",
        check_in_early: "5",
    })
    .unwrap()
}

async fn audit_actions(pool: &PgPool, entity: Uuid) -> Vec<String> {
    sqlx::query_scalar("select action from audit_log where entity_id = $1 order by id")
        .bind(entity.to_string())
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn admins_create_edit_archive_and_restore_buildings(pool: PgPool) {
    let admin = staff(&pool, Role::Admin, None).await;
    let support = staff(&pool, Role::Support, None).await;
    let meta = RequestMeta::default();
    let now = Utc::now();
    let id = create(&pool, &admin, &terms("Torre Nueva"), &settings("14"), false, &meta).await.unwrap();
    let row: (String, i32, i64, i32, String) = sqlx::query_as(
        "select name, commission_rate_bp, monthly_fee_clp, booking_horizon_days, time_zone from buildings where id = $1",
    )
    .bind(id)
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(row, ("Torre Nueva".into(), 1050, 50_000, 14, "America/Santiago".into()));
    let templates: Vec<(String, i64)> =
        sqlx::query_as("select name, base_price_clp from block_templates where building_id = $1 order by sort_order")
            .bind(id)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(templates, [("Día".to_string(), 5000), ("Noche".to_string(), 5000)]);
    let with_full = create(&pool, &admin, &terms("Torre Completa"), &settings("14"), true, &meta).await.unwrap();
    let n: i64 = sqlx::query_scalar("select count(*) from block_templates where building_id = $1")
        .bind(with_full)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(n, 3);

    // Only admins create or change terms.
    let ba = staff(&pool, Role::BuildingAdmin, Some(id)).await;
    assert_eq!(app_error(create(&pool, &ba, &terms("X"), &settings("14"), false, &meta).await), AppError::Forbidden);
    assert_eq!(app_error(create(&pool, &support, &terms("X"), &settings("14"), false, &meta).await), AppError::Forbidden);
    assert_eq!(app_error(update(&pool, &ba, id, &terms("X"), &settings("14"), &meta).await), AppError::Forbidden);
    update(&pool, &admin, id, &terms("Torre Renovada"), &settings("60"), &meta).await.unwrap();
    // The building admin changes settings of their own building only.
    update_settings(&pool, &ba, id, &settings("90"), &meta).await.unwrap();
    let other = building(&pool, "Torre Otra").await;
    assert_eq!(app_error(update_settings(&pool, &ba, other, &settings("90"), &meta).await), AppError::NotFound);
    assert_eq!(app_error(update_settings(&pool, &support, id, &settings("90"), &meta).await), AppError::Forbidden);
    let d = detail(&pool, &ba, id, now).await.unwrap();
    assert_eq!(
        (d.name.as_str(), d.horizon, d.commission.as_str(), d.can_edit_terms, d.can_edit_settings),
        ("Torre Renovada", 90, "10,5", false, true)
    );
    assert_eq!(app_error(detail(&pool, &ba, other, now).await), AppError::NotFound);

    // Archive: no generation, no listing as active; restore brings it back.
    sqlx::query("insert into visitor_spots (building_id, number) values ($1, 'V-01')")
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    assert_eq!(app_error(set_archived(&pool, &ba, id, true, &meta).await), AppError::Forbidden);
    set_archived(&pool, &admin, id, true, &meta).await.unwrap();
    assert!(matches!(app_error(set_archived(&pool, &admin, id, true, &meta).await), AppError::Conflict(_)));
    assert!(matches!(app_error(generate(&pool, &admin, id, now, &meta).await), AppError::Conflict(_)));
    let all = crate::availability::ssr::generate_blocks(&pool, now).await.unwrap();
    let blocks: i64 = sqlx::query_scalar("select count(*) from availability_blocks where building_id = $1")
        .bind(id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(blocks, 0, "the hourly generator skips archived buildings ({all:?})");
    let archived = list(&pool, &admin, Some("archived"), "", 1).await.unwrap();
    assert_eq!(archived.rows.iter().map(|r| r.name.as_str()).collect::<Vec<_>>(), ["Torre Renovada"]);
    set_archived(&pool, &admin, id, false, &meta).await.unwrap();
    let report = generate(&pool, &ba, id, now, &meta).await.unwrap();
    assert!(report.created >= 2 * 89, "two templates × 90 days: {report:?}");
    let again = generate(&pool, &admin, id, now, &meta).await.unwrap();
    assert_eq!(again.created, 0, "idempotent");
    // While archived, a resident's search shows the existing blocks as not bookable.
    let (_, indexer) = keys();
    let res = resident(&pool, &indexer, id, "vecino@x.cl").await;
    let tomorrow = Some(crate::domain::schedule::local_date(now, chrono_tz::America::Santiago) + chrono::Duration::days(1));
    let open = crate::booking::ssr::search(&pool, &res, tomorrow, None, now).await.unwrap();
    assert!(!open.cards.is_empty() && open.cards.iter().all(|c| c.available));
    set_archived(&pool, &admin, id, true, &meta).await.unwrap();
    let closed = crate::booking::ssr::search(&pool, &res, tomorrow, None, now).await.unwrap();
    assert!(!closed.cards.is_empty() && closed.cards.iter().all(|c| !c.available));
    set_archived(&pool, &admin, id, false, &meta).await.unwrap();
    assert_eq!(
        audit_actions(&pool, id).await,
        [
            "building.created",
            "building.updated",
            "building.settings_updated",
            "building.archived",
            "building.restored",
            "availability.generated",
            "availability.generated",
            "building.archived",
            "building.restored"
        ]
    );
    // Search and paging.
    let found = list(&pool, &support, None, "renov", 1).await.unwrap();
    assert_eq!((found.total, found.can_create), (1, false));
    let mine = list(&pool, &ba, None, "", 1).await.unwrap();
    assert_eq!(mine.rows.len(), 1);
}

#[sqlx::test(migrations = "../migrations")]
async fn delete_is_refused_while_the_building_holds_bookings_money_or_accounts(pool: PgPool) {
    let (_, indexer) = keys();
    let admin = staff(&pool, Role::Admin, None).await;
    let meta = RequestMeta::default();
    // An empty building (with units, spots, templates and blocks) can be deleted.
    let empty = create(&pool, &admin, &terms("Torre Vacía"), &settings("3"), false, &meta).await.unwrap();
    units::bulk_create(&pool, &admin, empty, &parse_unit_list("101-105").unwrap(), &meta).await.unwrap();
    sqlx::query("insert into visitor_spots (building_id, number) values ($1, 'V-01')")
        .bind(empty)
        .execute(&pool)
        .await
        .unwrap();
    generate(&pool, &admin, empty, Utc::now(), &meta).await.unwrap();
    let ba = staff(&pool, Role::BuildingAdmin, Some(empty)).await;
    assert_eq!(app_error(delete(&pool, &ba, empty, &meta).await), AppError::Forbidden);
    // A building admin account blocks deletion (their account would be orphaned).
    let AppError::Conflict(why) = app_error(delete(&pool, &admin, empty, &meta).await) else { panic!() };
    assert!(why.contains("1 cuenta de usuario"), "{why}");
    sqlx::query("delete from users where id = $1").bind(ba.id).execute(&pool).await.unwrap();
    delete(&pool, &admin, empty, &meta).await.unwrap();
    let gone: i64 = sqlx::query_scalar("select count(*) from buildings where id = $1")
        .bind(empty)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(gone, 0);
    assert_eq!(audit_actions(&pool, empty).await.last().map(String::as_str), Some("building.deleted"));

    // A building with a paid booking: refused with the explanation, and nothing deleted.
    let busy = create(&pool, &admin, &terms("Torre Ocupada"), &settings("3"), false, &meta).await.unwrap();
    let res = resident(&pool, &indexer, busy, "r@x.cl").await;
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
        .bind(busy)
        .fetch_one(&pool)
        .await
        .unwrap();
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, now() + interval '1 day', now() + interval '1 day 11 hours', 5000, 'reserved') returning id",
    )
    .bind(spot)
    .bind(busy)
    .fetch_one(&pool)
    .await
    .unwrap();
    let booking: Uuid = sqlx::query_scalar(
        "insert into bookings (block_id, spot_id, building_id, resident_id, during, visitor_name, visitor_plate, base_price_clp, amount_clp,
                               commission_rate_bp, platform_commission_clp, building_share_clp, status, payment_status,
                               confirmation_code, guest_pass_token, confirmed_at)
         select id, spot_id, building_id, $2, during, 'Pedro Pérez', 'KHJT52', 5000, 5000, 1000, 500, 4500, 'confirmed', 'paid',
                'ABCD2345', md5('x') || md5('y'), now() from availability_blocks where id = $1 returning id",
    )
    .bind(block)
    .bind(res.id)
    .fetch_one(&pool)
    .await
    .unwrap();
    sqlx::query("insert into payments (booking_id, provider, provider_payment_id, amount_clp, status, approved_at) values ($1, 'simulator', 'sim-1', 5000, 'approved', now())")
        .bind(booking)
        .execute(&pool)
        .await
        .unwrap();
    let AppError::Conflict(why) = app_error(delete(&pool, &admin, busy, &meta).await) else { panic!() };
    assert_eq!(why, "Este edificio tiene 1 reserva y pagos registrados; archívalo en su lugar.");
    let d = detail(&pool, &admin, busy, Utc::now()).await.unwrap();
    assert_eq!(d.delete_blocker.as_deref(), Some(why.as_str()));
    let still: i64 = sqlx::query_scalar("select count(*) from buildings where id = $1")
        .bind(busy)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(still, 1);
    assert_eq!(delete_blocker((3, 0, 0)).as_deref(), Some("Este edificio tiene 3 reservas registradas; archívalo en su lugar."));
    assert_eq!(delete_blocker((0, 0, 0)), None);
}

#[sqlx::test(migrations = "../migrations")]
async fn bulk_units_skip_existing_numbers_and_stay_in_scope(pool: PgPool) {
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let admin_b = staff(&pool, Role::BuildingAdmin, Some(b)).await;
    let support = staff(&pool, Role::Support, None).await;
    let meta = RequestMeta::default();
    let first = units::bulk_create(&pool, &admin_a, a, &parse_unit_list("101-120").unwrap(), &meta).await.unwrap();
    assert_eq!((first.created, first.existing.len()), (20, 0));
    let second = units::bulk_create(&pool, &admin_a, a, &parse_unit_list("119-122, PH").unwrap(), &meta)
        .await
        .unwrap();
    assert_eq!((second.created, second.existing.clone()), (3, vec!["119".to_string(), "120".to_string()]));
    assert_eq!(second.summary(), "3 unidades creadas, 2 ya existían (119, 120).");
    assert_eq!(app_error(units::bulk_create(&pool, &admin_b, a, &["1".into()], &meta).await), AppError::NotFound);
    assert_eq!(app_error(units::bulk_create(&pool, &support, a, &["1".into()], &meta).await), AppError::Forbidden);
    let l = units::list(&pool, &admin_a, a, "", 1).await.unwrap();
    assert_eq!((l.total, l.rows.len(), l.pages), (23, 23, 1));
    assert_eq!(l.rows.first().map(|r| r.number.as_str()), Some("PH"));
    let found = units::list(&pool, &support, a, "12", 1).await.unwrap();
    assert_eq!(found.total, 4, "112, 120, 121, 122");
    assert_eq!(app_error(units::list(&pool, &admin_b, a, "", 1).await), AppError::NotFound);

    // Deactivated units are not offered at sign-up.
    let unit: Uuid = sqlx::query_scalar("select id from units where building_id = $1 and number = '101'")
        .bind(a)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(app_error(units::set_active(&pool, &admin_b, unit, false, &meta).await), AppError::NotFound);
    units::set_active(&pool, &admin_a, unit, false, &meta).await.unwrap();
    assert!(matches!(app_error(units::set_active(&pool, &admin_a, unit, false, &meta).await), AppError::Conflict(_)));
    let offered = crate::identity::ssr::signup_options(&pool).await.unwrap();
    let numbers: Vec<String> = offered
        .iter()
        .filter(|o| o.id == a.to_string())
        .flat_map(|o| o.units.iter().map(|u| u.number.clone()))
        .collect();
    assert!(!numbers.contains(&"101".to_string()) && numbers.contains(&"102".to_string()));
    units::set_active(&pool, &admin_a, unit, true, &meta).await.unwrap();
    let actions: Vec<String> = sqlx::query_scalar("select action from audit_log where building_id = $1 order by id")
        .bind(a)
        .fetch_all(&pool)
        .await
        .unwrap();
    assert_eq!(actions, ["unit.bulk_created", "unit.bulk_created", "unit.deactivated", "unit.reactivated"]);
}
