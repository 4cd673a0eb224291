//! Helpers at the SQL boundary: recognising named constraint violations so callers can turn
//! them into domain errors instead of pre-checking and racing.

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
