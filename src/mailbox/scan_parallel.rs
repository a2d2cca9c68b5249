//! Indexing a whole mbox file with one thread per core: split points
//! where the sequential scanner's state is known ([`split_point`]), one
//! [`Scanner`] per part, the parts joined into exactly the entries one
//! sequential scan gives. Each part also takes its byte samples for
//! `Mailbox::verify_unchanged`.

use std::fs::File;
use std::io;

use super::hash::sample_hash;
use super::kept::{KEEP_AT_OPEN, KEEP_BUDGET, Kept};
use super::mbox::MsgEntry;
use super::pio::read_full_at;
use super::scan::{Scanner, scan_file, scan_range};

/// Files smaller than this are scanned by one thread (a thread costs more
/// than it saves on them).
const PARALLEL_MIN: u64 = 32 << 20;

/// How many threads scan a file of `size` bytes: one per core (at most
/// four), each with at least `PARALLEL_MIN / 2` bytes.
fn scan_threads(size: u64) -> usize {
    if size < PARALLEL_MIN {
        return 1;
    }
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    cores
        .min(4)
        .min((size / (PARALLEL_MIN / 2)) as usize)
        .max(1)
}

/// Where a second scanner may start near `from`: the offset of a line
/// `From ` that follows an empty line (`\n` or `\r\n`), found by reading
/// forward from `from`; `None` if there is none before `limit`.
///
/// At such a point the sequential scanner's state is known whatever came
/// before: the empty line (a whole fgets piece of its own) ended any header
/// block, so only "the previous line was empty" is true, and whether the
/// `From ` line starts a message depends on that line alone.
fn split_point(f: &File, from: u64, limit: u64) -> io::Result<Option<u64>> {
    const STEP: usize = 1 << 16;
    let finder = memchr::memmem::Finder::new(b"\nFrom ");
    let mut buf = vec![0u8; STEP + 8];
    // Start two bytes early so the empty line before `from` is seen.
    let mut pos = from.saturating_sub(2);
    while pos < limit {
        let want = ((limit - pos) as usize).min(buf.len());
        let n = read_full_at(f, &mut buf[..want], pos)?;
        if n < 7 {
            return Ok(None);
        }
        let hay = &buf[..n];
        let mut at = 0;
        while let Some(p) = finder.find(&hay[at..]) {
            let nl = at + p; // the '\n' that ends the empty line
            let empty_before = (nl >= 1 && hay[nl - 1] == b'\n')
                || (nl >= 2 && hay[nl - 1] == b'\r' && hay[nl - 2] == b'\n');
            if empty_before && pos + nl as u64 >= from {
                return Ok(Some(pos + nl as u64 + 1));
            }
            at = nl + 1;
        }
        if n < buf.len() {
            // The end of the file or of the range.
            return Ok(None);
        }
        // Overlap by the length of "\r\n\nFrom " minus one.
        pos += (n - 8) as u64;
    }
    Ok(None)
}

/// The result of indexing a whole file.
pub(crate) struct Scan {
    pub(crate) msgs: Vec<MsgEntry>,
    /// Bytes before the first message.
    pub(crate) pre: u64,
    /// Where the scan ended (the file's size then).
    pub(crate) end: u64,
    /// `(start, end, hash)` of the sampled bytes of each scanned part, for
    /// `Mailbox::verify_unchanged`.
    pub(crate) samples: Vec<(u64, u64, u64)>,
    /// The summary fields (one span per entry of `msgs`; at most
    /// `KEEP_BUDGET` bytes of them).
    pub(crate) kept: Option<Kept>,
}

/// Indexes a whole file whose size was `size` when opened: split at
/// [`split_point`]s into parts scanned by parallel threads, then joined.
/// The entries are the ones a single sequential scan gives (a unit test
/// compares them); each part also takes its byte samples. The summary
/// fields are kept for a file of at most [`KEEP_AT_OPEN`] bytes.
pub(crate) fn scan_parallel(f: &File, size: u64) -> io::Result<Scan> {
    scan_in_parts(f, size, scan_threads(size), size <= KEEP_AT_OPEN)
}

/// One sequential scan of the whole file.
fn scan_whole(f: &File, keep: bool) -> io::Result<Scan> {
    let mut sc = Scanner::new(0);
    if keep {
        sc.keep_fields(KEEP_BUDGET);
    }
    let end = scan_file(f, 0, &mut sc)?;
    let (msgs, pre, kept) = sc.finish_kept(end);
    Ok(Scan {
        msgs,
        pre,
        end,
        samples: vec![(0, end, sample_hash(f, 0, end)?)],
        kept,
    })
}

/// [`scan_parallel`] with a given number of parts.
fn scan_in_parts(f: &File, size: u64, parts: usize, keep: bool) -> io::Result<Scan> {
    let mut starts = vec![0u64];
    for k in 1..parts {
        let from = size / parts as u64 * k as u64;
        let lo = *starts.last().unwrap_or(&0);
        if from <= lo {
            continue;
        }
        if let Some(p) = split_point(f, from, size)?
            && p > lo
            && p < size
        {
            starts.push(p);
        }
    }
    if starts.len() == 1 {
        return scan_whole(f, keep);
    }
    type Part = (Vec<MsgEntry>, u64, u64, u64, Option<Kept>);
    let scan_part = |k: usize| -> io::Result<Part> {
        let start = starts[k];
        let limit = starts.get(k + 1).copied().unwrap_or(u64::MAX);
        let mut sc = if k == 0 {
            Scanner::new(0)
        } else {
            Scanner::continuing(start)
        };
        if keep {
            sc.keep_fields(KEEP_BUDGET / starts.len());
        }
        let end = scan_range(f, start, limit, &mut sc)?;
        let (msgs, pre, kept) = sc.finish_kept(end);
        Ok((msgs, pre, end, sample_hash(f, start, end)?, kept))
    };
    let results: Vec<io::Result<Part>> = std::thread::scope(|s| {
        // Parts 1.. in new threads (or here, if a thread cannot be made),
        // part 0 in this one.
        let handles: Vec<_> = (1..starts.len())
            .map(|k| {
                std::thread::Builder::new()
                    .spawn_scoped(s, move || scan_part(k))
                    .map_err(|_| k)
            })
            .collect();
        let mut out = vec![scan_part(0)];
        for h in handles {
            out.push(match h {
                Ok(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                Err(k) => scan_part(k),
            });
        }
        out
    });
    let mut msgs: Vec<MsgEntry> = Vec::new();
    let mut pre = 0;
    let mut end = 0;
    let mut samples = Vec::new();
    let mut kept: Option<Kept> = None;
    for (k, r) in results.into_iter().enumerate() {
        let (part, part_pre, part_end, hash, part_kept) = r?;
        if starts.get(k + 1).is_some_and(|&next| part_end != next) {
            // The file shrank under us: the sequential scan sees it whole.
            return scan_whole(f, keep);
        }
        samples.push((starts[k], part_end, hash));
        end = part_end;
        if k == 0 {
            msgs = part;
            pre = part_pre;
            kept = part_kept;
            continue;
        }
        // The kept fields follow the entries (the continuation's span is
        // dropped with it); on any mismatch none are kept.
        kept = match (kept, part_kept) {
            (Some(mut a), Some(b)) if !part.is_empty() && b.spans.len() == part.len() => {
                a.append_part(b).map(|()| a)
            }
            _ => None,
        };
        let mut it = part.into_iter();
        // The continuation entry: the bytes before this part's first
        // message belong to the previous part's last message.
        if let Some(c) = it.next() {
            debug_assert_eq!(c.offset, starts[k]);
            match msgs.last_mut() {
                Some(last) => {
                    last.len += c.len;
                    last.lines += c.lines;
                    last.size += c.size;
                    last.ends_blank = c.ends_blank;
                }
                None => pre += c.len,
            }
        }
        msgs.extend(it);
    }
    let kept = kept.filter(|k| k.spans.len() == msgs.len());
    Ok(Scan {
        msgs,
        pre,
        end,
        samples,
        kept,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::Mailbox;
    use crate::mailbox::scan::feed_bytes;
    use crate::mailbox::testutil::rng;

    /// Scanning in parallel parts must give exactly the sequential result,
    /// wherever the split points fall (inside headers, after CRLF empty
    /// lines, before `From ` lines that are not From_ lines, in preambles).
    #[test]
    fn parallel_scan_equals_sequential() {
        let mut rnd = rng(0x9e37_79b9_7f4a_7c15);
        let pieces: [&[u8]; 13] = [
            b"From a@b Mon Jan  1 10:00:00 2001\n",
            b"From a@b Mon Jan  1 10:00:00 2001\r\n",
            b"\n",
            b"\n",
            b"\r\n",
            b"Status: RO\n",
            b"Status: O\n",
            b"Subject: s\n",
            b"body line of text\n",
            b"From bare\n",
            b"From x y\n",
            b"crlf body\r\n",
            b"no newline at all",
        ];
        let mut split_rounds = 0;
        for round in 0..300 {
            let mut data = Vec::new();
            if rnd(4) == 0 {
                data.extend_from_slice(b"preamble\n\n");
            }
            let target = 200 + rnd(30_000) as usize;
            while data.len() < target {
                if rnd(150) == 0 {
                    let k = 8185 + rnd(20) as usize;
                    data.extend(std::iter::repeat_n(b'L', k));
                    data.extend_from_slice(if rnd(2) == 0 { b"\n" } else { b"\r\n" });
                } else {
                    let p = pieces[rnd(pieces.len() as u64 - 1) as usize];
                    data.extend_from_slice(p);
                }
            }
            if rnd(3) == 0 {
                data.extend_from_slice(pieces[12]);
            }
            let mb = Mailbox::from_bytes(&data).unwrap();
            let mut sc = Scanner::new(0);
            sc.keep_fields(KEEP_BUDGET);
            feed_bytes(&mut sc, 0, &data);
            let (want, want_pre, want_kept) = sc.finish_kept(data.len() as u64);
            let want_kept = want_kept.unwrap();
            let half = data.len() as u64 / 2;
            if split_point(mb.file(), half, data.len() as u64)
                .unwrap()
                .is_some()
            {
                split_rounds += 1;
            }
            for parts in 2..=4 {
                let Scan {
                    msgs: got,
                    pre,
                    end,
                    samples,
                    kept,
                } = scan_in_parts(mb.file(), data.len() as u64, parts, true).unwrap();
                // The samples cover the file without gaps.
                assert_eq!(samples.first().map(|s| s.0), Some(0));
                assert_eq!(samples.last().map(|s| s.1), Some(end));
                assert!(samples.windows(2).all(|w| w[0].1 == w[1].0));
                assert_eq!(end, data.len() as u64, "round {round} parts {parts}");
                assert_eq!(pre, want_pre, "round {round} parts {parts}");
                assert_eq!(got.len(), want.len(), "round {round} parts {parts}");
                for (i, (a, b)) in got.iter().zip(&want).enumerate() {
                    assert_eq!(a, b, "round {round} parts {parts} message {i}");
                }
                // The kept fields join as the entries do.
                let kept = kept.unwrap();
                assert_eq!(kept.spans, want_kept.spans, "round {round} parts {parts}");
                assert_eq!(kept.data, want_kept.data, "round {round} parts {parts}");
            }
        }
        // Most inputs really were split.
        assert!(split_rounds > 200, "only {split_rounds} rounds split");
    }
}
