//! Reading and indexing an mbox file.
//!
//! This module owns the parser: one pass over the file with large `pread`s
//! and `memchr` (on a big file, split at safe points between one thread per
//! core: `scan_parallel`), producing a `Vec<MsgEntry>` of byte offsets (never
//! message text), plus lazy accessors for the From_ line, the header fields
//! and the message bytes.
//!
//! The rules are bsd-mailx's (`setptr` in fio.c, `ishead`/`parse` in head.c,
//! with Debian's date check turned off):
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

use std::collections::HashMap;
use std::fmt;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use super::flags::MsgFlags;
use super::lock::{LockError, LockOptions, MailboxLock};

/// bsd-mailx reads lines with `fgets(buf, BUFSIZ)`: at most this many bytes
/// per read.
pub const FGETS_CHUNK: u64 = 8191;

/// Size of the reads used while scanning.
const SCAN_BUF: usize = 1 << 21;

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

/// The parts of a From_ line that the header summary needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FromLine {
    /// The sender word, raw (`bob@example.org`, or a quoted word).
    pub sender: Vec<u8>,
    /// Everything after the sender (the summary shows `%16.16s` of it).
    pub date: Vec<u8>,
}

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
            LockedOpenError::Io(e) => write!(f, "{}", crate::util::strerror(e)),
        }
    }
}

impl std::error::Error for LockedOpenError {}

/// access(2) with W_OK.
fn writable(p: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(p.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path for the call's duration.
    unsafe { libc::access(c.as_ptr(), libc::W_OK) == 0 }
}

/// Is the path a regular file we can index? Mirrors bsd-mailx's errors:
/// `EISDIR` for a directory, `EINVAL` for anything else that is not a
/// regular file.
fn check_regular(meta: &std::fs::Metadata) -> io::Result<()> {
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
        check_regular(&std::fs::metadata(&path)?)?;
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
        };
        let scan = scan_parallel(&mb.file, meta.len())?;
        mb.msgs = scan.msgs;
        mb.preamble = scan.pre;
        mb.scanned = scan.end;
        mb.samples = scan.samples;
        Ok(mb)
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
    pub fn file(&self) -> &File {
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
    /// Bytes of the file covered by the index (bsd-mailx's `mailsize`).
    pub fn scanned_len(&self) -> u64 {
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
    pub fn header_block_and_from(&self, i: usize) -> io::Result<(Vec<u8>, FromLine)> {
        let e = &self.msgs[i];
        if self.edited.contains_key(&i) {
            return Ok((self.header_block(i)?, self.from_line(i)?));
        }
        let mut v = vec![0u8; (e.header_end - e.offset) as usize];
        self.file.read_exact_at(&mut v, e.offset)?;
        let from_len = (e.from_len as usize).min(e.len as usize);
        let Some(line) = v.get(..from_len) else {
            return Ok((self.header_block(i)?, self.from_line(i)?));
        };
        // from_line reads the file's bytes as they are (no CRLF change).
        let get = |(a, b): (u32, u32)| line.get(a as usize..b as usize).unwrap_or(&[]).to_vec();
        let fl = FromLine {
            sender: get(e.sender),
            date: get(e.date),
        };
        if memchr::memchr(b'\r', &v).is_some() {
            // CR bytes: convert with the reader's exact rules.
            v = self.header_block(i)?;
        }
        Ok((v, fl))
    }

    /// The raw header block of message `i` (From_ line included, up to the
    /// empty line; CRLF → LF), for [`header_fields`].
    pub fn header_block(&self, i: usize) -> io::Result<Vec<u8>> {
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
    /// temporary copy holds them.
    pub fn message_reader(&self, i: usize) -> Box<dyn Read + '_> {
        if let Some(c) = self.edited.get(&i) {
            return Box::new(io::Cursor::new(c.as_slice()));
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

    /// Streams message `i`'s bytes (CRLF → LF) into `out`; returns the
    /// number of bytes written.
    pub fn write_raw_message(&self, i: usize, out: &mut dyn Write) -> io::Result<u64> {
        io::copy(&mut self.message_reader(i), out)
    }

    /// Replaces message `i`'s content (the `edit` command): `content` is
    /// the whole message, From_ line included, LF line endings. Lines and
    /// size are recounted and `MODIFY` is set.
    pub fn replace_message(&mut self, i: usize, content: Vec<u8>) {
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
    pub fn verify_unchanged(&self, f: &File) -> Result<u64, String> {
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
        // Every From_ line where it was, and the sampled bytes unchanged:
        // about one small read per message, so a big mailbox is checked
        // by two threads (the second half and the samples in a helper).
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
        let half = if n >= 4096 { n / 2 } else { n };
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
        Ok(meta.len())
    }

    /// [`Mailbox::incorporate_new`] under the mailbox lock (bsd-mailx takes
    /// the dotlock for `inc`).
    pub fn incorporate_new_locked(
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

/// bsd-mailx's `nextword`: a blank-delimited word (a `"…"` part may hold
/// blanks). Returns the word's range and where the next word starts
/// (`None` at the end of the string).
fn nextword(s: &[u8], mut i: usize) -> (usize, usize, Option<usize>) {
    let start = i;
    while i < s.len() && s[i] != b' ' && s[i] != b'\t' {
        if s[i] == b'"' {
            i += 1;
            while i < s.len() && s[i] != b'"' {
                i += 1;
            }
            if i < s.len() {
                i += 1;
            }
            continue;
        }
        i += 1;
    }
    let end = i;
    while i < s.len() && (s[i] == b' ' || s[i] == b'\t') {
        i += 1;
    }
    (start, end, if i < s.len() { Some(i) } else { None })
}

/// bsd-mailx's `ishead` (without the date check, as in Debian): returns the
/// sender and date ranges of a From_ line (newline already removed).
pub fn parse_from_line(s: &[u8]) -> Option<((usize, usize), (usize, usize))> {
    // C strings stop at a NUL byte.
    let s = match memchr::memchr(0, s) {
        Some(p) => &s[..p],
        None => s,
    };
    if !s.starts_with(b"From ") {
        return None;
    }
    let (_, _, next) = nextword(s, 0);
    let (ws, we, mut next) = nextword(s, next?);
    if ws == we {
        return None;
    }
    if let Some(c) = next
        && s[c..].starts_with(b"tty")
    {
        next = nextword(s, c).2;
    }
    let d = next?;
    Some(((ws, we), (d, s.len())))
}

/// Is this (newline-stripped) header line a `Status:` line? bsd-mailx
/// matches `status` in either case, optional white space, then a colon.
fn status_value(line: &[u8]) -> Option<&[u8]> {
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

/// Distance between sampled windows, and their size.
const SAMPLE_STEP: u64 = 1 << 16;
const SAMPLE_LEN: u64 = 64;

/// A hash of sampled bytes of `[start, end)`: 64 bytes every 64 KiB plus
/// the last 64 bytes (about 16,000 small reads per GiB).
fn sample_hash(f: &File, start: u64, end: u64) -> io::Result<u64> {
    let mut h: u64 = 0xcbf29ce484222325;
    let mut buf = [0u8; SAMPLE_LEN as usize];
    let mix = |h: &mut u64, b: &[u8]| {
        for &x in b {
            *h ^= x as u64;
            *h = h.wrapping_mul(0x100000001b3);
        }
    };
    let mut k = start.div_ceil(SAMPLE_STEP) * SAMPLE_STEP;
    while k + SAMPLE_LEN <= end {
        f.read_exact_at(&mut buf, k)?;
        mix(&mut h, &buf);
        k += SAMPLE_STEP;
    }
    let tail = (end - start).min(SAMPLE_LEN);
    if tail > 0 {
        f.read_exact_at(&mut buf[..tail as usize], end - tail)?;
        mix(&mut h, &buf[..tail as usize]);
    }
    Ok(h)
}

/// 64-bit FNV-1a.
pub(crate) fn fnv(b: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf29ce484222325;
    for &x in b {
        h ^= x as u64;
        h = h.wrapping_mul(0x100000001b3);
    }
    h
}

/// A random-ish number for temporary names (no dependency needed).
pub(crate) fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.write_u32(std::process::id());
    h.finish()
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
    pub fn value(&self) -> std::borrow::Cow<'a, [u8]> {
        let mut parts = self.raw.split(|&b| b == b'\n');
        let first = parts.next().unwrap_or(&[]);
        let first = trim_end_blanks_slice(first);
        if !self.raw.contains(&b'\n') {
            let k = first
                .iter()
                .position(|&b| !is_c_space(b))
                .unwrap_or(first.len());
            return std::borrow::Cow::Borrowed(&first[k..]);
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
        std::borrow::Cow::Owned(val)
    }
}

/// The header fields of a raw header block (From_ line first), in file
/// order, with [`Mailbox::headers`]' rules: the block ends at the first
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

/// Builds entries from lines. Offsets are absolute file offsets.
pub(crate) struct Scanner {
    msgs: Vec<MsgEntry>,
    cur: Option<MsgEntry>,
    /// The previous line was empty (a From_ line may start a message).
    maybe: bool,
    /// Still looking for `Status:` in this header block.
    inhead: bool,
    /// Before the first empty line of the current message.
    in_hdr: bool,
    /// Where the scan started (bytes before the first message count as
    /// preamble).
    start: u64,
    /// Treat the first line as a From_ line even if it is not one (used to
    /// recount one message).
    force_start: bool,
}

impl Scanner {
    pub(crate) fn new(start: u64) -> Self {
        Scanner {
            msgs: Vec::new(),
            cur: None,
            maybe: true,
            inhead: false,
            in_hdr: false,
            start,
            force_start: false,
        }
    }

    /// A scanner that starts at a [`split_point`] in the middle of a
    /// message: the previous line was empty and the header block is over.
    /// Its first entry (at `start`, even when empty) is the continuation of
    /// the message before `start`; [`scan_parallel`] folds it into that one.
    pub(crate) fn continuing(start: u64) -> Self {
        let mut sc = Scanner::new(start);
        sc.maybe = true;
        sc.cur = Some(MsgEntry {
            offset: start,
            len: 0,
            body_offset: start,
            lines: 0,
            size: 0,
            flags: MsgFlags::USED,
            header_end: start,
            from_len: 0,
            sender: (0, 0),
            date: (0, 0),
            fingerprint: 0,
            fp_len: 0,
            ends_blank: true,
        });
        sc
    }

    /// Finishes at file offset `end`; returns entries and preamble length.
    pub(crate) fn finish(mut self, end: u64) -> (Vec<MsgEntry>, u64) {
        self.close(end);
        let pre = self.msgs.first().map(|m| m.offset).unwrap_or(end) - self.start;
        (self.msgs, pre)
    }

    fn close(&mut self, end: u64) {
        if let Some(mut m) = self.cur.take() {
            m.len = end - m.offset;
            m.ends_blank = self.maybe;
            if m.header_end == u64::MAX {
                m.header_end = end;
                m.body_offset = end;
            }
            self.msgs.push(m);
        }
    }

    /// In a message body after a non-empty line: only a line starting with
    /// `From ` after an empty line can change the state.
    #[inline]
    fn in_plain_body(&self) -> bool {
        self.cur.is_some() && !self.maybe && !self.in_hdr && !self.inhead && !self.force_start
    }

    /// Accounts for `seg`, whole lines of a body (see `in_plain_body`) in
    /// which no line but possibly the first starts with `From `. Stops
    /// before the first line longer than an fgets piece (those take the
    /// slow path); returns the bytes consumed.
    fn body_segment(&mut self, seg: &[u8]) -> usize {
        let w = FGETS_CHUNK as usize;
        let mut pos = 0;
        let mut done = seg.len();
        while seg.len() - pos > w {
            match memchr::memrchr(b'\n', &seg[pos..pos + w]) {
                Some(q) => pos += q + 1,
                None => {
                    done = pos;
                    break;
                }
            }
        }
        if done == 0 {
            return 0;
        }
        let part = &seg[..done];
        let lines = memchr::memchr_iter(b'\n', part).count() as u64;
        let crlfs = if memchr::memchr(b'\r', part).is_some() {
            memchr::memmem::find_iter(part, b"\r\n").count() as u64
        } else {
            0
        };
        // Is the last line empty (`\n` or `\r\n`)?
        let body = &part[..done - 1];
        let last_start = memchr::memrchr(b'\n', body).map(|p| p + 1).unwrap_or(0);
        let last = &body[last_start..];
        let blank = last.is_empty() || last == b"\r";
        if let Some(c) = &mut self.cur {
            c.lines += lines;
            c.size += done as u64 - crlfs;
        }
        self.maybe = blank;
        done
    }

    /// One line: `off` its offset, `head` its first bytes (at least
    /// `min(n, FGETS_CHUNK + 1)`), `n` its full length (newline included if
    /// any), `crlf` whether it ends with `\r\n`.
    #[inline]
    pub(crate) fn line(&mut self, off: u64, head: &[u8], n: u64, nl: bool, crlf: bool) {
        // Fast path: an ordinary body line after a non-empty line cannot
        // start a message, end a header block or hold a Status field.
        if !self.maybe && !self.in_hdr && !self.inhead && !self.force_start && n <= FGETS_CHUNK {
            if let Some(c) = &mut self.cur {
                c.lines += 1;
                c.size += n - crlf as u64;
            }
            self.maybe = (n == 1 && nl) || (n == 2 && crlf);
            return;
        }
        let long = n > FGETS_CHUNK;
        let first_len = if long {
            FGETS_CHUNK as usize
        } else {
            n as usize
        };
        let first = &head[..first_len.min(head.len())];
        // The first chunk as bsd-mailx tests it: newline (and the CR of a
        // CRLF) removed when the chunk ends the line.
        let text: &[u8] = if long {
            first
        } else if crlf {
            &first[..first.len() - 2]
        } else if first.last() == Some(&b'\n') {
            &first[..first.len() - 1]
        } else {
            first
        };
        let mut starts = false;
        if self.force_start {
            self.force_start = false;
            starts = true;
        }
        let parsed = if (self.maybe || starts) && text.first() == Some(&b'F') {
            parse_from_line(text)
        } else {
            None
        };
        if starts || parsed.is_some() {
            self.close(off);
            let (sender, date) = parsed.unwrap_or(((0, 0), (0, 0)));
            let from_len = text.len().min(u32::MAX as usize) as u32;
            self.cur = Some(MsgEntry {
                offset: off,
                len: 0,
                body_offset: u64::MAX,
                lines: 0,
                size: 0,
                flags: MsgFlags::USED | MsgFlags::NEW,
                header_end: u64::MAX,
                from_len,
                fp_len: from_len,
                ends_blank: false,
                sender: (sender.0 as u32, sender.1 as u32),
                date: (date.0 as u32, date.1 as u32),
                fingerprint: fnv(&text[..from_len as usize]),
            });
            self.inhead = true;
            self.in_hdr = true;
        } else if text.is_empty() {
            self.inhead = false;
            if self.in_hdr {
                self.in_hdr = false;
                if let Some(c) = &mut self.cur {
                    c.header_end = off;
                    c.body_offset = off + n;
                }
            }
        } else if self.inhead
            && let Some(v) = status_value(text)
        {
            // Only the first Status line counts; a NUL ends the C string.
            if let Some(c) = &mut self.cur {
                for &b in v.iter().take_while(|&&b| b != 0) {
                    if b == b'R' {
                        c.flags.insert(MsgFlags::READ);
                    } else if b == b'O' {
                        c.flags.remove(MsgFlags::NEW);
                    }
                }
            }
            self.inhead = false;
        }
        let (chunks, last_len) = if long {
            let k = n.div_ceil(FGETS_CHUNK);
            (k, n - FGETS_CHUNK * (k - 1))
        } else {
            (1, n)
        };
        let converted = crlf && last_len >= 2;
        if let Some(c) = &mut self.cur {
            c.lines += chunks;
            c.size += n - converted as u64;
        }
        self.maybe = if long {
            // The last fgets chunk may be just "\n" (or "\r\n").
            let blank = (last_len == 1 && nl) || (last_len == 2 && crlf);
            if blank {
                self.inhead = false;
                if self.in_hdr {
                    self.in_hdr = false;
                    if let Some(c) = &mut self.cur {
                        c.header_end = off + n - last_len;
                        c.body_offset = off + n;
                    }
                }
            }
            blank
        } else {
            text.is_empty()
        };
    }
}

/// Feeds every line of `bytes` (which start at file offset `base`).
pub(crate) fn feed_bytes(sc: &mut Scanner, base: u64, bytes: &[u8]) {
    let mut pos = 0usize;
    for nl in memchr::memchr_iter(b'\n', bytes) {
        let line = &bytes[pos..=nl];
        let crlf = line.len() >= 2 && line[line.len() - 2] == b'\r';
        sc.line(base + pos as u64, line, line.len() as u64, true, crlf);
        pos = nl + 1;
    }
    if pos < bytes.len() {
        let line = &bytes[pos..];
        sc.line(base + pos as u64, line, line.len() as u64, false, false);
    }
}

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

/// One `pread` (retried on EINTR); returns the bytes read (0 at the end).
fn read_some_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    loop {
        match f.read_at(buf, off) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// `pread` until `buf` is full or the end of file; returns the bytes read.
fn read_full_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match read_some_at(f, &mut buf[n..], off + n as u64)? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// The result of indexing a whole file.
pub(crate) struct Scan {
    pub(crate) msgs: Vec<MsgEntry>,
    /// Bytes before the first message.
    pub(crate) pre: u64,
    /// Where the scan ended (the file's size then).
    pub(crate) end: u64,
    /// `(start, end, hash)` of the sampled bytes of each scanned part, for
    /// [`Mailbox::verify_unchanged`].
    pub(crate) samples: Vec<(u64, u64, u64)>,
}

/// Indexes a whole file whose size was `size` when opened: split at
/// [`split_point`]s into parts scanned by parallel threads, then joined.
/// The entries are the ones a single sequential scan gives (a unit test
/// compares them); each part also takes its byte samples.
pub(crate) fn scan_parallel(f: &File, size: u64) -> io::Result<Scan> {
    scan_in_parts(f, size, scan_threads(size))
}

/// One sequential scan of the whole file.
fn scan_whole(f: &File) -> io::Result<Scan> {
    let mut sc = Scanner::new(0);
    let end = scan_file(f, 0, &mut sc)?;
    let (msgs, pre) = sc.finish(end);
    Ok(Scan {
        msgs,
        pre,
        end,
        samples: vec![(0, end, sample_hash(f, 0, end)?)],
    })
}

/// [`scan_parallel`] with a given number of parts.
fn scan_in_parts(f: &File, size: u64, parts: usize) -> io::Result<Scan> {
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
        return scan_whole(f);
    }
    type Part = (Vec<MsgEntry>, u64, u64, u64);
    let scan_part = |k: usize| -> io::Result<Part> {
        let start = starts[k];
        let limit = starts.get(k + 1).copied().unwrap_or(u64::MAX);
        let mut sc = if k == 0 {
            Scanner::new(0)
        } else {
            Scanner::continuing(start)
        };
        let end = scan_range(f, start, limit, &mut sc)?;
        let (msgs, pre) = sc.finish(end);
        Ok((msgs, pre, end, sample_hash(f, start, end)?))
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
    for (k, r) in results.into_iter().enumerate() {
        let (part, part_pre, part_end, hash) = r?;
        if starts.get(k + 1).is_some_and(|&next| part_end != next) {
            // The file shrank under us: the sequential scan sees it whole.
            return scan_whole(f);
        }
        samples.push((starts[k], part_end, hash));
        end = part_end;
        if k == 0 {
            msgs = part;
            pre = part_pre;
            continue;
        }
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
    Ok(Scan {
        msgs,
        pre,
        end,
        samples,
    })
}

/// Scans from `start` to the end of the file; returns the end offset.
pub(crate) fn scan_file(f: &File, start: u64, sc: &mut Scanner) -> io::Result<u64> {
    scan_range(f, start, u64::MAX, sc)
}

/// Scans `[start, limit)` (or to the end of file).
pub(crate) fn scan_range(f: &File, start: u64, limit: u64, sc: &mut Scanner) -> io::Result<u64> {
    let mut buf = vec![0u8; SCAN_BUF];
    let from_finder = memchr::memmem::Finder::new(b"\nFrom ");
    // buf[..fill] holds file bytes starting at `base`.
    let mut base = start;
    let mut fill = 0usize;
    // A line longer than the buffer: its offset, first bytes, length so
    // far, and last byte seen.
    let mut long: Option<(u64, Vec<u8>, u64, u8)> = None;
    loop {
        let want = (buf.len() - fill) as u64;
        let want = want.min(limit.saturating_sub(base + fill as u64)) as usize;
        let n = if want == 0 {
            0
        } else {
            read_some_at(f, &mut buf[fill..fill + want], base + fill as u64)?
        };
        if n == 0 {
            // End of file.
            let end = base + fill as u64;
            if let Some((off, head, len, last)) = long.take() {
                let _ = last;
                sc.line(off, &head, len + fill as u64, false, false);
            } else if fill > 0 {
                sc.line(base, &buf[..fill], fill as u64, false, false);
            }
            return Ok(end);
        }
        let old_fill = fill;
        fill += n;
        let mut pos = 0usize;
        if let Some((off, head, len, last)) = &mut long {
            match memchr::memchr(b'\n', &buf[old_fill..fill]) {
                None => {
                    *len += (fill - old_fill) as u64;
                    *last = buf[fill - 1];
                    base += fill as u64;
                    fill = 0;
                    continue;
                }
                Some(p) => {
                    let nl = old_fill + p;
                    let prev = if nl > 0 { buf[nl - 1] } else { *last };
                    let total = *len + (nl + 1 - old_fill) as u64;
                    sc.line(*off, head, total, true, prev == b'\r');
                    pos = nl + 1;
                }
            }
            long = None;
        }
        let mut lstart = pos;
        while lstart < fill {
            if sc.in_plain_body() {
                // Skip to the next line starting with "From ", or to the
                // last complete line, counting in bulk.
                let hay = &buf[lstart..fill];
                let seg_end = match from_finder.find(hay) {
                    Some(p) => p + 1,
                    None => match memchr::memrchr(b'\n', hay) {
                        Some(p) => p + 1,
                        None => break,
                    },
                };
                let done = sc.body_segment(&hay[..seg_end]);
                lstart += done;
                if done == seg_end {
                    continue;
                }
            }
            let Some(rel) = memchr::memchr(b'\n', &buf[lstart..fill]) else {
                break;
            };
            let line = &buf[lstart..=lstart + rel];
            let crlf = line.len() >= 2 && line[line.len() - 2] == b'\r';
            sc.line(base + lstart as u64, line, line.len() as u64, true, crlf);
            lstart += rel + 1;
        }
        // Keep the partial last line.
        let rest = fill - lstart;
        if rest >= buf.len() / 2 {
            // A very long line: remember its head and skip the rest.
            let keep = (FGETS_CHUNK as usize + 1).min(rest);
            long = Some((
                base + lstart as u64,
                buf[lstart..lstart + keep].to_vec(),
                rest as u64,
                buf[fill - 1],
            ));
            base += fill as u64;
            fill = 0;
        } else {
            buf.copy_within(lstart..fill, 0);
            base += lstart as u64;
            fill = rest;
        }
    }
}

/// The state of the `\r\n` → `\n` conversion of one range, carried from
/// one block of it to the next.
#[derive(Clone, Copy, Debug, Default)]
struct CrlfState {
    /// A `\r` at the end of the previous block, not yet emitted.
    held_cr: bool,
    /// Bytes of the current line before this block (for the fgets rule).
    line_len: u64,
}

impl CrlfState {
    /// For a block with nothing to convert (the common case): keeps the
    /// length of the unfinished line and returns true. False: the block
    /// needs [`CrlfState::convert`].
    fn pass(&mut self, src: &[u8]) -> bool {
        if self.held_cr || memchr::memchr(b'\r', src).is_some() {
            return false;
        }
        match memchr::memrchr(b'\n', src) {
            Some(p) => self.line_len = (src.len() - p - 1) as u64,
            None => self.line_len += src.len() as u64,
        }
        true
    }

    /// Appends the block `src` to `v` with `\r\n` turned into `\n` as
    /// bsd-mailx's copy does: only when both bytes end the same
    /// `fgets(8192)` piece, i.e. unless the line is longer than 8191 bytes
    /// and its length is one more than a multiple of 8191. When `more`
    /// bytes of the range follow, a final `\r` is held back until the next
    /// byte is known.
    fn convert(&mut self, src: &[u8], more: bool, v: &mut Vec<u8>) {
        let mut seg = 0usize; // start of the bytes not yet copied
        let mut line_start = 0usize; // start of the current line in `src`
        let held = std::mem::replace(&mut self.held_cr, false);
        if held && src.first() != Some(&b'\n') {
            v.push(b'\r');
        }
        for p in memchr::memchr_iter(b'\n', src) {
            let n = self.line_len + (p + 1 - line_start) as u64;
            let cr_before = if p > 0 { src[p - 1] == b'\r' } else { held };
            let convert = cr_before && !(n > FGETS_CHUNK && n % FGETS_CHUNK == 1);
            if p == 0 && held && !convert {
                v.push(b'\r');
            }
            if convert && p > 0 {
                v.extend_from_slice(&src[seg..p - 1]);
                seg = p;
            }
            self.line_len = 0;
            line_start = p + 1;
        }
        let mut tail_end = src.len();
        if src.len() > line_start || held && line_start == 0 {
            self.line_len += (src.len() - line_start) as u64;
        }
        if src.last() == Some(&b'\r') && more && tail_end > seg {
            self.held_cr = true;
            tail_end -= 1;
        }
        v.extend_from_slice(&src[seg..tail_end]);
    }
}

/// Where a reader is in its range `[pos, end)` of the file, and which
/// bytes of the current block it still has to hand out.
#[derive(Debug)]
struct RangePos {
    /// Next file offset not yet taken into a block.
    pos: u64,
    end: u64,
    crlf: bool,
    st: CrlfState,
    /// The bytes to hand out: `conv[s..e]` when `in_conv`, else
    /// `buf[s..e]` of the block.
    in_conv: bool,
    s: usize,
    e: usize,
}

impl RangePos {
    fn new(off: u64, len: u64, crlf: bool) -> Self {
        RangePos {
            pos: off,
            end: off + len,
            crlf,
            st: CrlfState::default(),
            in_conv: false,
            s: 0,
            e: 0,
        }
    }
}

/// A block of a file read with one `pread` into a buffer that is allocated
/// once and reused (never zeroed again), plus the buffer for converted
/// (CRLF) bytes.
#[derive(Debug, Default)]
struct Block {
    buf: Vec<u8>,
    /// File offset of `buf[0]`, and how many bytes of `buf` are valid.
    base: u64,
    fill: usize,
    conv: Vec<u8>,
}

impl Block {
    /// Reads up to `want` bytes (at least 1) at `off`.
    fn load(&mut self, f: &File, off: u64, want: usize) -> io::Result<()> {
        if self.buf.len() < want {
            self.buf.resize(want, 0);
        }
        self.fill = 0;
        let n = read_some_at(f, &mut self.buf[..want], off)?;
        if n == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "mailbox is shorter than when it was read",
            ));
        }
        self.base = off;
        self.fill = n;
        Ok(())
    }

    /// The next bytes of range `r` (empty at its end), reading a new block
    /// when `r` leaves the one held: `want(pos)` bytes from `pos`.
    fn fill_range(
        &mut self,
        f: &File,
        r: &mut RangePos,
        mut want: impl FnMut(u64, u64) -> usize,
    ) -> io::Result<&[u8]> {
        loop {
            if r.s < r.e {
                return Ok(if r.in_conv {
                    &self.conv[r.s..r.e]
                } else {
                    &self.buf[r.s..r.e]
                });
            }
            if r.pos >= r.end {
                if r.st.held_cr {
                    // Not reached (a `\r` is held only when bytes follow),
                    // but never drop a byte.
                    r.st.held_cr = false;
                    self.conv.clear();
                    self.conv.push(b'\r');
                    (r.in_conv, r.s, r.e) = (true, 0, 1);
                    continue;
                }
                return Ok(&[]);
            }
            if r.pos < self.base || r.pos >= self.base + self.fill as u64 {
                self.load(f, r.pos, want(r.pos, r.end))?;
            }
            let i = (r.pos - self.base) as usize;
            let j = (r.end - self.base).min(self.fill as u64) as usize;
            r.pos = self.base + j as u64;
            let src = &self.buf[i..j];
            if !r.crlf || r.st.pass(src) {
                (r.in_conv, r.s, r.e) = (false, i, j);
            } else {
                self.conv.clear();
                r.st.convert(src, r.pos < r.end, &mut self.conv);
                (r.in_conv, r.s, r.e) = (true, 0, self.conv.len());
            }
        }
    }
}

/// `Read::read` of a `BufRead`: a copy from its buffer.
fn read_buffered(r: &mut impl io::BufRead, out: &mut [u8]) -> io::Result<usize> {
    let avail = r.fill_buf()?;
    let n = out.len().min(avail.len());
    out[..n].copy_from_slice(&avail[..n]);
    r.consume(n);
    Ok(n)
}

/// Size of the blocks a [`RangeReader`] reads.
const RANGE_BLOCK: u64 = 1 << 16;

#[cfg(test)]
thread_local! {
    /// Tests use tiny blocks to put block edges everywhere.
    static TEST_BLOCK: std::cell::Cell<u64> = const { std::cell::Cell::new(0) };
}

/// Makes [`RangeReader`] and [`SeqReader`] read blocks of `n` bytes in
/// this thread (0: the normal sizes).
#[cfg(test)]
pub(crate) fn set_test_block(n: u64) {
    TEST_BLOCK.with(|c| c.set(n));
}

/// The block size `n`, or the one a test asked for.
fn block_size(n: u64) -> u64 {
    #[cfg(test)]
    {
        let t = TEST_BLOCK.with(|c| c.get());
        if t > 0 {
            return t;
        }
    }
    n
}

/// Reads `[off, off+len)` of a file with `pread` (blocks of up to 64 KiB,
/// never past the range), optionally turning `\r\n` into `\n`.
pub(crate) struct RangeReader<'a> {
    f: &'a File,
    r: RangePos,
    block: Block,
}

impl<'a> RangeReader<'a> {
    pub(crate) fn new(f: &'a File, off: u64, len: u64) -> Self {
        RangeReader {
            f,
            r: RangePos::new(off, len, false),
            block: Block::default(),
        }
    }
    pub(crate) fn crlf(mut self) -> Self {
        self.r.crlf = true;
        self
    }
}

impl io::BufRead for RangeReader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.block.fill_range(self.f, &mut self.r, |pos, end| {
            (end - pos).min(block_size(RANGE_BLOCK)) as usize
        })
    }
    fn consume(&mut self, n: usize) {
        self.r.s = (self.r.s + n).min(self.r.e);
    }
}

impl Read for RangeReader<'_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

/// Size of the blocks a [`SeqReader`] reads.
pub(crate) const SEQ_BLOCK: usize = 1 << 20;

/// Wanted ranges of a [`SeqReader`] closer than this are read together
/// (the bytes between them with them).
pub(crate) const SEQ_GAP: u64 = 1 << 16;

/// Reads many ranges of one file, in increasing offset order, through one
/// large buffer that is allocated once: each `pread` takes up to
/// [`SEQ_BLOCK`] bytes of the wanted ranges given at the start (ranges
/// less than [`SEQ_GAP`] apart read as one), so the ranges that follow
/// are usually already in memory. Any order of requests works; only the
/// number of reads suffers when they go backwards or were not announced.
pub(crate) struct SeqReader<'a> {
    f: &'a File,
    plan: Plan,
    block: Block,
}

/// The ranges a [`SeqReader`] will be asked for.
struct Plan {
    /// `(start, end)`, sorted, merged.
    ranges: Vec<(u64, u64)>,
    /// Index of the range the last read was in.
    at: usize,
}

impl<'a> SeqReader<'a> {
    /// A reader over `f` for the ranges `want` (in increasing order).
    pub(crate) fn new(f: &'a File, want: impl IntoIterator<Item = (u64, u64)>) -> Self {
        let mut plan: Vec<(u64, u64)> = Vec::new();
        for (a, b) in want {
            match plan.last_mut() {
                Some(l) if a >= l.0 && a <= l.1.saturating_add(SEQ_GAP) => l.1 = l.1.max(b),
                _ => plan.push((a, b)),
            }
        }
        SeqReader {
            f,
            plan: Plan {
                ranges: plan,
                at: 0,
            },
            block: Block::default(),
        }
    }

    /// A reader over `[off, off+len)`, with `\r\n` → `\n` when `crlf`.
    pub(crate) fn range(&mut self, off: u64, len: u64, crlf: bool) -> SeqRange<'_, 'a> {
        SeqRange {
            r: RangePos::new(off, len, crlf),
            seq: self,
        }
    }
}

impl Plan {
    /// How many bytes to read at `pos` for a range ending at `end`: to the
    /// end of the planned range holding `pos` (at least to `end`), at most
    /// [`SEQ_BLOCK`].
    fn want(&mut self, pos: u64, end: u64) -> usize {
        let plan = &self.ranges;
        if !(self.at < plan.len() && plan[self.at].0 <= pos && pos < plan[self.at].1) {
            // Usually the next range; else search.
            self.at = if self.at + 1 < plan.len()
                && plan[self.at + 1].0 <= pos
                && pos < plan[self.at + 1].1
            {
                self.at + 1
            } else {
                plan.partition_point(|r| r.1 <= pos)
            };
        }
        let stop = match plan.get(self.at) {
            Some(&(a, b)) if a <= pos => end.max(b),
            _ => end,
        };
        (stop - pos).min(block_size(SEQ_BLOCK as u64)) as usize
    }
}

/// One range of a [`SeqReader`].
pub(crate) struct SeqRange<'s, 'a> {
    seq: &'s mut SeqReader<'a>,
    r: RangePos,
}

impl io::BufRead for SeqRange<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        let seq = &mut *self.seq;
        let plan = &mut seq.plan;
        seq.block
            .fill_range(seq.f, &mut self.r, |pos, end| plan.want(pos, end))
    }
    fn consume(&mut self, n: usize) {
        self.r.s = (self.r.s + n).min(self.r.e);
    }
}

impl Read for SeqRange<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        read_buffered(self, out)
    }
}

/// A message's bytes (CRLF → LF) from [`Mailbox::message_seq`]: the file
/// through a [`SeqReader`], or the edited copy in memory.
pub(crate) enum MessageRead<'s, 'a> {
    File(SeqRange<'s, 'a>),
    Edited(&'s [u8]),
}

impl io::BufRead for MessageRead<'_, '_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        match self {
            MessageRead::File(r) => io::BufRead::fill_buf(r),
            MessageRead::Edited(b) => Ok(b),
        }
    }
    fn consume(&mut self, n: usize) {
        match self {
            MessageRead::File(r) => io::BufRead::consume(r, n),
            MessageRead::Edited(b) => io::BufRead::consume(b, n),
        }
    }
}

impl Read for MessageRead<'_, '_> {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        match self {
            MessageRead::File(r) => r.read(out),
            MessageRead::Edited(b) => b.read(out),
        }
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

    /// [`Mailbox::message_reader`] as a `BufRead` (no second buffer needed).
    pub(crate) fn message_bufread(&self, i: usize) -> Box<dyn io::BufRead + '_> {
        if let Some(c) = self.edited.get(&i) {
            return Box::new(c.as_slice());
        }
        let e = &self.msgs[i];
        Box::new(RangeReader::new(&self.file, e.offset, e.len).crlf())
    }
}

#[cfg(test)]
pub(crate) mod seq_reader_tests {
    use super::*;
    use std::io::BufRead as _;

    /// bsd-mailx's copy of a message, the slow way: `\r\n` → `\n` unless
    /// the line is longer than 8191 bytes and its length is one more than a
    /// multiple of 8191 (then the `\r` ends one fgets piece).
    fn naive(m: &[u8]) -> Vec<u8> {
        let mut v = Vec::new();
        for line in m.split_inclusive(|&b| b == b'\n') {
            let n = line.len() as u64;
            if line.ends_with(b"\r\n") && !(n > FGETS_CHUNK && n % FGETS_CHUNK == 1) {
                v.extend_from_slice(&line[..line.len() - 2]);
                v.push(b'\n');
            } else {
                v.extend_from_slice(line);
            }
        }
        v
    }

    /// A small xorshift generator: `rnd(n)` is in `0..n`.
    pub(crate) fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
        let mut x = seed | 1;
        move |n| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            x % n
        }
    }

    /// A random mailbox: From_ lines, CRLF and LF lines, `\r` without
    /// `\n`, lines around multiples of the fgets piece, and (with `big`) a
    /// message of several MiB.
    pub(crate) fn mailbox(seed: u64, target: usize, big: bool) -> Vec<u8> {
        let mut rnd = rng(seed);
        let pieces: [&[u8]; 12] = [
            b"From a@b Mon Jan  1 10:00:00 2001\n",
            b"From a@b Mon Jan  1 10:00:00 2001\r\n",
            b"\n",
            b"\r\n",
            b"\r",
            b"Status: RO\n",
            b"Subject: s\r\n",
            b"body line of text\n",
            b"From x y\n",
            b"crlf body\r\n",
            b"\n\nFrom c@d Tue Jan  2 10:00:00 2001\r\n",
            b"\r\r\n",
        ];
        let mut d = b"From first@x Mon Jan  1 10:00:00 2001\r\nSubject: 1\n\n".to_vec();
        while d.len() < target {
            match rnd(100) {
                0 => {
                    // A long line: 8191·k − 2 … 8191·k + 3 bytes in all.
                    let k = 1 + rnd(3) as usize;
                    let n = 8191 * k - 2 + rnd(6) as usize;
                    let crlf = rnd(2) == 0;
                    d.extend(std::iter::repeat_n(b'L', n - 1 - crlf as usize));
                    d.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
                }
                1 if big => {
                    d.extend_from_slice(b"\n\nFrom big@x Mon Jan  1 10:00:00 2001\n\n");
                    for _ in 0..(5 << 20) / 40 {
                        d.extend_from_slice(b"0123456789012345678901234567890123456\r\n");
                    }
                }
                _ => d.extend_from_slice(pieces[rnd(pieces.len() as u64) as usize]),
            }
        }
        d
    }

    /// Reads all of `r`, in small and odd pieces.
    fn drain(r: &mut dyn io::BufRead, step: usize) -> Vec<u8> {
        let mut v = Vec::new();
        loop {
            let a = r.fill_buf().unwrap();
            if a.is_empty() {
                return v;
            }
            let k = a.len().min(step);
            v.extend_from_slice(&a[..k]);
            r.consume(k);
        }
    }

    fn want(data: &[u8], e: &MsgEntry) -> Vec<u8> {
        naive(&data[e.offset as usize..(e.offset + e.len) as usize])
    }

    #[test]
    fn range_and_seq_readers_equal_the_naive_copy() {
        for round in 0..8u64 {
            let data = mailbox(round + 1, [30_000, 200_000][round as usize % 2], round == 7);
            let mb = Mailbox::from_bytes(&data).unwrap();
            assert!(mb.len() > 5, "round {round}");
            let blocks: &[u64] = if round == 7 {
                &[0, 65536, 1 << 20]
            } else {
                &[0, 1, 2, 3, 7, 100, 8191, 8192, 65536]
            };
            for &block in blocks {
                set_test_block(block);
                for i in 0..mb.len() {
                    let w = want(&data, mb.entry(i));
                    assert_eq!(w.len() as u64, mb.entry(i).size, "round {round} msg {i}");
                    assert!(
                        mb.raw_message(i).unwrap() == w,
                        "round {round} block {block}"
                    );
                    let got = drain(&mut *mb.message_bufread(i), 1 + i % 5);
                    assert!(got == w, "round {round} block {block} msg {i}");
                }
                let mut r = rng(round);
                let picks: [&dyn Fn(usize) -> bool; 4] = [
                    &|_| true,
                    &|i| i % 2 == 1,
                    &|i| (i * 7 + round as usize) % 5 < 2,
                    &|i| i + 1 == mb.len(),
                ];
                for (k, pick) in picks.iter().enumerate() {
                    let mut seq = mb.seq_reader(pick);
                    for i in (0..mb.len()).filter(|&i| pick(i)) {
                        let w = want(&data, mb.entry(i));
                        let got = if r(2) == 0 {
                            let mut v = Vec::new();
                            mb.message_seq(i, &mut seq).read_to_end(&mut v).unwrap();
                            v
                        } else {
                            drain(&mut mb.message_seq(i, &mut seq), 1 + r(9000) as usize)
                        };
                        assert!(got == w, "round {round} block {block} pick {k} msg {i}");
                    }
                    // Unannounced messages, backwards, and a partial read.
                    for i in (0..mb.len()).rev() {
                        let w = want(&data, mb.entry(i));
                        let mut m = mb.message_seq(i, &mut seq);
                        if i % 3 == 0 {
                            let a = m.fill_buf().unwrap().len();
                            assert!(a > 0 && w.starts_with(m.fill_buf().unwrap()));
                            continue;
                        }
                        assert!(drain(&mut m, 4096) == w, "back {round} {block} msg {i}");
                    }
                }
            }
            set_test_block(0);
        }
    }

    #[test]
    fn edited_and_newly_incorporated_messages() {
        let d = std::env::temp_dir().join(format!("mailx-seq-{:x}", rand_u64()));
        std::fs::create_dir_all(&d).unwrap();
        let p = d.join("box");
        let data = mailbox(99, 50_000, false);
        std::fs::write(&p, &data).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        let n = mb.len();
        let edited = b"From e@x Mon Jan  1 10:00:00 2001\nSubject: edited\n\nnew\n".to_vec();
        mb.replace_message(1, edited.clone());
        let more = mailbox(5, 20_000, false);
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"\n").unwrap();
        f.write_all(&more).unwrap();
        assert!(mb.incorporate_new().unwrap() > 0);
        let all = std::fs::read(&p).unwrap();
        for block in [0, 5, 4096] {
            set_test_block(block);
            let mut seq = mb.seq_reader(|i| i % 2 == 1 || i >= n);
            for i in (0..mb.len()).filter(|&i| i % 2 == 1 || i >= n) {
                let w = if i == 1 {
                    edited.clone()
                } else {
                    want(&all, mb.entry(i))
                };
                assert!(
                    drain(&mut mb.message_seq(i, &mut seq), 777) == w,
                    "{block} {i}"
                );
            }
        }
        set_test_block(0);
        std::fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn plan_merges_close_ranges_and_reads_to_their_end() {
        let f = File::open("/dev/null").unwrap();
        let s = SeqReader::new(
            &f,
            [
                (0, 100),
                (100 + SEQ_GAP, 200 + SEQ_GAP),
                (10 * SEQ_GAP, 10 * SEQ_GAP + 5),
            ],
        );
        let mut p = s.plan;
        assert_eq!(
            p.ranges,
            vec![(0, 200 + SEQ_GAP), (10 * SEQ_GAP, 10 * SEQ_GAP + 5)]
        );
        assert_eq!(p.want(0, 100), 200 + SEQ_GAP as usize);
        assert_eq!(p.want(150, 160), 50 + SEQ_GAP as usize);
        // Between ranges and after them: only what the request needs.
        assert_eq!(p.want(300 + SEQ_GAP, 400 + SEQ_GAP), 100);
        assert_eq!(p.want(10 * SEQ_GAP + 1, 10 * SEQ_GAP + 3), 4);
        assert_eq!(p.want(20 * SEQ_GAP, 20 * SEQ_GAP + 9), 9);
        // Backwards.
        assert_eq!(p.want(10, 20), 190 + SEQ_GAP as usize);
        let big = 3 * SEQ_BLOCK as u64;
        let mut p = SeqReader::new(&f, [(0, big)]).plan;
        assert_eq!(p.want(1, 2), SEQ_BLOCK);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn idx(b: &[u8]) -> Mailbox {
        Mailbox::from_bytes(b).unwrap()
    }

    #[test]
    fn from_line_rules() {
        assert!(parse_from_line(b"From bare").is_none());
        assert!(parse_from_line(b"From bare ").is_none());
        assert!(parse_from_line(b"From ").is_none());
        assert!(parse_from_line(b"From a tty").is_none());
        let ((s, e), (d, de)) = parse_from_line(b"From here on we go").unwrap();
        assert_eq!((s, e, d, de), (5, 9, 10, 18));
        let l = b"From \"a b\"@c  Mon Jan  1 10:00:00 2001";
        let ((s, e), (d, _)) = parse_from_line(l).unwrap();
        assert_eq!(&l[s..e], b"\"a b\"@c");
        assert_eq!(&l[d..d + 3], b"Mon");
        let l = b"From x tty1 Mon";
        let (_, (d, _)) = parse_from_line(l).unwrap();
        assert_eq!(&l[d..], b"Mon");
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
        assert_eq!(crate::util::strerror(&e), "No such file or directory");
        let e = Mailbox::open(&d).unwrap_err();
        assert_eq!(crate::util::strerror(&e), "Is a directory");
        let fifo = d.join("fifo");
        let c = std::ffi::CString::new(fifo.to_str().unwrap()).unwrap();
        // SAFETY: valid NUL-terminated path.
        assert_eq!(unsafe { libc::mkfifo(c.as_ptr(), 0o600) }, 0);
        let e = Mailbox::open(&fifo).unwrap_err();
        assert_eq!(crate::util::strerror(&e), "Invalid argument");
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
    fn folded_headers() {
        let mb = idx(b"From a@b Mon Jan  1 10:00:00 2001\nSubject: a  \n   b\n\tc\nX-Y:z\nnot a header\nTo:  q\n\nbody\n");
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

#[cfg(test)]
mod crlf_chunk_tests {
    use super::*;

    #[test]
    fn crlf_at_the_fgets_boundary_counts_like_the_reader() {
        for k in 8185..8200 {
            let mut m = b"From a@b Mon Jan  1 10:00:00 2001\r\n\r\n".to_vec();
            m.extend(std::iter::repeat_n(b'y', k));
            m.extend_from_slice(b"\r\n\r\nFrom c@d x y\r\n\r\nz\r\n");
            let mb = Mailbox::from_bytes(&m).unwrap();
            for i in 0..mb.len() {
                assert_eq!(
                    mb.raw_message(i).unwrap().len() as u64,
                    mb.entry(i).size,
                    "k={k} message {i}"
                );
            }
        }
    }

    #[test]
    fn crlf_across_read_blocks() {
        for shift in 0..4usize {
            let mut m = b"From a@b Mon Jan  1 10:00:00 2001\r\n\r\n".to_vec();
            while m.len() < 65536 - 2 - shift {
                m.extend_from_slice(b"0123456789abcdef0123456789abcdef0123456789\r\n");
            }
            m.truncate(65536 - 2 - shift);
            m.extend_from_slice(b"\r\n\r\nmore\r\n");
            let mb = Mailbox::from_bytes(&m).unwrap();
            let raw = mb.raw_message(0).unwrap();
            let naive: Vec<u8> = {
                let mut v = Vec::new();
                let mut i = 0;
                while i < m.len() {
                    if m[i] == b'\r' && m.get(i + 1) == Some(&b'\n') {
                        i += 1;
                        continue;
                    }
                    v.push(m[i]);
                    i += 1;
                }
                v
            };
            assert_eq!(raw.len() as u64, mb.entry(0).size, "shift {shift}");
            // Lines here are short, so every CRLF is converted.
            assert!(raw == naive, "shift {shift}");
        }
    }

    #[test]
    fn lines_longer_than_the_read_buffer() {
        for (len, crlf) in [(3 << 20, false), ((3 << 20) + 5, true), (SCAN_BUF, false)] {
            let mut m = b"From a@b Mon Jan  1 10:00:00 2001\nSubject: big\n\n".to_vec();
            m.extend(std::iter::repeat_n(b'q', len));
            m.extend_from_slice(if crlf { b"\r\n" } else { b"\n" });
            m.extend_from_slice(b"\nFrom c@d x y\nStatus: RO\n\nz\n");
            let mb = Mailbox::from_bytes(&m).unwrap();
            assert_eq!(mb.len(), 2, "len {len}");
            let n = (len + 1 + crlf as usize) as u64;
            let e = mb.entry(0);
            assert_eq!(e.lines, 3 + n.div_ceil(FGETS_CHUNK) + 1, "len {len}");
            let conv = crlf && n % FGETS_CHUNK != 1;
            assert_eq!(e.size, e.len - conv as u64, "len {len}");
            assert_eq!(mb.raw_message(0).unwrap().len() as u64, e.size);
            assert!(mb.flags(1).contains(MsgFlags::READ));
            assert_eq!(mb.from_line(1).unwrap().date, b"x y");
        }
    }

    /// Scanning in parallel parts must give exactly the sequential result,
    /// wherever the split points fall (inside headers, after CRLF empty
    /// lines, before `From ` lines that are not From_ lines, in preambles).
    #[test]
    fn parallel_scan_equals_sequential() {
        let mut rnd = super::seq_reader_tests::rng(0x9e37_79b9_7f4a_7c15);
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
            feed_bytes(&mut sc, 0, &data);
            let (want, want_pre) = sc.finish(data.len() as u64);
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
                } = scan_in_parts(mb.file(), data.len() as u64, parts).unwrap();
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
            }
        }
        // Most inputs really were split.
        assert!(split_rounds > 200, "only {split_rounds} rounds split");
    }

    /// The bulk body path of `scan_range` must agree with the line-by-line
    /// path (`feed_bytes`) on any input, across read-buffer boundaries.
    #[test]
    fn bulk_scan_equals_line_by_line() {
        let mut rnd = super::seq_reader_tests::rng(0x1234_5678_9abc_def1);
        let pieces: [&[u8]; 10] = [
            b"From a@b Mon Jan  1 10:00:00 2001\n",
            b"From a@b Mon Jan  1 10:00:00 2001\r\n",
            b"\n",
            b"\r\n",
            b"Status: RO\n",
            b"Subject: s\n",
            b"body line of text\n",
            b"From bare\n",
            b"From x y\n",
            b"crlf body\r\n",
        ];
        for round in 0..6 {
            let mut data = Vec::new();
            let target = if round < 3 { 5 << 20 } else { 40_000 };
            while data.len() < target {
                if rnd(200) == 0 {
                    let k = 8185 + rnd(20) as usize;
                    data.extend(std::iter::repeat_n(b'L', k));
                    data.extend_from_slice(if rnd(2) == 0 { b"\n" } else { b"\r\n" });
                } else {
                    data.extend_from_slice(pieces[rnd(pieces.len() as u64) as usize]);
                }
            }
            let mb = Mailbox::from_bytes(&data).unwrap();
            let mut sc = Scanner::new(0);
            feed_bytes(&mut sc, 0, &data);
            let (want, pre) = sc.finish(data.len() as u64);
            assert_eq!(mb.preamble_len(), pre, "round {round}");
            assert_eq!(mb.entries().len(), want.len(), "round {round}");
            for (i, (a, b)) in mb.entries().iter().zip(&want).enumerate() {
                assert_eq!(a, b, "round {round} message {i}");
            }
        }
    }
}
