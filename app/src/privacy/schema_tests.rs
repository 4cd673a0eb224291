//! The data inventory against the real schema: a migration that adds a column named like
//! personal data (`*_name`, `*phone*`, `*rut*`, `*email*`, `*plate*`) fails here until
//! `registry::REGISTRY` classifies it; a registry entry for a column that no longer exists fails
//! too.

use super::registry;
use sqlx::PgPool;

#[sqlx::test(migrations = "../migrations")]
async fn every_column_named_like_personal_data_is_in_the_registry(pool: PgPool) {
    let columns: Vec<(String, String)> = sqlx::query_as(
        "select table_name::text, column_name::text from information_schema.columns
          where table_schema = 'public' and table_name not like '\\_sqlx%' order by 1, 2",
    )
    .fetch_all(&pool)
    .await
    .unwrap();
    let unclassified: Vec<String> = columns
        .iter()
        .filter(|(t, c)| registry::looks_personal(c) && registry::classify(t, c).is_none())
        .map(|(t, c)| format!("{t}.{c}"))
        .collect();
    assert!(unclassified.is_empty(), "classify these in app::privacy::registry: {unclassified:?}");
    for entry in registry::REGISTRY {
        assert!(
            columns.iter().any(|(t, c)| t == entry.table && c == entry.column),
            "the registry lists {}.{}, which the schema does not have",
            entry.table,
            entry.column
        );
    }
}
