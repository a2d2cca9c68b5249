//! MIME parts of received messages: `attachments` lists them, numbered as
//! the `[-- #n ... --]` lines of `print` number them; `detach` writes the
//! decoded bytes of one part to a new file. Parsing is `mimeview`'s.

use super::ReadState;
use crate::mimeview::{self, Term};
use crate::session::Session;
use crate::term::text::safe_text;
use crate::{expand, outln, util};
use std::io::Write;

/// Text from a message made safe for the terminal (any locale).
fn shown(text: &str) -> String {
    let t = mimeview::term();
    let utf8 = t == Term::Utf8;
    let bytes = match t {
        Term::Utf8 => text.as_bytes().to_vec(),
        _ => mimeview::to_terminal(text, Term::Raw),
    };
    safe_text(&bytes, utf8)
}

/// `attachments [msglist]`: `Message N:` and one line per part.
pub(crate) fn attachments(st: &mut ReadState, msgvec: &[usize]) -> bool {
    let count = st.count();
    for &m in msgvec.iter().take(count) {
        st.dot = m - 1;
        let raw = match st.mb.raw_message(m - 1) {
            Ok(r) => r,
            Err(e) => {
                util::warn("message", &e);
                return false;
            }
        };
        outln!("Message {m}:");
        match mimeview::list_parts(&raw) {
            Some(parts) => {
                for p in parts {
                    let mut line = format!("{}#{} {}", "  ".repeat(p.depth), p.num, p.mimetype);
                    if let Some(f) = &p.filename {
                        line.push_str(", ");
                        line.push_str(&shown(f));
                    }
                    line.push_str(", ");
                    line.push_str(&mimeview::human_size(p.size));
                    outln!("{line}");
                }
            }
            None => outln!("(not a MIME message this program can parse)"),
        }
    }
    true
}

/// `detach [message] part file`: the decoded bytes of one part to a new
/// file (never overwriting one); prints `"file" [New file] N bytes`.
pub(crate) fn detach(s: &mut Session, st: &mut ReadState, words: &[String]) -> bool {
    let (msg, part, file) = match words {
        [p, f] => (st.dot + 1, p.as_str(), f.as_str()),
        [m, p, f] => {
            let n = super::atoi(m);
            let count = st.count() as i64;
            if n < 1 || n > count {
                outln!("{n}: Invalid message number");
                return false;
            }
            (n as usize, p.as_str(), f.as_str())
        }
        _ => return false,
    };
    if st.count() == 0 {
        outln!("No messages.");
        return false;
    }
    let partno = super::atoi(part);
    if partno < 1 {
        outln!("\"{part}\": not a part number (see \"attachments\")");
        return false;
    }
    st.dot = msg - 1;
    let raw = match st.mb.raw_message(msg - 1) {
        Ok(r) => r,
        Err(e) => {
            util::warn("message", &e);
            return false;
        }
    };
    let Some((_, data)) = mimeview::part_data(&raw, partno as usize) else {
        outln!("No part {partno} in message {msg}");
        return false;
    };
    let Some(path) = expand::expand(s, file) else {
        return false;
    };
    let f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&path);
    let mut f = match f {
        Ok(f) => f,
        Err(e) => {
            util::warn(&path, &e);
            return false;
        }
    };
    if let Err(e) = f.write_all(&data) {
        util::warn(&path, &e);
        return false;
    }
    outln!("\"{path}\" [New file] {} bytes", data.len());
    true
}
