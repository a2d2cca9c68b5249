//! File and pipe recipients (`/path`, `+folder`, `|command`), delivered here
//! only with `expandaddr` set: the message in mbox form (a `From ` line, the
//! message, a blank line) is appended to the file or written into the
//! command's stdin.

use super::record;
use crate::child::{self, Exit};
use crate::expand;
use crate::names::Name;
use crate::output;
use crate::session::Session;
use crate::transport::Message;
use crate::util;
use std::io::{self, Write};

/// Is this recipient a file or pipe (only acted on with `expandaddr`)?
pub(super) fn is_file_or_pipe(name: &str) -> bool {
    name.starts_with('/') || name.starts_with('+') || name.starts_with('|')
}

/// Delivers to file and pipe recipients; returns the number of failures.
pub(super) fn deliver(s: &Session, targets: &[Name], msg: &Message) -> usize {
    let image = (|| -> io::Result<Vec<u8>> {
        let mut v = record::from_line(s).into_bytes();
        msg.write_all(&mut v)?;
        v.push(b'\n');
        Ok(v)
    })();
    let mut errs = 0;
    for t in targets {
        let data = match &image {
            Ok(d) => d,
            Err(e) => {
                util::warn("temporary file", e);
                errs += 1;
                continue;
            }
        };
        if let Some(cmd) = t.name.strip_prefix('|') {
            let shell = s
                .value("SHELL")
                .filter(|v| !v.is_empty())
                .unwrap_or("/bin/sh")
                .to_string();
            let r = (|| -> io::Result<Exit> {
                let mut c = child::spawn_with_stdin(&shell, &["-c", cmd])?;
                if let Some(mut i) = c.stdin.take() {
                    let _ = i.write_all(data);
                }
                child::wait(&mut c)
            })();
            match r {
                Ok(Exit::Code(0)) => {}
                Ok(_) => {
                    output::err_line(&format!("Pipe to \"{cmd}\" failed"));
                    errs += 1;
                }
                Err(e) => {
                    util::warn(&shell, &e);
                    errs += 1;
                }
            }
        } else {
            let Some(path) = expand::expand(s, &t.name) else {
                errs += 1;
                continue;
            };
            if let Err(e) = util::append_private(&path, &[data]) {
                util::warn(&path, &e);
                errs += 1;
            }
        }
    }
    errs
}
