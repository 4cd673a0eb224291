//! Where PII lives encrypted, and the one way to seal a value for a column.
//!
//! Every encrypted column of the schema is listed here once, with the table, the primary-key
//! column its associated data binds, and its blind index (column and field), if it has one.
//! Code that writes PII (sign-up, bookings, notifications, the demo seed) encrypts with these
//! columns' AAD ([`PiiColumn::aad`], [`PiiColumn::seal`], or the short constructors such as
//! [`user_phone`]), and the `rotate-keys` command walks [`ALL_COLUMNS`]; because both read the
//! same constants, a ciphertext is always decrypted with the AAD it was encrypted with.
//!
//! The plaintext stored is always the *canonical* form of the value ([`PiiValue`] can only be
//! built from parsed domain types), so the blind index can be recomputed from the decrypted
//! plaintext when the blind-index key rotates.

use std::net::IpAddr;

use zeroize::Zeroizing;

use crate::domain::{email::Email, phone::MobilePhone, plate::Plate, rut::Rut};
use crate::ssr::blind_index::{BlindField, BlindIndex, BlindIndexer};
use crate::ssr::vault::{Aad, Vault, VaultError};

/// The blind index kept next to an encrypted column, if any.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BlindIndexing {
    /// No blind index: the value is never searched (e.g. a password-reset code).
    None,
    /// `column` holds the index of every value under `field`.
    Field {
        /// The `bytea` blind-index column.
        column: &'static str,
        /// The field whose key indexes the values.
        field: BlindField,
    },
    /// `column` holds the index under the field named by the row's `kind` column
    /// (`blocklist_entries`: email, phone, rut, plate, ip).
    ByKind {
        /// The `bytea` blind-index column.
        column: &'static str,
    },
}

/// One encrypted column and its blind index.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PiiColumn {
    /// The table.
    pub table: &'static str,
    /// The primary-key column whose value (a UUID) is the AAD's row id.
    pub key_column: &'static str,
    /// The `bytea` ciphertext column (vault format, see [`crate::ssr::vault`]).
    pub enc_column: &'static str,
    /// Its blind index.
    pub index: BlindIndexing,
}

/// `resident_profiles.rut_enc` / `rut_bidx`: the resident's RUT (row id = `user_id`).
pub const RESIDENT_RUT: PiiColumn = PiiColumn {
    table: "resident_profiles",
    key_column: "user_id",
    enc_column: "rut_enc",
    index: BlindIndexing::Field { column: "rut_bidx", field: BlindField::Rut },
};

/// `users.phone_enc` / `phone_bidx`: a user's mobile number (residents and staff).
pub const USER_PHONE: PiiColumn = PiiColumn {
    table: "users",
    key_column: "id",
    enc_column: "phone_enc",
    index: BlindIndexing::Field { column: "phone_bidx", field: BlindField::Phone },
};

/// `bookings.visitor_phone_enc` / `visitor_phone_bidx`: the visitor's optional mobile number.
pub const BOOKING_VISITOR_PHONE: PiiColumn = PiiColumn {
    table: "bookings",
    key_column: "id",
    enc_column: "visitor_phone_enc",
    index: BlindIndexing::Field { column: "visitor_phone_bidx", field: BlindField::Phone },
};

/// `frequent_visitors.phone_enc` / `phone_bidx`: a saved visitor's optional mobile number.
pub const FREQUENT_VISITOR_PHONE: PiiColumn = PiiColumn {
    table: "frequent_visitors",
    key_column: "id",
    enc_column: "phone_enc",
    index: BlindIndexing::Field { column: "phone_bidx", field: BlindField::Phone },
};

/// `notifications.recipient_enc` / `recipient_bidx`: the WhatsApp number a message goes to.
pub const NOTIFICATION_RECIPIENT: PiiColumn = PiiColumn {
    table: "notifications",
    key_column: "id",
    enc_column: "recipient_enc",
    index: BlindIndexing::Field { column: "recipient_bidx", field: BlindField::Phone },
};

/// `blocklist_entries.value_enc` / `value_bidx`: the blocked value, kept encrypted only so that
/// the index can be recomputed when the blind-index key rotates (matching uses the index).
pub const BLOCKLIST_VALUE: PiiColumn = PiiColumn {
    table: "blocklist_entries",
    key_column: "id",
    enc_column: "value_enc",
    index: BlindIndexing::ByKind { column: "value_bidx" },
};

/// `password_resets.code_enc`: the reset code, kept until the WhatsApp message is sent (its hash
/// is what is checked); not indexed.
pub const RESET_CODE: PiiColumn =
    PiiColumn { table: "password_resets", key_column: "id", enc_column: "code_enc", index: BlindIndexing::None };

/// `notifications.secret_enc`: the one-time secret (a reset code) of a message whose stored and
/// displayed text carries [`crate::domain::secret::MASK`] in its place; put back only for the
/// provider request. Not indexed.
pub const NOTIFICATION_SECRET: PiiColumn =
    PiiColumn { table: "notifications", key_column: "id", enc_column: "secret_enc", index: BlindIndexing::None };

/// `phone_changes.phone_enc` / `phone_bidx`: a new mobile number waiting for its WhatsApp code.
pub const PHONE_CHANGE_PHONE: PiiColumn = PiiColumn {
    table: "phone_changes",
    key_column: "id",
    enc_column: "phone_enc",
    index: BlindIndexing::Field { column: "phone_bidx", field: BlindField::Phone },
};

/// `phone_changes.code_enc`: the code confirming a new number, kept until its message is
/// created (its hash is what is checked); not indexed.
pub const PHONE_CHANGE_CODE: PiiColumn =
    PiiColumn { table: "phone_changes", key_column: "id", enc_column: "code_enc", index: BlindIndexing::None };

/// `calendar_feeds.token_enc`: the secret of a resident's calendar-feed link, sealed so its owner
/// can see the link again (the feed is looked up by the token's SHA-256); not indexed.
pub const CALENDAR_FEED_TOKEN: PiiColumn =
    PiiColumn { table: "calendar_feeds", key_column: "user_id", enc_column: "token_enc", index: BlindIndexing::None };

/// Every encrypted column of the schema. A new `*_enc` column must be added here, or key
/// rotation will leave it behind (the server's rotation test checks the schema against this list).
/// What each personal column is, and how long it stays, is `crate::privacy::registry`.
pub const ALL_COLUMNS: [PiiColumn; 11] = [
    RESIDENT_RUT,
    USER_PHONE,
    BOOKING_VISITOR_PHONE,
    FREQUENT_VISITOR_PHONE,
    NOTIFICATION_RECIPIENT,
    BLOCKLIST_VALUE,
    RESET_CODE,
    NOTIFICATION_SECRET,
    PHONE_CHANGE_PHONE,
    PHONE_CHANGE_CODE,
    CALENDAR_FEED_TOKEN,
];

/// `users.phone_enc` of user `id`.
pub fn user_phone(id: &str) -> Aad<'_> {
    USER_PHONE.aad(id)
}

/// `resident_profiles.rut_enc` of user `id`.
pub fn resident_rut(id: &str) -> Aad<'_> {
    RESIDENT_RUT.aad(id)
}

/// `password_resets.code_enc` of reset `id`.
pub fn reset_code(id: &str) -> Aad<'_> {
    RESET_CODE.aad(id)
}

/// `notifications.recipient_enc` of notification `id`.
pub fn notification_recipient(id: &str) -> Aad<'_> {
    NOTIFICATION_RECIPIENT.aad(id)
}

/// `notifications.secret_enc` of notification `id`.
pub fn notification_secret(id: &str) -> Aad<'_> {
    NOTIFICATION_SECRET.aad(id)
}

/// `bookings.visitor_phone_enc` of booking `id`.
pub fn visitor_phone(id: &str) -> Aad<'_> {
    BOOKING_VISITOR_PHONE.aad(id)
}

/// What a screen shows for a stored PII value that cannot be read: a ciphertext that fails to
/// decrypt (a key removed too early, a tampered, truncated or misplaced value) or a plaintext
/// that no longer parses. Distinct from "—" (nothing stored), so staff see that something is
/// wrong instead of a value that silently looks absent.
pub const UNAVAILABLE: &str = "No disponible";

/// Logs that `column` of row `row_id` could not be read: table, column, row id and the kind of
/// failure, never the value or its ciphertext. One place, so every screen logs it the same way.
pub fn log_unreadable(column: &PiiColumn, row_id: &str, why: &dyn std::fmt::Display) {
    tracing::error!(
        pii.table = column.table,
        pii.column = column.enc_column,
        pii.row = row_id,
        error = %why,
        "stored PII value unreadable; shown as unavailable"
    );
}

/// `frequent_visitors.phone_enc` of saved visitor `id`.
pub fn frequent_visitor_phone(id: &str) -> Aad<'_> {
    FREQUENT_VISITOR_PHONE.aad(id)
}

/// `calendar_feeds.token_enc` of user `id`.
pub fn calendar_feed_token(id: &str) -> Aad<'_> {
    CALENDAR_FEED_TOKEN.aad(id)
}

/// The `blocklist_entries.kind` text of a field.
pub fn blocklist_kind(field: BlindField) -> &'static str {
    field.as_str()
}

/// The field a `blocklist_entries.kind` names, if it is one.
pub fn field_of_kind(kind: &str) -> Option<BlindField> {
    BlindField::ALL.into_iter().find(|f| f.as_str() == kind)
}

/// A PII value in its canonical form, tagged with its field.
///
/// Built only from parsed domain types, so the text is always what the blind index of that
/// field expects. Zeroized on drop; `Debug` is redacted.
pub struct PiiValue {
    field: BlindField,
    canonical: Zeroizing<String>,
}

impl PiiValue {
    /// A RUT, as `12345678-5`.
    pub fn rut(rut: Rut) -> Self {
        Self::new(BlindField::Rut, rut.canonical())
    }

    /// A mobile number, in E.164.
    pub fn phone(phone: &MobilePhone) -> Self {
        Self::new(BlindField::Phone, phone.as_e164().to_owned())
    }

    /// An e-mail address, lower-case.
    pub fn email(email: &Email) -> Self {
        Self::new(BlindField::Email, email.as_str().to_owned())
    }

    /// A plate, upper-case without separators.
    pub fn plate(plate: &Plate) -> Self {
        Self::new(BlindField::Plate, plate.as_str().to_owned())
    }

    /// An IP address, in its standard text form (IPv4-mapped IPv6 as IPv4).
    pub fn ip(ip: IpAddr) -> Self {
        Self::new(BlindField::Ip, ip.to_canonical().to_string())
    }

    fn new(field: BlindField, canonical: String) -> Self {
        Self { field, canonical: Zeroizing::new(canonical) }
    }

    /// The field this value belongs to.
    pub fn field(&self) -> BlindField {
        self.field
    }

    /// The canonical text. Never log it.
    pub fn expose(&self) -> &str {
        &self.canonical
    }

    /// The keyed blind index of the value, for lookups.
    pub fn blind_index(&self, indexer: &BlindIndexer) -> BlindIndex {
        indexer.index(self.field, &self.canonical)
    }
}

impl std::fmt::Debug for PiiValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PiiValue({}, [REDACTED])", self.field.as_str())
    }
}

/// A value ready to store: its ciphertext and its blind index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sealed {
    /// Goes to the column's `*_enc`.
    pub enc: Vec<u8>,
    /// Goes to the column's `*_bidx`.
    pub bidx: Vec<u8>,
}

/// Why a value could not be sealed.
#[derive(Debug, thiserror::Error)]
pub enum PiiError {
    /// The value's field is not the one the column holds (a programming error, e.g. a plate
    /// passed for a RUT column); nothing is written.
    #[error("a {value} value cannot be stored in {table}.{column}")]
    WrongField {
        /// The column's table.
        table: &'static str,
        /// The column.
        column: &'static str,
        /// The field of the value offered.
        value: &'static str,
    },
    /// The column has no blind index; encrypt with [`PiiColumn::aad`] instead.
    #[error("{table}.{column} has no blind index")]
    NotIndexed {
        /// The column's table.
        table: &'static str,
        /// The column.
        column: &'static str,
    },
    /// Encryption failed.
    #[error(transparent)]
    Vault(#[from] VaultError),
}

impl PiiColumn {
    /// The associated data of this column in the row with primary key `row_id` (a UUID's
    /// hyphenated lower-case text).
    pub fn aad<'a>(&self, row_id: &'a str) -> Aad<'a> {
        Aad::new(self.table, self.enc_column, row_id)
    }

    /// The blind-index column, if the column has one.
    pub fn bidx_column(&self) -> Option<&'static str> {
        match self.index {
            BlindIndexing::None => None,
            BlindIndexing::Field { column, .. } | BlindIndexing::ByKind { column } => Some(column),
        }
    }

    /// The field of a value stored in this column; `kind` is the row's `kind` column when the
    /// column is indexed [`BlindIndexing::ByKind`]. `None` for unindexed columns.
    pub fn field(&self, kind: Option<&str>) -> Option<BlindField> {
        match self.index {
            BlindIndexing::None => None,
            BlindIndexing::Field { field, .. } => Some(field),
            BlindIndexing::ByKind { .. } => kind.and_then(field_of_kind),
        }
    }

    /// Decrypts this column's `blob` of row `row_id`; a failure is logged
    /// ([`log_unreadable`]) and returned, so the caller shows [`UNAVAILABLE`] rather than
    /// treating the value as absent.
    pub fn open(&self, vault: &Vault, row_id: &str, blob: &[u8]) -> Result<String, VaultError> {
        vault.decrypt(blob, &self.aad(row_id)).inspect_err(|err| log_unreadable(self, row_id, err))
    }

    /// The text a screen shows for this column's `blob` of row `row_id`: the plaintext shaped
    /// by `show` (masked, formatted), or [`UNAVAILABLE`] when it cannot be decrypted or `show`
    /// refuses it (a plaintext that no longer parses); both failures are logged.
    pub fn display(&self, vault: &Vault, row_id: &str, blob: &[u8], show: impl FnOnce(&str) -> Option<String>) -> String {
        let Ok(plain) = self.open(vault, row_id, blob) else {
            return UNAVAILABLE.to_string();
        };
        show(&plain).unwrap_or_else(|| {
            log_unreadable(self, row_id, &"decrypted value does not parse");
            UNAVAILABLE.to_string()
        })
    }

    /// Encrypts `value` for this column of row `row_id` and computes its blind index.
    ///
    /// Generate the row's UUID in Rust before the insert: the AAD needs it.
    pub fn seal(&self, vault: &Vault, indexer: &BlindIndexer, row_id: &str, value: &PiiValue) -> Result<Sealed, PiiError> {
        match self.index {
            BlindIndexing::None => return Err(PiiError::NotIndexed { table: self.table, column: self.enc_column }),
            BlindIndexing::Field { field, .. } if field != value.field => {
                return Err(PiiError::WrongField { table: self.table, column: self.enc_column, value: value.field.as_str() });
            }
            BlindIndexing::Field { .. } | BlindIndexing::ByKind { .. } => {}
        }
        Ok(Sealed { enc: vault.encrypt(value.expose(), &self.aad(row_id))?, bidx: value.blind_index(indexer).to_vec() })
    }
}

#[cfg(test)]
mod tests;
