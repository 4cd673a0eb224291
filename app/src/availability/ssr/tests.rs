//! The block generator against a real database: daylight saving in America/Santiago (change dates
//! read from chrono-tz), a zone without DST, idempotency, inactive spots and buildings, closures
//! and blocks that have already ended.

use super::*;
use crate::availability::standard_templates;
use chrono::{Datelike, NaiveDate, Offset, TimeZone};
use chrono_tz::America::{Punta_Arenas, Santiago};

/// A building with its active spots and templates.
struct Building {
    id: Uuid,
    spots: Vec<Uuid>,
}

async fn building(pool: &PgPool, name: &str, tz: &str, archived: bool) -> Uuid {
    sqlx::query_scalar(
        "insert into buildings (name, address, time_zone, status, archived_at)
         values ($1, 'Av. Providencia 1234', $2,
                 case when $3 then 'archived' else 'active' end,
                 case when $3 then now() end)
         returning id",
    )
    .bind(name)
    .bind(tz)
    .bind(archived)
    .fetch_one(pool)
    .await
    .unwrap()
}

async fn spot(pool: &PgPool, building_id: Uuid, number: &str, active: bool) -> Uuid {
    sqlx::query_scalar("insert into visitor_spots (building_id, number, active) values ($1, $2, $3) returning id")
        .bind(building_id)
        .bind(number)
        .bind(active)
        .fetch_one(pool)
        .await
        .unwrap()
}

/// A building in `tz` with the three standard templates, two active spots and one inactive.
async fn standard_building(pool: &PgPool, name: &str, tz: &str, archived: bool) -> Building {
    let id = building(pool, name, tz, archived).await;
    let mut conn = pool.acquire().await.unwrap();
    insert_templates(&mut conn, id, &standard_templates()).await.unwrap();
    let spots = vec![spot(pool, id, "V1", true).await, spot(pool, id, "V2", true).await];
    spot(pool, id, "V3", false).await;
    Building { id, spots }
}

/// The Saturdays of `year` after which `tz` changes its UTC offset, found from chrono-tz's data:
/// the local date whose noon offset differs from the next day's.
fn offset_changes(tz: Tz, year: i32) -> Vec<(NaiveDate, i32)> {
    let noon_offset = |d: NaiveDate| {
        tz.from_local_datetime(&d.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()))
            .earliest()
            .unwrap()
            .offset()
            .fix()
            .local_minus_utc()
    };
    NaiveDate::from_ymd_opt(year, 1, 1)
        .unwrap()
        .iter_days()
        .take_while(|d| d.year() == year)
        .filter_map(|d| {
            let shift = noon_offset(d.succ_opt()?) - noon_offset(d);
            (shift != 0).then_some((d, shift))
        })
        .collect()
}

/// Noon, local time, of `date` in `tz`.
fn local_noon(tz: Tz, date: NaiveDate) -> DateTime<Utc> {
    tz.from_local_datetime(&date.and_time(NaiveTime::from_hms_opt(12, 0, 0).unwrap()))
        .unwrap()
        .with_timezone(&Utc)
}

/// Blocks of `building` whose local start/end is not the one of their template (Día 08–19,
/// Noche 20–07, Día completo 08–07) in `tz`.
async fn blocks_off_the_wall_clock(pool: &PgPool, building_id: Uuid, tz: &str) -> i64 {
    sqlx::query_scalar(
        "select count(*)
         from availability_blocks b join block_templates t on t.id = b.template_id
         where b.building_id = $1
           and (((b.starts_at at time zone $2)::time, (b.ends_at at time zone $2)::time)
                   not in (values ('08:00'::time, '19:00'::time), ('20:00', '07:00'), ('08:00', '07:00'))
                or (t.name = 'Día' and (b.ends_at at time zone $2)::time <> '19:00')
                or (t.name = 'Noche' and (b.starts_at at time zone $2)::time <> '20:00')
                or (t.name = 'Día completo' and (b.ends_at at time zone $2)::time <> '07:00'))",
    )
    .bind(building_id)
    .bind(tz)
    .fetch_one(pool)
    .await
    .unwrap()
}

/// Real length in hours of every block of `template` starting on local `date`, one per spot.
async fn real_hours(pool: &PgPool, building_id: Uuid, template: &str, date: NaiveDate) -> Vec<f64> {
    sqlx::query_scalar(
        "select (extract(epoch from b.ends_at - b.starts_at) / 3600)::float8
         from availability_blocks b
         join block_templates t on t.id = b.template_id
         join buildings bu on bu.id = b.building_id
         where b.building_id = $1 and t.name = $2
           and (b.starts_at at time zone bu.time_zone)::date = $3
         order by b.spot_id",
    )
    .bind(building_id)
    .bind(template)
    .bind(date)
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count_blocks(pool: &PgPool, building_id: Uuid) -> i64 {
    sqlx::query_scalar("select count(*) from availability_blocks where building_id = $1")
        .bind(building_id)
        .fetch_one(pool)
        .await
        .unwrap()
}

#[sqlx::test(migrations = "../migrations")]
async fn blocks_keep_the_wall_clock_across_both_2026_dst_changes(pool: PgPool) {
    let b = standard_building(&pool, "Edificio Santiago", "America/Santiago", false).await;
    let changes = offset_changes(Santiago, 2026);
    assert_eq!(changes.len(), 2, "Santiago changes twice in 2026: {changes:?}");
    // April: back one hour (Noche is 12 real hours); September: forward one (10 hours).
    let expected_night: Vec<(NaiveDate, f64, f64)> = changes
        .iter()
        .map(|(date, shift)| {
            let hours = f64::from(11 * 3600 - shift) / 3600.0;
            (*date, hours, hours + 12.0)
        })
        .collect();
    assert_eq!(expected_night[0].1, 12.0);
    assert_eq!(expected_night[1].1, 10.0);

    for (change_date, night_hours, full_day_hours) in &expected_night {
        // Just before the change: noon of the Saturday whose night crosses it.
        let now = local_noon(Santiago, *change_date);
        let report = generate_blocks(&pool, now).await.unwrap();
        // 2 active spots x 30 days x 3 templates, all still in the future or running at noon.
        assert_eq!(report.created, 2 * 30 * 3, "{change_date}: {report:?}");
        assert_eq!(report.spots, 2);
        assert_eq!(report.buildings, 1);

        assert_eq!(real_hours(&pool, b.id, "Noche", *change_date).await, vec![*night_hours; 2]);
        assert_eq!(real_hours(&pool, b.id, "Día completo", *change_date).await, vec![*full_day_hours; 2]);
        assert_eq!(real_hours(&pool, b.id, "Día", *change_date).await, vec![11.0; 2]);
        // The nights before and after are ordinary.
        for other in [change_date.pred_opt().unwrap(), change_date.succ_opt().unwrap()] {
            let hours = real_hours(&pool, b.id, "Noche", other).await;
            assert!(hours.iter().all(|h| *h == 11.0), "{other}: {hours:?}");
        }
    }
    assert_eq!(blocks_off_the_wall_clock(&pool, b.id, "America/Santiago").await, 0);
    assert_eq!(count_blocks(&pool, b.id).await, 2 * 2 * 30 * 3);

    // Base prices come from the templates.
    let wrong_price: i64 = sqlx::query_scalar(
        "select count(*) from availability_blocks b join block_templates t on t.id = b.template_id
         where b.base_price_clp <> t.base_price_clp or b.status <> 'available'",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(wrong_price, 0);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_second_run_creates_nothing(pool: PgPool) {
    let b = standard_building(&pool, "Edificio Santiago", "America/Santiago", false).await;
    let now = local_noon(Santiago, NaiveDate::from_ymd_opt(2026, 9, 1).unwrap());
    let first = generate_blocks(&pool, now).await.unwrap();
    assert_eq!(first.created, 180);
    assert_eq!(first.skipped_existing, 0);
    let second = generate_blocks(&pool, now).await.unwrap();
    assert_eq!(second.created, 0);
    assert_eq!(second.skipped_existing, 180);
    // An hour later the horizon has not moved; a day later exactly one new day appears.
    let later = generate_blocks(&pool, now + chrono::TimeDelta::hours(1)).await.unwrap();
    assert_eq!(later.created, 0);
    let next_day = generate_blocks(&pool, now + chrono::TimeDelta::days(1)).await.unwrap();
    assert_eq!(next_day.created, 2 * 3);
    assert_eq!(count_blocks(&pool, b.id).await, 186);
}

#[sqlx::test(migrations = "../migrations")]
async fn inactive_spots_templates_and_buildings_get_nothing(pool: PgPool) {
    let active = standard_building(&pool, "Activo", "America/Santiago", false).await;
    let archived = standard_building(&pool, "Archivado", "America/Santiago", true).await;
    sqlx::query("update block_templates set active = false where building_id = $1 and name = 'Día completo'")
        .bind(active.id)
        .execute(&pool)
        .await
        .unwrap();
    let now = local_noon(Santiago, NaiveDate::from_ymd_opt(2026, 11, 28).unwrap());
    let report = generate_blocks(&pool, now).await.unwrap();
    assert_eq!(report.buildings, 1);
    assert_eq!(report.created, 2 * 30 * 2);
    assert_eq!(count_blocks(&pool, archived.id).await, 0);
    let on_inactive_spots: i64 = sqlx::query_scalar(
        "select count(*) from availability_blocks b join visitor_spots s on s.id = b.spot_id
         where not s.active",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    assert_eq!(on_inactive_spots, 0);
    let spots: Vec<Uuid> = sqlx::query_scalar("select distinct spot_id from availability_blocks order by spot_id")
        .fetch_all(&pool)
        .await
        .unwrap();
    let mut expected = active.spots.clone();
    expected.sort();
    assert_eq!(spots, expected);
}

#[sqlx::test(migrations = "../migrations")]
async fn a_zone_without_dst_works_too(pool: PgPool) {
    let santiago = standard_building(&pool, "Santiago", "America/Santiago", false).await;
    let magallanes = standard_building(&pool, "Magallanes", "America/Punta_Arenas", false).await;
    assert!(offset_changes(Punta_Arenas, 2026).is_empty(), "Punta Arenas has no DST");
    // Across Santiago's April change, Punta Arenas keeps 11 h nights.
    let (april, _) = offset_changes(Santiago, 2026)[0];
    let report = generate_blocks(&pool, local_noon(Punta_Arenas, april)).await.unwrap();
    assert_eq!(report.buildings, 2);
    assert_eq!(report.created, 2 * 180);
    assert_eq!(blocks_off_the_wall_clock(&pool, magallanes.id, "America/Punta_Arenas").await, 0);
    assert_eq!(blocks_off_the_wall_clock(&pool, santiago.id, "America/Santiago").await, 0);
    let lengths: Vec<f64> = sqlx::query_scalar(
        "select distinct (extract(epoch from ends_at - starts_at) / 3600)::float8
         from availability_blocks where building_id = $1 order by 1",
    )
    .bind(magallanes.id)
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(lengths, vec![11.0, 23.0]);
    assert_eq!(real_hours(&pool, santiago.id, "Noche", april).await, vec![12.0; 2]);
}

#[sqlx::test(migrations = "../migrations")]
async fn blocks_overlapping_a_closure_are_created_blocked(pool: PgPool) {
    let b = standard_building(&pool, "Edificio", "America/Santiago", false).await;
    let admin: Uuid = sqlx::query_scalar(
        "insert into users (email, password_hash, role, status, full_name)
         values ('admin@example.cl', 'x', 'admin', 'active', 'Ana Admin') returning id",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    let day = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    // Maintenance on spot V1 from 10:00 to 12:00 local on the 10th: Día and Día completo of the
    // 10th overlap it; the Noche of the 9th ended at 07:00 and does not.
    let from = Santiago.from_local_datetime(&day.and_hms_opt(10, 0, 0).unwrap()).unwrap();
    let to = Santiago.from_local_datetime(&day.and_hms_opt(12, 0, 0).unwrap()).unwrap();
    sqlx::query(
        "insert into spot_closures (spot_id, building_id, during, reason, created_by)
         values ($1, $2, tstzrange($3, $4), 'Pintura de líneas', $5)",
    )
    .bind(b.spots[0])
    .bind(b.id)
    .bind(from.with_timezone(&Utc))
    .bind(to.with_timezone(&Utc))
    .bind(admin)
    .execute(&pool)
    .await
    .unwrap();
    let now = local_noon(Santiago, NaiveDate::from_ymd_opt(2026, 12, 1).unwrap());
    let report = generate_blocks(&pool, now).await.unwrap();
    assert_eq!(report.created, 180);
    assert_eq!(report.created_blocked, 2);
    let blocked: Vec<(Uuid, String)> = sqlx::query_as(
        "select b.spot_id, t.name from availability_blocks b join block_templates t on t.id = b.template_id
         where b.status = 'blocked' order by t.name",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    assert_eq!(blocked, vec![(b.spots[0], "Día".to_owned()), (b.spots[0], "Día completo".to_owned())]);
}

#[sqlx::test(migrations = "../migrations")]
async fn blocks_that_have_ended_are_never_created(pool: PgPool) {
    let b = standard_building(&pool, "Edificio", "America/Santiago", false).await;
    let today = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
    // 20:30: today's Día (until 19:00) is over; today's Noche and Día completo are running.
    let now = Santiago.from_local_datetime(&today.and_hms_opt(20, 30, 0).unwrap()).unwrap().with_timezone(&Utc);
    let report = generate_blocks(&pool, now).await.unwrap();
    assert_eq!(report.created, 180 - 2);
    let ended: i64 = sqlx::query_scalar("select count(*) from availability_blocks where ends_at <= $1")
        .bind(now)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(ended, 0);
    assert!(real_hours(&pool, b.id, "Día", today).await.is_empty());
    assert_eq!(real_hours(&pool, b.id, "Noche", today).await, vec![11.0; 2]);
}
