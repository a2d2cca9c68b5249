//! The header block of an outgoing message, in bsd-mailx's order and
//! spelling (From, To, Subject, Cc, Bcc, the `-a` lines, the MIME fields,
//! Reply-To, In-Reply-To, then our References), and the checks on `-a`
//! header lines.

use super::Header;
use super::mime::{self, BodyPlan};
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
    if let Some(f) = from_value(s) {
        out.push_str(&format!("From: {}\n", mime::encode_address(&f)));
    }
    fn refs(v: &[String]) -> Vec<String> {
        v.iter().map(|x| mime::encode_address(x)).collect()
    }
    fn strs(v: &[String]) -> Vec<&str> {
        v.iter().map(|x| x.as_str()).collect()
    }
    if !h.to.is_empty() {
        out.push_str(&names::fmt_header("To:", &strs(&refs(&h.to))));
    }
    if let Some(subj) = &h.subject {
        out.push_str(&format!("Subject: {}\n", mime::encode_words(subj)));
    }
    if !h.cc.is_empty() {
        out.push_str(&names::fmt_header("Cc:", &strs(&refs(&h.cc))));
    }
    if !h.bcc.is_empty() {
        out.push_str(&names::fmt_header("Bcc:", &strs(&refs(&h.bcc))));
    }
    for e in &h.extra {
        out.push_str(e);
        out.push('\n');
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
        out.push_str(&format!("Reply-To: {}\n", mime::encode_address(&r)));
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
