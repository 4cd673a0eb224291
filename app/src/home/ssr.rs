//! SQL behind the home page.

use super::HomeInfo;
use crate::domain::format::long_date_with_year;
use crate::ssr::ServerResult;
use chrono::NaiveDate;
use sqlx::PgPool;

/// Reads today's date in Santiago from the database clock (which every instance shares) and the
/// number of active buildings.
pub async fn facts(pool: &PgPool) -> ServerResult<HomeInfo> {
    let (today, active_buildings): (NaiveDate, i64) = sqlx::query_as(
        "select (now() at time zone 'America/Santiago')::date,
                (select count(*) from buildings where status = 'active')",
    )
    .fetch_one(pool)
    .await?;
    Ok(HomeInfo { today: long_date_with_year(today), active_buildings })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[sqlx::test(migrations = "../migrations")]
    async fn reads_a_chilean_date_from_the_database(pool: PgPool) {
        let facts = facts(&pool).await.unwrap();
        assert!(facts.today.contains(" de 20"), "a long Spanish date, got {}", facts.today);
        assert_eq!(facts.active_buildings, 0);
        // The migrations really ran: the extensions the schema relies on are installed.
        let has_gist: bool = sqlx::query_scalar("select exists(select 1 from pg_extension where extname = 'btree_gist')")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert!(has_gist);
    }
}
