//! `rotate-keys`: brings every encrypted column onto the vault's current key and every blind
//! index onto the current blind-index key.
//!
//! For each column of [`app::ssr::pii::ALL_COLUMNS`] (the same list the writers seal through,
//! so the AAD matches), every row is decrypted with whichever configured key wrote it; the
//! ciphertext is rewritten when its key is not the current one, and the blind index (of the
//! columns that have one) is recomputed from the plaintext and rewritten when it differs —
//! which is every row after `PII_BLIND_INDEX_KEY` changed. Rows already current are left untouched, so a rerun changes
//! nothing.
//!
//! Rows are processed in batches of [`BATCH_SIZE`] by ascending primary key, each batch in its
//! own transaction holding `for update` on its rows (so a concurrent edit of a row waits rather
//! than being overwritten with a stale value). An interrupted run has committed its finished
//! batches; running again simply continues, since finished rows are no longer changed.
//!
//! Procedure: add the new key as `id:key` with the highest id (or set the new blind-index key),
//! restart the servers, run `server rotate-keys`, and only when it reports no failures remove
//! the old encryption key.

use std::fmt;

use app::ssr::blind_index::BlindIndexer;
use app::ssr::pii::{BlindIndexing, PiiColumn, ALL_COLUMNS};
use app::ssr::vault::Vault;
use sqlx::PgPool;
use uuid::Uuid;

/// Rows per transaction.
pub const BATCH_SIZE: i64 = 500;

/// What rotation did to one column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ColumnReport {
    /// The table.
    pub table: &'static str,
    /// The ciphertext column.
    pub column: &'static str,
    /// Rows with a ciphertext that were visited.
    pub scanned: u64,
    /// Rows whose ciphertext was rewritten under the current key.
    pub reencrypted: u64,
    /// Rows whose blind index was rewritten.
    pub reindexed: u64,
    /// Rows that could not be decrypted (unknown key id, tampered or misplaced ciphertext) or
    /// whose kind has no blind-index field; left as they were and logged by row id.
    pub failed: u64,
    /// Rows with a blind index but no ciphertext (blocklist entries written before values were
    /// stored encrypted): their index cannot be recomputed and will not match after a
    /// blind-index key change.
    pub without_ciphertext: u64,
}

/// What rotation did, column by column.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RotationReport {
    /// One entry per encrypted column.
    pub columns: Vec<ColumnReport>,
}

impl RotationReport {
    /// Changes made: re-encryptions plus re-indexings (a row with both counts twice).
    pub fn changed(&self) -> u64 {
        self.columns.iter().map(|c| c.reencrypted + c.reindexed).sum()
    }

    /// Rows that need attention: undecryptable, or indexed without a ciphertext.
    pub fn problems(&self) -> u64 {
        self.columns.iter().map(|c| c.failed + c.without_ciphertext).sum()
    }
}

impl fmt::Display for RotationReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for c in &self.columns {
            writeln!(
                f,
                "{}.{}: {} rows, {} re-encrypted, {} re-indexed, {} failed, {} without ciphertext",
                c.table, c.column, c.scanned, c.reencrypted, c.reindexed, c.failed, c.without_ciphertext
            )?;
        }
        Ok(())
    }
}

/// Rotates every encrypted column. `vault` must hold every key that encrypted existing data
/// (the newest encrypts); `indexer` is built from the (new) blind-index key.
pub async fn rotate_keys(pool: &PgPool, vault: &Vault, indexer: &BlindIndexer) -> anyhow::Result<RotationReport> {
    rotate_keys_in_batches(pool, vault, indexer, BATCH_SIZE).await
}

/// [`rotate_keys`] with another batch size (tests use tiny batches to cross batch boundaries).
pub async fn rotate_keys_in_batches(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    batch_size: i64,
) -> anyhow::Result<RotationReport> {
    let batch_size = batch_size.max(1);
    let mut report = RotationReport::default();
    for column in &ALL_COLUMNS {
        let column_report = rotate_column(pool, vault, indexer, column, batch_size).await?;
        tracing::info!(
            table = column.table,
            column = column.enc_column,
            rows = column_report.scanned,
            reencrypted = column_report.reencrypted,
            reindexed = column_report.reindexed,
            failed = column_report.failed,
            "column rotated"
        );
        report.columns.push(column_report);
    }
    Ok(report)
}

/// A row as read for rotation.
#[derive(sqlx::FromRow)]
struct Row {
    id: Uuid,
    enc: Vec<u8>,
    bidx: Option<Vec<u8>>,
    kind: Option<String>,
}

/// The rewrites of one batch, column by column for `unnest`.
#[derive(Default)]
struct Rewrites {
    ids: Vec<Uuid>,
    encs: Vec<Vec<u8>>,
    bidxs: Vec<Vec<u8>>,
}

/// Rotates one column, batch by batch.
async fn rotate_column(
    pool: &PgPool,
    vault: &Vault,
    indexer: &BlindIndexer,
    column: &PiiColumn,
    batch_size: i64,
) -> anyhow::Result<ColumnReport> {
    let mut report = ColumnReport { table: column.table, column: column.enc_column, ..ColumnReport::default() };
    // Identifiers come from the compile-time column list, never from input, so formatting them
    // into the SQL is safe (bind parameters cannot name columns).
    let kind = match column.index {
        BlindIndexing::ByKind { .. } => "kind",
        BlindIndexing::Field { .. } | BlindIndexing::None => "null::text",
    };
    let (bidx, bidx_present, set_bidx) = match column.bidx_column() {
        Some(bidx) => (bidx.to_owned(), format!("and {bidx} is not null"), format!(", {bidx} = u.bidx")),
        None => ("null::bytea".to_owned(), String::new(), String::new()),
    };
    let select = format!(
        "select {key} as id, {enc} as enc, {bidx} as bidx, {kind} as kind
         from {table}
         where {key} > $1 and {enc} is not null {bidx_present}
         order by {key}
         limit $2
         for update",
        key = column.key_column,
        enc = column.enc_column,
        table = column.table,
    );
    let update = format!(
        "update {table} as t set {enc} = u.enc{set_bidx}
         from unnest($1::uuid[], $2::bytea[], $3::bytea[]) as u(id, enc, bidx)
         where t.{key} = u.id",
        key = column.key_column,
        enc = column.enc_column,
        table = column.table,
    );

    let mut after = Uuid::nil();
    loop {
        let mut tx = pool.begin().await?;
        let rows: Vec<Row> = sqlx::query_as(&select).bind(after).bind(batch_size).fetch_all(&mut *tx).await?;
        let Some(last) = rows.last() else {
            break;
        };
        after = last.id;
        let full = i64::try_from(rows.len())? >= batch_size;
        let rewrites = plan(vault, indexer, column, rows, &mut report)?;
        if !rewrites.ids.is_empty() {
            sqlx::query(&update)
                .bind(&rewrites.ids)
                .bind(&rewrites.encs)
                .bind(&rewrites.bidxs)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if !full {
            break;
        }
    }

    if let Some(bidx) = column.bidx_column() {
        let without_ciphertext: i64 = sqlx::query_scalar(&format!(
            "select count(*) from {table} where {enc} is null and {bidx} is not null",
            table = column.table,
            enc = column.enc_column,
        ))
        .fetch_one(pool)
        .await?;
        report.without_ciphertext = u64::try_from(without_ciphertext)?;
    }
    if report.without_ciphertext > 0 {
        tracing::warn!(
            table = column.table,
            rows = report.without_ciphertext,
            "rows with a blind index but no ciphertext cannot be re-indexed"
        );
    }
    Ok(report)
}

/// Decides, row by row, what to rewrite; counts into `report`.
fn plan(
    vault: &Vault,
    indexer: &BlindIndexer,
    column: &PiiColumn,
    rows: Vec<Row>,
    report: &mut ColumnReport,
) -> anyhow::Result<Rewrites> {
    let mut out = Rewrites::default();
    for row in rows {
        report.scanned += 1;
        let field = match (column.index, column.field(row.kind.as_deref())) {
            (BlindIndexing::None, _) => None,
            (_, Some(field)) => Some(field),
            (_, None) => {
                report.failed += 1;
                tracing::warn!(table = column.table, row.id = %row.id, "row has no blind-index field");
                continue;
            }
        };
        let row_id = row.id.to_string();
        let aad = column.aad(&row_id);
        let plaintext = match vault.decrypt_secret(&row.enc, &aad) {
            Ok(plaintext) => plaintext,
            Err(err) => {
                report.failed += 1;
                tracing::warn!(table = column.table, column = column.enc_column, row.id = %row.id,
                    error = %err, "cannot decrypt; row left unchanged");
                continue;
            }
        };
        let reencrypt = vault.needs_rotation(&row.enc);
        let enc = if reencrypt {
            report.reencrypted += 1;
            vault.encrypt(plaintext.expose(), &aad)?
        } else {
            row.enc
        };
        let (bidx, reindex) = match field {
            Some(field) => {
                let bidx = indexer.index(field, plaintext.expose()).to_vec();
                let changed = row.bidx.as_deref() != Some(bidx.as_slice());
                (bidx, changed)
            }
            // Unindexed column: the bidx array entry is ignored by the update.
            None => (Vec::new(), false),
        };
        if reindex {
            report.reindexed += 1;
        }
        // Rewrite only what changed, so a rerun writes nothing at all.
        if reindex || reencrypt {
            out.ids.push(row.id);
            out.encs.push(enc);
            out.bidxs.push(bidx);
        }
    }
    Ok(out)
}
