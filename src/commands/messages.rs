//! Read-mode commands acting on the open mailbox: argument parsing for
//! message-list commands (the default-message rule and the `|` quirk), the
//! handlers routed here by `commands::dispatch`, the per-command bookkeeping
//! (autoprint, "a command was run"), the prompt, and `read_mode`, the entry
//! point that opens the mailbox and runs the command loop.
//!
//! The work itself lives in `crate::read` (one concern per module).

use super::{Args, CmdResult};
use crate::cmdtab::{ArgKind, CmdId, Command, MsgReq, flags};
use crate::lex::{self, LineSource};
use crate::mailbox::MsgFlags;
use crate::read::{self, files, msglist, quit, reply, setfile, show, summary};
use crate::session::Session;
use crate::term::lineedit::{Got, LineEditor, wanted};
use crate::term::signals::install_interactive;
use crate::term::stdin::{Line, read_line_fd0};
use crate::term::winsize::set_screen_size;

fn res(ok: bool) -> CmdResult {
    if ok { CmdResult::Ok } else { CmdResult::Error }
}

pub fn run(s: &mut Session, cmd: &Command, args: Args) -> CmdResult {
    // From an rc file before the mailbox is open: an empty stand-in.
    read::ensure_state(s);
    if s.read.is_none() {
        return CmdResult::Error;
    }
    let msgs = match &args {
        Args::Msgs(v) | Args::MsgsStr(v, _) => v.clone(),
        _ => Vec::new(),
    };
    let text = match &args {
        Args::Str(t) | Args::MsgsStr(_, t) => t.clone(),
        _ => String::new(),
    };
    let words = match &args {
        Args::Raw(w) => w.clone(),
        _ => Vec::new(),
    };
    use CmdId::*;
    match cmd.id {
        Next => res(show::next(s, &msgs)),
        Print | Type => res(show::type1(s, &msgs, true, false)),
        TypeAll => res(show::type1(s, &msgs, false, false)),
        More => res(show::type1(s, &msgs, true, true)),
        MoreAll => res(show::type1(s, &msgs, false, true)),
        Pipe => res(show::pipe(s, &msgs, &text)),
        Top => res(show::top(s, &msgs)),
        Size => res(show::size(s, &msgs)),
        Touch => mark(s, &msgs, MsgFlags::TOUCH, MsgFlags::PRESERVE),
        Mbox => mark(
            s,
            &msgs,
            MsgFlags::TOUCH | MsgFlags::MBOX,
            MsgFlags::PRESERVE,
        ),
        Preserve => {
            if read::state(s).edit {
                crate::outln!("Cannot \"preserve\" in edit mode");
                return CmdResult::Error;
            }
            for &m in &msgs {
                let st = read::state_mut(s);
                let f = st.flags_mut(m - 1);
                f.insert(MsgFlags::PRESERVE);
                f.remove(MsgFlags::MBOX);
                st.dot = m - 1;
            }
            CmdResult::Ok
        }
        Delete => {
            delm(s, &msgs);
            CmdResult::Ok
        }
        DeletePrint => {
            let lastdot = read::state(s).dot + 1;
            if delm(s, &msgs) {
                let st = read::state_mut(s);
                let d = st.dot + 1;
                if d > lastdot {
                    st.touch(d - 1);
                    return res(show::type1(s, &[d], true, false));
                }
                crate::outln!("At EOF");
            } else {
                crate::outln!("No more messages");
            }
            CmdResult::Ok
        }
        Undelete => {
            let st = read::state_mut(s);
            let n = st.count();
            for &m in msgs.iter().take(n) {
                st.touch(m - 1);
                st.dot = m - 1;
                st.flags_mut(m - 1).remove(MsgFlags::DELETED);
            }
            CmdResult::Ok
        }
        Unread => mark(s, &msgs, MsgFlags::STATUS, MsgFlags::READ | MsgFlags::TOUCH),
        New => mark(
            s,
            &msgs,
            MsgFlags::NEW | MsgFlags::STATUS,
            MsgFlags::MBOX | MsgFlags::READ | MsgFlags::TOUCH,
        ),
        Save => res(files::save1(s, &text, files::Mode::Save)),
        Copy => res(files::save1(s, &text, files::Mode::Copy)),
        Write => res(files::save1(s, &text, files::Mode::Write)),
        SaveBySender => res(files::save_by_sender(s, &msgs, true)),
        CopyBySender => res(files::save_by_sender(s, &msgs, false)),
        From => {
            summary::from(s, &msgs);
            CmdResult::Ok
        }
        Headers => res(summary::headers(s, &msgs)),
        Scroll => res(summary::scroll(s, &text)),
        Pdot => {
            crate::outln!("{}", read::state(s).dot + 1);
            CmdResult::Ok
        }
        File => match words.first() {
            None => {
                setfile::fileinfo(s);
                CmdResult::Ok
            }
            Some(name) => res(setfile::switch(s, &name.clone())),
        },
        Folders => {
            folders(s, &text);
            CmdResult::Ok
        }
        Inc => res(setfile::inc(s)),
        Quit => {
            if s.sourcing > 0 {
                // bsd-mailx: quit while sourcing ends that file only.
                return CmdResult::Error;
            }
            quit::quit(s);
            s.read = None;
            CmdResult::Quit
        }
        ShellInteractive => {
            let shell = shell_of(s);
            let r = crate::child::run_foreground(&mut std::process::Command::new(&shell));
            if let Err(e) = r {
                crate::util::warn(&shell, &e);
            }
            crate::outln!();
            CmdResult::Ok
        }
        Shell => {
            crate::commands::shell_escape(s, &text);
            CmdResult::Ok
        }
        Reply => res(reply::respond(s, &msgs)),
        ReplySenders => res(reply::respond_capital(s, &msgs)),
        Followup => res(reply::followup(s, &msgs, false)),
        FollowupAll => res(reply::followup(s, &msgs, true)),
        Mail => res(reply::mail(s, &text)),
        Attachments => res(read::attach::attachments(s, &msgs)),
        Detach => res(read::attach::detach(s, &words)),
        Edit => res(read::edit::edit(s, &msgs, false)),
        Visual => res(read::edit::edit(s, &msgs, true)),
        _ => super::settings::run(s, cmd, args),
    }
}

fn shell_of(s: &Session) -> String {
    s.value("SHELL")
        .filter(|v| !v.is_empty())
        .unwrap_or("/bin/sh")
        .to_string()
}

/// Sets and clears flags on each listed message, moving dot along (touch,
/// mbox, unread, new).
fn mark(s: &mut Session, msgs: &[usize], add: MsgFlags, clear: MsgFlags) -> CmdResult {
    for &m in msgs {
        let st = read::state_mut(s);
        st.dot = m - 1;
        let f = st.flags_mut(m - 1);
        f.remove(clear);
        f.insert(add);
    }
    CmdResult::Ok
}
/// `folders`: `cd <folder dir>; $LISTER [args]` through the shell.
fn folders(s: &Session, args: &str) {
    let dir = crate::expand::folder_dir(s).unwrap_or_else(|| "$HOME".to_string());
    let lister = s.value("LISTER").unwrap_or("/bin/ls");
    let cmd = format!("cd {dir}; {lister} {args}");
    let _ = crate::child::run_shell(&shell_of(s), &cmd);
}

/// bsd-mailx's `delm`: deletes, then moves dot to the first undeleted
/// message from the last deleted one on. Returns false when none is left.
fn delm(s: &mut Session, msgs: &[usize]) -> bool {
    let st = read::state_mut(s);
    let Some(&last) = msgs.last() else {
        return false;
    };
    for &m in msgs {
        st.touch(m - 1);
        let f = st.flags_mut(m - 1);
        f.insert(MsgFlags::DELETED | MsgFlags::TOUCH);
        f.remove(MsgFlags::PRESERVE | MsgFlags::SAVED | MsgFlags::MBOX);
    }
    st.dot = last - 1;
    match msglist::first(st, MsgReq::NotDeleted) {
        Some(m) => {
            st.dot = m - 1;
            true
        }
        None => {
            st.dot = 0;
            false
        }
    }
}

pub fn read_only(s: &Session) -> bool {
    s.read
        .as_ref()
        .is_some_and(|st| !st.placeholder && st.readonly())
}

/// Parses the message list of a MSGLIST, NDMLIST or MSGLIST|STRLIST command,
/// applying the default message. None after an error (already printed).
pub fn parse_args(s: &mut Session, cmd: &Command, rest: &str) -> Option<Args> {
    if s.read.as_ref().is_none_or(|st| st.placeholder) {
        crate::outln!("Illegal use of \"message list\"");
        return None;
    }
    let searchheaders = s.is_set("searchheaders");
    let kind = msglist::ListKind {
        want_deleted: cmd.msg == MsgReq::Deleted,
        takes_names: cmd.kind != ArgKind::MsgListStr,
    };
    let st = read::state_mut(s);
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
fn or_first(st: &read::ReadState, cmd: &Command, list: &mut Vec<usize>) -> Option<()> {
    if list.is_empty() {
        match msglist::first(st, cmd.msg) {
            Some(m) => list.push(m),
            None => {
                crate::outln!("No applicable messages");
                return None;
            }
        }
    }
    Some(())
}

/// After a successful command: autoprint, and "a command was run" for `next`.
pub fn after_command(s: &mut Session, cmd: &Command) {
    if s.read.is_none() {
        return;
    }
    if s.is_set("autoprint") && cmd.has(flags::P) {
        let st = read::state(s);
        if st.count() > 0 && !st.flags(st.dot).contains(MsgFlags::DELETED) {
            let d = st.dot + 1;
            show::type1(s, &[d], true, false);
        }
    }
    if s.sourcing == 0
        && !cmd.has(flags::T)
        && let Some(st) = s.read.as_deref_mut()
    {
        st.sawcom = true;
    }
}

/// Before each prompt: `autoinc` when interactive. The prompt itself is
/// printed (or handed to the line editor) by `StdinSource`.
pub fn before_prompt(s: &mut Session) {
    if s.read.is_none() || !s.interactive() {
        return;
    }
    if s.is_set("autoinc") && setfile::incfile(s).is_some_and(|n| n > 0) {
        crate::outln!("New mail has arrived.");
    }
}

/// Command lines from standard input, the only one: on a terminal through
/// the line editor (`lineedit`), otherwise through the stdin buffer shared
/// with the composer (`term::stdin::read_line_fd0`), so a reply's body is read
/// from the same stream. Prints or passes the `& ` prompt, and handles
/// `ignoreeof`, ^C at the prompt and hangup.
struct StdinSource {
    eofs: usize,
    /// The `& ` prompt is due before the next line (not for a line that
    /// continues one ending in a backslash).
    prompt_due: bool,
    editor: Option<LineEditor>,
    /// The editor was tried (created or failed): never again.
    editor_tried: bool,
}

impl StdinSource {
    fn new() -> Self {
        Self {
            eofs: 0,
            prompt_due: false,
            editor: None,
            editor_tried: false,
        }
    }

    /// The line editor when the prompt should use it now: created at the
    /// first prompt on a terminal. It reads through the shared stdin buffer,
    /// so lines already there (a paste, keys typed ahead) come in order.
    fn editor(&mut self, s: &Session) -> Option<&mut LineEditor> {
        if !self.editor_tried && wanted(s) {
            self.editor_tried = true;
            self.editor = LineEditor::new(s);
        }
        let ed = self.editor.as_mut()?;
        // The editor reads through the shared stdin buffer, so lines already
        // buffered or typed ahead go through it too, in order.
        if !s.interactive() {
            return None;
        }
        Some(ed)
    }

    fn read(&mut self, s: &mut Session) -> Line {
        let prompt = std::mem::take(&mut self.prompt_due) && s.read.is_some() && s.interactive();
        if self.editor(s).is_some() {
            let ed = self.editor.as_mut().expect("editor");
            let got = ed.read(if prompt { "& " } else { "" });
            // The window may have changed size (SIGWINCH) since the last
            // command: the command about to run uses the current size.
            set_screen_size(s);
            return match got {
                Got::Line(t) => Line::Text(t.into_bytes()),
                Got::Eof => Line::Eof,
                Got::Interrupt => Line::Interrupt,
            };
        }
        if prompt {
            crate::outp!("& ");
        }
        crate::output::flush();
        let line = read_line_fd0();
        if let (Line::Text(t), Some(ed)) = (&line, self.editor.as_mut()) {
            let t = String::from_utf8_lossy(t);
            ed.remember(t.trim_end_matches('\n'));
        }
        line
    }
}

impl LineSource for StdinSource {
    fn before_prompt(&mut self, s: &mut Session) {
        before_prompt(s);
        self.prompt_due = true;
    }

    fn next_line(&mut self, s: &mut Session) -> Option<String> {
        loop {
            match self.read(s) {
                Line::Text(mut buf) => {
                    self.eofs = 0;
                    if buf.last() == Some(&b'\n') {
                        buf.pop();
                    }
                    // bsd-mailx reads with fgets into a C string: a NUL ends the line.
                    if let Some(p) = buf.iter().position(|&b| b == 0) {
                        buf.truncate(p);
                    }
                    return Some(String::from_utf8_lossy(&buf).into_owned());
                }
                Line::Eof => {
                    if s.interactive() && s.is_set("ignoreeof") && self.eofs < 24 {
                        self.eofs += 1;
                        crate::outln!("Use \"quit\" to quit.");
                        self.before_prompt(s);
                        continue;
                    }
                    return None;
                }
                Line::Interrupt => {
                    crate::output::err_line("Interrupt");
                    self.before_prompt(s);
                }
                // bsd-mailx: SIGHUP in command mode exits 1 without saving.
                Line::Hangup => {
                    crate::output::flush();
                    std::process::exit(1);
                }
            }
        }
    }
}

/// Read mode entry point.
pub fn read_mode(s: &mut Session, opts: &crate::cli::Options, file: Option<String>) -> i32 {
    let ef = file.unwrap_or_else(|| "%".to_string());
    // POSIX -e: is there mail? Exit 0 if so, 1 if not; print nothing.
    if opts.mail_check {
        return match setfile::setfile(s, &ef, true) {
            Ok(()) if read::state(s).count() > 0 => 0,
            _ => 1,
        };
    }
    if setfile::setfile(s, &ef, false).is_err() {
        return 1;
    }
    if opts.headers_only {
        // POSIX -H: the header summary of every message; nothing changes.
        let st = read::state_mut(s);
        st.dot = usize::MAX;
        let all: Vec<usize> = (1..=st.count()).collect();
        summary::print_lines(s, &all, false);
        return 0;
    }
    if !s.is_set("quiet") {
        crate::outln!(
            "Mail version {}.  Type ? for help.",
            super::settings::VERSION
        );
    }
    read::announce(s);
    crate::output::flush();
    if s.interactive() {
        install_interactive();
    }
    let mut src = StdinSource::new();
    if lex::commands(s, &mut src, lex::Context::Command) == lex::Flow::Continue {
        quit::quit(s);
    }
    // A failed write-back, save, dead.letter or record copy (reported when
    // it happened) makes the exit status 1; bsd-mailx exits 0.
    i32::from(crate::util::write_failed())
}

/// `~m`/`~f` (and `~M`/`~F`) in the composer: the listed messages (default:
/// the current one) with `indentprefix` (a tab) before each line for `~m`,
/// ignored headers hidden unless upper case; prints `Interpolating: N...`.
/// None (with `No appropriate messages`) when there are none.
pub fn interpolate(
    s: &mut Session,
    list: &str,
    indent: bool,
    all_headers: bool,
) -> Option<Vec<u8>> {
    if s.read.is_none() {
        crate::outln!("No appropriate messages");
        return None;
    }
    let searchheaders = s.is_set("searchheaders");
    let kind = msglist::ListKind {
        want_deleted: false,
        takes_names: true,
    };
    let mut msgs = msglist::getmsglist(read::state_mut(s), list, &kind, searchheaders)?;
    if msgs.is_empty() {
        match msglist::first(read::state(s), MsgReq::Normal) {
            Some(m) => msgs.push(m),
            None => {
                crate::outln!("No appropriate messages");
                return None;
            }
        }
    }
    let prefix: Option<Vec<u8>> =
        indent.then(|| s.value("indentprefix").unwrap_or("\t").as_bytes().to_vec());
    let ign = (!all_headers).then(|| s.ignore.clone());
    let pred = |name: &str| ign.as_ref().is_some_and(|t| t.hides(name));
    let opts = crate::mailbox::RenderOptions {
        ignore: if ign.is_some() { Some(&pred) } else { None },
        prefix: prefix.as_deref(),
        ..Default::default()
    };
    crate::outp!("Interpolating:");
    let mut out = Vec::new();
    for &m in &msgs {
        let st = read::state_mut(s);
        st.touch(m - 1);
        crate::outp!(" {m}");
        let f = st.flags(m - 1);
        // ~m/~f quote the decoded text of a MIME message; ~M/~F the raw one.
        if !all_headers && let Some(d) = show::decoded(st, m - 1, ign.as_ref()) {
            match &prefix {
                Some(p) => out.extend(crate::mimeview::prefix_lines(&d, p)),
                None => out.extend(d),
            }
            continue;
        }
        if let Err(e) = crate::mailbox::render_message(&st.mb, m - 1, f, &opts, &mut out) {
            crate::util::warn("temporary file", &e);
            return None;
        }
    }
    crate::outln!();
    Some(out)
}
