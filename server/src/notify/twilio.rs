//! Twilio's Messages API for WhatsApp: the request we send, and the signature Twilio puts on the
//! status callbacks it sends us.

use super::sender::{Outgoing, SendError, Sent, Transport};
use async_trait::async_trait;
use base64::Engine;
use hmac::{Hmac, Mac};
use std::collections::HashMap;
use std::time::Duration;

/// Who we are at Twilio and what we send from.
#[derive(Clone)]
pub struct TwilioSettings {
    /// `AC…`.
    pub account_sid: String,
    /// The auth token (basic-auth password and status-callback signing key).
    pub auth_token: String,
    /// Where messages come from.
    pub sender: TwilioSender,
    /// `https://api.twilio.com` (a local fake in tests).
    pub api_base: String,
    /// Content template per message kind (`booking_confirmed` → `HX…`); kinds without one are
    /// sent as free-form `Body`.
    pub content_sids: HashMap<String, String>,
    /// The public origin Twilio calls back (`https://estacionate.cl`).
    pub public_origin: String,
}

impl std::fmt::Debug for TwilioSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TwilioSettings")
            .field("account_sid", &self.account_sid)
            .field("auth_token", &"[redacted]")
            .field("sender", &self.sender)
            .field("api_base", &self.api_base)
            .finish_non_exhaustive()
    }
}

/// A WhatsApp sender number or a messaging service.
#[derive(Debug, Clone)]
pub enum TwilioSender {
    /// `From=whatsapp:+…`.
    From(String),
    /// `MessagingServiceSid=MG…`.
    MessagingService(String),
}

/// The path of the status callback (under `/webhooks/`, so exempt from the same-origin check:
/// Twilio is not our origin; the signature is the check).
pub const STATUS_CALLBACK_PATH: &str = "/webhooks/twilio/estado";

/// Sends WhatsApp messages through Twilio.
pub struct TwilioTransport {
    settings: TwilioSettings,
    http: reqwest::Client,
}

impl TwilioTransport {
    /// A transport with a 10-second timeout per request.
    pub fn new(settings: TwilioSettings) -> Result<Self, reqwest::Error> {
        Self::with_client(settings, reqwest::Client::builder())
    }

    /// A transport built on `builder` (which may trust extra authorities: `OUTBOUND_CA_FILE`).
    pub fn with_client(settings: TwilioSettings, builder: reqwest::ClientBuilder) -> Result<Self, reqwest::Error> {
        let http = builder.timeout(Duration::from_secs(10)).build()?;
        Ok(Self { settings, http })
    }

    /// The form fields of a message, in the order Twilio documents them.
    pub fn form(&self, msg: &Outgoing) -> Vec<(&'static str, String)> {
        let s = &self.settings;
        let mut form = vec![("To", format!("whatsapp:{}", msg.to_e164))];
        match &s.sender {
            TwilioSender::From(from) => form.push(("From", whatsapp_address(from))),
            TwilioSender::MessagingService(sid) => form.push(("MessagingServiceSid", sid.clone())),
        }
        match (s.content_sids.get(&msg.kind), &msg.variables) {
            (Some(content_sid), Some(vars)) => {
                form.push(("ContentSid", content_sid.clone()));
                form.push(("ContentVariables", vars.to_string()));
            }
            _ => form.push(("Body", msg.body.clone())),
        }
        form.push(("StatusCallback", format!("{}{STATUS_CALLBACK_PATH}?n={}", s.public_origin, msg.notification_id)));
        form
    }
}

fn whatsapp_address(from: &str) -> String {
    if from.starts_with("whatsapp:") {
        from.to_string()
    } else {
        format!("whatsapp:{from}")
    }
}

#[derive(serde::Deserialize)]
struct Created {
    sid: String,
    status: Option<String>,
}

#[derive(serde::Deserialize)]
struct Problem {
    code: Option<i64>,
    message: Option<String>,
}

#[async_trait]
impl Transport for TwilioTransport {
    fn name(&self) -> &'static str {
        "twilio"
    }

    async fn send(&self, msg: &Outgoing) -> Result<Sent, SendError> {
        let s = &self.settings;
        let url = format!("{}/2010-04-01/Accounts/{}/Messages.json", s.api_base, s.account_sid);
        let response = self
            .http
            .post(url)
            .basic_auth(&s.account_sid, Some(&s.auth_token))
            .form(&self.form(msg))
            .send()
            .await
            .map_err(|e| SendError::Retryable(format!("twilio unreachable: {}", without_url(&e))))?;
        let status = response.status();
        if status.is_success() {
            let created: Created = response
                .json()
                .await
                .map_err(|e| SendError::Retryable(format!("twilio answer unreadable: {}", without_url(&e))))?;
            return Ok(Sent { provider_sid: Some(created.sid), provider_status: created.status });
        }
        let problem: Option<Problem> = response.json().await.ok();
        let detail = problem
            // Twilio's message may quote the recipient's number: it is stored and logged.
            .map(|p| {
                let message = app::domain::phone::mask_phone_numbers(&p.message.unwrap_or_default());
                format!("{} {message}", p.code.map(|c| c.to_string()).unwrap_or_default())
            })
            .unwrap_or_default();
        let error = format!("twilio {}: {}", status.as_u16(), detail.trim());
        if status.is_server_error() || status.as_u16() == 429 {
            Err(SendError::Retryable(error))
        } else {
            Err(SendError::Permanent(error))
        }
    }
}

/// reqwest errors print the URL, which holds the account SID; keep logs to the cause.
fn without_url(e: &reqwest::Error) -> String {
    if e.is_timeout() {
        "timeout".into()
    } else if e.is_connect() {
        "connection failed".into()
    } else if e.is_decode() {
        "malformed body".into()
    } else {
        "request failed".into()
    }
}

/// Twilio's request signature: base64(HMAC-SHA1(auth token, full URL + every POST parameter's
/// name and value, sorted by name)).
#[expect(clippy::expect_used, reason = "HMAC takes a key of any length (RFC 2104 hashes a long one), so keying cannot fail")]
pub fn signature(auth_token: &str, url: &str, params: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = params.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.cmp(&b.1)));
    let mut data = String::from(url);
    for (k, v) in sorted {
        data.push_str(k);
        data.push_str(v);
    }
    let mut mac = Hmac::<sha1::Sha1>::new_from_slice(auth_token.as_bytes()).expect("HMAC accepts any key length");
    mac.update(data.as_bytes());
    base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes())
}

/// Whether `given` is the signature of this request, compared in constant time.
pub fn signature_matches(auth_token: &str, url: &str, params: &[(String, String)], given: &str) -> bool {
    use subtle::ConstantTimeEq;
    let want = signature(auth_token, url, params);
    !want.is_empty() && want.as_bytes().ct_eq(given.trim().as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signature_matches_twilios_documented_example() {
        // The example of Twilio's "Webhooks security" page.
        let params: Vec<(String, String)> = [
            ("CallSid", "CA1234567890ABCDE"),
            ("Caller", "+12349013030"),
            ("Digits", "1234"),
            ("From", "+12349013030"),
            ("To", "+18005551212"),
        ]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
        assert_eq!(signature("12345", url, &params), "0/KCTR6DLpKmkAf8muzZqo1nDgQ=");
        assert!(signature_matches("12345", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
        assert!(!signature_matches("12345", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgR="));
        assert!(!signature_matches("other", url, &params, "0/KCTR6DLpKmkAf8muzZqo1nDgQ="));
    }

    fn transport(sender: TwilioSender, content: &[(&str, &str)]) -> TwilioTransport {
        TwilioTransport::new(TwilioSettings {
            account_sid: "AC123".into(),
            auth_token: "secret".into(),
            sender,
            api_base: "http://127.0.0.1:9".into(),
            content_sids: content.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            public_origin: "https://estacionate.cl".into(),
        })
        .unwrap()
    }

    fn outgoing() -> Outgoing {
        Outgoing {
            notification_id: uuid::Uuid::from_u128(5),
            to_e164: "+56912345678".into(),
            kind: "booking_confirmed".into(),
            body: "Hola".into(),
            variables: Some(serde_json::json!({ "1": "Ana" })),
        }
    }

    #[test]
    fn form_uses_a_content_template_when_one_is_configured_else_a_body() {
        let body = transport(TwilioSender::From("+14155238886".into()), &[]).form(&outgoing());
        let keys: Vec<&str> = body.iter().map(|(k, _)| *k).collect();
        assert_eq!(keys, ["To", "From", "Body", "StatusCallback"]);
        assert_eq!(body[0].1, "whatsapp:+56912345678");
        assert_eq!(body[1].1, "whatsapp:+14155238886");
        assert_eq!(body[3].1, "https://estacionate.cl/webhooks/twilio/estado?n=00000000-0000-0000-0000-000000000005");
        let content = transport(TwilioSender::MessagingService("MG9".into()), &[("booking_confirmed", "HX1")]).form(&outgoing());
        assert!(content.contains(&("MessagingServiceSid", "MG9".to_string())));
        assert!(content.contains(&("ContentSid", "HX1".to_string())));
        assert!(content.contains(&("ContentVariables", r#"{"1":"Ana"}"#.to_string())));
        assert!(!content.iter().any(|(k, _)| *k == "Body"));
    }
}
