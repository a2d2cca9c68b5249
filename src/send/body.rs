//! The body of a message being sent, held in an unlinked temporary file,
//! and collecting it from a pipe or file.
//!
//! From a pipe or file (not interactive) the body is streamed into a private
//! temporary file: CRLF becomes LF, every other byte (NUL included) is kept,
//! a final line without a newline gets one, and nothing else is interpreted
//! (no tilde escapes, a lone `.` is text; CVE-2002-1271). Memory stays bounded
//! whatever the size. The interactive composer lives in `compose`.

use crate::transport::Content;
use crate::util;
use std::fs::File;
use std::io::{self, Read, Write};
use std::os::unix::fs::FileExt;

/// A collected body, held in an unlinked temporary file.
pub struct Body {
    file: File,
    pub len: u64,
    /// Some byte is outside 7-bit ASCII.
    pub eightbit: bool,
    /// The longest line, in bytes, without its newline.
    pub max_line: usize,
    /// The body contains a NUL byte.
    pub has_nul: bool,
}

impl Body {
    /// An empty body in a new temporary file.
    pub(crate) fn new() -> io::Result<Body> {
        Ok(Body {
            file: util::anon_temp_file("Rs")?,
            len: 0,
            eightbit: false,
            max_line: 0,
            has_nul: false,
        })
    }

    /// Copies the whole body into `w` (reads at offsets: no shared file position).
    pub(crate) fn copy_to(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut off = 0u64;
        while off < self.len {
            let n = self.file.read_at(&mut buf, off)?;
            if n == 0 {
                break;
            }
            w.write_all(&buf[..n])?;
            off += n as u64;
        }
        Ok(())
    }

    /// True when the body is valid UTF-8 (checked in chunks, carrying an
    /// incomplete character across chunk ends).
    pub(crate) fn is_valid_utf8(&self) -> io::Result<bool> {
        let mut buf = vec![0u8; 64 * 1024 + 4];
        let mut carry = 0usize;
        let mut off = 0u64;
        while off < self.len {
            let n = self.file.read_at(&mut buf[carry..carry + 64 * 1024], off)?;
            if n == 0 {
                break;
            }
            off += n as u64;
            let data = &buf[..carry + n];
            match std::str::from_utf8(data) {
                Ok(_) => carry = 0,
                Err(e) if e.error_len().is_none() => {
                    let good = e.valid_up_to();
                    let rest = data.len() - good;
                    buf.copy_within(good..good + rest, 0);
                    carry = rest;
                }
                Err(_) => return Ok(false),
            }
        }
        Ok(carry == 0)
    }

    /// Calls `f` for each line (with its newline) in order, one line in memory at a time.
    pub(crate) fn for_each_line(
        &self,
        f: &mut dyn FnMut(&[u8]) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut buf = vec![0u8; 64 * 1024];
        let mut line: Vec<u8> = Vec::new();
        let mut off = 0u64;
        while off < self.len {
            let n = self.file.read_at(&mut buf, off)?;
            if n == 0 {
                break;
            }
            off += n as u64;
            let mut rest = &buf[..n];
            while let Some(i) = memchr::memchr(b'\n', rest) {
                line.extend_from_slice(&rest[..=i]);
                f(&line)?;
                line.clear();
                rest = &rest[i + 1..];
            }
            line.extend_from_slice(rest);
        }
        if !line.is_empty() {
            f(&line)?;
        }
        Ok(())
    }

    /// The whole body in memory (for small bodies: editing, `~p`).
    pub fn to_vec(&self) -> io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.len as usize);
        self.copy_to(&mut v)?;
        Ok(v)
    }

    /// A writer that appends normalised text (CRLF → LF, stats kept).
    pub(crate) fn writer(&mut self) -> BodyWriter<'_> {
        let at = self.len;
        BodyWriter {
            body: self,
            pending_cr: false,
            line_len: 0,
            buf: Vec::with_capacity(64 * 1024),
            last_line_end: at,
        }
    }

    /// Appends text (CRLF → LF) at the end.
    pub(crate) fn append(&mut self, data: &[u8]) -> io::Result<()> {
        let mut w = self.writer();
        w.write_all(data)?;
        w.flush_buf()?;
        // Keep an unterminated line unterminated: typed lines carry their own newline.
        if w.pending_cr {
            w.pending_cr = false;
            w.push(b'\r');
            w.flush_buf()?;
        }
        Ok(())
    }

    /// Replaces the content with `data` (used after an edit or a filter).
    pub(crate) fn replace(&mut self, data: &[u8]) -> io::Result<()> {
        self.file.set_len(0)?;
        self.len = 0;
        self.eightbit = false;
        self.max_line = 0;
        self.has_nul = false;
        let mut w = self.writer();
        w.write_all(data)?;
        w.finish()
    }
}

impl Content for Body {
    fn write_to(&self, w: &mut dyn Write) -> io::Result<()> {
        self.copy_to(w)
    }
}

/// Appends to a `Body`, converting CRLF to LF and keeping statistics.
pub(crate) struct BodyWriter<'a> {
    body: &'a mut Body,
    pending_cr: bool,
    line_len: usize,
    buf: Vec<u8>,
    /// Body length up to and including the last complete line.
    last_line_end: u64,
}

impl BodyWriter<'_> {
    fn push(&mut self, b: u8) {
        if b == b'\n' {
            self.body.max_line = self.body.max_line.max(self.line_len);
            self.line_len = 0;
            self.last_line_end = self.body.len + self.buf.len() as u64 + 1;
        } else {
            self.line_len += 1;
            if b >= 0x80 {
                self.body.eightbit = true;
            } else if b == 0 {
                self.body.has_nul = true;
            }
        }
        self.buf.push(b);
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        if !self.buf.is_empty() {
            // Say which file failed: "cannot read the message: No space left
            // on device" would blame standard input for a full $TMPDIR.
            self.body
                .file
                .write_all_at(&self.buf, self.body.len)
                .map_err(|e| {
                    io::Error::new(e.kind(), format!("temporary file: {}", util::strerror(&e)))
                })?;
            self.body.len += self.buf.len() as u64;
            self.buf.clear();
        }
        Ok(())
    }

    /// Ends the body: a missing final newline is added. A CR at the very end
    /// is dropped like the CR of a CRLF, since the last line gets its newline
    /// here (bsd-mailx strips one trailing CR from every line it reads,
    /// the final unterminated one included: `end\r` at EOF → `end\n`).
    pub(crate) fn finish(mut self) -> io::Result<()> {
        if self.pending_cr {
            self.pending_cr = false;
            self.push(b'\n');
        } else if self.line_len > 0 {
            self.push(b'\n');
        }
        self.flush_buf()
    }

    /// Ends an interrupted body: only complete lines are kept (bsd-mailx
    /// reads line by line, so a partial last line was never collected).
    pub(crate) fn finish_complete_lines(mut self) -> io::Result<()> {
        self.flush_buf()?;
        self.body.file.set_len(self.last_line_end)?;
        self.body.len = self.last_line_end;
        Ok(())
    }
}

impl Write for BodyWriter<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        for &b in data {
            if self.pending_cr {
                self.pending_cr = false;
                if b != b'\n' {
                    self.push(b'\r');
                }
            }
            if b == b'\r' {
                self.pending_cr = true;
            } else {
                self.push(b);
            }
        }
        if self.buf.len() >= 64 * 1024 {
            self.flush_buf()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.flush_buf()
    }
}

/// Reads a whole non-interactive body from `input`.
pub fn collect_stream(input: &mut dyn Read) -> io::Result<Body> {
    collect_stream_interruptible(input, &|| false).map(|(b, _)| b)
}

/// Reads a whole non-interactive body from `input`, stopping early when
/// `stop()` becomes true (checked after every read, including one cut
/// short by a signal: EINTR). Returns the body and whether it was stopped;
/// a stopped body holds only its complete lines.
pub(crate) fn collect_stream_interruptible(
    input: &mut dyn Read,
    stop: &dyn Fn() -> bool,
) -> io::Result<(Body, bool)> {
    let mut body = Body::new()?;
    let mut w = body.writer();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match input.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => 0,
            Err(e) => return Err(e),
        };
        w.write_all(&buf[..n])?;
        if stop() {
            w.finish_complete_lines()?;
            return Ok((body, true));
        }
    }
    w.finish()?;
    Ok((body, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(data: &[u8]) -> (Vec<u8>, Body) {
        let b = collect_stream(&mut &data[..]).unwrap();
        (b.to_vec().unwrap(), b)
    }

    #[test]
    fn crlf_nul_and_final_newline() {
        let (v, b) = collect(b"a\r\nb\0c\nd");
        assert_eq!(v, b"a\nb\0c\nd\n");
        assert!(b.has_nul);
        assert!(!b.eightbit);
        assert_eq!(b.max_line, 3);
    }

    #[test]
    fn lone_and_double_cr() {
        let (v, _) = collect(b"a\rb\r\r\nc\r");
        assert_eq!(v, b"a\rb\r\nc\n");
        let (v, _) = collect(b"a\n\r");
        assert_eq!(v, b"a\n\n");
    }

    #[test]
    fn empty_stays_empty() {
        let (v, b) = collect(b"");
        assert!(v.is_empty());
        assert_eq!(b.len, 0);
    }

    #[test]
    fn tilde_and_dot_are_text() {
        let (v, _) = collect(b"~! touch /tmp/x\n.\nmore\n");
        assert_eq!(v, b"~! touch /tmp/x\n.\nmore\n");
    }

    #[test]
    fn interrupted_keeps_complete_lines() {
        let mut body = Body::new().unwrap();
        let mut w = body.writer();
        w.write_all(b"one\r\ntwo\nthr").unwrap();
        w.finish_complete_lines().unwrap();
        assert_eq!(body.to_vec().unwrap(), b"one\ntwo\n");
        assert_eq!(body.len, 8);
        let stop = || true;
        let (b, stopped) = collect_stream_interruptible(&mut &b"a\nb"[..], &stop).unwrap();
        assert!(stopped);
        assert_eq!(b.to_vec().unwrap(), b"a\n");
    }

    #[test]
    fn cr_split_across_writes() {
        let mut body = Body::new().unwrap();
        let mut w = body.writer();
        w.write_all(b"x\r").unwrap();
        w.write_all(b"\ny").unwrap();
        w.finish().unwrap();
        assert_eq!(body.to_vec().unwrap(), b"x\ny\n");
    }
}
