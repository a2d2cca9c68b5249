//! Writing a mailbox back at `quit` (and when switching folders), with
//! bsd-mailx's semantics (`quit()` and `edstop()` in quit.c).
//!
//! This module owns the fate of each message at quit time, the mbox file
//! update, the rewrite of the mailbox itself and the messages printed
//! about it (`New mail has arrived.`, `Saved N messages in …`,
//! `Held N messages in …`, `"name" complete`, `"name" truncated`).
//!
//! # Crash safety
//!
//! The new content is always built completely, and synced, **before** the
//! mailbox is touched, so a full disk or an I/O error leaves the original
//! byte for byte. Then one of two methods replaces it:
//!
//! * **rename** (a `-f` folder outside the spool directory, whose directory
//!   is writable): the new content is written to a temporary file in
//!   the same directory, fsynced, given the old owner, group and mode, and
//!   renamed over the mailbox; then the directory is fsynced. A crash leaves
//!   the old or the new file, never a cut one.
//! * **in place** (the system mailbox and anything in /var/mail — an MTA
//!   may hold the old file open waiting for the lock, and must find it still
//!   the mailbox — or a directory that is not writable, or
//!   [`RewriteMethod::InPlace`]): the new content is first written
//!   to a durable recovery file in `backup_dir` (the user's home or
//!   `$TMPDIR`), fsynced, with the mailbox size at lock time in its first
//!   line. Disk space for the new size is reserved with `posix_fallocate`,
//!   then the mailbox is overwritten from offset 0 and truncated (never
//!   unlinked, as Debian's bsd-mailx does), fsynced, and the recovery file
//!   removed. If we die half-way, [`recover_interrupted`] (to be called
//!   before opening the mailbox) puts the new content back, followed by any
//!   mail appended since.
//!
//! Mail that arrived after the mailbox was read is kept verbatim after our
//! messages. If the mailbox shrank, was replaced, or any From_ line moved,
//! nothing is written and [`WriteError::Changed`] is returned.
//!
//! Locks: the system mailbox is locked with a dotlock and fcntl (see
//! `lock`); a `-f` folder only with fcntl (bsd-mailx does not lock it at
//! all).

use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Read, Write};
use std::os::fd::AsRawFd;
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::flags::MsgFlags;
use super::index::{Mailbox, RangeReader, fnv, rand_u64};
use super::lock::{LockError, LockOptions, MailboxLock};
use super::render::{RenderOptions, render_message, render_message_seq};

/// The write buffer for the new mailbox (and mbox) content. Larger ones
/// measured slower: the copy into the page cache then reads the buffer
/// from memory instead of the CPU cache.
const OUT_BUF: usize = 1 << 17;

/// How to replace the mailbox file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum RewriteMethod {
    /// Rename when the directory is writable and the owner can be kept,
    /// else in place.
    #[default]
    Auto,
    /// Always in place (with a recovery file).
    InPlace,
}

/// Settings for [`quit`].
#[derive(Clone)]
pub struct QuitOptions<'a> {
    /// True for the system mailbox (`quit()` semantics: mbox, hold, locks);
    /// false for a `-f` folder (`edstop()` semantics).
    pub system: bool,
    /// The `hold` variable: read messages stay in the system mailbox.
    pub hold: bool,
    /// The `keepsave` variable: saved messages also go to mbox.
    pub keepsave: bool,
    /// The `append` variable: add to the end of mbox instead of the front.
    pub append: bool,
    /// The mbox file (`$MBOX` or `~/mbox`, expanded).
    pub mbox: PathBuf,
    /// The `saveignore`/`saveretain` filter for messages written to mbox.
    pub save_ignore: Option<&'a dyn Fn(&str) -> bool>,
    /// Lock settings (timeout, helper).
    pub lock: LockOptions,
    /// Where the recovery file of an in-place rewrite goes.
    pub backup_dir: PathBuf,
    /// Rename or in place.
    pub method: RewriteMethod,
}

impl QuitOptions<'_> {
    /// Defaults for the system mailbox: mbox `~/mbox`, backups in `$HOME`
    /// (else `$TMPDIR`, else `/tmp`).
    pub fn new(system: bool, mbox: PathBuf) -> Self {
        let backup = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(std::env::temp_dir);
        QuitOptions {
            system,
            hold: false,
            keepsave: false,
            append: false,
            mbox,
            save_ignore: None,
            lock: LockOptions {
                dotlock: system,
                ..LockOptions::default()
            },
            backup_dir: backup,
            method: RewriteMethod::Auto,
        }
    }
}

/// What [`quit`] did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct QuitOutcome {
    /// Messages written to mbox.
    pub to_mbox: usize,
    /// Messages left in the mailbox.
    pub held: usize,
    /// Mail arrived after the mailbox was read (and was kept).
    pub new_mail: bool,
    /// The mailbox file was rewritten.
    pub rewritten: bool,
}

/// Why the write-back failed. In every case the mailbox is unchanged
/// (mbox may already hold copies of messages still in the mailbox).
#[derive(Debug)]
pub enum WriteError {
    /// The lock could not be taken (bsd-mailx's message).
    Lock(LockError),
    /// The mailbox changed behind our back (shrank, replaced, edited).
    Changed(String),
    /// A system call failed on `path`.
    Io(PathBuf, io::Error),
}

impl fmt::Display for WriteError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            WriteError::Lock(e) => write!(f, "{e}"),
            WriteError::Changed(s) => write!(f, "{s}; mailbox left unchanged"),
            WriteError::Io(p, e) => write!(f, "{}: {}", p.display(), crate::util::strerror(e)),
        }
    }
}

impl std::error::Error for WriteError {}

fn io_at(p: &Path) -> impl Fn(io::Error) -> WriteError + '_ {
    move |e| WriteError::Io(p.to_path_buf(), e)
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Ends the session on `mb`: decides each message's fate from its flags,
/// writes mbox and the mailbox, prints bsd-mailx's messages to `out`
/// (warnings, e.g. about a missing dotlock, to `warn`). Flags are updated
/// as bsd-mailx does (new messages lose `NEW` and gain `STATUS`).
/// A read-only mailbox is left alone.
pub fn quit(
    mb: &mut Mailbox,
    opts: &QuitOptions<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<QuitOutcome, WriteError> {
    if mb.readonly() {
        return Ok(QuitOutcome::default());
    }
    if opts.system {
        quit_system(mb, opts, out, warn)
    } else {
        quit_edit(mb, opts, out, warn)
    }
}

fn quit_system(
    mb: &mut Mailbox,
    opts: &QuitOptions<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<QuitOutcome, WriteError> {
    let path = mb.path().to_path_buf();
    let name = path.display().to_string();
    let lock = match MailboxLock::acquire(&path, &opts.lock, warn) {
        Ok(l) => l,
        Err(LockError::Io(_, e)) if e.kind() == io::ErrorKind::NotFound => {
            // bsd-mailx's answer when the spool vanished.
            let _ = writeln!(out, "Thou hast new mail.");
            return Ok(QuitOutcome::default());
        }
        Err(e) => return Err(WriteError::Lock(e)),
    };
    let cur = mb
        .verify_unchanged(lock.file())
        .map_err(WriteError::Changed)?;
    let mut res = QuitOutcome {
        new_mail: cur > mb.scanned_len(),
        ..Default::default()
    };
    if res.new_mail {
        let _ = writeln!(out, "New mail has arrived.");
    }

    let mut anystat = 0;
    let holdbit = if opts.hold {
        MsgFlags::PRESERVE
    } else {
        MsgFlags::MBOX
    };
    let mut nohold = MsgFlags::MBOX | MsgFlags::SAVED | MsgFlags::DELETED | MsgFlags::PRESERVE;
    if opts.keepsave {
        nohold.remove(MsgFlags::SAVED);
    }
    let n = mb.len();
    let (mut c, mut p, mut modify) = (0, 0, 0);
    for i in 0..n {
        let f = mb.flags_mut(i);
        if f.contains(MsgFlags::NEW) {
            f.remove(MsgFlags::NEW);
            f.insert(MsgFlags::STATUS);
        }
        if f.contains(MsgFlags::STATUS) {
            anystat += 1;
        }
        if !f.contains(MsgFlags::TOUCH) {
            f.insert(MsgFlags::PRESERVE);
        }
        if !f.intersects(nohold) {
            f.insert(holdbit);
        }
        if f.contains(MsgFlags::MBOX) {
            c += 1;
        }
        if f.contains(MsgFlags::PRESERVE) {
            p += 1;
        }
        if f.contains(MsgFlags::MODIFY) {
            modify += 1;
        }
    }
    if p == n && modify == 0 && anystat == 0 {
        let _ = writeln!(out, "Held {p} message{} in {name}", plural(p));
        res.held = p;
        return Ok(res);
    }
    if c > 0 {
        write_mbox(mb, opts, |f| f.contains(MsgFlags::MBOX))?;
        let _ = writeln!(
            out,
            "Saved {c} message{} in {}",
            plural(c),
            opts.mbox.display()
        );
        res.to_mbox = c;
    }
    // Preserved messages (if any) and new mail go back to the spool.
    let keep = |f: MsgFlags| f.contains(MsgFlags::PRESERVE) || !f.contains(MsgFlags::TOUCH);
    rewrite_mailbox(mb, &lock, cur, opts, &keep)?;
    res.rewritten = true;
    if p != 0 {
        let _ = writeln!(out, "Held {p} message{} in {name}", plural(p));
    }
    res.held = p;
    Ok(res)
}

fn quit_edit(
    mb: &mut Mailbox,
    opts: &QuitOptions<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<QuitOutcome, WriteError> {
    let mut gotcha = 0;
    for i in 0..mb.len() {
        let f = mb.flags_mut(i);
        if f.contains(MsgFlags::NEW) {
            f.remove(MsgFlags::NEW);
            f.insert(MsgFlags::STATUS);
        }
        if f.intersects(MsgFlags::MODIFY | MsgFlags::DELETED | MsgFlags::STATUS) {
            gotcha += 1;
        }
    }
    if gotcha == 0 {
        return Ok(QuitOutcome::default());
    }
    let path = mb.path().to_path_buf();
    let lopts = LockOptions {
        dotlock: false,
        ..opts.lock.clone()
    };
    let lock = MailboxLock::acquire(&path, &lopts, warn).map_err(WriteError::Lock)?;
    let cur = mb
        .verify_unchanged(lock.file())
        .map_err(WriteError::Changed)?;
    let keep = |f: MsgFlags| !f.contains(MsgFlags::DELETED);
    let kept = (0..mb.len()).filter(|&i| keep(mb.flags(i))).count();
    let new_mail = cur > mb.scanned_len();
    rewrite_mailbox(mb, &lock, cur, opts, &keep)?;
    let what = if kept == 0 && !new_mail {
        "truncated"
    } else {
        "complete"
    };
    let _ = writeln!(out, "\"{}\" {what}", path.display());
    Ok(QuitOutcome {
        to_mbox: 0,
        held: kept,
        new_mail,
        rewritten: true,
    })
}

/// Writes the messages selected by `sel` to the mbox file: appended
/// (`append`) or put in front of the old content (via a temporary file
/// and rename, so a crash never cuts the old mbox).
fn write_mbox(
    mb: &Mailbox,
    opts: &QuitOptions<'_>,
    sel: impl Fn(MsgFlags) -> bool,
) -> Result<(), WriteError> {
    let mbox = &opts.mbox;
    let err = io_at(mbox);
    let ropts = RenderOptions {
        ignore: opts.save_ignore,
        ..Default::default()
    };
    let write_sel = |w: &mut dyn Write| -> io::Result<()> {
        let mut seq = mb.seq_reader(|i| sel(mb.flags(i)));
        for i in 0..mb.len() {
            if sel(mb.flags(i)) {
                render_message_seq(mb, i, mb.flags(i), &ropts, &mut seq, w)?;
            }
        }
        Ok(())
    };
    // An mbox that is not a regular file (`MBOX=/dev/null`, a FIFO) is only
    // ever appended to: never renamed over (as root that would replace
    // /dev/null with a file), never chmod-ed, never synced.
    let special = fs::metadata(mbox).is_ok_and(|m| !m.file_type().is_file());
    if opts.append || special {
        let f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(mbox)
            .map_err(&err)?;
        if !special {
            let _ = f.set_permissions(fs::Permissions::from_mode(0o600));
        }
        let old = f.metadata().map_err(&err)?.len();
        let r = (|| {
            let mut w = BufWriter::with_capacity(1 << 16, &f);
            write_sel(&mut w)?;
            w.flush()?;
            drop(w);
            if special { Ok(()) } else { f.sync_all() }
        })();
        if let Err(e) = r {
            // Take back the partial append.
            if !special {
                let _ = f.set_len(old);
            }
            let _ = f.sync_all();
            return Err(err(e));
        }
        return Ok(());
    }
    // Prepend: new messages, then the old mbox, into a temporary file that
    // is renamed over mbox (through a symbolic link to the real file). A
    // hard-linked mbox, one owned by someone else, or one in a directory we
    // cannot write is overwritten in place from that temporary copy
    // instead (kept in `backup_dir`, so a crash loses nothing).
    let target = fs::canonicalize(mbox).unwrap_or_else(|_| mbox.to_path_buf());
    let dir = parent_dir(&target);
    let old = match File::open(&target) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(err(e)),
    };
    let meta = old.as_ref().and_then(|f| f.metadata().ok());
    let mode = meta.as_ref().map(|m| m.mode() & 0o7777).unwrap_or(0o600);
    // SAFETY: geteuid has no preconditions.
    let euid = unsafe { libc::geteuid() };
    let in_place = meta
        .as_ref()
        .is_some_and(|m| m.nlink() > 1 || m.uid() != euid)
        || !dir_writable(&dir);
    let tmp_dir = if in_place {
        opts.backup_dir.clone()
    } else {
        dir.clone()
    };
    let mbase = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(&tmp_dir, &mbase);
    let tmp = tmp_dir.join(temp_name(&mbase));
    let r = (|| -> io::Result<()> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        let mut w = StreamOut::buffered(&f);
        write_sel(&mut w)?;
        if let Some(mut o) = old.as_ref() {
            io::copy(&mut o, &mut w)?;
        }
        w.flush()?;
        drop(w);
        f.sync_all()?;
        if in_place {
            // Not truncated here: `overwrite` sets the length at the end.
            let dst = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&target)?;
            let n = f.metadata()?.len();
            let old_len = dst.metadata()?.len();
            match overwrite(&dst, &f, 0, n, old_len) {
                Ok(()) => {}
                Err(Overwrite::Untouched(e)) | Err(Overwrite::Damaged(e)) => return Err(e),
            }
            drop(f);
            fs::remove_file(&tmp)
        } else {
            f.set_permissions(fs::Permissions::from_mode(mode))?;
            f.sync_all()?;
            fs::rename(&tmp, &target)?;
            sync_dir(&dir)
        }
    })();
    if let Err(e) = r {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

/// What [`append_messages`] did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AppendOutcome {
    /// The file did not exist before (bsd-mailx prints `[New file]`, else
    /// `[Appended]`).
    pub new_file: bool,
    /// Bytes written.
    pub bytes: u64,
}

/// Appends messages `which` (0-based) of `mb` to the folder `path`, each
/// rendered with `opts` (bsd-mailx's `save`/`copy` use the `saveignore`
/// filter, `write` uses `ignore_all`). The file is created with mode
/// 0666 minus the umask, as `fopen(path, "a")` does. On a write error the
/// file is cut back to its old length, so no partial message is left.
/// Flags are not changed: the caller touches the messages (before
/// rendering, as bsd-mailx does) and sets `SAVED`.
pub fn append_messages(
    mb: &Mailbox,
    which: &[usize],
    path: &Path,
    opts: &RenderOptions<'_>,
) -> Result<AppendOutcome, WriteError> {
    let err = io_at(path);
    let new_file = fs::symlink_metadata(path).is_err();
    let f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o666)
        .open(path)
        .map_err(&err)?;
    let old = f.metadata().map_err(&err)?.len();
    let r = (|| -> io::Result<u64> {
        let mut w = BufWriter::with_capacity(1 << 16, &f);
        let mut n = 0;
        for &i in which {
            n += render_message(mb, i, mb.flags(i), opts, &mut w)?;
        }
        w.flush()?;
        Ok(n)
    })();
    match r {
        Ok(bytes) => Ok(AppendOutcome { new_file, bytes }),
        Err(e) => {
            let _ = f.set_len(old);
            Err(err(e))
        }
    }
}

fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Writes the new mailbox content: a non-blank preamble (kept so that no
/// data is lost; bsd-mailx drops it), the selected messages as
/// `sendmessage` writes them, then the bytes appended since the scan.
///
/// A message that does not end with an empty line (possible after `inc`
/// or `edit`) gets one before the next message, so that the file reads
/// back with the same messages (bsd-mailx would glue them together).
fn produce(
    mb: &Mailbox,
    lockf: &File,
    cur: u64,
    keep: &dyn Fn(MsgFlags) -> bool,
    w: &mut dyn Write,
) -> io::Result<u64> {
    let mut t = Tail {
        w,
        n: 0,
        last: [b'\n', b'\n'],
    };
    if mb.preamble_len() > 0 && !mb.preamble_is_blank()? {
        io::copy(
            &mut RangeReader::new(mb.file(), 0, mb.preamble_len()),
            &mut t,
        )?;
    }
    let ropts = RenderOptions::default();
    let mut need_sep = false;
    let mut seq = mb.seq_reader(|i| keep(mb.flags(i)));
    for i in 0..mb.len() {
        if keep(mb.flags(i)) {
            if need_sep {
                t.separate()?;
            }
            render_message_seq(mb, i, mb.flags(i), &ropts, &mut seq, &mut t)?;
            need_sep = !mb.entry(i).ends_blank;
        }
    }
    let start = mb.scanned_len();
    if cur > start {
        let mut first = [0u8; 5];
        let k = (cur - start).min(5) as usize;
        lockf.read_exact_at(&mut first[..k], start)?;
        if need_sep && first[..k].starts_with(b"From ") {
            t.separate()?;
        }
        io::copy(&mut RangeReader::new(lockf, start, cur - start), &mut t)?;
    }
    Ok(t.n)
}

/// Size of the regions of a new file whose write-back [`StreamOut`] starts
/// as soon as they are written.
const WRITEBACK_REGION: u64 = 8 << 20;

/// Writes a new file sequentially and starts the write-back of each
/// completed [`WRITEBACK_REGION`] at once (`sync_file_range`), waiting for
/// the region before it, so the disk works while we write and little is
/// left for the final `fsync` (which stays: only it makes the data
/// durable). Errors of `sync_file_range` are returned (a write-back error
/// it reports would not be reported again by `fsync` on this descriptor),
/// except those saying it is not supported here, which turn it off.
struct StreamOut<'f> {
    f: &'f File,
    /// File offset of the next byte written.
    off: u64,
    /// Write-back has been started for `[.., started)`.
    started: u64,
    enabled: bool,
}

impl<'f> StreamOut<'f> {
    /// For a new, empty file `f` written from its start.
    fn new(f: &'f File) -> Self {
        StreamOut {
            f,
            off: 0,
            started: 0,
            enabled: true,
        }
    }

    /// [`StreamOut::new`] behind the write buffer every new mailbox file
    /// is written through.
    fn buffered(f: &'f File) -> BufWriter<Self> {
        BufWriter::with_capacity(OUT_BUF, StreamOut::new(f))
    }

    fn sync_range(&mut self, off: u64, len: u64, flags: libc::c_uint) -> io::Result<()> {
        if !self.enabled {
            return Ok(());
        }
        // SAFETY: plain system call on an open descriptor; no memory is passed.
        let r = unsafe {
            libc::sync_file_range(
                self.f.as_raw_fd(),
                off as libc::off64_t,
                len as libc::off64_t,
                flags,
            )
        };
        if r == 0 {
            return Ok(());
        }
        let e = io::Error::last_os_error();
        match e.raw_os_error() {
            Some(libc::EINVAL | libc::ESPIPE | libc::ENOSYS | libc::EOPNOTSUPP) => {
                self.enabled = false;
                Ok(())
            }
            Some(libc::EINTR) => Ok(()),
            _ => Err(e),
        }
    }
}

impl Write for StreamOut<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let n = (&*self.f).write(b)?;
        self.off += n as u64;
        while self.enabled && self.off - self.started >= WRITEBACK_REGION {
            let a = self.started;
            self.sync_range(a, WRITEBACK_REGION, libc::SYNC_FILE_RANGE_WRITE)?;
            if a >= WRITEBACK_REGION {
                // Bound the dirty pages: wait for the region before.
                self.sync_range(
                    a - WRITEBACK_REGION,
                    WRITEBACK_REGION,
                    libc::SYNC_FILE_RANGE_WAIT_BEFORE
                        | libc::SYNC_FILE_RANGE_WRITE
                        | libc::SYNC_FILE_RANGE_WAIT_AFTER,
                )?;
            }
            self.started += WRITEBACK_REGION;
        }
        Ok(n)
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer that remembers the last two bytes written.
struct Tail<'a> {
    w: &'a mut dyn Write,
    n: u64,
    last: [u8; 2],
}

impl Tail<'_> {
    /// Ends the previous message with an empty line.
    fn separate(&mut self) -> io::Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        if self.last[1] == b'\n' {
            self.write_all(b"\n")
        } else {
            self.write_all(b"\n\n")
        }
    }
}

impl Write for Tail<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let k = self.w.write(b)?;
        if k >= 2 {
            self.last = [b[k - 2], b[k - 1]];
        } else if k == 1 {
            self.last = [self.last[1], b[0]];
        }
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Can we create files in `dir`?
/// Is this the system spool directory (`/var/mail`, `/var/spool/mail`)?
fn is_spool_dir(dir: &Path) -> bool {
    ["/var/mail", "/var/spool/mail"].iter().any(|d| {
        let d = Path::new(d);
        dir == d || fs::canonicalize(d).is_ok_and(|c| c == dir)
    })
}

fn dir_writable(dir: &Path) -> bool {
    use std::os::unix::ffi::OsStrExt;
    let Ok(c) = std::ffi::CString::new(dir.as_os_str().as_bytes()) else {
        return false;
    };
    // SAFETY: `c` is a valid NUL-terminated path for the call's duration.
    unsafe { libc::access(c.as_ptr(), libc::W_OK | libc::X_OK) == 0 }
}

/// Replaces the mailbox content (see the module comment for the method).
fn rewrite_mailbox(
    mb: &Mailbox,
    lock: &MailboxLock,
    cur: u64,
    opts: &QuitOptions<'_>,
    keep: &dyn Fn(MsgFlags) -> bool,
) -> Result<(), WriteError> {
    let path = mb.path().to_path_buf();
    // Rename replaces the directory entry: resolve symbolic links first so
    // the link stays a link, and keep hard links intact by writing in place.
    let real = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let dir = parent_dir(&real);
    let nlink = lock.file().metadata().map(|m| m.nlink()).unwrap_or(1);
    // Never rename over a system mailbox (or anything in the spool
    // directory): an MTA delivering to it may already hold the old file open
    // waiting for the lock, and Postfix then defers that delivery ("target
    // file status changed unexpectedly"). Those are rewritten in place, as
    // bsd-mailx does, behind the durable recovery copy.
    let use_rename = opts.method == RewriteMethod::Auto
        && nlink == 1
        && dir_writable(&dir)
        && !opts.system
        && !is_spool_dir(&dir);
    if use_rename {
        match rewrite_rename(mb, lock, cur, keep, &real, &dir) {
            Ok(()) => return Ok(()),
            Err(RenameFail::Owner) => {} // fall back to in place
            Err(RenameFail::Io(p, e)) => return Err(WriteError::Io(p, e)),
        }
    }
    rewrite_in_place(mb, lock, cur, keep, &path, &opts.backup_dir)
}

enum RenameFail {
    /// The new file could not be given the old owner: use in place.
    Owner,
    Io(PathBuf, io::Error),
}

fn rewrite_rename(
    mb: &Mailbox,
    lock: &MailboxLock,
    cur: u64,
    keep: &dyn Fn(MsgFlags) -> bool,
    path: &Path,
    dir: &Path,
) -> Result<(), RenameFail> {
    let base = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(dir, &base);
    let tmp = dir.join(temp_name(&base));
    let meta = lock
        .file()
        .metadata()
        .map_err(|e| RenameFail::Io(path.to_path_buf(), e))?;
    let fail = |e: io::Error| RenameFail::Io(tmp.clone(), e);
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    let r = (|| -> io::Result<()> {
        let mut w = StreamOut::buffered(&f);
        produce(mb, lock.file(), cur, keep, &mut w)?;
        w.flush()?;
        drop(w);
        f.sync_all()
    })();
    if let Err(e) = r {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Io(tmp.clone(), e));
    }
    let tm = f.metadata().map_err(fail)?;
    if (tm.uid(), tm.gid()) != (meta.uid(), meta.gid())
        && std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid())).is_err()
    {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Owner);
    }
    let r = (|| -> io::Result<()> {
        f.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777))?;
        f.sync_all()?;
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if let Err(e) = r {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Io(path.to_path_buf(), e));
    }
    Ok(())
}

/// A temporary file name next to `base`: `.<base>.mailx-<pid>-<random>.tmp`.
fn temp_name(base: &str) -> String {
    format!(
        ".{base}.mailx-{}-{:x}.tmp",
        std::process::id(),
        rand_u64() & 0xffff_ffff
    )
}

/// Removes temporary files left next to `base` by processes that died
/// (kill -9, crash) before renaming them.
fn remove_stale_temps(dir: &Path, base: &str) {
    let prefix = format!(".{base}.mailx-");
    let Ok(rd) = fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let name = e.file_name();
        let name = name.to_string_lossy();
        let Some(rest) = name.strip_prefix(&prefix) else {
            continue;
        };
        let Some(pid) = rest
            .strip_suffix(".tmp")
            .and_then(|r| r.split('-').next())
            .and_then(|p| p.parse::<i32>().ok())
        else {
            continue;
        };
        // SAFETY: kill with signal 0 only checks that the process exists.
        let dead = pid > 0
            && unsafe { libc::kill(pid, 0) } == -1
            && io::Error::last_os_error().raw_os_error() == Some(libc::ESRCH);
        if dead {
            let _ = fs::remove_file(e.path());
        }
    }
}

/// The recovery file name for a mailbox (one per mailbox path).
fn recovery_path(backup_dir: &Path, mailbox: &Path) -> PathBuf {
    let abs = fs::canonicalize(mailbox).unwrap_or_else(|_| mailbox.to_path_buf());
    let base = mailbox
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    use std::os::unix::ffi::OsStrExt;
    backup_dir.join(format!(
        ".mailx-rewrite-{base}-{:016x}",
        fnv(abs.as_os_str().as_bytes())
    ))
}

const RECOVERY_MAGIC: &[u8] = b"mailx-rewrite v1 ";

fn rewrite_in_place(
    mb: &Mailbox,
    lock: &MailboxLock,
    cur: u64,
    keep: &dyn Fn(MsgFlags) -> bool,
    path: &Path,
    backup_dir: &Path,
) -> Result<(), WriteError> {
    let rec = recovery_path(backup_dir, path);
    let partial = rec.with_extension("partial");
    // 1. The new content, durably, outside the mailbox.
    let header = format!(
        "{}{} {}\n",
        String::from_utf8_lossy(RECOVERY_MAGIC),
        cur,
        path.display()
    );
    let r = (|| -> io::Result<(File, u64)> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)?;
        let mut w = StreamOut::buffered(&f);
        w.write_all(header.as_bytes())?;
        let n = produce(mb, lock.file(), cur, keep, &mut w)?;
        w.flush()?;
        drop(w);
        f.sync_all()?;
        fs::rename(&partial, &rec)?;
        sync_dir(backup_dir)?;
        Ok((f, n))
    })();
    let (copy, n) = match r {
        Ok(x) => x,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(WriteError::Io(partial, e));
        }
    };
    // 2. Overwrite the mailbox under the locks.
    let r = overwrite(lock.file(), &copy, header.len() as u64, n, cur);
    match r {
        Ok(()) => {
            let _ = fs::remove_file(&rec);
            Ok(())
        }
        Err(Overwrite::Untouched(e)) => {
            let _ = fs::remove_file(&rec);
            Err(WriteError::Io(path.to_path_buf(), e))
        }
        Err(Overwrite::Damaged(e)) => Err(WriteError::Io(
            path.to_path_buf(),
            io::Error::new(
                e.kind(),
                format!(
                    "{}; the new content is kept in {}",
                    crate::util::strerror(&e),
                    rec.display()
                ),
            ),
        )),
    }
}

enum Overwrite {
    /// Failed before the mailbox was changed.
    Untouched(io::Error),
    /// Failed after; the recovery file is needed.
    Damaged(io::Error),
}

/// Copies `n` bytes of `src` (from `src_off`) over `dst`, which held `old`
/// bytes, then truncates it to `n`.
fn overwrite(dst: &File, src: &File, src_off: u64, n: u64, old: u64) -> Result<(), Overwrite> {
    if n > old {
        // Reserve the blocks first (without changing the size, so an
        // interrupted overwrite leaves size = max(old, bytes written)), so
        // the overwrite cannot hit ENOSPC.
        // SAFETY: plain system call on an open descriptor.
        let r = unsafe {
            libc::fallocate(
                dst.as_raw_fd(),
                libc::FALLOC_FL_KEEP_SIZE,
                0,
                n as libc::off_t,
            )
        };
        if r != 0 {
            let e = io::Error::last_os_error();
            if e.raw_os_error() != Some(libc::EOPNOTSUPP) {
                return Err(Overwrite::Untouched(e));
            }
        }
    }
    let r = (|| -> io::Result<()> {
        let mut buf = vec![0u8; 1 << 16];
        let mut done = 0u64;
        while done < n {
            let k = ((n - done) as usize).min(buf.len());
            src.read_exact_at(&mut buf[..k], src_off + done)?;
            dst.write_all_at(&buf[..k], done)?;
            done += k as u64;
        }
        dst.set_len(n)?;
        dst.sync_all()
    })();
    r.map_err(Overwrite::Damaged)
}

/// Finishes a rewrite that was interrupted (crash, kill -9) while the
/// mailbox was being overwritten in place: if a recovery file for
/// `mailbox` exists in `backup_dir`, the mailbox is locked and set to the
/// saved content followed by anything appended after the interrupted
/// write. Returns true if something was recovered. Call it before
/// [`Mailbox::open`] on the system mailbox.
pub fn recover_interrupted(
    mailbox: &Path,
    backup_dir: &Path,
    lock: &LockOptions,
    warn: &mut dyn Write,
) -> Result<bool, WriteError> {
    let rec = recovery_path(backup_dir, mailbox);
    let _ = fs::remove_file(rec.with_extension("partial"));
    let mut f = match File::open(&rec) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(WriteError::Io(rec, e)),
    };
    let mut head = Vec::new();
    {
        let mut b = [0u8; 1];
        while head.len() < 8192 && f.read(&mut b).map_err(io_at(&rec))? == 1 {
            head.push(b[0]);
            if b[0] == b'\n' {
                break;
            }
        }
    }
    let bad = || WriteError::Changed(format!("{}: not a mailx recovery file", rec.display()));
    let rest = head.strip_prefix(RECOVERY_MAGIC).ok_or_else(bad)?;
    let sp = rest.iter().position(|&b| b == b' ').ok_or_else(bad)?;
    let old: u64 = std::str::from_utf8(&rest[..sp])
        .ok()
        .and_then(|s| s.parse().ok())
        .ok_or_else(bad)?;
    let hlen = head.len() as u64;
    let n = f.metadata().map_err(io_at(&rec))?.len() - hlen;
    let l = MailboxLock::acquire(mailbox, lock, warn).map_err(WriteError::Lock)?;
    let size = l.file().metadata().map_err(io_at(mailbox))?.len();
    // Where did mail appended after the interruption start? The mailbox
    // holds a prefix of the new content (length m), then either old bytes
    // up to `old` or, when the new content was longer, nothing more of ours.
    let m = common_prefix(l.file(), &f, hlen, n.min(size)).map_err(io_at(mailbox))?;
    let tail_start = if m == n || m >= old { m } else { old };
    let mut tail = Vec::new();
    if size > tail_start {
        RangeReader::new(l.file(), tail_start, size - tail_start)
            .read_to_end(&mut tail)
            .map_err(io_at(mailbox))?;
    }
    let mut full = OpenOptions::new()
        .append(true)
        .open(&rec)
        .map_err(io_at(&rec))?;
    full.write_all(&tail).map_err(io_at(&rec))?;
    full.sync_all().map_err(io_at(&rec))?;
    let total = n + tail.len() as u64;
    match overwrite(l.file(), &f, hlen, total, size) {
        Ok(()) => {
            let _ = fs::remove_file(&rec);
            Ok(true)
        }
        Err(Overwrite::Untouched(e)) | Err(Overwrite::Damaged(e)) => {
            Err(WriteError::Io(mailbox.to_path_buf(), e))
        }
    }
}

/// Length of the common prefix of `a` (from 0) and `b` (from `b_off`),
/// looking at `n` bytes at most.
fn common_prefix(a: &File, b: &File, b_off: u64, n: u64) -> io::Result<u64> {
    let mut x = vec![0u8; 1 << 16];
    let mut y = vec![0u8; 1 << 16];
    let mut done = 0u64;
    while done < n {
        let k = ((n - done) as usize).min(x.len());
        a.read_exact_at(&mut x[..k], done)?;
        b.read_exact_at(&mut y[..k], b_off + done)?;
        if let Some(p) = x[..k].iter().zip(&y[..k]).position(|(p, q)| p != q) {
            return Ok(done + p as u64);
        }
        done += k as u64;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("mailx-write-{:x}", rand_u64()));
        fs::create_dir_all(&d).unwrap();
        d
    }

    const A: &str = "From a@b Mon Jan  1 10:00:00 2001\nSubject: a\n\nbody a\n\n";
    const B: &str = "From c@d Mon Jan  1 10:00:00 2001\nSubject: b\n\nbody b\n\n";

    #[test]
    fn edited_message_is_written_back() {
        let d = dir();
        let p = d.join("box");
        fs::write(&p, format!("{A}{B}")).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        mb.replace_message(
            0,
            b"From a@b Mon Jan  1 10:00:00 2001 remote from x\nSubject: edited\n\nnew".to_vec(),
        );
        let mut out = Vec::new();
        let o = QuitOptions::new(false, d.join("mbox"));
        quit(&mut mb, &o, &mut out, &mut io::sink()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("\"{}\" complete\n", p.display())
        );
        let got = fs::read_to_string(&p).unwrap();
        assert_eq!(
            got,
            "From a@b Mon Jan  1 10:00:00 2001 remote from x\nSubject: edited\nStatus: O\n\nnew\n\n\
             From c@d Mon Jan  1 10:00:00 2001\nSubject: b\nStatus: O\n\nbody b\n\n"
        );
        assert_eq!(Mailbox::open(&p).unwrap().len(), 2);
        fs::remove_dir_all(&d).unwrap();
    }

    /// The write-back as it was done before the sequential reader:
    /// `render_message` for each kept message, separators, the new tail.
    fn expected_write_back(mb: &Mailbox, tail: &[u8]) -> Vec<u8> {
        let mut w = Vec::new();
        let sep = |w: &mut Vec<u8>| {
            if !w.is_empty() {
                w.extend_from_slice(if w.ends_with(b"\n") { b"\n" } else { b"\n\n" });
            }
        };
        let mut need_sep = false;
        for i in 0..mb.len() {
            if !mb.flags(i).contains(MsgFlags::DELETED) {
                if need_sep {
                    sep(&mut w);
                }
                render_message(mb, i, mb.flags(i), &RenderOptions::default(), &mut w).unwrap();
                need_sep = !mb.entry(i).ends_blank;
            }
        }
        if need_sep && tail.starts_with(b"From ") {
            sep(&mut w);
        }
        w.extend_from_slice(tail);
        w
    }

    #[test]
    fn write_back_through_the_sequential_reader() {
        use crate::mailbox::index::{seq_reader_tests::mailbox, set_test_block};
        let d = dir();
        let p = d.join("box");
        let mut case = 0;
        for block in [0u64, 1, 7, 4096, 8191] {
            for method in [RewriteMethod::Auto, RewriteMethod::InPlace] {
                case += 1;
                let data = mailbox(case, 80_000, false);
                fs::write(&p, &data).unwrap();
                let mut mb = Mailbox::open(&p).unwrap();
                for i in 0..mb.len() {
                    let f = mb.flags_mut(i);
                    if f.contains(MsgFlags::NEW) {
                        f.remove(MsgFlags::NEW);
                        f.insert(MsgFlags::STATUS);
                    }
                    if (i + case as usize).is_multiple_of(3) {
                        f.insert(MsgFlags::DELETED | MsgFlags::TOUCH);
                    }
                }
                if case % 2 == 0 {
                    mb.replace_message(
                        1,
                        b"From e@x Mon Jan  1 10:00:00 2001\nSubject: e\n\nFrom x\nno blank"
                            .to_vec(),
                    );
                    mb.flags_mut(1).remove(MsgFlags::DELETED);
                }
                // New mail after the scan (not incorporated) is kept as is.
                let tail: &[u8] = match case % 3 {
                    0 => b"",
                    1 => b"From late@x Mon Jan  1 10:00:00 2001\r\n\r\nlate\r\n",
                    _ => b"not a From_ line\n",
                };
                let want = expected_write_back(&mb, tail);
                OpenOptions::new()
                    .append(true)
                    .open(&p)
                    .unwrap()
                    .write_all(tail)
                    .unwrap();
                let mut o = QuitOptions::new(false, d.join("mbox"));
                o.method = method;
                o.backup_dir = d.clone();
                set_test_block(block);
                let r = quit(&mut mb, &o, &mut io::sink(), &mut io::sink());
                set_test_block(0);
                r.unwrap();
                assert!(fs::read(&p).unwrap() == want, "block {block} {method:?}");
            }
        }
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn stream_out_writes_everything() {
        let d = dir();
        let p = d.join("out");
        let f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&p)
            .unwrap();
        let mut want = Vec::new();
        {
            let mut w = StreamOut::buffered(&f);
            let mut k = 0u32;
            while want.len() < 3 * WRITEBACK_REGION as usize + 12345 {
                let piece = format!("line {k} {}\n", "x".repeat((k % 3000) as usize));
                w.write_all(piece.as_bytes()).unwrap();
                want.extend_from_slice(piece.as_bytes());
                k += 1;
            }
            w.flush().unwrap();
            assert!(w.get_ref().started >= 3 * WRITEBACK_REGION);
        }
        f.sync_all().unwrap();
        assert!(fs::read(&p).unwrap() == want);
        // Not a regular file: sync_file_range is turned off, writes go on.
        let null = OpenOptions::new().write(true).open("/dev/null").unwrap();
        let mut s = StreamOut::new(&null);
        s.write_all(&vec![0u8; WRITEBACK_REGION as usize + 1])
            .unwrap();
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn inc_after_unterminated_message_keeps_messages_apart() {
        let d = dir();
        let p = d.join("box");
        for first in [
            "From a@b Mon Jan  1 10:00:00 2001\nSubject: a\n\nno newline",
            "From a@b Mon Jan  1 10:00:00 2001\nSubject: a\n\nno blank line\n",
        ] {
            fs::write(&p, first).unwrap();
            let mut mb = Mailbox::open(&p).unwrap();
            let mut f = OpenOptions::new().append(true).open(&p).unwrap();
            f.write_all(B.as_bytes()).unwrap();
            // As bsd-mailx's `inc`, the appended From_ line starts a message.
            assert_eq!(mb.incorporate_new().unwrap(), 1);
            assert_eq!(mb.len(), 2);
            let o = QuitOptions::new(false, d.join("mbox"));
            quit(&mut mb, &o, &mut io::sink(), &mut io::sink()).unwrap();
            // Both messages survive a re-read (an empty line was added).
            let again = Mailbox::open(&p).unwrap();
            assert_eq!(again.len(), 2, "{first:?}");
            assert!(again.raw_message(0).unwrap().ends_with(b"\n\n"));
        }
        // Appended bytes that do not start with a From_ line join the last
        // message.
        fs::write(&p, A).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"more text\n\n").unwrap();
        f.write_all(B.as_bytes()).unwrap();
        assert_eq!(mb.incorporate_new().unwrap(), 1);
        assert_eq!(mb.entry(0).size, (A.len() + 11) as u64);
        assert_eq!(mb.entry(0).lines, 7);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn symlinks_and_hard_links_survive() {
        let d = dir();
        let real = d.join("real");
        fs::write(&real, format!("{A}{B}")).unwrap();
        let link = d.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let hard = d.join("hard");
        fs::hard_link(&real, &hard).unwrap();
        let mut mb = Mailbox::open(&link).unwrap();
        mb.flags_mut(0).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
        let mut o = QuitOptions::new(false, d.join("mbox"));
        o.backup_dir = d.clone();
        quit(&mut mb, &o, &mut io::sink(), &mut io::sink()).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let want = B.replace("Subject: b\n", "Subject: b\nStatus: O\n");
        assert_eq!(fs::read_to_string(&real).unwrap(), want);
        assert_eq!(fs::read_to_string(&hard).unwrap(), want);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn mbox_through_symlink_and_hard_link() {
        for hard in [false, true] {
            let d = dir();
            let spool = d.join("box");
            fs::write(&spool, format!("{A}{B}")).unwrap();
            let real = d.join("real-mbox");
            fs::write(&real, "From old@x Mon Jan  1 00:00:00 2001\n\nold\n\n").unwrap();
            let mbox = d.join("mbox");
            if hard {
                fs::hard_link(&real, &mbox).unwrap();
            } else {
                std::os::unix::fs::symlink(&real, &mbox).unwrap();
            }
            let mut mb = Mailbox::open(&spool).unwrap();
            mb.flags_mut(0)
                .insert(MsgFlags::TOUCH | MsgFlags::READ | MsgFlags::STATUS);
            let mut o = QuitOptions::new(true, mbox.clone());
            o.backup_dir = d.clone();
            let mut out = Vec::new();
            quit(&mut mb, &o, &mut out, &mut io::sink()).unwrap();
            let got = fs::read_to_string(&real).unwrap();
            assert!(got.starts_with("From a@b"), "{got}");
            assert!(got.ends_with("old\n\n"), "{got}");
            assert_eq!(fs::read_to_string(&mbox).unwrap(), got);
            assert_eq!(
                fs::symlink_metadata(&mbox)
                    .unwrap()
                    .file_type()
                    .is_symlink(),
                !hard
            );
            let left = fs::read_dir(&d)
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with(".tmp")
                })
                .count();
            assert_eq!(left, 0);
            fs::remove_dir_all(&d).unwrap();
        }
    }

    #[test]
    fn append_messages_to_a_folder() {
        let d = dir();
        let p = d.join("box");
        fs::write(&p, format!("{A}{B}")).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        mb.flags_mut(1).insert(MsgFlags::TOUCH | MsgFlags::READ);
        let f = d.join("saved");
        let r = append_messages(&mb, &[1], &f, &RenderOptions::default()).unwrap();
        assert!(r.new_file);
        let r = append_messages(&mb, &[0], &f, &RenderOptions::default()).unwrap();
        assert!(!r.new_file);
        let want = format!(
            "{}{A}",
            B.replace("Subject: b\n", "Subject: b\nStatus: R\n")
        );
        assert_eq!(fs::read_to_string(&f).unwrap(), want);
        assert_eq!(r.bytes, A.len() as u64);
        let e = append_messages(&mb, &[0], &d.join("no/such/dir"), &Default::default());
        assert!(
            e.unwrap_err()
                .to_string()
                .ends_with("No such file or directory")
        );
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn recovery_after_interrupted_in_place_rewrite() {
        let d = dir();
        let p = d.join("box");
        let old = format!("{A}{B}");
        fs::write(&p, &old).unwrap();
        // Simulate: the new content (only B) was saved, the overwrite got
        // half-way, then the MTA appended a message.
        let new = B.replace("Subject: b\n", "Subject: b\nStatus: O\n");
        let rec = recovery_path(&d, &p);
        fs::write(
            &rec,
            format!("mailx-rewrite v1 {} {}\n{new}", old.len(), p.display()),
        )
        .unwrap();
        let mut cut = new.as_bytes()[..10].to_vec();
        cut.extend_from_slice(&old.as_bytes()[10..]);
        cut.extend_from_slice(A.replace("a@b", "late@x").as_bytes());
        fs::write(&p, &cut).unwrap();
        let lo = LockOptions {
            timeout: std::time::Duration::from_secs(1),
            ..Default::default()
        };
        assert!(recover_interrupted(&p, &d, &lo, &mut io::sink()).unwrap());
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            format!("{new}{}", A.replace("a@b", "late@x"))
        );
        assert!(!rec.exists());
        assert!(!recover_interrupted(&p, &d, &lo, &mut io::sink()).unwrap());
        fs::remove_dir_all(&d).unwrap();
    }
}
