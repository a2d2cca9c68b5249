//! `-H --json`: the header summary as JSON Lines, one object per message,
//! written as the lines are made (the same two threads as the `-H`
//! listing, [`in_two_threads`]). The schema (version [`SCHEMA_VERSION`],
//! the `"v"` field of every line) is documented in docs/JSON.md.
//!
//! The encoder is the small [`push_str`] below rather than serde_json: the
//! objects are flat and fixed, only strings need escaping, and the program
//! gains no dependency (nor its build time) for it. Every string is valid
//! UTF-8: header bytes that are not UTF-8 are read as Latin-1 by
//! `mimeview::decode_words` (subject, names; as the summary line does) or
//! replaced by U+FFFD (the other fields), and the line's `invalid_utf8`
//! is true. Control characters, `"`, `\`, U+2028 and U+2029 are escaped.
//!
//! `attachments` is a cheap test of the header block only: a top-level
//! `Content-Type: multipart/mixed`, or a `Content-Disposition:
//! attachment` (a message that is itself one attachment).

use super::date::rfc5322_to_rfc3339;
use super::summary::in_two_threads;
use super::{CachedHeaders, ReadState};
use crate::mailbox::{Folder, MsgFlags};
use crate::mimeview::decode_words;
use crate::names::split_address_list;
use crate::{locale, names, output};
use std::fmt::Write as _;

/// The `"v"` field: raised when a field changes meaning or type (adding a
/// field does not raise it).
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// Prints the JSON line of each message of `list` (1-based), in order.
pub(crate) fn print(st: &ReadState, list: &[usize]) {
    // The codeset is read with setlocale once, before any thread exists
    // (decode_words may ask for it).
    let _ = locale::charset();
    let mb = &*st.mb;
    let make = |chunk: &[usize]| -> String {
        chunk
            .iter()
            .map(|&m| line(mb, m, CachedHeaders::read(mb, m - 1).as_ref()))
            .collect()
    };
    // A closed reader (`| head -1`) stops the listing.
    in_two_threads(list, &make, |l| {
        output::bytes(l.as_bytes());
        !output::is_broken()
    });
}

/// A JSON line being built; `lossy` records a replaced or reinterpreted
/// byte.
struct Obj {
    s: String,
    lossy: bool,
}

impl Obj {
    fn key(&mut self, k: &str) {
        self.s.push_str(",\"");
        self.s.push_str(k);
        self.s.push_str("\":");
    }
    fn text(&mut self, t: &str) {
        push_str(&mut self.s, t);
    }
    /// Raw bytes: UTF-8, else with U+FFFD for the bad bytes.
    fn raw(&mut self, b: &[u8]) {
        match std::str::from_utf8(b) {
            Ok(t) => self.text(t),
            Err(_) => {
                self.lossy = true;
                self.text(&String::from_utf8_lossy(b));
            }
        }
    }
    /// RFC 2047 decoded.
    fn decoded(&mut self, b: &[u8]) {
        if !b.windows(2).any(|w| w == b"=?")
            && let Ok(t) = std::str::from_utf8(b)
        {
            // Nothing to decode (decode_words would give it unchanged).
            return self.text(t);
        }
        let d = decode_words(b);
        if std::str::from_utf8(b).is_err() || (d.contains('\u{FFFD}') && !contains_fffd(b)) {
            self.lossy = true;
        }
        self.text(&d);
    }
    fn opt_raw(&mut self, b: Option<&[u8]>) {
        match b {
            Some(b) => self.raw(b),
            None => self.s.push_str("null"),
        }
    }
    /// `{"address":…,"name":…}` of one mailbox of an address list.
    fn address(&mut self, a: &[u8]) {
        let skinned = names::skin(&String::from_utf8_lossy(a));
        self.s.push_str("{\"address\":");
        self.raw_str(skinned.trim(), a);
        self.s.push_str(",\"name\":");
        match display_name(a) {
            Some(n) => self.decoded(&n),
            None => self.s.push_str("null"),
        }
        self.s.push('}');
    }
    /// A string already made lossy from `src`.
    fn raw_str(&mut self, t: &str, src: &[u8]) {
        if std::str::from_utf8(src).is_err() {
            self.lossy = true;
        }
        self.text(t);
    }
    fn list(&mut self, field: Option<&[u8]>) {
        self.s.push('[');
        let mut first = true;
        for a in field.map(split_address_list).unwrap_or_default() {
            if !first {
                self.s.push(',');
            }
            first = false;
            self.address(a);
        }
        self.s.push(']');
    }
}

fn contains_fffd(b: &[u8]) -> bool {
    b.windows(3).any(|w| w == "\u{FFFD}".as_bytes())
}

/// The JSON line (with its newline) of message `mesg` (1-based) of `mb`
/// from its header block `h` (`None`: unreadable; header fields null).
fn line(mb: &dyn Folder, mesg: usize, h: Option<&CachedHeaders>) -> String {
    let i = mesg - 1;
    let f = mb.flags(i);
    let mut o = Obj {
        s: String::with_capacity(512),
        lossy: false,
    };
    let _ = write!(o.s, "{{\"v\":{SCHEMA_VERSION},\"number\":{mesg}");
    o.key("status");
    o.text(status_letter(f));
    o.key("flags");
    o.s.push('[');
    let mut first = true;
    for (bit, name) in FLAG_NAMES {
        if f.contains(bit) {
            if !first {
                o.s.push(',');
            }
            first = false;
            o.text(name);
        }
    }
    o.s.push(']');
    let [
        from,
        sender,
        to,
        cc,
        subject,
        subj,
        date,
        message_id,
        in_reply_to,
        ctype,
        cdisp,
    ] = h
        .map(|h| {
            h.hfields_raw([
                "from",
                "sender",
                "to",
                "cc",
                "subject",
                "subj",
                "date",
                "message-id",
                "in-reply-to",
                "content-type",
                "content-disposition",
            ])
        })
        .unwrap_or_default();
    // The sender as the summary takes it: From:, else Sender:, else the
    // envelope sender.
    o.key("from");
    let from = from.or(sender);
    match (&from, h) {
        (Some(v), _) if !split_address_list(v).is_empty() => o.address(split_address_list(v)[0]),
        (_, Some(h)) if !h.envelope_sender().is_empty() => {
            o.s.push_str("{\"address\":");
            o.text(&h.envelope_sender());
            o.s.push_str(",\"name\":null}");
        }
        _ => o.s.push_str("null"),
    }
    o.key("to");
    o.list(to.as_deref());
    o.key("cc");
    o.list(cc.as_deref());
    o.key("subject");
    match subject.or(subj) {
        Some(s) => o.decoded(s.trim_ascii()),
        None => o.s.push_str("null"),
    }
    let date = date.as_deref().map(<[u8]>::trim_ascii);
    o.key("date");
    o.opt_raw(date);
    o.key("date_utc");
    match date
        .and_then(|d| std::str::from_utf8(d).ok())
        .and_then(rfc5322_to_rfc3339)
    {
        Some(u) => o.text(&u),
        None => o.s.push_str("null"),
    }
    o.key("delivery_date");
    o.opt_raw(h.map(|h| h.envelope_date().trim_ascii()));
    o.key("envelope_sender");
    match h {
        Some(h) => {
            let es = h.envelope_sender();
            o.lossy |= es.contains('\u{FFFD}');
            o.text(&es);
        }
        None => o.s.push_str("null"),
    }
    let _ = write!(o.s, ",\"size\":{},\"lines\":{}", mb.size(i), mb.lines(i));
    o.key("message_id");
    o.opt_raw(message_id.as_deref().map(<[u8]>::trim_ascii));
    o.key("in_reply_to");
    o.opt_raw(in_reply_to.as_deref().map(<[u8]>::trim_ascii));
    let attach = ctype.is_some_and(|v| starts_ci(&v, b"multipart/mixed"))
        || cdisp.is_some_and(|v| starts_ci(&v, b"attachment"));
    let _ = write!(
        o.s,
        ",\"attachments\":{attach},\"invalid_utf8\":{}}}",
        o.lossy
    );
    o.s.push('\n');
    o.s
}

/// Does `v` (leading blanks skipped) start with `p`, ignoring ASCII case?
fn starts_ci(v: &[u8], p: &[u8]) -> bool {
    let v = v.trim_ascii_start();
    v.len() >= p.len() && v[..p.len()].eq_ignore_ascii_case(p)
}

/// The flag names of the `flags` array, in order.
const FLAG_NAMES: [(MsgFlags, &str); 8] = [
    (MsgFlags::NEW, "new"),
    (MsgFlags::READ, "read"),
    (MsgFlags::DELETED, "deleted"),
    (MsgFlags::SAVED, "saved"),
    (MsgFlags::PRESERVE, "preserved"),
    (MsgFlags::FLAGGED, "flagged"),
    (MsgFlags::ANSWERED, "answered"),
    (MsgFlags::MBOX, "mbox"),
];

/// The status letter of the summary line (`N`, `U`, `P`, `*`, `M`, or
/// `" "` for a message read before).
fn status_letter(f: MsgFlags) -> &'static str {
    let rn = f & (MsgFlags::READ | MsgFlags::NEW);
    if f.contains(MsgFlags::MBOX) {
        "M"
    } else if rn.is_empty() {
        "U"
    } else if rn == MsgFlags::NEW {
        "N"
    } else if f.contains(MsgFlags::PRESERVE) {
        "P"
    } else if f.contains(MsgFlags::SAVED) {
        "*"
    } else {
        " "
    }
}

/// The display name of one mailbox: the phrase before `<` (quotes and
/// their backslashes removed), else the text of a `(comment)`; `None` if
/// there is none.
fn display_name(a: &[u8]) -> Option<Vec<u8>> {
    let (mut quote, mut esc) = (false, false);
    let mut lt = None;
    let mut paren = None;
    for (i, &b) in a.iter().enumerate() {
        if esc {
            esc = false;
            continue;
        }
        match b {
            b'\\' => esc = true,
            b'"' => quote = !quote,
            b'<' if !quote => {
                lt = Some(i);
                break;
            }
            b'(' if !quote && paren.is_none() => paren = Some(i),
            _ => {}
        }
    }
    let raw: &[u8] = match (lt, paren) {
        (Some(lt), _) => &a[..lt],
        (None, Some(p)) => {
            // To the matching parenthesis.
            let (mut depth, mut esc) = (0usize, false);
            let mut end = a.len();
            for (k, &b) in a.iter().enumerate().skip(p) {
                match b {
                    _ if esc => esc = false,
                    b'\\' => esc = true,
                    b'(' => depth += 1,
                    b')' => {
                        depth -= 1;
                        if depth == 0 {
                            end = k;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            &a[p + 1..end]
        }
        (None, None) => return None,
    };
    let raw = raw.trim_ascii();
    let mut out = Vec::with_capacity(raw.len());
    let mut esc = false;
    for &b in raw {
        match b {
            _ if esc => {
                out.push(b);
                esc = false;
            }
            b'\\' => esc = true,
            b'"' => {}
            _ => out.push(b),
        }
    }
    let out = out.trim_ascii().to_vec();
    (!out.is_empty()).then_some(out)
}

/// Appends `t` as a JSON string: `"`, `\`, control characters (C0 and
/// DEL), U+2028 and U+2029 escaped.
pub(crate) fn push_str(out: &mut String, t: &str) {
    out.push('"');
    let b = t.as_bytes();
    let mut from = 0;
    let mut i = 0;
    while i < b.len() {
        // Only ASCII bytes and U+2028/U+2029 (E2 80 A8/A9) are escaped, so
        // every cut is at a character boundary.
        let (esc, len) = match b[i] {
            b'"' => ("\\\"", 1),
            b'\\' => ("\\\\", 1),
            b'\n' => ("\\n", 1),
            b'\r' => ("\\r", 1),
            b'\t' => ("\\t", 1),
            0..=0x1f | 0x7f => ("", 1),
            0xe2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xa8) => ("\\u2028", 3),
            0xe2 if b.get(i + 1) == Some(&0x80) && b.get(i + 2) == Some(&0xa9) => ("\\u2029", 3),
            _ => {
                i += 1;
                continue;
            }
        };
        out.push_str(&t[from..i]);
        if esc.is_empty() {
            let _ = write!(out, "\\u{:04x}", b[i]);
        } else {
            out.push_str(esc);
        }
        i += len;
        from = i;
    }
    out.push_str(&t[from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        let mut s = String::new();
        push_str(&mut s, "a\"b\\c\n\u{1}\u{7f}\u{2028}é\u{2029}\u{2027}\r\t");
        assert_eq!(
            s,
            "\"a\\\"b\\\\c\\n\\u0001\\u007f\\u2028é\\u2029\u{2027}\\r\\t\""
        );
    }

    #[test]
    fn names_and_lists() {
        assert_eq!(
            split_address_list(b"\"Doe, J\" <j@x>, b@y (Bee), <c@z>"),
            [&b"\"Doe, J\" <j@x>"[..], b"b@y (Bee)", b"<c@z>"]
        );
        assert_eq!(
            display_name(b"\"Doe, \\\"J\\\"\" <j@x>").as_deref(),
            Some(&b"Doe, \"J\""[..])
        );
        assert_eq!(display_name(b"b@y (Bee)").as_deref(), Some(&b"Bee"[..]));
        assert_eq!(display_name(b"(C (d)) c@x").as_deref(), Some(&b"C (d)"[..]));
        assert_eq!(display_name(b"<c@z>"), None);
        assert_eq!(display_name(b"c@z"), None);
    }

    #[test]
    fn status_letters() {
        assert_eq!(status_letter(MsgFlags::NEW), "N");
        assert_eq!(status_letter(MsgFlags::empty()), "U");
        assert_eq!(status_letter(MsgFlags::READ), " ");
        assert_eq!(status_letter(MsgFlags::READ | MsgFlags::PRESERVE), "P");
        assert!(starts_ci(
            b" Multipart/Mixed; boundary=x",
            b"multipart/mixed"
        ));
        assert!(!starts_ci(b"text/plain", b"multipart/mixed"));
    }
}
