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
use crate::names::{self, Kind};
use crate::send::Header;
use crate::session::Session;
use crate::term::text::safe_text;
use crate::{expand, mimeview, outln};

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
    let login = super::files::sender_login(&sender);
    let record = if s.is_set("outfolder")
        && let Some(dir) = expand::folder_dir(s)
    {
        format!("{dir}/{login}")
    } else {
        login
    };
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
