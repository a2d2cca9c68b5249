//! A cache of a big mbox's index, so that opening it again need not scan
//! the whole file. An optimisation only: a missing, damaged, foreign or
//! stale cache is ignored (the file is scanned as always), and a cache is
//! used only after it proved to describe the file as it is now:
//!
//! - the file's device, inode, size, mtime and ctime (both to the
//!   nanosecond) are the ones recorded;
//! - a file changed less than [`SETTLE`] before the scan that made the
//!   cache is not recorded (a later change in the same clock tick could
//!   leave its times as they were), nor one that changed during the scan;
//! - the cache is well formed (magic, version, checksum, the entries
//!   cover the file without gaps or overlaps) and was made for this file
//!   (its canonical path is in it);
//! - then `Mailbox::verify_unchanged` runs, as before a write-back: every
//!   message's From_ line is still where it was and the sampled bytes (64
//!   every 64 KiB, and the last 64) are unchanged.
//!
//! Only mailboxes of [`MIN_SIZE`] to [`MAX_SIZE`] bytes are cached: below
//! that a scan costs little more than the check. Where: `$XDG_CACHE_HOME/mailx/`,
//! else `~/.cache/mailx/` (read mode sets it with [`set_dir`] before it
//! opens a folder; no directory, no cache), one file per mailbox named
//! `mbox-` and a hash of its canonical path, written to a temporary name
//! and renamed (a reader sees the old or the new file whole). It holds
//! offsets, counts, flags and hashes, never message text.
//!
//! File format (integers little-endian): [`MAGIC`], [`VERSION`] (u32),
//! the canonical path (u32 length, bytes), device, inode, size, mtime
//! seconds, mtime nanoseconds, ctime seconds, ctime nanoseconds, preamble
//! length, end (u64 each), the samples (u64 count, then start, end, hash),
//! the entries (u64 count, then each as [`put_entry`] writes it), the
//! kept summary fields (`kept`: u64 length, or `u64::MAX` for none, the
//! bytes, then start and length (u32 each) per entry), and a 64-bit
//! checksum of everything before it ([`checksum`]).

use std::fs::{self, DirBuilder, File, Metadata, OpenOptions};
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use super::flags::MsgFlags;
use super::hash::{fnv, rand_u64};
use super::kept::{Kept, NOT_KEPT};
use super::mbox::MsgEntry;
use super::scan_parallel::Scan;

/// Smallest mailbox that is cached.
pub(crate) const MIN_SIZE: u64 = 16 << 20;
/// Largest mailbox that is cached (the cache is read whole: at 1 GiB it
/// would add its 8 MB to the peak memory of the index itself).
pub(crate) const MAX_SIZE: u64 = 256 << 20;
/// A file must have been unchanged this long before a scan is recorded.
pub(crate) const SETTLE: Duration = Duration::from_secs(2);
const MAGIC: &[u8] = b"mailx mbox index\n";
/// Raised whenever the format or what the scanner records changes.
const VERSION: u32 = 2;

/// Where caches go; None: no cache.
static DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Sets the directory caches are read from and written to (None: none).
pub(crate) fn set_dir(dir: Option<PathBuf>) {
    *DIR.lock().unwrap_or_else(|e| e.into_inner()) = dir;
}

pub(super) fn dir() -> Option<PathBuf> {
    DIR.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// What identifies the file's state: device, inode, size, mtime, ctime.
pub(super) fn key(m: &Metadata) -> [u64; 7] {
    [
        m.dev(),
        m.ino(),
        m.len(),
        m.mtime() as u64,
        m.mtime_nsec() as u64,
        m.ctime() as u64,
        m.ctime_nsec() as u64,
    ]
}

/// The canonical path and the cache file of `path`.
fn cache_file(dir: &Path, path: &Path) -> Option<(PathBuf, PathBuf)> {
    let canon = fs::canonicalize(path).ok()?;
    let name = format!("mbox-{:016x}", fnv(canon.as_os_str().as_bytes()));
    Some((canon, dir.join(name)))
}

/// The recorded index of `path` (opened, with metadata `meta`), if a cache
/// was made for it in its present state. The caller still checks the
/// file against it (`Mailbox::verify_unchanged`).
pub(crate) fn load(path: &Path, meta: &Metadata) -> Option<Scan> {
    if !(MIN_SIZE..=MAX_SIZE).contains(&meta.len()) {
        return None;
    }
    let (canon, file) = cache_file(&dir()?, path)?;
    let bytes = fs::read(file).ok()?;
    parse(&bytes, &canon, meta)
}

/// Records `scan`, made of `path` whose metadata was `before` when the scan
/// started at `started` and `after` when it ended (see the module comment
/// for when nothing is recorded). Errors are ignored.
pub(crate) fn store(
    path: &Path,
    before: &Metadata,
    after: &Metadata,
    started: SystemTime,
    scan: &Scan,
) {
    if !(MIN_SIZE..=MAX_SIZE).contains(&before.len())
        || key(before) != key(after)
        || scan.end != before.len()
    {
        return;
    }
    // Nothing may overflow (a ctime out of range is never settled).
    let ns = (before.ctime_nsec() as u32).min(999_999_999);
    let settled = SystemTime::UNIX_EPOCH
        .checked_add(Duration::new(before.ctime().max(0) as u64, ns))
        .and_then(|changed| changed.checked_add(SETTLE));
    if settled.is_none_or(|settled| settled > started) {
        return;
    }
    let Some(dir) = dir() else {
        return;
    };
    let Some((canon, file)) = cache_file(&dir, path) else {
        return;
    };
    if DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)
        .is_err()
    {
        return;
    }
    let bytes = serialize(&canon, before, scan);
    let _ = write_atomically(&dir, &file, &bytes);
}

fn write_atomically(dir: &Path, file: &Path, bytes: &[u8]) -> io::Result<()> {
    let tmp = dir.join(format!(".tmp-{:016x}", rand_u64()));
    let r = (|| {
        let mut f: File = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        f.write_all(bytes)?;
        fs::rename(&tmp, file)
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}

fn put(out: &mut Vec<u8>, v: u64) {
    out.extend_from_slice(&v.to_le_bytes());
}

/// One entry: offset, len, body_offset, lines, size, header_end,
/// fingerprint (u64 each), flags (u16), from_len, fp_len, sender start
/// and end, date start and end (u32 each), ends_blank (u8).
fn put_entry(out: &mut Vec<u8>, e: &MsgEntry) {
    for v in [
        e.offset,
        e.len,
        e.body_offset,
        e.lines,
        e.size,
        e.header_end,
        e.fingerprint,
    ] {
        put(out, v);
    }
    out.extend_from_slice(&e.flags.bits().to_le_bytes());
    for v in [
        e.from_len, e.fp_len, e.sender.0, e.sender.1, e.date.0, e.date.1,
    ] {
        out.extend_from_slice(&v.to_le_bytes());
    }
    out.push(e.ends_blank as u8);
}

fn serialize(canon: &Path, meta: &Metadata, scan: &Scan) -> Vec<u8> {
    let mut out = Vec::with_capacity(256 + scan.msgs.len() * 83);
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&VERSION.to_le_bytes());
    let p = canon.as_os_str().as_bytes();
    out.extend_from_slice(&(p.len() as u32).to_le_bytes());
    out.extend_from_slice(p);
    for v in key(meta) {
        put(&mut out, v);
    }
    put(&mut out, scan.pre);
    put(&mut out, scan.end);
    put(&mut out, scan.samples.len() as u64);
    for &(a, b, h) in &scan.samples {
        put(&mut out, a);
        put(&mut out, b);
        put(&mut out, h);
    }
    put(&mut out, scan.msgs.len() as u64);
    for e in &scan.msgs {
        put_entry(&mut out, e);
    }
    match &scan.kept {
        Some(k) if k.spans.len() == scan.msgs.len() => {
            put(&mut out, k.data.len() as u64);
            out.extend_from_slice(&k.data);
            for &(a, l) in &k.spans {
                out.extend_from_slice(&a.to_le_bytes());
                out.extend_from_slice(&l.to_le_bytes());
            }
        }
        _ => put(&mut out, u64::MAX),
    }
    let sum = checksum(&out);
    put(&mut out, sum);
    out
}

/// A checksum of `b` against damage (not against forgery: the file is the
/// user's own), eight bytes at a time (FNV-1a's byte loop would cost
/// about 1 ms per MB).
fn checksum(b: &[u8]) -> u64 {
    const K: u64 = 0x9e37_79b9_7f4a_7c15;
    let mut h = K ^ b.len() as u64;
    let mut words = b.chunks_exact(8);
    for w in &mut words {
        let mut a = [0u8; 8];
        a.copy_from_slice(w);
        h = (h ^ u64::from_le_bytes(a)).wrapping_mul(K).rotate_left(31);
    }
    for &x in words.remainder() {
        h = (h ^ u64::from(x)).wrapping_mul(K).rotate_left(31);
    }
    h
}

/// Reads little-endian integers from a byte slice.
struct Cursor<'a>(&'a [u8]);

impl Cursor<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        if self.0.len() < n {
            return None;
        }
        let (a, b) = self.0.split_at(n);
        self.0 = b;
        Some(a)
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u16(&mut self) -> Option<u16> {
        Some(u16::from_le_bytes(self.take(2)?.try_into().ok()?))
    }
    fn u8(&mut self) -> Option<u8> {
        Some(self.take(1)?[0])
    }
}

fn parse(bytes: &[u8], canon: &Path, meta: &Metadata) -> Option<Scan> {
    let (body, sum) = bytes.split_at_checked(bytes.len().checked_sub(8)?)?;
    if checksum(body) != u64::from_le_bytes(sum.try_into().ok()?) {
        return None;
    }
    let mut c = Cursor(body);
    if c.take(MAGIC.len())? != MAGIC || c.u32()? != VERSION {
        return None;
    }
    let plen = c.u32()? as usize;
    if c.take(plen)? != canon.as_os_str().as_bytes() {
        return None;
    }
    for v in key(meta) {
        if c.u64()? != v {
            return None;
        }
    }
    let pre = c.u64()?;
    let end = c.u64()?;
    let ns = c.u64()?;
    if end != meta.len() || ns > 1024 {
        return None;
    }
    let mut samples = Vec::with_capacity(ns as usize);
    for _ in 0..ns {
        let (a, b, h) = (c.u64()?, c.u64()?, c.u64()?);
        if a > b || b > end {
            return None;
        }
        samples.push((a, b, h));
    }
    let n = c.u64()?;
    if n > end {
        return None;
    }
    let mut msgs = Vec::with_capacity(n as usize);
    let mut at = pre;
    for _ in 0..n {
        let e = MsgEntry {
            offset: c.u64()?,
            len: c.u64()?,
            body_offset: c.u64()?,
            lines: c.u64()?,
            size: c.u64()?,
            header_end: c.u64()?,
            fingerprint: c.u64()?,
            flags: MsgFlags::from_bits(c.u16()?),
            from_len: c.u32()?,
            fp_len: c.u32()?,
            sender: (c.u32()?, c.u32()?),
            date: (c.u32()?, c.u32()?),
            ends_blank: c.u8()? != 0,
        };
        if !sane(&e, at, end) {
            return None;
        }
        at = e.offset + e.len;
        msgs.push(e);
    }
    if at != end {
        return None;
    }
    let kept_len = c.u64()?;
    let kept = if kept_len == u64::MAX {
        None
    } else {
        let data = c.take(usize::try_from(kept_len).ok()?)?.to_vec();
        let mut spans = Vec::with_capacity(msgs.len());
        for _ in 0..msgs.len() {
            let (a, l) = (c.u32()?, c.u32()?);
            if (a, l) != NOT_KEPT && a as u64 + l as u64 > kept_len {
                return None;
            }
            spans.push((a, l));
        }
        Some(Kept::from_parts(data, spans))
    };
    if !c.0.is_empty() {
        return None;
    }
    Some(Scan {
        msgs,
        pre,
        end,
        samples,
        kept,
    })
}

/// Does `e` start at `at` and lie within the file, its parts in order?
fn sane(e: &MsgEntry, at: u64, end: u64) -> bool {
    let stop = e.offset.checked_add(e.len);
    e.offset == at
        && stop.is_some_and(|s| s <= end)
        && e.offset <= e.header_end
        && e.header_end <= e.body_offset
        && e.body_offset <= e.offset + e.len
        && u64::from(e.from_len) <= e.len
        && u64::from(e.fp_len) <= e.len
        && e.sender.0 <= e.sender.1
        && e.sender.1 <= e.from_len
        && e.date.0 <= e.date.1
        && e.date.1 <= e.from_len
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::scan_parallel::scan_parallel;
    use crate::mailbox::testutil::{mailbox, tmpdir};

    fn scanned(p: &Path) -> (Metadata, Scan) {
        let f = File::open(p).unwrap();
        let meta = f.metadata().unwrap();
        let scan = scan_parallel(&f, meta.len()).unwrap();
        (meta, scan)
    }

    #[test]
    fn round_trip_and_rejections() {
        let d = tmpdir();
        let p = d.join("box");
        for seed in 0..20 {
            fs::write(&p, mailbox(seed, 200_000, seed % 5 == 0)).unwrap();
            let (meta, scan) = scanned(&p);
            let canon = fs::canonicalize(&p).unwrap();
            let bytes = serialize(&canon, &meta, &scan);
            let back = parse(&bytes, &canon, &meta).expect("parses");
            assert_eq!(back.msgs, scan.msgs, "seed {seed}");
            let (a, b) = (back.kept.as_ref().unwrap(), scan.kept.as_ref().unwrap());
            assert_eq!((&a.data, &a.spans), (&b.data, &b.spans));
            assert_eq!(
                (back.pre, back.end, &back.samples),
                (scan.pre, scan.end, &scan.samples)
            );
            // Any damage, another path, another state: rejected.
            for k in [0, MAGIC.len() + 2, bytes.len() / 2, bytes.len() - 1] {
                let mut bad = bytes.clone();
                bad[k] ^= 1;
                assert!(parse(&bad, &canon, &meta).is_none(), "seed {seed} byte {k}");
            }
            assert!(parse(&bytes[..bytes.len() - 9], &canon, &meta).is_none());
            assert!(parse(&bytes, &d.join("other"), &meta).is_none());
            let other = fs::metadata(&d).unwrap();
            assert!(parse(&bytes, &canon, &other).is_none());
        }
        let _ = fs::remove_dir_all(&d);
    }

    #[test]
    fn store_and_load_only_for_a_settled_big_file() {
        let d = tmpdir();
        let p = d.join("box");
        let mut text = Vec::new();
        while (text.len() as u64) < MIN_SIZE {
            text.extend_from_slice(&mailbox(text.len() as u64, 1 << 20, false));
            text.extend_from_slice(b"\n");
        }
        fs::write(&p, &text).unwrap();
        let cache = d.join("cache");
        set_dir(Some(cache.clone()));
        let (meta, scan) = scanned(&p);
        // Changed just now: not recorded.
        store(&p, &meta, &meta, SystemTime::now(), &scan);
        assert!(load(&p, &meta).is_none());
        // As if the scan had started later: recorded, and found again.
        let later = SystemTime::now() + SETTLE + Duration::from_secs(1);
        store(&p, &meta, &meta, later, &scan);
        let back = load(&p, &meta).expect("cached");
        assert_eq!(back.msgs, scan.msgs);
        // Changed during the scan: not recorded.
        let other = fs::metadata(&d).unwrap();
        let p2 = d.join("box2");
        fs::copy(&p, &p2).unwrap();
        store(&p2, &meta, &other, later, &scan);
        assert!(load(&p2, &fs::metadata(&p2).unwrap()).is_none());
        // Another state of the file: not used.
        fs::write(&p, &text).unwrap();
        assert!(load(&p, &fs::metadata(&p).unwrap()).is_none());
        set_dir(None);
        let _ = fs::remove_dir_all(&d);
    }
}
