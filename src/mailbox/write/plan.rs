//! The fate of each message when a folder is closed, with bsd-mailx's
//! rules (`quit()` and `edstop()` in quit.c): which messages go to the mbox
//! file, which stay, and whether anything needs writing at all. Works on
//! the flags alone (through [`Folder`]), so every folder format shares it.

use crate::mailbox::flags::MsgFlags;
use crate::mailbox::folder::Folder;

/// What [`plan_system`] decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct SystemPlan {
    /// Messages marked `MBOX` (to be moved to the mbox file).
    pub(crate) to_mbox: usize,
    /// Messages marked `PRESERVE` (to stay in the system mailbox).
    pub(crate) held: usize,
    /// Nothing to write: every message stays, none was edited and no
    /// status changed.
    pub(crate) unchanged: bool,
}

/// bsd-mailx's `quit()` for the system mailbox: new messages become old
/// (`STATUS`), untouched ones are preserved, the rest go to mbox (or, with
/// `hold`, stay) unless deleted, saved (without `keepsave`) or already
/// decided. Updates the flags; returns the counts.
pub(crate) fn plan_system(mb: &mut dyn Folder, hold: bool, keepsave: bool) -> SystemPlan {
    let mut anystat = 0;
    let holdbit = if hold {
        MsgFlags::PRESERVE
    } else {
        MsgFlags::MBOX
    };
    let mut nohold = MsgFlags::MBOX | MsgFlags::SAVED | MsgFlags::DELETED | MsgFlags::PRESERVE;
    if keepsave {
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
    SystemPlan {
        to_mbox: c,
        held: p,
        unchanged: p == n && modify == 0 && anystat == 0,
    }
}

/// After [`plan_system`]: does the message go to the mbox file?
pub(crate) fn to_mbox(f: MsgFlags) -> bool {
    f.contains(MsgFlags::MBOX)
}

/// After [`plan_system`]: does the message stay in the system mailbox?
pub(crate) fn keep_in_system(f: MsgFlags) -> bool {
    f.contains(MsgFlags::PRESERVE) || !f.contains(MsgFlags::TOUCH)
}

/// bsd-mailx's `edstop()` for a `-f` folder: new messages become old
/// (`STATUS`). Returns true when the folder must be written back (some
/// message was edited, deleted or changed status).
pub(crate) fn plan_edit(mb: &mut dyn Folder) -> bool {
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
    gotcha > 0
}

/// After [`plan_edit`]: does the message stay in the folder?
pub(crate) fn keep_in_folder(f: MsgFlags) -> bool {
    !f.contains(MsgFlags::DELETED)
}
