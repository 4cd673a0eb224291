//! Helpers at the SQL boundary: recognising named constraint violations so callers can turn
//! them into domain errors instead of pre-checking and racing, and writing LIKE patterns.

use super::ServerError;
use crate::error::AppError;

/// The name of the constraint a database error violated, if it is one.
pub fn violated_constraint(err: &sqlx::Error) -> Option<&str> {
    match err {
        sqlx::Error::Database(db) => db.constraint(),
        _ => None,
    }
}

/// Whether `err` is a violation of the constraint called `name`.
pub fn is_violation(err: &sqlx::Error, name: &str) -> bool {
    violated_constraint(err) == Some(name)
}

/// SQLSTATE 23P01 (exclusion) / 23505 (unique) / 40001 (serialization) as a coarse class.
pub fn sqlstate(err: &sqlx::Error) -> Option<String> {
    match err {
        sqlx::Error::Database(db) => db.code().map(|c| c.into_owned()),
        _ => None,
    }
}

/// Whether `err` aborted this transaction as a deadlock victim (SQLSTATE 40P01). Two inserts that
/// conflict under an exclusion constraint can wait on each other; PostgreSQL then aborts one of
/// them, which for the caller is the same outcome as the constraint violation: it lost the race.
pub fn is_deadlock(err: &sqlx::Error) -> bool {
    sqlstate(err).as_deref() == Some("40P01")
}

/// Whether `err` is a foreign-key violation: the row it points at is gone (or never was), which
/// a caller reports as "not found".
pub fn is_foreign_key_violation(err: &sqlx::Error) -> bool {
    err.as_database_error().is_some_and(|d| d.is_foreign_key_violation())
}

/// What the violation of a named constraint (unique, check or exclusion) means on a form:
/// `(constraint, field, Spanish message)`. Each area keeps one table of these next to its SQL.
pub type ConstraintField = (&'static str, &'static str, &'static str);

/// `err` as the field error its violated constraint means in `table`, or as the server's fault
/// when it violated none of them. The database decides (two racing requests cannot both pass a
/// pre-check), and the person sees which field to fix.
pub fn constraint_error(err: sqlx::Error, table: &[ConstraintField]) -> ServerError {
    let known = violated_constraint(&err).and_then(|name| table.iter().find(|(constraint, ..)| *constraint == name));
    match known {
        Some((_, field, message)) => AppError::field(*field, *message).into(),
        None => err.into(),
    }
}

/// The error of an insert into a building's table: a foreign-key violation means the building is
/// gone (not found), a constraint of `table` is its field error, anything else is the server's.
pub fn insert_error(err: sqlx::Error, table: &[ConstraintField]) -> ServerError {
    if is_foreign_key_violation(&err) {
        AppError::NotFound.into()
    } else {
        constraint_error(err, table)
    }
}

/// `text` as a LIKE/ILIKE pattern that matches it literally: `\`, `%` and `_` are escaped with
/// PostgreSQL's default escape character (`\`).
pub fn like_escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")
}

/// A LIKE/ILIKE pattern matching values that contain `text` anywhere, literally.
pub fn like_contains(text: &str) -> String {
    format!("%{}%", like_escape(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_match_wildcards_and_the_escape_literally() {
        assert_eq!(like_escape("plain"), "plain");
        assert_eq!(like_escape("50%"), "50\\%");
        assert_eq!(like_escape("a_b"), "a\\_b");
        assert_eq!(like_escape("c:\\x"), "c:\\\\x");
        // The backslash goes first, or the escapes added for % and _ would be doubled.
        assert_eq!(like_escape("\\%_"), "\\\\\\%\\_");
        assert_eq!(like_contains("10%_off"), "%10\\%\\_off%");
        assert_eq!(like_contains(""), "%%");
    }

    #[test]
    fn a_violation_outside_the_table_stays_the_servers_fault() {
        let table: [ConstraintField; 1] = [("things_name_key", "name", "Ya existe.")];
        assert!(matches!(constraint_error(sqlx::Error::RowNotFound, &table), ServerError::Database(_)));
    }
}
