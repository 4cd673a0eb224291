//! Database tests of the analytics numbers on a fixture whose every figure is worked out by hand.

use super::*;
use crate::admin::dashboard::ssr::tests::{booking, towers, Towers};
use crate::domain::role::Role;
use crate::ssr::test_support::{building, day_text, keys, local_at, staff};

fn find<'a>(series: &'a Series, full: &str) -> &'a Point {
    series.points.iter().find(|p| p.full == full).unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn bookings_per_day_rates_revenue_and_occupancy(pool: PgPool) {
    let (_, indexer) = keys();
    // Noon in Santiago on day 0, the test day; the other days are counted from it.
    let now = local_at(0, "12:00");
    let Towers { a, b, ra, rb, a1, a2, b1 } = towers(&pool, &indexer).await;
    let day = |d: i64| local_at(d, "08:00");

    // Made (and paid) on day −1, visited day 0 08:00–19:00, left.
    booking(&pool, (a, a1, ra.id), ("checked_out", "paid"), day(0), 11, local_at(-1, "09:00"), Some(local_at(-1, "09:00"))).await;
    // Made on day −2 for day −1; nobody came.
    booking(&pool, (a, a2, ra.id), ("no_show", "paid"), day(-1), 11, local_at(-2, "09:00"), Some(local_at(-2, "09:00"))).await;
    // Made on day −1 for day 1, then cancelled and refunded.
    booking(&pool, (a, a2, ra.id), ("cancelled", "refunded"), day(1), 11, local_at(-1, "10:00"), Some(local_at(-1, "10:00")))
        .await;
    // Made on day −5 for day −5; never arrived, no-show disabled: completed.
    booking(&pool, (a, a1, ra.id), ("completed", "paid"), day(-5), 11, local_at(-5, "07:00"), Some(local_at(-5, "07:00"))).await;
    // Made today (day 0) for day 5.
    booking(&pool, (a, a1, ra.id), ("confirmed", "paid"), day(5), 11, local_at(0, "09:00"), Some(local_at(0, "09:00"))).await;
    // A hold that was never paid: in no number.
    booking(&pool, (a, a2, ra.id), ("cancelled", "failed"), day(2), 11, local_at(0, "09:00"), None).await;
    // Another building's booking: in none of A's numbers.
    booking(&pool, (b, b1, rb.id), ("checked_out", "paid"), day(0), 11, local_at(0, "09:00"), Some(local_at(0, "09:00"))).await;
    // Day 0 also has a free 11-hour block and a maintenance block (which does not count).
    sqlx::query(
        "insert into availability_blocks (spot_id, building_id, starts_at, ends_at, base_price_clp, status)
         values ($1, $2, $3, $3 + interval '11 hours', 5000, 'available'), ($1, $2, $3 + interval '12 hours', $3 + interval '23 hours', 5000, 'blocked')",
    )
    .bind(a2)
    .bind(a)
    .bind(day(0))
    .execute(&pool)
    .await
    .unwrap();

    let admin_a = staff(&pool, Role::BuildingAdmin, Some(a)).await;
    let r = load(&pool, &admin_a, &b.to_string(), 30, now).await.unwrap();
    assert_eq!(r.scope_label, "Torre A");
    assert_eq!(r.range, format!("del {} al {}", day_text(-29), day_text(0)));
    assert_eq!(r.bookings_by_day.points.len(), 30);
    let per_day: Vec<(String, u64)> =
        r.bookings_by_day.points.iter().filter(|p| p.value > 0).map(|p| (p.full.clone(), p.value)).collect();
    assert_eq!(per_day, [(day_text(-5), 1), (day_text(-2), 1), (day_text(-1), 2), (day_text(0), 1)]);
    assert_eq!((r.bookings, r.cancelled, r.cancellation_rate.as_str()), (5, 1, "20 %"));
    assert_eq!((r.outcomes, r.no_shows, r.no_show_rate.as_str()), (3, 1, "33,33 %"));

    let revenue: Vec<(String, String)> = r
        .revenue_by_day
        .points
        .iter()
        .filter(|p| p.value > 0)
        .map(|p| (p.full.clone(), p.text.clone()))
        .collect();
    assert_eq!(revenue.len(), 4, "{revenue:?}");
    assert_eq!(find(&r.revenue_by_day, &day_text(0)).text, "$5.000");
    assert_eq!(find(&r.revenue_by_day, &day_text(-2)).value, 5_000);

    assert_eq!(find(&r.occupancy_by_day, &day_text(0)).text, "50 %");
    assert_eq!(find(&r.occupancy_by_day, &day_text(-1)).text, "100 %");
    assert_eq!(find(&r.occupancy_by_day, &day_text(-5)).text, "100 %");
    assert_eq!(find(&r.occupancy_by_day, &day_text(-4)).text, "—");

    // Hours 08–18 were booked on 3 of the 30 days; 07 and 19 never.
    let hours = &r.occupancy_by_hour.points;
    assert_eq!(hours.len(), 24);
    assert_eq!(hours[8].text, "10 %");
    assert_eq!(hours[18].text, "10 %");
    assert_eq!(hours[7].text, "0 %");
    assert_eq!(hours[19].text, "0 %");
    assert_eq!(hours[8].full, "08:00–09:00");

    let r90 = load(&pool, &admin_a, "", 90, now).await.unwrap();
    assert_eq!(r90.bookings_by_day.points.len(), 90);
    assert_eq!(r90.bookings, 5);
    assert_eq!(hours_text(&r90, 8), "3,33 %");

    // The platform sees both buildings; a building with nothing shows no data at all.
    let platform = staff(&pool, Role::Admin, None).await;
    let all = load(&pool, &platform, "", 30, now).await.unwrap();
    assert_eq!(all.bookings, 6);
    let c = building(&pool, "Torre C").await;
    let empty = load(&pool, &platform, &c.to_string(), 30, now).await.unwrap();
    assert!(!empty.occupancy_by_day.has_data && !empty.occupancy_by_hour.has_data);
    assert!(!empty.revenue_by_day.has_data && !empty.bookings_by_day.has_data);
    assert_eq!((empty.no_show_rate.as_str(), empty.cancellation_rate.as_str()), ("—", "—"));
    assert!(r.occupancy_by_day.has_data && r.occupancy_by_hour.has_data);
}

fn hours_text(r: &Analytics, h: usize) -> String {
    r.occupancy_by_hour.points[h].text.clone()
}
