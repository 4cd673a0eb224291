//! AES-256-GCM encryption of individual PII fields (RUT, phone numbers) at rest.
//!
//! Each value is stored in a PostgreSQL `bytea` column as
//!
//! ```text
//! [version = 1: u8][key id: u16 big-endian][nonce: 12 random bytes][ciphertext || 16-byte tag]
//! ```
//!
//! The version byte and key id give crypto agility (ASVS 5.0 11.2.2): keys rotate by id and the
//! format itself can change later. The nonce is random per value from the OS CSPRNG; with 96-bit
//! random nonces a key stays safe for well over 2^32 encryptions (NIST SP 800-38D), far above
//! the number of PII fields this product will ever write under one key.
//!
//! The associated data binds the header, table, column and row id, so a ciphertext copied into
//! another row or column (e.g. swapping two residents' RUTs with SQL access only) fails to decrypt
//! instead of silently showing the wrong person's data.

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Key, Nonce};
use rand::rngs::OsRng;
use rand::RngCore as _;
use zeroize::{Zeroize as _, Zeroizing};

use crate::ssr::keys::KeyRing;

/// Version byte of the current ciphertext format.
pub const FORMAT_VERSION: u8 = 1;

/// Length of the random GCM nonce (96 bits, the size GCM is designed for).
const NONCE_LEN: usize = 12;
/// Length of the GCM authentication tag appended by `aes-gcm`.
const TAG_LEN: usize = 16;
/// Version byte + key id.
const HEADER_LEN: usize = 1 + 2;
/// The shortest valid blob: header, nonce and the tag of an empty plaintext.
const MIN_BLOB_LEN: usize = HEADER_LEN + NONCE_LEN + TAG_LEN;

/// Domain-separation prefix of the associated data, so these AADs can never collide with AAD
/// built by any other scheme that might one day share a key.
const AAD_DOMAIN: &[u8] = b"estacionate/pii/v1";

/// Why encrypting or decrypting failed.
///
/// No variant carries plaintext or key material; the messages are safe to log.
#[derive(Debug, thiserror::Error)]
pub enum VaultError {
    /// The blob is shorter than header + nonce + tag.
    #[error("encrypted value is truncated")]
    Truncated,
    /// The blob was written in a format this build does not understand.
    #[error("unsupported encrypted value format version {0}")]
    UnsupportedVersion(u8),
    /// The blob names a key id that is not configured (the key was removed too early).
    #[error("encrypted value uses unknown key id {0}")]
    UnknownKeyId(u16),
    /// The tag did not verify: the blob was altered, or it belongs to another row/column/table,
    /// or the key with this id is not the one that encrypted it.
    #[error("encrypted value failed authentication")]
    Authentication,
    /// The authenticated plaintext is not UTF-8 (only possible if it was written by other code).
    #[error("decrypted value is not valid UTF-8")]
    InvalidUtf8,
    /// AES-GCM refused to encrypt (plaintext beyond the GCM length limit).
    #[error("encryption failed")]
    Encrypt,
    /// The operating system's random number generator failed to produce a nonce.
    #[error("the system random number generator failed")]
    Rng,
}

/// Associated data: where an encrypted value lives.
///
/// `table` and `column` are `'static` because they must be code constants, never user input.
/// `row_id` is the row's primary key in text form (a UUID's hyphenated lowercase form); it must
/// be known before the insert, so generate ids in Rust rather than with a database default.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Aad<'a> {
    /// Table name, e.g. `"residents"`.
    pub table: &'static str,
    /// Column name, e.g. `"rut_enc"`.
    pub column: &'static str,
    /// Primary key of the row, in canonical text form.
    pub row_id: &'a str,
}

impl<'a> Aad<'a> {
    /// Builds the associated data for one field of one row.
    pub fn new(table: &'static str, column: &'static str, row_id: &'a str) -> Self {
        Self { table, column, row_id }
    }

    /// Serialises header and location unambiguously: every variable-length part is prefixed with
    /// its length, so `("ab", "c")` and `("a", "bc")` give different bytes.
    fn to_bytes(self, version: u8, key_id: u16) -> Vec<u8> {
        let mut out =
            Vec::with_capacity(HEADER_LEN + 4 * 8 + AAD_DOMAIN.len() + self.table.len() + self.column.len() + self.row_id.len());
        out.push(version);
        out.extend_from_slice(&key_id.to_be_bytes());
        for part in [AAD_DOMAIN, self.table.as_bytes(), self.column.as_bytes(), self.row_id.as_bytes()] {
            out.extend_from_slice(&(part.len() as u64).to_be_bytes());
            out.extend_from_slice(part);
        }
        out
    }
}

/// The parsed, borrowed parts of a stored blob.
struct Parts<'b> {
    version: u8,
    key_id: u16,
    nonce: [u8; NONCE_LEN],
    ciphertext: &'b [u8],
}

/// Splits a blob into its parts without panicking on any input.
fn parse(blob: &[u8]) -> Result<Parts<'_>, VaultError> {
    let (&version, rest) = blob.split_first().ok_or(VaultError::Truncated)?;
    // Check the version before the length so a future format with another layout is reported as
    // "unsupported" rather than "truncated".
    if version != FORMAT_VERSION {
        return Err(VaultError::UnsupportedVersion(version));
    }
    if blob.len() < MIN_BLOB_LEN {
        return Err(VaultError::Truncated);
    }
    // `split_first_chunk` returns None instead of panicking, so no input can index out of bounds.
    let (id_bytes, rest) = rest.split_first_chunk::<2>().ok_or(VaultError::Truncated)?;
    let (nonce, ciphertext) = rest.split_first_chunk::<NONCE_LEN>().ok_or(VaultError::Truncated)?;
    let key_id = u16::from_be_bytes(*id_bytes);
    let nonce = *nonce;
    Ok(Parts { version, key_id, nonce, ciphertext })
}

/// Reads the key id from a blob's header (e.g. for rotation statistics).
pub fn key_id(blob: &[u8]) -> Result<u16, VaultError> {
    parse(blob).map(|p| p.key_id)
}

/// A decrypted PII value that is zeroized on drop and redacted by `Debug`.
///
/// It has no `Display` and no `Serialize`, so it cannot reach a log line, a URL or a response by
/// accident; code that needs the text calls [`SecretText::expose`] at the exact point of use
/// (style rule 8: decrypt into a secret wrapper).
pub struct SecretText(Zeroizing<String>);

impl SecretText {
    /// The plaintext. Keep the borrow short and never log it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretText {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretText([REDACTED])")
    }
}

/// Encrypts and decrypts PII fields with the configured AES-256-GCM keys.
///
/// Cheap to clone; put it in the application state. Not `Serialize`, and `Debug` prints only key
/// ids.
#[derive(Clone)]
pub struct Vault {
    ciphers: BTreeMap<u16, Aes256Gcm>,
    current: u16,
}

impl Vault {
    /// Builds the vault from the key ring's encryption keys; the ring's newest key encrypts.
    pub fn new(ring: &KeyRing) -> Self {
        let ciphers = ring
            .encryption_keys()
            .map(|(id, key)| (id, Aes256Gcm::new(&Key::<Aes256Gcm>::from(*key.bytes()))))
            .collect();
        Self { ciphers, current: ring.current_encryption_key_id() }
    }

    /// Id of the key used for new encryptions.
    pub fn current_key_id(&self) -> u16 {
        self.current
    }

    /// Encrypts `plaintext` for the location `aad` with the current key and a fresh random nonce.
    pub fn encrypt(&self, plaintext: &str, aad: &Aad<'_>) -> Result<Vec<u8>, VaultError> {
        let cipher = self.ciphers.get(&self.current).ok_or(VaultError::UnknownKeyId(self.current))?;
        let mut nonce = [0u8; NONCE_LEN];
        OsRng.try_fill_bytes(&mut nonce).map_err(|_| VaultError::Rng)?;
        let aad_bytes = aad.to_bytes(FORMAT_VERSION, self.current);
        let ciphertext = cipher
            .encrypt(&Nonce::from(nonce), Payload { msg: plaintext.as_bytes(), aad: &aad_bytes })
            .map_err(|_| VaultError::Encrypt)?;

        let mut blob = Vec::with_capacity(HEADER_LEN + NONCE_LEN + ciphertext.len());
        blob.push(FORMAT_VERSION);
        blob.extend_from_slice(&self.current.to_be_bytes());
        blob.extend_from_slice(&nonce);
        blob.extend_from_slice(&ciphertext);
        Ok(blob)
    }

    /// Decrypts a blob written by [`Vault::encrypt`] for the same `aad`.
    ///
    /// Prefer [`Vault::decrypt_secret`] when the value is only passed along (e.g. to a message
    /// template), so it is zeroized and cannot be logged by accident.
    pub fn decrypt(&self, blob: &[u8], aad: &Aad<'_>) -> Result<String, VaultError> {
        let parts = parse(blob)?;
        let cipher = self.ciphers.get(&parts.key_id).ok_or(VaultError::UnknownKeyId(parts.key_id))?;
        let aad_bytes = aad.to_bytes(parts.version, parts.key_id);
        let plaintext = cipher
            .decrypt(&Nonce::from(parts.nonce), Payload { msg: parts.ciphertext, aad: &aad_bytes })
            .map_err(|_| VaultError::Authentication)?;
        String::from_utf8(plaintext).map_err(|e| {
            // Wipe the rejected bytes; they are still plaintext.
            e.into_bytes().zeroize();
            VaultError::InvalidUtf8
        })
    }

    /// Like [`Vault::decrypt`], but returns the value in a [`SecretText`] that is zeroized on
    /// drop and redacted by `Debug`.
    pub fn decrypt_secret(&self, blob: &[u8], aad: &Aad<'_>) -> Result<SecretText, VaultError> {
        self.decrypt(blob, aad).map(|text| SecretText(Zeroizing::new(text)))
    }

    /// True when the blob should be rewritten by the rotate-keys command: it is not in the
    /// current format under the current key. Unparseable blobs also answer true, so the command
    /// visits them and reports the error from [`Vault::reencrypt`] instead of skipping them.
    pub fn needs_rotation(&self, blob: &[u8]) -> bool {
        match parse(blob) {
            Ok(parts) => parts.version != FORMAT_VERSION || parts.key_id != self.current,
            Err(_) => true,
        }
    }

    /// Decrypts a blob with whatever configured key wrote it and encrypts it again with the
    /// current key and a fresh nonce, for the same location.
    pub fn reencrypt(&self, blob: &[u8], aad: &Aad<'_>) -> Result<Vec<u8>, VaultError> {
        let plaintext = Zeroizing::new(self.decrypt(blob, aad)?);
        self.encrypt(&plaintext, aad)
    }
}

impl fmt::Debug for Vault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Vault")
            .field("key_ids", &self.ciphers.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]
mod tests {
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;
    use proptest::prelude::*;

    use super::*;

    const ROW: &str = "0b6f3c1e-7f1a-4f0e-9a57-1c2d3e4f5a6b";
    const AAD: Aad<'static> = Aad { table: "residents", column: "rut_enc", row_id: ROW };

    fn ring(ids: &[u16]) -> KeyRing {
        let list: Vec<String> = ids.iter().map(|id| format!("{id}:{}", BASE64.encode([*id as u8; 32]))).collect();
        KeyRing::from_config(Some(&list.join(",")), Some(&BASE64.encode([0xEE; 32])), true).unwrap()
    }

    fn vault() -> Vault {
        Vault::new(&KeyRing::for_testing())
    }

    #[test]
    fn round_trip() {
        let v = vault();
        let blob = v.encrypt("12345678-5", &AAD).unwrap();
        assert_eq!(v.decrypt(&blob, &AAD).unwrap(), "12345678-5");
        let secret = v.decrypt_secret(&blob, &AAD).unwrap();
        assert_eq!(secret.expose(), "12345678-5");
        assert_eq!(format!("{secret:?}"), "SecretText([REDACTED])");
        assert_eq!(blob[0], FORMAT_VERSION);
        assert_eq!(key_id(&blob).unwrap(), 1);
        assert_eq!(blob.len(), MIN_BLOB_LEN + "12345678-5".len());
    }

    #[test]
    fn empty_and_unicode_strings_round_trip() {
        let v = vault();
        for text in ["", "+56 9 ñandú 🚗"] {
            let blob = v.encrypt(text, &AAD).unwrap();
            assert_eq!(v.decrypt(&blob, &AAD).unwrap(), text);
        }
    }

    #[test]
    fn same_plaintext_gives_different_ciphertexts() {
        let v = vault();
        assert_ne!(v.encrypt("+56912345678", &AAD).unwrap(), v.encrypt("+56912345678", &AAD).unwrap());
    }

    #[test]
    fn tampering_any_byte_fails() {
        let v = vault();
        let blob = v.encrypt("+56912345678", &AAD).unwrap();
        for i in 0..blob.len() {
            for flip in [0x01u8, 0x80] {
                let mut bad = blob.clone();
                bad[i] ^= flip;
                assert!(v.decrypt(&bad, &AAD).is_err(), "byte {i} flip {flip:#x} accepted");
            }
        }
        let mut longer = blob.clone();
        longer.push(0);
        assert!(v.decrypt(&longer, &AAD).is_err());
    }

    #[test]
    fn wrong_location_fails() {
        let v = vault();
        let blob = v.encrypt("12345678-5", &AAD).unwrap();
        let wrong = [
            Aad { row_id: "0b6f3c1e-7f1a-4f0e-9a57-1c2d3e4f5a6c", ..AAD },
            Aad { column: "phone_enc", ..AAD },
            Aad { table: "visitors", ..AAD },
        ];
        for aad in wrong {
            assert!(matches!(v.decrypt(&blob, &aad), Err(VaultError::Authentication)));
        }
    }

    #[test]
    fn aad_encoding_is_unambiguous() {
        let a = Aad::new("ab", "c", "1").to_bytes(1, 1);
        let b = Aad::new("a", "bc", "1").to_bytes(1, 1);
        let c = Aad::new("a", "b", "c1").to_bytes(1, 1);
        assert_ne!(a, b);
        assert_ne!(b, c);
        let v = vault();
        let blob = v.encrypt("x", &Aad::new("ab", "c", "1")).unwrap();
        assert!(v.decrypt(&blob, &Aad::new("a", "bc", "1")).is_err());
    }

    #[test]
    fn unknown_key_id_fails() {
        let blob = Vault::new(&ring(&[1, 2])).encrypt("x", &AAD).unwrap();
        assert!(matches!(Vault::new(&ring(&[1])).decrypt(&blob, &AAD), Err(VaultError::UnknownKeyId(2))));
    }

    #[test]
    fn same_id_different_key_fails() {
        let blob = vault().encrypt("x", &AAD).unwrap();
        assert!(matches!(Vault::new(&ring(&[1])).decrypt(&blob, &AAD), Err(VaultError::Authentication)));
    }

    #[test]
    fn truncated_blobs_fail() {
        let v = vault();
        let blob = v.encrypt("12345678-5", &AAD).unwrap();
        for len in 0..blob.len() {
            assert!(v.decrypt(&blob[..len], &AAD).is_err(), "length {len} accepted");
        }
        assert!(matches!(v.decrypt(&[], &AAD), Err(VaultError::Truncated)));
        assert!(matches!(v.decrypt(&[1, 0, 1], &AAD), Err(VaultError::Truncated)));
        assert!(matches!(v.decrypt(&[2; 40], &AAD), Err(VaultError::UnsupportedVersion(2))));
    }

    #[test]
    fn rotation() {
        let old = Vault::new(&ring(&[1]));
        let blob = old.encrypt("+56912345678", &AAD).unwrap();
        assert!(!old.needs_rotation(&blob));

        let new = Vault::new(&ring(&[1, 2]));
        assert_eq!(new.decrypt(&blob, &AAD).unwrap(), "+56912345678");
        assert!(new.needs_rotation(&blob));
        let rotated = new.reencrypt(&blob, &AAD).unwrap();
        assert_eq!(key_id(&rotated).unwrap(), 2);
        assert!(!new.needs_rotation(&rotated));
        assert_eq!(new.decrypt(&rotated, &AAD).unwrap(), "+56912345678");
        // Re-encryption keeps the location binding.
        assert!(new.reencrypt(&blob, &Aad { row_id: "other", ..AAD }).is_err());
        assert!(new.needs_rotation(b"garbage"));
    }

    #[test]
    fn debug_is_redacted() {
        let out = format!("{:?}", Vault::new(&ring(&[3])));
        assert!(out.contains("key_ids: [3]") && !out.contains("Aes"), "{out}");
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(blob in proptest::collection::vec(any::<u8>(), 0..128)) {
            let v = vault();
            let _ = v.decrypt(&blob, &AAD);
            let _ = v.needs_rotation(&blob);
            let _ = v.reencrypt(&blob, &AAD);
            let _ = key_id(&blob);
        }

        #[test]
        fn valid_header_with_arbitrary_body_never_panics(
            id in any::<u16>(),
            body in proptest::collection::vec(any::<u8>(), 0..64),
        ) {
            let mut blob = vec![FORMAT_VERSION];
            blob.extend_from_slice(&id.to_be_bytes());
            blob.extend_from_slice(&body);
            prop_assert!(vault().decrypt(&blob, &AAD).is_err());
        }

        #[test]
        fn arbitrary_strings_round_trip(text in ".{0,64}", row in "[a-f0-9-]{0,36}") {
            let v = vault();
            let aad = Aad::new("visitors", "phone_enc", &row);
            let blob = v.encrypt(&text, &aad).unwrap();
            prop_assert_eq!(v.decrypt(&blob, &aad).unwrap(), text);
        }
    }
}
