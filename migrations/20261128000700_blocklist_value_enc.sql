-- Blocklist values encrypted at rest (AES-256-GCM, the vault format; AAD = blocklist_entries,
-- value_enc, id). Matching still uses value_bidx only. The ciphertext exists so that the
-- rotate-keys command can recompute value_bidx from the plaintext when PII_BLIND_INDEX_KEY
-- changes: an entry with only an index would silently stop matching after such a rotation.
alter table blocklist_entries add column value_enc bytea;

-- Every new or updated entry must carry it. NOT VALID so that the migration does not fail on
-- entries written before it (they cannot be backfilled: only their index exists); rotate-keys
-- reports such entries. A later migration can VALIDATE the constraint once none remain.
alter table blocklist_entries
    add constraint blocklist_entries_value_enc_check check (value_enc is not null) not valid;
