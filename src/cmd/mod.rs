//! The commands' handlers, by family; each row of the command table
//! (`interp::table`) names one of them. A handler gets the interpreter's
//! [`Ctx`] (the session and, in read mode, the open folder's state) and the
//! arguments parsed by the row's kind; the work on a folder lives in `read`.
//!
//! - `settings`: commands valid in every mode (set, alias, ignore, if, source...);
//! - `shell`: `!`, `sh`;
//! - `show`: showing messages and summaries (print, top, from, headers, z, =...);
//! - `mark`: flags (delete, undelete, preserve, touch, mbox, unread, new);
//! - `folder`: files and folders (save, copy, write, Save, Copy, file, folders, inc, quit);
//! - `reply`: composing from read mode (reply, Reply, followup, mail);
//! - `edit`: edit, visual, attachments, detach;
//! - `sort`: sort, unsort, thread, unthread, collapse, uncollapse.

pub(crate) mod edit;
pub(crate) mod folder;
pub(crate) mod mark;
pub(crate) mod reply;
pub(crate) mod settings;
pub(crate) mod shell;
pub(crate) mod show;
pub(crate) mod sort;

use crate::interp::{CmdResult, Ctx};
use crate::read::{self, ReadState};
use crate::session::Session;

/// Runs a read-mode handler's body on the open folder's state; before a
/// folder is open (a command from an rc file), on an empty stand-in, as
/// bsd-mailx answers with no messages.
fn with_state(
    cx: &mut Ctx<'_>,
    f: impl FnOnce(&mut Session, &mut ReadState) -> CmdResult,
) -> CmdResult {
    if cx.rd.is_none() {
        *cx.rd = read::placeholder();
    }
    match cx.rd.as_mut() {
        Some(st) => f(cx.s, st),
        None => CmdResult::Error,
    }
}

/// `with_state` for bodies that report success as a flag.
fn on_state(cx: &mut Ctx<'_>, f: impl FnOnce(&mut Session, &mut ReadState) -> bool) -> CmdResult {
    with_state(cx, |s, st| CmdResult::from_ok(f(s, st)))
}
