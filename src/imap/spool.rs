//! Message texts kept on disk instead of in memory: one private temporary
//! file per open IMAP folder (`util::anon_temp_file`: mode 0600, created
//! with O_EXCL in `$TMPDIR`, its name removed at once, so it is gone when
//! the folder is closed or the process dies). A literal larger than the
//! memory threshold is written here by the connection as it arrives
//! ([`Spool::begin`], [`Spool::write`], [`Spool::end`]), its CRLF line ends
//! made LF on the way, and read back through a [`RegionReader`]. One file
//! for every message keeps one descriptor whatever the user reads.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read};
use std::os::unix::fs::FileExt;
use std::sync::{Arc, Mutex, MutexGuard};

use crate::util;

/// One message text in the spool file (LF line ends).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Region {
    pub offset: u64,
    pub len: u64,
    /// Lines as `count_lines` counts them (an unterminated last line too).
    pub lines: u64,
}

/// The literal being written.
struct Cur {
    start: u64,
    len: u64,
    newlines: u64,
    /// The last byte written was a CR that a LF may follow.
    cr: bool,
    last: u8,
}

struct State {
    file: Option<Arc<File>>,
    end: u64,
    cur: Option<Cur>,
    done: Vec<Region>,
}

/// The spool of one folder (cheap to clone: shared).
#[derive(Clone)]
pub(crate) struct Spool(Arc<Mutex<State>>);

impl Spool {
    /// A spool whose file is made when the first literal arrives.
    pub(crate) fn new() -> Spool {
        Spool(Arc::new(Mutex::new(State {
            file: None,
            end: 0,
            cur: None,
            done: Vec::new(),
        })))
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A literal starts.
    pub(crate) fn begin(&self) -> io::Result<()> {
        let mut s = self.state();
        if s.file.is_none() {
            s.file = Some(Arc::new(util::anon_temp_file("imap")?));
        }
        s.cur = Some(Cur {
            start: s.end,
            len: 0,
            newlines: 0,
            cr: false,
            last: b'\n',
        });
        Ok(())
    }

    /// The next bytes of the literal (CRLF as the server sends it).
    pub(crate) fn write(&self, b: &[u8]) -> io::Result<()> {
        let mut s = self.state();
        let State { file, cur, .. } = &mut *s;
        let (Some(file), Some(cur)) = (file.as_ref(), cur.as_mut()) else {
            return Err(io::Error::other("spool: no literal started"));
        };
        if b.is_empty() {
            return Ok(());
        }
        let mut out = Vec::with_capacity(b.len() + 1);
        let mut rest = b;
        if cur.cr {
            cur.cr = false;
            if !rest.starts_with(b"\n") {
                out.push(b'\r');
            }
        }
        while let Some(p) = memchr::memchr(b'\r', rest) {
            out.extend_from_slice(&rest[..p]);
            match rest.get(p + 1) {
                Some(b'\n') => {}
                Some(_) => out.push(b'\r'),
                None => cur.cr = true,
            }
            rest = &rest[p + 1..];
        }
        out.extend_from_slice(rest);
        put(file, cur, &out)
    }

    /// The literal is complete: its region is kept for [`Spool::take_done`].
    pub(crate) fn end(&self) -> io::Result<()> {
        let mut s = self.state();
        let State {
            file,
            cur,
            end,
            done,
        } = &mut *s;
        let (Some(file), Some(mut c)) = (file.as_ref(), cur.take()) else {
            return Err(io::Error::other("spool: no literal started"));
        };
        if c.cr {
            put(file, &mut c, b"\r")?;
        }
        let lines = c.newlines + u64::from(c.len > 0 && c.last != b'\n');
        *end = c.start + c.len;
        done.push(Region {
            offset: c.start,
            len: c.len,
            lines,
        });
        Ok(())
    }

    /// The regions completed since the last call.
    pub(crate) fn take_done(&self) -> Vec<Region> {
        std::mem::take(&mut self.state().done)
    }

    /// A reader over `r`.
    pub(crate) fn reader(&self, r: Region) -> io::Result<BufReader<RegionReader>> {
        let file = self
            .state()
            .file
            .clone()
            .ok_or_else(|| io::Error::other("spool: no file"))?;
        Ok(BufReader::with_capacity(
            1 << 16,
            RegionReader {
                file,
                pos: r.offset,
                end: r.offset + r.len,
            },
        ))
    }

    /// The header of the text in `r`: up to and including the first empty
    /// line's LF (none when the text starts with one), at most `max` bytes.
    pub(crate) fn header(&self, r: Region, max: usize) -> io::Result<Vec<u8>> {
        let mut rd = self.reader(r)?;
        let mut out = Vec::new();
        let mut line = Vec::new();
        while out.len() < max {
            line.clear();
            let n = (&mut rd)
                .take((max - out.len()) as u64)
                .read_until(b'\n', &mut line)?;
            if n == 0 || line == b"\n" {
                break;
            }
            out.extend_from_slice(&line);
        }
        Ok(out)
    }
}

fn put(file: &File, cur: &mut Cur, b: &[u8]) -> io::Result<()> {
    if b.is_empty() {
        return Ok(());
    }
    file.write_all_at(b, cur.start + cur.len)?;
    cur.len += b.len() as u64;
    cur.newlines += memchr::memchr_iter(b'\n', b).count() as u64;
    cur.last = b[b.len() - 1];
    Ok(())
}

/// Reads one region of the spool file (positioned reads: readers of
/// several messages do not disturb each other).
pub(crate) struct RegionReader {
    file: Arc<File>,
    pos: u64,
    end: u64,
}

impl Read for RegionReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min((self.end - self.pos) as usize);
        if want == 0 {
            return Ok(0);
        }
        let n = self.file.read_at(&mut buf[..want], self.pos)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "the temporary file of a message is shorter than written",
            ));
        }
        self.pos += n as u64;
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::maildir::count_lines;

    fn spooled(pieces: &[&[u8]]) -> (Vec<u8>, Region) {
        let s = Spool::new();
        // Something before, so that offsets are tested too.
        s.begin().unwrap();
        s.write(b"x\r\n").unwrap();
        s.end().unwrap();
        s.take_done();
        s.begin().unwrap();
        for p in pieces {
            s.write(p).unwrap();
        }
        s.end().unwrap();
        let r = s.take_done()[0];
        let mut v = Vec::new();
        s.reader(r).unwrap().read_to_end(&mut v).unwrap();
        (v, r)
    }

    #[test]
    fn crlf_becomes_lf_across_pieces() {
        let whole: &[u8] = b"a\r\nb\rc\r\r\n\r\nd\r";
        let want = super::super::folder::to_lf(whole.to_vec());
        for cut in 0..=whole.len() {
            for cut2 in cut..=whole.len() {
                let (v, r) = spooled(&[&whole[..cut], &whole[cut..cut2], &whole[cut2..]]);
                assert_eq!(v, want, "cut at {cut}, {cut2}");
                assert_eq!(r.len, want.len() as u64);
                assert_eq!(r.lines, count_lines(&want));
                assert_eq!(r.offset, 2);
            }
        }
        let (v, r) = spooled(&[b"no end"]);
        assert_eq!((v.as_slice(), r.lines), (&b"no end"[..], 1));
        let (v, r) = spooled(&[]);
        assert_eq!((v.len(), r.lines), (0, 0));
    }

    #[test]
    fn header_stops_at_the_empty_line() {
        let s = Spool::new();
        s.begin().unwrap();
        s.write(b"A: 1\r\nB: 2\r\n\r\nbody\r\n").unwrap();
        s.end().unwrap();
        let r = s.take_done()[0];
        assert_eq!(s.header(r, 100).unwrap(), b"A: 1\nB: 2\n");
        assert_eq!(s.header(r, 3).unwrap(), b"A: ");
    }
}
