//! Database tests of the pricing screen: the preview's price is what the booking charges, and
//! rules are scoped to their building.

use super::*;
use crate::booking::ssr::{create, NewBooking};
use crate::domain::{names::VisitorName, plate::Plate, role::Role};
use crate::ssr::test_support::{app_error, building, keys, resident, staff};

#[sqlx::test(migrations = "../migrations")]
async fn the_preview_price_is_what_booking_charges(pool: PgPool) {
    let (vault, indexer) = keys();
    let a = building(&pool, "Torre A").await;
    let b = building(&pool, "Torre B").await;
    sqlx::query(
        "insert into block_templates (building_id, name, start_local, duration_minutes, base_price_clp)
         values ($1, 'Noche', '20:00', 660, 3333)",
    )
    .bind(a)
    .execute(&pool)
    .await
    .unwrap();
    let spot: Uuid = sqlx::query_scalar("insert into visitor_spots (building_id, number) values ($1, 'V-01') returning id")
        .bind(a)
        .fetch_one(&pool)
        .await
        .unwrap();
    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let admin_b = staff(&pool, Role::BuildingAdmin, Some(b)).await;
    let meta = RequestMeta::default();
    let now = Utc::now();
    let tz: Tz = "America/Santiago".parse().unwrap();
    let day = local_date(now, tz) + Duration::days(3);
    let input = RuleInput {
        name: "Año Nuevo".into(),
        priority: 5,
        first_day: day,
        last_day: day,
        multiplier: Multiplier::parse("1,5").unwrap(),
    };
    let rule = save(&pool, &admin_a, a, None, &input, &meta).await.unwrap();
    // A weaker rule over the whole fortnight loses on `day` (lower priority) and wins elsewhere.
    let weak = RuleInput {
        name: "Quincena".into(),
        priority: 1,
        first_day: local_date(now, tz),
        last_day: day + Duration::days(20),
        multiplier: Multiplier::parse("1,1").unwrap(),
    };
    save(&pool, &admin_a, a, None, &weak, &meta).await.unwrap();

    let rows = preview(&pool, a, now, PREVIEW_DAYS).await.unwrap();
    let on_day = rows.iter().find(|r| r.date == day.to_string()).unwrap();
    // ceil(3.333 × 1,5) = 5.000 (4.999,5 rounds up)
    assert_eq!((on_day.base.as_str(), on_day.multiplier.as_str(), on_day.effective.as_str()), ("$3.333", "×1,5", "$5.000"));
    assert_eq!(on_day.rule.as_deref(), Some("Año Nuevo"));
    let other = rows.iter().find(|r| r.date == (day + Duration::days(1)).to_string()).unwrap();
    assert_eq!(other.effective, "$3.667");

    // The booking of that night's block charges exactly the preview's price.
    let template =
        BlockTemplate { name: "Noche".into(), start_local: NaiveTime::from_hms_opt(20, 0, 0).unwrap(), duration_minutes: 660 };
    let (start, end) = template.window(day, tz).unwrap();
    let block: Uuid = sqlx::query_scalar(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp) values ($1, $2, $3, $4, 3333) returning id",
    )
    .bind(spot)
    .bind(a)
    .bind(start)
    .bind(end)
    .fetch_one(&pool)
    .await
    .unwrap();
    let res = resident(&pool, &indexer, a, "r@x.cl").await;
    let new = NewBooking {
        block_id: block,
        visitor_name: VisitorName::parse("Pedro Pérez").unwrap(),
        plate: Plate::parse("KHJT52").unwrap(),
        visitor_phone: None,
    };
    let created = create(&pool, &vault, &indexer, &res, new, &meta).await.unwrap();
    assert_eq!(created.amount.to_string(), on_day.effective);
    let charged_rule: Option<Uuid> = sqlx::query_scalar("select pricing_rule_id from bookings where id = $1")
        .bind(created.booking_id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(charged_rule, Some(rule));

    // Scope: B's admin cannot see, edit or deactivate A's rules.
    assert_eq!(app_error(listing(&pool, &admin_b, a, now).await), AppError::NotFound);
    assert_eq!(app_error(save(&pool, &admin_b, a, Some(rule), &input, &meta).await), AppError::NotFound);
    assert_eq!(app_error(deactivate(&pool, &admin_b, rule, &meta).await), AppError::NotFound);
    deactivate(&pool, &admin_a, rule, &meta).await.unwrap();
    let l = listing(&pool, &admin_a, a, now).await.unwrap();
    assert_eq!(l.rules.iter().filter(|r| r.active).count(), 1);
    let r = l.rules.iter().find(|r| r.name == "Año Nuevo").unwrap();
    assert_eq!((r.first_day.clone(), r.last_day.clone(), r.multiplier.as_str()), (day.to_string(), day.to_string(), "1,5"));
}
