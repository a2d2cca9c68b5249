//! Writing an mbox back at `quit` (and when switching folders), with
//! bsd-mailx's semantics (`quit()` and `edstop()` in quit.c), and appending
//! messages to an mbox folder.
//!
//! This module owns the options and errors of the write-back and the file
//! helpers its parts share. One job per submodule:
//! - `plan`: the fate of each message at quit time (flags only, so any
//!   folder format can share it);
//! - `quit`: the session's end on an mbox, the mbox file update, and the
//!   messages printed (`New mail has arrived.`, `Saved N messages in …`,
//!   `Held N messages in …`, `"name" complete`, `"name" truncated`);
//! - `rewrite`: the new mailbox content and the rename method;
//! - `in_place`: the in-place method, its recovery file and
//!   [`recover_interrupted`];
//! - `append`: `save`/`copy`/`write` into an mbox;
//! - `stream`: the buffered writer that starts the disk write-back early.
//!
//! # Crash safety
//!
//! The new content is always built completely, and synced, **before** the
//! mailbox is touched, so a full disk or an I/O error leaves the original
//! byte for byte. Then one of two methods replaces it:
//!
//! * **rename** (a `-f` folder outside the spool directory, whose directory
//!   is writable): the new content is written to a temporary file in
//!   the same directory, given the old owner, group and mode, fsynced
//!   (one fsync for all of it), and renamed over the mailbox; then the
//!   directory is fsynced. A crash leaves
//!   the old or the new file, never a cut one.
//! * **in place** (the system mailbox and anything in /var/mail — an MTA
//!   may hold the old file open waiting for the lock, and must find it still
//!   the mailbox — or a directory that is not writable, or
//!   [`RewriteMethod::InPlace`]): the new content is first written
//!   to a durable recovery file in `backup_dir` (the user's home or
//!   `$TMPDIR`), fsynced, with the mailbox size at lock time in its first
//!   line. Disk space for the new size is reserved with `fallocate`,
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

mod append;
mod in_place;
pub(crate) mod plan;
mod quit;
mod rewrite;
mod stream;

pub use append::AppendOutcome;
pub(crate) use append::append_mbox;
pub use in_place::recover_interrupted;
pub use quit::quit;
pub(crate) use quit::write_mbox_file;

use std::fmt;
use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

use rustix::fs::Access;

use super::hash::rand_u64;
use super::lock::{LockError, LockOptions, process_is_gone};
use super::maildir::{create as create_maildir, is_maildir};
use crate::util::strerror;

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

/// Settings for [`quit()`].
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
    /// `newfolders=maildir`: a missing mbox file is created as a Maildir
    /// (as is one whose name ends in `/`).
    pub new_maildir: bool,
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
            new_maildir: false,
        }
    }
}

/// What [`quit()`] did.
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
            WriteError::Io(p, e) => write!(f, "{}: {}", p.display(), strerror(e)),
        }
    }
}

impl std::error::Error for WriteError {}

/// Does the mbox file go to a Maildir? Creates it first when it is missing
/// and its name ends in `/` or `new_maildir` is set.
pub(crate) fn mbox_is_maildir(opts: &QuitOptions<'_>) -> Result<bool, WriteError> {
    let p = &opts.mbox;
    if fs::symlink_metadata(p).is_err()
        && (opts.new_maildir || p.as_os_str().as_encoded_bytes().ends_with(b"/"))
    {
        create_maildir(p).map_err(io_at(p))?;
    }
    Ok(is_maildir(p))
}

/// Maps an I/O error to a [`WriteError`] naming `p`.
fn io_at(p: &Path) -> impl Fn(io::Error) -> WriteError + '_ {
    move |e| WriteError::Io(p.to_path_buf(), e)
}

/// `s` unless `n` is 1.
pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// The directory holding `p` (`.` for a bare name).
fn parent_dir(p: &Path) -> PathBuf {
    match p.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// fsync of a directory (makes a rename or a new file in it durable).
fn sync_dir(dir: &Path) -> io::Result<()> {
    File::open(dir)?.sync_all()
}

/// Is this the system spool directory (`/var/mail`, `/var/spool/mail`)?
fn is_spool_dir(dir: &Path) -> bool {
    ["/var/mail", "/var/spool/mail"].iter().any(|d| {
        let d = Path::new(d);
        dir == d || fs::canonicalize(d).is_ok_and(|c| c == dir)
    })
}

/// Can we create files in `dir`? (access(2) with W_OK|X_OK.)
fn dir_writable(dir: &Path) -> bool {
    rustix::fs::access(dir, Access::WRITE_OK | Access::EXEC_OK).is_ok()
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
        if process_is_gone(pid) {
            let _ = fs::remove_file(e.path());
        }
    }
}
