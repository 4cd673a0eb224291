//! MercadoPago webhook signatures.
//!
//! MercadoPago sends `x-signature: ts=<unix time>,v1=<hex HMAC-SHA256>` (comma separated) and
//! `x-request-id`, and signs the manifest `id:{data.id};request-id:{x-request-id};ts:{ts};`
//! with the webhook secret, where `data.id` is the one in the notification URL's query string
//! (lower-cased), not the body's. The old system split the header on `;`, signed the body's id,
//! compared with `===` and accepted any age; this checks the real format, in constant time,
//! within five minutes of our clock.

use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, Mac as _};
use sha2::Sha256;
use subtle::ConstantTimeEq as _;

/// How far a notification's timestamp may be from our clock, either way.
pub const TOLERANCE: TimeDelta = TimeDelta::minutes(5);

/// Why a notification's signature was refused (logged; the answer is always a bare 401).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    /// `x-signature` or `x-request-id` is absent.
    #[error("signature headers missing")]
    Missing,
    /// `x-signature` is not `ts=…,v1=…` with a numeric ts and a 64-digit hex v1.
    #[error("signature header malformed")]
    Malformed,
    /// The timestamp is outside the tolerance.
    #[error("signature timestamp outside tolerance")]
    Stale,
    /// The HMAC does not match.
    #[error("signature mismatch")]
    Mismatch,
}

/// The signed manifest.
fn manifest(data_id: &str, request_id: &str, ts: &str) -> String {
    format!("id:{};request-id:{request_id};ts:{ts};", data_id.to_ascii_lowercase())
}

#[expect(
    clippy::expect_used,
    reason = "HMAC takes a key of any length (RFC 2104 hashes a long one), so keying cannot fail; a zero MAC fallback would be forgeable"
)]
fn hmac(secret: &[u8], message: &str) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC accepts any key length");
    mac.update(message.as_bytes());
    mac.finalize().into_bytes().into()
}

/// The `x-signature` value MercadoPago would send (tests and local tools use it).
pub fn sign(secret: &[u8], data_id: &str, request_id: &str, ts: i64) -> String {
    let ts = ts.to_string();
    format!("ts={ts},v1={}", hex::encode(hmac(secret, &manifest(data_id, request_id, &ts))))
}

/// Verifies a notification's signature against `secret` at `now`.
pub fn verify(
    x_signature: Option<&str>,
    x_request_id: Option<&str>,
    data_id: &str,
    secret: &[u8],
    now: DateTime<Utc>,
) -> Result<(), SignatureError> {
    let (Some(header), Some(request_id)) = (x_signature, x_request_id) else {
        return Err(SignatureError::Missing);
    };
    let mut ts = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("ts", value)) => ts = Some(value.trim()),
            Some(("v1", value)) => v1 = Some(value.trim()),
            _ => {}
        }
    }
    let (Some(ts), Some(v1)) = (ts, v1) else {
        return Err(SignatureError::Malformed);
    };
    let given = hex::decode(v1).map_err(|_| SignatureError::Malformed)?;
    let seconds: i64 = ts.parse().map_err(|_| SignatureError::Malformed)?;
    // Some notifications carry milliseconds; both are accepted, the signed text is `ts` as sent.
    let seconds = if seconds > 100_000_000_000 { seconds / 1000 } else { seconds };
    let sent = DateTime::<Utc>::from_timestamp(seconds, 0).ok_or(SignatureError::Malformed)?;
    if (now - sent).abs() > TOLERANCE {
        return Err(SignatureError::Stale);
    }
    let expected = hmac(secret, &manifest(data_id, request_id.trim(), ts));
    if given.len() == expected.len() && bool::from(given.ct_eq(&expected)) {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"secreto-de-prueba";

    fn now() -> DateTime<Utc> {
        DateTime::<Utc>::from_timestamp(1_900_000_000, 0).unwrap()
    }

    #[test]
    fn matches_an_independently_computed_manifest() {
        // The manifest format of MercadoPago's documentation, written out by hand.
        let mut mac = Hmac::<Sha256>::new_from_slice(SECRET).unwrap();
        mac.update(b"id:123456;request-id:req-1;ts:1900000000;");
        let expected = hex::encode(mac.finalize().into_bytes());
        assert_eq!(sign(SECRET, "123456", "req-1", 1_900_000_000), format!("ts=1900000000,v1={expected}"));
        let header = sign(SECRET, "123456", "req-1", 1_900_000_000);
        assert_eq!(verify(Some(&header), Some("req-1"), "123456", SECRET, now()), Ok(()));
        // Spaces after the comma, and alphanumeric ids signed lower-case, are accepted.
        let spaced = header.replace(',', ", ");
        assert_eq!(verify(Some(&spaced), Some("req-1"), "123456", SECRET, now()), Ok(()));
        let upper = sign(SECRET, "ABC", "req-1", 1_900_000_000);
        assert_eq!(verify(Some(&upper), Some("req-1"), "abc", SECRET, now()), Ok(()));
    }

    #[test]
    fn anything_else_is_refused() {
        let header = sign(SECRET, "123456", "req-1", 1_900_000_000);
        let check = |h: Option<&str>, r: Option<&str>, id: &str, secret: &[u8], at: DateTime<Utc>| verify(h, r, id, secret, at);
        assert_eq!(check(None, Some("req-1"), "123456", SECRET, now()), Err(SignatureError::Missing));
        assert_eq!(check(Some(&header), None, "123456", SECRET, now()), Err(SignatureError::Missing));
        assert_eq!(check(Some(&header), Some("req-2"), "123456", SECRET, now()), Err(SignatureError::Mismatch));
        assert_eq!(check(Some(&header), Some("req-1"), "123457", SECRET, now()), Err(SignatureError::Mismatch));
        assert_eq!(check(Some(&header), Some("req-1"), "123456", b"otro", now()), Err(SignatureError::Mismatch));
        // The old system's `;`-separated format is not ours.
        let semicolon = header.replace(',', ";");
        assert_eq!(check(Some(&semicolon), Some("req-1"), "123456", SECRET, now()), Err(SignatureError::Malformed));
        assert_eq!(check(Some("ts=abc,v1=00"), Some("req-1"), "123456", SECRET, now()), Err(SignatureError::Malformed));
        assert_eq!(check(Some("ts=1900000000,v1=zz"), Some("req-1"), "123456", SECRET, now()), Err(SignatureError::Malformed));
        // Five minutes either way, not a second more.
        let later = now() + TOLERANCE;
        assert_eq!(check(Some(&header), Some("req-1"), "123456", SECRET, later), Ok(()));
        let stale = later + TimeDelta::seconds(1);
        assert_eq!(check(Some(&header), Some("req-1"), "123456", SECRET, stale), Err(SignatureError::Stale));
        let early = now() - TOLERANCE - TimeDelta::seconds(1);
        assert_eq!(check(Some(&header), Some("req-1"), "123456", SECRET, early), Err(SignatureError::Stale));
        // Millisecond timestamps.
        let ms = sign(SECRET, "123456", "req-1", 1_900_000_000_123);
        assert_eq!(check(Some(&ms), Some("req-1"), "123456", SECRET, now()), Ok(()));
    }
}
