//! The mailbox engine: opening, indexing, locking and writing back mail
//! folders with bsd-mailx's rules. No command loop and no CLI here.
//!
//! Read mode talks to an open folder only through the [`Folder`] trait
//! (`folder`: what each method promises, and an example); [`Mailbox`] (mbox)
//! and [`Maildir`] implement it. [`open_folder`] and [`append_messages`]
//! are the two places that choose an implementation by format.
//!
//! One concern per file:
//!
//! | file | owns |
//! |---|---|
//! | `folder` | the [`Folder`] trait, [`open_folder`], [`append_messages`] |
//! | `maildir` | the [`Maildir`] type: recognition, scan, flags in names, delivery, quit |
//! | `mbox` | the [`Mailbox`] type: open, index, lazy reads, `edit`, `inc`, the unchanged-file check |
//! | `from_line` | From_ line parsing ([`FromLine`]) |
//! | `fields` | header fields ([`header_fields`], [`RawField`], [`Headers`]) |
//! | `scan` | the sequential mbox scanner (bsd-mailx's `setptr`) |
//! | `scan_parallel` | split points and one scanner thread per core |
//! | `pio` | positional reads (`pread`, EINTR retried) |
//! | `reader` | range and sequential readers, CRLF → LF |
//! | `hash` | FNV-1a, sampled-byte hashes, random names |
//! | `kept` | the summary and sort fields kept by the scan (up to a memory budget); the one list of them |
//! | `msgid` | message IDs and their hashes ([`Refs`]), kept by the scan for threads |
//! | `index_cache` | a verified cache of a big mbox's index (`~/.cache/mailx`) |
//! | `kept_cache` | a verified cache of the sort records of an mbox too big to keep them at open |
//! | `flags` | [`MsgFlags`] |
//! | `lock` | dotlock + fcntl lock ([`MailboxLock`]) |
//! | `render` | [`render_message`]: a message as bsd-mailx's `sendmessage` writes it |
//! | `write` | quit-time write-back ([`quit`], [`recover_interrupted`]) and appending to an mbox, split by job |
//!
//! # Design decisions
//!
//! * **Reading** uses the original file through one descriptor kept open
//!   for the session, and checks under the lock before writing back that it
//!   still holds what was indexed (see `mbox`).
//! * **Locking** (see `lock`): dotlock first, then an fcntl write lock, both
//!   with a timeout (30 s by default). When the directory is not writable
//!   (`/var/mail` for a user) the dotlock is made by `/usr/bin/dotlockfile`
//!   as Debian's liblockfile does; without it we keep only the fcntl lock and
//!   say so once on stderr. A `-f` folder gets only the fcntl lock.
//! * **Crash safety** (see `write`): the new content is built and fsynced
//!   before the mailbox is touched, then renamed over it or written in place
//!   behind a durable recovery file. Mail appended since the mailbox was
//!   read is always kept.
//! * **Compatibility choices that differ from bsd-mailx** (to lose no
//!   data): a non-blank preamble (text before the first From_ line) is kept
//!   on rewrite, where bsd-mailx drops it; NUL bytes are kept, where
//!   bsd-mailx cuts the rest of the line.

pub mod flags;
pub(crate) mod folder;
pub mod lock;
pub mod render;
pub(crate) mod write;

mod fields;
pub(crate) mod from_line;
pub(crate) mod hash;
pub(crate) mod index_cache;
mod kept;
mod kept_cache;
pub mod maildir;
mod mbox;
pub(crate) mod msgid;
mod pio;
mod reader;
mod scan;
mod scan_parallel;
#[cfg(test)]
pub(crate) mod testutil;

pub use fields::{Headers, RawField, header_fields};
pub use flags::MsgFlags;
pub use folder::{Folder, FolderKind, append_messages, open_folder};
pub use from_line::FromLine;
pub(crate) use kept::SUMMARY_FIELDS;
#[cfg(all(test, feature = "imap"))]
pub(crate) use kept::THREAD_FIELDS;
pub use lock::{LockError, LockOptions, MailboxLock};
pub use maildir::Maildir;
pub(crate) use maildir::set_cache_dir;
pub use mbox::{LockedOpenError, Mailbox, MsgEntry, NotMbox};
pub use msgid::Refs;
pub(crate) use msgid::refs_in_block;
pub use render::{RenderOptions, render_message};
pub use write::{
    AppendOutcome, QuitOptions, QuitOutcome, RewriteMethod, WriteError, quit, recover_interrupted,
};
