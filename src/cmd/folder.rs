//! Files and folders: `save`, `copy`, `write`, the POSIX `Save`/`Copy`,
//! `file`/`folder`, `folders`, `inc`, `quit`.

use super::{on_state, with_state};
use crate::interp::{Args, CmdResult, Ctx};
use crate::read;
use crate::read::files::{self, Mode};
use crate::read::{quit as close, setfile};
use crate::{child, expand, imap, outln, util};

pub(crate) fn save(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| files::save1(s, st, a.text(), Mode::Save))
}

pub(crate) fn copy(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| files::save1(s, st, a.text(), Mode::Copy))
}

pub(crate) fn write(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| files::save1(s, st, a.text(), Mode::Write))
}

/// `Save`: to a file named after the sender.
pub(crate) fn save_by_sender(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| files::save_by_sender(s, st, a.msgs(), true))
}

/// `Copy`: to a file named after the sender.
pub(crate) fn copy_by_sender(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    on_state(cx, |s, st| files::save_by_sender(s, st, a.msgs(), false))
}

/// `file`/`folder`: with no argument the file info line, otherwise switch.
pub(crate) fn file(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    match a.words().first() {
        None => on_state(cx, |s, st| {
            setfile::fileinfo(s, st);
            true
        }),
        Some(name) => {
            if cx.rd.is_none() {
                *cx.rd = read::placeholder();
            }
            CmdResult::from_ok(setfile::switch(cx.s, cx.rd, name))
        }
    }
}

/// `folders`: `cd <folder dir>; $LISTER [args]` through the shell; when
/// `folder` is an IMAP URL, the server's folders (LIST), one a line.
pub(crate) fn folders(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    let s = &*cx.s;
    let dir = expand::folder_dir(s).unwrap_or_else(|| "$HOME".to_string());
    if imap::is_imap(&dir) {
        match imap::list_folders(s, &dir) {
            Ok(names) => {
                for n in names {
                    outln!("{n}");
                }
                return CmdResult::Ok;
            }
            Err(e) => {
                util::warnx(&e.to_string());
                return CmdResult::Error;
            }
        }
    }
    let lister = s.value("LISTER").unwrap_or("/bin/ls");
    let cmd = format!("cd {dir}; {lister} {}", a.text());
    let _ = child::run_shell(&s.shell(), &cmd);
    CmdResult::Ok
}

pub(crate) fn inc(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    on_state(cx, |s, st| setfile::inc(s, st))
}

pub fn quit(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    if cx.s.sourcing > 0 {
        // bsd-mailx: quit while sourcing ends that file only.
        return CmdResult::Error;
    }
    with_state(cx, |s, st| {
        close::quit(s, st);
        CmdResult::Quit
    });
    *cx.rd = None;
    CmdResult::Quit
}
