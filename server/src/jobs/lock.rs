//! The per-job advisory lock: a session-level `pg_try_advisory_lock` held on a dedicated pooled
//! connection for the whole run.
//!
//! Session-level (not transaction-level) because a run spans many transactions. The catch with
//! session locks on a pool is that a connection returned to the pool still holds them; so if
//! the lock is not explicitly released (an error, a panic, a cancelled future), the guard's
//! `Drop` makes the pool close the connection instead of reusing it, and PostgreSQL frees the
//! lock when the session ends.

use sqlx::pool::PoolConnection;
use sqlx::{PgPool, Postgres};

/// The held lock of one job.
pub struct JobLock {
    conn: Option<PoolConnection<Postgres>>,
    job_name: &'static str,
}

/// `hashtext('estacionate.job.' || name)`: the key every instance computes the same way.
const TRY_LOCK: &str = "select pg_try_advisory_lock(hashtext('estacionate.job.' || $1))";
const UNLOCK: &str = "select pg_advisory_unlock(hashtext('estacionate.job.' || $1))";

impl JobLock {
    /// Takes the lock of `job_name` if no session holds it; `None` when another run (on this or
    /// another instance) has it.
    pub async fn try_acquire(pool: &PgPool, job_name: &'static str) -> sqlx::Result<Option<Self>> {
        let conn = pool.acquire().await?;
        // Owned by a guard before the query, so that even a cancelled or failed attempt (which
        // may or may not have taken the lock) closes the connection rather than pooling it.
        let mut guard = Self { conn: Some(conn), job_name };
        let acquired: bool = match guard.conn.as_mut() {
            Some(conn) => sqlx::query_scalar(TRY_LOCK).bind(job_name).fetch_one(&mut **conn).await?,
            None => false,
        };
        if acquired {
            Ok(Some(guard))
        } else {
            // Nothing is held: hand the connection back to the pool as is.
            guard.conn.take();
            Ok(None)
        }
    }

    /// Releases the lock and returns the connection to the pool.
    pub async fn release(mut self) -> sqlx::Result<()> {
        let Some(conn) = self.conn.as_mut() else {
            return Ok(());
        };
        // The connection stays inside the guard while the unlock runs: if this future is
        // dropped half-way, `Drop` still closes it.
        let released: bool = sqlx::query_scalar(UNLOCK).bind(self.job_name).fetch_one(&mut **conn).await?;
        if released {
            self.conn.take();
        } else {
            // Not held by this session any more (cannot happen unless someone unlocked it by
            // hand); closing the connection is the safe answer either way.
            tracing::warn!(job = self.job_name, "job lock was not held at release");
        }
        Ok(())
    }
}

impl Drop for JobLock {
    fn drop(&mut self) {
        if let Some(conn) = self.conn.as_mut() {
            conn.close_on_drop();
        }
    }
}
