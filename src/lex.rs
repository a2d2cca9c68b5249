//! The command interpreter: reads command lines, scans the command word,
//! looks it up in the command table and hands its arguments, parsed by the
//! command's kind, to the handler. Also the shell-like word splitter
//! (`getrawlist`) and the source-file stack.

use crate::cmdtab::{self, ArgKind, Command, flags};
use crate::commands::{self, Args, CmdResult};
use crate::session::{Cond, Session};
use std::io::BufRead;

/// Characters that end the command word (so `p1` is `p 1`).
const WORD_END: &[u8] = b" \t0123456789$^.:/-+*'\"";

/// Splits a line into words the way bsd-mailx's getrawlist does: blanks
/// separate words, single or double quotes group (and inside quotes `\` escapes
/// and `^X` control notation apply); a backslash outside quotes is literal.
pub fn getrawlist(line: &str) -> Vec<String> {
    let b = line.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < b.len() && (b[i] == b' ' || b[i] == b'\t') {
            i += 1;
        }
        if i >= b.len() {
            break;
        }
        let mut w: Vec<u8> = Vec::new();
        let mut quote: u8 = 0;
        while i < b.len() {
            let c = b[i];
            i += 1;
            if quote != 0 {
                if c == quote {
                    quote = 0;
                } else if c == b'\\' {
                    if i >= b.len() {
                        w.push(b'\\');
                        continue;
                    }
                    let e = b[i];
                    i += 1;
                    match e {
                        b'0'..=b'7' => {
                            let mut v = e - b'0';
                            for _ in 0..2 {
                                if i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                                    v = v.wrapping_mul(8).wrapping_add(b[i] - b'0');
                                    i += 1;
                                }
                            }
                            w.push(v);
                        }
                        b'b' => w.push(8),
                        b'f' => w.push(12),
                        b'n' => w.push(b'\n'),
                        b'r' => w.push(b'\r'),
                        b't' => w.push(b'\t'),
                        b'v' => w.push(11),
                        other => w.push(other),
                    }
                } else if c == b'^' {
                    match b.get(i) {
                        Some(b'?') => {
                            w.push(127);
                            i += 1;
                        }
                        Some(&n) if (b'A'..=b'_').contains(&n) || n.is_ascii_lowercase() => {
                            w.push(n & 0o37);
                            i += 1;
                        }
                        _ => w.push(b'^'),
                    }
                } else {
                    w.push(c);
                }
            } else if c == b'"' || c == b'\'' {
                quote = c;
            } else if c == b' ' || c == b'\t' {
                break;
            } else {
                w.push(c);
            }
        }
        out.push(String::from_utf8_lossy(&w).into_owned());
    }
    out
}

/// What the caller of `execute` should do next.
#[derive(Debug, PartialEq, Eq)]
pub enum Flow {
    Continue,
    /// Leave the command loop (quit, or an error while loading an rc file).
    Stop,
}

/// Context of a command line: typed at the prompt, or from `~:` while composing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Context {
    Command,
    Compose,
}

/// Executes one command line. Mirrors bsd-mailx's execute(): the returned
/// `Flow::Stop` ends the loop (quit, or an error while loading).
pub fn execute(s: &mut Session, line: &str, ctx: Context) -> Flow {
    let trimmed = line.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if let Some(rest) = trimmed.strip_prefix('!') {
        if s.sourcing > 0 {
            crate::outln!("Can't \"!\" while sourcing");
            return error_flow(s);
        }
        commands::shell_escape(s, rest);
        return Flow::Continue;
    }
    let wlen = trimmed
        .bytes()
        .position(|c| WORD_END.contains(&c))
        .unwrap_or(trimmed.len());
    let word = &trimmed[..wlen];
    let rest = &trimmed[wlen..];
    if s.sourcing > 0 && word.is_empty() {
        return Flow::Continue;
    }
    let Some(cmd) = cmdtab::lookup(word) else {
        crate::outln!("Unknown command: \"{word}\"");
        return error_flow(s);
    };
    if !cmd.has(flags::F)
        && ((s.cond == Cond::Receive && !s.rcvmode) || (s.cond == Cond::Send && s.rcvmode))
    {
        return Flow::Continue;
    }
    if !s.rcvmode && !cmd.has(flags::M) {
        crate::outln!("May not execute \"{}\" while sending", cmd.name);
        return error_flow(s);
    }
    if s.sourcing > 0 && cmd.has(flags::I) {
        crate::outln!("May not execute \"{}\" while sourcing", cmd.name);
        return error_flow(s);
    }
    if cmd.has(flags::W) && commands::mailbox_read_only(s) {
        crate::outln!(
            "May not execute \"{}\" -- message file is read only",
            cmd.name
        );
        return error_flow(s);
    }
    if ctx == Context::Compose && cmd.has(flags::R) {
        crate::outln!("Cannot recursively invoke \"{}\"", cmd.name);
        return error_flow(s);
    }
    let result = match parse_args(s, cmd, rest) {
        Some(args) => commands::dispatch(s, cmd, args),
        None => CmdResult::Error,
    };
    match result {
        CmdResult::Ok => {
            commands::after_command(s, cmd);
            Flow::Continue
        }
        CmdResult::Error => error_flow(s),
        CmdResult::Quit => Flow::Stop,
    }
}

fn error_flow(s: &mut Session) -> Flow {
    if s.loading {
        return Flow::Stop;
    }
    if s.sourcing > 0 {
        s.abort_source = true;
    }
    Flow::Continue
}

fn parse_args(s: &mut Session, cmd: &Command, rest: &str) -> Option<Args> {
    match cmd.kind {
        ArgKind::RawList { min, max } => {
            let words = getrawlist(rest);
            if words.len() < min {
                crate::outln!("{} requires at least {} arg(s)", cmd.name, min);
                return None;
            }
            if words.len() > max {
                crate::outln!("{} takes no more than {} arg(s)", cmd.name, max);
                return None;
            }
            Some(Args::Raw(words))
        }
        ArgKind::StrList => Some(Args::Str(rest.trim_start_matches([' ', '\t']).to_string())),
        ArgKind::NoList => Some(Args::None),
        ArgKind::MsgList | ArgKind::NdmList | ArgKind::MsgListStr => {
            commands::parse_message_args(s, cmd, rest)
        }
    }
}

/// A source of command lines.
pub trait LineSource {
    /// Work before the prompt of a new command (not a continuation line).
    fn before_prompt(&mut self, _s: &mut Session) {}
    /// The next line without its newline, or None at end of input.
    fn next_line(&mut self, s: &mut Session) -> Option<String>;
}

/// Lines from any reader (an rc file, `source`d file, or non-interactive stdin).
pub struct ReaderSource<R: BufRead> {
    pub reader: R,
}

impl<R: BufRead> LineSource for ReaderSource<R> {
    fn next_line(&mut self, _s: &mut Session) -> Option<String> {
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
fn read_command(src: &mut dyn LineSource, s: &mut Session) -> Option<String> {
    let mut line = src.next_line(s)?;
    while line.ends_with('\\') {
        line.pop();
        line.push(' ');
        match src.next_line(s) {
            Some(more) => line.push_str(&more),
            None => break,
        }
    }
    Some(line)
}

/// Runs commands from a source until it ends or a command stops the loop.
/// Returns `Flow::Stop` when a command asked to quit.
pub fn commands(s: &mut Session, src: &mut dyn LineSource, ctx: Context) -> Flow {
    loop {
        if s.sourcing == 0 {
            src.before_prompt(s);
        }
        crate::output::flush();
        let Some(line) = read_command(src, s) else {
            return Flow::Continue;
        };
        if execute(s, &line, ctx) == Flow::Stop {
            return Flow::Stop;
        }
        if s.abort_source {
            return Flow::Continue;
        }
    }
}

/// Loads a start-up rc file: commands run until the first failing one.
/// A missing file is silently ignored.
pub fn load(s: &mut Session, path: &str) {
    let Ok(f) = std::fs::File::open(path) else {
        return;
    };
    let mut src = ReaderSource {
        reader: std::io::BufReader::new(f),
    };
    let (old_loading, old_sourcing) = (s.loading, s.sourcing);
    s.loading = true;
    s.sourcing = 1;
    let _ = commands(s, &mut src, Context::Command);
    s.loading = old_loading;
    s.sourcing = old_sourcing;
    s.abort_source = false;
}

/// The `source` command: run a file's commands; an error ends that file only.
pub fn source(s: &mut Session, path: &str) -> bool {
    if s.sourcing >= 20 {
        crate::outln!("Too much \"sourcing\" going on.");
        return false;
    }
    let f = match std::fs::File::open(path) {
        Ok(f) => f,
        Err(e) => {
            crate::output::err_line(&format!(
                "{}: {}: {}",
                crate::util::progname(),
                path,
                crate::util::strerror(&e)
            ));
            return false;
        }
    };
    let mut src = ReaderSource {
        reader: std::io::BufReader::new(f),
    };
    s.sourcing += 1;
    let flow = commands(s, &mut src, Context::Command);
    s.sourcing -= 1;
    s.abort_source = false;
    if s.sourcing == 0 && s.cond != Cond::Any {
        crate::outln!("Unmatched \"if\"");
        s.cond = Cond::Any;
    }
    flow != Flow::Stop
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rawlist_like_bsd() {
        assert_eq!(
            getrawlist(r#"a=b c "d e"=f g=h\ i=j  k="l m""#),
            vec!["a=b", "c", "d e=f", "g=h\\", "i=j", "k=l m"]
        );
        assert_eq!(getrawlist(r#""a\tb" '^A'"#), vec!["a\tb", "\u{1}"]);
        assert!(getrawlist("   ").is_empty());
    }
}
