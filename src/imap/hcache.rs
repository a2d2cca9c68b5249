//! The IMAP header cache: for one mailbox of one server and user, its
//! UIDVALIDITY and, per UID, what the summary fetch gave (the header
//! fields of `client::SUMMARY_FIELDS` as the folder keeps them, the size
//! and INTERNALDATE), so that opening the mailbox again fetches only the
//! summaries of messages that came since. An optimisation only:
//!
//! - which messages there are is always the server's word: the folder
//!   asks it for every UID and its flags (`UID FETCH 1:* (UID FLAGS)`),
//!   uses a record only for a UID the server listed, fetches the summary
//!   of every UID it has no record of, and drops the records of UIDs that
//!   are gone. Flags are not cached;
//! - a cache whose UIDVALIDITY is not the server's, that is damaged (bad
//!   magic, version, checksum, length, UIDs out of order), made for
//!   another mailbox (the server, user and mailbox are in it) or for
//!   other summary fields, is ignored and replaced;
//! - it lives with the Maildir header cache: `$XDG_CACHE_HOME/mailx/`
//!   (else `~/.cache/mailx/`), one file per mailbox named `imap-` and a
//!   hash of the server, user and mailbox; the directory 0700, the file
//!   0600 (it holds senders and subjects, never a password); written to a
//!   temporary name and renamed, so a reader sees the old or the new file
//!   whole, and a file cut short fails its checksum;
//! - bounded: a record's header at most [`MAX_HEADER`] bytes (a message
//!   with more is not recorded: it is fetched at each open) and a file at
//!   most [`MAX_FILE`] bytes; reading and writing go through one block.
//!
//! Read mode sets the directory with [`set_dir`] before it opens a folder
//! (None: `noheadercache`, or no home).
//!
//! File format (integers little-endian): the magic line, the version
//! (u32), a hash of the summary fields asked for (u64), the mailbox's
//! identity (u32 length, bytes: `host:port`, user and mailbox name, NUL
//! between them), UIDVALIDITY (u32), the records, the number of records
//! (u64), then a 64-bit checksum of everything before it
//! (`hash::sum64` over 64 KiB blocks). A record: UID (u32, ascending),
//! size (u64), INTERNALDATE in seconds (u64), header length (u32), then
//! the header (LF line ends, no empty line).

use std::fs::{self, File};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::mailbox::hash::{SUM_BLOCK as BLOCK, SumWriter, fnv, rand_u64, sum64};

const MAGIC: &[u8] = b"mailx imap header cache\n";
/// Bumped whenever the format changes.
const VERSION: u32 = 1;
/// Largest header of one record.
pub(crate) const MAX_HEADER: usize = 64 << 10;
/// Largest cache file.
pub(crate) const MAX_FILE: u64 = 512 << 20;
/// Bytes of a record besides its header.
const REC_MIN: u64 = 4 + 8 + 8 + 4;
/// Where caches go; None: no cache.
static DIR: Mutex<Option<PathBuf>> = Mutex::new(None);

/// Sets the directory caches are read from and written to (None: none).
pub(crate) fn set_dir(dir: Option<PathBuf>) {
    *DIR.lock().unwrap_or_else(|e| e.into_inner()) = dir;
}

fn dir() -> Option<PathBuf> {
    DIR.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Which mailbox a cache is of.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Key {
    /// `host:port` (host in lower case), user, mailbox name, NUL between.
    ident: Vec<u8>,
    /// The hash of the summary fields the fetch asks for.
    fields: u64,
    pub(crate) uidvalidity: u32,
}

impl Key {
    pub(crate) fn new(host: &str, port: u16, user: &str, mailbox: &str, uidvalidity: u32) -> Key {
        let ident = format!("{}:{port}\0{user}\0{mailbox}", host.to_ascii_lowercase());
        Key {
            ident: ident.into_bytes(),
            fields: fnv(super::client::SUMMARY_FIELDS.as_bytes()),
            uidvalidity,
        }
    }

    fn file_name(&self) -> String {
        format!("imap-{:016x}", fnv(&self.ident))
    }
}

/// One message's record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Entry {
    pub(crate) uid: u32,
    pub(crate) size: u64,
    /// INTERNALDATE, seconds since the epoch.
    pub(crate) date: u64,
    /// The summary's header fields, LF line ends.
    pub(crate) header: Box<[u8]>,
}

/// Why there are no records to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Miss {
    /// No cache directory (`noheadercache`, no home).
    Off,
    /// No cache file for this mailbox.
    Absent,
    /// The mailbox's UIDVALIDITY is not the cache's.
    UidValidity,
    /// Damaged, another mailbox's, another version's.
    Damaged,
}

impl Miss {
    pub(crate) fn describe(self) -> &'static str {
        match self {
            Miss::Off => "off",
            Miss::Absent => "none yet",
            Miss::UidValidity => "not used: UIDVALIDITY changed",
            Miss::Damaged => "not used: damaged or not this mailbox's",
        }
    }
}

fn bad() -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, "bad header cache")
}

/// Reads a file in [`BLOCK`]s, summing each as it goes by.
struct Reader<R> {
    f: R,
    buf: Vec<u8>,
    at: usize,
    /// Bytes left before the checksum.
    left: u64,
    sum: u64,
}

impl<R: Read> Reader<R> {
    fn fill(&mut self) -> io::Result<()> {
        let n = self.left.min(BLOCK as u64) as usize;
        if n == 0 {
            return Err(bad());
        }
        self.buf.resize(n, 0);
        self.f.read_exact(&mut self.buf)?;
        self.left -= n as u64;
        self.sum = sum64(self.sum, &self.buf);
        self.at = 0;
        Ok(())
    }
    /// Bytes before the checksum not yet taken.
    fn remaining(&self) -> u64 {
        self.left + (self.buf.len() - self.at) as u64
    }
    /// The next `n` bytes into `out`.
    fn take_into(&mut self, n: usize, out: &mut Vec<u8>) -> io::Result<()> {
        while out.len() < n {
            if self.at == self.buf.len() {
                self.fill()?;
            }
            let k = (n - out.len()).min(self.buf.len() - self.at);
            out.extend_from_slice(&self.buf[self.at..self.at + k]);
            self.at += k;
        }
        Ok(())
    }
    fn array<const N: usize>(&mut self) -> io::Result<[u8; N]> {
        if self.buf.len() - self.at >= N {
            let mut a = [0u8; N];
            a.copy_from_slice(&self.buf[self.at..self.at + N]);
            self.at += N;
            return Ok(a);
        }
        let mut v = Vec::with_capacity(N);
        self.take_into(N, &mut v)?;
        v.try_into().map_err(|_| bad())
    }
    fn u32(&mut self) -> io::Result<u32> {
        self.array().map(u32::from_le_bytes)
    }
    fn u64(&mut self) -> io::Result<u64> {
        self.array().map(u64::from_le_bytes)
    }
}

/// A cache file whose head (format, mailbox and UIDVALIDITY) is `key`'s;
/// its records are read, and its checksum checked, by [`Opened::records`]
/// (so that the server can be asked for its UIDs in the meantime).
pub(crate) struct Opened {
    r: Reader<File>,
}

/// The cache file of `key`'s mailbox, if it has one whose head is `key`'s.
pub(crate) fn open(key: &Key) -> Result<Opened, Miss> {
    let dir = dir().ok_or(Miss::Off)?;
    let file = File::open(dir.join(key.file_name())).map_err(|_| Miss::Absent)?;
    let len = file.metadata().map_err(|_| Miss::Damaged)?.len();
    open_file(file, len, key)
}

/// The records of the cache of `key`'s mailbox, in UID order, if it has
/// one whose UIDVALIDITY is `key`'s and which is whole.
#[cfg(test)]
pub(crate) fn load(key: &Key) -> Result<Vec<Entry>, Miss> {
    open(key)?.records()
}

fn open_file(file: File, len: u64, key: &Key) -> Result<Opened, Miss> {
    if len > MAX_FILE || len < (MAGIC.len() + 4 + 8 + 4 + 4 + 8 + 8) as u64 {
        return Err(Miss::Damaged);
    }
    let mut r = Reader {
        f: file,
        buf: Vec::new(),
        at: 0,
        left: len - 8,
        sum: 0,
    };
    let uidvalidity = read_head(&mut r, key).map_err(|_| Miss::Damaged)?;
    if uidvalidity != key.uidvalidity {
        return Err(Miss::UidValidity);
    }
    Ok(Opened { r })
}

impl Opened {
    /// The records, in UID order, if the file is whole.
    pub(crate) fn records(mut self) -> Result<Vec<Entry>, Miss> {
        let mut entries = Vec::new();
        read_records(&mut self.r, &mut entries).map_err(|_| Miss::Damaged)?;
        let sum = self.r.sum;
        let mut tail = [0u8; 8];
        if self.r.f.read_exact(&mut tail).is_err() || u64::from_le_bytes(tail) != sum {
            return Err(Miss::Damaged);
        }
        Ok(entries)
    }
}

/// Reads the head: the cache's UIDVALIDITY if it is of `key`'s format and
/// mailbox.
fn read_head<R: Read>(r: &mut Reader<R>, key: &Key) -> io::Result<u32> {
    let mut head = Vec::new();
    r.take_into(MAGIC.len(), &mut head)?;
    if head != MAGIC || r.u32()? != VERSION || r.u64()? != key.fields {
        return Err(bad());
    }
    let ilen = r.u32()? as usize;
    if ilen != key.ident.len() {
        return Err(bad());
    }
    head.clear();
    r.take_into(ilen, &mut head)?;
    if head != key.ident {
        return Err(bad());
    }
    r.u32()
}

/// Reads the records into `out`, and the count after them.
fn read_records<R: Read>(r: &mut Reader<R>, out: &mut Vec<Entry>) -> io::Result<()> {
    let mut n: u64 = 0;
    let mut buf = Vec::new();
    loop {
        // The count is what is left after the records.
        match r.remaining() {
            8 => break,
            k if k < 8 + REC_MIN => return Err(bad()),
            _ => {}
        }
        let uid = r.u32()?;
        let size = r.u64()?;
        let date = r.u64()?;
        let hlen = r.u32()? as usize;
        if uid == 0 || hlen > MAX_HEADER || out.last().is_some_and(|e: &Entry| e.uid >= uid) {
            return Err(bad());
        }
        buf.clear();
        r.take_into(hlen, &mut buf)?;
        out.push(Entry {
            uid,
            size,
            date,
            header: buf.as_slice().into(),
        });
        n += 1;
    }
    if r.u64()? != n || r.remaining() != 0 {
        return Err(bad());
    }
    Ok(())
}

/// The records worth writing of `entries`: those whose header fits.
pub(crate) fn recordable(header: &[u8]) -> bool {
    header.len() <= MAX_HEADER
}

/// Writes the cache file's bytes for `key` to `f`: the records `next`
/// gives (in ascending UID order; others, and those too big, left out).
fn write_to<'a, W: Write>(
    f: W,
    key: &Key,
    next: &mut dyn FnMut() -> Option<(u32, u64, u64, &'a [u8])>,
) -> io::Result<()> {
    let mut w = SumWriter::new(f);
    w.put(MAGIC)?;
    w.put(&VERSION.to_le_bytes())?;
    w.put(&key.fields.to_le_bytes())?;
    w.put(&(key.ident.len() as u32).to_le_bytes())?;
    w.put(&key.ident)?;
    w.put(&key.uidvalidity.to_le_bytes())?;
    let mut total = (MAGIC.len() + 4 + 8 + 4 + key.ident.len() + 4 + 16) as u64;
    let mut count: u64 = 0;
    let mut last = 0;
    while let Some((uid, size, date, header)) = next() {
        if uid <= last || !recordable(header) {
            continue;
        }
        let n = REC_MIN + header.len() as u64;
        if total + n > MAX_FILE {
            break;
        }
        last = uid;
        total += n;
        count += 1;
        w.put(&uid.to_le_bytes())?;
        w.put(&size.to_le_bytes())?;
        w.put(&date.to_le_bytes())?;
        w.put(&(header.len() as u32).to_le_bytes())?;
        w.put(header)?;
    }
    w.put(&count.to_le_bytes())?;
    w.finish().map(drop)
}

/// Removes temporary files of this cache (`prefix`) that a session
/// killed while writing left behind (older than an hour).
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

/// Writes the cache of `key`'s mailbox (see [`write_to`]) to a temporary
/// file and renames it; any error leaves the old cache (or none).
pub(crate) fn write<'a>(
    key: &Key,
    next: &mut dyn FnMut() -> Option<(u32, u64, u64, &'a [u8])>,
) -> io::Result<()> {
    let Some(dir) = dir() else {
        return Ok(());
    };
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    let name = key.file_name();
    let prefix = format!(".{name}.");
    remove_old_temporaries(&dir, &prefix);
    let tmp = dir.join(format!("{prefix}{}.{:x}", std::process::id(), rand_u64()));
    let r = (|| {
        let f = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        write_to(&f, key, next)?;
        fs::rename(&tmp, dir.join(&name))
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Seek;

    fn entries(n: u32) -> Vec<Entry> {
        (1..=n)
            .map(|i| Entry {
                uid: i * 3,
                size: u64::from(i) * 1000,
                date: 1_700_000_000 + u64::from(i),
                header: format!("Subject: message {i}\nFrom: a{i}@example.org\n")
                    .into_bytes()
                    .into(),
            })
            .collect()
    }

    fn bytes(key: &Key, e: &[Entry]) -> Vec<u8> {
        let mut out = Vec::new();
        let mut it = e.iter();
        write_to(&mut out, key, &mut || {
            it.next().map(|e| (e.uid, e.size, e.date, &e.header[..]))
        })
        .unwrap();
        out
    }

    fn read(b: &[u8], key: &Key) -> Result<Vec<Entry>, Miss> {
        let mut f = tempfile();
        f.write_all(b).unwrap();
        f.rewind().unwrap();
        open_file(f, b.len() as u64, key)?.records()
    }

    fn tempfile() -> File {
        let p = std::env::temp_dir().join(format!(
            "mailx-imap-hcache-test-{}-{:x}",
            std::process::id(),
            rand_u64()
        ));
        let f = fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&p)
            .unwrap();
        fs::remove_file(&p).unwrap();
        f
    }

    fn key(v: u32) -> Key {
        Key::new("LocalHost", 143, "me", "INBOX", v)
    }

    #[test]
    fn round_trip_of_small_and_block_spanning_files() {
        for n in [0, 1, 5, 3000] {
            let e = entries(n);
            let b = bytes(&key(7), &e);
            assert!(n < 3000 || b.len() > 2 * BLOCK);
            assert_eq!(read(&b, &key(7)).unwrap(), e, "{n}");
            // The host's case does not matter; the port, user and mailbox do.
            assert_eq!(
                read(&b, &Key::new("localhost", 143, "me", "INBOX", 7)),
                Ok(e)
            );
            assert_eq!(read(&b, &key(8)), Err(Miss::UidValidity));
            for other in [
                Key::new("localhost", 993, "me", "INBOX", 7),
                Key::new("localhost", 143, "you", "INBOX", 7),
                Key::new("localhost", 143, "me", "Sent", 7),
            ] {
                assert_eq!(read(&b, &other), Err(Miss::Damaged));
            }
        }
    }

    #[test]
    fn any_damage_or_cut_is_refused() {
        let e = entries(40);
        let b = bytes(&key(1), &e);
        for i in (0..b.len()).step_by(7).chain([b.len() - 1]) {
            let mut d = b.clone();
            d[i] ^= 0x20;
            assert!(read(&d, &key(1)).is_err(), "byte {i}");
        }
        for cut in [0, 10, b.len() / 2, b.len() - 9, b.len() - 1] {
            assert!(read(&b[..cut], &key(1)).is_err(), "cut {cut}");
        }
        let mut longer = b.clone();
        longer.extend_from_slice(&[0; 8]);
        assert!(read(&longer, &key(1)).is_err());
    }

    #[test]
    fn records_out_of_order_or_too_big_are_left_out_when_written() {
        let mut e = entries(3);
        e.swap(0, 1);
        e.push(Entry {
            uid: 100,
            size: 1,
            date: 1,
            header: vec![b'x'; MAX_HEADER + 1].into(),
        });
        let got = read(&bytes(&key(1), &e), &key(1)).unwrap();
        let uids: Vec<u32> = got.iter().map(|e| e.uid).collect();
        assert_eq!(uids, [6, 9]);
    }

    #[test]
    fn written_atomically_private_and_found_again() {
        let d = std::env::temp_dir().join(format!(
            "mailx-imap-hcache-dir-{}-{:x}",
            std::process::id(),
            rand_u64()
        ));
        let cache = d.join("mailx");
        set_dir(Some(cache.clone()));
        let e = entries(10);
        let mut it = e.iter();
        write(&key(3), &mut || {
            it.next().map(|e| (e.uid, e.size, e.date, &e.header[..]))
        })
        .unwrap();
        assert_eq!(load(&key(3)), Ok(e));
        assert_eq!(load(&key(4)), Err(Miss::UidValidity));
        assert_eq!(
            load(&Key::new("localhost", 143, "me", "Other", 3)),
            Err(Miss::Absent)
        );
        use std::os::unix::fs::PermissionsExt;
        let files: Vec<_> = fs::read_dir(&cache).unwrap().flatten().collect();
        assert_eq!(files.len(), 1, "no temporary file left");
        let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&files[0].path()), 0o600);
        assert_eq!(mode(&cache), 0o700);
        set_dir(None);
        assert_eq!(load(&key(3)), Err(Miss::Off));
        fs::remove_dir_all(&d).unwrap();
    }
}
