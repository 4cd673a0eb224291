//! Database tests of the gate's lists at the hours where "today" is not enough.

use super::*;
use crate::admin::dashboard::ssr::tests::{booking, spot};
use crate::domain::role::Role;
use crate::ssr::test_support::{building, keys, local_at, resident, staff};

#[sqlx::test(migrations = "../migrations")]
async fn just_before_midnight_the_arrivals_show_who_comes_next_and_not_the_whole_next_day(pool: PgPool) {
    let (_, indexer) = keys();
    let b = building(&pool, "Torre A").await;
    let r = resident(&pool, &indexer, b, "r@x.cl").await;
    let concierge = staff(&pool, Role::Concierge, Some(b)).await;
    let (v1, v2, v3) = (spot(&pool, b, "1").await, spot(&pool, b, "2").await, spot(&pool, b, "3").await);
    let now = local_at(0, "23:45");
    let created = now - chrono::Duration::days(1);
    let tonight = booking(&pool, (b, v1, r.id), ("confirmed", "paid"), local_at(0, "20:00"), 11, created, Some(created)).await;
    let soon = booking(&pool, (b, v2, r.id), ("confirmed", "paid"), local_at(1, "00:15"), 8, created, Some(created)).await;
    booking(&pool, (b, v3, r.id), ("confirmed", "paid"), local_at(1, "09:00"), 11, created, Some(created)).await;

    let lists = lists(&pool, &concierge, now).await.unwrap();
    let ids: Vec<&str> = lists.arrivals.iter().map(|g| g.id.as_str()).collect();
    assert_eq!(ids, [tonight.to_string(), soon.to_string()], "tonight's and the one due in 30 minutes, not tomorrow's 09:00");
    assert!(lists.inside.is_empty() && lists.overstays.is_empty());
}
