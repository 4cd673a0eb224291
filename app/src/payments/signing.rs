//! Signed simulator links. The old system's simulator accepted `{bookingId, status}` from
//! anyone; here the checkout link carries an HMAC-SHA256 over the booking id, the exact amount
//! and the hold's expiry, under a key only the server knows. Confirming requires that signature,
//! recomputed from the booking as the database has it, so a hand-made post, a link for another
//! booking or another amount, or an expired link cannot mark anything paid.
//!
//! The key is derived with HKDF-SHA256 from the blind-index root key (its own `info`, so it is
//! unrelated to every blind-index key) — no extra secret to configure, and production already
//! refuses to start without a real root key.

use crate::domain::money::Clp;
use crate::ssr::keys::{KeyRing, KEY_LEN};
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hkdf::Hkdf;
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use std::fmt;
use subtle::ConstantTimeEq as _;
use uuid::Uuid;
use zeroize::Zeroizing;

/// HKDF `info` of the simulator key; bump the version to invalidate every outstanding link.
const INFO: &[u8] = b"estacionate/payments/simulator/v1";

/// Why the simulator's link key could not be set up. The server refuses to start on it rather
/// than sign with a zero key.
#[derive(Debug, thiserror::Error)]
pub enum SignerError {
    /// HKDF or HMAC rejected the key length (not possible with 32-byte keys; an error rather
    /// than a panic because the crates' APIs are fallible).
    #[error("simulator link key derivation failed")]
    KeyDerivation,
}

/// Signs and checks simulator checkout links.
pub struct SimulatorSigner {
    /// HMAC-SHA256 keyed once at start-up with the derived key; each signature clones it, so
    /// signing has no fallible step left.
    mac: Hmac<Sha256>,
}

impl SimulatorSigner {
    /// Derives the signing key from the key ring's blind-index root key. A derivation failure
    /// is an error (start-up stops), never a zero key.
    pub fn new(ring: &KeyRing) -> Result<Self, SignerError> {
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        Hkdf::<Sha256>::new(None, ring.blind_index_root().bytes())
            .expand(INFO, key.as_mut_slice())
            .map_err(|_| SignerError::KeyDerivation)?;
        let mac = Hmac::<Sha256>::new_from_slice(key.as_slice()).map_err(|_| SignerError::KeyDerivation)?;
        Ok(Self { mac })
    }

    fn mac(&self, booking_id: Uuid, amount: Clp, expires_at: DateTime<Utc>) -> [u8; 32] {
        let mut mac = self.mac.clone();
        let message = format!("simulator-checkout|{booking_id}|{}|{}", amount.pesos(), expires_at.timestamp());
        mac.update(message.as_bytes());
        mac.finalize().into_bytes().into()
    }

    /// The signature of a checkout of `amount` for `booking_id`, valid until `expires_at`.
    pub fn sign(&self, booking_id: Uuid, amount: Clp, expires_at: DateTime<Utc>) -> String {
        URL_SAFE_NO_PAD.encode(self.mac(booking_id, amount, expires_at))
    }

    /// Whether `signature` was made by [`Self::sign`] for exactly these values, compared in
    /// constant time. Expiry itself is checked by the caller against its clock.
    pub fn verify(&self, booking_id: Uuid, amount: Clp, expires_at: DateTime<Utc>, signature: &str) -> bool {
        let Ok(given) = URL_SAFE_NO_PAD.decode(signature.trim()) else {
            return false;
        };
        let expected = self.mac(booking_id, amount, expires_at);
        given.len() == expected.len() && bool::from(given.ct_eq(&expected))
    }
}

impl fmt::Debug for SimulatorSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SimulatorSigner(****)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::test_support::local_instant;

    fn signer() -> SimulatorSigner {
        SimulatorSigner::new(&KeyRing::from_config(None, None, false).unwrap()).unwrap()
    }

    #[test]
    fn the_key_is_derived_never_zero() {
        // What a swallowed derivation failure used to leave behind: an all-zero key.
        let id = Uuid::nil();
        let at = local_instant(0, 12);
        let mut zero = Hmac::<Sha256>::new_from_slice(&[0u8; KEY_LEN]).unwrap();
        zero.update(format!("simulator-checkout|{id}|5000|{}", at.timestamp()).as_bytes());
        let forged = URL_SAFE_NO_PAD.encode(zero.finalize().into_bytes());
        let s = signer();
        assert!(!s.verify(id, Clp::new(5_000), at, &forged));
        assert_ne!(s.sign(id, Clp::new(5_000), at), forged);
        // Another root key gives another signing key.
        let other = KeyRing::from_config(
            Some(&format!("1:{}", base64::engine::general_purpose::STANDARD.encode([7u8; KEY_LEN]))),
            Some(&base64::engine::general_purpose::STANDARD.encode([9u8; KEY_LEN])),
            false,
        )
        .unwrap();
        let other = SimulatorSigner::new(&other).unwrap();
        assert_ne!(other.sign(id, Clp::new(5_000), at), s.sign(id, Clp::new(5_000), at));
    }

    #[test]
    fn a_signature_binds_booking_amount_and_expiry() {
        let s = signer();
        let id = Uuid::new_v4();
        let at = local_instant(0, 12);
        let sig = s.sign(id, Clp::new(5_000), at);
        assert_eq!(sig.len(), 43);
        assert!(s.verify(id, Clp::new(5_000), at, &sig));
        assert!(!s.verify(Uuid::new_v4(), Clp::new(5_000), at, &sig));
        assert!(!s.verify(id, Clp::new(1), at, &sig));
        assert!(!s.verify(id, Clp::new(5_000), at + chrono::TimeDelta::seconds(1), &sig));
        assert!(!s.verify(id, Clp::new(5_000), at, ""));
        assert!(!s.verify(id, Clp::new(5_000), at, "no es base64 ***"));
        assert!(!s.verify(id, Clp::new(5_000), at, &sig[..40]));
        assert_eq!(format!("{s:?}"), "SimulatorSigner(****)");
    }
}
