//! Search terms that may be personal data (an e-mail, a RUT, a phone number) never travel in a
//! URL, where browser history, proxies and access logs keep them. The search forms of the
//! blocklist, staff, residents and audit screens post to [`SEARCH_PATH`]; it seals the term with
//! the vault, bound to the staff member who searched, and redirects (303) to the screen with
//! `buscar=<sealed>` (`actor=` on the audit screen), so the pager and the action links keep the
//! filter without ever showing it.
//! The screen's server function opens the term and sends it back for the search box. Without
//! JavaScript this is a plain form post and redirect, so it works the same.
//!
//! A term posted straight to a server function (its body, not a URL) is used as it is.

/// Where the search forms post.
pub const SEARCH_PATH: &str = "/admin/buscar";

/// The screens whose search may be personal data: the path, the field that is sealed, and the
/// other filter fields each keeps in its URL as they are.
pub const SCREENS: [(&str, &str, &[&str]); 4] = [
    ("/admin/bloqueos", "buscar", &["edificio"]),
    ("/admin/personal", "buscar", &["rol", "edificio", "estado"]),
    ("/admin/residentes/todos", "buscar", &["edificio", "estado"]),
    ("/admin/auditoria", "actor", &["accion", "entidad", "edificio", "desde", "hasta"]),
];

/// The prefix of a sealed term in a URL (also its format version).
pub const SEALED_PREFIX: &str = "s1.";

#[cfg(feature = "ssr")]
pub use server::*;

#[cfg(feature = "ssr")]
mod server {
    use super::{SCREENS, SEALED_PREFIX};
    use crate::admin::scope::READERS;
    use crate::ssr::actor::actor_of_session;
    use crate::ssr::vault::{Aad, Vault};
    use crate::ssr::AppState;
    use axum::extract::{Form, State};
    use axum::response::{IntoResponse, Redirect, Response};
    use base64::Engine as _;
    use http::StatusCode;
    use tower_sessions::Session;
    use uuid::Uuid;

    const B64: base64::engine::GeneralPurpose = base64::engine::general_purpose::URL_SAFE_NO_PAD;

    fn aad(actor: &str) -> Aad<'_> {
        Aad::new("admin_search", "buscar", actor)
    }

    /// `term` sealed for `actor`'s URLs (empty for an empty term).
    pub fn seal(vault: &Vault, actor: Uuid, term: &str) -> String {
        let term = term.trim();
        if term.is_empty() {
            return String::new();
        }
        match vault.encrypt(term, &aad(&actor.to_string())) {
            Ok(blob) => format!("{SEALED_PREFIX}{}", B64.encode(blob)),
            Err(err) => {
                tracing::error!(error = %err, "search term not sealed; searching for nothing");
                String::new()
            }
        }
    }

    /// The term a server function received: a sealed one opened (nothing, if it is not
    /// `actor`'s or cannot be read), a posted one as it is.
    pub fn open(vault: &Vault, actor: Uuid, raw: &str) -> String {
        let Some(sealed) = raw.trim().strip_prefix(SEALED_PREFIX) else {
            return raw.trim().to_string();
        };
        // Not readable (another staff member's link, an edited URL, a rotated-away key): a
        // client error, logged without the term, and the screen searches for nothing.
        B64.decode(sealed)
            .ok()
            .and_then(|blob| {
                vault
                    .decrypt(&blob, &aad(&actor.to_string()))
                    .inspect_err(|err| tracing::warn!(error = %err, "sealed search term unreadable; searching for nothing"))
                    .ok()
            })
            .unwrap_or_default()
    }

    /// `POST /admin/buscar`: seals `buscar` and redirects to the screen named by `volver` with
    /// that screen's other filter fields.
    pub async fn redirect(
        State(state): State<AppState>,
        session: Session,
        Form(fields): Form<Vec<(String, String)>>,
    ) -> Response {
        let actor = match actor_of_session(&state.pool, &session, state.settings.session_limits).await {
            Ok(Some(actor)) if READERS.contains(&actor.role) => actor,
            Ok(_) => return Redirect::to("/ingresar").into_response(),
            Err(_) => return StatusCode::SERVICE_UNAVAILABLE.into_response(),
        };
        let get = |k: &str| fields.iter().find(|(key, _)| key == k).map(|(_, v)| v.as_str()).unwrap_or_default();
        let Some((path, field, keep)) = SCREENS.iter().find(|(path, _, _)| *path == get("volver")) else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        let sealed = seal(&state.vault, actor.id, get(field));
        let mut pairs: Vec<(&str, &str)> = keep.iter().map(|k| (*k, get(k))).collect();
        pairs.push((field, &sealed));
        let query = crate::ui::admin::query_string(&pairs);
        let to = if query.is_empty() { (*path).to_string() } else { format!("{path}?{query}") };
        Redirect::to(&to).into_response()
    }
}
