//! `server verify-audit`: walks the audit log's hash chain (migration `audit_hash_chain`) in
//! chain order and names the first row that breaks it.
//!
//! The hashes are recomputed here, in Rust, from the columns as PostgreSQL's own output
//! functions print them (the same expressions `audit_log_canonical` uses), so the check does not
//! trust the SQL functions or triggers that wrote the chain: someone able to replace those could
//! otherwise make a forged row verify.

use futures_util::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::{PgPool, Row};
use std::fmt;

/// The hash the first row links to.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// Each row's chain columns and the text of every field its hash covers, in canonical order.
const ROWS: &str = r#"
    select id, chain_seq, prev_hash, row_hash,
           chain_seq::text,
           id::text,
           to_char(occurred_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US'),
           actor_id::text,
           actor_type,
           actor_role,
           building_id::text,
           action,
           entity_type,
           entity_id,
           metadata::text,
           ip::text,
           user_agent,
           request_id,
           to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US')
      from audit_log
     order by audit_log.chain_seq nulls last, audit_log.id"#;

/// Index of the first canonical text column in [`ROWS`], and how many there are.
const FIRST_FIELD: usize = 4;
const FIELDS: usize = 15;

/// Why a row breaks the chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Break {
    /// The row was never stamped (written with the chain trigger disabled).
    Unchained,
    /// Its sequence number is not the next one: rows before it were deleted or reordered.
    Sequence,
    /// It does not link to the previous row's hash.
    Link,
    /// Its content no longer matches its hash: it was edited.
    Content,
    /// The chain head records rows after the last one present: the tail was deleted.
    Truncated,
}

impl fmt::Display for Break {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Unchained => "the row carries no hash (written outside the chain)",
            Self::Sequence => "its sequence number is not the next one (rows before it are missing or moved)",
            Self::Link => "it does not link to the previous row's hash",
            Self::Content => "its content does not match its hash (edited)",
            Self::Truncated => "the chain head records rows after the last one present (deleted)",
        })
    }
}

/// The first row that breaks the chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BrokenRow {
    /// `audit_log.id` of the row (for [`Break::Truncated`], the last row present, if any).
    pub id: Option<i64>,
    /// The sequence number the walk expected there.
    pub expected_seq: i64,
    /// What is wrong.
    pub reason: Break,
}

/// What a walk found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChainReport {
    /// Rows checked before the walk stopped (all of them when the chain is intact).
    pub verified: i64,
    /// `None` when the whole chain holds.
    pub first_broken: Option<BrokenRow>,
}

/// The canonical text of one row: `v1`, then each field as `-` (null) or `len:text`, joined by
/// `|`. Must match `audit_log_canonical` in the migration.
pub fn canonical(fields: &[Option<String>]) -> String {
    let mut out = String::from("v1");
    for field in fields {
        out.push('|');
        match field {
            None => out.push('-'),
            Some(text) => {
                out.push_str(&text.len().to_string());
                out.push(':');
                out.push_str(text);
            }
        }
    }
    out
}

/// `sha256(prev || canonical)`.
pub fn row_hash(prev: &[u8], canonical: &str) -> Vec<u8> {
    let mut hasher = Sha256::new();
    hasher.update(prev);
    hasher.update(canonical.as_bytes());
    hasher.finalize().to_vec()
}

/// Walks the whole chain in one consistent snapshot (rows committed meanwhile are not seen,
/// and neither is the head they moved).
pub async fn verify(pool: &PgPool) -> Result<ChainReport, sqlx::Error> {
    let mut tx = pool.begin().await?;
    sqlx::query("set transaction isolation level repeatable read, read only").execute(&mut *tx).await?;
    let (head_seq, head_hash): (i64, Vec<u8>) =
        sqlx::query_as("select last_seq, last_hash from audit_chain_head where singleton")
            .fetch_one(&mut *tx)
            .await?;

    let mut prev = GENESIS_HASH.to_vec();
    let mut expected_seq = 1_i64;
    let mut last_id = None;
    let mut broken = None;
    {
        let mut rows = sqlx::query(ROWS).fetch(&mut *tx);
        while let Some(row) = rows.try_next().await? {
            let id: i64 = row.try_get(0)?;
            let seq: Option<i64> = row.try_get(1)?;
            let prev_hash: Option<Vec<u8>> = row.try_get(2)?;
            let hash: Option<Vec<u8>> = row.try_get(3)?;
            let reason = match (seq, prev_hash, hash) {
                (Some(seq), Some(prev_hash), Some(hash)) => {
                    let fields = (FIRST_FIELD..FIRST_FIELD + FIELDS)
                        .map(|i| row.try_get::<Option<String>, _>(i))
                        .collect::<Result<Vec<_>, _>>()?;
                    if seq != expected_seq {
                        Some(Break::Sequence)
                    } else if prev_hash != prev {
                        Some(Break::Link)
                    } else if row_hash(&prev, &canonical(&fields)) != hash {
                        Some(Break::Content)
                    } else {
                        prev = hash;
                        None
                    }
                }
                _ => Some(Break::Unchained),
            };
            if let Some(reason) = reason {
                broken = Some(BrokenRow { id: Some(id), expected_seq, reason });
                break;
            }
            last_id = Some(id);
            expected_seq += 1;
        }
    }
    let verified = expected_seq - 1;
    if broken.is_none() && (head_seq != verified || head_hash != prev) {
        broken = Some(BrokenRow { id: last_id, expected_seq, reason: Break::Truncated });
    }
    tx.rollback().await?;
    Ok(ChainReport { verified, first_broken: broken })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_canonical_text_length_prefixes_every_field() {
        let text = canonical(&[Some("7".into()), None, Some("a|b".into()), Some("ñ".into())]);
        assert_eq!(text, "v1|1:7|-|3:a|b|2:ñ");
        // A separator inside a field cannot make two different rows print alike.
        assert_ne!(canonical(&[Some("a|1:b".into())]), canonical(&[Some("a".into()), Some("b".into())]));
    }
}
