//! iCalendar files (RFC 5545) for bookings: one event to download, or a resident's whole feed.
//!
//! Times are written in UTC (`DTSTART:20261207T230000Z`, RFC 5545 §3.3.5 form #2), which names
//! the instant exactly whatever the building's zone does: a Chilean block that crosses the
//! night the clocks change keeps its real length, and no VTIMEZONE has to describe the rules.
//! Every calendar program shows it in the reader's own zone (the building's, for residents).
//!
//! Text values are escaped (`\\`, `\;`, `\,`, `\n`; other control characters dropped,
//! §3.3.11), every content line ends with CRLF and is folded at 75 octets without splitting a
//! UTF-8 character (§3.1).

use chrono::{DateTime, Utc};

/// The `PRODID` of every file.
pub const PRODID: &str = "-//Estacionate//Reservas de visita//ES";

/// Longest content line, in octets, before folding (CRLF not counted).
pub const MAX_LINE_OCTETS: usize = 75;

/// The media type to answer with.
pub const CONTENT_TYPE: &str = "text/calendar; charset=utf-8";

/// One booking as a calendar event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarEvent {
    /// Globally unique and stable for the booking (a re-download updates the same event).
    pub uid: String,
    /// Start instant.
    pub starts_at: DateTime<Utc>,
    /// End instant.
    pub ends_at: DateTime<Utc>,
    /// Title.
    pub summary: String,
    /// The building's address.
    pub location: String,
    /// Details (spot, local window).
    pub description: String,
    /// A link back to the booking or its pass.
    pub url: Option<String>,
    /// A cancelled booking: subscribed calendars remove it.
    pub cancelled: bool,
}

/// Escapes a TEXT value (RFC 5545 §3.3.11): backslash, semicolon, comma and line breaks;
/// other control characters (not allowed in TEXT) are dropped, tabs kept.
pub fn escape_text(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 8);
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\r' => {
                // CRLF is one line break, not two.
                if chars.peek() == Some(&'\n') {
                    chars.next();
                }
                out.push_str("\\n");
            }
            '\n' => out.push_str("\\n"),
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// One content line, folded (§3.1): at most [`MAX_LINE_OCTETS`] octets per physical line, each
/// continuation starting with one space, never inside a UTF-8 character; ends with CRLF.
pub fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + line.len() / 64 * 3 + 2);
    let mut used = 0;
    for c in line.chars() {
        let n = c.len_utf8();
        if used + n > MAX_LINE_OCTETS {
            out.push_str("\r\n ");
            used = 1;
        }
        out.push(c);
        used += n;
    }
    out.push_str("\r\n");
    out
}

/// `20261207T230000Z`.
pub fn utc_stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A URI value: it is not TEXT (no escaping), but a line break must never end up in a line.
fn uri(value: &str) -> String {
    value.chars().filter(|c| !c.is_control()).collect()
}

/// The whole `VCALENDAR`: `name` (a feed's title, `X-WR-CALNAME`) and the events, stamped
/// `DTSTAMP` = `stamp`.
pub fn calendar(name: Option<&str>, events: &[CalendarEvent], stamp: DateTime<Utc>) -> String {
    let mut out = String::with_capacity(256 + events.len() * 512);
    let mut line = |text: String| out.push_str(&fold(&text));
    line("BEGIN:VCALENDAR".into());
    line("VERSION:2.0".into());
    line(format!("PRODID:{PRODID}"));
    line("CALSCALE:GREGORIAN".into());
    line("METHOD:PUBLISH".into());
    if let Some(name) = name {
        line(format!("X-WR-CALNAME:{}", escape_text(name)));
    }
    for e in events {
        line("BEGIN:VEVENT".into());
        line(format!("UID:{}", escape_text(&e.uid)));
        line(format!("DTSTAMP:{}", utc_stamp(stamp)));
        line(format!("DTSTART:{}", utc_stamp(e.starts_at)));
        line(format!("DTEND:{}", utc_stamp(e.ends_at)));
        line(format!("SUMMARY:{}", escape_text(&e.summary)));
        line(format!("LOCATION:{}", escape_text(&e.location)));
        line(format!("DESCRIPTION:{}", escape_text(&e.description)));
        if let Some(url) = &e.url {
            line(format!("URL:{}", uri(url)));
        }
        line(format!("STATUS:{}", if e.cancelled { "CANCELLED" } else { "CONFIRMED" }));
        line("TRANSP:OPAQUE".into());
        line("END:VEVENT".into());
    }
    line("END:VCALENDAR".into());
    out
}

#[cfg(test)]
#[path = "calendar_tests.rs"]
mod tests;
