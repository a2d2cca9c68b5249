//! Maildir folders (<https://cr.yp.to/proto/maildir.html>): a directory
//! with `cur/`, `new/` and `tmp/`, one file per message. [`Maildir`] is the
//! [`Folder`] implementation; [`is_maildir`] the recognition
//! `open_folder` and `append_messages` use.
//!
//! | file | owns |
//! |---|---|
//! | `name` | file names: base, `:2,` flags, delivery time, unique names |
//! | `scan` | listing `new/` and `cur/`, the order, each file's counts and envelope |
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
//! name when another program renamed it (new flags, `new/` → `cur/`);
//! `inc` takes in files that appeared since (by base name, never twice);
//! a file someone else removed is reported once at quit and skipped.

mod deliver;
pub mod name;
mod quit;
mod scan;

pub(crate) use deliver::{create, deliver, deliver_all};
#[cfg_attr(not(feature = "imap"), allow(unused_imports))]
pub(crate) use scan::envelope_line;

use std::collections::HashSet;
use std::fs::{self, File};
use std::io::{self, BufRead, BufReader, Cursor, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::{Path, PathBuf};

use rustix::fs::Access;

use self::name::Name;
pub(crate) use self::scan::count_lines;
use self::scan::{Entry, Sub, scan};
use super::fields::Headers;
use super::flags::MsgFlags;
use super::folder::{Folder, FolderKind};
use super::from_line::{FromLine, parse_from_line};
use super::lock::LockOptions;
use super::mbox::LockedOpenError;
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
    /// Base names of every message taken in (for `inc`).
    known: HashSet<Vec<u8>>,
    readonly: bool,
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
        let known = HashSet::new();
        let msgs = scan(path, &known, warn)?;
        let known = msgs.iter().map(|e| e.base().to_vec()).collect();
        let readonly = ["cur", "new"]
            .iter()
            .any(|s| rustix::fs::access(path.join(s), Access::WRITE_OK | Access::EXEC_OK).is_err());
        Ok(Maildir {
            path: path.to_path_buf(),
            msgs,
            known,
            readonly,
        })
    }

    /// The path of message `i` where it was last seen.
    pub(crate) fn file_path(&self, i: usize) -> PathBuf {
        let e = &self.msgs[i];
        self.path
            .join(e.sub.dir())
            .join(std::ffi::OsStr::from_bytes(&e.name))
    }

    /// Where message `i` is now: where it was, or (when another program
    /// renamed or moved it) the file in `cur/` or `new/` with the same
    /// base name. NotFound when it is gone.
    fn locate(&self, i: usize) -> io::Result<(Sub, Vec<u8>)> {
        let e = &self.msgs[i];
        if fs::symlink_metadata(self.file_path(i)).is_ok() {
            return Ok((e.sub, e.name.clone()));
        }
        let base = e.base();
        for sub in [Sub::Cur, Sub::New] {
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
        Err(io::Error::from_raw_os_error(libc::ENOENT))
    }

    /// Opens message `i`'s file, wherever it is now.
    fn open_file(&self, i: usize) -> io::Result<File> {
        match File::open(self.file_path(i)) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let (sub, name) = self.locate(i)?;
                File::open(
                    self.path
                        .join(sub.dir())
                        .join(std::ffi::OsStr::from_bytes(&name)),
                )
            }
            r => r,
        }
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
        self.msgs[i].lines
    }
    fn size(&self, i: usize) -> u64 {
        self.msgs[i].size
    }
    fn content_len(&self, i: usize) -> u64 {
        let e = &self.msgs[i];
        e.envelope.len() as u64 + e.replaced.as_ref().map_or(e.size, |r| r.len() as u64) + 1
    }
    fn envelope(&self, i: usize) -> io::Result<FromLine> {
        let env = &self.msgs[i].envelope;
        let line = &env[..env.len() - 1];
        let ((s, e), (ds, de)) = parse_from_line(line).unwrap_or(((5, 5), (5, 5)));
        Ok(FromLine {
            sender: line[s..e].to_vec(),
            date: line[ds..de].to_vec(),
        })
    }
    fn header_block(&self, i: usize) -> io::Result<Vec<u8>> {
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
    fn headers(&self, i: usize) -> io::Result<Headers> {
        Ok(super::fields::parse_headers(&self.header_block(i)?))
    }
    fn open_message(&self, i: usize) -> io::Result<Box<dyn BufRead + '_>> {
        let e = &self.msgs[i];
        let env = Cursor::new(&e.envelope[..]);
        let end = Cursor::new(&b"\n"[..]);
        if let Some(r) = &e.replaced {
            return Ok(Box::new(env.chain(Cursor::new(&r[..])).chain(end)));
        }
        let f = self.open_file(i)?.take(e.size);
        Ok(Box::new(
            env.chain(BufReader::with_capacity(1 << 16, f)).chain(end),
        ))
    }
    fn replace_message(&mut self, i: usize, content: Vec<u8>) {
        let e = &mut self.msgs[i];
        let mut body = match memchr::memchr(b'\n', &content) {
            Some(p) if content.starts_with(b"From ") => content[p + 1..].to_vec(),
            _ => content,
        };
        // The empty line that ends a message as handed out.
        if body.ends_with(b"\n\n") {
            body.pop();
        }
        e.size = body.len() as u64;
        e.lines = count_lines(&body);
        e.replaced = Some(body);
        e.flags.insert(MsgFlags::MODIFY);
    }
    fn incorporate(
        &mut self,
        _lock: &LockOptions,
        warn: &mut dyn Write,
    ) -> Result<usize, LockedOpenError> {
        let new = scan(&self.path, &self.known, warn).map_err(LockedOpenError::Io)?;
        for e in &new {
            self.known.insert(e.base().to_vec());
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
        quit::quit(self, opts, out, warn)
    }
}
