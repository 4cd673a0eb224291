//! The server side of the two error levels. [`ServerError`] carries causes (SQL, I/O) and is
//! never serialised; converting it into an [`AppError`] logs the cause chain exactly once and
//! keeps only a Spanish, client-safe message.

use crate::error::AppError;
use leptos::prelude::*;

/// An error inside server code, with its cause.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// A client-safe error that passes through unchanged (validation, not found, conflicts).
    #[error(transparent)]
    App(#[from] AppError),
    /// The database failed in a way the caller did not map to a domain error.
    #[error("database error")]
    Database(#[from] sqlx::Error),
    /// Anything else unexpected, with its cause: the boxed error's own `source()` chain reaches
    /// the log. Build it with [`ServerError::unexpected`] (a failed operation and its error) or
    /// [`ServerError::invariant`] (data that broke a rule the code relies on).
    #[error(transparent)]
    Unexpected(Box<dyn std::error::Error + Send + Sync + 'static>),
}

/// What failed, in words for the log, and the error that made it fail. It displays as
/// `what: cause` (so a plain `%err` in a log line still names the cause) and its `source()` is
/// the cause's own source, so a cause chain never repeats a message.
#[derive(Debug)]
struct Failed {
    what: String,
    cause: Box<dyn std::error::Error + Send + Sync + 'static>,
}

impl std::fmt::Display for Failed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.what, self.cause)
    }
}

impl std::error::Error for Failed {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.cause.source()
    }
}

impl ServerError {
    /// `what` failed because of `cause`; both reach the log (`"hashing: <cause>: <its cause>…"`).
    pub fn unexpected(what: impl Into<String>, cause: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Unexpected(Box::new(Failed { what: what.into(), cause: Box::new(cause) }))
    }

    /// Stored data broke a rule the code relies on (an unknown role, an invalid time zone);
    /// there is no underlying error, only this description for the log.
    pub fn invariant(what: impl Into<String>) -> Self {
        Self::Unexpected(what.into().into())
    }
}

/// SQLSTATE 22021: PostgreSQL refuses a text value (a NUL character, in valid UTF-8).
const CHARACTER_NOT_IN_REPERTOIRE: &str = "22021";

/// Result alias for server code.
pub type ServerResult<T> = Result<T, ServerError>;

impl From<ServerError> for AppError {
    fn from(err: ServerError) -> Self {
        match err {
            ServerError::App(app) => app,
            // Text PostgreSQL cannot store (a NUL character) reached a query: the input's
            // fault, answered like any other unreadable input and not logged as a failure.
            ServerError::Database(sqlx::Error::Database(db)) if db.code().as_deref() == Some(CHARACTER_NOT_IN_REPERTOIRE) => {
                tracing::warn!("text the database cannot store in a request");
                AppError::Invalid { message: crate::error::UNREADABLE_INPUT.into(), fields: Vec::new() }
            }
            other => {
                log_cause_chain(&other);
                AppError::Internal
            }
        }
    }
}

/// Logs an error with its whole `source()` chain, once, at the boundary.
pub fn log_cause_chain(err: &(dyn std::error::Error + 'static)) {
    tracing::error!(error.chain = %cause_chain(err), "request failed");
}

/// An error and every `source()` below it, joined with `": "`.
pub fn cause_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut chain = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        chain.push_str(": ");
        chain.push_str(&cause.to_string());
        source = cause.source();
    }
    chain
}

/// The one error boundary of a server function: runs its handler (the area's
/// [`ServerResult`] code) and converts the outcome once. The error becomes its client form
/// (an unexpected cause is logged with its chain) and, when the caller is a script rather than
/// a plain HTML form, the HTTP status the error deserves is set — for every failure, a missing
/// application state included. (A plain form post must keep the 302 that sends the browser
/// back to the form with the error, so its status is left alone.)
pub async fn serve<T>(handler: impl std::future::Future<Output = ServerResult<T>>) -> Result<T, AppError> {
    handler.await.map_err(|e| {
        let err = AppError::from(e);
        set_error_status(&err);
        err
    })
}

/// Called when a server function's arguments cannot be decoded: logs a client error (the
/// function's path only, never the input) and sets the error's status for script callers.
pub fn reject_unreadable_input(err: &AppError) {
    let path = use_context::<http::request::Parts>().map(|parts| parts.uri.path().to_string());
    tracing::warn!(server_fn = path.as_deref().unwrap_or("?"), "unreadable server function input");
    set_error_status(err);
}

fn set_error_status(err: &AppError) {
    let wants_html = use_context::<http::request::Parts>()
        .and_then(|parts| {
            parts
                .headers
                .get(http::header::ACCEPT)
                .and_then(|v| v.to_str().ok())
                .map(|accept| accept.contains("text/html"))
        })
        .unwrap_or(false);
    if wants_html {
        return;
    }
    if let (Some(response), Ok(status)) =
        (use_context::<leptos_axum::ResponseOptions>(), http::StatusCode::from_u16(err.status_code()))
    {
        response.set_status(status);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("disk full")]
    struct Disk;

    #[derive(Debug, thiserror::Error)]
    #[error("write failed")]
    struct Write(#[source] Disk);

    #[test]
    fn an_unexpected_error_keeps_its_whole_cause_chain() {
        let err = ServerError::unexpected("outbox payload", Write(Disk));
        assert_eq!(cause_chain(&err), "outbox payload: write failed: disk full");
        assert!(std::error::Error::source(&err).is_some(), "the cause's own cause is kept, not flattened");
        // A log line that prints only the error itself still names the cause.
        assert_eq!(err.to_string(), "outbox payload: write failed");
        let err = ServerError::invariant(format!("time zone {}", "Marte/Olympus"));
        assert_eq!(cause_chain(&err), "time zone Marte/Olympus");
        // Through the boundary it becomes the opaque client error.
        assert_eq!(AppError::from(ServerError::unexpected("qr", Disk)), AppError::Internal);
    }
}
