//! Reading message bytes from the open mailbox with `pread`: one range
//! ([`RangeReader`]) or many ranges in increasing order through one large
//! buffer ([`SeqReader`], for the quit-time write-back), both optionally
//! turning `\r\n` into `\n` exactly as bsd-mailx's copy of the mailbox does
//! (only where both bytes end the same `fgets(8192)` piece).

use std::fs::File;
use std::io::{self, Read};

use super::pio::read_some_at;
use super::scan::FGETS_CHUNK;

/// The state of the `\r\n` → `\n` conversion of one range, carried from
/// one block of it to the next.
#[derive(Clone, Copy, Debug, Default)]
struct CrlfState {
    /// A `\r` at the end of the previous block, not yet emitted.
    held_cr: bool,
    /// Bytes of the current line before this block (for the fgets rule).
    line_len: u64,
}

impl CrlfState {
    /// For a block with nothing to convert (the common case): keeps the
    /// length of the unfinished line and returns true. False: the block
    /// needs [`CrlfState::convert`].
    fn pass(&mut self, src: &[u8]) -> bool {
        if self.held_cr || memchr::memchr(b'\r', src).is_some() {
            return false;
        }
        match memchr::memrchr(b'\n', src) {
            Some(p) => self.line_len = (src.len() - p - 1) as u64,
            None => self.line_len += src.len() as u64,
        }
        true
    }

    /// Appends the block `src` to `v` with `\r\n` turned into `\n` as
    /// bsd-mailx's copy does: only when both bytes end the same
    /// `fgets(8192)` piece, i.e. unless the line is longer than 8191 bytes
    /// and its length is one more than a multiple of 8191. When `more`
    /// bytes of the range follow, a final `\r` is held back until the next
    /// byte is known.
    fn convert(&mut self, src: &[u8], more: bool, v: &mut Vec<u8>) {
        let mut seg = 0usize; // start of the bytes not yet copied
        let mut line_start = 0usize; // start of the current line in `src`
        let held = std::mem::replace(&mut self.held_cr, false);
        if held && src.first() != Some(&b'\n') {
            v.push(b'\r');
        }
        for p in memchr::memchr_iter(b'\n', src) {
            let n = self.line_len + (p + 1 - line_start) as u64;
            let cr_before = if p > 0 { src[p - 1] == b'\r' } else { held };
            let convert = cr_before && !(n > FGETS_CHUNK && n % FGETS_CHUNK == 1);
            if p == 0 && held && !convert {
                v.push(b'\r');
            }
            if convert && p > 0 {
                v.extend_from_slice(&src[seg..p - 1]);
                seg = p;
            }
            self.line_len = 0;
            line_start = p + 1;
        }
        let mut tail_end = src.len();
        if src.len() > line_start || held && line_start == 0 {
            self.line_len += (src.len() - line_start) as u64;
        }
        if src.last() == Some(&b'\r') && more && tail_end > seg {
            self.held_cr = true;
            tail_end -= 1;
        }
        v.extend_from_slice(&src[seg..tail_end]);
    }
}

/// Where a reader is in its range `[pos, end)` of the file, and which
/// bytes of the current block it still has to hand out.
#[derive(Debug)]
struct RangePos {
    /// Next file offset not yet taken into a block.
    pos: u64,
    end: u64,
    crlf: bool,
    st: CrlfState,
    /// The bytes to hand out: `conv[s..e]` when `in_conv`, else
    /// `buf[s..e]` of the block.
    in_conv: bool,
    s: usize,
    e: usize,
}

impl RangePos {
    fn new(off: u64, len: u64, crlf: bool) -> Self {
        RangePos {
            pos: off,
            end: off + len,
            crlf,
            st: CrlfState::default(),
            in_conv: false,
            s: 0,
            e: 0,
        }
    }
}

/// A block of a file read with one `pread` into a buffer that is allocated
/// once and reused (never zeroed again), plus the buffer for converted
/// (CRLF) bytes.
#[derive(Debug, Default)]
struct Block {
    buf: Vec<u8>,
    /// File offset of `buf[0]`, and how many bytes of `buf` are valid.
    base: u64,
    fill: usize,
    conv: Vec<u8>,
}

impl Block {
    /// Reads up to `want` bytes (at least 1) at `off`.
    fn load(&mut self, f: &File, off: u64, want: usize) -> io::Result<()> {
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        self.fill = 0;
        let n = read_some_at(f, &mut self.buf[..want], off)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "mailbox is shorter than when it was read",
            ));
        }
        self.base = off;
        self.fill = n;
        Ok(())
    }

    /// The next bytes of range `r` (empty at its end), reading a new block
    /// when `r` leaves the one held: `want(pos)` bytes from `pos`.
    fn fill_range(
        &mut self,
        f: &File,
        r: &mut RangePos,
        mut want: impl FnMut(u64, u64) -> usize,
    ) -> io::Result<&[u8]> {
        loop {
            if r.s < r.e {
                return Ok(if r.in_conv {
                    &self.conv[r.s..r.e]
                } else {
                    &self.buf[r.s..r.e]
                });
            }
            if r.pos >= r.end {
                if r.st.held_cr {
                    // Not reached (a `\r` is held only when bytes follow),
                    // but never drop a byte.
                    r.st.held_cr = false;
                    self.conv.clear();
                    self.conv.push(b'\r');
                    (r.in_conv, r.s, r.e) = (true, 0, 1);
                    continue;
                }
                return Ok(&[]);
            }
            if r.pos < self.base || r.pos >= self.base + self.fill as u64 {
                self.load(f, r.pos, want(r.pos, r.end))?;
            }
            let i = (r.pos - self.base) as usize;
            let j = (r.end - self.base).min(self.fill as u64) as usize;
            r.pos = self.base + j as u64;
            let src = &self.buf[i..j];
            if !r.crlf || r.st.pass(src) {
                (r.in_conv, r.s, r.e) = (false, i, j);
            } else {
                self.conv.clear();
                r.st.convert(src, r.pos < r.end, &mut self.conv);
                (r.in_conv, r.s, r.e) = (true, 0, self.conv.len());
            }
        }
    }
}

/// `Read::read` of a `BufRead`: a copy from its buffer.
fn read_buffered(r: &mut impl io::BufRead, out: &mut [u8]) -> io::Result<usize> {
    let avail = r.fill_buf()?;
    let n = out.len().min(avail.len());
    out[..n].copy_from_slice(&avail[..n]);
    r.consume(n);
    Ok(n)
}

/// Size of the blocks a [`RangeReader`] reads.
const RANGE_BLOCK: u64 = 1 << 16;

#[cfg(test)]
thread_local! {
    /// Tests use tiny blocks to put block edges everywhere.
    static TEST_BLOCK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Makes [`RangeReader`] and [`SeqReader`] read blocks of `n` bytes in
/// this thread (0: the normal sizes).
#[cfg(test)]
pub(crate) fn set_test_block(n: u64) {
    TEST_BLOCK.with(|c| c.set(n));
}

/// The block size `n`, or the one a test asked for.
fn block_size(n: u64) -> u64 {
    #[cfg(test)]
    {
        let t = TEST_BLOCK.with(|c| c.get());
        if t > 0 {
            return t;
        }
    }
    n
}

/// Reads `[off, off+len)` of a file with `pread` (blocks of up to 64 KiB,
/// never past the range), optionally turning `\r\n` into `\n`.
pub(crate) struct RangeReader<'a> {
    f: &'a File,
    r: RangePos,
    block: Block,
}

impl<'a> RangeReader<'a> {
    pub(crate) fn new(f: &'a File, off: u64, len: u64) -> Self {
        RangeReader {
            f,
            r: RangePos::new(off, len, false),
            block: Block::default(),
        }
    }
    pub(crate) fn crlf(mut self) -> Self {
        self.r.crlf = true;
        self
    }
}

impl io::BufRead for RangeReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.block.fill_range(self.f, &mut self.r, |pos, end| {
            (end - pos).min(block_size(RANGE_BLOCK)) as usize
        })
    }
    fn consume(&mut self, n: usize) {
        self.r.s = (self.r.s + n).min(self.r.e);
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

/// Size of the blocks a [`SeqReader`] reads (cache-sized, as the scan's
/// buffer: 128 KiB took 4 % less CPU than 1 MiB for a write-back).
pub(crate) const SEQ_BLOCK: usize = 128 << 10;

/// Wanted ranges of a [`SeqReader`] closer than this are read together
/// (the bytes between them with them).
pub(crate) const SEQ_GAP: u64 = 1 << 16;

/// Reads many ranges of one file, in increasing offset order, through one
/// large buffer that is allocated once: each `pread` takes up to
/// [`SEQ_BLOCK`] bytes of the wanted ranges given at the start (ranges
/// less than [`SEQ_GAP`] apart read as one), so the ranges that follow
/// are usually already in memory. Any order of requests works; only the
/// number of reads suffers when they go backwards or were not announced.
pub(crate) struct SeqReader<'a> {
    pub(crate) f: &'a File,
    plan: Plan,
    block: Block,
}

/// The ranges a [`SeqReader`] will be asked for.
struct Plan {
    /// `(start, end)`, sorted, merged.
    ranges: Vec<(u64, u64)>,
    /// Index of the range the last read was in.
    at: usize,
}

impl<'a> SeqReader<'a> {
    /// A reader over `f` for the ranges `want` (in increasing order).
    pub(crate) fn new(f: &'a File, want: impl IntoIterator<Item = (u64, u64)>) -> Self {
        let mut plan: Vec<(u64, u64)> = Vec::new();
        for (a, b) in want {
            match plan.last_mut() {
                Some(l) if a >= l.0 && a <= l.1.saturating_add(SEQ_GAP) => l.1 = l.1.max(b),
                _ => plan.push((a, b)),
            }
        }
        SeqReader {
            f,
            plan: Plan {
                ranges: plan,
                at: 0,
            },
            block: Block::default(),
        }
    }

    /// A reader over `[off, off+len)`, with `\r\n` → `\n` when `crlf`.
    pub(crate) fn range(&mut self, off: u64, len: u64, crlf: bool) -> SeqRange<'_, 'a> {
        SeqRange {
            r: RangePos::new(off, len, crlf),
            seq: self,
        }
    }
}

impl Plan {
    /// How many bytes to read at `pos` for a range ending at `end`: to the
    /// end of the planned range holding `pos` (at least to `end`), at most
    /// [`SEQ_BLOCK`].
    fn want(&mut self, pos: u64, end: u64) -> usize {
        let plan = &self.ranges;
        if !(self.at < plan.len() && plan[self.at].0 <= pos && pos < plan[self.at].1) {
            // Usually the next range; else search.
            self.at = if self.at + 1 < plan.len()
                && plan[self.at + 1].0 <= pos
                && pos < plan[self.at + 1].1
            {
                self.at + 1
            } else {
                plan.partition_point(|r| r.1 <= pos)
            };
        }
        let stop = match plan.get(self.at) {
            Some(&(a, b)) if a <= pos => end.max(b),
            _ => end,
        };
        (stop - pos).min(block_size(SEQ_BLOCK as u64)) as usize
    }
}

/// One range of a [`SeqReader`].
pub(crate) struct SeqRange<'s, 'a> {
    seq: &'s mut SeqReader<'a>,
    r: RangePos,
}

impl io::BufRead for SeqRange<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let seq = &mut *self.seq;
        let plan = &mut seq.plan;
        seq.block
            .fill_range(seq.f, &mut self.r, |pos, end| plan.want(pos, end))
    }
    fn consume(&mut self, n: usize) {
        self.r.s = (self.r.s + n).min(self.r.e);
    }
}

impl Read for SeqRange<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

/// A message's bytes (CRLF → LF) from [`Mailbox::message_seq`](super::Mailbox::message_seq): the file
/// through a [`SeqReader`], or the edited copy in memory.
pub(crate) enum MessageRead<'s, 'a> {
    File(SeqRange<'s, 'a>),
    Edited(&'s [u8]),
}

impl io::BufRead for MessageRead<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            MessageRead::File(r) => io::BufRead::fill_buf(r),
            MessageRead::Edited(b) => Ok(b),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            MessageRead::File(r) => io::BufRead::consume(r, n),
            MessageRead::Edited(b) => io::BufRead::consume(b, n),
        }
    }
}

impl Read for MessageRead<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            MessageRead::File(r) => r.read(out),
            MessageRead::Edited(b) => b.read(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::hash::rand_u64;
    use crate::mailbox::mbox::{Mailbox, MsgEntry};
    use crate::mailbox::testutil::{mailbox, rng};
    use std::fs::OpenOptions;
    use std::io::{BufRead as _, Write};

    /// bsd-mailx's copy of a message, the slow way: `\r\n` → `\n` unless
    /// the line is longer than 8191 bytes and its length is one more than a
    /// multiple of 8191 (then the `\r` ends one fgets piece).
    fn naive(m: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for line in m.split_inclusive(|&b| b == b'\n') {
            let n = line.len() as u64;
            if line.ends_with(b"\r\n") && !(n > FGETS_CHUNK && n % FGETS_CHUNK == 1) {
                v.extend_from_slice(&line[..line.len() - 2]);
                v.push(b'\n');
            } else {
                v.extend_from_slice(line);
            }
        }
        v
    }

    /// Reads all of `r`, in small and odd pieces.
    fn drain(r: &mut dyn io::BufRead, step: usize) -> Vec<u8> {
        let mut v = Vec::new();
        loop {
            let a = r.fill_buf().unwrap();
            if a.is_empty() {
                return v;
            }
            let k = a.len().min(step);
            v.extend_from_slice(&a[..k]);
            r.consume(k);
        }
    }

    fn want(data: &[u8], e: &MsgEntry) -> Vec<u8> {
        naive(&data[e.offset as usize..(e.offset + e.len) as usize])
    }

    #[test]
    fn range_and_seq_readers_equal_the_naive_copy() {
        for round in 0..8u64 {
            let data = mailbox(round + 1, [30_000, 200_000][round as usize % 2], round == 7);
            let mb = Mailbox::from_bytes(&data).unwrap();
            assert!(mb.len() > 5, "round {round}");
            let blocks: &[u64] = if round == 7 {
                &[0, 65536, 1 << 20]
            } else {
                &[0, 1, 2, 3, 7, 100, 8191, 8192, 65536]
            };
            for &block in blocks {
                set_test_block(block);
                for i in 0..mb.len() {
                    let w = want(&data, mb.entry(i));
                    assert_eq!(w.len() as u64, mb.entry(i).size, "round {round} msg {i}");
                    assert!(
                        mb.raw_message(i).unwrap() == w,
                        "round {round} block {block}"
                    );
                    let got = drain(&mut *mb.message_reader(i), 1 + i % 5);
                    assert!(got == w, "round {round} block {block} msg {i}");
                }
                let mut r = rng(round);
                let picks: [&dyn Fn(usize) -> bool; 4] = [
                    &|_| true,
                    &|i| i % 2 == 1,
                    &|i| (i * 7 + round as usize) % 5 < 2,
                    &|i| i + 1 == mb.len(),
                ];
                for (k, pick) in picks.iter().enumerate() {
                    let mut seq = mb.seq_reader(pick);
                    for i in (0..mb.len()).filter(|&i| pick(i)) {
                        let w = want(&data, mb.entry(i));
                        let got = if r(2) == 0 {
                            let mut v = Vec::new();
                            mb.message_seq(i, &mut seq).read_to_end(&mut v).unwrap();
                            v
                        } else {
                            drain(&mut mb.message_seq(i, &mut seq), 1 + r(9000) as usize)
                        };
                        assert!(got == w, "round {round} block {block} pick {k} msg {i}");
                    }
                    // Unannounced messages, backwards, and a partial read.
                    for i in (0..mb.len()).rev() {
                        let w = want(&data, mb.entry(i));
                        let mut m = mb.message_seq(i, &mut seq);
                        if i % 3 == 0 {
                            let a = m.fill_buf().unwrap().len();
                            assert!(a > 0 && w.starts_with(m.fill_buf().unwrap()));
                            continue;
                        }
                        assert!(drain(&mut m, 4096) == w, "back {round} {block} msg {i}");
                    }
                }
            }
            set_test_block(0);
        }
    }

    #[test]
    fn edited_and_newly_incorporated_messages() {
        let d = std::env::temp_dir().join(format!("mailx-seq-{:x}", rand_u64()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("box");
        let data = mailbox(99, 50_000, false);
        std::fs::write(&p, &data).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        let n = mb.len();
        let edited = b"From e@x Mon Jan  1 10:00:00 2001\nSubject: edited\n\nnew\n".to_vec();
        mb.replace_message(1, edited.clone());
        let more = mailbox(5, 20_000, false);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"\n").unwrap();
        f.write_all(&more).unwrap();
        assert!(mb.incorporate_new().unwrap() > 0);
        let all = std::fs::read(&p).unwrap();
        for block in [0, 5, 4096] {
            set_test_block(block);
            let mut seq = mb.seq_reader(|i| i % 2 == 1 || i >= n);
            for i in (0..mb.len()).filter(|&i| i % 2 == 1 || i >= n) {
                let w = if i == 1 {
                    edited.clone()
                } else {
                    want(&all, mb.entry(i))
                };
                assert!(
                    drain(&mut mb.message_seq(i, &mut seq), 777) == w,
                    "{block} {i}"
                );
            }
        }
        set_test_block(0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plan_merges_close_ranges_and_reads_to_their_end() {
        let f = File::open("/dev/null").unwrap();
        let s = SeqReader::new(
            &f,
            [
                (0, 100),
                (100 + SEQ_GAP, 200 + SEQ_GAP),
                (10 * SEQ_GAP, 10 * SEQ_GAP + 5),
            ],
        );
        let mut p = s.plan;
        assert_eq!(
            p.ranges,
            vec![(0, 200 + SEQ_GAP), (10 * SEQ_GAP, 10 * SEQ_GAP + 5)]
        );
        assert_eq!(p.want(0, 100), 200 + SEQ_GAP as usize);
        assert_eq!(p.want(150, 160), 50 + SEQ_GAP as usize);
        // Between ranges and after them: only what the request needs.
        assert_eq!(p.want(300 + SEQ_GAP, 400 + SEQ_GAP), 100);
        assert_eq!(p.want(10 * SEQ_GAP + 1, 10 * SEQ_GAP + 3), 4);
        assert_eq!(p.want(20 * SEQ_GAP, 20 * SEQ_GAP + 9), 9);
        // Backwards.
        assert_eq!(p.want(10, 20), 190 + SEQ_GAP as usize);
        let big = 3 * SEQ_BLOCK as u64;
        let mut p = SeqReader::new(&f, [(0, big)]).plan;
        assert_eq!(p.want(1, 2), SEQ_BLOCK);
    }
}
