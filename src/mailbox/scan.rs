//! The sequential mbox scanner: bsd-mailx's `setptr` (fio.c) over lines
//! read the way `fgets(buf, 8192)` reads them, producing one [`MsgEntry`]
//! per message (offsets and counts, never message text). [`scan_range`]
//! reads large blocks with `pread` and counts ordinary body lines in bulk
//! with `memchr`; the line-by-line path ([`Scanner::line`]) handles From_
//! lines, header blocks, `Status:` and lines longer than an fgets piece.

use std::fs::File;
use std::io;

use super::fields::status_value;
use super::flags::MsgFlags;
use super::from_line::parse_from_line;
use super::hash::fnv;
use super::kept::{Keeper, Kept};
use super::mbox::MsgEntry;
use super::pio::read_some_at;

/// bsd-mailx reads lines with `fgets(buf, BUFSIZ)`: at most this many bytes
/// per read.
pub(crate) const FGETS_CHUNK: u64 = 8191;

/// Size of the reads used while scanning. Small enough to stay in the
/// CPU's L2 cache between the kernel's copy and the search that follows:
/// 128 KiB took 12 % less CPU than 2 MiB to open the 100 MiB benchmark
/// mailbox, with 1,000 fewer page faults and 3 MiB less peak RSS (two
/// scan threads; docs/BENCHMARKS.md).
const SCAN_BUF: usize = 128 << 10;

/// Builds entries from lines. Offsets are absolute file offsets.
pub(crate) struct Scanner {
    msgs: Vec<MsgEntry>,
    cur: Option<MsgEntry>,
    /// The previous line was empty (a From_ line may start a message).
    maybe: bool,
    /// Still looking for `Status:` in this header block.
    inhead: bool,
    /// Before the first empty line of the current message.
    in_hdr: bool,
    /// Where the scan started (bytes before the first message count as
    /// preamble).
    start: u64,
    /// Treat the first line as a From_ line even if it is not one (used to
    /// recount one message).
    pub(crate) force_start: bool,
    /// Keeps the summary fields (see `kept`), when asked to.
    keeper: Option<Keeper>,
}

impl Scanner {
    pub(crate) fn new(start: u64) -> Self {
        Scanner {
            msgs: Vec::new(),
            cur: None,
            maybe: true,
            inhead: false,
            in_hdr: false,
            start,
            force_start: false,
            keeper: None,
        }
    }

    /// Also keep every message's summary fields (see `kept`), up to
    /// `budget` bytes.
    pub(crate) fn keep_fields(&mut self, budget: usize) {
        self.keeper = Some(Keeper::new(budget));
    }

    /// A scanner that starts at a [`split_point`](super::scan_parallel) in the middle of a
    /// message: the previous line was empty and the header block is over.
    /// Its first entry (at `start`, even when empty) is the continuation of
    /// the message before `start`; [`scan_parallel`](super::scan_parallel) folds it into that one.
    pub(crate) fn continuing(start: u64) -> Self {
        let mut sc = Scanner::new(start);
        sc.maybe = true;
        sc.cur = Some(MsgEntry {
            offset: start,
            len: 0,
            body_offset: start,
            lines: 0,
            size: 0,
            flags: MsgFlags::USED,
            header_end: start,
            from_len: 0,
            sender: (0, 0),
            date: (0, 0),
            fingerprint: 0,
            fp_len: 0,
            ends_blank: true,
        });
        sc
    }

    /// Finishes at file offset `end`; returns entries and preamble length.
    pub(crate) fn finish(self, end: u64) -> (Vec<MsgEntry>, u64) {
        let (msgs, pre, _) = self.finish_kept(end);
        (msgs, pre)
    }

    /// [`Scanner::finish`], with the kept fields if they were asked for
    /// (one span per entry).
    pub(crate) fn finish_kept(mut self, end: u64) -> (Vec<MsgEntry>, u64, Option<Kept>) {
        self.close(end);
        let pre = self.msgs.first().map(|m| m.offset).unwrap_or(end) - self.start;
        (self.msgs, pre, self.keeper.map(Keeper::into_kept))
    }

    fn close(&mut self, end: u64) {
        if let Some(mut m) = self.cur.take() {
            m.len = end - m.offset;
            m.ends_blank = self.maybe;
            if m.header_end == u64::MAX {
                m.header_end = end;
                m.body_offset = end;
            }
            self.msgs.push(m);
            if let Some(k) = &mut self.keeper {
                k.end();
            }
        }
    }

    /// In a message body after a non-empty line: only a line starting with
    /// `From ` after an empty line can change the state.
    #[inline]
    fn in_plain_body(&self) -> bool {
        self.cur.is_some() && !self.maybe && !self.in_hdr && !self.inhead && !self.force_start
    }

    /// Accounts for `seg`, whole lines of a body (see `in_plain_body`) in
    /// which no line but possibly the first starts with `From `. Stops
    /// before the first line longer than an fgets piece (those take the
    /// slow path); returns the bytes consumed.
    fn body_segment(&mut self, seg: &[u8]) -> usize {
        let w = FGETS_CHUNK as usize;
        let mut pos = 0;
        let mut done = seg.len();
        while seg.len() - pos > w {
            match memchr::memrchr(b'\n', &seg[pos..pos + w]) {
                Some(q) => pos += q + 1,
                None => {
                    done = pos;
                    break;
                }
            }
        }
        if done == 0 {
            return 0;
        }
        let part = &seg[..done];
        let lines = memchr::memchr_iter(b'\n', part).count() as u64;
        let crlfs = if memchr::memchr(b'\r', part).is_some() {
            memchr::memmem::find_iter(part, b"\r\n").count() as u64
        } else {
            0
        };
        // Is the last line empty (`\n` or `\r\n`)?
        let body = &part[..done - 1];
        let last_start = memchr::memrchr(b'\n', body).map(|p| p + 1).unwrap_or(0);
        let last = &body[last_start..];
        let blank = last.is_empty() || last == b"\r";
        if let Some(c) = &mut self.cur {
            c.lines += lines;
            c.size += done as u64 - crlfs;
        }
        self.maybe = blank;
        done
    }

    /// One line: `off` its offset, `head` its first bytes (at least
    /// `min(n, FGETS_CHUNK + 1)`), `n` its full length (newline included if
    /// any), `crlf` whether it ends with `\r\n`.
    #[inline]
    pub(crate) fn line(&mut self, off: u64, head: &[u8], n: u64, nl: bool, crlf: bool) {
        // Fast path: an ordinary body line after a non-empty line cannot
        // start a message, end a header block or hold a Status field.
        if !self.maybe && !self.in_hdr && !self.inhead && !self.force_start && n <= FGETS_CHUNK {
            if let Some(c) = &mut self.cur {
                c.lines += 1;
                c.size += n - crlf as u64;
            }
            self.maybe = (n == 1 && nl) || (n == 2 && crlf);
            return;
        }
        let long = n > FGETS_CHUNK;
        let first_len = if long {
            FGETS_CHUNK as usize
        } else {
            n as usize
        };
        let first = &head[..first_len.min(head.len())];
        // The first chunk as bsd-mailx tests it: newline (and the CR of a
        // CRLF) removed when the chunk ends the line.
        let text: &[u8] = if long {
            first
        } else if crlf {
            &first[..first.len() - 2]
        } else if first.last() == Some(&b'\n') {
            &first[..first.len() - 1]
        } else {
            first
        };
        let mut starts = false;
        if self.force_start {
            self.force_start = false;
            starts = true;
        }
        let parsed = if (self.maybe || starts) && text.first() == Some(&b'F') {
            parse_from_line(text)
        } else {
            None
        };
        if self.in_hdr
            && !starts
            && parsed.is_none()
            && !text.is_empty()
            && let Some(k) = &mut self.keeper
        {
            k.header_line(text, long);
        }
        if starts || parsed.is_some() {
            self.close(off);
            let (sender, date) = parsed.unwrap_or(((0, 0), (0, 0)));
            if let Some(k) = &mut self.keeper {
                let part = |(a, b): (usize, usize)| text.get(a..b).unwrap_or_default();
                k.begin((!long).then(|| (part(sender), part(date))));
            }
            let from_len = text.len().min(u32::MAX as usize) as u32;
            self.cur = Some(MsgEntry {
                offset: off,
                len: 0,
                body_offset: u64::MAX,
                lines: 0,
                size: 0,
                flags: MsgFlags::USED | MsgFlags::NEW,
                header_end: u64::MAX,
                from_len,
                fp_len: from_len,
                ends_blank: false,
                sender: (sender.0 as u32, sender.1 as u32),
                date: (date.0 as u32, date.1 as u32),
                fingerprint: fnv(&text[..from_len as usize]),
            });
            self.inhead = true;
            self.in_hdr = true;
        } else if text.is_empty() {
            self.inhead = false;
            if self.in_hdr {
                self.in_hdr = false;
                if let Some(c) = &mut self.cur {
                    c.header_end = off;
                    c.body_offset = off + n;
                }
            }
        } else if self.inhead
            && let Some(v) = status_value(text)
        {
            // Only the first Status line counts; a NUL ends the C string.
            if let Some(c) = &mut self.cur {
                for &b in v.iter().take_while(|&&b| b != 0) {
                    if b == b'R' {
                        c.flags.insert(MsgFlags::READ);
                    } else if b == b'O' {
                        c.flags.remove(MsgFlags::NEW);
                    }
                }
            }
            self.inhead = false;
        }
        let (chunks, last_len) = if long {
            let k = n.div_ceil(FGETS_CHUNK);
            (k, n - FGETS_CHUNK * (k - 1))
        } else {
            (1, n)
        };
        let converted = crlf && last_len >= 2;
        if let Some(c) = &mut self.cur {
            c.lines += chunks;
            c.size += n - converted as u64;
        }
        self.maybe = if long {
            // The last fgets chunk may be just "\n" (or "\r\n").
            let blank = (last_len == 1 && nl) || (last_len == 2 && crlf);
            if blank {
                self.inhead = false;
                if self.in_hdr {
                    self.in_hdr = false;
                    if let Some(c) = &mut self.cur {
                        c.header_end = off + n - last_len;
                        c.body_offset = off + n;
                    }
                }
            }
            blank
        } else {
            text.is_empty()
        };
    }
}

/// Feeds every line of `bytes` (which start at file offset `base`).
pub(crate) fn feed_bytes(sc: &mut Scanner, base: u64, bytes: &[u8]) {
    let mut pos = 0usize;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        let line = &bytes[pos..=nl];
        let crlf = line.len() >= 2 && line[line.len() - 2] == b'\r';
        sc.line(base + pos as u64, line, line.len() as u64, true, crlf);
        pos = nl + 1;
    }
    if pos < bytes.len() {
        let line = &bytes[pos..];
        sc.line(base + pos as u64, line, line.len() as u64, false, false);
    }
}

/// Scans from `start` to the end of the file; returns the end offset.
pub(crate) fn scan_file(f: &File, start: u64, sc: &mut Scanner) -> io::Result<u64> {
    scan_range(f, start, u64::MAX, sc)
}

/// Scans `[start, limit)` (or to the end of file).
pub(crate) fn scan_range(f: &File, start: u64, limit: u64, sc: &mut Scanner) -> io::Result<u64> {
    let mut buf = vec![0u8; SCAN_BUF];
    let from_finder = memchr::memmem::Finder::new(b"\nFrom ");
    // buf[..fill] holds file bytes starting at `base`.
    let mut base = start;
    let mut fill = 0usize;
    // A line longer than the buffer: its offset, first bytes, length so
    // far, and last byte seen.
    let mut long: Option<(u64, Vec<u8>, u64, u8)> = None;
    loop {
        let want = (buf.len() - fill) as u64;
        let want = want.min(limit.saturating_sub(base + fill as u64)) as usize;
        let n = if want == 0 {
            0
        } else {
            read_some_at(f, &mut buf[fill..fill + want], base + fill as u64)?
        };
        if n == 0 {
            // End of file.
            let end = base + fill as u64;
            if let Some((off, head, len, last)) = long.take() {
                let _ = last;
                sc.line(off, &head, len + fill as u64, false, false);
            } else if fill > 0 {
                sc.line(base, &buf[..fill], fill as u64, false, false);
            }
            return Ok(end);
        }
        let old_fill = fill;
        fill += n;
        let mut pos = 0usize;
        if let Some((off, head, len, last)) = &mut long {
            match memchr::memchr(b'\n', &buf[old_fill..fill]) {
                None => {
                    *len += (fill - old_fill) as u64;
                    *last = buf[fill - 1];
                    base += fill as u64;
                    fill = 0;
                    continue;
                }
                Some(p) => {
                    let nl = old_fill + p;
                    let prev = if nl > 0 { buf[nl - 1] } else { *last };
                    let total = *len + (nl + 1 - old_fill) as u64;
                    sc.line(*off, head, total, true, prev == b'\r');
                    pos = nl + 1;
                }
            }
            long = None;
        }
        let mut lstart = pos;
        while lstart < fill {
            if sc.in_plain_body() {
                // Skip to the next line starting with "From ", or to the
                // last complete line, counting in bulk.
                let hay = &buf[lstart..fill];
                let seg_end = match from_finder.find(hay) {
                    Some(p) => p + 1,
                    None => match memchr::memrchr(b'\n', hay) {
                        Some(p) => p + 1,
                        None => break,
                    },
                };
                let done = sc.body_segment(&hay[..seg_end]);
                lstart += done;
                if done == seg_end {
                    continue;
                }
            }
            let Some(rel) = memchr::memchr(b'\n', &buf[lstart..fill]) else {
                break;
            };
            let line = &buf[lstart..=lstart + rel];
            let crlf = line.len() >= 2 && line[line.len() - 2] == b'\r';
            sc.line(base + lstart as u64, line, line.len() as u64, true, crlf);
            lstart += rel + 1;
        }
        // Keep the partial last line.
        let rest = fill - lstart;
        if rest >= buf.len() / 2 {
            // A very long line: remember its head and skip the rest.
            let keep = (FGETS_CHUNK as usize + 1).min(rest);
            long = Some((
                base + lstart as u64,
                buf[lstart..lstart + keep].to_vec(),
                rest as u64,
                buf[fill - 1],
            ));
            base += fill as u64;
            fill = 0;
        } else {
            buf.copy_within(lstart..fill, 0);
            base += lstart as u64;
            fill = rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Mailbox;
    use crate::mailbox::testutil::rng;

    #[test]
    fn crlf_at_the_fgets_boundary_counts_like_the_reader() {
        for k in 8185..8200 {
            let mut m = b"From a@b Mon Jan  1 10:00:00 2001\r\n\r\n".to_vec();
            m.extend(std::iter::repeat_n(b'y', k));
            m.extend_from_slice(b"\r\n\r\nFrom c@d x y\r\n\r\nz\r\n");
            let mb = Mailbox::from_bytes(&m).unwrap();
            for i in 0..mb.len() {
                assert_eq!(
                    mb.raw_message(i).unwrap().len() as u64,
                    mb.entry(i).size,
                    "k={k} message {i}"
                );
            }
        }
    }

    #[test]
    fn crlf_across_read_blocks() {
        for shift in 0..4usize {
            let mut m = b"From a@b Mon Jan  1 10:00:00 2001\r\n\r\n".to_vec();
            while m.len() < 65536 - 2 - shift {
                m.extend_from_slice(b"0123456789abcdef0123456789abcdef0123456789\r\n");
            }
            m.truncate(65536 - 2 - shift);
            m.extend_from_slice(b"\r\n\r\nmore\r\n");
            let mb = Mailbox::from_bytes(&m).unwrap();
            let raw = mb.raw_message(0).unwrap();
            let naive: Vec<u8> = {
                let mut v = Vec::new();
                let mut i = 0;
                while i < m.len() {
                    if m[i] == b'\r' && m.get(i + 1) == Some(&b'\n') {
                        i += 1;
                        continue;
                    }
                    v.push(m[i]);
                    i += 1;
                }
                v
            };
            assert_eq!(raw.len() as u64, mb.entry(0).size, "shift {shift}");
            // Lines here are short, so every CRLF is converted.
            assert!(raw == naive, "shift {shift}");
        }
    }

    #[test]
    fn lines_longer_than_the_read_buffer() {
        for (len, crlf) in [(3 << 20, false), ((3 << 20) + 5, true), (SCAN_BUF, false)] {
            let mut m = b"From a@b Mon Jan  1 10:00:00 2001\nSubject: big\n\n".to_vec();
            m.extend(std::iter::repeat_n(b'q', len));
            m.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            m.extend_from_slice(b"\nFrom c@d x y\nStatus: RO\n\nz\n");
            let mb = Mailbox::from_bytes(&m).unwrap();
            assert_eq!(mb.len(), 2, "len {len}");
            let n = (len + 1 + crlf as usize) as u64;
            let e = mb.entry(0);
            assert_eq!(e.lines, 3 + n.div_ceil(FGETS_CHUNK) + 1, "len {len}");
            let conv = crlf && n % FGETS_CHUNK != 1;
            assert_eq!(e.size, e.len - conv as u64, "len {len}");
            assert_eq!(mb.raw_message(0).unwrap().len() as u64, e.size);
            assert!(mb.flags(1).contains(MsgFlags::READ));
            assert_eq!(mb.from_line(1).unwrap().date, b"x y");
        }
    }

    /// The bulk body path of `scan_range` must agree with the line-by-line
    /// path (`feed_bytes`) on any input, across read-buffer boundaries.
    #[test]
    fn bulk_scan_equals_line_by_line() {
        let mut rnd = rng(0x1234_5678_9abc_def1);
        let pieces: [&[u8]; 10] = [
            b"From a@b Mon Jan  1 10:00:00 2001\n",
            b"From a@b Mon Jan  1 10:00:00 2001\r\n",
            b"\n",
            b"\r\n",
            b"Status: RO\n",
            b"Subject: s\n",
            b"body line of text\n",
            b"From bare\n",
            b"From x y\n",
            b"crlf body\r\n",
        ];
        for round in 0..6 {
            let mut data = Vec::new();
            let target = if round < 3 { 5 << 20 } else { 40_000 };
            while data.len() < target {
                if rnd(200) == 0 {
                    let k = 8185 + rnd(20) as usize;
                    data.extend(std::iter::repeat_n(b'L', k));
                    data.extend_from_slice(if rnd(2) == 0 { b"\n" } else { b"\r\n" });
                } else {
                    data.extend_from_slice(pieces[rnd(pieces.len() as u64) as usize]);
                }
            }
            let mb = Mailbox::from_bytes(&data).unwrap();
            let mut sc = Scanner::new(0);
            feed_bytes(&mut sc, 0, &data);
            let (want, pre) = sc.finish(data.len() as u64);
            assert_eq!(mb.preamble_len(), pre, "round {round}");
            assert_eq!(mb.entries().len(), want.len(), "round {round}");
            for (i, (a, b)) in mb.entries().iter().zip(&want).enumerate() {
                assert_eq!(a, b, "round {round} message {i}");
            }
        }
    }
}
