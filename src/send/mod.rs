//! Sending a composed message. The message is built once: recipients
//! (aliases, `expandaddr`, elision), the header block (`header`) and the body
//! as it goes out (`mime`) become one [`transport::Message`], which is then
//! handed to its sinks in turn: file and pipe recipients (`local`), the
//! `record` copy (`record`), the transport (sendmail or SMTP), and on any
//! failure dead.letter (`dead_letter`, the one place that writes it).
//!
//! The message handed to sendmail is our own copy (header text in memory,
//! body in a private temporary file, `body`), so dead.letter always gets the
//! whole message, even when sendmail read all of it before failing
//! (bsd-mailx leaves dead.letter empty then; docs/COMPATIBILITY.md).

pub mod body;
pub(crate) mod dead_letter;
mod header;
mod local;
pub mod mime;
pub(crate) mod read_header;
mod record;
pub mod rfc2047;

pub(crate) use header::{extra_header_line, valid_extra_header};

use crate::locale;
use crate::names::{self, Kind, Name};
use crate::outln;
use crate::session::Session;
use crate::transport::{self, Message};
use crate::util;
use body::Body;
use header::one_line;
use mime::MimeBody;

/// The header fields of an outgoing message.
#[derive(Debug, Default, Clone)]
pub struct Header {
    pub to: Vec<String>,
    pub subject: Option<String>,
    /// The charset of `-s`'s bytes when they were not UTF-8: the subject's
    /// encoded words use it when it can hold the (possibly edited) subject.
    pub subject_charset: Option<String>,
    pub cc: Vec<String>,
    pub bcc: Vec<String>,
    /// `-a` lines, in order.
    pub extra: Vec<String>,
    pub in_reply_to: Option<String>,
    /// The message identifiers of `References:` (RFC 5322 §3.6.4), set by
    /// the reply commands: the parent's References plus its Message-ID.
    pub references: Vec<String>,
    /// `-t`: the message's own `From:`, written in place of the `from`
    /// variable's (which alone, with `-r`, makes the envelope sender).
    pub from_field: Option<String>,
    /// Set by `~R` (overrides the REPLYTO variable).
    pub reply_to: Option<String>,
    /// Files to attach (`-A`, `~@`), already read.
    pub attachments: Vec<mime::Attachment>,
    /// Addresses copied from a received message (by `reply` and friends).
    /// They are data written by whoever sent that message, so they are
    /// never delivered as `/file` or `|command` recipients, even with
    /// `expandaddr` (CVE-2014-7844's reply vector; bsd-mailx runs them).
    pub received: Vec<String>,
}

/// Options of one send.
#[derive(Debug, Default, Clone, Copy)]
pub struct SendOpts {
    /// `-d`: print sendmail's arguments instead of sending.
    pub dry_run: bool,
    /// `-F`: record the message in a file named after the first recipient.
    pub record_by_recipient: bool,
}

/// Sends a collected message. Returns the number of errors (the exit status
/// contribution, as bsd-mailx's `senderr`).
pub(crate) fn mail1(s: &Session, mut h: Header, body: Body, opts: SendOpts) -> i32 {
    if body.len == 0 && h.attachments.is_empty() {
        if s.is_set("skipempty") {
            return 0;
        }
        if h.subject.as_deref().is_none_or(|x| x.is_empty()) {
            outln!("No message, no subject; hope that's ok");
        } else {
            outln!("Null message body; hope that's ok");
        }
    }
    let mut senderr = 0;
    let mut all: Vec<Name> = Vec::new();
    all.extend(h.bcc.iter().map(|n| Name::new(one_line(n), Kind::Bcc)));
    all.extend(h.to.iter().map(|n| Name::new(one_line(n), Kind::To)));
    all.extend(h.cc.iter().map(|n| Name::new(one_line(n), Kind::Cc)));
    let mut to = names::expand_aliases(s, all);
    if to.is_empty() {
        outln!("No recipients specified");
        senderr += 1;
    }
    // expandaddr: file and pipe recipients are delivered here and removed
    // from what sendmail sees (bsd-mailx left them in To:).
    let mut local = Vec::new();
    // Addresses taken from a received message never qualify (see
    // `Header::received`); they go to sendmail as plain addresses, as they
    // would without expandaddr.
    if s.is_set("expandaddr") {
        let received: Vec<String> = h.received.iter().map(|r| one_line(r)).collect();
        let (l, rest): (Vec<Name>, Vec<Name>) = to
            .into_iter()
            .partition(|n| local::is_file_or_pipe(&n.name) && !received.contains(&n.name));
        local = l;
        to = rest;
    }
    if senderr > 0 {
        dead_letter::save(s, &body);
    }
    let to = names::elide(to);
    let pick = |k: Kind| {
        to.iter()
            .filter(|n| n.kind == k)
            .map(|n| n.name.clone())
            .collect::<Vec<_>>()
    };
    h.to = pick(Kind::To);
    h.cc = pick(Kind::Cc);
    h.bcc = pick(Kind::Bcc);
    h.subject = h.subject.map(|x| one_line(&x));
    let plan = match mime::plan_body(&body, locale::charset()) {
        Ok(p) => p,
        Err(e) => {
            util::warn("temporary file", &e);
            dead_letter::save(s, &body);
            return senderr + 1;
        }
    };
    let boundary = (!h.attachments.is_empty()).then(mime::new_boundary);
    let head = header::header_text(s, &h, &plan, boundary.as_deref());
    let content = MimeBody {
        body: &body,
        plan,
        attachments: &h.attachments,
        boundary,
    };
    let msg = Message {
        from: header::from_value(s),
        recipients: to,
        head,
        body: &content,
    };
    if !local.is_empty() {
        senderr += local::deliver(s, &local, &msg) as i32;
    }
    if msg.recipients.is_empty() {
        return senderr;
    }
    // The record copy is written before sendmail runs, and also with -d
    // (bsd-mailx does both).
    record::save(s, &msg);
    if opts.dry_run {
        outln!("{}", transport::dry_run_line(s, &msg));
        return senderr;
    }
    if transport::send(s, &msg).is_err() {
        dead_letter::save(s, &msg);
        senderr += 1;
    }
    senderr
}
