//! Replying and composing from read mode: `reply`/`respond` (sender plus the
//! To or Reply-To and Cc recipients, as bsd-mailx's `_respond`),
//! `Reply`/`Respond` (the senders of every listed message, `_Respond`),
//! both swapped by `Replyall`; the POSIX `followup`/`Followup` (the same,
//! recorded in a file named after the sender); and `mail`.
//!
//! The message body comes from `compose::collect_interactive`, which reads
//! the rest of standard input when it is not a terminal (as bsd-mailx does).

use super::{state, state_mut};
use crate::names::{self, Kind};
use crate::send::{self, Header, SendOpts};
use crate::session::Session;
use crate::term::stdin::{Line, read_line_fd0};
use crate::term::text::{safe_text, tty_safe};
use std::io::IsTerminal;

/// The rest of standard input through the buffer the command loop reads
/// (`term::stdin::read_line_fd0`), as a `Read`.
struct SharedStdin;

impl std::io::Read for SharedStdin {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        // Line by line is enough for a message body; a line longer than
        // `out` is handed over in pieces through a small carry buffer.
        thread_local! {
            static CARRY: std::cell::RefCell<Vec<u8>> = const { std::cell::RefCell::new(Vec::new()) };
        }
        CARRY.with(|c| {
            let mut carry = c.borrow_mut();
            if carry.is_empty() {
                match read_line_fd0() {
                    Line::Text(t) => *carry = t,
                    _ => return Ok(0),
                }
            }
            let n = carry.len().min(out.len());
            out[..n].copy_from_slice(&carry[..n]);
            carry.drain(..n);
            Ok(n)
        })
    }
}

/// `Re: ` in front unless the subject already starts with `re:` (any case).
pub fn reedit(subj: Option<String>) -> Option<String> {
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
    if crate::mimeview::term() == crate::mimeview::Term::Raw {
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

fn in_reply_to(s: &Session, m: usize) -> Option<String> {
    state(s).hfield(m - 1, "message-id")
}

/// `reply`/`respond` (or `Reply` with `Replyall`).
pub fn respond(s: &mut Session, msgvec: &[usize]) -> bool {
    if s.is_set("Replyall") {
        respond_senders(s, msgvec, None)
    } else {
        respond_all(s, msgvec, None)
    }
}

/// `Reply`/`Respond` (or `reply` with `Replyall`).
pub fn respond_capital(s: &mut Session, msgvec: &[usize]) -> bool {
    if s.is_set("Replyall") {
        respond_all(s, msgvec, None)
    } else {
        respond_senders(s, msgvec, None)
    }
}

/// bsd-mailx's `_respond`: one message, to its sender and recipients.
fn respond_all(s: &mut Session, msgvec: &[usize], record: Option<String>) -> bool {
    if msgvec.len() > 1 {
        crate::outln!("Sorry, can't reply to multiple messages at once");
        return false;
    }
    let m = msgvec[0];
    let st = state_mut(s);
    st.touch(m - 1);
    st.dot = m - 1;
    let st = state(s);
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
            crate::outln!("Empty reply-to field -- replying to author");
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
        in_reply_to: in_reply_to(s, m),
        received,
        ..Default::default()
    };
    compose_and_send(s, h, record, true)
}

/// bsd-mailx's `_Respond`: to the sender of every listed message.
fn respond_senders(s: &mut Session, msgvec: &[usize], record: Option<String>) -> bool {
    let mut to = Vec::new();
    for &m in msgvec {
        let st = state_mut(s);
        st.touch(m - 1);
        st.dot = m - 1;
        let cp = match st.hfield(m - 1, "from") {
            Some(f) => names::skin(&f),
            None => names::skin(&st.nameof(m - 1, 2)),
        };
        to.extend(split(&cp));
    }
    if to.is_empty() {
        return true;
    }
    let first = msgvec[0];
    // The senders' addresses are data, never a file or pipe recipient.
    let received = to.clone();
    let h = Header {
        received,
        to,
        subject: reedit(reply_subject(state(s), first - 1)),
        // Debian sets In-Reply-To only when replying to one message.
        in_reply_to: if msgvec.len() == 1 {
            in_reply_to(s, first)
        } else {
            None
        },
        ..Default::default()
    };
    compose_and_send(s, h, record, true)
}

/// POSIX `followup` (`all` false) and `Followup` (`all` true): reply, and
/// record the message in a file named after the first message's sender.
pub fn followup(s: &mut Session, msgvec: &[usize], all: bool) -> bool {
    let sender = state(s).nameof(msgvec[0] - 1, 0);
    let login = super::files::sender_login(&sender);
    let record = if s.is_set("outfolder")
        && let Some(dir) = crate::expand::folder_dir(s)
    {
        format!("{dir}/{login}")
    } else {
        login
    };
    if all {
        respond_senders(s, msgvec, Some(record))
    } else {
        respond_senders(s, &msgvec[..1], Some(record))
    }
}

/// `mail names`: compose a new message.
pub fn mail(s: &mut Session, args: &str) -> bool {
    let h = Header {
        to: split(args),
        ..Default::default()
    };
    compose_and_send(s, h, None, false);
    true
}

/// The header block bsd-mailx shows before collecting a reply's body.
fn print_preview(h: &Header) {
    let sorted = |v: &[String]| -> Vec<String> {
        names::elide(
            v.iter()
                .map(|n| names::Name::new(n.clone(), Kind::To))
                .collect(),
        )
        .into_iter()
        .map(|n| n.name)
        .collect()
    };
    let mut out = String::new();
    let to = sorted(&h.to);
    if !to.is_empty() {
        out.push_str(&crate::names::fmt_list("To:", &to, false));
    }
    if let Some(subj) = &h.subject {
        out.push_str(&format!("Subject: {subj}\n"));
    }
    let cc = sorted(&h.cc);
    if !cc.is_empty() {
        out.push_str(&crate::names::fmt_list("Cc:", &cc, false));
    }
    out.push_str("MIME-Version: 1.0\n");
    out.push_str(&format!(
        "Content-Type: text/plain; charset=\"{}\"\n",
        crate::locale::charset()
    ));
    out.push_str("Content-Transfer-Encoding: 8bit\n\n");
    // The subject and addresses come from the message replied to: on a
    // terminal they are shown the way `print` shows them (no raw ESC/C1).
    if std::io::stdout().is_terminal() {
        let safe = tty_safe(out.as_bytes());
        crate::outp!("{}", String::from_utf8_lossy(&safe));
        return;
    }
    crate::outp!("{out}");
}

/// Collects the body (showing the header first for replies, as bsd-mailx's
/// `mail1(hp, printheaders)`) and sends.
fn compose_and_send(s: &mut Session, mut h: Header, record: Option<String>, preview: bool) -> bool {
    if preview {
        print_preview(&h);
    }
    let body = if s.interactive() {
        match crate::compose::collect_interactive(s, &mut h) {
            Ok(crate::compose::Compose::Done(b)) => b,
            Ok(crate::compose::Compose::Aborted) => return true,
            Ok(crate::compose::Compose::HungUp) => {
                crate::output::flush();
                std::process::exit(1);
            }
            Err(e) => {
                crate::util::warn("temporary file", &e);
                return false;
            }
        }
    } else {
        // Not interactive: the body is the rest of standard input, as is.
        crate::output::flush();
        match crate::collect::collect_stream(&mut SharedStdin) {
            Ok(b) => b,
            Err(e) => {
                crate::util::warn("cannot read the message", &e);
                return false;
            }
        }
    };

    let saved = s.value("record").map(str::to_string);
    if let Some(r) = &record {
        s.vars.set("record", r);
    }
    send::mail1(s, h, body, SendOpts::default());
    if record.is_some() {
        match saved {
            Some(v) => s.vars.set("record", &v),
            None => {
                s.vars.unset("record");
            }
        }
    }
    true
}
