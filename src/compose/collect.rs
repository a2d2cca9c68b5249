//! The interactive composer's loop: the `Subject:` prompt with `ask`, body
//! lines until EOF or `.` (with `dot`), `ignoreeof`, ^C (twice to abort,
//! the partial message to dead.letter unless `nosave`), hangup, tilde
//! escapes (looked up in `tilde`), and the `askcc`/`askbcc` prompts at the end.

use super::prompt::{ask_cc_bcc, prompt_line};
use super::tilde::{self, Step, Typed};
use super::{Compose, Host};
use crate::send::body::Body;
use crate::send::{Header, dead_letter};
use crate::session::Session;
use crate::term::signals;
use crate::term::stdin::{Line, read_line_fd0};
use crate::{outln, output};
use std::io::{self, IsTerminal};

/// What the tilde escapes work on.
pub(super) struct Composer<'a> {
    pub s: &'a mut Session,
    pub host: &'a mut dyn Host,
    pub h: &'a mut Header,
    pub body: Body,
    /// Standard input is a terminal: prompts, `(continue)`, `~h`.
    pub tty: bool,
}

/// How a line of input ended the body, if it did.
enum End {
    /// EOF or `.`: "EOT" is printed.
    Normally,
    /// `~.`: no "EOT".
    Quietly,
}

/// The interactive composer.
pub(crate) fn collect_interactive(
    s: &mut Session,
    host: &mut dyn Host,
    h: &mut Header,
) -> io::Result<Compose> {
    signals::install_interactive();
    let tty = io::stdin().is_terminal();
    let _composing = tty.then(signals::composing);
    if tty && h.subject.is_none() && (s.is_set("ask") || s.is_set("asksub")) {
        h.subject = Some(prompt_line("Subject: ", "").unwrap_or_default());
    }
    let mut c = Composer {
        s,
        host,
        h,
        body: Body::new()?,
        tty,
    };
    let end = match read_body(&mut c)? {
        Ok(end) => end,
        Err(stop) => return Ok(stop),
    };
    let Composer { s, h, body, .. } = c;
    let ask_cc = s.is_set("askcc");
    let ask_bcc = s.is_set("askbcc");
    if tty && (ask_cc || ask_bcc) {
        ask_cc_bcc(h, ask_cc, ask_bcc);
    } else if (!ask_cc || tty) && matches!(end, End::Normally) {
        outln!("EOT");
    }
    output::flush();
    Ok(Compose::Done(body))
}

/// Reads body lines and escapes until the body ends (`Ok(Ok(end))`) or
/// composing stops (`Ok(Err(how))`: aborted or hung up).
fn read_body(c: &mut Composer<'_>) -> io::Result<Result<End, Compose>> {
    let esc =
        c.s.value("escape")
            .and_then(|e| e.bytes().next())
            .unwrap_or(b'~');
    let dot = c.s.is_set("dot") || c.s.is_set("ignoreeof");
    let mut eofcount = 0;
    let mut had_interrupt = false;
    loop {
        let raw = match read_line_fd0() {
            Line::Text(t) => t,
            Line::Eof => {
                eofcount += 1;
                if c.s.is_set("ignoreeof") && eofcount < 25 {
                    outln!("Use \".\" to terminate letter");
                    output::flush();
                    continue;
                }
                return Ok(Ok(End::Normally));
            }
            Line::Interrupt => {
                if c.s.is_set("ignore") {
                    outln!("@");
                    output::flush();
                    continue;
                }
                if c.tty && !had_interrupt {
                    had_interrupt = true;
                    output::err_line("\n(Interrupt -- one more to kill letter)");
                    continue;
                }
                if !c.s.is_set("nosave") {
                    dead_letter::save(c.s, &c.body);
                }
                return Ok(Err(Compose::Aborted));
            }
            Line::Hangup => {
                if !c.s.is_set("nosave") {
                    dead_letter::save(c.s, &c.body);
                }
                return Ok(Err(Compose::HungUp));
            }
        };
        had_interrupt = false;
        let content = raw.strip_suffix(b"\n").unwrap_or(&raw);
        if dot && content == b"." {
            return Ok(Ok(End::Normally));
        }
        if content.first() != Some(&esc) || content.len() < 2 {
            // As bsd-mailx's line reader: one CR before the end of the line
            // goes, and every line ends with a newline.
            let text = content.strip_suffix(b"\r").unwrap_or(content);
            let mut line = Vec::with_capacity(text.len() + 1);
            line.extend_from_slice(text);
            line.push(b'\n');
            c.body.append(&line)?;
            continue;
        }
        let letter = content[1];
        let step = if letter == esc {
            // The escape character twice: the line without the first one.
            c.body.append(&raw[1..])?;
            Step::Next
        } else {
            match tilde::lookup(letter) {
                Some(run) => {
                    let raw_arg = String::from_utf8_lossy(&content[2..]).into_owned();
                    let arg = raw_arg.trim_start_matches([' ', '\t']).to_string();
                    let typed = Typed {
                        letter,
                        raw: raw_arg,
                        arg,
                    };
                    run(c, &typed)?
                }
                None => {
                    outln!("Unknown tilde escape.");
                    Step::Next
                }
            }
        };
        match step {
            Step::Next => {}
            Step::Continue => {
                if c.tty {
                    outln!("(continue)");
                }
            }
            Step::EndQuietly => return Ok(Ok(End::Quietly)),
            Step::Stop(how) => return Ok(Err(how)),
        }
        output::flush();
    }
}
