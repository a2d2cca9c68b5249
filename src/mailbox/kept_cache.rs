//! A cache of the records a sort or thread keeps for a mailbox too big to
//! keep them at open ([`KEEP_AT_OPEN`](super::kept::KEEP_AT_OPEN)), so that
//! the first `sort`, `thread` of a later session on the same, unchanged
//! file reads one file of about 20 MB instead of 100,000 header blocks
//! (`kept::keep_from_blocks`: a `pread` each). An optimisation only,
//! never needed for correctness: a missing, damaged, foreign or stale cache
//! is ignored (the header blocks are read as always). The records are used
//! only when all of this holds:
//!
//! - the file's device, inode, size, mtime and ctime (to the nanosecond)
//!   are the ones recorded, and the ones it had when this session indexed
//!   it (a file changed since the open is read afresh);
//! - the file had not changed for [`SETTLE`] before the scan that made
//!   the index the records were made for (the rule of `index_cache`: a
//!   later change in the same clock tick could leave its times as they
//!   were);
//! - this session's index of the file (every message's From_ line offset,
//!   length, header end and the From_ line's hash, and the sampled-byte
//!   hashes of the scan, which read the whole file just now) is the one
//!   the records were made for: a digest of it is recorded;
//! - the cache is well formed (magic, version, the canonical path of the
//!   mailbox, a record per message, every span inside the records, and a
//!   checksum of the whole file).
//!
//! Where: the directory of `index_cache` (`$XDG_CACHE_HOME/mailx/`, else
//! `~/.cache/mailx/`), one file per mailbox named `kept-` and a hash of
//! its canonical path, mode 0600, written to a temporary name and renamed.
//! It holds what the records hold: the From_ line's sender and date, the
//! `From`, `Sender`, `Subject`, `Subj` and `Date` lines and hashes of
//! message IDs; no body text.
//!
//! File format (integers little-endian): [`MAGIC`], [`VERSION`] (u32), the
//! canonical path (u32 length, bytes), the file's key (seven u64: device,
//! inode, size, mtime seconds and nanoseconds, ctime seconds and
//! nanoseconds), the message count and the index digest (u64 each), the
//! records' length (u64), then the records, then a start and a length (u32
//! each) per message, then [`sum64`] of the three parts in turn.

use std::fs::{self, DirBuilder, File, Metadata, OpenOptions};
use std::io::{self, BufReader, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::hash::{fnv, rand_u64, sum64};
use super::index_cache::{SETTLE, key};
use super::kept::{Kept, NOT_KEPT};
use super::mbox::MsgEntry;

const MAGIC: &[u8] = b"mailx mbox kept\n";
/// Raised whenever the format or what a record holds changes (with
/// `kept`'s record layout or its list of fields).
const VERSION: u32 = 1;
/// Largest records file read (a scan keeps at most `KEEP_BUDGET` bytes,
/// 28 MiB, plus the record that crosses it).
const MAX_DATA: u64 = 64 << 20;
/// The records are summed in pieces of this many bytes.
const CHUNK: usize = 1 << 20;

/// What a mailbox's index was made from: the file's key when its scan
/// started, and when that was.
#[derive(Debug, Clone)]
pub(crate) struct Opened {
    key: [u64; 7],
    started: SystemTime,
    count: usize,
}

impl Opened {
    /// The state of a file whose scan started at `started` with metadata
    /// `meta` and found `count` messages.
    pub(crate) fn new(meta: &Metadata, started: SystemTime, count: usize) -> Opened {
        Opened {
            key: key(meta),
            started,
            count,
        }
    }

    /// Had the file been unchanged for [`SETTLE`] when the scan started?
    fn settled(&self) -> bool {
        // A ctime before 1970 (negative, stored as a huge number) never
        // counts as settled; nothing here may overflow.
        let ns = Duration::from_nanos(self.key[6].min(999_999_999));
        Duration::from_secs(self.key[5])
            .checked_add(ns)
            .and_then(|d| SystemTime::UNIX_EPOCH.checked_add(d))
            .and_then(|changed| changed.checked_add(SETTLE))
            .is_some_and(|settled| settled <= self.started)
    }
}

/// The cache of one open mailbox, made only while it can be used: the
/// file is as it was indexed.
pub(crate) struct Slot {
    canon: PathBuf,
    dir: PathBuf,
    file: PathBuf,
    key: [u64; 7],
    count: usize,
    digest: u64,
    settled: bool,
}

impl Slot {
    /// The slot of mailbox `path` (open as `f`, indexed as `msgs` with the
    /// scan's `samples` when it was `opened`), with caches in `dir`; None
    /// when there is no cache directory, or the file or the index changed
    /// since the scan (an `inc`, another program's write).
    pub(crate) fn new(
        dir: Option<PathBuf>,
        path: &Path,
        f: &File,
        opened: Option<&Opened>,
        msgs: &[MsgEntry],
        samples: &[(u64, u64, u64)],
    ) -> Option<Slot> {
        let dir = dir?;
        let opened = opened?;
        if opened.count != msgs.len() || key(&f.metadata().ok()?) != opened.key {
            return None;
        }
        let canon = fs::canonicalize(path).ok()?;
        let file = dir.join(format!("kept-{:016x}", fnv(canon.as_os_str().as_bytes())));
        Some(Slot {
            canon,
            dir,
            file,
            key: opened.key,
            count: msgs.len(),
            digest: digest(msgs, samples),
            settled: opened.settled(),
        })
    }

    /// The recorded records, if they were made for this index of this
    /// file.
    pub(crate) fn load(&self) -> Option<Kept> {
        let mut r = BufReader::new(File::open(&self.file).ok()?);
        let mut head = vec![0u8; MAGIC.len() + 8];
        r.read_exact(&mut head).ok()?;
        let (magic, rest) = head.split_at(MAGIC.len());
        let plen = u32::from_le_bytes(rest[4..8].try_into().ok()?) as usize;
        if magic != MAGIC || rest[..4] != VERSION.to_le_bytes() || plen > 1 << 16 {
            return None;
        }
        let mut tail = vec![0u8; plen + 8 * 10];
        r.read_exact(&mut tail).ok()?;
        let mut sum = sum64(sum64(0, &head), &tail);
        let (p, nums) = tail.split_at(plen);
        let nums: Vec<u64> = nums
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().unwrap_or_default()))
            .collect();
        if p != self.canon.as_os_str().as_bytes()
            || nums[..7] != self.key
            || nums[7] != self.count as u64
            || nums[8] != self.digest
            || nums[9] > MAX_DATA
        {
            return None;
        }
        let mut data = vec![0u8; nums[9] as usize];
        r.read_exact(&mut data).ok()?;
        sum = sum_chunks(sum, &[&data]);
        let mut raw = vec![0u8; self.count.checked_mul(8)?];
        r.read_exact(&mut raw).ok()?;
        sum = sum64(sum, &raw);
        let mut end = [0u8; 8];
        r.read_exact(&mut end).ok()?;
        if u64::from_le_bytes(end) != sum || r.read(&mut [0u8; 1]).ok()? != 0 {
            return None;
        }
        let spans: Vec<(u32, u32)> = raw
            .chunks_exact(8)
            .map(|c| {
                let w = |b: &[u8]| u32::from_le_bytes(b.try_into().unwrap_or_default());
                (w(&c[..4]), w(&c[4..]))
            })
            .collect();
        let inside = |&(s, l): &(u32, u32)| {
            (s, l) == NOT_KEPT || u64::from(s) + u64::from(l) <= data.len() as u64
        };
        if !spans.iter().all(inside) {
            return None;
        }
        Some(Kept::from_parts(data, spans))
    }

    /// Records `kept`, made from this index of the file, if the file had
    /// settled before it was indexed and is still as it was (the records
    /// were read from it since). Errors are ignored.
    pub(crate) fn store(&self, f: &File, kept: &Kept) {
        if !self.settled || f.metadata().map(|m| key(&m)).ok() != Some(self.key) {
            return;
        }
        let parts = kept.parts();
        let spans: usize = parts.iter().map(|(_, s)| s.len()).sum();
        let len: usize = parts.iter().map(|(d, _)| d.len()).sum();
        if spans != self.count || len as u64 > MAX_DATA {
            return;
        }
        let mut head = Vec::with_capacity(MAGIC.len() + 96 + self.canon.as_os_str().len());
        head.extend_from_slice(MAGIC);
        head.extend_from_slice(&VERSION.to_le_bytes());
        let p = self.canon.as_os_str().as_bytes();
        head.extend_from_slice(&(p.len() as u32).to_le_bytes());
        head.extend_from_slice(p);
        for v in self
            .key
            .iter()
            .chain(&[self.count as u64, self.digest, len as u64])
        {
            head.extend_from_slice(&v.to_le_bytes());
        }
        let mut raw = Vec::with_capacity(self.count * 8);
        let mut base = 0u32;
        for (d, s) in &parts {
            for &(a, l) in *s {
                let a = if (a, l) == NOT_KEPT { a } else { a + base };
                raw.extend_from_slice(&a.to_le_bytes());
                raw.extend_from_slice(&l.to_le_bytes());
            }
            base += d.len() as u32;
        }
        // The sums as `load` takes them: the magic, version and path length
        // first, then the rest of the head, the records, the spans.
        let (h1, h2) = head.split_at(MAGIC.len() + 8);
        let data: Vec<&[u8]> = parts.iter().map(|(d, _)| *d).collect();
        let sum = sum64(sum_chunks(sum64(sum64(0, h1), h2), &data), &raw);
        let mut pieces = vec![&head[..]];
        pieces.extend(&data);
        pieces.push(&raw);
        let sum = sum.to_le_bytes();
        pieces.push(&sum);
        let _ = self.write(&pieces);
    }

    fn write(&self, pieces: &[&[u8]]) -> io::Result<()> {
        DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(&self.dir)?;
        let tmp = self.dir.join(format!(".tmp-{:016x}", rand_u64()));
        let r = (|| {
            let mut f = OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?;
            for p in pieces {
                f.write_all(p)?;
            }
            fs::rename(&tmp, &self.file)
        })();
        if r.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        r
    }
}

/// [`sum64`] of the bytes of `parts` one after the other, in chunks of
/// [`CHUNK`] bytes whatever the parts' boundaries (the records are written
/// from the two halves `keep_from_blocks` makes and read as one).
fn sum_chunks(mut h: u64, parts: &[&[u8]]) -> u64 {
    let mut carry: Vec<u8> = Vec::new();
    for p in parts {
        let mut p = *p;
        if !carry.is_empty() {
            let n = (CHUNK - carry.len()).min(p.len());
            carry.extend_from_slice(&p[..n]);
            p = &p[n..];
            if carry.len() < CHUNK {
                continue;
            }
            h = sum64(h, &carry);
            carry.clear();
        }
        let mut chunks = p.chunks_exact(CHUNK);
        for c in &mut chunks {
            h = sum64(h, c);
        }
        carry.extend_from_slice(chunks.remainder());
    }
    if carry.is_empty() {
        h
    } else {
        sum64(h, &carry)
    }
}

/// A digest of an index: each message's From_ line offset, length, header
/// end and From_ line hash, and the scan's sampled-byte hashes.
fn digest(msgs: &[MsgEntry], samples: &[(u64, u64, u64)]) -> u64 {
    let mut buf = Vec::with_capacity(32 * 1024);
    let mut h = sum64(0, &(msgs.len() as u64).to_le_bytes());
    for chunk in msgs.chunks(1024) {
        buf.clear();
        for e in chunk {
            for v in [e.offset, e.len, e.header_end, e.fingerprint] {
                buf.extend_from_slice(&v.to_le_bytes());
            }
        }
        h = sum64(h, &buf);
    }
    buf.clear();
    for &(a, b, s) in samples {
        for v in [a, b, s] {
            buf.extend_from_slice(&v.to_le_bytes());
        }
    }
    sum64(h, &buf)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::kept::keep_from_blocks;
    use crate::mailbox::mbox::Mailbox;
    use crate::mailbox::testutil::tmpdir;

    /// A mailbox of `n` messages with summary and thread fields.
    fn text(n: usize, salt: &str) -> Vec<u8> {
        let mut t = Vec::new();
        for m in 0..n {
            t.extend_from_slice(
                format!(
                    "From u{m}@h Mon Jan  1 10:00:00 2001\nFrom: F{m} <f{m}@x>\nSubject: {salt}{m}\nDate: Mon, {} Jan 2001 10:00:00 +0000\nMessage-ID: <{m}@x>\nReferences: <{}@x>\n\nbody\n\n",
                    1 + m % 28,
                    m / 3
                )
                .as_bytes(),
            );
        }
        t
    }

    /// As a scan that started well after the file last changed.
    fn settled(mb: &Mailbox) -> Opened {
        let meta = mb.file().metadata().unwrap();
        Opened::new(&meta, SystemTime::now() + SETTLE + SETTLE, mb.len())
    }

    fn slot(dir: &Path, mb: &Mailbox, o: &Opened) -> Option<Slot> {
        let d = Some(dir.to_path_buf());
        Slot::new(d, mb.path(), mb.file(), Some(o), mb.entries(), mb.samples())
    }

    fn made(mb: &Mailbox) -> Kept {
        keep_from_blocks(mb.len(), &|i, buf| mb.header_block_into(i, buf))
    }

    /// A message's fields, envelope sender and date, and parents.
    type Record = Option<(Vec<u8>, Vec<u8>, Vec<u8>, Vec<u64>)>;

    /// The records of every message, as a sort reads them.
    fn records(k: &Kept, n: usize) -> Vec<Record> {
        (0..=n)
            .map(|i| {
                let (block, from) = k.get(i)?;
                let r = k.refs(i)?;
                Some((block, from.sender, from.date, r.parents))
            })
            .collect()
    }

    /// A directory with a mailbox `box` of `n` messages, open, and the
    /// cache directory's path in it.
    fn setup(n: usize) -> (PathBuf, PathBuf, PathBuf, Mailbox) {
        let d = tmpdir();
        let p = d.join("box");
        fs::write(&p, text(n, "s")).unwrap();
        let mb = Mailbox::open(&p).unwrap();
        (d.join("cache"), p, d, mb)
    }

    #[test]
    fn records_come_back_as_made_for_the_same_file_only() {
        // Over 512 messages: two threads make the records, in two parts.
        let (cache, p, d, mb) = setup(1500);
        let o = settled(&mb);
        let s = slot(&cache, &mb, &o).expect("a slot");
        assert!(s.load().is_none());
        let k = made(&mb);
        assert_eq!(k.parts().len(), 2);
        s.store(mb.file(), &k);
        let back = s.load().expect("stored and loaded");
        assert_eq!(back.parts().len(), 1);
        assert_eq!(records(&back, 1500), records(&k, 1500));
        assert!(records(&k, 1500)[..1500].iter().all(Option::is_some));

        // Damaged anywhere: ignored.
        let file = s.file.clone();
        let good = fs::read(&file).unwrap();
        for at in [
            0,
            MAGIC.len() + 5,
            good.len() / 3,
            good.len() - 20,
            good.len() - 1,
        ] {
            let mut bad = good.clone();
            bad[at] ^= 0x20;
            fs::write(&file, &bad).unwrap();
            assert!(s.load().is_none(), "byte {at}");
        }
        for bad in [&good[..good.len() - 1], &[&good[..], b"x"].concat()[..]] {
            fs::write(&file, bad).unwrap();
            assert!(s.load().is_none());
        }
        fs::write(&file, &good).unwrap();
        assert!(s.load().is_some());

        // Another index of the same file (one message fewer): not used.
        let mut fewer = mb.entries().to_vec();
        fewer.pop();
        let o2 = Opened {
            count: fewer.len(),
            ..o.clone()
        };
        let d2 = Some(cache.clone());
        let s2 = Slot::new(d2, mb.path(), mb.file(), Some(&o2), &fewer, mb.samples()).unwrap();
        assert!(s2.load().is_none());

        // The same bytes written again (a new mtime): no slot for the old
        // index, and the new one does not find the old records.
        std::thread::sleep(Duration::from_millis(20));
        fs::write(&p, text(1500, "s")).unwrap();
        assert!(slot(&cache, &mb, &o).is_none());
        let mb2 = Mailbox::open(&p).unwrap();
        let s3 = slot(&cache, &mb2, &settled(&mb2)).unwrap();
        assert!(s3.load().is_none());

        // Other text at the same offsets (same lengths): the sampled bytes
        // differ, so the digest does.
        fs::write(&p, text(1500, "t")).unwrap();
        let mb3 = Mailbox::open(&p).unwrap();
        let o3 = Opened {
            key: key(&mb3.file().metadata().unwrap()),
            ..settled(&mb3)
        };
        let s4 = slot(&cache, &mb3, &o3).unwrap();
        assert_ne!(s4.digest, s3.digest);
        let _ = fs::remove_dir_all(&d);
    }

    /// Delivers one more message to `p`.
    fn append(p: &Path) {
        let mut f = fs::OpenOptions::new().append(true).open(p).unwrap();
        f.write_all(b"From x@y Mon Jan  1 10:00:00 2001\n\nz\n")
            .unwrap();
    }

    #[test]
    fn nothing_is_stored_for_a_file_that_had_not_settled_or_changed() {
        let (cache, p, d, mb) = setup(40);
        let k = made(&mb);
        // Scanned right after it changed (as `open` just did).
        let meta = mb.file().metadata().unwrap();
        let now = Opened::new(&meta, SystemTime::now(), mb.len());
        slot(&cache, &mb, &now).unwrap().store(mb.file(), &k);
        assert!(!cache.exists());
        // Changed after the records were read: not stored.
        let o = settled(&mb);
        let s = slot(&cache, &mb, &o).unwrap();
        std::thread::sleep(Duration::from_millis(20));
        append(&p);
        s.store(mb.file(), &k);
        assert!(!cache.exists());
        // No slot after an `inc` or without a directory.
        let mut mb = Mailbox::open(&p).unwrap();
        let o = settled(&mb);
        assert!(
            Slot::new(
                None,
                mb.path(),
                mb.file(),
                Some(&o),
                mb.entries(),
                mb.samples()
            )
            .is_none()
        );
        append(&p);
        mb.incorporate_new().unwrap();
        assert!(slot(&cache, &mb, &o).is_none());
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn odd_change_times_are_never_settled_and_never_panic() {
        let at = |ctime: u64, ns: u64| Opened {
            key: [0, 0, 0, 0, 0, ctime, ns],
            started: SystemTime::now(),
            count: 0,
        };
        assert!(at(1, 0).settled());
        assert!(!at(u64::MAX, 0).settled());
        assert!(!at(u64::MAX, u64::MAX).settled());
        assert!(!at((-5i64) as u64, 0).settled());
        let now = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        assert!(!at(now, 0).settled());
    }

    #[test]
    fn chunked_sums_do_not_depend_on_the_parts() {
        let b: Vec<u8> = (0..(3 * CHUNK + 77)).map(|i| (i * 7 % 251) as u8).collect();
        let whole = sum_chunks(5, &[&b]);
        for cut in [0, 1, CHUNK - 1, CHUNK, CHUNK + 3, 2 * CHUNK + 80, b.len()] {
            let (x, y) = b.split_at(cut);
            assert_eq!(sum_chunks(5, &[x, y]), whole, "cut {cut}");
            assert_eq!(sum_chunks(5, &[x, &[], y]), whole, "cut {cut}");
        }
        assert_ne!(sum_chunks(5, &[&b[1..]]), whole);
    }
}
