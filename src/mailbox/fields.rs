//! Header fields as bsd-mailx's `gethfield` reads them (head.c, aux.c):
//! the lazy iterator [`header_fields`] over a raw header block, the field
//! value unfolded on demand ([`RawField::value`]), the eager [`Headers`]
//! built from them, and the `Status:` test the indexer uses.

use std::borrow::Cow;

/// The header fields of a message, unfolded as bsd-mailx's `gethfield`
/// does (continuation lines joined with one space, trailing blanks removed).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Headers {
    /// `(name as in the file, value)`; the value starts after the colon and
    /// the blanks that follow it.
    pub fields: Vec<(String, Vec<u8>)>,
}

impl Headers {
    /// The first field with this name (case-insensitive).
    pub fn get(&self, name: &str) -> Option<&[u8]> {
        self.fields
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
    /// Every field with this name, in file order.
    pub fn get_all<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a [u8]> + 'a {
        self.fields
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_slice())
    }
    /// bsd-mailx's `hfield()`: every occurrence joined with one space, or
    /// `None` when the field is absent.
    pub fn hfield(&self, name: &str) -> Option<Vec<u8>> {
        let mut out: Option<Vec<u8>> = None;
        for v in self.get_all(name) {
            match &mut out {
                None => out = Some(v.to_vec()),
                Some(o) => {
                    o.push(b' ');
                    o.extend_from_slice(v);
                }
            }
        }
        out
    }
}

/// Is this (newline-stripped) header line a `Status:` line? bsd-mailx
/// matches `status` in either case, optional white space, then a colon.
pub(crate) fn status_value(line: &[u8]) -> Option<&[u8]> {
    if line.len() < 6 {
        return None;
    }
    for (a, b) in line[..6].iter().zip(b"status") {
        if *a != *b && *a != b.to_ascii_uppercase() {
            return None;
        }
    }
    let mut i = 6;
    while i < line.len() && is_c_space(line[i]) {
        i += 1;
    }
    if i < line.len() && line[i] == b':' {
        Some(&line[i + 1..])
    } else {
        None
    }
}

/// C `isspace` in the C locale.
pub(crate) fn is_c_space(c: u8) -> bool {
    matches!(c, b' ' | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

/// Parses a header block (From_ line first, CRLF already converted) as
/// bsd-mailx's `gethfield` does.
pub(crate) fn parse_headers(raw: &[u8]) -> Headers {
    Headers {
        fields: header_fields(raw)
            .map(|f| {
                (
                    String::from_utf8_lossy(f.name).into_owned(),
                    f.value().into_owned(),
                )
            })
            .collect(),
    }
}

/// One header field of a raw header block, not yet unfolded: the name and
/// the raw text after the colon up to the end of its last continuation
/// line (continuation lines separated by `\n`). Nothing is copied until
/// [`RawField::value`] is asked for.
#[derive(Clone, Copy, Debug)]
pub struct RawField<'a> {
    /// The field name as in the file.
    pub name: &'a [u8],
    /// The text after the colon, continuation lines included (joined by
    /// their `\n`), as in the header block.
    pub raw: &'a [u8],
}

impl<'a> RawField<'a> {
    /// The value unfolded as bsd-mailx's `gethfield` does: continuation
    /// lines joined with one space, trailing blanks removed, leading white
    /// space removed. Borrowed when the field is one line.
    pub fn value(&self) -> Cow<'a, [u8]> {
        let mut parts = self.raw.split(|&b| b == b'\n');
        let first = parts.next().unwrap_or(&[]);
        let first = trim_end_blanks_slice(first);
        if !self.raw.contains(&b'\n') {
            let k = first
                .iter()
                .position(|&b| !is_c_space(b))
                .unwrap_or(first.len());
            return Cow::Borrowed(&first[k..]);
        }
        let mut val = first.to_vec();
        for cont in parts {
            let k = cont
                .iter()
                .position(|&b| b != b' ' && b != b'\t')
                .unwrap_or(cont.len());
            val.push(b' ');
            val.extend_from_slice(&cont[k..]);
            trim_end_blanks(&mut val);
        }
        let k = val
            .iter()
            .position(|&b| !is_c_space(b))
            .unwrap_or(val.len());
        val.drain(..k);
        Cow::Owned(val)
    }
}

/// The header fields of a raw header block (From_ line first), in file
/// order, with [`Mailbox::headers`](super::Mailbox::headers)' rules: the block ends at the first
/// empty line; a line that is not `name:` (name bytes 0x21..0x7e, no
/// colon) is skipped; lines starting with a blank continue the field.
pub fn header_fields(raw: &[u8]) -> impl Iterator<Item = RawField<'_>> + '_ {
    // The end of the line starting at `p` (exclusive of the newline) and
    // the start of the next line, or None past the end.
    let line_at = move |p: usize| -> Option<(usize, usize)> {
        if p >= raw.len() {
            return None;
        }
        Some(match memchr::memchr(b'\n', &raw[p..]) {
            Some(k) => (p + k, p + k + 1),
            None => (raw.len(), raw.len()),
        })
    };
    // Skip the From_ line.
    let mut pos = line_at(0).map(|(_, n)| n).unwrap_or(raw.len());
    let mut done = false;
    std::iter::from_fn(move || {
        while !done {
            let (end, next) = line_at(pos)?;
            let line = &raw[pos..end];
            pos = next;
            if line.is_empty() {
                done = true;
                return None;
            }
            let mut c = 0;
            while c < line.len() && (0x21..0x7f).contains(&line[c]) && line[c] != b':' {
                c += 1;
            }
            if c == 0 || c >= line.len() || line[c] != b':' {
                continue;
            }
            let vstart = end - line.len() + c + 1;
            let mut vend = end;
            while let Some((e2, n2)) = line_at(pos) {
                if !matches!(raw[pos], b' ' | b'\t') {
                    break;
                }
                vend = e2;
                pos = n2;
            }
            return Some(RawField {
                name: &line[..c],
                raw: &raw[vstart..vend],
            });
        }
        None
    })
}

fn trim_end_blanks_slice(mut v: &[u8]) -> &[u8] {
    while let [rest @ .., b' ' | b'\t'] = v {
        v = rest;
    }
    v
}

fn trim_end_blanks(v: &mut Vec<u8>) {
    while matches!(v.last(), Some(b' ' | b'\t')) {
        v.pop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Mailbox;

    #[test]
    fn folded_headers() {
        let mb = Mailbox::from_bytes(b"From a@b Mon Jan  1 10:00:00 2001\nSubject: a  \n   b\n\tc\nX-Y:z\nnot a header\nTo:  q\n\nbody\n").unwrap();
        let h = mb.headers(0).unwrap();
        assert_eq!(h.get("subject"), Some(&b"a b c"[..]));
        assert_eq!(h.get("x-y"), Some(&b"z"[..]));
        assert_eq!(h.get("to"), Some(&b"q"[..]));
    }

    /// The eager parser `header_fields` replaced, kept as the reference.
    fn parse_headers_reference(raw: &[u8]) -> Vec<(String, Vec<u8>)> {
        let mut lines: Vec<&[u8]> = raw.split(|&b| b == b'\n').collect();
        if raw.ends_with(b"\n") {
            lines.pop();
        }
        let mut out = Vec::new();
        let mut i = 1;
        while i < lines.len() {
            let line = lines[i];
            i += 1;
            if line.is_empty() {
                break;
            }
            let mut c = 0;
            while c < line.len() && (0x21..0x7f).contains(&line[c]) && line[c] != b':' {
                c += 1;
            }
            if c == 0 || c >= line.len() || line[c] != b':' {
                continue;
            }
            let name = String::from_utf8_lossy(&line[..c]).into_owned();
            let mut val: Vec<u8> = line[c + 1..].to_vec();
            trim_end_blanks(&mut val);
            while i < lines.len() && matches!(lines[i].first(), Some(b' ' | b'\t')) {
                let cont = lines[i];
                i += 1;
                let k = cont
                    .iter()
                    .position(|&b| b != b' ' && b != b'\t')
                    .unwrap_or(cont.len());
                val.push(b' ');
                val.extend_from_slice(&cont[k..]);
                trim_end_blanks(&mut val);
            }
            let k = val
                .iter()
                .position(|&b| !is_c_space(b))
                .unwrap_or(val.len());
            val.drain(..k);
            out.push((name, val));
        }
        out
    }

    #[test]
    fn lazy_fields_equal_the_eager_parser() {
        // Every sequence of up to 6 lines from a set of awkward pieces.
        let pieces: [&[u8]; 12] = [
            b"Subject: a  ",
            b"   b",
            b"\tc",
            b"X-Y:z",
            b"not a header",
            b"To:  q",
            b"",
            b" \t",
            b"Bad Name: v",
            b":x",
            b"E:",
            b"F:\x0b\r v \t",
        ];
        let mut count = 0;
        let mut stack = vec![Vec::<usize>::new()];
        while let Some(seq) = stack.pop() {
            for end in [&b""[..], b"\n"] {
                let mut raw = b"From a@b Mon Jan  1 10:00:00 2001".to_vec();
                for &k in &seq {
                    raw.push(b'\n');
                    raw.extend_from_slice(pieces[k]);
                }
                raw.extend_from_slice(end);
                let lazy: Vec<(String, Vec<u8>)> = header_fields(&raw)
                    .map(|f| {
                        (
                            String::from_utf8_lossy(f.name).into_owned(),
                            f.value().into_owned(),
                        )
                    })
                    .collect();
                assert_eq!(
                    lazy,
                    parse_headers_reference(&raw),
                    "{:?}",
                    String::from_utf8_lossy(&raw)
                );
                count += 1;
            }
            if seq.len() < 4 {
                for k in 0..pieces.len() {
                    let mut s = seq.clone();
                    s.push(k);
                    stack.push(s);
                }
            }
        }
        assert!(count > 20000);
    }
}
