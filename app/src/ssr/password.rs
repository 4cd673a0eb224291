//! Password hashing with argon2id (ASVS 5.0 11.4.2, OWASP Password Storage Cheat Sheet).
//!
//! Parameters are `m = 19 MiB, t = 2, p = 1`, the OWASP minimum for argon2id and exactly
//! `argon2` 0.5's `Params::DEFAULT` (asserted in the tests, so a crate upgrade that changes the
//! defaults is noticed). Hashes are stored as PHC strings, which carry algorithm, version,
//! parameters and salt, so old hashes keep verifying after the parameters are raised;
//! [`needs_rehash`] tells the login flow when to upgrade one.
//!
//! Hashing takes tens of milliseconds of CPU, which would stall every other request on an async
//! worker thread, so the server calls the `*_async` wrappers that run on tokio's blocking pool.

use argon2::password_hash::{self, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use rand::RngCore as _;
use zeroize::Zeroizing;

/// Salt length in bytes (128 bits, the PHC recommendation and `SaltString::generate`'s size).
const SALT_LEN: usize = 16;

/// A fixed argon2id hash (same parameters as real hashes) of a random password nobody knows,
/// verified when a login names an unknown email so that the response takes as long as for a
/// known one and does not reveal which emails have accounts (ASVS 5.0 6.3.x).
const DUMMY_HASH: &str = "$argon2id$v=19$m=19456,t=2,p=1$/BOemCvFIsHGDdXnCEv8xA$NCii0c3unfdEXOVOEEHbyugSI1tZAud55aInt+0lKfY";

/// Why hashing or verification failed. Messages never include the password or the hash.
#[derive(Debug, thiserror::Error)]
pub enum PasswordError {
    /// The stored string is not a valid PHC hash; the account's data is corrupt.
    #[error("stored password hash is malformed")]
    MalformedHash,
    /// argon2 failed to hash or verify for a reason other than a wrong password.
    #[error("password hashing failed: {0}")]
    Hash(password_hash::Error),
    /// The operating system's random number generator failed to produce a salt.
    #[error("the system random number generator failed")]
    Rng,
    /// The blocking task running the hash panicked or was cancelled.
    #[error("password hashing task failed")]
    Task,
}

/// The argon2id hasher with the pinned parameters.
///
/// Spelled out rather than `Argon2::default()` so the algorithm choice is visible here and does
/// not silently follow a future crate default.
fn hasher() -> Argon2<'static> {
    Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::DEFAULT)
}

/// Hashes `password` with argon2id and a fresh 128-bit random salt; returns a PHC string such as
/// `$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>`.
///
/// Blocking (tens of ms); from async code use [`hash_password_async`].
pub fn hash_password(password: &str) -> Result<String, PasswordError> {
    let mut salt_bytes = [0u8; SALT_LEN];
    // try_fill_bytes instead of SaltString::generate, whose RNG call panics on failure.
    OsRng.try_fill_bytes(&mut salt_bytes).map_err(|_| PasswordError::Rng)?;
    let salt = SaltString::encode_b64(&salt_bytes).map_err(PasswordError::Hash)?;
    let hash = hasher().hash_password(password.as_bytes(), &salt).map_err(PasswordError::Hash)?;
    Ok(hash.to_string())
}

/// Checks `password` against a stored PHC string.
///
/// Returns `Ok(false)` for a wrong password and `Err(MalformedHash)` when the stored string
/// cannot be parsed, so corrupt data is not mistaken for a failed login. Verification uses the
/// parameters recorded in the hash, not the current ones. Blocking; see
/// [`verify_password_async`].
pub fn verify_password(password: &str, phc: &str) -> Result<bool, PasswordError> {
    let parsed = PasswordHash::new(phc).map_err(|_| PasswordError::MalformedHash)?;
    match hasher().verify_password(password.as_bytes(), &parsed) {
        Ok(()) => Ok(true),
        Err(password_hash::Error::Password) => Ok(false),
        // Unknown algorithm, bad parameters, etc.: the stored value is not one we can check.
        Err(password_hash::Error::Algorithm | password_hash::Error::ParamValueInvalid(_)) => Err(PasswordError::MalformedHash),
        Err(e) => Err(PasswordError::Hash(e)),
    }
}

/// True when a stored hash was made with other parameters (or another algorithm) than the
/// current ones, so the login flow should re-hash the password it just verified.
pub fn needs_rehash(phc: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(phc) else {
        return true;
    };
    let current = Params::DEFAULT;
    let Ok(params) = Params::try_from(&parsed) else {
        return true;
    };
    parsed.algorithm != Algorithm::Argon2id.ident()
        || parsed.version != Some(Version::V0x13.into())
        || params.m_cost() != current.m_cost()
        || params.t_cost() != current.t_cost()
        || params.p_cost() != current.p_cost()
}

/// [`hash_password`] on tokio's blocking pool, so the executor keeps serving other requests.
///
/// Takes the password by value because the closure must be `'static`; the copy is zeroized when
/// the task ends.
pub async fn hash_password_async(password: String) -> Result<String, PasswordError> {
    let password = Zeroizing::new(password);
    tokio::task::spawn_blocking(move || hash_password(&password))
        .await
        .map_err(|_| PasswordError::Task)?
}

/// [`verify_password`] on tokio's blocking pool.
pub async fn verify_password_async(password: String, phc: String) -> Result<bool, PasswordError> {
    let password = Zeroizing::new(password);
    tokio::task::spawn_blocking(move || verify_password(&password, &phc))
        .await
        .map_err(|_| PasswordError::Task)?
}

/// Whether `code` is the 6-digit one-time code (reset or phone change) whose argon2 hash is
/// `stored` (PHC text as bytes). A code that is not six digits is refused without hashing.
pub async fn verify_one_time_code(code: &str, stored: Vec<u8>) -> crate::ssr::ServerResult<bool> {
    use crate::ssr::ServerError;
    let phc = String::from_utf8(stored).map_err(|_| ServerError::invariant("one-time code hash is not UTF-8"))?;
    let code = code.trim();
    if code.len() != 6 || !code.chars().all(|c| c.is_ascii_digit()) {
        return Ok(false);
    }
    verify_password_async(code.to_string(), phc).await.map_err(|e| ServerError::unexpected("verify", e))
}

/// Spends the same work as [`verify_password_async`] against a fixed dummy hash and always
/// answers `Ok(false)`.
///
/// Call it when the login email is unknown, so that the login takes as long as for a real
/// account and timing does not reveal which emails are registered:
/// `match user { Some(u) => verify_password_async(pw, u.hash).await?, None => dummy_verify_async(pw).await? }`.
pub async fn dummy_verify_async(password: String) -> Result<bool, PasswordError> {
    let password = Zeroizing::new(password);
    tokio::task::spawn_blocking(move || {
        // The result is irrelevant (nobody knows the dummy password); only the work matters.
        let _ = verify_password(&password, DUMMY_HASH);
        Ok(false)
    })
    .await
    .map_err(|_| PasswordError::Task)?
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, reason = "tests")]
mod tests {
    use super::*;

    const PHC_PREFIX: &str = "$argon2id$v=19$m=19456,t=2,p=1$";

    #[test]
    fn default_params_are_the_owasp_minimum() {
        let p = Params::DEFAULT;
        assert_eq!((p.m_cost(), p.t_cost(), p.p_cost()), (19 * 1024, 2, 1));
    }

    #[test]
    fn hash_then_verify() {
        let phc = hash_password("correct horse battery staple").unwrap();
        assert!(phc.starts_with(PHC_PREFIX), "{phc}");
        assert!(verify_password("correct horse battery staple", &phc).unwrap());
        assert!(!verify_password("correct horse battery stapl", &phc).unwrap());
        assert!(!verify_password("", &phc).unwrap());
        assert!(!needs_rehash(&phc));
    }

    #[test]
    fn two_hashes_of_one_password_differ() {
        let a = hash_password("contraseña").unwrap();
        let b = hash_password("contraseña").unwrap();
        assert_ne!(a, b);
        assert!(verify_password("contraseña", &a).unwrap() && verify_password("contraseña", &b).unwrap());
    }

    #[test]
    fn malformed_hash_is_an_error() {
        for bad in ["", "not a hash", "$argon2id$v=19$m=19456,t=2,p=1$", "$argon2id$v=19$m=x,t=2,p=1$c2FsdHNhbHQ$aGFzaA"] {
            assert!(matches!(verify_password("pw", bad), Err(PasswordError::MalformedHash)), "{bad}");
            assert!(needs_rehash(bad));
        }
    }

    #[test]
    fn dummy_hash_is_valid_and_uses_current_params() {
        assert!(DUMMY_HASH.starts_with(PHC_PREFIX));
        assert!(!needs_rehash(DUMMY_HASH));
        assert!(!verify_password("estacionate", DUMMY_HASH).unwrap());
    }

    #[test]
    fn weaker_params_need_rehash() {
        let weak = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8, 1, 1, None).unwrap());
        let salt = SaltString::encode_b64(&[7; SALT_LEN]).unwrap();
        let phc = weak.hash_password(b"pw", &salt).unwrap().to_string();
        assert!(needs_rehash(&phc));
        // Old hashes still verify with their own parameters.
        assert!(verify_password("pw", &phc).unwrap());
    }

    #[tokio::test]
    async fn async_wrappers() {
        let phc = hash_password_async("secreto123".to_owned()).await.unwrap();
        assert!(phc.starts_with(PHC_PREFIX));
        assert!(verify_password_async("secreto123".to_owned(), phc.clone()).await.unwrap());
        assert!(!verify_password_async("otro".to_owned(), phc).await.unwrap());
        assert!(!dummy_verify_async("secreto123".to_owned()).await.unwrap());
        assert!(matches!(verify_password_async("x".to_owned(), "garbage".to_owned()).await, Err(PasswordError::MalformedHash)));
    }
}
