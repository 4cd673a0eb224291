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

/// Whether `err` aborted this transaction as a deadlock victim (SQLSTATE 40P01). Two inserts that
/// conflict under an exclusion constraint can wait on each other; PostgreSQL then aborts one of
/// them, which for the caller is the same outcome as the constraint violation: it lost the race.
pub fn is_deadlock(err: &sqlx::Error) -> bool {
    sqlstate(err).as_deref() == Some("40P01")
}
