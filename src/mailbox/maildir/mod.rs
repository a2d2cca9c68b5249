//! Maildir folders (<https://cr.yp.to/proto/maildir.html>): a directory
//! with `cur/`, `new/` and `tmp/`, one file per message. [`Maildir`] is the
//! [`Folder`] implementation; [`is_maildir`] the recognition
//! `open_folder` and `append_messages` use.
//!
//! | file | owns |
//! |---|---|
//! | `name` | file names: base, `:2,` flags, delivery time, unique names |
//! | `scan` | listing `new/` and `cur/` (getdents), the order, each file's counts and envelope sender (read by several threads) |
//! | `hcache` | the header cache: what the summary needs of each file, and the listing while `new/` and `cur/` are unchanged, kept between sessions outside the Maildir |
//! | `stamp` | the stamp of `new/` and `cur/` the cached listing is trusted by |
//! | `deliver` | writing a message the Maildir way (`tmp/` → `cur/`/`new/`), creating a Maildir |
//! | `quit` | the session's end: flags into names, `new/` → `cur/`, removals, the mbox file |
//!
//! # What read mode sees
//!
//! Messages are every regular file in `new/` and `cur/` whose name does
//! not start with `.`, ordered by delivery time (the digits the unique
//! name starts with, else the file's mtime), then by name. Each is handed
//! out with a made-up envelope line `From SENDER DATE`: SENDER is the
//! address of `Return-Path:` (`MAILER-DAEMON` when it is missing or
//! `<>`), DATE the delivery time as an mbox date in local time, which is
//! what the summary's date column shows. After the file comes one empty
//! line, as an mbox message ends (so a copy into an mbox is separated from
//! the next; it is left out again when a message is written into a
//! Maildir). The summary's size and line count are those of the file. Flags: a file in `new/` is new (`N`), one in
//! `cur/` without `S` unread (`U`), with `S` read; `F` and `R` are the
//! session's `FLAGGED` and `ANSWERED`.
//!
//! # Concurrency
//!
//! No locks, as the spec intends. A file is found again by its unique base
//! name when another program renamed it (new flags, `new/` → `cur/`),
//! also when that happens between our finding it and our renaming or
//! removing it at quit (tried again where it is now); `new/` is listed
//! before `cur/` and a file seen in both is one message; `inc` takes in
//! files that appeared since (by base name, never twice); a file someone
//! else removed is reported once at quit and skipped. Every change at
//! quit is one rename or unlink (an edit is written over the old name
//! first), so a session killed at any point leaves each message once,
//! with its old or its new flags (tests/maildir_races.rs).

mod deliver;
mod hcache;
#[cfg(test)]
mod listing_tests;
pub mod name;
mod quit;
mod scan;
mod stamp;

pub(crate) use deliver::{create, deliver, deliver_all};
pub(crate) use hcache::set_dir as set_cache_dir;
#[cfg_attr(not(feature = "imap"), allow(unused_imports))]
pub(crate) use scan::{envelope_line, return_path};

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

use rustix::fs::{Access, AtFlags, Mode, OFlags};

use self::hcache::{Data, Record};
use self::name::Name;
#[cfg(feature = "imap")]
pub(crate) use self::scan::count_lines;
use self::scan::{Entry, Info, Scanned, Sub, info_of, read_info, scan};
use self::stamp::Stamp;
use super::fields::Headers;
use super::flags::MsgFlags;
use super::folder::{Folder, FolderKind};
use super::from_line::{FromLine, parse_from_line};
use super::lock::LockOptions;
use super::mbox::LockedOpenError;
use super::msgid::{Refs, refs_in_block};
use super::write::plan::{keep_in_folder, keep_in_system, to_mbox};
use super::write::{QuitOptions, QuitOutcome, WriteError};

/// Is `path` a Maildir (a directory holding the directories `cur`, `new`
/// and `tmp`)?
pub(crate) fn is_maildir(path: &Path) -> bool {
    ["cur", "new", "tmp"]
        .iter()
        .all(|s| fs::metadata(path.join(s)).is_ok_and(|m| m.is_dir()))
}

/// The error for a directory that is not a Maildir: bsd-mailx's
/// `Is a directory` (EISDIR), so its message stays byte for byte.
pub(crate) fn not_maildir() -> io::Error {
    io::Error::from_raw_os_error(libc::EISDIR)
}

/// An open Maildir.
pub struct Maildir {
    path: PathBuf,
    msgs: Vec<Entry>,
    /// Base names of every message taken in (for `inc` and quit; made
    /// when first needed).
    known: OnceLock<HashSet<Vec<u8>>>,
    readonly: bool,
    /// The header cache file the entries' cached records point into.
    cache: Option<File>,
    /// The header cache no longer matches the folder (write it anew).
    stale: AtomicBool,
    /// `new/` and `cur/` (`O_PATH`), for checking files against the cache.
    dirs: [Option<OwnedFd>; 2],
    /// The stamp of `new/` and `cur/` before the listing `msgs` are,
    /// exactly, with the names they had (None once they are not: `inc`
    /// took files in, quit renamed or removed files).
    listing: Option<Stamp>,
    /// A file of the listing could not be read (gone although the
    /// directories' stamps said nothing changed): the listing is not
    /// written again.
    unlisted: AtomicBool,
    /// The open listed the directories (did not take the header cache's
    /// listing): for tests.
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) listed: bool,
    /// Quit renamed, rewrote or removed a file (or tried to).
    files_changed: bool,
}

/// Which messages stay (by their flags).
type Keep = dyn Fn(MsgFlags) -> bool + Sync;

/// What the summary shows of a message, wherever it comes from.
enum Known<'a> {
    /// The header cache's record, proved right.
    Cached(&'a hcache::Rec),
    /// Read from the file (or the edited text).
    Read(&'a Info),
}

impl Maildir {
    /// Opens and scans the Maildir `path`. Files that cannot be read are
    /// reported on `warn` and left out; nothing is changed.
    pub fn open(path: &Path, warn: &mut dyn Write) -> io::Result<Maildir> {
        if !fs::metadata(path)?.is_dir() {
            return Err(io::Error::from_raw_os_error(libc::ENOTDIR));
        }
        if !is_maildir(path) {
            return Err(not_maildir());
        }
        let Scanned {
            entries: msgs,
            cache,
            listing,
            listed,
        } = scan(path, None, true, warn)?;
        // Stale: no cache, a file read afresh, a record left over, or
        // a settled listing made that the cache does not have.
        let stale = match &cache {
            None => true,
            Some(c) => {
                c.left_over
                    || msgs.iter().any(|e| e.cached.is_none())
                    || (listed && listing.is_some_and(|l| l.settled))
            }
        };
        let readonly = ["cur", "new"]
            .iter()
            .any(|s| rustix::fs::access(path.join(s), Access::WRITE_OK | Access::EXEC_OK).is_err());
        Ok(Maildir {
            path: path.to_path_buf(),
            msgs,
            known: OnceLock::new(),
            readonly,
            cache: cache.map(|c| c.file),
            dirs: [Sub::New, Sub::Cur].map(|s| {
                rustix::fs::open(
                    path.join(s.dir()),
                    OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .ok()
            }),
            stale: AtomicBool::new(stale),
            listing,
            unlisted: AtomicBool::new(false),
            listed,
            files_changed: false,
        })
    }

    /// The directory fd of `sub`.
    fn dir_fd(&self, sub: Sub) -> Option<&OwnedFd> {
        self.dirs[usize::from(sub == Sub::Cur)].as_ref()
    }

    /// Is message `i`'s file (any kind) where it was last seen?
    pub(crate) fn exists(&self, i: usize) -> bool {
        let e = &self.msgs[i];
        match self.dir_fd(e.sub) {
            Some(d) => rustix::fs::statat(d, &e.name[..], AtFlags::SYMLINK_NOFOLLOW).is_ok(),
            None => fs::symlink_metadata(self.file_path(i)).is_ok(),
        }
    }

    /// The base names of the messages taken in.
    pub(crate) fn known_bases(&self) -> &HashSet<Vec<u8>> {
        self.known
            .get_or_init(|| self.msgs.iter().map(|e| e.base().to_vec()).collect())
    }

    /// What is known of message `i`: its cache record once the file's
    /// size and mtime proved it right (checked at the first call), else
    /// the file as read (now, if not yet).
    fn known(&self, i: usize) -> Known<'_> {
        let e = &self.msgs[i];
        let checked = e.info.get_or_init(|| {
            if let Some(rec) = &e.cached
                && self.cache.is_some()
                && self
                    .dir_fd(e.sub)
                    .and_then(|d| {
                        rustix::fs::statat(d, &e.name[..], AtFlags::SYMLINK_NOFOLLOW).ok()
                    })
                    .is_some_and(|st| {
                        st.st_size as u64 == rec.size
                            && (st.st_mtime, st.st_mtime_nsec as u32) == rec.mtime()
                    })
            {
                return None;
            }
            self.stale.store(true, Ordering::Relaxed);
            let mut buf = Vec::new();
            let info = self
                .open_file(i)
                .and_then(|f| read_info(f, &mut buf))
                // Gone or unreadable since it was listed: shown empty,
                // reading it reports why.
                .unwrap_or_else(|_| {
                    self.unlisted.store(true, Ordering::Relaxed);
                    info_of(b"", (0, 0))
                });
            Some(Box::new(info))
        });
        match (checked, &e.cached) {
            (Some(info), _) => Known::Read(info),
            (None, Some(rec)) => Known::Cached(rec),
            (None, None) => unreachable!("a proved record exists"),
        }
    }

    /// The envelope sender of message `i` (None: `MAILER-DAEMON`).
    fn sender(&self, i: usize) -> Option<Vec<u8>> {
        match self.known(i) {
            Known::Read(info) => info.sender.as_deref().map(<[u8]>::to_vec),
            Known::Cached(rec) => self
                .cache
                .as_ref()
                .and_then(|f| hcache::read_data(f, rec).ok())
                .map(|mut s| {
                    s.truncate(usize::from(rec.sender_len));
                    s
                })
                .filter(|s| !s.is_empty()),
        }
    }

    /// The envelope line of message `i`.
    fn envelope_line(&self, i: usize) -> Vec<u8> {
        envelope_line(self.sender(i).as_deref(), self.msgs[i].time)
    }

    /// Writes the header cache when it no longer matches the folder: a
    /// record for every message `keep` accepts (by its flags), and the
    /// listing when the messages still are one (then `keep` must accept
    /// every message).
    fn write_cache(&self, keep: &Keep) {
        if !self.stale.load(Ordering::Relaxed) {
            return;
        }
        let mut order: Vec<u32> = (0..self.msgs.len() as u32).collect();
        order.sort_unstable_by(|&a, &b| {
            let (a, b) = (&self.msgs[a as usize], &self.msgs[b as usize]);
            hcache::key_cmp((a.time, &a.name, a.sub), (b.time, &b.name, b.sub))
        });
        // The same name twice (a file found again under a name another
        // message has) is recorded once.
        order.dedup_by(|a, b| {
            let (a, b) = (&self.msgs[*a as usize], &self.msgs[*b as usize]);
            (a.sub, &a.name) == (b.sub, &b.name)
        });
        // In batches: the files read afresh this session are read again
        // for their header fields (two threads), the others' records
        // copied from the old cache file (read in large pieces).
        const BATCH: usize = 2048;
        let mut window = hcache::Window::default();
        let mut batches = order.chunks(BATCH);
        let mut done: std::vec::IntoIter<Option<Record>> = Vec::new().into_iter();
        let mut next = || -> Option<Option<Record>> {
            loop {
                if let Some(r) = done.next() {
                    return Some(r);
                }
                let batch = batches.next()?;
                done = self.records(batch, keep, &mut window).into_iter();
            }
        };
        let listing = self
            .listing
            .filter(|_| !self.unlisted.load(Ordering::Relaxed));
        if hcache::write(&self.path, listing, &mut next).is_ok() {
            self.stale.store(false, Ordering::Relaxed);
        }
    }

    /// The header cache records of messages `batch` (None: none to make).
    fn records(
        &self,
        batch: &[u32],
        keep: &Keep,
        window: &mut hcache::Window,
    ) -> Vec<Option<Record>> {
        let fresh = |&i: &u32| matches!(self.msgs[i as usize].info.get(), Some(Some(_)));
        let read: Vec<u32> = batch.iter().copied().filter(fresh).collect();
        let half = read.len() / 2;
        let mut got: Vec<Option<Data>> = if read.len() < 64 {
            read.iter()
                .map(|&i| self.fresh_record(i as usize, keep))
                .collect()
        } else {
            std::thread::scope(|sc| {
                let h = sc.spawn(|| {
                    read[half..]
                        .iter()
                        .map(|&i| self.fresh_record(i as usize, keep))
                        .collect::<Vec<_>>()
                });
                let mut v: Vec<_> = read[..half]
                    .iter()
                    .map(|&i| self.fresh_record(i as usize, keep))
                    .collect();
                match h.join() {
                    Ok(w) => v.extend(w),
                    Err(_) => v.extend(read[half..].iter().map(|_| None)),
                }
                v
            })
        };
        got.reverse();
        batch
            .iter()
            .map(|&i| {
                let e = &self.msgs[i as usize];
                if !keep(e.flags) {
                    return None;
                }
                let data = if fresh(&i) {
                    got.pop().flatten()
                } else {
                    self.cached_record(i as usize, window)
                };
                Some(Record {
                    sub: e.sub,
                    name: e.name.to_vec(),
                    data,
                })
            })
            .collect()
    }

    /// The record of message `i` from the old cache file.
    fn cached_record(&self, i: usize, window: &mut hcache::Window) -> Option<Data> {
        let e = &self.msgs[i];
        let rec = e.cached.as_ref()?;
        if e.replaced.is_some() {
            return None;
        }
        let mut sender = window.read(self.cache.as_ref()?, rec).ok()?;
        let fields = sender.split_off(usize::from(rec.sender_len));
        Some(Data {
            size: rec.size,
            lines: u64::from(rec.lines),
            mtime: rec.mtime(),
            sender,
            fields,
        })
    }

    /// The record of message `i`, read from its file again for the
    /// header fields (None if the file changed since it was read).
    fn fresh_record(&self, i: usize, keep: &Keep) -> Option<Data> {
        let e = &self.msgs[i];
        let Some(Some(info)) = e.info.get() else {
            return None;
        };
        if e.replaced.is_some() || !keep(e.flags) || info.mtime == (0, 0) {
            return None;
        }
        let (header, size, mtime) = self.file_header(i).ok()?;
        if (size, mtime) != (info.size, info.mtime) {
            return None;
        }
        let mut block = b"From \n".to_vec();
        block.extend_from_slice(&header);
        let fields = hcache::summary_fields(&block);
        let sender = info.sender.as_deref().unwrap_or_default().to_vec();
        Some(Data {
            size: info.size,
            lines: info.lines,
            mtime: info.mtime,
            sender,
            fields,
        })
    }

    /// Message `i`'s header block as its file has it (up to the empty
    /// line, as `header_block` reads it), with the file's size and mtime.
    fn file_header(&self, i: usize) -> io::Result<(Vec<u8>, u64, (i64, u32))> {
        let mut f = self.open_file(i)?;
        let st = rustix::fs::fstat(&f)?;
        let mut buf = Vec::with_capacity(4096);
        loop {
            let at = buf.len();
            buf.resize(at + 4096, 0);
            let n = f.read(&mut buf[at..])?;
            buf.truncate(at + n);
            if let Some(end) = header_end(&buf) {
                buf.truncate(end);
                break;
            }
            if n == 0 {
                break;
            }
        }
        Ok((
            buf,
            st.st_size as u64,
            (st.st_mtime, st.st_mtime_nsec as u32),
        ))
    }

    /// The path of message `i` where it was last seen.
    pub(crate) fn file_path(&self, i: usize) -> PathBuf {
        let e = &self.msgs[i];
        self.path
            .join(e.sub.dir())
            .join(std::ffi::OsStr::from_bytes(&e.name))
    }

    /// Where message `i` is now: where it was, or (when another program
    /// renamed or moved it) the file in `new/` or `cur/` with the same
    /// base name (`new/` first: a file moved to `cur/` meanwhile is then
    /// still found). NotFound when it is gone.
    fn locate(&self, i: usize) -> io::Result<(Sub, Vec<u8>)> {
        let e = &self.msgs[i];
        if fs::symlink_metadata(self.file_path(i)).is_ok() {
            return Ok((e.sub, e.name.to_vec()));
        }
        let base = e.base();
        // A listing may miss a file renamed while it is read (another
        // program changing flags): look again before calling it gone, up
        // to 20 times while the directories keep changing, 3 times when
        // they stay as they were.
        let stamp = || {
            [Sub::New, Sub::Cur].map(|sub| {
                fs::metadata(self.path.join(sub.dir()))
                    .and_then(|m| m.modified())
                    .ok()
            })
        };
        for pass in 0..20 {
            let before = stamp();
            if pass > 0 {
                std::thread::yield_now();
            }
            for sub in [Sub::New, Sub::Cur] {
                let Ok(rd) = fs::read_dir(self.path.join(sub.dir())) else {
                    continue;
                };
                for d in rd.flatten() {
                    let n = d.file_name();
                    if Name::parse(n.as_bytes()).base == base {
                        return Ok((sub, n.as_bytes().to_vec()));
                    }
                }
            }
            if pass >= 2 && stamp() == before {
                break;
            }
        }
        Err(io::Error::from_raw_os_error(libc::ENOENT))
    }

    /// Opens message `i`'s file, wherever it is now. Another program may
    /// rename it again between [`Self::locate`] finding it and the open
    /// (a flag flipper does so in a loop): then it is looked for again, up
    /// to 20 times; once open, the file stays readable whatever its name.
    fn open_file(&self, i: usize) -> io::Result<File> {
        let mut err = match File::open(self.file_path(i)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => e,
            r => return r,
        };
        for _ in 0..20 {
            let (sub, name) = self.locate(i)?;
            match File::open(
                self.path
                    .join(sub.dir())
                    .join(std::ffi::OsStr::from_bytes(&name)),
            ) {
                Err(e) if e.kind() == io::ErrorKind::NotFound => err = e,
                r => return r,
            }
        }
        Err(err)
    }
}

/// Where the header block of a message file ends: after the line that
/// ends before its first empty line (`\n` or `\r\n` alone), or None when
/// `data` holds no such line (yet).
fn header_end(data: &[u8]) -> Option<usize> {
    if data.starts_with(b"\n") || data.starts_with(b"\r\n") {
        return Some(0);
    }
    let a = memchr::memmem::find(data, b"\n\n");
    let b = memchr::memmem::find(data, b"\n\r\n");
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b) + 1),
        (Some(x), None) | (None, Some(x)) => Some(x + 1),
        (None, None) => None,
    }
}

/// The sender and date of an envelope line `From sender date\n`.
fn from_line_of(env: &[u8]) -> FromLine {
    let line = env.strip_suffix(b"\n").unwrap_or(env);
    let ((s, e), (ds, de)) = parse_from_line(line).unwrap_or(((5, 5), (5, 5)));
    FromLine {
        sender: line[s..e].to_vec(),
        date: line[ds..de].to_vec(),
    }
}

impl Folder for Maildir {
    fn kind(&self) -> FolderKind {
        FolderKind::Maildir
    }
    fn path(&self) -> &Path {
        &self.path
    }
    fn readonly(&self) -> bool {
        self.readonly
    }
    fn len(&self) -> usize {
        self.msgs.len()
    }
    fn flags(&self, i: usize) -> MsgFlags {
        self.msgs[i].flags
    }
    fn flags_mut(&mut self, i: usize) -> &mut MsgFlags {
        &mut self.msgs[i].flags
    }
    fn lines(&self, i: usize) -> u64 {
        match self.known(i) {
            Known::Cached(r) => u64::from(r.lines),
            Known::Read(r) => r.lines,
        }
    }
    fn size(&self, i: usize) -> u64 {
        match self.known(i) {
            Known::Cached(r) => r.size,
            Known::Read(r) => r.size,
        }
    }
    fn content_len(&self, i: usize) -> u64 {
        self.envelope_line(i).len() as u64 + self.size(i) + 1
    }
    fn envelope(&self, i: usize) -> io::Result<FromLine> {
        Ok(from_line_of(&self.envelope_line(i)))
    }
    fn header_block(&self, i: usize) -> io::Result<Vec<u8>> {
        if self.msgs[i].replaced.is_none() {
            let (header, _, _) = self.file_header(i)?;
            let mut out = self.envelope_line(i);
            out.extend_from_slice(&header);
            return Ok(out);
        }
        let mut r = self.open_message(i)?;
        let mut out = Vec::with_capacity(1024);
        let mut first = true;
        loop {
            let start = out.len();
            if r.read_until(b'\n', &mut out)? == 0 {
                break;
            }
            if !first && (&out[start..] == b"\n" || &out[start..] == b"\r\n") {
                out.truncate(start);
                break;
            }
            first = false;
        }
        Ok(out)
    }
    fn summary_headers(&self, i: usize) -> io::Result<(Vec<u8>, FromLine)> {
        if let (Known::Cached(rec), Some(f)) = (self.known(i), &self.cache)
            && let Ok(data) = hcache::read_data(f, rec)
        {
            let (sender, fields) = data.split_at(usize::from(rec.sender_len));
            let sender = Some(sender).filter(|s| !s.is_empty());
            let mut block = envelope_line(sender, self.msgs[i].time);
            let from = from_line_of(&block);
            block.extend_from_slice(fields);
            return Ok((block, from));
        }
        self.header_block_and_envelope(i)
    }
    fn thread_refs(&self, i: usize) -> Option<Refs> {
        let (Known::Cached(rec), Some(f)) = (self.known(i), &self.cache) else {
            return None;
        };
        let data = hcache::read_data(f, rec).ok()?;
        let fields = data.get(usize::from(rec.sender_len)..)?;
        let mut block = Vec::with_capacity(fields.len() + 1);
        block.push(b'\n');
        block.extend_from_slice(fields);
        Some(refs_in_block(&block))
    }
    fn keep_cache(&mut self) {
        self.write_cache(&|_| true);
    }
    fn headers(&self, i: usize) -> io::Result<Headers> {
        Ok(super::fields::parse_headers(&self.header_block(i)?))
    }
    fn open_message(&self, i: usize) -> io::Result<Box<dyn BufRead + '_>> {
        let e = &self.msgs[i];
        let env = Cursor::new(self.envelope_line(i));
        let end = Cursor::new(&b"\n"[..]);
        if let Some(r) = &e.replaced {
            return Ok(Box::new(env.chain(Cursor::new(&r[..])).chain(end)));
        }
        let size = self.size(i);
        let f = self.open_file(i)?.take(size);
        Ok(Box::new(
            env.chain(BufReader::with_capacity(1 << 16, f)).chain(end),
        ))
    }
    fn replace_message(&mut self, i: usize, content: Vec<u8>) {
        let mut body = match memchr::memchr(b'\n', &content) {
            Some(p) if content.starts_with(b"From ") => content[p + 1..].to_vec(),
            _ => content,
        };
        // The empty line that ends a message as handed out.
        if body.ends_with(b"\n\n") {
            body.pop();
        }
        let sender = self.sender(i);
        let e = &mut self.msgs[i];
        let mut info = info_of(&body, (0, 0));
        info.sender = sender.map(Vec::into_boxed_slice);
        e.info = OnceLock::from(Some(Box::new(info)));
        e.replaced = Some(body.into_boxed_slice());
        e.flags.insert(MsgFlags::MODIFY);
    }
    fn incorporate(
        &mut self,
        _lock: &LockOptions,
        warn: &mut dyn Write,
    ) -> Result<usize, LockedOpenError> {
        self.known_bases();
        let new = scan(&self.path, self.known.get(), false, warn)
            .map_err(LockedOpenError::Io)?
            .entries;
        if !new.is_empty() {
            self.stale.store(true, Ordering::Relaxed);
            self.listing = None;
        }
        if let Some(known) = self.known.get_mut() {
            for e in &new {
                known.insert(e.base().to_vec());
            }
        }
        let n = new.len();
        self.msgs.extend(new);
        Ok(n)
    }
    fn quit(
        &mut self,
        opts: &QuitOptions<'_>,
        out: &mut dyn Write,
        warn: &mut dyn Write,
    ) -> Result<QuitOutcome, WriteError> {
        let r = quit::quit(self, opts, out, warn);
        if r.is_err() || self.files_changed {
            // Files may have been renamed or removed: the messages are no
            // longer the listing.
            self.listing = None;
        }
        if r.as_ref().is_ok_and(|o| o.rewritten) && self.files_changed {
            // Names changed, files went: the cache is written anew with
            // the messages that stayed.
            self.stale.store(true, Ordering::Relaxed);
            if opts.system {
                self.write_cache(&|f| keep_in_system(f) && !to_mbox(f));
            } else {
                self.write_cache(&keep_in_folder);
            }
        } else {
            self.write_cache(&|_| true);
        }
        r
    }
}
