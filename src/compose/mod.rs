//! Composing a message: from a pipe (the body is read as is) or, when
//! interactive (a terminal, `-I` or `set interactive`), with the
//! Subject/Cc/Bcc prompts, `.`/EOF handling, interrupts and tilde escapes.
//!
//! Tilde escapes are recognised only in `collect_interactive`, never in
//! `collect::collect_stream` (piped input), so data can never run commands
//! (CVE-2002-1271 class).
//!
//! - `collect`: the loop that reads the body line by line;
//! - `tilde`: the table of tilde escapes, each row carrying its handler;
//! - `prompt`: header prompts (`Subject:`, `~h`, `askcc`) and the reply preview.
//!
//! The composer does not know read mode: what it needs from the mode it
//! runs in (running a `~:` command, quoting messages for `~m`/`~f`) comes
//! through the [`Host`] trait, which the interpreter implements.

mod collect;
mod prompt;
mod tilde;

pub(crate) use collect::collect_interactive;
pub use tilde::{Escape, TILDE_ESCAPES};

use crate::expand;
use crate::names;
use crate::output;
use crate::send::body::{self, Body};
use crate::send::{self, Header, SendOpts, dead_letter, read_header};
use crate::session::Session;
use crate::term::signals;
use crate::term::stdin::{Line, read_line_fd0};
use crate::util;
use std::io;

/// What the composer needs from the mode it runs in.
pub trait Host {
    /// `~:`/`~_`: runs a command line.
    fn run_command(&mut self, s: &mut Session, line: &str);
    /// `~m`/`~f` (`~M`/`~F` with `all_headers`): the listed messages,
    /// rendered for quoting; `None` (reported) when there are none.
    fn quote(
        &mut self,
        s: &mut Session,
        list: &str,
        indent: bool,
        all_headers: bool,
    ) -> Option<Vec<u8>>;
}

/// A message to compose from read mode: its header as worked out from the
/// message replied to (or the `mail` command's names), the file to record
/// it in (`followup`), and whether to show the header first (replies).
pub struct Draft {
    pub header: Header,
    pub record: Option<String>,
    pub preview: bool,
}

/// How composing ended.
pub enum Compose {
    Done(Body),
    /// Aborted by the user (two interrupts, `~q`, `~x`): exit status 0.
    Aborted,
    /// SIGHUP: the partial message went to dead.letter; exit status 1.
    HungUp,
}

/// Send mode from the command line: collect the body, then send. With
/// `read_header` (`-t`) the message on standard input is read as it is (no
/// tilde escapes, even from a terminal) and its header block merged into
/// `header` (`send::read_header`); `have_from` says `-r` was given.
pub(crate) fn send_from_command_line(
    s: &mut Session,
    host: &mut dyn Host,
    header: Header,
    opts: SendOpts,
    read_header: Option<bool>,
) -> i32 {
    let mut header = header;
    let body = if s.interactive() && read_header.is_none() {
        match collect_interactive(s, host, &mut header) {
            Ok(Compose::Done(b)) => b,
            Ok(Compose::Aborted) => return 0,
            Ok(Compose::HungUp) => return 1,
            Err(e) => {
                util::warn("temporary file", &e);
                return 1;
            }
        }
    } else {
        // SIGINT/SIGHUP while a piped body is read: as bsd-mailx off a
        // terminal, the complete lines so far go to dead.letter (SIGINT
        // honours nosave and exits 0; SIGHUP always saves and exits 1).
        signals::install_interactive();
        let stop = || signals::interrupt_pending() || signals::hangup();
        match body::collect_stream_interruptible(&mut io::stdin().lock(), &stop) {
            Ok((b, false)) => b,
            Ok((b, true)) => {
                let hup = signals::hangup();
                if b.len > 0 && (hup || !s.is_set("nosave")) {
                    dead_letter::save(s, &b);
                }
                return i32::from(hup);
            }
            Err(e) => {
                util::warn("cannot read the message", &e);
                return 1;
            }
        }
    };
    let body = match read_header {
        None => body,
        Some(have_from) => match read_header::split(&body) {
            Ok(p) => {
                read_header::merge(&mut header, p.fields, have_from);
                p.body
            }
            Err(e) => {
                util::warn("cannot read the message", &e);
                dead_letter::save(s, &body);
                return 1;
            }
        },
    };
    if opts.record_by_recipient
        && let Some(first) = header.to.first()
    {
        // POSIX -F: the login part of the first To: address names the file
        // (`folder`/`outfolder` as for `Save`), in place of `record`.
        let login = names::sender_login(&names::skin(first));
        if login.is_empty() {
            s.vars.unset("record");
        } else {
            let path = expand::by_name_path(s, login);
            s.vars.set("record", &path);
        }
    }
    send::mail1(s, header, body, opts)
}

/// Read mode: collects the body of a draft (showing the header first for
/// replies, as bsd-mailx's `mail1(hp, printheaders)`) and sends it, with
/// `record` set to the draft's file meanwhile. False when the body could
/// not be collected.
pub(crate) fn compose_and_send(s: &mut Session, host: &mut dyn Host, draft: Draft) -> bool {
    let Draft {
        header: mut h,
        record,
        preview,
    } = draft;
    if preview {
        prompt::print_preview(&h);
    }
    let body = if s.interactive() {
        match collect_interactive(s, host, &mut h) {
            Ok(Compose::Done(b)) => b,
            Ok(Compose::Aborted) => return true,
            Ok(Compose::HungUp) => {
                output::flush();
                std::process::exit(1);
            }
            Err(e) => {
                util::warn("temporary file", &e);
                return false;
            }
        }
    } else {
        // Not interactive: the body is the rest of standard input, as is.
        output::flush();
        match body::collect_stream(&mut SharedStdin) {
            Ok(b) => b,
            Err(e) => {
                util::warn("cannot read the message", &e);
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
