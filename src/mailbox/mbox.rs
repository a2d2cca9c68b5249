//! An open mbox file: the [`Mailbox`] type, its index (one [`MsgEntry`]
//! per message: offsets, bsd-mailx's counts, flags; never message text),
//! the lazy reads of one message (From_ line, header block, bytes with
//! CRLF → LF), `edit`'s replacement, `inc`, and the check, before writing
//! back, that the file still holds what was indexed. Mbox is the first
//! implementation of [`Folder`] (see `folder`).
//!
//! The indexing rules are bsd-mailx's (`setptr` in fio.c, `ishead`/`parse`
//! in head.c, with Debian's date check turned off); the scanner is in
//! `scan` and `scan_parallel`:
//!
//! * a message starts at a line beginning with `From ` at the start of the
//!   file or right after an empty line, with a sender word and something
//!   after it (`From bare` does not count; `From here on we go` does);
//! * lines are read the way `fgets(buf, 8192)` reads them: a line longer
//!   than 8191 bytes counts as several lines (this matters only for the
//!   line count);
//! * a `\r\n` ending is turned into `\n` (size counts the converted bytes);
//! * the first `Status:` line of the header block sets the initial flags:
//!   `R` → read, `O` → not new; without one the message is new;
//! * bytes before the first From_ line (a "preamble") belong to no message:
//!   bsd-mailx shows such a file as `0 messages`. [`Mailbox::check_format`]
//!   reports it as a [`NotMbox`] error for callers that want to refuse it.
//!
//! Known difference: bsd-mailx drops everything from a NUL byte to the end
//! of that line when it copies the mailbox (it uses `strlen`); we keep the
//! bytes, so size counts of lines with NUL bytes differ.
//!
//! # Reading the original file
//!
//! Messages are read from the original file through one descriptor kept
//! open for the session (bsd-mailx copies it to `/tmp` instead). No memory
//! map: a file truncated by another program would kill the session with
//! SIGBUS, and a mapped scan measured no faster here (page-table work costs
//! what the `pread` copy costs). Before writing back, under the lock,
//! [`Mailbox::verify_unchanged`] checks that the inode is the same, the
//! file did not shrink, every From_ line is still where it was and sampled
//! bytes (64 every 64 KiB, and the last 64) are unchanged; otherwise
//! nothing is written. A change elsewhere that keeps the size and every
//! From_ line (an in-place edit by another program between the samples) is
//! not noticed. Drop the `Mailbox` after `quit`: its offsets describe the
//! old file.
//!
//! A mailbox of 16 to 256 MiB may be opened from its index cache instead
//! of a scan (see `index_cache`): only when the file's identity, size and
//! times are the recorded ones and the same check as before a write-back
//! passes.

use std::collections::HashMap;
use std::fmt;
use std::fs::{self, File, Metadata, OpenOptions};
use std::io::{self, BufRead, Read, Write};
use std::ops::Range;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use super::fields::{Headers, parse_headers};
use super::flags::MsgFlags;
use super::folder::{Folder, FolderKind};
use super::from_line::FromLine;
use super::hash::{fnv, rand_u64, sample_hash};
use super::index_cache;
use super::kept::{Kept, keep_from_blocks};
use super::kept_cache::{Opened, Slot};
use super::lock::{LockError, LockOptions, MailboxLock};
use super::msgid::Refs;
use super::reader::{MessageRead, RangeReader, SeqReader};
use super::scan::{Scanner, feed_bytes, scan_file, scan_range};
use super::scan_parallel::{Scan, scan_parallel};
use super::write::{QuitOptions, QuitOutcome, WriteError, quit};
use crate::util::strerror;
use rustix::fs::Access;

/// One message of the index: offsets into the file, bsd-mailx's counts and
/// the flags.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MsgEntry {
    /// Offset of the From_ line in the file.
    pub offset: u64,
    /// Length in the file (up to the next From_ line or the end of file).
    pub len: u64,
    /// Offset of the first body byte: just after the empty line that ends the
    /// header block, or `offset + len` when there is none.
    pub body_offset: u64,
    /// Lines as the header summary shows them (From_ line and trailing blank
    /// line included).
    pub lines: u64,
    /// Bytes as the header summary shows them (after CRLF → LF).
    pub size: u64,
    /// Current flags (initially `USED|NEW`, adjusted by `Status:`).
    pub flags: MsgFlags,
    /// Offset of the empty line ending the header block (or `offset+len`).
    pub(crate) header_end: u64,
    /// Length of the From_ line as bsd-mailx saw it (first fgets chunk,
    /// newline excluded).
    pub(crate) from_len: u32,
    /// Sender word: range relative to `offset`.
    pub(crate) sender: (u32, u32),
    /// Date text (everything after the sender, and after a `tty` word):
    /// range relative to `offset`.
    pub(crate) date: (u32, u32),
    /// Hash of the From_ line in the file (`fp_len` bytes at `offset`), to
    /// notice a mailbox rewritten behind our back. Not changed by `edit`.
    pub(crate) fingerprint: u64,
    pub(crate) fp_len: u32,
    /// The message ends with an empty line (as bsd-mailx's reader sees
    /// lines), so a From_ line may follow it directly.
    pub(crate) ends_blank: bool,
}

/// The file does not start with a From_ line: bsd-mailx shows it as a
/// mailbox with no messages (the bytes before the first From_ line are
/// ignored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotMbox {
    /// The mailbox path.
    pub path: PathBuf,
    /// Bytes before the first message.
    pub preamble_len: u64,
}

impl fmt::Display for NotMbox {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}: not a mailbox (the first {} bytes are not part of any message)",
            self.path.display(),
            self.preamble_len
        )
    }
}

impl std::error::Error for NotMbox {}

/// An indexed mailbox. The file stays open (read-only) for the whole
/// session; messages are read from it on demand with `pread`.
#[derive(Debug)]
pub struct Mailbox {
    path: PathBuf,
    file: File,
    msgs: Vec<MsgEntry>,
    /// Bytes of the file covered by the index.
    scanned: u64,
    /// Bytes before the first message.
    preamble: u64,
    dev: u64,
    ino: u64,
    readonly: bool,
    /// Replaced message contents (`edit`), already LF-only.
    edited: HashMap<usize, Vec<u8>>,
    /// `(start, end, hash)` of sampled bytes for each scanned range (one per
    /// `open`/`inc`), to notice a mailbox changed in place behind our back.
    samples: Vec<(u64, u64, u64)>,
    /// The summary fields kept by the scan (see `kept`), for the messages
    /// it indexed.
    kept: Option<Kept>,
    /// The file's state when the scan of `open` started (`kept_cache`).
    opened: Option<Opened>,
}

/// Error of the locked variants: the lock, or reading.
#[derive(Debug)]
pub enum LockedOpenError {
    /// The lock could not be taken.
    Lock(LockError),
    /// Opening or reading failed.
    Io(io::Error),
}

impl fmt::Display for LockedOpenError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockedOpenError::Lock(e) => write!(f, "{e}"),
            LockedOpenError::Io(e) => write!(f, "{}", strerror(e)),
        }
    }
}

impl std::error::Error for LockedOpenError {}

/// access(2) with W_OK.
fn writable(p: &Path) -> bool {
    rustix::fs::access(p, Access::WRITE_OK).is_ok()
}

/// Is the path a regular file we can index? Mirrors bsd-mailx's errors:
/// `EISDIR` for a directory, `EINVAL` for anything else that is not a
/// regular file.
fn check_regular(meta: &Metadata) -> io::Result<()> {
    if meta.is_dir() {
        return Err(io::Error::from_raw_os_error(libc::EISDIR));
    }
    if !meta.is_file() {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    }
    Ok(())
}

impl Mailbox {
    /// Opens and indexes `path`. Errors are plain `io::Error`s whose
    /// `strerror` text is what bsd-mailx prints (`No such file or
    /// directory`, `Is a directory`, `Invalid argument`).
    pub fn open(path: impl AsRef<Path>) -> io::Result<Mailbox> {
        let path = path.as_ref().to_path_buf();
        // Check the type before opening: opening a FIFO would block.
        check_regular(&fs::metadata(&path)?)?;
        let file = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NONBLOCK)
            .open(&path)?;
        let meta = file.metadata()?;
        check_regular(&meta)?;
        // bsd-mailx: read-only when open(O_WRONLY) fails. We ask access(2)
        // instead: opening and closing a second descriptor would drop an
        // fcntl lock held by `open_locked`.
        let readonly = !writable(&path);
        let mut mb = Mailbox {
            path,
            file,
            msgs: Vec::new(),
            scanned: 0,
            preamble: 0,
            dev: meta.dev(),
            ino: meta.ino(),
            readonly,
            edited: HashMap::new(),
            samples: Vec::new(),
            kept: None,
            opened: None,
        };
        // A cached index is used only once the file proved to be the one
        // it describes (see `index_cache`).
        if let Some(scan) = index_cache::load(&mb.path, &meta) {
            mb.install(scan);
            if mb.verify_unchanged(&mb.file).ok() == Some(meta.len()) {
                return Ok(mb);
            }
        }
        let started = SystemTime::now();
        let scan = scan_parallel(&mb.file, meta.len())?;
        if let Ok(after) = mb.file.metadata() {
            index_cache::store(&mb.path, &meta, &after, started, &scan);
        }
        mb.opened = Some(Opened::new(&meta, started, scan.msgs.len()));
        mb.install(scan);
        Ok(mb)
    }

    /// Takes the index of a whole-file scan.
    fn install(&mut self, scan: Scan) {
        self.msgs = scan.msgs;
        self.preamble = scan.pre;
        self.scanned = scan.end;
        self.samples = scan.samples;
        self.kept = scan.kept;
    }

    /// Like [`Mailbox::open`], but holds the mailbox lock (see `lock`)
    /// during the scan, so a message being delivered is never indexed half
    /// written. bsd-mailx does not lock here; use this for the system
    /// mailbox.
    pub fn open_locked(
        path: impl AsRef<Path>,
        lock: &LockOptions,
        warn: &mut dyn Write,
    ) -> Result<Mailbox, LockedOpenError> {
        let path = path.as_ref();
        let l = MailboxLock::acquire(path, lock, warn).map_err(LockedOpenError::Lock)?;
        let mb = Mailbox::open(path).map_err(LockedOpenError::Io)?;
        drop(l);
        Ok(mb)
    }

    /// Indexes an in-memory mailbox image (for tests and tools): the bytes
    /// are written to an unlinked temporary file.
    pub fn from_bytes(bytes: &[u8]) -> io::Result<Mailbox> {
        let dir = std::env::temp_dir();
        let p = dir.join(format!(
            ".mailx-mem-{}-{:x}",
            std::process::id(),
            rand_u64()
        ));
        let mut f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&p)?;
        f.write_all(bytes)?;
        let mb = Mailbox::open(&p);
        let _ = std::fs::remove_file(&p);
        mb
    }

    /// The path given to [`Mailbox::open`].
    pub fn path(&self) -> &Path {
        &self.path
    }
    /// The open descriptor the messages are read from.
    pub(crate) fn file(&self) -> &File {
        &self.file
    }
    /// True if the file could not be opened for writing (bsd-mailx shows
    /// `[Read only]` and never writes it back).
    pub fn readonly(&self) -> bool {
        self.readonly
    }
    /// Number of messages.
    pub fn len(&self) -> usize {
        self.msgs.len()
    }
    /// True if there are no messages.
    pub fn is_empty(&self) -> bool {
        self.msgs.is_empty()
    }
    /// All entries (index 0 is message 1).
    pub fn entries(&self) -> &[MsgEntry] {
        &self.msgs
    }
    /// One entry.
    pub fn entry(&self, i: usize) -> &MsgEntry {
        &self.msgs[i]
    }
    /// The flags of message `i` (0-based).
    pub fn flags(&self, i: usize) -> MsgFlags {
        self.msgs[i].flags
    }
    /// Mutable access to the flags of message `i` (0-based).
    pub fn flags_mut(&mut self, i: usize) -> &mut MsgFlags {
        &mut self.msgs[i].flags
    }
    /// The sampled-byte hashes of the scanned ranges.
    #[cfg(test)]
    pub(super) fn samples(&self) -> &[(u64, u64, u64)] {
        &self.samples
    }
    /// Bytes of the file covered by the index (bsd-mailx's `mailsize`).
    pub(crate) fn scanned_len(&self) -> u64 {
        self.scanned
    }
    /// Bytes before the first message (0 for a well-formed mbox).
    pub fn preamble_len(&self) -> u64 {
        self.preamble
    }

    /// `Err(NotMbox)` when the file has bytes other than blank lines before
    /// its first From_ line (or has no From_ line at all but is not empty).
    pub fn check_format(&self) -> Result<(), NotMbox> {
        if self.preamble == 0 {
            return Ok(());
        }
        match self.preamble_is_blank() {
            Ok(true) => Ok(()),
            _ => Err(NotMbox {
                path: self.path.clone(),
                preamble_len: self.preamble,
            }),
        }
    }

    pub(crate) fn preamble_is_blank(&self) -> io::Result<bool> {
        let mut r = RangeReader::new(&self.file, 0, self.preamble);
        let mut buf = [0u8; 8192];
        loop {
            let n = r.read(&mut buf)?;
            if n == 0 {
                return Ok(true);
            }
            if buf[..n].iter().any(|&b| b != b'\n' && b != b'\r') {
                return Ok(false);
            }
        }
    }

    /// Sender and date of message `i`'s From_ line.
    pub fn from_line(&self, i: usize) -> io::Result<FromLine> {
        let e = &self.msgs[i];
        let line = self.read_prefix(i, e.from_len as usize)?;
        let get = |(a, b): (u32, u32)| line.get(a as usize..b as usize).unwrap_or(&[]).to_vec();
        Ok(FromLine {
            sender: get(e.sender),
            date: get(e.date),
        })
    }

    /// The first `n` bytes of message `i` as stored (file or edited copy).
    fn read_prefix(&self, i: usize, n: usize) -> io::Result<Vec<u8>> {
        if let Some(c) = self.edited.get(&i) {
            return Ok(c[..n.min(c.len())].to_vec());
        }
        let e = &self.msgs[i];
        let n = (n as u64).min(e.len) as usize;
        let mut v = vec![0u8; n];
        self.file.read_exact_at(&mut v, e.offset)?;
        Ok(v)
    }

    /// The header fields of message `i`, read from the file now.
    pub fn headers(&self, i: usize) -> io::Result<Headers> {
        Ok(parse_headers(&self.header_block(i)?))
    }

    /// The header block of message `i` (as [`Mailbox::header_block`]) and
    /// its From_ line (as [`Mailbox::from_line`]), with one read of the
    /// file: what a header summary line needs.
    pub(crate) fn header_block_and_from(&self, i: usize) -> io::Result<(Vec<u8>, FromLine)> {
        let mut v = Vec::new();
        let [block, sender, date] = self.header_block_into(i, &mut v)?;
        let fl = FromLine {
            sender: v[sender].to_vec(),
            date: v[date].to_vec(),
        };
        v.truncate(block.end);
        Ok((v, fl))
    }

    /// [`Mailbox::header_block_and_from`] into `buf` (its old contents
    /// replaced; no allocation once it is big enough): where in it the
    /// header block, the From_ line's sender and its date are.
    pub(crate) fn header_block_into(
        &self,
        i: usize,
        buf: &mut Vec<u8>,
    ) -> io::Result<[Range<usize>; 3]> {
        let e = &self.msgs[i];
        let from_len = (e.from_len as usize).min(e.len as usize);
        let len = (e.header_end - e.offset) as usize;
        if !self.edited.contains_key(&i) && from_len <= len {
            buf.clear();
            buf.resize(len, 0);
            self.file.read_exact_at(buf, e.offset)?;
            if memchr::memchr(b'\r', buf).is_none() {
                // from_line reads the file's bytes as they are.
                let r = |(a, b): (u32, u32)| {
                    let (a, b) = (a as usize, b as usize);
                    if a <= b && b <= from_len { a..b } else { 0..0 }
                };
                return Ok([0..len, r(e.sender), r(e.date)]);
            }
        }
        // Edited, or CR bytes (converted with the reader's exact rules).
        let block = self.header_block(i)?;
        let fl = self.from_line(i)?;
        buf.clear();
        buf.extend_from_slice(&block);
        let s = buf.len();
        buf.extend_from_slice(&fl.sender);
        let d = buf.len();
        buf.extend_from_slice(&fl.date);
        Ok([0..s, s..d, d..buf.len()])
    }

    /// The raw header block of message `i` (From_ line included, up to the
    /// empty line; CRLF → LF), for [`header_fields`](super::header_fields).
    pub(crate) fn header_block(&self, i: usize) -> io::Result<Vec<u8>> {
        let raw = if let Some(c) = self.edited.get(&i) {
            let end = c
                .windows(2)
                .position(|w| w == b"\n\n")
                .map(|p| p + 1)
                .unwrap_or(c.len());
            c[..end].to_vec()
        } else {
            let e = &self.msgs[i];
            let mut v = Vec::new();
            RangeReader::new(&self.file, e.offset, e.header_end - e.offset)
                .crlf()
                .read_to_end(&mut v)?;
            v
        };
        Ok(raw)
    }

    /// A reader over message `i`'s bytes with CRLF → LF, as bsd-mailx's
    /// temporary copy holds them (a `BufRead`: no second buffer needed).
    pub(crate) fn message_reader(&self, i: usize) -> Box<dyn BufRead + '_> {
        if let Some(c) = self.edited.get(&i) {
            return Box::new(c.as_slice());
        }
        let e = &self.msgs[i];
        Box::new(RangeReader::new(&self.file, e.offset, e.len).crlf())
    }

    /// Message `i`'s bytes (CRLF → LF) in memory.
    pub fn raw_message(&self, i: usize) -> io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.msgs[i].size as usize);
        self.message_reader(i).read_to_end(&mut v)?;
        Ok(v)
    }

    /// Replaces message `i`'s content (the `edit` command): `content` is
    /// the whole message, From_ line included, LF line endings. Lines and
    /// size are recounted and `MODIFY` is set.
    pub(crate) fn replace_message(&mut self, i: usize, content: Vec<u8>) {
        let mut sc = Scanner::new(0);
        sc.force_start = true;
        feed_bytes(&mut sc, 0, &content);
        let (m, _) = sc.finish(content.len() as u64);
        let e = &mut self.msgs[i];
        if let Some(n) = m.first() {
            e.lines = n.lines;
            e.size = n.size;
            e.from_len = n.from_len;
            e.sender = n.sender;
            e.date = n.date;
            e.ends_blank = n.ends_blank;
        } else {
            e.lines = 0;
            e.size = 0;
        }
        e.flags.insert(MsgFlags::MODIFY);
        self.edited.insert(i, content);
    }

    /// Does the file still hold what we indexed? Checks the inode, that the
    /// file did not shrink, and every From_ line. Returns the current size.
    pub(crate) fn verify_unchanged(&self, f: &File) -> Result<u64, String> {
        let len = self.check_identity(f)?;
        self.verify_contents(f, true)?;
        Ok(len)
    }

    /// The cheap half of [`Mailbox::verify_unchanged`]: the same inode, not
    /// shorter than what was scanned. Returns the current size.
    pub(crate) fn check_identity(&self, f: &File) -> Result<u64, String> {
        let meta = f
            .metadata()
            .map_err(|e| format!("{}: {}", self.path.display(), e))?;
        if (meta.dev(), meta.ino()) != (self.dev, self.ino) {
            return Err(format!(
                "{}: the mailbox was replaced by another program",
                self.path.display()
            ));
        }
        if meta.len() < self.scanned {
            return Err(format!(
                "{}: the mailbox shrank from {} to {} bytes since it was read",
                self.path.display(),
                self.scanned,
                meta.len()
            ));
        }
        Ok(meta.len())
    }

    /// The other half of [`Mailbox::verify_unchanged`]: every From_ line
    /// where it was and the sampled bytes unchanged. About one small read
    /// per message, so with `threads` a big mailbox is checked by two
    /// threads (the second half and the samples in a helper); without, by
    /// the calling thread alone (the write-back runs it in a helper of its
    /// own, beside the writing).
    pub(crate) fn verify_contents(&self, f: &File, threads: bool) -> Result<(), String> {
        let check_msgs = |range: std::ops::Range<usize>| -> Result<(), usize> {
            let mut buf = Vec::new();
            for i in range {
                let e = &self.msgs[i];
                buf.resize(e.fp_len as usize, 0);
                if !(f.read_exact_at(&mut buf, e.offset).is_ok() && fnv(&buf) == e.fingerprint) {
                    return Err(i);
                }
            }
            Ok(())
        };
        let check_samples = || {
            self.samples
                .iter()
                .all(|&(a, b, h)| sample_hash(f, a, b).ok() == Some(h))
        };
        let n = self.msgs.len();
        let half = if threads && n >= 4096 { n / 2 } else { n };
        let (first, second, samples_ok) = std::thread::scope(|s| {
            let helper = if half < n {
                std::thread::Builder::new()
                    .spawn_scoped(s, || (check_msgs(half..n), check_samples()))
                    .ok()
            } else {
                None
            };
            let first = check_msgs(0..half);
            let (second, samples_ok) = match helper {
                Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
                None => (check_msgs(half..n), check_samples()),
            };
            (first, second, samples_ok)
        });
        if let Err(i) = first.and(second) {
            return Err(format!(
                "{}: message {} was changed by another program",
                self.path.display(),
                i + 1
            ));
        }
        if !samples_ok {
            return Err(format!(
                "{}: the mailbox was modified by another program",
                self.path.display()
            ));
        }
        Ok(())
    }

    /// [`Mailbox::incorporate_new`] under the mailbox lock (bsd-mailx takes
    /// the dotlock for `inc`).
    pub(crate) fn incorporate_new_locked(
        &mut self,
        lock: &LockOptions,
        warn: &mut dyn Write,
    ) -> Result<usize, LockedOpenError> {
        let l = MailboxLock::acquire(&self.path, lock, warn).map_err(LockedOpenError::Lock)?;
        let r = self.incorporate_new().map_err(LockedOpenError::Io);
        drop(l);
        r
    }

    /// Indexes the bytes appended since the last scan (`inc`, autoinc).
    /// New messages get new numbers after the old ones. Bytes appended
    /// before the first new From_ line are attached to the last message.
    /// Returns the number of new messages. Fails when the file shrank or
    /// was replaced.
    pub fn incorporate_new(&mut self) -> io::Result<usize> {
        let meta = self.file.metadata()?;
        if (meta.dev(), meta.ino()) != (self.dev, self.ino) || meta.len() < self.scanned {
            return Err(io::Error::other(format!(
                "{}: mailbox was rewritten by another program",
                self.path.display()
            )));
        }
        if meta.len() == self.scanned {
            return Ok(0);
        }
        let start = self.scanned;
        let mut sc = Scanner::new(start);
        let end = scan_file(&self.file, start, &mut sc)?;
        let (new, pre) = sc.finish(end);
        if pre > 0 {
            // The last message's header may have grown: its kept fields
            // are forgotten.
            let n = self.msgs.len();
            if let Some(k) = self.kept.as_mut() {
                k.forget(n.wrapping_sub(1));
            }
            if let Some(last) = self.msgs.last_mut() {
                // Recount the last message with its new tail.
                let (off, flags) = (last.offset, last.flags);
                let mut sc2 = Scanner::new(off);
                sc2.force_start = true;
                scan_range(&self.file, off, start + pre, &mut sc2)?;
                let (m, _) = sc2.finish(start + pre);
                if let Some(mut n) = m.into_iter().next() {
                    n.flags = flags;
                    *last = n;
                }
            } else {
                self.preamble += pre;
            }
        }
        let count = new.len();
        self.msgs.extend(new);
        self.scanned = end;
        self.samples
            .push((start, end, sample_hash(&self.file, start, end)?));
        Ok(count)
    }
}

impl Mailbox {
    /// A [`SeqReader`] over the mailbox for [`Mailbox::message_seq`], for
    /// the messages `sel` selects.
    pub(crate) fn seq_reader(&self, sel: impl Fn(usize) -> bool) -> SeqReader<'_> {
        let want = (0..self.msgs.len())
            .filter(|&i| sel(i) && !self.edited.contains_key(&i))
            .map(|i| (self.msgs[i].offset, self.msgs[i].offset + self.msgs[i].len));
        SeqReader::new(&self.file, want)
    }

    /// Message `i` as [`Mailbox::message_reader`] gives it, read through
    /// `seq` (from [`Mailbox::seq_reader`]): cheapest when messages are
    /// read in increasing order.
    pub(crate) fn message_seq<'s, 'a>(
        &'s self,
        i: usize,
        seq: &'s mut SeqReader<'a>,
    ) -> MessageRead<'s, 'a> {
        if let Some(c) = self.edited.get(&i) {
            return MessageRead::Edited(c.as_slice());
        }
        debug_assert!(std::ptr::eq(seq.f, &self.file));
        let e = &self.msgs[i];
        MessageRead::File(seq.range(e.offset, e.len, true))
    }
}

/// Mbox, the first [`Folder`]: every method is the [`Mailbox`] method of
/// the same job.
impl Folder for Mailbox {
    fn kind(&self) -> FolderKind {
        FolderKind::Mbox
    }
    fn path(&self) -> &Path {
        Mailbox::path(self)
    }
    fn readonly(&self) -> bool {
        Mailbox::readonly(self)
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
        self.msgs[i].lines
    }
    fn size(&self, i: usize) -> u64 {
        self.msgs[i].size
    }
    fn envelope(&self, i: usize) -> io::Result<FromLine> {
        self.from_line(i)
    }
    fn header_block(&self, i: usize) -> io::Result<Vec<u8>> {
        Mailbox::header_block(self, i)
    }
    fn header_block_and_envelope(&self, i: usize) -> io::Result<(Vec<u8>, FromLine)> {
        self.header_block_and_from(i)
    }
    fn summary_headers(&self, i: usize) -> io::Result<(Vec<u8>, FromLine)> {
        if !self.edited.contains_key(&i)
            && let Some(got) = self.kept.as_ref().and_then(|k| k.get(i))
        {
            return Ok(got);
        }
        self.header_block_and_from(i)
    }
    fn summary_headers_into(
        &self,
        i: usize,
        block: &mut Vec<u8>,
        from: &mut FromLine,
    ) -> io::Result<()> {
        if !self.edited.contains_key(&i)
            && self
                .kept
                .as_ref()
                .is_some_and(|k| k.get_into(i, block, from))
        {
            return Ok(());
        }
        (*block, *from) = self.header_block_and_from(i)?;
        Ok(())
    }
    fn thread_refs(&self, i: usize) -> Option<Refs> {
        if self.edited.contains_key(&i) {
            return None;
        }
        self.kept.as_ref()?.refs(i)
    }
    fn keep_summaries(&mut self) {
        if self.kept.is_none() && !self.msgs.is_empty() {
            // Made by an earlier session for this very file, or read now.
            let (o, s) = (self.opened.as_ref(), &self.samples);
            let slot = Slot::new(index_cache::dir(), &self.path, &self.file, o, &self.msgs, s);
            let kept = slot.as_ref().and_then(Slot::load).unwrap_or_else(|| {
                let k = keep_from_blocks(self.msgs.len(), &|i, buf| self.header_block_into(i, buf));
                if let Some(slot) = &slot {
                    slot.store(&self.file, &k);
                }
                k
            });
            self.kept = Some(kept);
        }
    }
    fn headers(&self, i: usize) -> io::Result<Headers> {
        Mailbox::headers(self, i)
    }
    fn open_message(&self, i: usize) -> io::Result<Box<dyn BufRead + '_>> {
        Ok(self.message_reader(i))
    }
    fn raw_message(&self, i: usize) -> io::Result<Vec<u8>> {
        Mailbox::raw_message(self, i)
    }
    fn replace_message(&mut self, i: usize, content: Vec<u8>) {
        Mailbox::replace_message(self, i, content)
    }
    fn incorporate(
        &mut self,
        lock: &LockOptions,
        warn: &mut dyn Write,
    ) -> Result<usize, LockedOpenError> {
        self.incorporate_new_locked(lock, warn)
    }
    fn quit(
        &mut self,
        opts: &QuitOptions<'_>,
        out: &mut dyn Write,
        warn: &mut dyn Write,
    ) -> Result<QuitOutcome, WriteError> {
        quit(self, opts, out, warn)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::hash::SAMPLE_STEP;

    fn idx(b: &[u8]) -> Mailbox {
        Mailbox::from_bytes(b).unwrap()
    }

    #[test]
    fn basic_counts() {
        let mb = idx(b"From a@b Mon Jan  1 10:00:00 2001\nFrom: x@y\nSubject: one\n\nbody\n\nFrom b@c Tue Jan  2 10:00:00 2001\nSubject: two\nStatus: RO\n\nbody2\nFrom bare\n\nFrom bare\nmore\n\nFrom here on we go\nx\n");
        assert_eq!(mb.len(), 3);
        let e: Vec<(u64, u64)> = mb.entries().iter().map(|e| (e.lines, e.size)).collect();
        assert_eq!(e, vec![(6, 64), (10, 92), (2, 21)]);
        assert!(mb.flags(0).contains(MsgFlags::NEW));
        assert!(mb.flags(1).contains(MsgFlags::READ));
        assert!(!mb.flags(1).contains(MsgFlags::NEW));
        let f = mb.from_line(2).unwrap();
        assert_eq!(f.sender, b"here");
        assert_eq!(f.date, b"on we go");
        let h = mb.headers(0).unwrap();
        assert_eq!(h.get("subject"), Some(&b"one"[..]));
        assert_eq!(h.get("FROM"), Some(&b"x@y"[..]));
    }

    #[test]
    fn crlf_and_no_final_newline() {
        let mb = idx(b"From a@b Mon Jan  1 10:00:00 2001\r\nSubject: one\r\n\r\nbody\r\n\r\nFrom c@d Mon Jan  1 10:00:00 2001\r\nSubject: two\r\n\r\nb2");
        let e: Vec<(u64, u64)> = mb.entries().iter().map(|e| (e.lines, e.size)).collect();
        assert_eq!(e, vec![(5, 54), (4, 50)]);
        assert_eq!(
            mb.raw_message(1).unwrap(),
            b"From c@d Mon Jan  1 10:00:00 2001\nSubject: two\n\nb2"
        );
    }

    #[test]
    fn open_errors_are_bsd_mailx_texts() {
        let d = std::env::temp_dir().join(format!("mailx-open-{:x}", rand_u64()));
        std::fs::create_dir_all(&d).unwrap();
        let e = Mailbox::open(d.join("missing")).unwrap_err();
        assert_eq!(strerror(&e), "No such file or directory");
        let e = Mailbox::open(&d).unwrap_err();
        assert_eq!(strerror(&e), "Is a directory");
        let fifo = d.join("fifo");
        rustix::fs::mkfifoat(
            rustix::fs::CWD,
            &fifo,
            rustix::fs::Mode::from_raw_mode(0o600),
        )
        .unwrap();
        let e = Mailbox::open(&fifo).unwrap_err();
        assert_eq!(strerror(&e), "Invalid argument");
        std::fs::write(d.join("empty"), b"").unwrap();
        assert_eq!(Mailbox::open(d.join("empty")).unwrap().len(), 0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    /// A big mailbox is checked by two threads: a changed From_ line in
    /// either half is reported with its message number, a changed sampled
    /// byte too.
    #[test]
    fn in_place_change_is_noticed_in_both_halves() {
        let d = std::env::temp_dir().join(format!("mailx-chg2-{:x}", rand_u64()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("box");
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for k in 0..5000 {
            offsets.push(data.len() as u64);
            data.extend_from_slice(
                format!("From a{k}@b Mon Jan  1 10:00:00 2001\n\nbody {k}\n\n").as_bytes(),
            );
        }
        std::fs::write(&p, &data).unwrap();
        let mb = Mailbox::open(&p).unwrap();
        assert_eq!(mb.len(), 5000);
        assert!(mb.verify_unchanged(mb.file()).is_ok());
        let f = OpenOptions::new().write(true).open(&p).unwrap();
        for m in [10usize, 4321] {
            // "From a10@b" -> "From X10@b": same length, another sender.
            f.write_all_at(b"X", offsets[m] + 5).unwrap();
            let e = mb.verify_unchanged(mb.file()).unwrap_err();
            assert!(
                e.ends_with(&format!("message {} was changed by another program", m + 1)),
                "{e}"
            );
            f.write_all_at(b"a", offsets[m] + 5).unwrap();
            assert!(mb.verify_unchanged(mb.file()).is_ok());
        }
        // A sampled byte in the middle of a body.
        let at = SAMPLE_STEP * 2;
        let old = data[at as usize];
        f.write_all_at(&[old ^ 0x20], at).unwrap();
        let e = mb.verify_unchanged(mb.file()).unwrap_err();
        assert!(e.ends_with("modified by another program"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn in_place_change_is_noticed() {
        let d = std::env::temp_dir().join(format!("mailx-chg-{:x}", rand_u64()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("box");
        std::fs::write(&p, b"From a@b Mon Jan  1 10:00:00 2001\n\nbody\n\n").unwrap();
        let mb = Mailbox::open(&p).unwrap();
        assert!(mb.verify_unchanged(mb.file()).is_ok());
        let f = OpenOptions::new().write(true).open(&p).unwrap();
        f.write_all_at(b"BODY", 35).unwrap();
        let e = mb.verify_unchanged(mb.file()).unwrap_err();
        assert!(e.ends_with("modified by another program"), "{e}");
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn preamble() {
        let mb = idx(b"junk\nFrom a@b Mon Jan  1 10:00:00 2001\n\nx\n");
        assert_eq!(mb.len(), 0);
        assert!(mb.check_format().is_err());
        let mb = idx(b"\nFrom a@b Mon Jan  1 10:00:00 2001\n\nx\n");
        assert_eq!(mb.len(), 1);
        assert_eq!(mb.preamble_len(), 1);
        assert!(mb.check_format().is_ok());
    }

    #[test]
    fn keep_summaries_fills_what_the_scan_did_not_keep() {
        let mut text = Vec::new();
        for m in 0..700 {
            text.extend_from_slice(
                format!(
                    "From u{m}@h Mon Jan  1 10:00:00 2001\nFrom: F{m} <f{m}@x>\nSubject: s{m}\nMessage-ID: <{m}@x>\nReferences: <{}@x>\n\nbody\n\n",
                    m / 2
                )
                .as_bytes(),
            );
        }
        let mut mb = idx(&text);
        let want: Vec<_> = (0..mb.len())
            .map(|i| (mb.summary_headers(i).unwrap(), mb.thread_refs(i)))
            .collect();
        assert!(want.iter().all(|(_, r)| r.is_some()));
        // As a mailbox over KEEP_AT_OPEN opens: nothing kept.
        mb.kept = None;
        assert!(mb.thread_refs(3).is_none());
        mb.keep_summaries();
        let got: Vec<_> = (0..mb.len())
            .map(|i| (mb.summary_headers(i).unwrap(), mb.thread_refs(i)))
            .collect();
        assert_eq!(got, want);
    }

    #[test]
    fn header_block_and_from_equal_the_separate_reads() {
        let m = b"From a@b Mon Jan  1 10:00:00 2001\r\nSubject: x\r\n y\r\n\r\nbody\r\n\r\nFrom \"q r\"@s tty1 Tue Jan  2 10:00:00 2001\nTo: z\n\nb\n";
        let mut mb = idx(m);
        mb.replace_message(
            1,
            b"From e@f Wed Jan  3 10:00:00 2001\nSubject: e\n\nb\n".to_vec(),
        );
        for i in 0..mb.len() {
            let (block, fl) = mb.header_block_and_from(i).unwrap();
            assert_eq!(block, mb.header_block(i).unwrap());
            assert_eq!(fl, mb.from_line(i).unwrap());
        }
    }

    #[test]
    fn long_lines_count_as_fgets_chunks() {
        let mut m = b"From a@b Mon Jan  1 10:00:00 2001\n\n".to_vec();
        m.extend(std::iter::repeat_n(b'x', 20000));
        m.push(b'\n');
        let mb = idx(&m);
        assert_eq!(mb.entry(0).lines, 2 + 3);
        assert_eq!(mb.entry(0).size, m.len() as u64);
    }

    #[test]
    fn replace_and_incorporate() {
        let dir = std::env::temp_dir().join(format!("mailx-idx-{}", rand_u64()));
        std::fs::create_dir_all(&dir).unwrap();
        let p = dir.join("box");
        std::fs::write(&p, b"From a@b Mon Jan  1 10:00:00 2001\n\nx\n\n").unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        assert_eq!(mb.incorporate_new().unwrap(), 0);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"From c@d Mon Jan  1 10:00:00 2001\n\ny\n\n")
            .unwrap();
        assert_eq!(mb.incorporate_new().unwrap(), 1);
        assert_eq!(mb.len(), 2);
        assert_eq!(
            mb.raw_message(1).unwrap(),
            b"From c@d Mon Jan  1 10:00:00 2001\n\ny\n\n"
        );
        mb.replace_message(
            0,
            b"From a@b Mon Jan  1 10:00:00 2001\n\nnew\nbody\n\n".to_vec(),
        );
        assert_eq!(mb.entry(0).lines, 5);
        assert!(mb.flags(0).contains(MsgFlags::MODIFY));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
