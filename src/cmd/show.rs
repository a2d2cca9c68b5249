//! Showing messages and summaries: `next`, `print`/`type`, `Print`/`Type`,
//! `more`, `More`, `pipe`, `top`, `size`, `from`, `headers`, `z`, `=`.

use super::on_state;
use crate::interp::{Args, CmdResult, Ctx};
use crate::outln;
use crate::read::{show, summary};

pub fn next(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::next(s, st, a.msgs()))
}

pub fn print(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), true, false))
}

pub fn print_all(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), false, false))
}

pub fn more(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), true, true))
}

pub fn more_all(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::type1(s, st, a.msgs(), false, true))
}

pub fn pipe(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::pipe(s, st, a.msgs(), a.text()))
}

pub fn top(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| show::top(s, st, a.msgs()))
}

pub fn size(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |_, st| show::size(st, a.msgs()))
}

pub fn from(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| {
        summary::from(s, st, a.msgs());
        true
    })
}

pub fn headers(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| summary::headers(s, st, a.msgs()))
}

pub fn scroll(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| summary::scroll(s, st, a.text()))
}

/// `=`: the current message's number.
pub fn pdot(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    on_state(cx, |_, st| {
        outln!("{}", st.dot + 1);
        true
    })
}
