//! Writing one message out the way bsd-mailx's `sendmessage` does.
//!
//! This module owns the message output format used by `print`/`type`,
//! `save`/`copy`/`write`, piping, and the quit-time write-back:
//!
//! * the From_ line first (unless `ignore_all` or `include_from_line` is off);
//! * header lines, minus those the caller's `ignore` predicate hides
//!   (it gets the field name in lowercase); continuation lines follow their
//!   field;
//! * the old `Status:` line is dropped and a regenerated one (`R` if read,
//!   `O` if not new; nothing when both are absent) is written where the old
//!   one was, or at the end of the header block; not at all when `status` is
//!   ignored;
//! * a line without a colon in the header block ends it: the status line and
//!   an empty line are put before it;
//! * body lines starting with `From ` get a `>` in front (Debian patch 13);
//! * an optional prefix before every line (trailing blanks of the prefix are
//!   dropped on empty lines);
//! * `ignore_all` (the `write` command): no From_ line, no headers, and the
//!   final byte (the blank line ending the message) is left out.
//!
//! Lines are processed in `fgets(8192)` pieces as in bsd-mailx, so very long
//! lines behave the same. Output is raw bytes: the caller wraps `out` if it
//! wants vis(3) encoding for a terminal.

use std::io::{self, BufRead, Write};

use super::fields::is_c_space;
use super::flags::MsgFlags;
use super::folder::Folder;
use super::mbox::Mailbox;
use super::reader::SeqReader;
use super::scan::FGETS_CHUNK;

/// How to render a message.
#[derive(Clone, Copy, Default)]
pub struct RenderOptions<'a> {
    /// Returns true for header fields to hide (argument: lowercase name).
    /// `None` shows every field.
    pub ignore: Option<&'a dyn Fn(&str) -> bool>,
    /// Hide the From_ line and every header, and leave out the final byte
    /// (bsd-mailx's `ignoreall`, used by `write`).
    pub ignore_all: bool,
    /// Written before every line (indentation for `~m`/`~f`).
    pub prefix: Option<&'a [u8]>,
    /// Leave out the From_ line (bsd-mailx always writes it unless
    /// `ignore_all`; this is an extra knob for callers).
    pub skip_from_line: bool,
}

/// Writes message `i` of the folder `mb` (any format) with flags `flags`
/// to `out`. Returns the number of bytes written.
pub fn render_message(
    mb: &dyn Folder,
    i: usize,
    flags: MsgFlags,
    opts: &RenderOptions<'_>,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let size = mb.content_len(i);
    let mut r = mb.open_message(i)?;
    render_from(&mut *r, size, flags, opts, out)
}

/// [`render_message`] reading through `seq` (from [`Mailbox::seq_reader`]):
/// for many messages in increasing order, as quit's write-back does.
pub(crate) fn render_message_seq(
    mb: &Mailbox,
    i: usize,
    flags: MsgFlags,
    opts: &RenderOptions<'_>,
    seq: &mut SeqReader<'_>,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let size = mb.entry(i).size;
    let mut r = mb.message_seq(i, seq);
    render_from(&mut r, size, flags, opts, out)
}

/// Reads one `fgets(buf, 8192)` piece (at most 8191 bytes, up to and
/// including a newline) into `line`. Returns its length (0 at end).
fn fgets(r: &mut dyn BufRead, line: &mut Vec<u8>) -> io::Result<usize> {
    line.clear();
    loop {
        let avail = r.fill_buf()?;
        if avail.is_empty() {
            return Ok(line.len());
        }
        let room = FGETS_CHUNK as usize - line.len();
        let take = avail.len().min(room);
        match memchr::memchr(b'\n', &avail[..take]) {
            Some(p) => {
                line.extend_from_slice(&avail[..=p]);
                r.consume(p + 1);
                return Ok(line.len());
            }
            None => {
                line.extend_from_slice(&avail[..take]);
                r.consume(take);
                if line.len() >= FGETS_CHUNK as usize {
                    return Ok(line.len());
                }
            }
        }
    }
}

#[cfg(test)]
thread_local! {
    /// Tests compare the body fast path with the fgets loop.
    static FORCE_SLOW: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

#[cfg(test)]
fn force_slow() -> bool {
    FORCE_SLOW.with(|f| f.get())
}

#[cfg(not(test))]
fn force_slow() -> bool {
    false
}

/// The counting writer used to report the bytes written.
struct Counter<'a> {
    out: &'a mut dyn Write,
    n: u64,
}
impl Counter<'_> {
    fn put(&mut self, b: &[u8]) -> io::Result<()> {
        self.out.write_all(b)?;
        self.n += b.len() as u64;
        Ok(())
    }
}

/// `render_message` over any reader holding the message (LF endings);
/// `size` is the message's byte count.
pub(crate) fn render_from(
    r: &mut dyn BufRead,
    size: u64,
    flags: MsgFlags,
    opts: &RenderOptions<'_>,
    out: &mut dyn Write,
) -> io::Result<u64> {
    let mut w = Counter { out, n: 0 };
    let ignored = |name: &str| -> bool {
        if opts.ignore_all {
            return true;
        }
        match opts.ignore {
            Some(f) => f(name),
            None => false,
        }
    };
    let prefix = opts.prefix.unwrap_or(b"");
    let has_prefix = opts.prefix.is_some();
    let trimmed_prefix = {
        let mut k = prefix.len();
        while k > 0 && (prefix[k - 1] == b' ' || prefix[k - 1] == b'\t') {
            k -= 1;
        }
        &prefix[..k]
    };
    let status = flags.status_letters();
    let put_status = |w: &mut Counter<'_>| -> io::Result<()> {
        if !status.is_empty() {
            w.put(prefix)?;
            w.put(b"Status: ")?;
            w.put(status.as_bytes())?;
            w.put(b"\n")?;
        }
        Ok(())
    };
    let mut count = size as i64;
    let mut ishead = true;
    let mut dostat = !ignored("status");
    let mut infld = false;
    let mut firstline = true;
    let mut ignoring = false;
    let mut line = Vec::with_capacity(256);
    while count > 0 && ishead {
        let length = fgets(r, &mut line)?;
        if length == 0 {
            break;
        }
        count -= length as i64;
        let mut skip_this = false;
        if firstline {
            firstline = false;
            ignoring = opts.ignore_all;
            skip_this = opts.skip_from_line;
        } else if line[0] == b'\n' {
            if dostat {
                put_status(&mut w)?;
                dostat = false;
            }
            ishead = false;
            ignoring = opts.ignore_all;
        } else if infld && (line[0] == b' ' || line[0] == b'\t') {
            // Continuation: keep the previous field's decision.
        } else {
            let mut c = 0;
            while c < line.len() && line[c] != 0 && line[c] != b':' && !is_c_space(line[c]) {
                c += 1;
            }
            let name_end = c;
            while c < line.len() && is_c_space(line[c]) {
                c += 1;
            }
            if c >= line.len() || line[c] != b':' {
                // Not a header line: the header block ends here.
                if dostat {
                    put_status(&mut w)?;
                    dostat = false;
                }
                if !opts.ignore_all {
                    w.put(b"\n")?;
                }
                ishead = false;
                ignoring = false;
            } else {
                let name = String::from_utf8_lossy(&line[..name_end]).to_ascii_lowercase();
                if (opts.ignore_all || opts.ignore.is_some()) && ignored(&name) {
                    ignoring = true;
                } else if name == "status" {
                    if dostat {
                        put_status(&mut w)?;
                        dostat = false;
                    }
                    ignoring = true;
                } else {
                    ignoring = false;
                }
                infld = true;
            }
        }
        if !ignoring && !skip_this {
            if has_prefix {
                w.put(if length > 1 { prefix } else { trimmed_prefix })?;
            }
            w.put(&line)?;
        }
    }
    // The body.
    if opts.ignore_all {
        count -= 1;
    }
    let mut c = 0usize;
    if !has_prefix && !opts.ignore_all && !force_slow() {
        // Fast path for the common case (quit's rewrite, print): copy runs
        // of whole lines straight from the reader's buffer, with the same
        // result as the fgets loop below: a `>` before every fgets piece
        // that starts with "From ". Lines longer than one fgets piece, and
        // a line that does not end in the buffer, go through `fgets`.
        let quoted = memchr::memmem::Finder::new(b"\nFrom ");
        let piece = FGETS_CHUNK as usize;
        while count > 0 {
            let avail = r.fill_buf()?;
            if avail.is_empty() {
                break;
            }
            let chunk = &avail[..avail.len().min(count as usize)];
            let (mut run, mut pos) = (0usize, 0usize);
            // `pos` is a line start. The last newline within one piece's
            // length from it ends a region of whole lines that are each
            // one fgets piece; none → a longer (or unfinished) line.
            while pos < chunk.len() {
                let win = &chunk[pos..(pos + piece).min(chunk.len())];
                let Some(q) = memchr::memrchr(b'\n', win) else {
                    break;
                };
                let region = &chunk[pos..pos + q + 1];
                if region.starts_with(b"From ") {
                    w.put(&chunk[run..pos])?;
                    w.put(b">")?;
                    run = pos;
                }
                for j in quoted.find_iter(region) {
                    let ls = pos + j + 1;
                    w.put(&chunk[run..ls])?;
                    w.put(b">")?;
                    run = ls;
                }
                pos += q + 1;
            }
            w.put(&chunk[run..pos])?;
            r.consume(pos);
            count -= pos as i64;
            if pos == 0 {
                // One fgets piece the slow way.
                let n = fgets(r, &mut line)?;
                if n == 0 {
                    break;
                }
                count -= n as i64;
                if line.starts_with(b"From ") {
                    w.put(b">")?;
                }
                w.put(&line)?;
            }
        }
    }
    while count > 0 {
        c = fgets(r, &mut line)?;
        if c == 0 {
            break;
        }
        count -= c as i64;
        if has_prefix {
            w.put(if c > 1 { prefix } else { trimmed_prefix })?;
        }
        if line.starts_with(b"From ") {
            w.put(b">")?;
        }
        w.put(&line)?;
    }
    if opts.ignore_all && c > 0 && line[c - 1] != b'\n' {
        // bsd-mailx copies one more byte here: the byte it held back.
        let mut b = [0u8; 1];
        if r.read(&mut b)? == 1 {
            w.put(&b)?;
        }
    }
    Ok(w.n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(msg: &[u8], flags: MsgFlags, opts: &RenderOptions<'_>) -> Vec<u8> {
        let mut out = Vec::new();
        let mut r: &[u8] = msg;
        render_from(&mut r, msg.len() as u64, flags, opts, &mut out).unwrap();
        out
    }

    #[test]
    fn body_fast_path_equals_fgets_loop() {
        // Bodies with "From " at line starts, inside lines, at fgets piece
        // boundaries of long lines, and at the reader's buffer boundaries;
        // sizes that stop before the end (count) and after it.
        let mut seed = 7u64;
        let mut next = move || {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            seed
        };
        let parts: [&[u8]; 8] = [
            b"From ",
            b"x",
            b"\n",
            b"From x\n",
            b" From ",
            b"\n\n",
            b"Fro",
            b"m ",
        ];
        for case in 0..150 {
            let mut m = b"From a@b Mon Jan  1 10:00:00 2001\nSubject: x\n\n".to_vec();
            let n = next() % 60;
            for _ in 0..n {
                let k = next() % 10;
                if k >= 8 {
                    // A long run without newline, around the 8191 piece size.
                    let len = [8185, 8190, 8191, 8192, 16382, 16383, 20000][(next() % 7) as usize];
                    m.extend(std::iter::repeat_n(b'y', len));
                } else {
                    m.extend_from_slice(parts[k as usize]);
                }
            }
            for size in [m.len() as u64, m.len() as u64 / 2, m.len() as u64 + 3] {
                for cap in [3usize, 64, 8191, 1 << 16] {
                    let run = |slow: bool| {
                        FORCE_SLOW.with(|f| f.set(slow));
                        let mut out = Vec::new();
                        let mut r = std::io::BufReader::with_capacity(cap, &m[..]);
                        let n = render_from(
                            &mut r,
                            size,
                            MsgFlags::USED,
                            &RenderOptions::default(),
                            &mut out,
                        )
                        .unwrap();
                        FORCE_SLOW.with(|f| f.set(false));
                        (n, out)
                    };
                    assert_eq!(run(false), run(true), "case {case} size {size} cap {cap}");
                }
            }
        }
    }

    #[test]
    fn seq_rendering_equals_rendering_the_copy() {
        use crate::mailbox::reader::set_test_block;
        use crate::mailbox::testutil::mailbox;
        for round in 0..4 {
            // Bodies with `From ` lines, CRLF, long lines; read through
            // blocks whose edges fall anywhere (in a `From `, in a CRLF).
            let data = mailbox(round + 11, 60_000, false);
            let mb = Mailbox::from_bytes(&data).unwrap();
            let flags = [MsgFlags::USED, MsgFlags::USED | MsgFlags::READ];
            for block in [0, 1, 3, 5, 6, 64, 8191, 8193] {
                set_test_block(block);
                let mut seq = mb.seq_reader(|i| i % 3 != 1);
                for i in (0..mb.len()).filter(|&i| i % 3 != 1) {
                    let f = flags[i % 2];
                    let raw = mb.raw_message(i).unwrap();
                    let want = render(&raw, f, &RenderOptions::default());
                    let mut got = Vec::new();
                    let n = render_message_seq(
                        &mb,
                        i,
                        f,
                        &RenderOptions::default(),
                        &mut seq,
                        &mut got,
                    )
                    .unwrap();
                    assert_eq!(n, got.len() as u64);
                    assert!(got == want, "round {round} block {block} msg {i}");
                    let mut got2 = Vec::new();
                    render_message(&mb, i, f, &RenderOptions::default(), &mut got2).unwrap();
                    assert!(got2 == want, "round {round} block {block} msg {i}");
                }
            }
            set_test_block(0);
        }
    }

    #[test]
    fn status_regenerated_and_from_quoted() {
        let m =
            b"From a@b Mon Jan  1 10:00:00 2001\nSubject: x\nStatus: O\nTo: y\n\nFrom me\nbody\n\n";
        let f = MsgFlags::USED | MsgFlags::READ;
        let out = render(m, f, &RenderOptions::default());
        assert_eq!(
            out,
            b"From a@b Mon Jan  1 10:00:00 2001\nSubject: x\nStatus: RO\nTo: y\n\n>From me\nbody\n\n"
        );
    }

    #[test]
    fn status_at_end_and_non_header() {
        let m = b"From here on we go\nx\n";
        let out = render(m, MsgFlags::USED, &RenderOptions::default());
        assert_eq!(out, b"From here on we go\nStatus: O\n\nx\n");
        let m = b"From a@b Mon Jan  1 10:00:00 2001\nSubject: x\n\nb\n";
        let out = render(m, MsgFlags::USED | MsgFlags::NEW, &RenderOptions::default());
        assert_eq!(out, m);
    }

    #[test]
    fn ignore_prefix_and_write() {
        let m = b"From a@b Mon Jan  1 10:00:00 2001\nReceived: a\n  b\nSubject: x\n\nl1\n\nl2\n\n";
        let ign = |n: &str| n == "received" || n == "status";
        let opts = RenderOptions {
            ignore: Some(&ign),
            prefix: Some(b"> "),
            ..Default::default()
        };
        let out = render(m, MsgFlags::USED | MsgFlags::READ, &opts);
        assert_eq!(
            out,
            b"> From a@b Mon Jan  1 10:00:00 2001\n> Subject: x\n>\n> l1\n>\n> l2\n>\n"
        );
        let opts = RenderOptions {
            ignore_all: true,
            ..Default::default()
        };
        let out = render(m, MsgFlags::USED, &opts);
        assert_eq!(out, b"l1\n\nl2\n");
    }
}
