//! The page a visitor was on when sent to log in, to send them back there afterwards. The value
//! travels in the login URL (`/ingresar?volver=/buscar`) and the login form, so it is attacker
//! controlled: only a same-site relative path passes, anything else falls back to the role's
//! home (no open redirect).

/// The longest return path kept; longer ones fall back to the home page.
pub const MAX_LEN: usize = 512;

/// The query parameter (and form field) that carries the return path.
pub const PARAM: &str = "volver";

/// A same-site relative path: starts with a single `/`, printable ASCII only (no spaces, no
/// control characters, no backslash), and no encoded slash or backslash that a lenient server
/// or browser could turn into `//` or `/\`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReturnPath(String);

impl ReturnPath {
    /// The path if it is a safe, same-site one; `None` otherwise (the caller uses the home page).
    pub fn parse(raw: &str) -> Option<Self> {
        let bytes = raw.as_bytes();
        let safe = bytes.len() <= MAX_LEN
            && bytes.first() == Some(&b'/')
            // `//host` and `/\host` are network-path references in browsers.
            && !matches!(bytes.get(1), Some(b'/' | b'\\'))
            && bytes.iter().all(|b| b.is_ascii_graphic() && *b != b'\\')
            && !has_encoded_separator(raw)
            // Sending someone back to the login page would only loop.
            && !is_login_page(raw);
        safe.then(|| Self(raw.to_string()))
    }

    /// The path, for a `Location` header or a link.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The login page's URL that brings the visitor back here afterwards.
    pub fn login_url(&self) -> String {
        format!("/ingresar?{PARAM}={}", query_encode(&self.0))
    }
}

/// `%2F`, `%5C` (any case), or an encoded `%` that could decode into one of them later.
fn has_encoded_separator(raw: &str) -> bool {
    let lower = raw.to_ascii_lowercase();
    lower.contains("%2f") || lower.contains("%5c") || lower.contains("%25")
}

fn is_login_page(raw: &str) -> bool {
    let path = raw.split(['?', '#']).next().unwrap_or_default();
    path.trim_end_matches('/') == "/ingresar"
}

/// Percent-encodes everything but unreserved characters and `/`, for a query value.
fn query_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~' | b'/') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// What a browser would do with `Location: path`: it stays on our origin when the path is
    /// not a scheme-relative or absolute URL after the browser's own cleanup (it drops tabs and
    /// newlines and reads `\` as `/`).
    fn stays_on_site(path: &str) -> bool {
        let cleaned: String = path
            .chars()
            .filter(|c| !matches!(c, '\t' | '\n' | '\r'))
            .map(|c| if c == '\\' { '/' } else { c })
            .collect();
        cleaned.starts_with('/') && !cleaned.starts_with("//")
    }

    fn decode_once(s: &str) -> String {
        let bytes = s.as_bytes();
        let mut out = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == b'%' && i + 2 < bytes.len() {
                let hex = std::str::from_utf8(&bytes[i + 1..i + 3]).ok();
                if let Some(b) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                    out.push(b);
                    i += 3;
                    continue;
                }
            }
            out.push(bytes[i]);
            i += 1;
        }
        String::from_utf8_lossy(&out).into_owned()
    }

    #[test]
    fn ordinary_pages_pass() {
        for ok in ["/buscar", "/mis-reservas", "/buscar?fecha=2026-12-08&tipo=auto", "/reservas/abc#pase", "/"] {
            assert_eq!(ReturnPath::parse(ok).map(|p| p.as_str().to_string()), Some(ok.to_string()), "{ok}");
        }
    }

    #[test]
    fn hostile_values_fall_back() {
        for bad in [
            "",
            "buscar",
            "//evil.example",
            "//evil.example/buscar",
            "/\\evil.example",
            "\\\\evil.example",
            "https://evil.example",
            "http:/evil.example",
            "javascript:alert(1)",
            "/%2F%2Fevil.example",
            "/%2fevil.example",
            "/%5Cevil.example",
            "/%252F%252Fevil.example",
            "/\tevil",
            "/\n/evil.example",
            "/buscar\r\nSet-Cookie: x=1",
            "/ buscar",
            "/búsqueda",
            "/ingresar",
            "/ingresar?volver=/buscar",
            " /buscar",
        ] {
            assert_eq!(ReturnPath::parse(bad), None, "{bad:?}");
        }
        assert_eq!(ReturnPath::parse(&format!("/{}", "a".repeat(MAX_LEN))), None);
    }

    #[test]
    fn the_login_url_carries_the_path_encoded() {
        let p = ReturnPath::parse("/buscar?fecha=2026-12-08&tipo=auto").unwrap_or_else(|| unreachable!());
        assert_eq!(p.login_url(), "/ingresar?volver=/buscar%3Ffecha%3D2026-12-08%26tipo%3Dauto");
        assert_eq!(decode_once(p.login_url().trim_start_matches("/ingresar?volver=")), p.as_str());
    }

    proptest! {
        /// No input, however built, yields a path that leaves the site, even decoded once or
        /// twice more by a lenient hop.
        #[test]
        fn no_open_redirect(raw in "\\PC{0,40}|[/\\\\%2fFcC5:a-z.\t\n ]{0,20}") {
            if let Some(p) = ReturnPath::parse(&raw) {
                prop_assert!(stays_on_site(p.as_str()), "{raw:?}");
                let once = decode_once(p.as_str());
                prop_assert!(stays_on_site(&once), "{raw:?} -> {once:?}");
                prop_assert!(stays_on_site(&decode_once(&once)), "{raw:?}");
            }
        }

        /// Whatever passes survives the trip through the login URL unchanged.
        #[test]
        fn round_trips_through_the_login_url(raw in "/[a-z0-9/?=&#-]{0,40}") {
            if let Some(p) = ReturnPath::parse(&raw) {
                prop_assert_eq!(decode_once(p.login_url().trim_start_matches("/ingresar?volver=")), raw);
            }
        }
    }
}
