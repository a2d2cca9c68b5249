//! Where command lines come from: rc files (`load`), the `source` command,
//! any reader; the loop that runs them (`commands`), joining lines that end
//! in a backslash. The `& ` prompt's source is in `prompt`.

use super::{Context, Ctx, Flow, execute};
use crate::session::Cond;
use crate::{outln, output, util};
use std::fs::File;
use std::io::{BufRead, BufReader};

/// A source of command lines.
pub(crate) trait LineSource {
    /// Work before the prompt of a new command (not a continuation line).
    fn before_prompt(&mut self, _cx: &mut Ctx<'_>) {}
    /// The next line without its newline, or None at end of input.
    fn next_line(&mut self, cx: &mut Ctx<'_>) -> Option<String>;
}

/// Lines from any reader (an rc file, `source`d file, or non-interactive stdin).
pub(crate) struct ReaderSource<R: BufRead> {
    pub reader: R,
}

impl<R: BufRead> LineSource for ReaderSource<R> {
    fn next_line(&mut self, _cx: &mut Ctx<'_>) -> Option<String> {
        let mut buf = Vec::new();
        match self.reader.read_until(b'\n', &mut buf) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                if buf.last() == Some(&b'\n') {
                    buf.pop();
                }
                Some(String::from_utf8_lossy(&buf).into_owned())
            }
        }
    }
}

/// Reads a command, joining lines that end in a backslash.
fn read_command(src: &mut dyn LineSource, cx: &mut Ctx<'_>) -> Option<String> {
    let mut line = src.next_line(cx)?;
    while line.ends_with('\\') {
        line.pop();
        line.push(' ');
        match src.next_line(cx) {
            Some(more) => line.push_str(&more),
            None => break,
        }
    }
    Some(line)
}

/// Runs commands from a source until it ends or a command stops the loop.
/// Returns `Flow::Stop` when a command asked to quit.
pub(crate) fn commands(cx: &mut Ctx<'_>, src: &mut dyn LineSource, ctx: Context) -> Flow {
    loop {
        if cx.s.sourcing == 0 {
            src.before_prompt(cx);
        }
        output::flush();
        let Some(line) = read_command(src, cx) else {
            return Flow::Continue;
        };
        if execute(cx, &line, ctx) == Flow::Stop {
            return Flow::Stop;
        }
        if cx.s.abort_source {
            return Flow::Continue;
        }
    }
}

/// Loads a start-up rc file: commands run until the first failing one.
/// A missing file is silently ignored.
pub fn load(cx: &mut Ctx<'_>, path: &str) {
    let Ok(f) = File::open(path) else {
        return;
    };
    let mut src = ReaderSource {
        reader: BufReader::new(f),
    };
    let (old_loading, old_sourcing) = (cx.s.loading, cx.s.sourcing);
    cx.s.loading = true;
    cx.s.sourcing = 1;
    let _ = commands(cx, &mut src, Context::Command);
    cx.s.loading = old_loading;
    cx.s.sourcing = old_sourcing;
    cx.s.abort_source = false;
}

/// The `source` command: run a file's commands; an error ends that file only.
pub(crate) fn source(cx: &mut Ctx<'_>, path: &str) -> bool {
    if cx.s.sourcing >= 20 {
        outln!("Too much \"sourcing\" going on.");
        return false;
    }
    let f = match File::open(path) {
        Ok(f) => f,
        Err(e) => {
            output::err_line(&format!(
                "{}: {}: {}",
                util::progname(),
                path,
                util::strerror(&e)
            ));
            return false;
        }
    };
    let mut src = ReaderSource {
        reader: BufReader::new(f),
    };
    cx.s.sourcing += 1;
    let flow = commands(cx, &mut src, Context::Command);
    cx.s.sourcing -= 1;
    cx.s.abort_source = false;
    if cx.s.sourcing == 0 && cx.s.cond != Cond::Any {
        outln!("Unmatched \"if\"");
        cx.s.cond = Cond::Any;
    }
    flow != Flow::Stop
}
