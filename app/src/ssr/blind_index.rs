//! Keyed blind indexes: equality search over encrypted PII without decrypting it.
//!
//! An encrypted column cannot be queried (`WHERE rut = $1`) because every ciphertext is different.
//! Next to it we store `HMAC-SHA256(field_key, canonical_value)` and query that instead. A bare
//! hash would not do: a RUT has about 25 bits of entropy and a Chilean mobile number about 27, so
//! an unkeyed SHA-256 column is reversed by brute force in seconds (peers-and-standards §3.3).
//! With a secret key outside the database, a database-only leak reveals nothing but equality.
//!
//! Each field gets its own key, derived with HKDF-SHA256 from the root blind-index key with
//! `info = "estacionate/bidx/v1/{field}"`, so the same string in two fields (an email that is
//! also someone's login, say) produces unrelated indexes and cannot be joined across columns.
//!
//! Known leakage, accepted by design: equal values have equal indexes (frequency analysis).

use std::fmt;

use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::ssr::keys::{KeyRing, KEY_LEN};

/// Length of a blind index in bytes (the full HMAC-SHA256 output, stored as `bytea`).
pub const BLIND_INDEX_LEN: usize = 32;

/// A blind index value, as stored in the database.
pub type BlindIndex = [u8; BLIND_INDEX_LEN];

/// Version tag in the HKDF info; bump it (and re-index into a new column) to rotate the scheme.
const INFO_PREFIX: &str = "estacionate/bidx/v1/";

type HmacSha256 = Hmac<Sha256>;

/// The searchable fields. Each has its own derived key.
///
/// Callers pass values already in canonical form, because the index matches exact bytes:
/// lower-case email, RUT as `12345678-5` (upper-case `K`), phone in E.164, plate upper-case
/// without separators, IP in its standard textual form.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum BlindField {
    /// Email address, lower-cased.
    Email,
    /// Chilean RUT, `digits-checkdigit`.
    Rut,
    /// Phone number in E.164 (`+56912345678`).
    Phone,
    /// Vehicle plate, upper-case.
    Plate,
    /// IP address (audit log / rate-limit correlation without storing the address).
    Ip,
}

impl BlindField {
    /// Every field, in the order used for the key table.
    pub const ALL: [BlindField; 5] = [BlindField::Email, BlindField::Rut, BlindField::Phone, BlindField::Plate, BlindField::Ip];

    /// Stable name used in the HKDF info string. Changing it changes every index of the field.
    pub fn as_str(self) -> &'static str {
        match self {
            BlindField::Email => "email",
            BlindField::Rut => "rut",
            BlindField::Phone => "phone",
            BlindField::Plate => "plate",
            BlindField::Ip => "ip",
        }
    }

    /// Position in [`BlindField::ALL`] and in the indexer's key table.
    fn slot(self) -> usize {
        match self {
            BlindField::Email => 0,
            BlindField::Rut => 1,
            BlindField::Phone => 2,
            BlindField::Plate => 3,
            BlindField::Ip => 4,
        }
    }
}

/// Failure to set up the indexer.
#[derive(Debug, thiserror::Error)]
pub enum BlindIndexError {
    /// HKDF or HMAC rejected the key length. Cannot happen with 32-byte keys; it is an error
    /// rather than a panic only because the crates' APIs are fallible.
    #[error("blind index key derivation failed")]
    KeyDerivation,
}

/// Computes blind indexes with per-field keys derived from the root blind-index key.
///
/// Holds one keyed HMAC state per field, so indexing costs two SHA-256 compressions and no key
/// setup. Not `Serialize`; `Debug` is redacted.
#[derive(Clone)]
pub struct BlindIndexer {
    macs: [HmacSha256; 5],
}

impl BlindIndexer {
    /// Derives the per-field keys from the key ring's blind-index root key.
    pub fn new(ring: &KeyRing) -> Result<Self, BlindIndexError> {
        Self::from_root(ring.blind_index_root().bytes())
    }

    fn from_root(root: &[u8; KEY_LEN]) -> Result<Self, BlindIndexError> {
        // No salt: the root key is already uniformly random, and RFC 5869 §3.1 allows an absent
        // salt (treated as zeros). The info string provides the per-field separation.
        let hkdf = Hkdf::<Sha256>::new(None, root);
        let derive = |field: BlindField| -> Result<HmacSha256, BlindIndexError> {
            let mut key = Zeroizing::new([0u8; KEY_LEN]);
            let info = format!("{INFO_PREFIX}{}", field.as_str());
            hkdf.expand(info.as_bytes(), key.as_mut()).map_err(|_| BlindIndexError::KeyDerivation)?;
            HmacSha256::new_from_slice(key.as_ref()).map_err(|_| BlindIndexError::KeyDerivation)
        };
        Ok(Self {
            macs: [
                derive(BlindField::Email)?,
                derive(BlindField::Rut)?,
                derive(BlindField::Phone)?,
                derive(BlindField::Plate)?,
                derive(BlindField::Ip)?,
            ],
        })
    }

    /// `HMAC-SHA256(key(field), canonical_value)`.
    ///
    /// The value must already be canonical (see [`BlindField`]); this function does not
    /// normalise, so that normalisation lives with the parsing newtypes and is tested there.
    pub fn index(&self, field: BlindField, canonical_value: &str) -> BlindIndex {
        let mut mac = self.macs[field.slot()].clone();
        mac.update(canonical_value.as_bytes());
        mac.finalize().into_bytes().into()
    }
}

impl fmt::Debug for BlindIndexer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("BlindIndexer([REDACTED])")
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]
mod tests {
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;

    use super::*;

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// Root key 0x00, 0x01, ..., 0x1f.
    fn sequential_root() -> [u8; KEY_LEN] {
        std::array::from_fn(|i| i as u8)
    }

    #[test]
    fn deterministic() {
        let ix = BlindIndexer::new(&KeyRing::for_testing()).unwrap();
        assert_eq!(ix.index(BlindField::Rut, "12345678-5"), ix.index(BlindField::Rut, "12345678-5"));
        assert_ne!(ix.index(BlindField::Rut, "12345678-5"), ix.index(BlindField::Rut, "12345679-3"));
    }

    #[test]
    fn fields_are_separated() {
        let ix = BlindIndexer::new(&KeyRing::for_testing()).unwrap();
        let value = "x@example.cl";
        let all: Vec<BlindIndex> = BlindField::ALL.iter().map(|f| ix.index(*f, value)).collect();
        for (i, a) in all.iter().enumerate() {
            for b in &all[i + 1..] {
                assert_ne!(a, b);
            }
        }
        for (slot, field) in BlindField::ALL.iter().enumerate() {
            assert_eq!(field.slot(), slot);
        }
    }

    #[test]
    fn keys_are_separated() {
        let a = BlindIndexer::from_root(&[1; KEY_LEN]).unwrap();
        let b = BlindIndexer::from_root(&[2; KEY_LEN]).unwrap();
        assert_ne!(a.index(BlindField::Phone, "+56912345678"), b.index(BlindField::Phone, "+56912345678"));
    }

    #[test]
    fn built_from_ring_uses_the_configured_root() {
        let root = sequential_root();
        let ring = KeyRing::from_config(Some(&format!("1:{}", BASE64.encode([9u8; KEY_LEN]))), Some(&BASE64.encode(root)), true)
            .unwrap();
        let from_ring = BlindIndexer::new(&ring).unwrap();
        let direct = BlindIndexer::from_root(&root).unwrap();
        assert_eq!(from_ring.index(BlindField::Email, "a@b.cl"), direct.index(BlindField::Email, "a@b.cl"));
    }

    /// Known answers computed independently with Python's standard library (RFC 5869 HKDF by
    /// hand, since hashlib has no HKDF):
    ///
    /// ```python
    /// import hmac, hashlib
    /// def hkdf(ikm, info):
    ///     prk = hmac.new(b"\0" * 32, ikm, hashlib.sha256).digest()
    ///     return hmac.new(prk, info + b"\x01", hashlib.sha256).digest()
    /// def bidx(root, field, value):
    ///     key = hkdf(root, b"estacionate/bidx/v1/" + field)
    ///     return hmac.new(key, value, hashlib.sha256).hexdigest()
    /// seq = bytes(range(32))
    /// dev = hashlib.sha256(b"estacionate-development-only-blind-index-key-1").digest()
    /// bidx(seq, b"rut", b"12345678-5"); bidx(seq, b"email", b"ana@example.cl")
    /// bidx(dev, b"phone", b"+56912345678"); bidx(seq, b"plate", b""); bidx(seq, b"ip", b"192.0.2.1")
    /// ```
    /// If one of these changes, every stored index becomes unsearchable: do not "fix" the test.
    #[test]
    fn known_answers_are_stable() {
        let seq = BlindIndexer::from_root(&sequential_root()).unwrap();
        let dev = BlindIndexer::new(&KeyRing::for_testing()).unwrap();
        assert_eq!(
            hex(&seq.index(BlindField::Rut, "12345678-5")),
            "d68fdeea02d233c24c7f2d30340d29f86c3aa2116f387c70036f45e6adeca803"
        );
        assert_eq!(
            hex(&seq.index(BlindField::Email, "ana@example.cl")),
            "cfeae4c1cbd2340d7d0f03ba2169ef968fa30592c1b7f01a898a287d0156ae8f"
        );
        assert_eq!(
            hex(&dev.index(BlindField::Phone, "+56912345678")),
            "c678c060a15bb0a4a49097bb146004477588b59548c187e37ce48f66b7f4b41b"
        );
        assert_eq!(hex(&seq.index(BlindField::Plate, "")), "b6be7557a8dadb05bc8b6c6c6516bc61a7f9a94346e2a608d4878ac260c4224d");
        assert_eq!(
            hex(&seq.index(BlindField::Ip, "192.0.2.1")),
            "5843b2ce68a0d65877434a0e878a8f7033bf42867237ebf98598136886fe96c0"
        );
    }

    #[test]
    fn debug_is_redacted() {
        let ix = BlindIndexer::from_root(&sequential_root()).unwrap();
        assert_eq!(format!("{ix:?}"), "BlindIndexer([REDACTED])");
    }
}
