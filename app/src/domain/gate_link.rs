//! What the guest pass's QR code holds: a link to the gate screen carrying the booking's
//! confirmation code (`https://…/conserjeria?pase=ABCD2345`). A concierge's in-page scanner
//! reads the code out of it; a concierge who opens it with the phone's own camera app lands on
//! the gate screen, which verifies it exactly as if the code had been typed. Anyone else who
//! opens it gets the gate screen's refusal: the link holds nothing the pass does not show.

use super::code::ConfirmationCode;

/// The gate screen's path.
pub const GATE_PATH: &str = "/conserjeria";
/// The query parameter that carries the code.
pub const PASS_PARAM: &str = "pase";

/// The link encoded in the QR of `code`'s guest pass, on the site at `origin`.
pub fn gate_link(origin: &str, code: &ConfirmationCode) -> String {
    format!("{}{GATE_PATH}?{PASS_PARAM}={}", origin.trim_end_matches('/'), code.as_str())
}

/// What the gate should verify for a scanned or pasted text: the code of a gate link (any
/// origin: the scanner runs on the concierge's own site, and the server only ever looks the
/// code up in the concierge's building), otherwise the text as typed.
pub fn scanned_query(text: &str) -> &str {
    let text = text.trim();
    let Some((path, query)) = text.split_once('?') else { return text };
    if !path.ends_with(GATE_PATH) {
        return text;
    }
    let query = query.split('#').next().unwrap_or_default();
    query
        .split('&')
        .find_map(|pair| pair.strip_prefix(PASS_PARAM).and_then(|rest| rest.strip_prefix('=')))
        .unwrap_or(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_link_carries_the_code() {
        let code = ConfirmationCode::parse("ABCD-2345").unwrap();
        assert_eq!(gate_link("https://estacionate.cl/", &code), "https://estacionate.cl/conserjeria?pase=ABCD2345");
        assert_eq!(scanned_query("https://estacionate.cl/conserjeria?pase=ABCD2345"), "ABCD2345");
        assert_eq!(scanned_query(" http://127.0.0.1:3000/conserjeria?x=1&pase=ABCD2345#top "), "ABCD2345");
    }

    #[test]
    fn anything_else_is_verified_as_typed() {
        for text in ["KHJT-52", "abcd 2345", "https://example.com/otra?pase=ABCD2345", "https://x/conserjeria?v=1", "?pase=", ""]
        {
            assert_eq!(scanned_query(text), text.trim(), "{text}");
        }
    }

    proptest! {
        #[test]
        fn a_scanned_link_gives_back_its_code(bytes in prop::array::uniform8(0usize..31), origin in "https?://[a-z0-9.:]{1,20}") {
            let text: String = bytes.iter().map(|&i| char::from(crate::domain::code::ALPHABET[i])).collect();
            let code = ConfirmationCode::parse(&text).map_err(|e| TestCaseError::fail(e.to_string()))?;
            prop_assert_eq!(ConfirmationCode::parse(scanned_query(&gate_link(&origin, &code))), Ok(code));
        }

        #[test]
        fn scanned_query_never_panics(text in ".{0,80}") {
            let _ = scanned_query(&text);
        }
    }
}
