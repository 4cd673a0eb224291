//! One phone at a gate: its own HTTP connection and its own session cookie, logged in through
//! the real `POST /api/identity/log_in`, sending the verification exactly as the gate screen's
//! script does (`POST /api/gate/verify`, form field `q`, `Accept: application/json`, an `Origin`
//! that passes the same-origin check). The answer is `200` with the verdict's address in
//! `Location` (`/conserjeria?v=<access event id>`); the verdict page itself is not requested.
//!
//! Cookies are kept by hand (name and value of each `Set-Cookie`) rather than through reqwest's
//! cookie store, which would need another feature and crate for one cookie.

use reqwest::header::{HeaderMap, ACCEPT, COOKIE, LOCATION, ORIGIN, SET_COOKIE};
use reqwest::{redirect::Policy, Client, StatusCode};
use std::collections::BTreeMap;
use std::time::Duration;
use uuid::Uuid;

/// No verification legitimately takes this long; past it the request counts as an error.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

/// A client with a single keep-alive connection, like one device.
pub fn device() -> anyhow::Result<Client> {
    Ok(Client::builder()
        .redirect(Policy::none())
        .pool_max_idle_per_host(1)
        .timeout(REQUEST_TIMEOUT)
        .build()?)
}

/// A logged-in concierge.
pub struct Gate {
    client: Client,
    origin: String,
    cookies: BTreeMap<String, String>,
}

impl Gate {
    /// Logs `email` in at `origin` (`http://127.0.0.1:3210`).
    pub async fn log_in(origin: &str, email: &str, password: &str) -> anyhow::Result<Self> {
        let mut gate = Self { client: device()?, origin: origin.to_string(), cookies: BTreeMap::new() };
        let response = gate
            .client
            .post(format!("{origin}/api/identity/log_in"))
            .header(ORIGIN, origin)
            .header(ACCEPT, "application/json")
            .form(&[("email", email), ("password", password)])
            .send()
            .await?;
        let status = response.status();
        gate.absorb(response.headers());
        let body = response.text().await?;
        anyhow::ensure!(status == StatusCode::OK, "login of {email} answered {status}: {body}");
        anyhow::ensure!(!gate.cookies.is_empty(), "login of {email} set no session cookie");
        Ok(gate)
    }

    /// Verifies `q`; the id of the access event that records the verdict, or what went wrong.
    /// The caller times this call: request out, whole answer in.
    pub async fn verify(&mut self, q: &str) -> Result<Uuid, String> {
        let response = self
            .client
            .post(format!("{}/api/gate/verify", self.origin))
            .header(ORIGIN, &self.origin)
            .header(ACCEPT, "application/json")
            .header(COOKIE, self.cookie_header())
            .form(&[("q", q)])
            .send()
            .await
            .map_err(|e| format!("transport: {e}"))?;
        let status = response.status();
        let location = response.headers().get(LOCATION).and_then(|v| v.to_str().ok()).map(str::to_string);
        self.absorb(response.headers());
        let body = response.bytes().await.map_err(|e| format!("body: {e}"))?;
        if status != StatusCode::OK {
            return Err(format!("status {status}: {}", String::from_utf8_lossy(&body)));
        }
        location
            .as_deref()
            .and_then(|l| l.strip_prefix("/conserjeria?v="))
            .and_then(|v| Uuid::parse_str(v).ok())
            .ok_or_else(|| format!("no verdict address in Location ({location:?})"))
    }

    /// Keeps what the server set; an empty value or `Max-Age=0` removes the cookie.
    fn absorb(&mut self, headers: &HeaderMap) {
        for value in headers.get_all(SET_COOKIE) {
            let Ok(text) = value.to_str() else { continue };
            let mut parts = text.split(';');
            let Some((name, value)) = parts.next().and_then(|p| p.trim().split_once('=')) else { continue };
            let removed = value.is_empty() || parts.any(|a| a.trim().eq_ignore_ascii_case("max-age=0"));
            if removed {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_string(), value.to_string());
            }
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }
}

/// One request to the baseline endpoint, or what went wrong.
pub async fn baseline(client: &Client, url: &str) -> Result<(), String> {
    let response = client.get(url).send().await.map_err(|e| format!("transport: {e}"))?;
    let status = response.status();
    let body = response.bytes().await.map_err(|e| format!("body: {e}"))?;
    if status != StatusCode::OK || body.is_empty() {
        return Err(format!("status {status}, {} bytes", body.len()));
    }
    Ok(())
}
