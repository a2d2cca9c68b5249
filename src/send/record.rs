//! The `record` copy of every sent message, appended in mbox format (a
//! `From ` line, the message with `From ` lines in its body quoted as
//! `>From `, a blank line), or delivered into a Maildir, and the `From `
//! line that local file and pipe recipients get too.

use crate::expand;
use crate::mailbox::from_line::mbox_date;
use crate::mailbox::maildir::{create as create_maildir, deliver, is_maildir};
use crate::session::Session;
use crate::sys::localtime_now;
use crate::transport::Message;
use crate::util;
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;

/// The local time now as strftime's `%a %b %e %H:%M:%S %Y` in the C
/// locale (LC_TIME is never set), for From_ lines.
fn ctime_now() -> String {
    mbox_date(&localtime_now())
}

/// The mbox separator for a message we send now: `From login ctime\n`.
pub(super) fn from_line(s: &Session) -> String {
    format!("From {} {}\n", s.myname, ctime_now())
}

/// Quotes every line starting `From ` as `>From ` on its way to `inner`.
struct FromQuoter<'a> {
    inner: &'a mut dyn Write,
    at_line_start: bool,
    partial: Vec<u8>,
}

impl<'a> FromQuoter<'a> {
    fn new(inner: &'a mut dyn Write) -> Self {
        FromQuoter {
            inner,
            at_line_start: true,
            partial: Vec::new(),
        }
    }

    fn finish(&mut self) -> io::Result<()> {
        if !self.partial.is_empty() {
            let p = std::mem::take(&mut self.partial);
            self.inner.write_all(&p)?;
        }
        Ok(())
    }
}

impl Write for FromQuoter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        for &b in data {
            if self.at_line_start || !self.partial.is_empty() {
                self.partial.push(b);
                self.at_line_start = false;
                if self.partial.len() == 5 || b == b'\n' {
                    if self.partial == b"From " {
                        self.inner.write_all(b">")?;
                    }
                    let p = std::mem::take(&mut self.partial);
                    self.inner.write_all(&p)?;
                    self.at_line_start = b == b'\n';
                }
                continue;
            }
            self.inner.write_all(&[b])?;
            if b == b'\n' {
                self.at_line_start = true;
            }
        }
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

/// Appends the message to the file the `record` variable names, if any.
pub(super) fn save(s: &Session, msg: &Message) {
    if let Some(rec) = s.value("record").filter(|r| !r.is_empty())
        && let Some(path) = expand::expand(s, rec)
    {
        let p = std::path::Path::new(&path);
        let missing = fs::symlink_metadata(p).is_err();
        let new_maildir =
            missing && (path.ends_with('/') || s.value("newfolders") == Some("maildir"));
        if new_maildir || is_maildir(p) {
            write_maildir(&path, msg, new_maildir);
        } else {
            write(s, &path, msg);
        }
    }
}

/// Delivers the message into the Maildir `path` (created first when
/// `create` is set), marked seen: no From_ line, no `>From` quoting.
fn write_maildir(path: &str, msg: &Message, create: bool) {
    let r = (|| -> io::Result<()> {
        if create {
            create_maildir(path.as_ref())?;
        }
        let mut v = msg.head.as_bytes().to_vec();
        msg.body.write_to(&mut v)?;
        deliver(path.as_ref(), Some("S"), &v).map(|_| ())
    })();
    if let Err(e) = r {
        util::warn(path, &e);
    }
}

/// Appends the message to `path` in mbox format. On a write error the file
/// is cut back to its old length (no partial message; the error is
/// bsd-mailx's `mail: path: strerror`). The exit status is not changed: the
/// message itself still goes out, and a failure status would invite a
/// script to send it twice (docs/COMPATIBILITY.md S14).
fn write(s: &Session, path: &str, msg: &Message) {
    let mut old_len = None;
    let r = (|| -> io::Result<()> {
        let f = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(path)?;
        old_len = Some(f.metadata()?.len());
        let mut w = io::BufWriter::new(f);
        w.write_all(from_line(s).as_bytes())?;
        w.write_all(msg.head.as_bytes())?;
        let mut q = FromQuoter::new(&mut w);
        msg.body.write_to(&mut q)?;
        q.finish()?;
        w.write_all(b"\n")?;
        w.flush()?;
        util::sync_appended(w.get_ref())
    })();
    if let Err(e) = r {
        util::warn(path, &e);
        if let Some(n) = old_len
            && let Ok(f) = std::fs::OpenOptions::new().write(true).open(path)
        {
            let _ = f.set_len(n);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_quoting() {
        let mut v = Vec::new();
        let mut q = FromQuoter::new(&mut v);
        for chunk in [&b"From me\nx From y\nFr"[..], b"om\nFrom \nFro"] {
            q.write_all(chunk).unwrap();
        }
        q.finish().unwrap();
        assert_eq!(v, b">From me\nx From y\nFrom\n>From \nFro");
    }
}
