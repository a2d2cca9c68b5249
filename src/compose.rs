//! Composing a message: from a pipe (the body is read as is) or, when
//! interactive, with the Subject/Cc/Bcc prompts, `.`/EOF handling and tilde
//! escapes.

use crate::collect::{self, Body};
use crate::send::{self, Header, SendOpts};
use crate::session::Session;
use std::io::{self, BufRead, IsTerminal, Write};

/// Send mode from the command line: collect the body, then send.
pub fn send_from_command_line(s: &mut Session, header: Header, opts: SendOpts) -> i32 {
    let mut header = header;
    let body = if s.interactive() {
        match collect_interactive(s, &mut header) {
            Ok(Some(b)) => b,
            Ok(None) => return 0,
            Err(e) => {
                crate::util::warn("temporary file", &e);
                return 1;
            }
        }
    } else {
        match collect::collect_stream(&mut io::stdin().lock()) {
            Ok(b) => b,
            Err(e) => {
                crate::util::warn("cannot read the message", &e);
                return 1;
            }
        }
    };
    send::mail1(s, header, body, opts)
}

/// Reads one line from stdin for a prompt; None at EOF.
fn read_line_stdin() -> Option<String> {
    let mut line = String::new();
    match io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if line.ends_with('\n') {
                line.pop();
            }
            Some(line)
        }
    }
}

fn prompt(text: &str) {
    crate::outp!("{text}");
    crate::output::flush();
}

/// Splits a typed recipient line (blanks and commas) into names.
fn typed_names(line: &str) -> Vec<String> {
    crate::names::extract(line, crate::names::Kind::To)
        .into_iter()
        .map(|n| n.name)
        .collect()
}

/// The interactive composer. Returns None when the message was aborted.
pub fn collect_interactive(s: &mut Session, h: &mut Header) -> io::Result<Option<Body>> {
    let tty = io::stdin().is_terminal();
    if tty && h.subject.is_none() && (s.is_set("ask") || s.is_set("asksub")) {
        prompt("Subject: ");
        h.subject = Some(read_line_stdin().unwrap_or_default());
    }
    let mut body = Body::new()?;
    let dot = s.is_set("dot") || s.is_set("ignoreeof");
    let mut eofcount = 0;
    {
        let mut w = body.writer();
        loop {
            let mut raw = Vec::new();
            let n = io::stdin().lock().read_until(b'\n', &mut raw)?;
            if n == 0 {
                // bsd-mailx: `++eofcount < 25`, so the reminder is printed 24 times.
                if s.is_set("ignoreeof") && eofcount < 24 {
                    eofcount += 1;
                    crate::outln!("Use \".\" to terminate letter");
                    crate::output::flush();
                    continue;
                }
                break;
            }
            let line_end = raw.last() == Some(&b'\n');
            let content = if line_end {
                &raw[..raw.len() - 1]
            } else {
                &raw[..]
            };
            if dot && content == b"." {
                break;
            }
            w.write_all(&raw)?;
            if !line_end {
                break;
            }
        }
        w.finish()?;
    }
    let ask_cc = s.is_set("askcc");
    let ask_bcc = s.is_set("askbcc");
    if tty && (ask_cc || ask_bcc) {
        if ask_cc {
            prompt("Cc: ");
            if let Some(l) = read_line_stdin() {
                h.cc.extend(typed_names(&l));
            }
        }
        if ask_bcc {
            prompt("Bcc: ");
            if let Some(l) = read_line_stdin() {
                h.bcc.extend(typed_names(&l));
            }
        }
    } else if !ask_cc || tty {
        crate::outln!("EOT");
    }
    crate::output::flush();
    Ok(Some(body))
}
