//! The folder interface: everything read mode asks of an open mail folder,
//! whatever its format. Read mode holds a `Box<dyn Folder>` and calls
//! nothing format-specific, so a new format (Maildir, IMAP) is one more
//! implementation of [`Folder`] plus a branch in [`open_folder`] and
//! [`append_messages`], not a change to read mode. [`Mailbox`] (mbox) and
//! [`Maildir`] are the implementations.
//!
//! # The message model
//!
//! Messages are numbered `0..len()` in the order the summary lists them;
//! a number stays valid for the whole session (`incorporate` only adds
//! numbers at the end; nothing is removed before `quit`). Every message, as
//! this interface hands it out, is bytes with LF line ends that start with
//! its **envelope line** `From <sender> <date>`, then the header block, an
//! empty line and the body:
//!
//! * mbox: the From_ line as it is in the file (`\r\n` → `\n` as
//!   bsd-mailx's copy does);
//! * a format without From_ lines (Maildir, IMAP) makes one up (the
//!   envelope sender, e.g. from `Return-Path:`, and the delivery time as an
//!   mbox date: `Mon Jan  1 10:00:00 2001`) and leaves it out again when it
//!   writes a message into a folder of its own format; Maildir also puts an
//!   empty line after the file, as an mbox message ends.
//!
//! That is what the renderer (`render`), the header parser
//! ([`header_fields`](super::header_fields) skips the first line), `edit`,
//! `print`, `save` and the MIME view expect, so they work on every format
//! unchanged.
//!
//! # What each method promises
//!
//! | method | promise |
//! |---|---|
//! | [`kind`](Folder::kind), [`path`](Folder::path) | the format, and the folder as named when opened (a local path; a remote folder gives its URL) |
//! | [`readonly`](Folder::readonly) | true when the folder may not be changed: `[Read only]`, and `quit` writes nothing |
//! | [`len`](Folder::len) | number of messages (constant between `incorporate` calls) |
//! | [`flags`](Folder::flags) / [`flags_mut`](Folder::flags_mut) | the session's [`MsgFlags`] of message `i`, in memory; the format maps them to its own flags only at `quit` |
//! | [`lines`](Folder::lines) / [`size`](Folder::size) | the two numbers the summary shows as `%4d/%-5d` (and `size`/`top`/`crt` use): for mbox, bsd-mailx's counts of the message as handed out; for Maildir, those of the file |
//! | [`content_len`](Folder::content_len) | the bytes `open_message` hands out (mbox: `size`; Maildir: the envelope line plus the file) |
//! | [`envelope`](Folder::envelope) | the sender word and date text of the envelope line (the summary's date column) |
//! | [`header_block`](Folder::header_block) | the envelope line and the header block up to (not including) the empty line, LF line ends |
//! | [`header_block_and_envelope`](Folder::header_block_and_envelope) | both of the above; default: two calls (mbox: one read) |
//! | [`summary_headers`](Folder::summary_headers) | the envelope and at least the `kept::SUMMARY_FIELDS` of the header block (mbox: kept by its scan; Maildir: from its header cache); default: `header_block_and_envelope` |
//! | [`thread_refs`](Folder::thread_refs) | the message's thread links ([`Refs`]) when known without reading it (mbox: kept by its scan; Maildir: its header cache); default: None (read from the header block) |
//! | [`keep_cache`](Folder::keep_cache) | `exit`: keep what a cache learnt (Maildir's header cache); default: nothing |
//! | [`headers`](Folder::headers) | the unfolded header fields; default: parsed from `header_block` |
//! | [`open_message`](Folder::open_message) | a reader over the whole message as described above; exactly `content_len(i)` bytes unless the folder changed underneath |
//! | [`raw_message`](Folder::raw_message) | the same bytes in memory; default: read from `open_message` |
//! | [`replace_message`](Folder::replace_message) | `edit`/`visual`: the new whole message (envelope line first, LF ends); recounts `lines`/`size`, sets `MODIFY`; written back at `quit` |
//! | [`incorporate`](Folder::incorporate) | `inc` and autoinc: takes in mail that arrived since the folder was opened, numbered after the others; returns how many. `lock` is for formats that lock (mbox); others ignore it |
//! | [`poll_due`](Folder::poll_due) | `autoinc`: whether to call `incorporate` before this prompt; default true (a local folder is cheap to look at); IMAP: when the server already told of a change, else at most every `imap-newmail-interval` seconds |
//! | [`quit`](Folder::quit) | closes the session: decides each message's fate from its flags (bsd-mailx's rules, see `write::plan`), moves messages to the mbox file, writes the folder back, prints bsd-mailx's messages; a read-only folder is left alone |
//!
//! The defaults (`is_empty`, `header_block_and_envelope`, `headers`,
//! `raw_message`) are generic; mbox overrides `header_block_and_envelope`
//! (one read for both) and `raw_message` (no second buffer). What is
//! mbox-specific stays behind these methods: the check that the file still
//! holds what was indexed (under the lock, inside `quit`), the preamble,
//! the scanned length and the open descriptor are internal to [`Mailbox`].
//! In the arguments, [`LockOptions`] and the `lock`, `backup_dir` and
//! `method` fields of [`QuitOptions`] are for formats that lock and rewrite
//! a file (mbox); a format without them ignores them. `hold`, `keepsave`,
//! `append`, the mbox path and `save_ignore` are POSIX's and apply to
//! every format (the flag rules are in `write::plan`).
//!
//! Per-message calls are virtual (one call per message for the summary),
//! never per byte: readers are handed out whole. Methods that read take
//! `&self` and the trait is `Sync`, because a long header summary is made
//! by two threads; a format that reads through a connection (IMAP) keeps
//! it behind a lock, or fetches what the summary needs when it opens.
//!
//! # How read mode uses it
//!
//! ```no_run
//! use std::io::{self, Write};
//! use std::path::PathBuf;
//! use mailx::mailbox::{
//!     LockOptions, MsgFlags, QuitOptions, RenderOptions, open_folder, render_message,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // Any format; errors are bsd-mailx's (`No such file or directory`, ...).
//! let mut f = open_folder("/var/mail/alice".as_ref())?;
//!
//! // Header summary line for message i (0-based):
//! let i = 0;
//! let (block, env) = f.header_block_and_envelope(i)?; // From:, Subject: ...
//! let date16 = &env.date[..env.date.len().min(16)];
//! let (lines, size, flags) = (f.lines(i), f.size(i), f.flags(i)); // "%4d/%-5d"
//! let _ = (block, date16, lines, size, flags);
//!
//! // `print`: touch, then render (pass the ignore list as a predicate).
//! let fl = f.flags_mut(i);
//! fl.insert(MsgFlags::TOUCH);
//! if !fl.contains(MsgFlags::READ) {
//!     fl.insert(MsgFlags::READ | MsgFlags::STATUS);
//! }
//! let ignored = |name: &str| name == "received" || name == "status";
//! let opts = RenderOptions { ignore: Some(&ignored), ..Default::default() };
//! let mut out = io::stdout().lock();
//! writeln!(out, "Message {}:", i + 1)?;
//! render_message(&*f, i, f.flags(i), &opts, &mut out)?;
//! drop(out);
//!
//! // `inc` / autoinc: new messages are numbered after the old ones.
//! let new = f.incorporate(&LockOptions::default(), &mut io::stderr())?;
//! if new == 0 {
//!     println!("No new mail.");
//! }
//!
//! // `quit` of the system mailbox: the engine prints "Saved ...",
//! // "Held ...", "New mail has arrived.".
//! let mut q = QuitOptions::new(true, PathBuf::from("/home/alice/mbox"));
//! q.hold = false; // from the `hold`, `keepsave`, `append` variables
//! if let Err(e) = f.quit(&q, &mut io::stdout(), &mut io::stderr()) {
//!     eprintln!("mail: {e}"); // the folder is left as it was
//! }
//! # Ok(())
//! # }
//! ```
//!
//! For a `-f` folder use `QuitOptions::new(false, mbox)`; quit then prints
//! `"name" complete` / `"name" truncated` (or nothing when no message
//! changed). Flag changes the commands make, from bsd-mailx:
//! `type`/`print`/`save` touch (`TOUCH`, plus `READ|STATUS` if unread);
//! `delete` sets `DELETED|TOUCH` and clears `PRESERVE|SAVED|MBOX`; `save`
//! sets `SAVED`; `preserve`/`hold` set `PRESERVE` and clear `MBOX`; `mbox`
//! sets `MBOX|TOUCH` (not `READ`) and clears `PRESERVE`.

use std::any::Any;
use std::fs;
use std::io::{self, BufRead, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::fields::{Headers, parse_headers};
use super::flags::MsgFlags;
use super::from_line::FromLine;
use super::lock::LockOptions;
use super::maildir::{
    Maildir, create as create_maildir, deliver, deliver_all, is_maildir, not_maildir,
};
use super::mbox::{LockedOpenError, Mailbox};
use super::msgid::Refs;
use super::render::{RenderOptions, render_message};
use super::write::{AppendOutcome, QuitOptions, QuitOutcome, WriteError, append_mbox};

/// The format of a folder.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FolderKind {
    /// A single file of messages separated by From_ lines.
    Mbox,
    /// A directory with `cur/`, `new/`, `tmp/`, one file per message.
    Maildir,
    /// A mailbox on an IMAP server (`imap://`, `imaps://`; src/imap).
    Imap,
}

/// An open mail folder, as read mode sees it (see the module documentation
/// for what each method promises). `Send + Sync`: the header summary of a
/// long list is made by two threads reading the same folder.
pub trait Folder: Send + Sync {
    /// The folder's format.
    fn kind(&self) -> FolderKind;
    /// The folder as named when it was opened.
    fn path(&self) -> &Path;
    /// True if the folder may not be changed (`[Read only]`).
    fn readonly(&self) -> bool;
    /// The folder as `Any`, for code that works with one format's own
    /// means (IMAP's server-side copy); None (the default) for the others.
    fn as_any(&self) -> Option<&dyn Any> {
        None
    }

    /// Number of messages.
    fn len(&self) -> usize;
    /// True if there are no messages.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The flags of message `i` (0-based).
    fn flags(&self, i: usize) -> MsgFlags;
    /// Mutable access to the flags of message `i`.
    fn flags_mut(&mut self, i: usize) -> &mut MsgFlags;
    /// Lines of message `i` as the header summary shows them.
    fn lines(&self, i: usize) -> u64;
    /// Bytes of message `i` as the header summary shows them.
    fn size(&self, i: usize) -> u64;
    /// Bytes [`Folder::open_message`] hands out for message `i` (envelope
    /// line included); default: [`Folder::size`] (mbox, where they agree).
    fn content_len(&self, i: usize) -> u64 {
        self.size(i)
    }

    /// Sender and date text of message `i`'s envelope line.
    fn envelope(&self, i: usize) -> io::Result<FromLine>;
    /// Message `i`'s envelope line and header block, up to the empty line
    /// (LF line ends), as [`header_fields`](super::header_fields) reads it.
    fn header_block(&self, i: usize) -> io::Result<Vec<u8>>;
    /// [`Folder::header_block`] and [`Folder::envelope`] together: what a
    /// header summary line needs (a format may read them at once).
    fn header_block_and_envelope(&self, i: usize) -> io::Result<(Vec<u8>, FromLine)> {
        Ok((self.header_block(i)?, self.envelope(i)?))
    }
    /// What a header summary line reads of message `i`: the envelope and
    /// a header block (envelope line first) that holds at least the
    /// fields of `kept::SUMMARY_FIELDS` as `header_block` would give them.
    /// Default: [`header_block_and_envelope`](Folder::header_block_and_envelope);
    /// an mbox answers from the fields its scan kept, a Maildir from its
    /// header cache.
    fn summary_headers(&self, i: usize) -> io::Result<(Vec<u8>, FromLine)> {
        self.header_block_and_envelope(i)
    }
    /// [`summary_headers`](Folder::summary_headers) into `block` and
    /// `from` (their old contents replaced): no allocation for a message
    /// the folder keeps, once the buffers are big enough (a listing or a
    /// sort reads every message this way). Default: `summary_headers`.
    fn summary_headers_into(
        &self,
        i: usize,
        block: &mut Vec<u8>,
        from: &mut FromLine,
    ) -> io::Result<()> {
        (*block, *from) = self.summary_headers(i)?;
        Ok(())
    }
    /// Message `i`'s thread links (the [`Refs`] of its
    /// `kept::THREAD_FIELDS`) when the folder has them without reading
    /// the message (an mbox from its scan, a Maildir from its header
    /// cache); None: read them from the header block. Default: None.
    fn thread_refs(&self, _i: usize) -> Option<Refs> {
        None
    }
    /// A sort or thread is about to read every message's
    /// [`summary_headers`](Folder::summary_headers) and
    /// [`thread_refs`](Folder::thread_refs): keep them now if that is
    /// cheaper than reading them one by one (an mbox too big to keep them
    /// at open reads every header block once, by two threads). Default:
    /// nothing.
    fn keep_summaries(&mut self) {}
    /// Keeps what was learnt about the folder for the next session
    /// (Maildir: the header cache) when the session ends without `quit`
    /// (`exit`). Default: nothing.
    fn keep_cache(&mut self) {}
    /// The header fields of message `i`, unfolded.
    fn headers(&self, i: usize) -> io::Result<Headers> {
        Ok(parse_headers(&self.header_block(i)?))
    }
    /// A reader over message `i`: envelope line, headers, empty line, body,
    /// LF line ends.
    fn open_message(&self, i: usize) -> io::Result<Box<dyn BufRead + '_>>;
    /// Message `i`'s bytes (as [`Folder::open_message`] gives them) in memory.
    fn raw_message(&self, i: usize) -> io::Result<Vec<u8>> {
        let mut v = Vec::with_capacity(self.content_len(i) as usize);
        self.open_message(i)?.read_to_end(&mut v)?;
        Ok(v)
    }

    /// Replaces message `i` (`edit`): `content` is the whole message,
    /// envelope line first, LF line ends. Recounts lines and size, sets
    /// `MODIFY`; the folder is changed at `quit`.
    fn replace_message(&mut self, i: usize, content: Vec<u8>);
    /// Takes in mail that arrived since the folder was read (`inc`,
    /// autoinc); returns the number of new messages, numbered after the
    /// others. `lock` is used by formats that lock (mbox).
    fn incorporate(
        &mut self,
        lock: &LockOptions,
        warn: &mut dyn Write,
    ) -> Result<usize, LockedOpenError>;
    /// `autoinc`: true if new mail should be looked for before this
    /// prompt (a format that must ask a server may say no until it is
    /// worth a round trip). Default: always.
    fn poll_due(&self) -> bool {
        true
    }
    /// Ends the session: each message's fate from its flags, the mbox file,
    /// the folder written back; bsd-mailx's messages to `out`, warnings to
    /// `warn`. A read-only folder is left alone. On error the folder is
    /// unchanged.
    fn quit(
        &mut self,
        opts: &QuitOptions<'_>,
        out: &mut dyn Write,
        warn: &mut dyn Write,
    ) -> Result<QuitOutcome, WriteError>;
}

impl From<Mailbox> for Box<dyn Folder> {
    fn from(mb: Mailbox) -> Self {
        Box::new(mb)
    }
}

/// Opens `path` as a folder of whatever format it is: the one place that
/// chooses the implementation. A directory with `cur/`, `new/` and `tmp/`
/// is a Maildir (files in it that cannot be read are reported on stderr
/// and left out); any other directory is an error saying it is not a
/// Maildir; everything else is an mbox. Errors are plain `io::Error`s
/// whose `strerror` text is what bsd-mailx prints (`No such file or
/// directory`, `Invalid argument`). Nothing is created or changed.
pub fn open_folder(path: &Path) -> io::Result<Box<dyn Folder>> {
    if fs::metadata(path).is_ok_and(|m| m.is_dir()) {
        if !is_maildir(path) {
            return Err(not_maildir());
        }
        return Ok(Box::new(Maildir::open(path, &mut io::stderr())?));
    }
    Ok(Box::new(Mailbox::open(path)?))
}

/// Appends messages `which` (0-based) of `src` (any format) to the folder
/// `path` (`save`, `copy`, `write`), each rendered with `opts`
/// (bsd-mailx's `save`/`copy` use the `saveignore` filter, `write` uses
/// `ignore_all`): the one place that chooses how by the target's format.
/// A Maildir gets each message delivered (see `maildir`); a missing
/// target whose name ends in `/`, or any missing target when
/// `new_maildir` (`newfolders=maildir`), is created as a Maildir; any
/// other directory is an error; else an mbox file (created if missing).
/// On a write error nothing partial is left. Flags are not changed: the
/// caller touches the messages (before rendering, as bsd-mailx does) and
/// sets `SAVED`.
pub fn append_messages(
    src: &dyn Folder,
    which: &[usize],
    path: &Path,
    opts: &RenderOptions<'_>,
    new_maildir: bool,
) -> Result<AppendOutcome, WriteError> {
    let err = |e| WriteError::Io(path.to_path_buf(), e);
    let mut new_file = false;
    match fs::metadata(path) {
        Err(e)
            if e.kind() == io::ErrorKind::NotFound
                && (new_maildir || path.as_os_str().as_bytes().ends_with(b"/")) =>
        {
            create_maildir(path).map_err(err)?;
            new_file = true;
        }
        Ok(m) if m.is_dir() && !is_maildir(path) => return Err(err(not_maildir())),
        _ => {}
    }
    if !is_maildir(path) {
        return append_mbox(src, which, path, opts);
    }
    let bytes = if opts.ignore_all {
        // `write`: the bodies only, as one message.
        let mut v = Vec::new();
        for &i in which {
            render_message(src, i, src.flags(i), opts, &mut v).map_err(err)?;
        }
        deliver(path, Some("S"), &v).map_err(err)?;
        v.len() as u64
    } else {
        deliver_all(src, which, path, opts.ignore).map_err(err)?
    };
    Ok(AppendOutcome { new_file, bytes })
}
