//! The WhatsApp section: Twilio settings and the choice of transport (Twilio or the development
//! outbox).

use super::ConfigError;

/// Twilio: the account SID and auth token, a sender (`TWILIO_WHATSAPP_FROM` or
/// `TWILIO_MESSAGING_SERVICE_SID`), optional content templates per message kind
/// (`TWILIO_CONTENT_SIDS=booking_confirmed=HX…,booking_reminder=HX…`) and API base.
pub(super) fn twilio(
    get: &impl Fn(&str) -> Option<String>,
    production: bool,
    public_origin: &str,
) -> Result<Option<crate::notify::twilio::TwilioSettings>, ConfigError> {
    use crate::notify::twilio::{TwilioSender, TwilioSettings};
    let error = |variable, reason: &str| ConfigError { variable, reason: reason.into() };
    let Some(account_sid) = get("TWILIO_ACCOUNT_SID") else {
        return Ok(None);
    };
    let auth_token = get("TWILIO_AUTH_TOKEN").ok_or_else(|| error("TWILIO_AUTH_TOKEN", "required with TWILIO_ACCOUNT_SID"))?;
    let sender = match (get("TWILIO_WHATSAPP_FROM"), get("TWILIO_MESSAGING_SERVICE_SID")) {
        (_, Some(service)) => TwilioSender::MessagingService(service.trim().to_string()),
        (Some(from), None) => TwilioSender::From(from.trim().to_string()),
        (None, None) => {
            return Err(error(
                "TWILIO_WHATSAPP_FROM",
                "TWILIO_WHATSAPP_FROM or TWILIO_MESSAGING_SERVICE_SID is required with TWILIO_ACCOUNT_SID",
            ))
        }
    };
    let api_base = get("TWILIO_API_BASE")
        .unwrap_or_else(|| "https://api.twilio.com".into())
        .trim()
        .trim_end_matches('/')
        .to_string();
    if !(api_base.starts_with("https://") || (!production && api_base.starts_with("http://"))) {
        return Err(error("TWILIO_API_BASE", "must be an http(s) URL (https in production)"));
    }
    let mut content_sids = std::collections::HashMap::new();
    for pair in get("TWILIO_CONTENT_SIDS").unwrap_or_default().split(',').filter(|p| !p.trim().is_empty()) {
        let (kind, sid) = pair
            .split_once('=')
            .ok_or_else(|| error("TWILIO_CONTENT_SIDS", "expected kind=HX… pairs separated by commas"))?;
        content_sids.insert(kind.trim().to_string(), sid.trim().to_string());
    }
    Ok(Some(TwilioSettings {
        account_sid: account_sid.trim().to_string(),
        auth_token: auth_token.trim().to_string(),
        sender,
        api_base,
        content_sids,
        public_origin: public_origin.to_string(),
    }))
}

/// `NOTIFY_TRANSPORT`: `twilio` (requires the Twilio settings) or `outbox` (the development
/// outbox, even when Twilio is configured). Unset, Twilio is used when configured — except that
/// production refuses to start with only the development outbox unless it is chosen on purpose,
/// since then no resident or visitor would receive any WhatsApp message.
pub(super) fn notify_transport(
    get: &impl Fn(&str) -> Option<String>,
    production: bool,
    twilio: Option<crate::notify::twilio::TwilioSettings>,
) -> Result<Option<crate::notify::twilio::TwilioSettings>, ConfigError> {
    let error = |reason: &str| ConfigError { variable: "NOTIFY_TRANSPORT", reason: reason.into() };
    match get("NOTIFY_TRANSPORT").as_deref().map(str::trim) {
        Some("outbox") => Ok(None),
        Some("twilio") if twilio.is_none() => Err(error("twilio needs TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and a sender")),
        Some("twilio") => Ok(twilio),
        Some(_) => Err(error("expected twilio or outbox")),
        None if production && twilio.is_none() => Err(error(
            "production needs the Twilio settings, or NOTIFY_TRANSPORT=outbox to keep WhatsApp messages in the development outbox on purpose",
        )),
        None => Ok(twilio),
    }
}
