//! Server-only infrastructure shared by every area's server functions: the application state,
//! the error boundary between server causes and client-safe [`crate::error::AppError`]s, the
//! PII vault (AES-256-GCM), keyed blind indexes (HMAC-SHA256), passwords (argon2id) and their
//! keys.

pub mod actor;
pub mod audit;
pub mod blind_index;
pub mod blocklist;
pub mod client_ip;
pub mod db;
pub mod error;
pub mod keys;
pub mod outbox;
pub mod password;
pub mod pii;
pub mod rate_limit;
pub mod sql_types;
pub mod state;
#[cfg(test)]
pub mod test_support;
pub mod vault;

pub use error::{ServerError, ServerResult};
pub use state::{app_state, AppState, Settings};
