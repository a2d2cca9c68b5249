//! Changing and taking apart messages: `edit`, `visual`, and the MIME
//! additions `attachments` and `detach`.

use super::on_state;
use crate::interp::{Args, CmdResult, Ctx};
use crate::read::{attach, edit as editor};

pub(crate) fn edit(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| editor::edit(s, st, a.msgs(), false))
}

pub(crate) fn visual(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| editor::edit(s, st, a.msgs(), true))
}

pub(crate) fn attachments(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |_, st| attach::attachments(st, a.msgs()))
}

pub(crate) fn detach(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| attach::detach(s, st, a.words()))
}
