//! Commands that change messages' flags (bsd-mailx's rules for each):
//! `touch`, `mbox`, `preserve`/`hold`, `delete`, `dp`/`dt`, `undelete`,
//! `unread`, `new`, `flag`/`unflag`.

use super::{on_state, with_state};
use crate::interp::{Args, CmdResult, Ctx};
use crate::mailbox::MsgFlags;
use crate::outln;
use crate::read::msglist::{self, MsgReq};
use crate::read::{ReadState, show};

/// Sets and clears flags on each listed message, moving dot along.
fn mark(cx: &mut Ctx<'_>, msgs: &[usize], add: MsgFlags, clear: MsgFlags) -> CmdResult {
    with_state(cx, |_, st| {
        for &m in msgs {
            st.dot = m - 1;
            let f = st.flags_mut(m - 1);
            f.remove(clear);
            f.insert(add);
        }
        CmdResult::Ok
    })
}

pub(crate) fn touch(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    mark(cx, a.msgs(), MsgFlags::TOUCH, MsgFlags::PRESERVE)
}

pub(crate) fn mbox(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    mark(
        cx,
        a.msgs(),
        MsgFlags::TOUCH | MsgFlags::MBOX,
        MsgFlags::PRESERVE,
    )
}

pub(crate) fn unread(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    mark(
        cx,
        a.msgs(),
        MsgFlags::STATUS,
        MsgFlags::READ | MsgFlags::TOUCH,
    )
}

pub(crate) fn new(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    mark(
        cx,
        a.msgs(),
        MsgFlags::NEW | MsgFlags::STATUS,
        MsgFlags::MBOX | MsgFlags::READ | MsgFlags::TOUCH,
    )
}

/// `flag` (s-nail's): marks messages flagged (Maildir's `F`; an mbox
/// does not keep it).
pub(crate) fn flag(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    mark(
        cx,
        a.msgs(),
        MsgFlags::FLAGGED | MsgFlags::STATUS,
        MsgFlags::empty(),
    )
}

/// `unflag` (s-nail's): clears the flagged mark.
pub(crate) fn unflag(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    mark(cx, a.msgs(), MsgFlags::STATUS, MsgFlags::FLAGGED)
}

pub(crate) fn preserve(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    with_state(cx, |_, st| {
        if st.edit {
            outln!("Cannot \"preserve\" in edit mode");
            return CmdResult::Error;
        }
        for &m in a.msgs() {
            let f = st.flags_mut(m - 1);
            f.insert(MsgFlags::PRESERVE);
            f.remove(MsgFlags::MBOX);
            st.dot = m - 1;
        }
        CmdResult::Ok
    })
}

pub(crate) fn delete(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    with_state(cx, |_, st| {
        delm(st, a.msgs());
        CmdResult::Ok
    })
}

/// `dp`/`dt`: delete, then print the next message.
pub(crate) fn delete_print(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| {
        let lastdot = st.dot + 1;
        if delm(st, a.msgs()) {
            let d = st.dot + 1;
            // "After" in display order (file order unless sorted).
            if st.order.pos(d - 1) > st.order.pos(lastdot - 1) {
                st.touch(d - 1);
                return show::type1(s, st, &[d], true, false);
            }
            outln!("At EOF");
        } else {
            outln!("No more messages");
        }
        true
    })
}

pub(crate) fn undelete(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    with_state(cx, |_, st| {
        let n = st.count();
        for &m in a.msgs().iter().take(n) {
            st.touch(m - 1);
            st.dot = m - 1;
            st.flags_mut(m - 1).remove(MsgFlags::DELETED);
        }
        CmdResult::Ok
    })
}

/// bsd-mailx's `delm`: deletes, then moves dot to the first undeleted
/// message from the last deleted one on. Returns false when none is left.
fn delm(st: &mut ReadState, msgs: &[usize]) -> bool {
    let Some(&last) = msgs.last() else {
        return false;
    };
    for &m in msgs {
        st.touch(m - 1);
        let f = st.flags_mut(m - 1);
        f.insert(MsgFlags::DELETED | MsgFlags::TOUCH);
        f.remove(MsgFlags::PRESERVE | MsgFlags::SAVED | MsgFlags::MBOX);
    }
    st.dot = last - 1;
    match msglist::first(st, MsgReq::NotDeleted) {
        Some(m) => {
            st.dot = m - 1;
            true
        }
        None => {
            st.dot = 0;
            false
        }
    }
}
