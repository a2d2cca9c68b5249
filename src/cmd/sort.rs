//! Sorting and threads (s-nail's): `sort [criterion]`, `unsort`, `thread`,
//! `unthread`, `collapse`, `uncollapse`. The order itself lives in
//! `read::order`, the threads in `read::thread`.

use super::{on_state, with_state};
use crate::interp::{Args, CmdResult, Ctx};
use crate::outln;
use crate::output;
use crate::read::order::{self, SortKey};
use crate::read::{ReadState, summary};
use crate::session::Session;

/// The header screen holding the current message, after the order
/// changed (not with `noheader`, `-N`, as s-nail).
fn show(s: &mut Session, st: &mut ReadState) -> bool {
    if st.count() == 0 || s.is_set("noheader") {
        return true;
    }
    let d = st.dot + 1;
    summary::headers(s, st, &[d])
}

/// `sort`: shows the criterion; `sort criterion` sorts by it.
pub(crate) fn sort(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let word = a.words().first().cloned();
    with_state(cx, |s, st| {
        let Some(word) = word else {
            let name = st.order.key().map_or("unsorted", SortKey::name);
            outln!("Current sorting criterion is: {name}");
            return CmdResult::Ok;
        };
        let Some(key) = SortKey::parse(&word) else {
            output::err_line(&format!("Unknown sorting method: {word}"));
            return CmdResult::Error;
        };
        order::sort(st, key);
        CmdResult::from_ok(show(s, st))
    })
}

/// `thread` (s-nail's older name for `sort thread`).
pub(crate) fn thread(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    on_state(cx, |s, st| {
        order::sort(st, SortKey::Thread);
        show(s, st)
    })
}

/// `unsort`, `unthread`: back to file order.
pub(crate) fn unsort(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    on_state(cx, |s, st| {
        st.order.clear();
        show(s, st)
    })
}

/// `collapse`: hides the replies to the listed messages from the summary.
pub(crate) fn collapse(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    set_collapsed(cx, a.msgs(), true)
}

/// `uncollapse`: shows them again.
pub(crate) fn uncollapse(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    set_collapsed(cx, a.msgs(), false)
}

fn set_collapsed(cx: &mut Ctx<'_>, msgs: &[usize], on: bool) -> CmdResult {
    with_state(cx, |_, st| {
        let Some(t) = st.order.threads_mut() else {
            output::err_line("Not in threaded mode.");
            return CmdResult::Error;
        };
        for &m in msgs {
            t.set_collapsed(m - 1, on);
        }
        t.update_collapsed();
        CmdResult::Ok
    })
}
