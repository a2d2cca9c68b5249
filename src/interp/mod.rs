//! The command interpreter: one command line at a time, it scans the command
//! word (`lex`), finds the row in the command table (`table`), checks the
//! row's flags against the mode (sending, sourcing, read-only, `~:`), parses
//! the arguments by the row's kind (message lists with bsd-mailx's default
//! rule) and calls the row's handler with a [`Ctx`]. Also the sources of
//! command lines (`source`: rc files, `source`, the `& ` prompt in
//! `prompt`), the grouped `help` text (`help`) and the read-mode entry point
//! (`read_loop`).
//!
//! `interp` and `cmd` depend on each other, by design: the table's rows
//! carry `cmd`'s handlers, and `source`/`~:` handlers run the interpreter
//! again (docs/ARCHITECTURE.md, "Cycles").

mod help;
mod prompt;
pub(crate) mod read_loop;
pub(crate) mod source;
pub mod table;

use crate::compose;
use crate::lex;
use crate::mailbox::MsgFlags;
use crate::outln;
use crate::read::msglist::{self, ListKind, MsgReq};
use crate::read::{ReadState, quote, show};
use crate::session::{Cond, Session};
use table::{ArgKind, Command, flags};

use crate::cmd;
pub(crate) use help::help_text;
pub use source::load;
pub(crate) use source::source;

/// What a handler works on: the session and, in read mode, the open
/// folder's state (`None` while sending; a placeholder with no messages for
/// read-mode commands run from an rc file before the folder is open).
pub struct Ctx<'a> {
    pub s: &'a mut Session,
    pub rd: &'a mut Option<ReadState>,
}

/// A command's handler, carried by its row in the table.
pub type Handler = fn(&mut Ctx<'_>, Args) -> CmdResult;

/// Parsed arguments, by the command's argument kind.
#[derive(Debug, Clone)]
pub enum Args {
    Raw(Vec<String>),
    Str(String),
    None,
    /// Message numbers (1-based).
    Msgs(Vec<usize>),
    /// Message numbers and the rest of the line.
    MsgsStr(Vec<usize>, String),
}

impl Args {
    /// The message numbers (empty for other kinds).
    pub fn msgs(&self) -> &[usize] {
        match self {
            Args::Msgs(v) | Args::MsgsStr(v, _) => v,
            _ => &[],
        }
    }
    /// The string argument (empty for other kinds).
    pub fn text(&self) -> &str {
        match self {
            Args::Str(t) | Args::MsgsStr(_, t) => t,
            _ => "",
        }
    }
    /// The words of a raw list (empty for other kinds).
    pub fn words(&self) -> &[String] {
        match self {
            Args::Raw(w) => w,
            _ => &[],
        }
    }
}

/// A handler's result, as bsd-mailx's 0 / 1 / -1.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CmdResult {
    Ok,
    Error,
    /// Leave the command loop.
    Quit,
}

impl CmdResult {
    /// `Ok` or `Error` from a success flag.
    pub fn from_ok(ok: bool) -> CmdResult {
        if ok { CmdResult::Ok } else { CmdResult::Error }
    }
}

/// What the caller of `execute` should do next.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    Continue,
    /// Leave the command loop (quit, or an error while loading an rc file).
    Stop,
}

/// Context of a command line: typed at the prompt, or from `~:` while composing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    Command,
    Compose,
}

/// Executes one command line. Mirrors bsd-mailx's execute(): the returned
/// `Flow::Stop` ends the loop (quit, or an error while loading).
pub(crate) fn execute(cx: &mut Ctx<'_>, line: &str, ctx: Context) -> Flow {
    let trimmed = line.trim_start_matches(|c: char| c.is_ascii_whitespace());
    if let Some(rest) = trimmed.strip_prefix('!') {
        if cx.s.sourcing > 0 {
            outln!("Can't \"!\" while sourcing");
            return error_flow(cx.s);
        }
        cmd::shell::shell_escape(cx.s, rest);
        return Flow::Continue;
    }
    let (word, rest) = lex::command_word(trimmed);
    let s = &mut *cx.s;
    if s.sourcing > 0 && word.is_empty() {
        return Flow::Continue;
    }
    let Some(cmd) = table::lookup(word) else {
        outln!("Unknown command: \"{word}\"");
        return error_flow(s);
    };
    if !cmd.has(flags::F)
        && ((s.cond == Cond::Receive && !s.rcvmode) || (s.cond == Cond::Send && s.rcvmode))
    {
        return Flow::Continue;
    }
    if !s.rcvmode && !cmd.has(flags::M) {
        outln!("May not execute \"{}\" while sending", cmd.name);
        return error_flow(s);
    }
    if s.sourcing > 0 && cmd.has(flags::I) {
        outln!("May not execute \"{}\" while sourcing", cmd.name);
        return error_flow(s);
    }
    if cmd.has(flags::W) && read_only(cx.rd) {
        outln!(
            "May not execute \"{}\" -- message file is read only",
            cmd.name
        );
        return error_flow(cx.s);
    }
    if ctx == Context::Compose && cmd.has(flags::R) {
        outln!("Cannot recursively invoke \"{}\"", cmd.name);
        return error_flow(cx.s);
    }
    let result = match parse_args(cx, cmd, rest) {
        Some(args) => (cmd.handler)(cx, args),
        None => CmdResult::Error,
    };
    match result {
        CmdResult::Ok => {
            after_command(cx, cmd);
            Flow::Continue
        }
        CmdResult::Error => error_flow(cx.s),
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

/// True when the open mailbox cannot be written.
fn read_only(rd: &Option<ReadState>) -> bool {
    rd.as_ref()
        .is_some_and(|st| !st.placeholder && st.readonly())
}

fn parse_args(cx: &mut Ctx<'_>, cmd: &Command, rest: &str) -> Option<Args> {
    match cmd.kind {
        ArgKind::RawList { min, max } => {
            let words = lex::getrawlist(rest);
            if words.len() < min {
                outln!("{} requires at least {} arg(s)", cmd.name, min);
                return None;
            }
            if words.len() > max {
                outln!("{} takes no more than {} arg(s)", cmd.name, max);
                return None;
            }
            Some(Args::Raw(words))
        }
        ArgKind::StrList => Some(Args::Str(rest.trim_start_matches([' ', '\t']).to_string())),
        ArgKind::NoList => Some(Args::None),
        ArgKind::MsgList | ArgKind::NdmList | ArgKind::MsgListStr => message_args(cx, cmd, rest),
    }
}

/// Parses the message list of a MSGLIST, NDMLIST or MSGLIST|STRLIST command,
/// applying the default message. None after an error (already printed).
fn message_args(cx: &mut Ctx<'_>, cmd: &Command, rest: &str) -> Option<Args> {
    let Some(st) = cx.rd.as_mut().filter(|st| !st.placeholder) else {
        outln!("Illegal use of \"message list\"");
        return None;
    };
    let searchheaders = cx.s.is_set("searchheaders");
    let kind = ListKind {
        want_deleted: cmd.msg == MsgReq::Deleted,
        takes_names: cmd.kind != ArgKind::MsgListStr,
    };
    if cmd.kind == ArgKind::MsgListStr {
        let cp = rest.trim_start_matches(|c: char| c.is_ascii_whitespace());
        let mut after = cp;
        let mut list = Vec::new();
        if cp.starts_with(|c: char| c.is_ascii_digit() || c == ':') {
            // bsd-mailx hands the whole rest of the line to the list parser,
            // then skips one word: `| 1 wc -l` fails on the `-l`.
            list = msglist::getmsglist(st, cp, &kind, searchheaders)?;
            let end = cp
                .find(|c: char| c.is_ascii_whitespace())
                .unwrap_or(cp.len());
            after = cp[end..].trim_start_matches(|c: char| c.is_ascii_whitespace());
        }
        or_first(st, cmd, &mut list)?;
        return Some(Args::MsgsStr(list, after.to_string()));
    }
    let mut list = msglist::getmsglist(st, rest, &kind, searchheaders)?;
    if cmd.kind == ArgKind::NdmList {
        return Some(Args::Msgs(list));
    }
    or_first(st, cmd, &mut list)?;
    Some(Args::Msgs(list))
}

/// An empty message list means the command's default message (bsd-mailx's
/// `first(f, m)`); with none, "No applicable messages" and `None`.
fn or_first(st: &ReadState, cmd: &Command, list: &mut Vec<usize>) -> Option<()> {
    if list.is_empty() {
        match msglist::first(st, cmd.msg) {
            Some(m) => list.push(m),
            None => {
                outln!("No applicable messages");
                return None;
            }
        }
    }
    Some(())
}

/// After a successful command: autoprint, and "a command was run" for `next`.
fn after_command(cx: &mut Ctx<'_>, cmd: &Command) {
    let s = &mut *cx.s;
    let Some(st) = cx.rd.as_mut() else {
        return;
    };
    if s.is_set("autoprint")
        && cmd.has(flags::P)
        && st.count() > 0
        && !st.flags(st.dot).contains(MsgFlags::DELETED)
    {
        let d = st.dot + 1;
        show::type1(s, st, &[d], true, false);
    }
    if s.sourcing == 0 && !cmd.has(flags::T) {
        st.sawcom = true;
    }
}

/// The composer's view of the interpreter: `~:`/`~_` run a command line,
/// `~m`/`~f` quote messages of the open folder (none while sending).
pub(crate) struct ComposeHost<'a> {
    pub rd: &'a mut Option<ReadState>,
}

impl compose::Host for ComposeHost<'_> {
    fn run_command(&mut self, s: &mut Session, line: &str) {
        let mut cx = Ctx { s, rd: self.rd };
        execute(&mut cx, line, Context::Compose);
    }

    fn quote(
        &mut self,
        s: &mut Session,
        list: &str,
        indent: bool,
        all_headers: bool,
    ) -> Option<Vec<u8>> {
        match self.rd.as_mut() {
            Some(st) => quote::interpolate(s, st, list, indent, all_headers),
            None => {
                outln!("No appropriate messages");
                None
            }
        }
    }
}
