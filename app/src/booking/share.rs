//! "Compartir" for a guest pass (on the pass itself and on the payment confirmation). With
//! JavaScript, `/share.js` (a file the shell loads on every page: the CSP allows no inline
//! script; it only acts on `[data-share-url]` elements) opens the Web Share sheet
//! (`navigator.share`: WhatsApp and the rest on phones) or, where there is none, copies the
//! link (`navigator.clipboard`) and says so. Without JavaScript the button is a plain WhatsApp
//! link and the link is visible, ready to copy.

use leptos::prelude::*;

/// Percent-encodes `text` for a URL query value (RFC 3986 unreserved characters stay).
pub fn query_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len() * 3);
    for b in text.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => out.push(char::from(b)),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The message that goes with the link.
pub fn share_text(building: &str) -> String {
    format!("Tu pase de visita para {building}: muéstralo en conserjería al llegar.")
}

/// WhatsApp's "send this text" link (the no-JavaScript way to share).
pub fn whatsapp_link(text: &str, url: &str) -> String {
    format!("https://wa.me/?text={}", query_encode(&format!("{text} {url}")))
}

/// The share block for the pass at `url` (absolute).
#[component]
pub fn SharePass(
    /// The pass's absolute link.
    url: String,
    /// The building, for the message.
    building: String,
) -> impl IntoView {
    let text = share_text(&building);
    let whatsapp = whatsapp_link(&text, &url);
    view! {
        <div class="share" data-share-root="">
            <label for="share-url" class="share__label">"Enlace del pase para tu visita"</label>
            <input id="share-url" class="copy-field" type="text" readonly=true value=url.clone() data-share-field="" data-testid="share-url"/>
            <p class="share__actions">
                <a class="button" href=whatsapp target="_blank" rel="noopener noreferrer"
                    data-share-url=url data-share-title="Pase de visita" data-share-text=text data-testid="share">
                    "Compartir"
                </a>
            </p>
            <p class="share__status" role="status" aria-live="polite" data-share-status="" data-testid="share-status"></p>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_whatsapp_link_carries_the_message_and_the_pass_encoded() {
        let link = whatsapp_link("Tu pase: ñ", "https://x.cl/pase/a-b_c?d=1&e");
        assert_eq!(link, "https://wa.me/?text=Tu%20pase%3A%20%C3%B1%20https%3A%2F%2Fx.cl%2Fpase%2Fa-b_c%3Fd%3D1%26e");
        assert_eq!(query_encode("AZaz09-_.~"), "AZaz09-_.~");
    }
}
