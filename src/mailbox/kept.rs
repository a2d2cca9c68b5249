//! The header fields a summary line and the sort keys read, kept by the
//! scan of a mailbox while it passes the header blocks anyway, so that
//! `from *`, `sort` and `thread` need not read 100,000 header blocks again
//! (one `pread` each). Kept with them, and stored in the index cache
//! (`index_cache`), so a cached open has them too. A mailbox over
//! [`KEEP_AT_OPEN`] bytes keeps nothing at open (its index alone is what
//! `p $` or a delete-and-quit needs); the first sort or thread reads its
//! header blocks once, by two threads, and keeps them then
//! ([`keep_from_blocks`]). At most [`KEEP_BUDGET`] bytes are kept (about
//! 20 MB for the 1 GiB, 100,000-message benchmark mailbox); the messages
//! after that are read from the file as before.
//!
//! A message's record is its envelope sender and date (the From_ line's
//! bytes), its header lines that belong to [`SUMMARY_FIELDS`], verbatim
//! (a field line whose name is one of them and the continuation lines
//! after it), and the [`Refs`] of its [`THREAD_FIELDS`] as hashes (a few
//! bytes where the IDs would take hundreds). [`header_fields`](super::header_fields)
//! over `"\n"` and those lines finds exactly the fields it finds in the
//! whole header block with those names (the rules are the same line by
//! line: a continuation belongs to the field line before it, a line that
//! is not `name:` belongs to no field), and the hashes are those
//! [`refs_of`] gives for the whole block's fields. A message whose header
//! has a line longer than an fgets piece, or a `\r` in a line of a kept
//! field (the header block would need CRLF conversion), or whose From_
//! line is that long, or with more than 32,766 IDs, is not kept: it is
//! read from the file as before.
//!
//! The one list of what a summary and a sort read is here: the Maildir
//! header cache keeps [`SUMMARY_FIELDS`] and [`THREAD_FIELDS`] (and `To`)
//! verbatim, and the IMAP summary fetch asks for all of them (unit tests
//! check both).

use std::borrow::Cow;
use std::ops::Range;

use super::fields::RawField;
use super::from_line::FromLine;
use super::msgid::{Refs, refs_of};

/// The fields a header summary line or a sort by date, sender or subject
/// reads (lower case): `From`, `Sender` (`nameof`), `Subject`, `Subj`,
/// `Date`. A summary or sort that reads another field from
/// [`Folder::summary_headers`](super::Folder::summary_headers) must add it
/// here (and raise the index cache's and the Maildir header cache's
/// versions).
pub(crate) const SUMMARY_FIELDS: &[&str] = &["from", "sender", "subject", "subj", "date"];

/// The fields threads are linked by (lower case), in the order of
/// [`refs_of`]'s arguments: kept as [`Refs`]
/// ([`Folder::thread_refs`](super::Folder::thread_refs)).
pub(crate) const THREAD_FIELDS: [&str; 3] = ["message-id", "in-reply-to", "references"];

/// The most bytes of records kept for one mailbox (the 1 GiB benchmark
/// mailbox needs about 20 MB); split evenly between the parts of a
/// parallel scan.
pub(crate) const KEEP_BUDGET: usize = 28 << 20;

/// The biggest mailbox whose records its scan keeps when it opens it.
/// A bigger one keeps them only when a sort or thread asks for them all
/// ([`keep_from_blocks`]): opening a 1 GiB mailbox to print or delete a
/// message, or to list its headers (one read of each header block, as
/// before the fields were kept), then costs no more memory than its index.
pub(crate) const KEEP_AT_OPEN: u64 = 256 << 20;

/// A message whose fields were not kept.
pub(crate) const NOT_KEPT: (u32, u32) = (0, u32::MAX);

/// Most hashes in one record (the count's top bit says whether the first
/// is the message's own ID).
const MAX_HASHES: usize = 0x7fff;

/// The kept records of a mailbox, one span per message.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    /// The records, one after the other.
    pub(crate) data: Vec<u8>,
    /// `(start, length)` of message `i`'s record in `data`, or
    /// [`NOT_KEPT`].
    pub(crate) spans: Vec<(u32, u32)>,
    /// The records of the messages after these, made by a second thread
    /// ([`keep_from_blocks`]): kept apart, so that joining them does not
    /// hold both halves and their copy at once.
    tail: Option<Box<Kept>>,
}

/// One part's records and spans ([`Kept::parts`]).
pub(crate) type Part<'a> = (&'a [u8], &'a [(u32, u32)]);

/// A record's parts: envelope sender, envelope date, field lines, and
/// the hashes (own ID first if `has_id`) with `has_id`.
type Parts<'a> = (&'a [u8], &'a [u8], &'a [u8], &'a [u8], bool);

impl Kept {
    /// The records `data` with their `spans` (as the index cache stores
    /// them).
    pub(crate) fn from_parts(data: Vec<u8>, spans: Vec<(u32, u32)>) -> Kept {
        Kept {
            data,
            spans,
            tail: None,
        }
    }

    fn record(&self, i: usize) -> Option<Parts<'_>> {
        if i >= self.spans.len() {
            return self.tail.as_ref()?.record(i - self.spans.len());
        }
        let &(s, l) = self.spans.get(i)?;
        if (s, l) == NOT_KEPT {
            return None;
        }
        let rec = self
            .data
            .get(s as usize..(s as usize).checked_add(l as usize)?)?;
        let (sender, rest) = take_part(rec)?;
        let (date, rest) = take_part(rest)?;
        let (rest, count) = rest.split_last_chunk::<2>()?;
        let count = u16::from_le_bytes(*count);
        let n = usize::from(count & 0x7fff) * 8;
        let (lines, hashes) = rest.split_at_checked(rest.len().checked_sub(n)?)?;
        Some((sender, date, lines, hashes, count & 0x8000 != 0))
    }

    /// Message `i`'s fields as a header block (an empty first line, then
    /// the field lines) and its From_ line's sender and date; None when
    /// not kept.
    pub(crate) fn get(&self, i: usize) -> Option<(Vec<u8>, FromLine)> {
        let (sender, date, lines, _, _) = self.record(i)?;
        let mut block = Vec::with_capacity(lines.len() + 1);
        block.push(b'\n');
        block.extend_from_slice(lines);
        Some((
            block,
            FromLine {
                sender: sender.to_vec(),
                date: date.to_vec(),
            },
        ))
    }

    /// [`Kept::get`] into `block` and `from` (old contents replaced);
    /// false (and nothing changed) when not kept.
    pub(crate) fn get_into(&self, i: usize, block: &mut Vec<u8>, from: &mut FromLine) -> bool {
        let Some((sender, date, lines, _, _)) = self.record(i) else {
            return false;
        };
        block.clear();
        block.push(b'\n');
        block.extend_from_slice(lines);
        from.sender.clear();
        from.sender.extend_from_slice(sender);
        from.date.clear();
        from.date.extend_from_slice(date);
        true
    }

    /// Message `i`'s [`Refs`]; None when not kept.
    pub(crate) fn refs(&self, i: usize) -> Option<Refs> {
        let (_, _, _, hashes, has_id) = self.record(i)?;
        let mut all = hashes
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()));
        let id = if has_id { all.next() } else { None };
        Some(Refs {
            id,
            parents: all.collect(),
        })
    }

    /// The records and spans of each part, in message order (this part,
    /// then the one a second thread made, whose spans start again at 0).
    pub(crate) fn parts(&self) -> Vec<Part<'_>> {
        let mut v = vec![(&self.data[..], &self.spans[..])];
        if let Some(t) = &self.tail {
            v.extend(t.parts());
        }
        v
    }

    /// Forgets message `i`'s record (its header changed).
    pub(crate) fn forget(&mut self, i: usize) {
        if i >= self.spans.len() {
            if let Some(t) = &mut self.tail {
                t.forget(i - self.spans.len());
            }
        } else {
            self.spans[i] = NOT_KEPT;
        }
    }

    /// Appends `other` (the next part of a parallel scan) without its
    /// first span, which belongs to this part's last message.
    pub(crate) fn append_part(&mut self, other: Kept) -> Option<()> {
        let base = u32::try_from(self.data.len()).ok()?;
        u32::try_from(self.data.len() + other.data.len()).ok()?;
        self.data.extend_from_slice(&other.data);
        self.spans
            .extend(other.spans.into_iter().skip(1).map(|(s, l)| {
                if (s, l) == NOT_KEPT {
                    NOT_KEPT
                } else {
                    (s + base, l)
                }
            }));
        Some(())
    }
}

/// A u16 length and that many bytes.
fn take_part(b: &[u8]) -> Option<(&[u8], &[u8])> {
    let n = u16::from_le_bytes(b.get(..2)?.try_into().ok()?) as usize;
    let part = b.get(2..2 + n)?;
    Some((part, &b[2 + n..]))
}

/// The field the last header line belonged to.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
enum In {
    /// None that is kept.
    #[default]
    Other,
    /// One of [`SUMMARY_FIELDS`] (its lines are kept).
    Line,
    /// [`THREAD_FIELDS`]`[k]` (its text is gathered in `raw`).
    Id(usize),
}

/// What a scanner keeps while it runs.
#[derive(Debug)]
pub(crate) struct Keeper {
    kept: Kept,
    /// No record is started once `data` is this long.
    budget: usize,
    /// Start of the current message's record, None if it is not kept.
    cur: Option<usize>,
    /// The field of the line before (a continuation line belongs to it).
    field: In,
    /// The current thread field's text after the colon, continuation lines
    /// joined by `\n` (as [`RawField::raw`]).
    raw: Vec<u8>,
    /// Each thread field's values, unfolded and joined by a space (as
    /// `hfield()`), and whether the message has that field (the buffers
    /// are reused from message to message).
    vals: [Vec<u8>; 3],
    seen: [bool; 3],
}

impl Keeper {
    /// A keeper that starts no record once it holds `budget` bytes.
    pub(crate) fn new(budget: usize) -> Keeper {
        Keeper {
            kept: Kept::default(),
            budget,
            cur: None,
            field: In::Other,
            raw: Vec::new(),
            vals: Default::default(),
            seen: [false; 3],
        }
    }

    /// A message starts; `envelope` is its From_ line's sender and date,
    /// None when the message cannot be kept.
    pub(crate) fn begin(&mut self, envelope: Option<(&[u8], &[u8])>) {
        self.field = In::Other;
        self.cur = None;
        self.seen = [false; 3];
        let Some((sender, date)) = envelope else {
            return;
        };
        let (Ok(a), Ok(b)) = (u16::try_from(sender.len()), u16::try_from(date.len())) else {
            return;
        };
        let d = &mut self.kept.data;
        if d.len() >= self.budget {
            return;
        }
        self.cur = Some(d.len());
        d.extend_from_slice(&a.to_le_bytes());
        d.extend_from_slice(sender);
        d.extend_from_slice(&b.to_le_bytes());
        d.extend_from_slice(date);
    }

    /// The end of a thread field's text: its value joins the others of
    /// that name.
    fn close_field(&mut self) {
        if let In::Id(k) = self.field {
            // A folded value with a bracket and no vertical tab has the
            // IDs of its unfolded value (unfolding changes only blanks,
            // which IDs leave out, and no bracket), and is not a bare ID.
            let raw = &self.raw[..];
            let value = if memchr::memchr(b'\n', raw).is_some()
                && memchr::memchr(0x0b, raw).is_none()
                && memchr::memchr2(b'<', b'>', raw).is_some()
            {
                Cow::Borrowed(raw)
            } else {
                RawField { name: b"", raw }.value()
            };
            let v = &mut self.vals[k];
            if self.seen[k] {
                v.push(b' ');
            } else {
                v.clear();
                self.seen[k] = true;
            }
            v.extend_from_slice(&value);
        }
        self.field = In::Other;
    }

    /// A non-empty header line of the current message, its newline (and
    /// the CR of a CRLF) removed; `long`: longer than an fgets piece.
    pub(crate) fn header_line(&mut self, text: &[u8], long: bool) {
        if self.cur.is_none() {
            return;
        }
        if long {
            return self.drop_record();
        }
        if matches!(text.first(), Some(b' ' | b'\t')) {
            if self.field != In::Other && memchr::memchr(b'\r', text).is_some() {
                return self.drop_record();
            }
            match self.field {
                In::Line => {
                    self.kept.data.extend_from_slice(text);
                    self.kept.data.push(b'\n');
                }
                In::Id(_) => {
                    self.raw.push(b'\n');
                    self.raw.extend_from_slice(text);
                }
                In::Other => {}
            }
            return;
        }
        self.close_field();
        // Most header lines are rejected by their first byte. A name
        // is the bytes before the colon (all in 0x21..0x7e), so
        // "name:" at the start is exactly bsd-mailx's test.
        let named = |n: &str| {
            text.len() > n.len()
                && text[n.len()] == b':'
                && text[..n.len()].eq_ignore_ascii_case(n.as_bytes())
        };
        let field = match text.first().map(u8::to_ascii_lowercase) {
            Some(b'f') if named("from") => In::Line,
            Some(b's') if named("subject") || named("sender") || named("subj") => In::Line,
            Some(b'd') if named("date") => In::Line,
            Some(b'm') if named("message-id") => In::Id(0),
            Some(b'i') if named("in-reply-to") => In::Id(1),
            Some(b'r') if named("references") => In::Id(2),
            _ => return,
        };
        // Only the lines kept are looked at for a `\r` (a line of another
        // field cannot change these).
        if memchr::memchr(b'\r', text).is_some() {
            return self.drop_record();
        }
        self.field = field;
        match field {
            In::Line => {
                self.kept.data.extend_from_slice(text);
                self.kept.data.push(b'\n');
            }
            In::Id(k) => {
                self.raw.clear();
                self.raw
                    .extend_from_slice(&text[THREAD_FIELDS[k].len() + 1..]);
            }
            In::Other => {}
        }
    }

    /// The current message is not kept after all.
    fn drop_record(&mut self) {
        if let Some(start) = self.cur.take() {
            self.kept.data.truncate(start);
        }
        self.field = In::Other;
    }

    /// The current message ends (its entry is pushed now).
    pub(crate) fn end(&mut self) {
        self.close_field();
        let span = match self.cur.take() {
            Some(s) => self.finish_record(s),
            None => NOT_KEPT,
        };
        self.kept.spans.push(span);
    }

    /// Appends the hashes to the record started at `s`; its span.
    fn finish_record(&mut self, s: usize) -> (u32, u32) {
        let [id, irt, refs] = std::array::from_fn(|k| self.seen[k].then_some(&self.vals[k][..]));
        let r = refs_of(id, irt, refs);
        let count = r.parents.len() + usize::from(r.id.is_some());
        let d = &mut self.kept.data;
        if count > MAX_HASHES {
            d.truncate(s);
            return NOT_KEPT;
        }
        for h in r.id.iter().chain(&r.parents) {
            d.extend_from_slice(&h.to_le_bytes());
        }
        let word = count as u16 | if r.id.is_some() { 0x8000 } else { 0 };
        d.extend_from_slice(&word.to_le_bytes());
        match (u32::try_from(s), u32::try_from(d.len() - s)) {
            (Ok(a), Ok(l)) if l != u32::MAX => (a, l),
            _ => {
                d.truncate(s);
                NOT_KEPT
            }
        }
    }

    pub(crate) fn into_kept(self) -> Kept {
        self.kept
    }

    /// Keeps one message from its envelope's sender and date and its
    /// header block (envelope line first, LF line ends, as
    /// `Folder::header_block_and_envelope` gives it): its records are then
    /// what `header_fields` finds in that block, line by line as the scan
    /// keeps them.
    fn keep_block(&mut self, sender: &[u8], date: &[u8], block: &[u8]) {
        self.begin(Some((sender, date)));
        let mut at = memchr::memchr(b'\n', block).map_or(block.len(), |e| e + 1);
        while at < block.len() {
            let end = memchr::memchr(b'\n', &block[at..]).map_or(block.len(), |e| at + e);
            if end == at {
                break;
            }
            self.header_line(&block[at..end], false);
            at = end + 1;
        }
        self.end();
    }
}

/// Reads message `i`'s header block into a buffer: where the block, the
/// envelope's sender and its date are in it (`Mailbox::header_block_into`).
pub(crate) type ReadBlock<'a> =
    dyn Fn(usize, &mut Vec<u8>) -> std::io::Result<[Range<usize>; 3]> + Sync + 'a;

/// The records of messages `0..n` made from their header blocks
/// (`read(i, buf)` puts message `i`'s header block, envelope line first,
/// LF line ends, into `buf` and says where in it the block, the
/// envelope's sender and its date are; a message that cannot be read is
/// not kept), by two threads when there are many: for a mailbox whose
/// scan kept nothing ([`KEEP_AT_OPEN`]), when a sort or thread needs every
/// message's keys. At most [`KEEP_BUDGET`] bytes, as a scan.
pub(crate) fn keep_from_blocks(n: usize, read: &ReadBlock<'_>) -> Kept {
    let part = |range: Range<usize>, budget: usize| -> Kept {
        let mut k = Keeper::new(budget);
        // Room for the whole budget at once (and the record that crosses
        // it): growing by doubling would copy the records, holding old and
        // new at once, and a reserved page costs no memory until written.
        k.kept.data.reserve_exact(budget + (1 << 20));
        k.kept.spans.reserve_exact(range.len());
        let mut buf = Vec::new();
        for i in range {
            match read(i, &mut buf) {
                Ok([b, s, d]) => k.keep_block(&buf[s], &buf[d], &buf[b]),
                Err(_) => {
                    k.begin(None);
                    k.end();
                }
            }
        }
        k.into_kept()
    };
    if n < 512 {
        return part(0..n, KEEP_BUDGET);
    }
    let mid = n / 2;
    std::thread::scope(|sc| {
        let back = std::thread::Builder::new().spawn_scoped(sc, || part(mid..n, KEEP_BUDGET / 2));
        let mut front = part(0..mid, KEEP_BUDGET / 2);
        let back = back
            .ok()
            .and_then(|h| h.join().ok())
            .unwrap_or_else(|| part(mid..n, KEEP_BUDGET / 2));
        front.tail = Some(Box::new(back));
        front
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Folder;
    use crate::mailbox::header_fields;
    use crate::mailbox::mbox::Mailbox;
    use crate::mailbox::msgid::{id_hash, refs_in_block};
    use crate::mailbox::testutil::rng;

    /// The fields of `block` named in [`SUMMARY_FIELDS`], as (name, raw).
    fn summary_fields(block: &[u8]) -> Vec<(Vec<u8>, Vec<u8>)> {
        header_fields(block)
            .filter(|f| {
                SUMMARY_FIELDS
                    .iter()
                    .any(|n| f.name.eq_ignore_ascii_case(n.as_bytes()))
            })
            .map(|f| (f.name.to_vec(), f.raw.to_vec()))
            .collect()
    }

    #[test]
    fn every_listed_field_is_kept_by_the_dispatch() {
        for (i, n) in SUMMARY_FIELDS.iter().chain(&THREAD_FIELDS).enumerate() {
            let mut k = Keeper::new(usize::MAX);
            k.begin(Some((b"u@h", b"d")));
            k.header_line(
                format!("{}: <x@y>", n.to_ascii_uppercase()).as_bytes(),
                false,
            );
            k.end();
            let kept = k.into_kept();
            if i < SUMMARY_FIELDS.len() {
                assert!(kept.get(0).unwrap().0.len() > 1, "{n}");
                continue;
            }
            let r = kept.refs(0).unwrap();
            let own = i == SUMMARY_FIELDS.len();
            assert_eq!(
                (r.id.is_some(), r.parents.len()),
                (own, usize::from(!own)),
                "{n}"
            );
        }
    }

    #[test]
    fn kept_fields_pass_the_first_byte_filter() {
        assert!(
            SUMMARY_FIELDS
                .iter()
                .all(|n| matches!(n.as_bytes()[0], b'f' | b's' | b'd'))
        );
        assert!(
            THREAD_FIELDS
                .iter()
                .all(|n| matches!(n.as_bytes()[0], b'm' | b'i' | b'r'))
        );
    }

    #[test]
    fn kept_fields_are_the_ones_in_the_file() {
        let lines: [&[u8]; 36] = [
            b"From: A <a@b>\n",
            b"from:x@y\n",
            b"FROM :  not a field\n",
            b"Subject: hello\n",
            b"Subject: two\r\n",
            b"  folded part\n",
            b"\tfolded tab\n",
            b"Subj: short\n",
            b"Sender: s@t\n",
            b"Received: by x\n",
            b"not a header line\n",
            b" continuation after junk\n",
            b"X-Other: y\n",
            b"Status: RO\n",
            b"Subject: cr\rin the middle\n",
            b"From bare\n",
            b":empty name\n",
            b"To: r@s\n",
            b"Date: Mon, 1 Jan 2001 10:00:00 +0100\n",
            b"date:  2 Feb 2002 \n",
            b"Subject: =?UTF-8?Q?=C3=84pfel?= und\n",
            b"Message-ID: <m1@x>\n",
            b"message-id:m2@x\n",
            b"Message-Id : <no@field>\n",
            b"In-Reply-To: <p1@x> (comment)\n",
            b"References: <r1@x>\n",
            b"\t<r2@x> <r3\n",
            b" @x>\n",
            b"References: <r4@x> <unclosed\n",
            b"in-reply-to: bare@x\n",
            b"Resent-From: z@z\n",
            b"Message-ID: <m3 @x>\n",
            b"References: \x0b bare@y\n",
            b"In-Reply-To: <p2@x>\x0b\n",
            b"References:\x0b<r5@x\n",
            b"\t\x0b>\n",
        ];
        let mut rnd = rng(7);
        let mut text = Vec::new();
        for m in 0..1200 {
            let crlf = rnd(8) == 0;
            text.extend_from_slice(format!("From u{m}@h Mon Jan  1 10:00:00 2001").as_bytes());
            text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            for _ in 0..rnd(12) {
                let l = lines[rnd(lines.len() as u64) as usize];
                text.extend_from_slice(l);
            }
            if rnd(40) == 0 {
                text.extend_from_slice(b"Subject: ");
                text.extend(std::iter::repeat_n(b'z', 8190 + rnd(10) as usize));
                text.push(b'\n');
            }
            if rnd(30) != 0 {
                text.extend_from_slice(b"\nbody\n\n");
            }
        }
        let mb = Mailbox::from_bytes(&text).unwrap();
        let count = mb.len();
        assert!(count > 900);
        let (mut kept, mut with_refs) = (0, 0);
        for i in 0..mb.len() {
            let (block, env) = mb.header_block_and_from(i).unwrap();
            let (sblock, senv) = mb.summary_headers(i).unwrap();
            assert_eq!(
                summary_fields(&sblock),
                summary_fields(&block),
                "message {i}"
            );
            assert_eq!(
                (senv.sender, senv.date),
                (env.sender, env.date),
                "message {i}"
            );
            let refs = mb.thread_refs(i);
            if sblock.len() < block.len() {
                kept += 1;
                let r = refs.expect("kept");
                assert_eq!(r, refs_in_block(&block), "message {i}");
                if !r.parents.is_empty() {
                    with_refs += 1;
                }
            }
        }
        // Most messages are kept (the others are read from the file).
        assert!(kept > count / 2, "{kept} of {count} kept");
        // Made from the header blocks instead (a mailbox too big to keep
        // them at open), by two threads: the same fields and links, for at
        // least the messages the scan kept.
        let lazy = keep_from_blocks(count, &|i, buf| mb.header_block_into(i, buf));
        let mut lazy_kept = 0;
        for i in 0..count {
            let (block, env) = mb.header_block_and_from(i).unwrap();
            let Some((sblock, senv)) = lazy.get(i) else {
                continue;
            };
            lazy_kept += 1;
            assert_eq!(summary_fields(&sblock), summary_fields(&block), "{i}");
            assert_eq!((senv.sender, senv.date), (env.sender, env.date), "{i}");
            assert_eq!(lazy.refs(i).unwrap(), refs_in_block(&block), "{i}");
        }
        assert!(
            lazy_kept >= kept,
            "{lazy_kept} made, {kept} kept by the scan"
        );
        assert!(lazy.get(count).is_none());
        assert!(
            with_refs > count / 4,
            "{with_refs} of {count} with references"
        );
    }

    /// Past the budget no record is started: those messages are read from
    /// the file.
    #[test]
    fn the_budget_bounds_what_is_kept() {
        let mut k = Keeper::new(100);
        for m in 0..10 {
            k.begin(Some((
                format!("u{m}@h").as_bytes(),
                b"Mon Jan  1 10:00:00 2001",
            )));
            k.header_line(b"Subject: a subject that is kept", false);
            k.header_line(b"References: <a@b>", false);
            k.end();
        }
        let kept = k.into_kept();
        assert_eq!(kept.spans.len(), 10);
        let n = (0..10).filter(|&i| kept.get(i).is_some()).count();
        assert!((1..10).contains(&n), "{n}");
        assert!(kept.data.len() < 200);
        assert_eq!(kept.refs(0).unwrap().parents, vec![id_hash(b"a@b")]);
    }

    /// A message with more IDs than a record holds is not kept.
    #[test]
    fn too_many_ids_are_not_kept() {
        let mut k = Keeper::new(usize::MAX);
        let many: String = (0..40_000).map(|i| format!("<{i}@x> ")).collect();
        for refs in [many.as_str(), "<1@x>"] {
            k.begin(Some((b"u@h", b"Mon Jan  1 10:00:00 2001")));
            k.header_line(format!("References: {refs}").as_bytes(), false);
            k.end();
        }
        let kept = k.into_kept();
        assert!(kept.get(0).is_none() && kept.refs(0).is_none());
        assert_eq!(kept.refs(1).unwrap().parents.len(), 1);
    }
}
