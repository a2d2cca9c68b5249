//! `-t`: the message read on standard input starts with its own header
//! block (as s-nail's and mailutils' `-t`). Its `To:`, `Cc:` and `Bcc:`
//! give recipients (added after those of the command line, as s-nail), its
//! `Subject:` the subject unless `-s` was given, its `From:` the `From:`
//! field unless `-r` was given (not the envelope sender: as s-nail, only
//! `-r` and `from` set `sendmail -f`); every other field is kept as an
//! `-a` line is.
//! `Bcc:` is handled as `-b` (`sendmail -t` or the SMTP transport removes
//! it). The block ends at the first empty line, or at the first line that
//! is neither a header line nor a continuation (that line is body text).

use super::body::Body;
use super::rfc2047::split_addresses;
use super::{Header, valid_extra_header};
use crate::locale;
use std::io::{self, Write};

/// The header fields of a `-t` message (name as written, value unfolded)
/// and the body after them.
pub(crate) struct Parsed {
    pub fields: Vec<(String, String)>,
    pub body: Body,
}

/// Header bytes as text: UTF-8, else the locale's 8-bit charset, else
/// ISO-8859-1 (as a `-s` value), never U+FFFD.
fn text(b: &[u8]) -> String {
    if let Ok(t) = std::str::from_utf8(b) {
        return t.to_string();
    }
    locale::decode_legacy(b, locale::charset())
        .unwrap_or_else(|| b.iter().map(|&c| char::from(c)).collect())
}

/// Splits a collected message into its header fields and its body.
pub(crate) fn split(msg: &Body) -> io::Result<Parsed> {
    let mut fields: Vec<(String, String)> = Vec::new();
    let mut body = Body::new()?;
    let mut in_head = true;
    {
        let mut w = body.writer();
        msg.for_each_line(&mut |line: &[u8]| {
            if in_head {
                let l = line.strip_suffix(b"\n").unwrap_or(line);
                if l.is_empty() {
                    in_head = false;
                    return Ok(());
                }
                if (l[0] == b' ' || l[0] == b'\t')
                    && let Some((_, v)) = fields.last_mut()
                {
                    v.push(' ');
                    v.push_str(text(l).trim());
                    return Ok(());
                }
                let t = text(l);
                if valid_extra_header(&t)
                    && let Some((n, v)) = t.split_once(':')
                {
                    fields.push((n.trim_end().to_string(), v.trim().to_string()));
                    return Ok(());
                }
                in_head = false;
            }
            w.write_all(line)
        })?;
        w.finish()?;
    }
    Ok(Parsed { fields, body })
}

/// Merges the fields of a `-t` message into the header built from the
/// command line; the message's `From:` is kept (`Header::from_field`)
/// unless `-r` gave one.
pub(crate) fn merge(h: &mut Header, fields: Vec<(String, String)>, have_from: bool) {
    let mut to = Vec::new();
    let mut cc = Vec::new();
    let mut bcc = Vec::new();
    let mut from = None;
    let mut extra = Vec::new();
    for (name, value) in fields {
        let list = |v: &str| -> Vec<String> {
            split_addresses(v).into_iter().map(str::to_string).collect()
        };
        match name.to_ascii_lowercase().as_str() {
            "to" => to.extend(list(&value)),
            "cc" => cc.extend(list(&value)),
            "bcc" => bcc.extend(list(&value)),
            "subject" => {
                if h.subject.is_none() {
                    h.subject = Some(value);
                }
            }
            "from" if !have_from => from = Some(value),
            "from" => {}
            _ => extra.push(format!("{name}: {value}")),
        }
    }
    // The command line's recipients first, as s-nail.
    h.to.append(&mut to);
    h.cc.append(&mut cc);
    h.bcc.append(&mut bcc);
    extra.append(&mut h.extra);
    h.extra = extra;
    h.from_field = from;
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(b: &[u8]) -> Body {
        let mut x = Body::new().unwrap();
        x.replace(b).unwrap();
        x
    }

    #[test]
    fn header_block_and_body() {
        let p = split(&body(
            b"To: a@x, \"Doe, J\" <j@x>\nSubject: hi\n there\nX-Tag: 1\n\nbody\n\nmore\n",
        ))
        .unwrap();
        assert_eq!(
            p.fields,
            vec![
                ("To".to_string(), "a@x, \"Doe, J\" <j@x>".to_string()),
                ("Subject".to_string(), "hi there".to_string()),
                ("X-Tag".to_string(), "1".to_string()),
            ]
        );
        assert_eq!(p.body.to_vec().unwrap(), b"body\n\nmore\n");
        // No header block: every line is body text.
        let p = split(&body(b"just text\nTo: not a header\n")).unwrap();
        assert!(p.fields.is_empty());
        assert_eq!(p.body.to_vec().unwrap(), b"just text\nTo: not a header\n");
    }

    #[test]
    fn merge_adds_the_message_after_the_command_line() {
        let mut h = Header {
            to: vec!["cmd@x".into()],
            subject: Some("from -s".into()),
            ..Default::default()
        };
        merge(
            &mut h,
            vec![
                ("To".into(), "a@x, b@x".into()),
                ("Bcc".into(), "hidden@x".into()),
                ("Subject".into(), "ignored".into()),
                ("From".into(), "Me <me@x>".into()),
                ("X-Tag".into(), "1".into()),
            ],
            false,
        );
        assert_eq!(h.to, ["cmd@x", "a@x", "b@x"]);
        assert_eq!(h.bcc, ["hidden@x"]);
        assert_eq!(h.subject.as_deref(), Some("from -s"));
        assert_eq!(h.extra, ["X-Tag: 1"]);
        assert_eq!(h.from_field.as_deref(), Some("Me <me@x>"));
    }
}
