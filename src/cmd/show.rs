//! Showing messages and summaries: `next`, `print`/`type`, `Print`/`Type`,
//! `more`, `More`, `pipe`, `top`, `size`, `from`, `headers`, `z`, `=`.

use super::on_state;
use crate::interp::{Args, CmdResult, Ctx};
use crate::outln;
use crate::read::{show, summary};

pub(crate) fn next(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::next(s, st, a.msgs()))
}

pub(crate) fn print(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), true, false))
}

pub(crate) fn print_all(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), false, false))
}

pub(crate) fn more(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), true, true))
}

pub(crate) fn more_all(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), false, true))
}

pub(crate) fn pipe(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::pipe(s, st, a.msgs(), a.text()))
}

pub(crate) fn top(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::top(s, st, a.msgs()))
}

pub(crate) fn size(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |_, st| show::size(st, a.msgs()))
}

pub(crate) fn from(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| {
        summary::from(s, st, a.msgs());
        true
    })
}

pub(crate) fn headers(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| summary::headers(s, st, a.msgs()))
}

pub(crate) fn scroll(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| summary::scroll(s, st, a.text()))
}

/// `=`: the current message's number.
pub(crate) fn pdot(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    on_state(cx, |_, st| {
        outln!("{}", st.dot + 1);
        true
    })
}
