//! SQL and transactions of identity: sign-up ([`signup`]), log-in and log-out ([`login`]), the
//! password reset ([`reset`]) and the approval of residents ([`residents`]). Plain async
//! functions over the pool, testable without Leptos; the server functions in `api.rs` call them
//! after parsing input into domain types.

mod login;
mod reset;
mod residents;
mod signup;

pub use login::{log_in, record_logout, reserve_attempt, LoggedIn};
pub use reset::{confirm_reset, request_reset};
pub use residents::{decide_resident, pending_residents};
pub use signup::{sign_up, signup_options, NewResident};

/// Consecutive failures that lock an account.
pub const MAX_FAILED_LOGINS: i32 = 5;
/// How long a lockout lasts.
pub const LOCKOUT_MINUTES: i32 = 15;
/// How long a reset code lives.
pub const RESET_CODE_MINUTES: i32 = 10;
/// Wrong codes before a reset code dies.
pub const RESET_MAX_ATTEMPTS: i32 = 5;

/// The neutral refusal for a blocklist hit at sign-up or login.
pub const BLOCKED_MESSAGE: &str = "No es posible completar la solicitud. Contacta a la administración.";
/// Wrong email or password (never says which).
pub const INVALID_CREDENTIALS: &str = "Correo o contraseña incorrectos.";
/// Locked after too many failures.
pub const LOCKED_MESSAGE: &str = "Cuenta bloqueada temporalmente por intentos fallidos. Intenta nuevamente en 15 minutos.";
/// Signed up, not yet approved.
pub const PENDING_MESSAGE: &str = "Tu cuenta está pendiente de aprobación por la administración de tu edificio.";
/// Banned or rejected.
pub const BANNED_MESSAGE: &str = "Tu cuenta está suspendida. Contacta a la administración de tu edificio.";
/// Deactivated.
pub const INACTIVE_MESSAGE: &str = "Tu cuenta está inactiva. Contacta a la administración de tu edificio.";
/// A reset code that is wrong, used, expired or out of tries.
pub const BAD_CODE_MESSAGE: &str = "El código no es válido o expiró. Solicita uno nuevo.";
