//! Composing from read mode: `reply`/`respond`, `Reply`/`Respond`,
//! `followup`/`Followup`, `mail`. `read::reply` works out the draft from
//! the message; the composer collects the body (running `~:` commands and
//! `~m` quotes through the interpreter) and sends.

use crate::compose::{self, Draft};
use crate::interp::{Args, CmdResult, ComposeHost, Ctx};
use crate::mailbox::MsgFlags;
use crate::read;
use crate::read::ReadState;
use crate::read::reply::{self, Reply};
use crate::session::Session;

/// Works out a draft on the open folder, then composes and sends it; the
/// messages `msgs` (1-based) are marked answered when it was sent.
fn reply_with(
    cx: &mut Ctx<'_>,
    msgs: &[usize],
    plan: impl FnOnce(&Session, &mut ReadState) -> Reply,
) -> CmdResult {
    if cx.rd.is_none() {
        *cx.rd = read::placeholder();
    }
    let Some(st) = cx.rd.as_mut() else {
        return CmdResult::Error;
    };
    match plan(cx.s, st) {
        Reply::Compose(draft) => {
            let r = send(cx, *draft);
            if matches!(r, CmdResult::Ok)
                && let Some(st) = cx.rd.as_mut().filter(|st| !st.placeholder)
            {
                let n = st.count();
                for &m in msgs.iter().filter(|&&m| m >= 1 && m <= n) {
                    st.flags_mut(m - 1)
                        .insert(MsgFlags::ANSWERED | MsgFlags::STATUS);
                }
            }
            r
        }
        Reply::Nothing => CmdResult::Ok,
        Reply::Failed => CmdResult::Error,
    }
}

fn send(cx: &mut Ctx<'_>, draft: Draft) -> CmdResult {
    let mut host = ComposeHost { rd: cx.rd };
    CmdResult::from_ok(compose::compose_and_send(cx.s, &mut host, draft))
}

pub(crate) fn reply(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    reply_with(cx, a.msgs(), |s, st| reply::respond(s, st, a.msgs()))
}

pub(crate) fn reply_senders(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    reply_with(cx, a.msgs(), |s, st| {
        reply::respond_capital(s, st, a.msgs())
    })
}

pub(crate) fn followup(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    reply_with(cx, a.msgs(), |s, st| {
        reply::followup(s, st, a.msgs(), false)
    })
}

pub(crate) fn followup_all(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    reply_with(cx, a.msgs(), |s, st| reply::followup(s, st, a.msgs(), true))
}

pub(crate) fn mail(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    send(cx, reply::mail(a.text()));
    CmdResult::Ok
}
