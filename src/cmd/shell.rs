//! The shell from the command loop: `!command` (with bsd-mailx's `!`
//! history expansion) and `sh`/`shell` (an interactive shell), and how a
//! child's failure is reported.

use crate::child::{self, report_child};
use crate::interp::{Args, CmdResult, Ctx};
use crate::session::Session;
use crate::{outln, output, util};

/// `!command` typed as a command (`shell` in the table).
pub(crate) fn bang(cx: &mut Ctx<'_>, a: Args) -> CmdResult {
    shell_escape(cx.s, a.text());
    CmdResult::Ok
}

/// `sh`: an interactive shell.
pub(crate) fn interactive(cx: &mut Ctx<'_>, _: Args) -> CmdResult {
    let shell = cx.s.shell();
    if let Err(e) = child::run_program(&shell) {
        util::warn(&shell, &e);
    }
    outln!();
    CmdResult::Ok
}

/// `!command`: `!` in the command is the previous command (`\!` a literal `!`);
/// the command runs under `$SHELL -c`, and `!` is printed afterwards.
pub(crate) fn shell_escape(s: &mut Session, cmd: &str) {
    let Some(cmd) = bang_expand(s, cmd) else {
        return;
    };
    let shell = s.shell();
    report_child(child::run_shell(&shell, &cmd), &shell);
    outln!("!");
}

/// bsd-mailx's bangexp: unescaped `!` becomes the last shell command.
pub(crate) fn bang_expand(s: &mut Session, cmd: &str) -> Option<String> {
    let mut out = String::new();
    let mut changed = false;
    let mut chars = cmd.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '!' {
            out.push_str(&s.last_bang);
            changed = true;
            continue;
        }
        if c == '\\' && chars.peek() == Some(&'!') {
            chars.next();
            out.push('!');
            changed = true;
            continue;
        }
        out.push(c);
    }
    if changed {
        outln!("!{out}");
        output::flush();
    }
    s.last_bang = out.clone();
    Some(out)
}
