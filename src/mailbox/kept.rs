//! The header fields a summary line reads ([`SUMMARY_FIELDS`]), kept by
//! the scan of a mailbox of at most [`KEEP_MAX`] bytes while it passes the
//! header blocks anyway, so that `from *` need not read 10,000 header
//! blocks again (one `pread` each). Kept with them, and stored in the
//! index cache (`index_cache`), so a cached open has them too.
//!
//! A message's record is its envelope sender and date (the From_ line's
//! bytes) and its header lines that belong to those fields, verbatim:
//! a field line whose name is one of [`SUMMARY_FIELDS`] and the
//! continuation lines after it. [`header_fields`](super::header_fields)
//! over `"\n"` and those lines finds exactly the fields it finds in the
//! whole header block with those names (the rules are the same line by
//! line: a continuation belongs to the field line before it, a line that
//! is not `name:` belongs to no field). A message whose header has a line
//! longer than an fgets piece, or a `\r` (the header block would need
//! CRLF conversion), or whose From_ line is that long, is not kept: it is
//! read from the file as before.

use super::from_line::FromLine;

/// The fields a header summary line reads (lower case): `From`, `Sender`
/// (`nameof`), `Subject`, `Subj`. A summary that reads another field
/// from [`Folder::summary_headers`](super::Folder::summary_headers) must
/// add it here (and raise the index cache's version).
pub(crate) const SUMMARY_FIELDS: &[&str] = &["from", "sender", "subject", "subj"];

/// Mailboxes up to this size keep their summary fields (about 2 % of the
/// bytes for typical mail; a bigger mailbox would hold too much memory).
pub(crate) const KEEP_MAX: u64 = 256 << 20;

/// A message whose fields were not kept.
pub(crate) const NOT_KEPT: (u32, u32) = (0, u32::MAX);

/// The kept records of a mailbox, one span per message.
#[derive(Debug, Default)]
pub(crate) struct Kept {
    /// The records, one after the other.
    pub(crate) data: Vec<u8>,
    /// `(start, length)` of message `i`'s record in `data`, or
    /// [`NOT_KEPT`].
    pub(crate) spans: Vec<(u32, u32)>,
}

impl Kept {
    /// Message `i`'s fields as a header block (an empty first line, then
    /// the field lines) and its From_ line's sender and date; None when
    /// not kept.
    pub(crate) fn get(&self, i: usize) -> Option<(Vec<u8>, FromLine)> {
        let &(s, l) = self.spans.get(i)?;
        if (s, l) == NOT_KEPT {
            return None;
        }
        let rec = self
            .data
            .get(s as usize..(s as usize).checked_add(l as usize)?)?;
        let (sender, rest) = take_part(rec)?;
        let (date, lines) = take_part(rest)?;
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

/// What a scanner keeps while it runs.
#[derive(Debug, Default)]
pub(crate) struct Keeper {
    kept: Kept,
    /// Start of the current message's record, None if it is not kept.
    cur: Option<usize>,
    /// The line before was part of a kept field (a continuation line
    /// after it is kept too).
    in_field: bool,
}

impl Keeper {
    /// A message starts; `envelope` is its From_ line's sender and date,
    /// None when the message cannot be kept.
    pub(crate) fn begin(&mut self, envelope: Option<(&[u8], &[u8])>) {
        self.in_field = false;
        self.cur = None;
        let Some((sender, date)) = envelope else {
            return;
        };
        let (Ok(a), Ok(b)) = (u16::try_from(sender.len()), u16::try_from(date.len())) else {
            return;
        };
        let d = &mut self.kept.data;
        self.cur = Some(d.len());
        d.extend_from_slice(&a.to_le_bytes());
        d.extend_from_slice(sender);
        d.extend_from_slice(&b.to_le_bytes());
        d.extend_from_slice(date);
    }

    /// A non-empty header line of the current message, its newline (and
    /// the CR of a CRLF) removed; `long`: longer than an fgets piece.
    pub(crate) fn header_line(&mut self, text: &[u8], long: bool) {
        let Some(start) = self.cur else {
            return;
        };
        if long || memchr::memchr(b'\r', text).is_some() {
            self.kept.data.truncate(start);
            self.cur = None;
            return;
        }
        let keep = match text.first() {
            Some(b' ' | b'\t') => self.in_field,
            // Most header lines are rejected by their first byte. A name
            // is the bytes before the colon (all in 0x21..0x7e), so
            // "name:" at the start is exactly bsd-mailx's test.
            Some(b'f' | b'F' | b's' | b'S') => SUMMARY_FIELDS.iter().any(|n| {
                text.len() > n.len()
                    && text[n.len()] == b':'
                    && text[..n.len()].eq_ignore_ascii_case(n.as_bytes())
            }),
            _ => false,
        };
        self.in_field = keep;
        if keep {
            self.kept.data.extend_from_slice(text);
            self.kept.data.push(b'\n');
        }
    }

    /// The current message ends (its entry is pushed now).
    pub(crate) fn end(&mut self) {
        let span = match self.cur.take() {
            Some(s) => match (u32::try_from(s), u32::try_from(self.kept.data.len() - s)) {
                (Ok(a), Ok(l)) if l != u32::MAX => (a, l),
                _ => NOT_KEPT,
            },
            None => NOT_KEPT,
        };
        self.kept.spans.push(span);
        self.in_field = false;
    }

    pub(crate) fn into_kept(self) -> Kept {
        self.kept
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Folder;
    use crate::mailbox::header_fields;
    use crate::mailbox::mbox::Mailbox;
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
    fn summary_fields_pass_the_first_byte_filter() {
        assert!(
            SUMMARY_FIELDS
                .iter()
                .all(|n| matches!(n.as_bytes()[0], b'f' | b's'))
        );
    }

    #[test]
    fn kept_fields_are_the_ones_in_the_file() {
        let lines: [&[u8]; 18] = [
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
        ];
        let mut rnd = rng(7);
        let mut text = Vec::new();
        for m in 0..400 {
            let crlf = rnd(8) == 0;
            text.extend_from_slice(format!("From u{m}@h Mon Jan  1 10:00:00 2001").as_bytes());
            text.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            for _ in 0..rnd(9) {
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
        assert!(count > 300);
        let mut kept = 0;
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
            if sblock.len() < block.len() {
                kept += 1;
            }
        }
        // Most messages are kept (the others are read from the file).
        assert!(kept > count / 2, "{kept} of {count} kept");
    }
}
