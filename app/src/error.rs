//! `AppError`: the one error type server functions return. It is client-safe by construction —
//! every variant carries only Spanish text meant for the person using the app — and it crosses
//! the wire as JSON. Causes (SQL errors, I/O) never reach it: the server logs them once and
//! maps them to [`AppError::Internal`] (see `crate::ssr::error`).

use leptos::server_fn::{codec::JsonEncoding, error::FromServerFnError, error::ServerFnErrorErr};
use serde::{Deserialize, Serialize};

/// A problem with one form field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    /// The form field's `name`.
    pub field: String,
    /// What is wrong, in Spanish.
    pub message: String,
}

/// The summary above a form whose fields have problems.
pub const CHECK_FIELDS: &str = "Revisa los campos marcados.";

/// The summary above a listing's filter form whose fields have problems.
pub const FILTER_PROBLEMS: &str = "Revisa los filtros.";

/// Collects every field's problem of a form, so the form shows them all at once, and turns
/// them into one [`AppError::Invalid`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldErrors {
    fields: Vec<FieldError>,
}

impl FieldErrors {
    /// No problems yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records `message` against `field`.
    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.fields.push(FieldError { field: field.into(), message: message.into() });
    }

    /// The parsed value, or `None` with the error's text recorded against `field`.
    pub fn check<T, E: std::fmt::Display>(&mut self, field: &str, parsed: Result<T, E>) -> Option<T> {
        parsed.map_err(|e| self.push(field, e.to_string())).ok()
    }

    /// The value, or `None` with `err`'s field messages recorded (an error that names no
    /// field is recorded against `field` with its own text).
    pub fn absorb<T>(&mut self, field: &str, result: Result<T, AppError>) -> Option<T> {
        match result {
            Ok(v) => Some(v),
            Err(AppError::Invalid { fields, .. }) if !fields.is_empty() => {
                self.fields.extend(fields);
                None
            }
            Err(other) => {
                self.push(field, other.to_string());
                None
            }
        }
    }

    /// Whether nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// The problems as one error, summarised by [`CHECK_FIELDS`].
    pub fn into_error(self) -> AppError {
        self.into_error_with(CHECK_FIELDS)
    }

    /// The problems as one error with its own summary.
    pub fn into_error_with(self, message: impl Into<String>) -> AppError {
        AppError::Invalid { message: message.into(), fields: self.fields }
    }

    /// `Ok` when nothing was recorded, else [`FieldErrors::into_error`].
    pub fn into_result(self) -> Result<(), AppError> {
        if self.is_empty() {
            Ok(())
        } else {
            Err(self.into_error())
        }
    }
}

impl<F: Into<String>, M: Into<String>> FromIterator<(F, M)> for FieldErrors {
    /// From `(field, message)` pairs, such as the domain's form problems.
    fn from_iter<I: IntoIterator<Item = (F, M)>>(pairs: I) -> Self {
        let mut errors = Self::new();
        for (field, message) in pairs {
            errors.push(field, message);
        }
        errors
    }
}

/// `(field, message)` problems (the domain's form parsers return them) as the form's error.
pub fn invalid<F: Into<String>, M: Into<String>>(problems: impl IntoIterator<Item = (F, M)>) -> AppError {
    problems.into_iter().collect::<FieldErrors>().into_error()
}

/// Client-safe, serialisable error of every server function.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    /// The input was rejected; `fields` says where.
    #[error("{message}")]
    Invalid {
        /// Summary shown above the form.
        message: String,
        /// Per-field messages.
        fields: Vec<FieldError>,
    },
    /// Not logged in (or the session ended).
    #[error("Debes iniciar sesión para continuar.")]
    Unauthenticated,
    /// Logged in, but this role may not do this.
    #[error("No tienes permiso para realizar esta acción.")]
    Forbidden,
    /// Does not exist — or belongs to another building, which we never reveal.
    #[error("No encontrado.")]
    NotFound,
    /// The action lost against the current state (a spot taken a moment ago, a stale form).
    #[error("{0}")]
    Conflict(String),
    /// Too many attempts.
    #[error("Demasiados intentos. Espera un momento e inténtalo nuevamente.")]
    RateLimited,
    /// Refused for a reason we deliberately do not detail (blocklist, CSRF).
    #[error("{0}")]
    Refused(String),
    /// Something failed on our side; the cause is in the server log, never here.
    #[error("Ocurrió un error inesperado. Inténtalo nuevamente en unos minutos.")]
    Internal,
    /// The browser could not reach the server or understand its answer.
    #[error("No pudimos comunicarnos con el servidor. Revisa tu conexión e inténtalo nuevamente.")]
    Network,
}

impl AppError {
    /// An input error with a single field message (the summary repeats it).
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        let message = message.into();
        AppError::Invalid { message: message.clone(), fields: vec![FieldError { field: field.into(), message }] }
    }

    /// The message for `field`, if this error names it.
    pub fn field_message(&self, field: &str) -> Option<String> {
        match self {
            AppError::Invalid { fields, .. } => fields.iter().find(|f| f.field == field).map(|f| f.message.clone()),
            _ => None,
        }
    }

    /// The HTTP status this error deserves when answered to a script (forms get redirects).
    pub fn status_code(&self) -> u16 {
        match self {
            AppError::Invalid { .. } => 400,
            AppError::Unauthenticated => 401,
            AppError::Forbidden | AppError::Refused(_) => 403,
            AppError::NotFound => 404,
            AppError::Conflict(_) => 409,
            AppError::RateLimited => 429,
            AppError::Internal => 500,
            AppError::Network => 502,
        }
    }
}

/// The answer to a request whose arguments cannot be read (ASVS 5.0 1.2.x, 16.3.x: rejected
/// as the client's fault, never a server failure).
pub const UNREADABLE_INPUT: &str = "Los datos enviados no son válidos. Revisa el formulario.";

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        match value {
            // Malformed or missing arguments: the person sent something we cannot read.
            ServerFnErrorErr::Args(_) | ServerFnErrorErr::MissingArg(_) => unreadable_input(),
            // On the server a body that does not decode (invalid UTF-8, broken JSON) is the
            // request's fault too; in the browser it means the answer was unreadable.
            #[cfg(feature = "ssr")]
            ServerFnErrorErr::Deserialization(_) => unreadable_input(),
            ServerFnErrorErr::Request(_)
            | ServerFnErrorErr::Response(_)
            | ServerFnErrorErr::Serialization(_)
            | ServerFnErrorErr::UnsupportedRequestMethod(_) => AppError::Network,
            #[cfg(not(feature = "ssr"))]
            ServerFnErrorErr::Deserialization(_) => AppError::Network,
            ServerFnErrorErr::Registration(_) | ServerFnErrorErr::ServerError(_) | ServerFnErrorErr::MiddlewareError(_) => {
                AppError::Internal
            }
        }
    }
}

/// [`UNREADABLE_INPUT`]; on the server also answered with 400 (server_fn would send 500) and
/// logged as a client error, without the input (it may hold personal data).
fn unreadable_input() -> AppError {
    let err = AppError::Invalid { message: UNREADABLE_INPUT.into(), fields: Vec::new() };
    #[cfg(feature = "ssr")]
    crate::ssr::error::reject_unreadable_input(&err);
    err
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn framework_errors_never_leak_their_text() {
        let e = AppError::from_server_fn_error(ServerFnErrorErr::ServerError("relation \"users\" does not exist".into()));
        assert_eq!(e, AppError::Internal);
        assert!(!e.to_string().contains("relation"));
    }

    #[test]
    fn field_errors_collect_every_problem_in_order() {
        let mut errors = FieldErrors::new();
        assert!(errors.is_empty());
        assert_eq!(errors.clone().into_result(), Ok(()));
        assert_eq!(errors.check::<u32, _>("age", "x".parse::<u32>().map_err(|_| "Edad inválida.")), None);
        assert_eq!(errors.check::<u32, &str>("rooms", Ok(3)), Some(3));
        errors.push("name", "Falta el nombre.");
        assert_eq!(errors.absorb::<()>("building_id", Err(AppError::field("building_id", "Elige uno."))), None);
        assert_eq!(errors.absorb::<()>("unit", Err(AppError::NotFound)), None);
        let Err(err) = errors.into_result() else { panic!("the problems were lost") };
        assert_eq!(err.to_string(), CHECK_FIELDS);
        assert_eq!(err.field_message("age").as_deref(), Some("Edad inválida."));
        assert_eq!(err.field_message("name").as_deref(), Some("Falta el nombre."));
        assert_eq!(err.field_message("building_id").as_deref(), Some("Elige uno."));
        assert_eq!(err.field_message("unit").as_deref(), Some("No encontrado."));
        assert_eq!(err.field_message("rooms"), None);
        let AppError::Invalid { fields, .. } = err else { panic!("not an input error") };
        let order: Vec<_> = fields.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(order, ["age", "name", "building_id", "unit"]);
    }

    #[test]
    fn domain_problems_become_one_input_error() {
        let err = invalid([("nombre", "Muy largo.".to_string()), ("precio", "Inválido.".to_string())]);
        assert_eq!(err.field_message("precio").as_deref(), Some("Inválido."));
        assert_eq!(err.status_code(), 400);
        let summary = FieldErrors::new().into_error_with("Revisa los filtros.");
        assert_eq!(summary, AppError::Invalid { message: "Revisa los filtros.".into(), fields: Vec::new() });
    }

    #[test]
    fn field_helper_finds_its_field() {
        let e = AppError::field("plate", "Patente inválida.");
        assert_eq!(e.field_message("plate").as_deref(), Some("Patente inválida."));
        assert_eq!(e.field_message("name"), None);
        assert_eq!(e.status_code(), 400);
    }
}
