//! Replying and composing from read mode: `reply`/`respond` (sender plus the
//! To or Reply-To and Cc recipients, as bsd-mailx's `_respond`),
//! `Reply`/`Respond` (the senders of every listed message, `_Respond`),
//! both swapped by `Replyall`; the POSIX `followup`/`Followup` (the same,
//! recorded in a file named after the sender); and `mail`.
//!
//! These work out the recipients, subject and references of the reply from
//! the message; composing and sending it is `compose::compose_and_send`'s.

use super::ReadState;
use crate::compose::Draft;
use crate::expand;
use crate::names::{self, Kind};
use crate::send::Header;
use crate::session::Session;
use crate::term::text::safe_text;
use crate::{mimeview, outln};

/// What a reply command leads to.
pub(crate) enum Reply {
    /// A message to compose and send.
    Compose(Box<Draft>),
    /// Nothing to send (no sender found); not an error.
    Nothing,
    /// An error, already reported.
    Failed,
}

/// `Re: ` in front unless the subject already starts with `re:` (any case).
pub(crate) fn reedit(subj: Option<String>) -> Option<String> {
    let s = subj?;
    if s.len() >= 3 && s.as_bytes()[..3].eq_ignore_ascii_case(b"re:") {
        return Some(s);
    }
    Some(format!("Re: {s}"))
}

/// The subject a reply starts from: decoded (RFC 2047) when the terminal
/// can show it, control characters made visible; the send side encodes it
/// again. Raw in the C locale, as bsd-mailx.
fn reply_subject(st: &super::ReadState, i: usize) -> Option<String> {
    let d = st.subject_decoded(i)?;
    if mimeview::term() == mimeview::Term::Raw {
        return Some(d);
    }
    Some(safe_text(d.as_bytes(), true))
}

/// Removes the user (login, alternates, and with `allnet` any
/// `login@host`) from a list, unless `metoo` is set.
fn delme(s: &Session, names: Vec<String>) -> Vec<String> {
    if s.is_set("metoo") {
        return names;
    }
    names.into_iter().filter(|n| !names::is_me(s, n)).collect()
}

fn split(list: &str) -> Vec<String> {
    names::extract(list, Kind::To)
        .into_iter()
        .map(|n| n.name)
        .collect()
}

fn in_reply_to(st: &ReadState, m: usize) -> Option<String> {
    st.hfield(m - 1, "message-id")
}

/// The most identifiers a References: field keeps: the thread's first and
/// the latest ones (RFC 5322 §3.6.4 lets a reply trim the list), so that a
/// parent with an endless References: cannot make an unsendable header.
const MAX_REFERENCES: usize = 50;

/// The message identifiers (`<left@right>`, printable ASCII without blanks)
/// in a field value, in order; anything else in the value is skipped.
fn msg_ids(v: &str) -> Vec<String> {
    v.split('<')
        .skip(1)
        .filter_map(|p| {
            let id = &p[..p.find('>')?];
            let ok = !id.is_empty() && id.bytes().all(|b| b.is_ascii_graphic() && b != b'>');
            ok.then(|| format!("<{id}>"))
        })
        .collect()
}

/// The References: of a reply to message `m` (RFC 5322 §3.6.4): the
/// parent's References (or, lacking it, its In-Reply-To when that holds
/// one identifier) followed by the parent's Message-ID. Empty when the
/// parent has no Message-ID.
fn references(st: &ReadState, m: usize) -> Vec<String> {
    let Some(id) = st
        .hfield(m - 1, "message-id")
        .and_then(|v| msg_ids(&v).into_iter().next())
    else {
        return Vec::new();
    };
    let mut refs = st
        .hfield(m - 1, "references")
        .map(|v| msg_ids(&v))
        .unwrap_or_default();
    if refs.is_empty()
        && let Some(irt) = st.hfield(m - 1, "in-reply-to").map(|v| msg_ids(&v))
        && irt.len() == 1
    {
        refs = irt;
    }
    let mut out: Vec<String> = Vec::new();
    for r in refs {
        if r != id && !out.contains(&r) {
            out.push(r);
        }
    }
    out.push(id);
    if out.len() > MAX_REFERENCES {
        out.drain(1..out.len() - (MAX_REFERENCES - 1));
    }
    out
}

/// `reply`/`respond` (or `Reply` with `Replyall`).
pub(crate) fn respond(s: &Session, st: &mut ReadState, msgvec: &[usize]) -> Reply {
    if s.is_set("Replyall") {
        respond_senders(st, msgvec, None)
    } else {
        respond_all(s, st, msgvec, None)
    }
}

/// `Reply`/`Respond` (or `reply` with `Replyall`).
pub(crate) fn respond_capital(s: &Session, st: &mut ReadState, msgvec: &[usize]) -> Reply {
    if s.is_set("Replyall") {
        respond_all(s, st, msgvec, None)
    } else {
        respond_senders(st, msgvec, None)
    }
}

/// bsd-mailx's `_respond`: one message, to its sender and recipients.
fn respond_all(s: &Session, st: &mut ReadState, msgvec: &[usize], record: Option<String>) -> Reply {
    if msgvec.len() > 1 {
        outln!("Sorry, can't reply to multiple messages at once");
        return Reply::Failed;
    }
    let m = msgvec[0];
    st.touch(m - 1);
    st.dot = m - 1;
    let rcv = match st.hfield(m - 1, "from") {
        Some(f) => names::skin(&f),
        None => names::skin(&st.nameof(m - 1, 1)),
    };
    let replyto = st.hfield(m - 1, "reply-to").map(|r| names::skin(&r));
    let mut np = match (&replyto, st.hfield(m - 1, "to")) {
        (Some(r), _) => split(r),
        (None, Some(t)) => split(&names::skin(&t)),
        _ => Vec::new(),
    };
    np = delme(s, np);
    if !np.is_empty() && replyto.is_none() {
        np.extend(split(&rcv));
    } else if np.is_empty() {
        if replyto.is_some() {
            outln!("Empty reply-to field -- replying to author");
        }
        np = split(&rcv);
    }
    let subject = reedit(reply_subject(st, m - 1));
    let cc = match (&replyto, st.hfield(m - 1, "cc")) {
        (None, Some(c)) => delme(s, split(&names::skin(&c))),
        _ => Vec::new(),
    };
    // Every address here came from the message: data, never a file or pipe.
    let received = np.iter().chain(cc.iter()).cloned().collect();
    let h = Header {
        to: np,
        subject,
        cc,
        in_reply_to: in_reply_to(st, m),
        references: references(st, m),
        received,
        ..Default::default()
    };
    Reply::Compose(Box::new(Draft {
        header: h,
        record,
        preview: true,
    }))
}

/// bsd-mailx's `_Respond`: to the sender of every listed message.
fn respond_senders(st: &mut ReadState, msgvec: &[usize], record: Option<String>) -> Reply {
    let mut to = Vec::new();
    for &m in msgvec {
        st.touch(m - 1);
        st.dot = m - 1;
        let cp = match st.hfield(m - 1, "from") {
            Some(f) => names::skin(&f),
            None => names::skin(&st.nameof(m - 1, 2)),
        };
        to.extend(split(&cp));
    }
    if to.is_empty() {
        return Reply::Nothing;
    }
    let first = msgvec[0];
    // The senders' addresses are data, never a file or pipe recipient.
    let received = to.clone();
    let h = Header {
        received,
        to,
        subject: reedit(reply_subject(st, first - 1)),
        // Debian sets In-Reply-To only when replying to one message.
        in_reply_to: if msgvec.len() == 1 {
            in_reply_to(st, first)
        } else {
            None
        },
        references: if msgvec.len() == 1 {
            references(st, first)
        } else {
            Vec::new()
        },
        ..Default::default()
    };
    Reply::Compose(Box::new(Draft {
        header: h,
        record,
        preview: true,
    }))
}

/// POSIX `followup` (`all` false) and `Followup` (`all` true): reply, and
/// record the message in a file named after the first message's sender.
pub(crate) fn followup(s: &Session, st: &mut ReadState, msgvec: &[usize], all: bool) -> Reply {
    let sender = st.nameof(msgvec[0] - 1, 0);
    let record = expand::by_name_path(s, names::sender_login(&sender));
    if all {
        respond_senders(st, msgvec, Some(record))
    } else {
        respond_senders(st, &msgvec[..1], Some(record))
    }
}

/// `mail names`: compose a new message.
pub(crate) fn mail(args: &str) -> Draft {
    Draft {
        header: Header {
            to: split(args),
            ..Default::default()
        },
        record: None,
        preview: false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn msg_ids_keep_only_identifiers() {
        assert_eq!(
            msg_ids("<a@x> (comment) <b@y>\t<c@z>"),
            vec!["<a@x>", "<b@y>", "<c@z>"]
        );
        assert!(msg_ids("no id here").is_empty());
        assert!(msg_ids("<with space@x> <> <unclosed@x").is_empty());
        assert!(msg_ids("<caf\u{e9}@x>").is_empty());
    }
}
