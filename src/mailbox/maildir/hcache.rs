//! The Maildir header cache: for each message file, what the header
//! summary needs (size, line count, envelope sender and the fields of
//! [`is_cached_field`]), so that opening, listing and sorting a big Maildir does
//! not read every file. An optimisation only:
//!
//! - a record is used only for a file listed under exactly the name it
//!   was made for (flags are part of the name, so a file another program
//!   renamed is read afresh), and only after the file's size and mtime
//!   proved the same (checked the first time the message is used);
//!   files whose name has no delivery time are always read (their order
//!   comes from their mtime);
//! - a file changed within a second before the cache was written is not
//!   recorded (its mtime could not tell a later change in the same tick);
//! - a cache file that is damaged (bad magic, version, checksum, length),
//!   or made for another folder (the canonical path is in it), is ignored
//!   and replaced; one that cannot be written is simply not written;
//! - it lives outside the Maildir: `$XDG_CACHE_HOME/mailx/` (else
//!   `~/.cache/mailx/`), one file per folder named after a hash of the
//!   folder's canonical path, written to a temporary name and renamed
//!   (so a reader sees the old or the new file whole);
//! - bounded: a record's fields are at most [`MAX_FIELDS`] bytes (a
//!   message with more is not recorded) and a file at most
//!   [`MAX_FILE`] bytes.
//!
//! # The cached listing
//!
//! The cache also holds the folder's listing: every message file (with
//! or without a record) in the folder's order, with the directory it is
//! in, and the [`Stamp`] of `new/` and `cur/` (device, inode, mtime and
//! ctime to the nanosecond) taken *before* that listing was made. An open
//! that finds both directories' stamps as recorded takes the names, the
//! order and the directories from the cache and lists nothing: any file
//! added, removed or renamed in a directory since changes its mtime and
//! ctime. It is trusted only when *settled*: the listing started at
//! least [`SETTLE`](super::stamp::SETTLE) after both directories'
//! mtimes, so that a change made right after the stamps were taken, in
//! the same coarse clock tick, cannot leave the mtime as recorded (as
//! `index_cache`'s rule).
//! A listing is recorded only when the session's messages are exactly
//! what that listing found (no file that could not be read, no `inc`,
//! no quit that renamed or removed files; those write the records
//! without a listing, and the next open lists the directories).
//!
//! Read mode sets the directory with [`set_dir`] before it opens a folder
//! (None: `noheadercache`, or no home). Without a trusted listing, loading
//! is a merge of the sorted records with the sorted listing (no table of
//! names in memory). The
//! record's sender and fields stay in the cache file, which is kept
//! open: the summary reads them with `pread` when it needs them, so
//! memory holds only the numbers.
//!
//! File format (integers little-endian): the magic line, the version
//! (u32), the folder's canonical path (u32 length, bytes), the items,
//! the listing (u8: 0 none, 1 not settled, 2 settled; then for `new/` and
//! `cur/` each device (u64), inode (u64), mtime seconds (i64) and
//! nanoseconds (u32), ctime seconds (i64) and nanoseconds (u32)), the
//! number of items (u64), then a 64-bit checksum of everything before
//! it. Items are in the folder's order (delivery time, name, `new/`
//! first; a name without a delivery time where its file's mtime put it).
//! An item starts with a byte: bit 0 set for `cur` (else `new`), bit 1
//! set when it holds a record. Then the name length (u16); with a
//! record, size (u64), lines (u32), mtime seconds (i64) and nanoseconds
//! (u32), sender length (u16), fields length (u16); then the name, and
//! with a record the sender and the fields (`name:value` lines as in the
//! file, folded values kept folded). Only names with a delivery time have
//! records.

use std::fs::{self, File};
use std::io;
use std::num::NonZeroU32;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use super::name::Name;
use super::scan::Sub;
use super::stamp::{STAMP_LEN, Stamp};
use crate::mailbox::fields::header_fields;
use crate::mailbox::hash::{SUM_BLOCK as BLOCK, SumWriter, fnv, rand_u64, sum64};
use crate::mailbox::kept::{SUMMARY_FIELDS, THREAD_FIELDS};
use crate::mailbox::pio::read_full_at;

/// Is this one of the header fields kept in the cache: those a summary
/// line or a sort reads (`kept::SUMMARY_FIELDS`, shared with the mbox and
/// the IMAP summary fetch), those threads are linked by
/// (`kept::THREAD_FIELDS`) and `To` (for `showto`)? A summary that reads
/// another field must add it there (and bump [`VERSION`]).
pub(crate) fn is_cached_field(name: &[u8]) -> bool {
    SUMMARY_FIELDS
        .iter()
        .chain(&THREAD_FIELDS)
        .chain(&["to"])
        .any(|n| name.eq_ignore_ascii_case(n.as_bytes()))
}

const MAGIC: &[u8] = b"mailx maildir header cache\n";
/// Bumped whenever the format or the fields of [`is_cached_field`] change.
const VERSION: u32 = 3;
/// Largest fields of one record.
pub(crate) const MAX_FIELDS: usize = 4096;
/// Largest cache file.
pub(crate) const MAX_FILE: u64 = 512 << 20;
/// Bytes of a record besides its name, sender and fields.
const REC_MIN: usize = 1 + 2 + 8 + 4 + 8 + 4 + 2 + 2;
/// Largest sender kept.
const MAX_SENDER: usize = 1024;

/// Where caches go; None: no cache.
static DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Sets the directory caches are read from and written to (None: none).
pub(crate) fn set_dir(dir: Option<PathBuf>) {
    *DIR.lock().unwrap_or_else(|e| e.into_inner()) = dir;
}

fn dir() -> Option<PathBuf> {
    #[cfg(test)]
    if let Some(d) = TEST_DIR.with(|d| d.borrow().clone()) {
        return Some(d);
    }
    DIR.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Is there a directory for caches (else nothing is cached)?
pub(crate) fn enabled() -> bool {
    dir().is_some()
}

#[cfg(test)]
thread_local! {
    /// The cache directory of this test's thread (unit tests run in
    /// parallel; [`DIR`] is the process's).
    pub(crate) static TEST_DIR: std::cell::RefCell<Option<PathBuf>> =
        const { std::cell::RefCell::new(None) };
}

/// A cache record: the numbers, and where its sender and fields are in
/// the cache file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Rec {
    pub(crate) size: u64,
    pub(crate) mtime_s: i64,
    /// Offset of the sender in the cache file; the fields follow it. 32
    /// bits keep the record (one per message) at 32 bytes: a cache file
    /// of 4 GiB or more (some 20 million messages) is not used.
    pub(crate) off: NonZeroU32,
    pub(crate) lines: u32,
    pub(crate) mtime_ns: u32,
    pub(crate) sender_len: u16,
    pub(crate) fields_len: u16,
}

impl Rec {
    pub(crate) fn mtime(&self) -> (i64, u32) {
        (self.mtime_s, self.mtime_ns)
    }
}

/// The cache file of the folder with canonical path `canon` in `dir`.
fn cache_path(dir: &Path, canon: &Path) -> PathBuf {
    dir.join(format!(
        "maildir-{:016x}",
        fnv(canon.as_os_str().as_bytes())
    ))
}

/// A reader of the cache file: its bytes up to the checksum, summed in
/// [`BLOCK`]s as they go by.
struct Reader<'a> {
    f: &'a File,
    buf: Vec<u8>,
    at: usize,
    /// File offset of `buf[0]`; bytes before the checksum.
    base: u64,
    end: u64,
    sum: u64,
}

impl Reader<'_> {
    /// Offset of the next byte.
    fn pos(&self) -> u64 {
        self.base + self.at as u64
    }
    fn fill(&mut self) -> io::Result<()> {
        self.base += self.buf.len() as u64;
        let n = (self.end - self.base).min(BLOCK as u64) as usize;
        self.buf.resize(n, 0);
        if n == 0 || read_full_at(self.f, &mut self.buf, self.base)? != n {
            return Err(bad());
        }
        self.sum = sum64(self.sum, &self.buf);
        self.at = 0;
        Ok(())
    }
    /// The next `n` bytes, handed to `f`.
    fn take<T>(&mut self, n: usize, f: impl FnOnce(&[u8]) -> T) -> io::Result<T> {
        if self.buf.len() - self.at >= n {
            self.at += n;
            return Ok(f(&self.buf[self.at - n..self.at]));
        }
        let mut v = Vec::with_capacity(n);
        while v.len() < n {
            if self.at == self.buf.len() {
                self.fill()?;
            }
            let k = (n - v.len()).min(self.buf.len() - self.at);
            v.extend_from_slice(&self.buf[self.at..self.at + k]);
            self.at += k;
        }
        Ok(f(&v))
    }
    fn skip(&mut self, mut n: u64) -> io::Result<()> {
        while n > 0 {
            if self.at == self.buf.len() {
                self.fill()?;
            }
            let k = n.min((self.buf.len() - self.at) as u64);
            self.at += k as usize;
            n -= k;
        }
        Ok(())
    }
    fn u16(&mut self) -> io::Result<u16> {
        self.take(2, |b| u16::from_le_bytes([b[0], b[1]]))
    }
    fn u32(&mut self) -> io::Result<u32> {
        self.take(4, |b| u32::from_le_bytes(b.try_into().unwrap_or([0; 4])))
    }
    fn u64(&mut self) -> io::Result<u64> {
        self.take(8, |b| u64::from_le_bytes(b.try_into().unwrap_or([0; 8])))
    }
}

fn bad() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "bad header cache")
}

/// What loading the cache gave.
pub(crate) struct Loaded {
    /// The open cache file (the records point into it).
    pub(crate) file: File,
    /// Some record matched no listed file (files gone or renamed).
    pub(crate) left_over: bool,
}

/// A record's key: the delivery time its name starts with, the name, the
/// subdirectory.
pub(crate) type Key<'a> = (u64, &'a [u8], Sub);

/// The order of cache records and of the keys they are matched with: the
/// order of the messages (delivery time, name), then `new/` first.
pub(crate) fn key_cmp(a: Key<'_>, b: Key<'_>) -> std::cmp::Ordering {
    (a.0, a.1, a.2 == Sub::Cur).cmp(&(b.0, b.1, b.2 == Sub::Cur))
}

/// What is handed each item of the cache: its directory, name, delivery
/// time (None: the name has none) and record.
pub(crate) type Each<'a> = dyn FnMut(Sub, &[u8], Option<u64>, Option<Rec>) + 'a;

/// A cache file opened, with the listing stamp it says it holds (not yet
/// proved: the checksum is checked when its items are read).
pub(crate) struct Opened {
    file: File,
    canon: PathBuf,
    len: u64,
    stamp: [u8; STAMP_LEN],
    /// The listing's stamp (None: the cache holds no listing).
    listing: Option<Stamp>,
    /// The number of items it says it holds.
    count: u64,
}

/// Opens the cache of `folder`. None: no cache directory, no cache file,
/// or one too short to be one.
pub(crate) fn open(folder: &Path) -> Option<Opened> {
    let dir = dir()?;
    let canon = fs::canonicalize(folder).ok()?;
    let file = File::open(cache_path(&dir, &canon)).ok()?;
    let len = file.metadata().ok()?.len();
    let mut tail = [0u8; STAMP_LEN + 8];
    let at = len.checked_sub((STAMP_LEN + 16) as u64)?;
    if read_full_at(&file, &mut tail, at).ok()? != tail.len() {
        return None;
    }
    let (stamp, count) = tail.split_at(STAMP_LEN);
    let stamp: [u8; STAMP_LEN] = stamp.try_into().ok()?;
    Some(Opened {
        listing: Stamp::decode(&stamp),
        count: u64::from_le_bytes(count.try_into().ok()?),
        file,
        canon,
        len,
        stamp,
    })
}

impl Opened {
    /// May the cache's listing be used instead of listing directories
    /// whose stamp is `now`: it is settled and both directories are the
    /// same, unchanged?
    pub(crate) fn trusted_for(&self, now: &Stamp) -> bool {
        self.listing
            .is_some_and(|l| l.settled && l.dirs == now.dirs)
    }

    /// About how many items the cache holds, for reserving room: the
    /// count it says, not yet proved, so at most one item for every 16
    /// bytes of the file (a name alone takes 3 bytes and the name).
    pub(crate) fn count_hint(&self) -> usize {
        self.count.min(self.len / 16) as usize
    }

    /// The cache's stamp, once its items were read whole.
    pub(crate) fn listing(&self) -> Option<Stamp> {
        self.listing
    }

    /// The file, for the records handed out.
    pub(crate) fn loaded(self, left_over: bool) -> Loaded {
        Loaded {
            file: self.file,
            left_over,
        }
    }

    /// Hands every item to `each(sub, name, delivery time, record)`, in
    /// the file's order. An error: the file is damaged or another
    /// folder's (whatever `each` was given must be dropped).
    pub(crate) fn items(&self, each: &mut Each<'_>) -> io::Result<()> {
        read_items(self, each)
    }

    /// Gives each of `keys`, sorted by [`key_cmp`] and without
    /// duplicates, the record the cache has for it (`set(k, rec)`;
    /// `clear()` takes them all back when the file proves damaged).
    pub(crate) fn attach(
        self,
        keys: &[Key<'_>],
        set: &mut dyn FnMut(usize, Rec),
        clear: &mut dyn FnMut(),
    ) -> Option<Loaded> {
        let mut k = 0;
        let mut left_over = false;
        let r = self.items(&mut |sub, name, time, rec| {
            let (Some(time), Some(rec)) = (time, rec) else {
                return;
            };
            let key = (time, name, sub);
            while k < keys.len() && key_cmp(keys[k], key).is_lt() {
                k += 1;
            }
            if k < keys.len() && keys[k] == key {
                set(k, rec);
                k += 1;
            } else {
                left_over = true;
            }
        });
        match r {
            Ok(()) => Some(self.loaded(left_over)),
            Err(_) => {
                clear();
                None
            }
        }
    }
}

fn read_items(o: &Opened, each: &mut Each<'_>) -> io::Result<()> {
    let items_end = o
        .len
        .checked_sub((STAMP_LEN + 16) as u64)
        .filter(|&e| e >= (MAGIC.len() + 8) as u64)
        .ok_or_else(bad)?;
    let end = o.len - 8;
    let mut r = Reader {
        f: &o.file,
        buf: Vec::new(),
        at: 0,
        base: 0,
        end,
        sum: 0,
    };
    if !r.take(MAGIC.len(), |m| m == MAGIC)? || r.u32()? != VERSION {
        return Err(bad());
    }
    let plen = r.u32()? as usize;
    if plen > 1 << 16 || !r.take(plen, |p| p == o.canon.as_os_str().as_bytes())? {
        return Err(bad());
    }
    let mut n: u64 = 0;
    let mut prev: (u64, Vec<u8>, Sub) = (0, Vec::new(), Sub::New);
    let mut first = true;
    while r.pos() < items_end {
        n += 1;
        let head = r.take(1, |b| b[0])?;
        let nlen = r.u16()? as usize;
        if head > 3 || nlen == 0 {
            return Err(bad());
        }
        let sub = if head & 1 == 0 { Sub::New } else { Sub::Cur };
        let rec = if head & 2 != 0 {
            let size = r.u64()?;
            let lines = r.u32()?;
            let mtime_s = r.u64()? as i64;
            let mtime_ns = r.u32()?;
            let sender_len = r.u16()?;
            let fields_len = r.u16()?;
            if usize::from(fields_len) > MAX_FIELDS {
                return Err(bad());
            }
            let off = u32::try_from(r.pos() + nlen as u64)
                .ok()
                .and_then(NonZeroU32::new)
                .ok_or_else(bad)?;
            Some(Rec {
                size,
                mtime_s,
                off,
                lines,
                mtime_ns,
                sender_len,
                fields_len,
            })
        } else {
            None
        };
        let data = rec
            .as_ref()
            .map_or(0, |r| u64::from(r.sender_len) + u64::from(r.fields_len));
        // Names with a delivery time are in key order, each once; only
        // they have records.
        let ok = r.take(nlen, |name| {
            let time = Name::parse(name).time();
            if let Some(time) = time {
                let key = (time, name, sub);
                if !first && !key_cmp((prev.0, &prev.1, prev.2), key).is_lt() {
                    return false;
                }
                first = false;
                prev.0 = time;
                prev.1.clear();
                prev.1.extend_from_slice(name);
                prev.2 = sub;
            } else if rec.is_some() {
                return false;
            }
            each(sub, name, time, rec);
            true
        })?;
        if !ok {
            return Err(bad());
        }
        r.skip(data)?;
    }
    if r.pos() != items_end
        || !r.take(STAMP_LEN, |s| s == o.stamp)?
        || r.u64()? != n
        || r.pos() != end
    {
        return Err(bad());
    }
    let sum = r.sum;
    let mut tail = [0u8; 8];
    if read_full_at(&o.file, &mut tail, end)? != 8 || u64::from_le_bytes(tail) != sum {
        return Err(bad());
    }
    Ok(())
}

/// A record's sender and fields, read from the cache file.
/// The sender is the first `rec.sender_len` bytes, the fields the rest.
pub(crate) fn read_data(file: &File, rec: &Rec) -> io::Result<Vec<u8>> {
    let n = usize::from(rec.sender_len) + usize::from(rec.fields_len);
    let mut buf = vec![0; n];
    if read_full_at(file, &mut buf, u64::from(rec.off.get()))? != n {
        return Err(bad());
    }
    Ok(buf)
}

/// Reads records' data from the cache file through a window of 64 KiB
/// (records are read in about the order they are in the file).
#[derive(Default)]
pub(crate) struct Window {
    buf: Vec<u8>,
    off: u64,
}

impl Window {
    /// [`read_data`] through the window.
    pub(crate) fn read(&mut self, file: &File, rec: &Rec) -> io::Result<Vec<u8>> {
        let n = usize::from(rec.sender_len) + usize::from(rec.fields_len);
        let off = u64::from(rec.off.get());
        let inside = off >= self.off && off + n as u64 <= self.off + self.buf.len() as u64;
        if !inside {
            if n > BLOCK {
                return read_data(file, rec);
            }
            self.buf.resize(BLOCK, 0);
            let got = read_full_at(file, &mut self.buf, off)?;
            self.buf.truncate(got);
            self.off = off;
            if got < n {
                return Err(bad());
            }
        }
        let at = (off - self.off) as usize;
        Ok(self.buf[at..at + n].to_vec())
    }
}

/// The fields [`is_cached_field`] takes of a header block (envelope line
/// first, as `Folder::header_block` gives it), as `name:value` lines.
pub(crate) fn summary_fields(block: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in header_fields(block) {
        if is_cached_field(f.name) {
            out.extend_from_slice(f.name);
            out.push(b':');
            out.extend_from_slice(f.raw);
            out.push(b'\n');
        }
    }
    out
}

/// Removes temporary files of this folder's cache (`prefix`) that a
/// session killed while writing left behind (older than an hour).
fn remove_old_temporaries(dir: &Path, prefix: &str) {
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        if !e.file_name().as_bytes().starts_with(prefix.as_bytes()) {
            continue;
        }
        let old = e
            .metadata()
            .and_then(|m| m.modified())
            .ok()
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|d| d.as_secs() > 3600);
        if old {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// One item to write: a message file of the listing, with its record
/// (None: its name only, for the listing).
pub(crate) struct Record {
    pub(crate) sub: Sub,
    pub(crate) name: Vec<u8>,
    pub(crate) data: Option<Data>,
}

/// What a record holds of its file.
pub(crate) struct Data {
    pub(crate) size: u64,
    pub(crate) lines: u64,
    pub(crate) mtime: (i64, u32),
    pub(crate) sender: Vec<u8>,
    pub(crate) fields: Vec<u8>,
}

/// Writes the cache of `folder`: `next` gives each item in the folder's
/// order (None at the end; `Some(None)`: an entry with nothing to
/// write). `listing`: the items are every message file the directories
/// held when they had this stamp (None: they are not; then only items
/// with a record are written). Records of files changed in the last
/// second, or too big, are left out (their names stay in the listing).
/// Written to a temporary file and renamed; any error leaves the old
/// cache (or none).
pub(crate) fn write(
    folder: &Path,
    mut listing: Option<Stamp>,
    next: &mut dyn FnMut() -> Option<Option<Record>>,
) -> io::Result<()> {
    let Some(dir) = dir() else {
        return Ok(());
    };
    let canon = fs::canonicalize(folder)?;
    // It holds senders and subjects: the directory 0700, the file 0600.
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let path = cache_path(&dir, &canon);
    let prefix = format!(".maildir-{:016x}.", fnv(canon.as_os_str().as_bytes()));
    remove_old_temporaries(&dir, &prefix);
    let tmp = dir.join(format!("{prefix}{}.{:x}", std::process::id(), rand_u64()));
    let r = (|| {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() as i64);
        let mut w = SumWriter::new(
            fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(&tmp)?,
        );
        w.put(MAGIC)?;
        w.put(&VERSION.to_le_bytes())?;
        let p = canon.as_os_str().as_bytes();
        w.put(&(p.len() as u32).to_le_bytes())?;
        w.put(p)?;
        let mut count: u64 = 0;
        let mut total = (MAGIC.len() + 8 + p.len() + STAMP_LEN + 16) as u64;
        while let Some(o) = next() {
            let Some(o) = o else { continue };
            if o.name.is_empty() || o.name.len() > u16::MAX as usize {
                // Cannot be a file name; not listed, so no listing.
                listing = None;
                continue;
            }
            // Records of files changed in the last second could not tell
            // a change in the same tick; names without a delivery time
            // are never looked up.
            let data = o.data.filter(|d| {
                d.mtime.0 < now - 1
                    && Name::parse(&o.name).time().is_some()
                    && d.fields.len() <= MAX_FIELDS
                    && d.sender.len() <= MAX_SENDER
                    && d.lines <= u64::from(u32::MAX)
            });
            if data.is_none() && listing.is_none() {
                continue;
            }
            let n = 3
                + o.name.len() as u64
                + data.as_ref().map_or(0, |d| {
                    (REC_MIN - 3 + d.sender.len() + d.fields.len()) as u64
                });
            if total + n > MAX_FILE {
                listing = None;
                break;
            }
            total += n;
            count += 1;
            let head = u8::from(o.sub == Sub::Cur) | if data.is_some() { 2 } else { 0 };
            w.put(&[head])?;
            w.put(&(o.name.len() as u16).to_le_bytes())?;
            if let Some(d) = &data {
                w.put(&d.size.to_le_bytes())?;
                w.put(&(d.lines as u32).to_le_bytes())?;
                w.put(&d.mtime.0.to_le_bytes())?;
                w.put(&d.mtime.1.to_le_bytes())?;
                w.put(&(d.sender.len() as u16).to_le_bytes())?;
                w.put(&(d.fields.len() as u16).to_le_bytes())?;
            }
            w.put(&o.name)?;
            if let Some(d) = &data {
                w.put(&d.sender)?;
                w.put(&d.fields)?;
            }
        }
        w.put(&Stamp::encode(listing.as_ref()))?;
        w.put(&count.to_le_bytes())?;
        w.finish()?;
        fs::rename(&tmp, &path)
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}

/// Rewrites the stamp of `folder`'s cache file as the directories' stamp
/// now, settled (what a forged directory mtime would look like).
#[cfg(test)]
pub(crate) fn restamp(folder: &Path) {
    let canon = fs::canonicalize(folder).unwrap();
    let path = cache_path(&dir().unwrap(), &canon);
    let mut b = fs::read(&path).unwrap();
    let mut now = Stamp::take(folder).unwrap();
    now.settled = true;
    let at = b.len() - 16 - STAMP_LEN;
    b[at..at + STAMP_LEN].copy_from_slice(&Stamp::encode(Some(&now)));
    let end = b.len() - 8;
    let sum = b[..end].chunks(BLOCK).fold(0, sum64);
    b[end..].copy_from_slice(&sum.to_le_bytes());
    fs::write(&path, b).unwrap();
}

/// The listing stamp `folder`'s cache file says it holds.
#[cfg(test)]
pub(crate) fn stored_listing(folder: &Path) -> Option<Stamp> {
    open(folder)?.listing
}

/// The path of `folder`'s cache file.
#[cfg(test)]
pub(crate) fn file_of(folder: &Path) -> PathBuf {
    cache_path(&dir().unwrap(), &fs::canonicalize(folder).unwrap())
}
