//! Key material for PII protection, loaded once at startup from configuration.
//!
//! Two independent secrets are configured (PRODUCT.md §7, peers-and-standards §3.3):
//!
//! * `PII_ENCRYPTION_KEYS`: a comma-separated list of `id:base64key` AES-256 keys. The highest id
//!   encrypts; every listed key can still decrypt, so a key is rotated by appending a new id,
//!   running the re-encryption command, and only then removing the old entry.
//! * `PII_BLIND_INDEX_KEY`: one base64 root key from which per-field HMAC keys are derived. It is
//!   kept apart from the encryption keys so that a leak of one does not compromise the other.
//!
//! Neither ever lives in the database (ASVS 5.0 11.1.x, 13.3.1). Outside production the server may
//! run with fixed, publicly known development keys so that `cargo leptos watch` works without
//! setup; in production it refuses to start without real keys.

use std::collections::BTreeMap;
use std::fmt;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use rand::rngs::OsRng;
use rand::RngCore as _;
use sha2::{Digest as _, Sha256};
use subtle::ConstantTimeEq as _;
use zeroize::Zeroizing;

/// Name of the environment variable holding the encryption key list.
pub const ENV_ENCRYPTION_KEYS: &str = "PII_ENCRYPTION_KEYS";

/// Name of the environment variable holding the blind-index root key.
pub const ENV_BLIND_INDEX_KEY: &str = "PII_BLIND_INDEX_KEY";

/// Length in bytes of every key (AES-256 and the HMAC-SHA256 root key).
pub const KEY_LEN: usize = 32;

/// Key id under which the development encryption key is registered.
pub const DEV_ENCRYPTION_KEY_ID: u16 = 1;

/// Public seed of the DEVELOPMENT encryption key: the key is `SHA-256(seed)`.
///
/// Deriving it from a readable string (instead of embedding random-looking bytes) makes it
/// obvious to any reader that this key protects nothing; production rejects it.
pub const DEV_ENCRYPTION_KEY_SEED: &str = "estacionate-development-only-key-1";

/// Public seed of the DEVELOPMENT blind-index root key: the key is `SHA-256(seed)`.
pub const DEV_BLIND_INDEX_KEY_SEED: &str = "estacionate-development-only-blind-index-key-1";

/// Why the key configuration was rejected.
///
/// Messages name the variable and the position of the bad entry, never the value, because the
/// value is a secret and errors end up in logs.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// A variable required in production is missing or blank.
    #[error("{var} is required in production")]
    Missing {
        /// The environment variable name.
        var: &'static str,
    },
    /// A variable (or one entry of a list) could not be parsed.
    #[error("{var}: entry {entry} is invalid: {reason}")]
    Malformed {
        /// The environment variable name.
        var: &'static str,
        /// 1-based position of the entry in the comma-separated list.
        entry: usize,
        /// What is wrong with it (never the value itself).
        reason: &'static str,
    },
    /// The same key id appears twice in the encryption key list.
    #[error("{var}: key id {id} appears more than once")]
    DuplicateId {
        /// The environment variable name.
        var: &'static str,
        /// The repeated id (ids are not secret; they are stored in every ciphertext).
        id: u16,
    },
    /// A development key (or an all-zero key) was configured in production.
    #[error("{var} contains a development or all-zero key, which is not allowed in production")]
    InsecureKeyInProduction {
        /// The environment variable name.
        var: &'static str,
    },
    /// The blind-index key is identical to one of the encryption keys.
    #[error("{ENV_BLIND_INDEX_KEY} must differ from every key in {ENV_ENCRYPTION_KEYS}")]
    SharedKey,
    /// The operating system's random number generator failed.
    #[error("the system random number generator failed")]
    Rng,
}

/// A 32-byte secret key, zeroized on drop and never printed.
///
/// Boxed so that moving the key around does not leave stray copies on the stack.
pub(crate) struct Key32(Box<Zeroizing<[u8; KEY_LEN]>>);

impl Key32 {
    /// Copies `bytes` into a fresh secret box; the caller guarantees the length.
    fn from_array(bytes: &[u8; KEY_LEN]) -> Self {
        // Allocate first, then copy, so the key bytes are written straight to the heap.
        let mut key = Box::new(Zeroizing::new([0u8; KEY_LEN]));
        key.copy_from_slice(bytes);
        Self(key)
    }

    /// `SHA-256(seed)`, used only for the public development keys.
    fn from_seed(seed: &str) -> Self {
        let digest = Zeroizing::new(<[u8; KEY_LEN]>::from(Sha256::digest(seed.as_bytes())));
        Self::from_array(&digest)
    }

    /// The raw key bytes, for the crypto modules of this crate only.
    pub(crate) fn bytes(&self) -> &[u8; KEY_LEN] {
        &self.0
    }

    /// Constant-time equality, so comparing keys leaks nothing through timing.
    fn same_as(&self, other: &Key32) -> bool {
        bool::from(self.bytes().ct_eq(other.bytes()))
    }

    /// All-zero keys are what a forgotten placeholder usually looks like; reject them.
    fn is_all_zero(&self) -> bool {
        bool::from(self.bytes().ct_eq(&[0u8; KEY_LEN]))
    }
}

impl fmt::Debug for Key32 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Key32([REDACTED])")
    }
}

/// All PII key material of the process: the encryption keys by id and the blind-index root key.
///
/// Deliberately neither `Clone` nor `Serialize`: it is built once at startup, turned into a
/// [`crate::ssr::vault::Vault`] and a [`crate::ssr::blind_index::BlindIndexer`], and never sent
/// anywhere. `Debug` shows key ids only.
pub struct KeyRing {
    encryption: BTreeMap<u16, Key32>,
    current: u16,
    blind_index: Key32,
    development: bool,
}

impl KeyRing {
    /// Builds the key ring from the raw values of [`ENV_ENCRYPTION_KEYS`] and
    /// [`ENV_BLIND_INDEX_KEY`] (`None` or blank = unset).
    ///
    /// In `production` both values are required and may be neither the development keys nor
    /// all-zero. Outside production an unset value falls back to the public development key and
    /// [`KeyRing::is_development`] becomes true so the server can warn loudly.
    pub fn from_config(
        encryption_keys: Option<&str>,
        blind_index_key: Option<&str>,
        production: bool,
    ) -> Result<KeyRing, KeyError> {
        let dev_enc = Key32::from_seed(DEV_ENCRYPTION_KEY_SEED);
        let dev_bidx = Key32::from_seed(DEV_BLIND_INDEX_KEY_SEED);

        let encryption = match non_blank(encryption_keys) {
            Some(raw) => parse_encryption_keys(raw)?,
            None if production => return Err(KeyError::Missing { var: ENV_ENCRYPTION_KEYS }),
            None => BTreeMap::from([(DEV_ENCRYPTION_KEY_ID, Key32::from_seed(DEV_ENCRYPTION_KEY_SEED))]),
        };
        let blind_index = match non_blank(blind_index_key) {
            Some(raw) => parse_single_key(ENV_BLIND_INDEX_KEY, raw, 1)?,
            None if production => return Err(KeyError::Missing { var: ENV_BLIND_INDEX_KEY }),
            None => Key32::from_seed(DEV_BLIND_INDEX_KEY_SEED),
        };

        // Flag development keys however they got here (fallback or pasted into the env), so the
        // warning and the production refusal cannot be bypassed by configuring them explicitly.
        let enc_insecure = encryption.values().any(|k| k.same_as(&dev_enc) || k.same_as(&dev_bidx) || k.is_all_zero());
        let bidx_insecure = blind_index.same_as(&dev_bidx) || blind_index.same_as(&dev_enc) || blind_index.is_all_zero();
        if production && enc_insecure {
            return Err(KeyError::InsecureKeyInProduction { var: ENV_ENCRYPTION_KEYS });
        }
        if production && bidx_insecure {
            return Err(KeyError::InsecureKeyInProduction { var: ENV_BLIND_INDEX_KEY });
        }
        // A shared key would let a leak of either secret break both protections.
        if encryption.values().any(|k| k.same_as(&blind_index)) {
            return Err(KeyError::SharedKey);
        }

        let current = match encryption.keys().next_back() {
            Some(id) => *id,
            // parse_encryption_keys rejects empty lists; kept as an error rather than a panic.
            None => {
                return Err(KeyError::Malformed { var: ENV_ENCRYPTION_KEYS, entry: 1, reason: "no keys configured" });
            }
        };

        Ok(KeyRing { encryption, current, blind_index, development: enc_insecure || bidx_insecure })
    }

    /// The ring made of the development keys only, for unit tests.
    #[cfg(test)]
    pub(crate) fn for_testing() -> KeyRing {
        match KeyRing::from_config(None, None, false) {
            Ok(ring) => ring,
            Err(e) => unreachable!("development keys must always load: {e}"),
        }
    }

    /// True when any key in use is a public development key (or all-zero); the server must then
    /// log a prominent warning, since such data is effectively unencrypted.
    pub fn is_development(&self) -> bool {
        self.development
    }

    /// Id of the key used for new encryptions (the highest configured id).
    pub fn current_encryption_key_id(&self) -> u16 {
        self.current
    }

    /// All configured encryption key ids, ascending.
    pub fn encryption_key_ids(&self) -> impl Iterator<Item = u16> + '_ {
        self.encryption.keys().copied()
    }

    /// Encryption keys by id, for [`crate::ssr::vault::Vault`].
    pub(crate) fn encryption_keys(&self) -> impl Iterator<Item = (u16, &Key32)> + '_ {
        self.encryption.iter().map(|(id, k)| (*id, k))
    }

    /// The blind-index root key, for [`crate::ssr::blind_index::BlindIndexer`].
    pub(crate) fn blind_index_root(&self) -> &Key32 {
        &self.blind_index
    }
}

impl fmt::Debug for KeyRing {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyRing")
            .field("encryption_key_ids", &self.encryption.keys().collect::<Vec<_>>())
            .field("current", &self.current)
            .field("blind_index", &"[REDACTED]")
            .field("development", &self.development)
            .finish()
    }
}

/// Generates a fresh random 32-byte key, base64-encoded, for operators writing
/// `PII_ENCRYPTION_KEYS` (prefix it with `id:`) or `PII_BLIND_INDEX_KEY`.
pub fn generate_key_b64() -> Result<String, KeyError> {
    let mut key = Zeroizing::new([0u8; KEY_LEN]);
    OsRng.try_fill_bytes(key.as_mut()).map_err(|_| KeyError::Rng)?;
    Ok(BASE64.encode(key.as_ref()))
}

/// Treats an unset variable and one that is only whitespace the same way, since an empty
/// `KEY=` line in an env file is a common way to "unset" it.
fn non_blank(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// Parses `id:base64,id:base64,...` into a map, rejecting duplicates and id 0.
fn parse_encryption_keys(raw: &str) -> Result<BTreeMap<u16, Key32>, KeyError> {
    const VAR: &str = ENV_ENCRYPTION_KEYS;
    let mut keys = BTreeMap::new();
    for (index, entry) in raw.split(',').enumerate() {
        let position = index + 1;
        let malformed = |reason| KeyError::Malformed { var: VAR, entry: position, reason };
        let entry = entry.trim();
        if entry.is_empty() {
            return Err(malformed("empty entry (stray comma?)"));
        }
        let (id, key) = entry.split_once(':').ok_or_else(|| malformed("expected `id:base64key`"))?;
        let id: u16 = id.trim().parse().map_err(|_| malformed("key id must be an integer 1-65535"))?;
        if id == 0 {
            return Err(malformed("key id must be at least 1"));
        }
        let key = parse_single_key(VAR, key, position)?;
        if keys.insert(id, key).is_some() {
            return Err(KeyError::DuplicateId { var: VAR, id });
        }
    }
    Ok(keys)
}

/// Decodes one base64 key, requiring exactly [`KEY_LEN`] bytes.
///
/// The base64 crate's own error is discarded because it quotes the offending byte, which is part
/// of the secret.
fn parse_single_key(var: &'static str, raw: &str, entry: usize) -> Result<Key32, KeyError> {
    let malformed = |reason| KeyError::Malformed { var, entry, reason };
    let decoded = Zeroizing::new(BASE64.decode(raw.trim()).map_err(|_| malformed("key is not valid base64"))?);
    let bytes: &[u8; KEY_LEN] = decoded.as_slice().try_into().map_err(|_| malformed("key must decode to exactly 32 bytes"))?;
    Ok(Key32::from_array(bytes))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]
mod tests {
    use super::*;

    fn b64(byte: u8) -> String {
        BASE64.encode([byte; KEY_LEN])
    }

    fn prod(enc: &str, bidx: &str) -> Result<KeyRing, KeyError> {
        KeyRing::from_config(Some(enc), Some(bidx), true)
    }

    #[test]
    fn dev_keys_are_sha256_of_public_seeds() {
        // Independently computed: python3 -c "import hashlib;print(hashlib.sha256(b'...').hexdigest())"
        let enc = Key32::from_seed(DEV_ENCRYPTION_KEY_SEED);
        let bidx = Key32::from_seed(DEV_BLIND_INDEX_KEY_SEED);
        assert_eq!(hex(enc.bytes()), "67b7dd07627abc1702db78d2198db28517efa05a35aa7348a8a1133940795b00");
        assert_eq!(hex(bidx.bytes()), "1d86f178c0d990fa21a28e1386630a4feaa89b50275350b709b66ca626d758ec");
    }

    fn hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    #[test]
    fn development_fallback_outside_production() {
        let ring = KeyRing::from_config(None, Some("  "), false).unwrap();
        assert!(ring.is_development());
        assert_eq!(ring.current_encryption_key_id(), DEV_ENCRYPTION_KEY_ID);
    }

    #[test]
    fn production_requires_both_variables() {
        let err = KeyRing::from_config(None, Some(&b64(2)), true).unwrap_err();
        assert!(matches!(err, KeyError::Missing { var: ENV_ENCRYPTION_KEYS }));
        let err = KeyRing::from_config(Some(&format!("1:{}", b64(1))), None, true).unwrap_err();
        assert!(matches!(err, KeyError::Missing { var: ENV_BLIND_INDEX_KEY }));
    }

    #[test]
    fn production_rejects_development_and_zero_keys() {
        let dev_enc = BASE64.encode(Sha256::digest(DEV_ENCRYPTION_KEY_SEED.as_bytes()));
        let dev_bidx = BASE64.encode(Sha256::digest(DEV_BLIND_INDEX_KEY_SEED.as_bytes()));
        let err = prod(&format!("1:{dev_enc}"), &b64(2)).unwrap_err();
        assert!(matches!(err, KeyError::InsecureKeyInProduction { var: ENV_ENCRYPTION_KEYS }));
        let err = prod(&format!("1:{}", b64(1)), &dev_bidx).unwrap_err();
        assert!(matches!(err, KeyError::InsecureKeyInProduction { var: ENV_BLIND_INDEX_KEY }));
        let err = prod(&format!("1:{}", b64(0)), &b64(2)).unwrap_err();
        assert!(matches!(err, KeyError::InsecureKeyInProduction { .. }));
        // The same explicit dev key outside production is accepted but flagged.
        let ring = KeyRing::from_config(Some(&format!("1:{dev_enc}")), Some(&b64(2)), false).unwrap();
        assert!(ring.is_development());
    }

    #[test]
    fn newest_key_encrypts_and_all_are_kept() {
        let ring = prod(&format!(" 2:{} , 7:{},1:{} ", b64(2), b64(7), b64(1)), &b64(9)).unwrap();
        assert!(!ring.is_development());
        assert_eq!(ring.current_encryption_key_id(), 7);
        assert_eq!(ring.encryption_key_ids().collect::<Vec<_>>(), vec![1, 2, 7]);
    }

    #[test]
    fn parse_errors_name_variable_and_entry_but_not_value() {
        let secret = b64(5);
        let cases = [
            format!("1:{secret},"),
            format!("1{secret}"),
            format!("0:{secret}"),
            format!("70000:{secret}"),
            format!("x:{secret}"),
            "1:not*base64".to_owned(),
            format!("1:{}", BASE64.encode([5u8; 16])),
        ];
        for case in cases {
            let err = prod(&case, &b64(9)).unwrap_err();
            let msg = err.to_string();
            assert!(msg.contains(ENV_ENCRYPTION_KEYS), "{msg}");
            assert!(!msg.contains(&secret) && !msg.contains("base64\"") && !msg.contains('*'), "{msg}");
        }
        let err = prod(&format!("1:{secret},1:{}", b64(6)), &b64(9)).unwrap_err();
        assert!(matches!(err, KeyError::DuplicateId { id: 1, .. }));
        let err = prod(&format!("1:{secret}"), "AAAA").unwrap_err();
        assert!(err.to_string().contains(ENV_BLIND_INDEX_KEY));
    }

    #[test]
    fn blind_index_key_must_differ_from_encryption_keys() {
        let err = prod(&format!("1:{},2:{}", b64(1), b64(2)), &b64(1)).unwrap_err();
        assert!(matches!(err, KeyError::SharedKey));
    }

    #[test]
    fn debug_never_prints_key_bytes() {
        let ring = prod(&format!("3:{}", b64(0xAB)), &b64(0xCD)).unwrap();
        let out = format!("{ring:?} {:?}", ring.blind_index_root());
        // 0xAB = 171 and 0xCD = 205 would appear if the bytes were printed as an array.
        assert!(out.contains("REDACTED"), "{out}");
        assert!(!out.contains("171") && !out.contains("205"), "{out}");
    }

    #[test]
    fn generated_keys_parse_and_differ() {
        let a = generate_key_b64().unwrap();
        let b = generate_key_b64().unwrap();
        assert_ne!(a, b);
        assert!(prod(&format!("1:{a}"), &b).is_ok());
    }
}
