//! Security headers with a fresh CSP nonce per response. The nonce is minted here, put in the
//! request's extensions for Leptos (see [`provide_request_nonce`]) so every inline script it
//! renders carries the same value the header allows, and the header is chosen by the
//! response's content type: HTML pages get the strict page policy, everything else a policy that
//! allows nothing.

use axum::{extract::Request, middleware::Next, response::Response};
use base64::Engine;
use http::{header, HeaderName, HeaderValue};
use leptos::prelude::*;
use rand::RngCore;

use super::csp_report::{CSP_REPORT_PATH, REPORT_TO_GROUP};

/// The per-response nonce, readable by Leptos through the request's `Parts`.
#[derive(Debug, Clone)]
pub struct CspNonce(pub String);

impl CspNonce {
    /// 128 bits from the operating system's CSPRNG, base64-encoded.
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        Self(base64::engine::general_purpose::STANDARD.encode(bytes))
    }
}

/// The policy for HTML pages. `'self'` in script-src lets the nonced bootstrap module import
/// `/pkg/*.js` (and lets the modulepreload hint load), `'wasm-unsafe-eval'` allows compiling the
/// hydration module and nothing else; no inline script runs without the nonce and no inline
/// style runs at all. Violations are reported to [`CSP_REPORT_PATH`] (`report-uri` for every
/// browser, `report-to` for those with the Reporting API).
pub fn page_policy(nonce: &str, extra_connect: Option<&str>) -> String {
    let connect = match extra_connect {
        Some(extra) => format!("'self' {extra}"),
        None => "'self'".to_string(),
    };
    format!(
        "default-src 'none'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
         style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src {connect}; \
         manifest-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; \
         object-src 'none'; report-uri {CSP_REPORT_PATH}; report-to {REPORT_TO_GROUP}"
    )
}

/// The policy for anything that is not an HTML page (JSON, CSS, wasm, images, text).
pub const NON_HTML_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// Permissions we never need: deny them all so an injected frame or script cannot ask.
const PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(), display-capture=(), \
    encrypted-media=(), fullscreen=(self), geolocation=(), gyroscope=(), magnetometer=(), \
    microphone=(), midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), \
    screen-wake-lock=(), sync-xhr=(), usb=(), xr-spatial-tracking=()";

/// The gate screen's policy: the same, except that its own pages may use the camera (the
/// concierge scans the guest pass's QR code there).
const GATE_PERMISSIONS_POLICY: &str = "accelerometer=(), autoplay=(), camera=(self), display-capture=(), \
    encrypted-media=(), fullscreen=(self), geolocation=(), gyroscope=(), magnetometer=(), \
    microphone=(), midi=(), payment=(), picture-in-picture=(), publickey-credentials-get=(), \
    screen-wake-lock=(), sync-xhr=(), usb=(), xr-spatial-tracking=()";

/// Where the camera is allowed: the gate screen only.
const CAMERA_PATH: &str = "/conserjeria";

/// Where the live-reload websocket lives in `cargo leptos watch` (development only).
#[derive(Debug, Clone, Default)]
pub struct DevReload(pub Option<String>);

/// Middleware: mint the nonce, run the request, then set every security header.
pub async fn security_headers(
    axum::extract::State(dev_reload): axum::extract::State<DevReload>,
    mut req: Request,
    next: Next,
) -> Response {
    let nonce = CspNonce::generate();
    req.extensions_mut().insert(nonce.clone());
    let camera = req.uri().path() == CAMERA_PATH;
    let mut res = next.run(req).await;

    let is_html = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/html"));
    let policy = if is_html { page_policy(&nonce.0, dev_reload.0.as_deref()) } else { NON_HTML_POLICY.to_string() };

    let static_asset = res.headers().contains_key(header::LAST_MODIFIED);
    let headers = res.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    if is_html {
        if let Ok(value) = HeaderValue::from_str(&format!("{REPORT_TO_GROUP}=\"{CSP_REPORT_PATH}\"")) {
            headers.insert(HeaderName::from_static("reporting-endpoints"), value);
        }
    }
    headers.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=63072000; includeSubDomains; preload"));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static(if camera { GATE_PERMISSIONS_POLICY } else { PERMISSIONS_POLICY }),
    );
    headers.insert(HeaderName::from_static("cross-origin-opener-policy"), HeaderValue::from_static("same-origin"));
    headers.insert(HeaderName::from_static("cross-origin-resource-policy"), HeaderValue::from_static("same-origin"));
    // Pages and server-function answers may hold private data: never keep them in a cache, so
    // the back button after logout shows nothing private. Static assets keep their caching.
    if is_html || !(static_asset || headers.contains_key(header::CACHE_CONTROL)) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// Leptos context hook: renders use the nonce this request's header will carry. Called for
/// every page render, server function and the 404 fallback.
pub fn provide_request_nonce() {
    if let Some(parts) = use_context::<http::request::Parts>() {
        if let Some(nonce) = parts.extensions.get::<CspNonce>() {
            provide_context(leptos::nonce::Nonce::from_value(nonce.0.clone()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nonces_are_long_and_distinct() {
        let a = CspNonce::generate();
        let b = CspNonce::generate();
        assert_ne!(a.0, b.0);
        assert_eq!(a.0.len(), 24);
    }

    #[test]
    fn only_the_gate_policy_allows_the_camera_and_only_from_our_origin() {
        assert!(PERMISSIONS_POLICY.contains("camera=()"));
        assert_eq!(GATE_PERMISSIONS_POLICY.replace("camera=(self)", "camera=()"), PERMISSIONS_POLICY);
    }

    #[test]
    fn page_policy_is_strict() {
        let p = page_policy("abc", None);
        assert!(p.starts_with("default-src 'none';"));
        assert!(p.contains("script-src 'self' 'nonce-abc' 'wasm-unsafe-eval'"));
        for forbidden in ["'unsafe-inline'", "'unsafe-eval'", " * ", "https:"] {
            assert!(!p.contains(forbidden), "{forbidden} in {p}");
        }
        for required in [
            "frame-ancestors 'none'",
            "base-uri 'none'",
            "object-src 'none'",
            "form-action 'self'",
            "style-src 'self'",
            "report-uri /csp-report",
            "report-to csp",
        ] {
            assert!(p.contains(required), "{required} missing");
        }
    }
}
