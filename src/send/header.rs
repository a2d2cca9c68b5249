//! The header block of an outgoing message, in bsd-mailx's order and
//! spelling (From, To, Subject, Cc, Bcc, the `-a` lines, the MIME fields,
//! Reply-To, In-Reply-To, then our References), and the checks on `-a`
//! header lines.

use super::Header;
use super::mime::BodyPlan;
use super::rfc2047;
use crate::names;
use crate::session::Session;

/// Replaces CR and LF by spaces, so a value can never start a new header line.
pub(crate) fn one_line(v: &str) -> String {
    v.replace(['\r', '\n'], " ")
}

/// An `-a` value as it is written: one line, leading blanks removed (a
/// header line starting with a blank would continue the previous header;
/// bsd-mailx writes ` content-type : x` verbatim and still drops its default
/// Content-Type, so the name is what counts).
pub(crate) fn extra_header_line(v: &str) -> String {
    one_line(v).trim_start_matches([' ', '\t']).to_string()
}

/// Checks that a `-a` value is a header line (`Name: value`).
pub(crate) fn valid_extra_header(h: &str) -> bool {
    let Some((name, _)) = h.split_once(':') else {
        return false;
    };
    let name = name.trim_end_matches([' ', '\t']);
    !name.is_empty() && name.bytes().all(|b| (33..=126).contains(&b) && b != b':')
}

fn extra_defines(extra: &[String], field: &str) -> bool {
    extra.iter().any(|h| {
        h.split_once(':')
            .map(|(n, _)| n.trim_end_matches([' ', '\t']).eq_ignore_ascii_case(field))
            .unwrap_or(false)
    })
}

/// The From: value and the envelope sender (`-f`), from `-r` or `from`.
pub(crate) fn from_value(s: &Session) -> Option<String> {
    s.value("from").map(one_line)
}

/// An address list as bsd-mailx folds it; with non-ASCII display names or
/// comments, RFC 2047 encoded and folded at 78 columns.
fn address_list(label: &str, v: &[String]) -> String {
    let v: Vec<&str> = v.iter().map(String::as_str).collect();
    if v.iter().all(|a| a.is_ascii()) {
        names::fmt_header(label, &v)
    } else {
        rfc2047::address_field(label, &v)
    }
}

/// A field holding one value of addresses (From, Reply-To) as bsd-mailx
/// writes it (unfolded); non-ASCII names encoded as in [`address_list`].
fn single_address(label: &str, v: &str) -> String {
    if v.is_ascii() {
        format!("{label} {v}\n")
    } else {
        rfc2047::address_field(label, &rfc2047::split_addresses(v))
    }
}

/// Fields whose values are address lists (RFC 5322 §3.6.2, §3.6.3, §3.6.6,
/// and the common list and receipt extensions).
const ADDRESS_FIELDS: &[&str] = &[
    "from",
    "sender",
    "reply-to",
    "to",
    "cc",
    "bcc",
    "resent-from",
    "resent-sender",
    "resent-to",
    "resent-cc",
    "resent-bcc",
    "mail-followup-to",
    "mail-reply-to",
    "disposition-notification-to",
    "return-receipt-to",
    "errors-to",
];

/// Structured fields where an encoded word would be wrong (the MIME fields,
/// identifiers, dates, trace fields): their non-ASCII bytes stay as given.
fn structured_field(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n.starts_with("content-")
        || [
            "mime-version",
            "message-id",
            "in-reply-to",
            "references",
            "date",
            "received",
            "return-path",
        ]
        .contains(&n.as_str())
}

/// An `-a` line as it is written: pure ASCII verbatim (bsd-mailx); with
/// non-ASCII text, the display names of an address field or the words of
/// an unstructured one RFC 2047 encoded, the addresses left as they are.
fn extra_field(e: &str) -> String {
    let Some((name, value)) = e.split_once(':').filter(|_| !e.is_ascii()) else {
        return format!("{e}\n");
    };
    let name = name.trim_end_matches([' ', '\t']);
    let value = value.trim_start_matches([' ', '\t']);
    let label = format!("{name}:");
    if ADDRESS_FIELDS.contains(&name.to_ascii_lowercase().as_str()) {
        rfc2047::address_field(&label, &rfc2047::split_addresses(value))
    } else if structured_field(name) {
        format!("{e}\n")
    } else {
        rfc2047::unstructured_field(&label, value)
    }
}

/// Builds the header block (ending with the blank line) for the final
/// recipient lists. Non-ASCII subjects and display names become RFC 2047
/// encoded words; pure ASCII is written exactly as bsd-mailx writes it.
pub(crate) fn header_text(
    s: &Session,
    h: &Header,
    plan: &BodyPlan,
    boundary: Option<&str>,
) -> String {
    let mut out = String::new();
    if let Some(f) = h.from_field.clone().or_else(|| from_value(s)) {
        out.push_str(&single_address("From:", &one_line(&f)));
    }
    if !h.to.is_empty() {
        out.push_str(&address_list("To:", &h.to));
    }
    if let Some(subj) = &h.subject {
        out.push_str(&rfc2047::unstructured_field_in(
            "Subject:",
            subj,
            h.subject_charset.as_deref(),
        ));
    }
    if !h.cc.is_empty() {
        out.push_str(&address_list("Cc:", &h.cc));
    }
    if !h.bcc.is_empty() {
        out.push_str(&address_list("Bcc:", &h.bcc));
    }
    for e in &h.extra {
        out.push_str(&extra_field(e));
    }
    if !extra_defines(&h.extra, "MIME-Version") {
        out.push_str("MIME-Version: 1.0\n");
    }
    if !extra_defines(&h.extra, "Content-Type") {
        match boundary {
            Some(b) => out.push_str(&format!(
                "Content-Type: multipart/mixed; boundary=\"{b}\"\n"
            )),
            None => out.push_str(&format!(
                "Content-Type: text/plain; charset=\"{}\"\n",
                plan.charset
            )),
        }
    }
    if !extra_defines(&h.extra, "Content-Transfer-Encoding") && boundary.is_none() {
        out.push_str(&format!(
            "Content-Transfer-Encoding: {}\n",
            plan.transfer_encoding()
        ));
    }
    // Reply-To: `~R`, else REPLYTO if it was set before the user's rc file
    // (bsd-mailx captures it there; a later change or unset in the user's rc
    // leaves it with a dangling pointer, so ours uses the current value).
    let reply_to = h.reply_to.clone().or_else(|| {
        s.replyto_at_start
            .then(|| s.value("REPLYTO").map(one_line))
            .flatten()
    });
    if let Some(r) = reply_to {
        out.push_str(&single_address("Reply-To:", &r));
    }
    if let Some(irt) = &h.in_reply_to {
        out.push_str(&format!("In-Reply-To: {irt}\n"));
    }
    // bsd-mailx writes no References:; ours follows In-Reply-To
    // (docs/COMPATIBILITY.md).
    if !h.references.is_empty() {
        out.push_str(&fold_ids("References:", &h.references));
    }
    out.push('\n');
    out
}

/// A header field of message identifiers, folded before any line would pass
/// 78 columns (an identifier longer than a line gets a line of its own).
fn fold_ids(name: &str, ids: &[String]) -> String {
    let mut out = String::from(name);
    let mut col = name.len();
    for id in ids {
        if col + 1 + id.len() > 78 && col > name.len() {
            out.push('\n');
            col = 0;
        }
        out.push(' ');
        out.push_str(id);
        col += 1 + id.len();
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extra_header_validation() {
        assert!(valid_extra_header("X-Loop: a"));
        assert!(valid_extra_header("X-Loop : a"));
        assert!(!valid_extra_header("no colon"));
        assert!(!valid_extra_header(": empty name"));
        assert!(!valid_extra_header("bad name: x"));
    }

    #[test]
    fn header_order_and_mime_override() {
        let mut s = Session::new("alice".into(), None);
        s.vars.set("from", "Alice <a@x>");
        let h = Header {
            to: vec!["b@x".into()],
            subject: Some("S".into()),
            cc: vec!["c@x".into()],
            bcc: vec!["d@x".into()],
            extra: vec!["Content-Type: text/html".into()],
            ..Default::default()
        };
        let plan = BodyPlan {
            charset: "UTF-8".into(),
            quoted_printable: false,
        };
        assert_eq!(
            header_text(&s, &h, &plan, None),
            "From: Alice <a@x>\nTo: b@x\nSubject: S\nCc: c@x\nBcc: d@x\nContent-Type: text/html\nMIME-Version: 1.0\nContent-Transfer-Encoding: 8bit\n\n"
        );
        assert_eq!(from_value(&s).as_deref(), Some("Alice <a@x>"));
    }

    #[test]
    fn extra_fields_with_non_ascii() {
        assert_eq!(extra_field("X-Loop : a"), "X-Loop : a\n");
        assert_eq!(
            extra_field("From: Überwachung <icinga@example.org>"),
            "From: =?UTF-8?Q?=C3=9Cberwachung?= <icinga@example.org>\n"
        );
        assert_eq!(
            extra_field("X-Note: Grüße aus Köln"),
            "X-Note: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4=?=\n"
        );
        assert_eq!(
            extra_field("Content-Type: text/plain; name=\"ü\""),
            "Content-Type: text/plain; name=\"ü\"\n"
        );
    }

    #[test]
    fn references_follow_in_reply_to_folded() {
        let s = Session::new("alice".into(), None);
        let ids: Vec<String> = (0..6)
            .map(|i| format!("<message-{i}.123456789@host.example.org>"))
            .collect();
        let h = Header {
            to: vec!["b@x".into()],
            in_reply_to: Some("<message-5.123456789@host.example.org>".into()),
            references: ids.clone(),
            ..Default::default()
        };
        let plan = BodyPlan {
            charset: "US-ASCII".into(),
            quoted_printable: false,
        };
        let t = header_text(&s, &h, &plan, None);
        let irt = t.find("In-Reply-To:").unwrap();
        let refs = t.find("References:").unwrap();
        assert!(irt < refs, "{t}");
        for l in t.lines() {
            assert!(l.len() <= 78, "{l:?}");
        }
        let unfolded = t[refs..].trim_end().replace("\n ", " ");
        assert_eq!(unfolded, format!("References: {}", ids.join(" ")));
    }
}
