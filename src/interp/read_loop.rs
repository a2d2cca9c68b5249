//! Read mode from start to end: open the folder (or only check for mail
//! with `-e`, or print the summary with `-H`), the banner and the header
//! screen, the command loop at the `& ` prompt, and the write-back at the
//! end of input.

use super::prompt::StdinSource;
use super::source::commands;
use super::{Context, Ctx, Flow};
use crate::cli::Options;
use crate::cmd::settings::VERSION;
use crate::read::{self, json, quit, setfile, summary};
use crate::term::signals;
use crate::{outln, output, util};

/// Read mode entry point.
pub(crate) fn read_mode(cx: &mut Ctx<'_>, opts: &Options, file: Option<String>) -> i32 {
    let ef = file.unwrap_or_else(|| "%".to_string());
    // POSIX -e: is there mail? Exit 0 if so, 1 if not; print nothing.
    if opts.mail_check {
        return match setfile::setfile(cx.s, cx.rd, &ef, true) {
            Ok(()) if cx.rd.as_ref().is_some_and(|st| st.count() > 0) => 0,
            _ => 1,
        };
    }
    if setfile::setfile(cx.s, cx.rd, &ef, false).is_err() {
        return 1;
    }
    let (s, Some(st)) = (&mut *cx.s, cx.rd.as_mut()) else {
        return 1;
    };
    if opts.headers_only {
        // POSIX -H: the header summary of every message; nothing changes.
        st.dot = usize::MAX;
        let all: Vec<usize> = (1..=st.count()).collect();
        if opts.json {
            json::print(st, &all);
        } else {
            summary::print_lines(s, st, &all, false);
        }
        return 0;
    }
    if !s.is_set("quiet") {
        outln!("Mail version {VERSION}.  Type ? for help.");
    }
    read::announce(s, st);
    output::flush();
    if s.interactive() {
        signals::install_interactive();
    }
    let mut src = StdinSource::new();
    if commands(cx, &mut src, Context::Command) == Flow::Continue
        && let Some(st) = cx.rd.as_mut()
    {
        quit::quit(cx.s, st);
    }
    // A failed write-back, save, dead.letter or record copy (reported when
    // it happened) makes the exit status 1; bsd-mailx exits 0.
    i32::from(util::write_failed())
}
