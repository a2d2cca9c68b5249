//! The mailbox engine: reading, indexing, locking and writing back mbox
//! files with bsd-mailx's rules. No command loop and no CLI here.
//!
//! # Public API
//!
//! * [`Mailbox::open`] / [`Mailbox::open_locked`] index a file (one pass,
//!   large `pread`s + `memchr`, split between threads on a big file; memory
//!   grows with the number of messages, not bytes). No memory map: a file
//!   truncated by another program would kill the session with SIGBUS, and a
//!   mapped scan measured no faster here (page-table work costs what the
//!   `pread` copy costs). [`Mailbox::entries`] gives a [`MsgEntry`] per message:
//!   offsets, `lines`/`size` exactly as the header summary's `%4d/%-5d`
//!   shows them, and [`MsgFlags`]. [`Mailbox::check_format`] reports a file
//!   that does not start with a From_ line (bsd-mailx shows `0 messages`).
//! * Lazy reads: [`Mailbox::from_line`] (sender and date text of the From_
//!   line), [`Mailbox::headers`] (unfolded fields, case-insensitive `get`,
//!   `hfield`), [`Mailbox::raw_message`] / [`Mailbox::write_raw_message`] /
//!   [`Mailbox::message_reader`] (bytes with CRLF → LF).
//! * [`Mailbox::flags_mut`] for the commands; [`Mailbox::replace_message`]
//!   for `edit`; [`Mailbox::incorporate_new`] /
//!   [`Mailbox::incorporate_new_locked`] for `inc` and autoinc.
//! * [`render_message`] writes a message as bsd-mailx's `sendmessage`
//!   does (header filter, regenerated `Status:`, `>From ` quoting, prefix,
//!   `ignore_all` for `write`).
//! * [`append_messages`] appends rendered messages to a folder (`save`,
//!   `copy`, `write`), cutting the file back if a write fails.
//! * [`quit`] with [`QuitOptions`] ends a session (system mailbox or `-f`
//!   folder, `hold`, `keepsave`, `append`, mbox path) and prints
//!   bsd-mailx's messages; [`recover_interrupted`] finishes an in-place
//!   rewrite cut by a crash.
//! * [`MailboxLock`] (fcntl + dotlock) for callers that need the lock
//!   themselves.
//!
//! # How the command loop uses it
//!
//! ```no_run
//! use std::io::{self, Write};
//! use std::path::PathBuf;
//! use mailx::mailbox::{
//!     LockOptions, Mailbox, MsgFlags, QuitOptions, RenderOptions, quit, render_message,
//! };
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let spool = PathBuf::from("/var/mail/alice");
//! let lock = LockOptions::default();
//! // Startup (system mailbox). bsd-mailx says "No mail for alice" (exit 1)
//! // when this has no messages.
//! let mut mb = Mailbox::open_locked(&spool, &lock, &mut io::stderr())?;
//!
//! // Header summary line for message i (0-based):
//! let i = 0;
//! let e = mb.entry(i);
//! let from_ = mb.from_line(i)?; // From_ line: sender word and date text
//! let h = mb.headers(i)?; // From:, Sender:, Subject:, To: ...
//! let sender = h.hfield("from").or_else(|| h.hfield("sender")).unwrap_or(from_.sender);
//! let date16 = &from_.date[..from_.date.len().min(16)];
//! let (lines, size, flags) = (e.lines, e.size, e.flags); // "%4d/%-5d"
//! let _ = (sender, date16, lines, size, flags);
//!
//! // `print`: touch, then render (pass the ignore list as a predicate).
//! let f = mb.flags_mut(i);
//! f.insert(MsgFlags::TOUCH);
//! if !f.contains(MsgFlags::READ) {
//!     f.insert(MsgFlags::READ | MsgFlags::STATUS);
//! }
//! let ignored = |name: &str| name == "received" || name == "status";
//! let opts = RenderOptions { ignore: Some(&ignored), ..Default::default() };
//! let mut out = io::stdout().lock();
//! writeln!(out, "Message {}:", i + 1)?;
//! render_message(&mb, i, mb.flags(i), &opts, &mut out)?;
//! drop(out);
//!
//! // `inc` / autoinc: new messages are numbered after the old ones.
//! let new = mb.incorporate_new_locked(&lock, &mut io::stderr())?;
//! if new == 0 {
//!     println!("No new mail.");
//! }
//!
//! // `quit`: the engine prints "Saved ...", "Held ...", "New mail has arrived.".
//! let mut q = QuitOptions::new(true, PathBuf::from("/home/alice/mbox"));
//! q.hold = false; // from the `hold`, `keepsave`, `append` variables
//! if let Err(e) = quit(&mut mb, &q, &mut io::stdout(), &mut io::stderr()) {
//!     eprintln!("mail: {e}"); // bsd-mailx still exits 0 after a lock failure
//! }
//! # Ok(())
//! # }
//! ```
//!
//! For a `-f` folder use `Mailbox::open` and `QuitOptions::new(false, mbox)`;
//! quit then prints `"name" complete` / `"name" truncated` (or nothing when
//! no message changed). Flag changes the commands make, from bsd-mailx:
//! `type`/`print`/`save` touch (`TOUCH`, plus `READ|STATUS` if unread);
//! `delete` sets `DELETED|TOUCH` and clears `PRESERVE|SAVED|MBOX`; `save`
//! sets `SAVED`; `preserve`/`hold` set `PRESERVE` and clear `MBOX`; `mbox`
//! sets `MBOX|TOUCH` (not `READ`) and clears `PRESERVE`.
//!
//! # Design decisions
//!
//! * **Reading** uses the original file through one descriptor kept open for
//!   the session (bsd-mailx copies it to `/tmp` instead). Before writing
//!   back we check, under the lock, that the inode is the same, the file did
//!   not shrink, every From_ line is still where it was and sampled bytes
//!   (64 every 64 KiB, and the last 64) are unchanged; otherwise nothing is
//!   written ([`WriteError::Changed`]). A change elsewhere that keeps the
//!   size and every From_ line (an in-place edit by another program between
//!   the samples) is not noticed. Drop the `Mailbox` after `quit`: its
//!   offsets describe the old file.
//! * **Locking** (see `lock`): dotlock first, then an fcntl write lock, both
//!   with a timeout (30 s by default). When the directory is not writable
//!   (`/var/mail` for a user) the dotlock is made by `/usr/bin/dotlockfile`
//!   as Debian's liblockfile does; without it we keep only the fcntl lock and
//!   say so once on stderr. A `-f` folder gets only the fcntl lock.
//! * **Crash safety** (see `write`): the new content is built and fsynced
//!   before the mailbox is touched. Writable directory: temporary file in the
//!   same directory + rename (owner, group and mode kept) + directory fsync.
//!   Otherwise: the new content goes to a durable recovery file first
//!   (`backup_dir`, by default `$HOME`), space is reserved with
//!   `fallocate`, and the mailbox is overwritten in place and truncated
//!   (never unlinked); [`recover_interrupted`] completes the job after a
//!   crash. Mail appended since the mailbox was read is always kept.
//! * **Compatibility choices that differ from bsd-mailx** (to lose no
//!   data): a non-blank preamble (text before the first From_ line) is kept
//!   on rewrite, where bsd-mailx drops it; NUL bytes are kept, where
//!   bsd-mailx cuts the rest of the line.

pub mod flags;
pub mod index;
pub mod lock;
pub mod render;
pub mod write;

pub use flags::MsgFlags;
pub use index::{
    FromLine, Headers, LockedOpenError, Mailbox, MsgEntry, NotMbox, RawField, header_fields,
};
pub use lock::{LockError, LockOptions, MailboxLock};
pub use render::{RenderOptions, render_message};
pub use write::{
    AppendOutcome, QuitOptions, QuitOutcome, RewriteMethod, WriteError, append_messages, quit,
    recover_interrupted,
};
