//! The line editor at the interactive `& ` prompt: editing keys and a
//! history kept in a file across sessions.
//!
//! It is used only when standard input and output are both terminals,
//! `interactive` is set and `TERM` is not a dumb terminal; otherwise the
//! prompt reads plain lines through `term::stdin::read_line_fd0` and prints
//! exactly what bsd-mailx prints.
//!
//! The editor puts the terminal in raw mode only while it reads one command
//! line, and reads its bytes through the program's one shared stdin buffer
//! (`term::stdin::read_byte`), so whatever follows the Enter key — keys typed
//! ahead, the rest of a paste, the body of a message for a `mail` command —
//! stays in that buffer for the composer or the next prompt: nothing typed is
//! ever lost or read twice. (A general line-editing crate reads the terminal
//! itself and drops what follows the Enter in the same read.)
//!
//! Keys: printable text (UTF-8), Backspace, Delete, ^A/Home, ^E/End, ^B/Left,
//! ^F/Right, ^K, ^U, ^W, ^L, ^P/Up and ^N/Down (history), ^R/^S (incremental
//! search backward/forward through the history, as readline's), ^C (abandon
//! the line), ^D (end of input on an empty line, else delete), ^Z (stop).
//! A line longer than the terminal is wide wraps over several rows
//! (`term::linedraw`). Tab at the `& ` prompt completes the word before the
//! cursor (`term::complete`): what all candidates share is inserted, a
//! second Tab lists them.
//!
//! The same editor reads the composer's header prompts on a terminal
//! ([`read_prefilled`]: `To:`, `Subject:`, `Cc:`, `Bcc:` of `~h`, `ask`,
//! `askcc`), with the current value already in the line: Enter keeps it,
//! the editing keys change it. (bsd-mailx pushes the value into the
//! terminal's input with TIOCSTI, which Linux may turn off.)
//!
//! The history file is rewritten whole (a new file renamed over the old,
//! mode 0600) at each new line, so it holds at most `history-size` lines;
//! `set` lines that assign a variable whose name contains `password` are
//! never recorded.

use super::complete::{Names, candidates, common_prefix, listing, word_start};
use super::linedraw::{self, redraw, to_end};
use super::signals::line_editing;
use super::stdin::{Byte, read_byte, take_buffered_if, translate_pending_cr};
use super::text::char_width;
use crate::expand::expand_quiet;
use crate::output;
use crate::session::Session;
use crate::user;
use crate::vars::{is_secret_var, shown_value};
use rustix::process::{Signal, getpid, kill_process};
use rustix::termios::{
    InputModes, LocalModes, OptionalActions, SpecialCodeIndex, Termios, tcgetattr, tcsetattr,
};
use std::io::{self, IsTerminal, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// The history file used when `history-file` is not set.
pub(crate) const DEFAULT_HISTORY: &str = ".mailx_history";
/// Entries kept when `history-size` is not set.
pub(crate) const DEFAULT_HISTORY_SIZE: usize = 500;

/// What reading a command line gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Got {
    /// The line, without its newline.
    Line(String),
    Eof,
    Interrupt,
}

/// True when the prompt should use the line editor (see the module comment).
pub(crate) fn wanted(s: &Session) -> bool {
    s.interactive() && on_terminal()
}

/// Standard input and output are a terminal that can take cursor movement.
fn on_terminal() -> bool {
    std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && term_supported(std::env::var("TERM").ok().as_deref())
}

/// Reads a header prompt's line with `initial` already in it (see the
/// module comment); None when standard input and output are not a terminal
/// the editor can use (the caller prints the prompt and reads a plain line).
pub(crate) fn read_prefilled(prompt: &str, initial: &str) -> Option<Got> {
    if !on_terminal() {
        return None;
    }
    read_line(prompt, initial, &[], None, false)
}

/// Reads a secret (a password) with the same editor, nothing of it shown:
/// the prompt stays, the cursor does not move, no history, no search, no
/// completion. None when standard input and output are not a terminal the
/// editor can use.
pub(crate) fn read_hidden(prompt: &str) -> Option<Got> {
    if !on_terminal() {
        return None;
    }
    read_line(prompt, "", &[], None, true)
}

/// Terminals that cannot take cursor movement get the plain prompt.
fn term_supported(term: Option<&str>) -> bool {
    !term.is_some_and(|t| {
        ["dumb", "cons25", "emacs"]
            .iter()
            .any(|u| u.eq_ignore_ascii_case(t))
    })
}

/// The history file: `history-file` if set (empty: none), else
/// `~/.mailx_history`; None without a home directory.
fn history_path(s: &Session) -> Option<PathBuf> {
    match s.value("history-file") {
        Some("") => None,
        Some(v) => {
            let v = v.to_string();
            expand_quiet(s, &v).ok().map(PathBuf::from)
        }
        None => user::files_home(s).map(|h| PathBuf::from(h).join(DEFAULT_HISTORY)),
    }
}

/// The editor and its history (see the module comment).
pub(crate) struct LineEditor {
    /// What Tab completes to, set by the prompt before each line.
    pub names: Names,
    history: Vec<String>,
    max: usize,
    file: Option<PathBuf>,
}

/// The terminal's current mode, to restore after reading a line.
fn get_mode() -> Option<Termios> {
    tcgetattr(io::stdin()).ok()
}

fn set_mode(t: &Termios) {
    // TCSADRAIN never discards typed-ahead input.
    let _ = tcsetattr(io::stdin(), OptionalActions::Drain, t);
}

/// Raw mode for editing: no echo, no line discipline, keys as bytes (^C, ^Z
/// included), output processing kept.
fn raw_from(cooked: &Termios) -> Termios {
    let mut r = cooked.clone();
    r.local_modes &=
        !(LocalModes::ICANON | LocalModes::ECHO | LocalModes::ISIG | LocalModes::IEXTEN);
    r.input_modes &=
        !(InputModes::IXON | InputModes::ICRNL | InputModes::INLCR | InputModes::IGNCR);
    r.special_codes[SpecialCodeIndex::VMIN] = 1;
    r.special_codes[SpecialCodeIndex::VTIME] = 0;
    r
}

fn term_write(s: &str) {
    output::bytes(s.as_bytes());
    output::flush();
}

/// Reads the rest of a UTF-8 sequence started by `first`.
fn utf8_char(first: u8) -> Option<char> {
    let n = match first {
        0xc0..=0xdf => 1,
        0xe0..=0xef => 2,
        0xf0..=0xf7 => 3,
        _ => return None,
    };
    let mut v = vec![first];
    for _ in 0..n {
        match read_byte(Some(100)) {
            Byte::Got(b) if b & 0xc0 == 0x80 => v.push(b),
            _ => return None,
        }
    }
    std::str::from_utf8(&v).ok()?.chars().next()
}

/// An escape sequence after ESC: the key it names.
enum Key {
    Up,
    Down,
    Left,
    Right,
    Home,
    End,
    Delete,
    Other,
}

/// A `set` line that assigns a secret (`set smtp-auth-password=...`, any
/// variable `vars::is_secret_var` names, or a URL with a password such as
/// `smtp://user:pw@host`): kept out of the history.
pub(crate) fn holds_password(line: &str) -> bool {
    let mut words = line.split_whitespace();
    let Some(cmd) = words.next() else {
        return false;
    };
    if !matches!(cmd, "se" | "set") {
        return false;
    }
    words.any(|w| {
        let (name, value) = w.split_once('=').unwrap_or((w, ""));
        is_secret_var(name) || shown_value(name, value) != value
    })
}

fn escape_sequence() -> Key {
    let b = match read_byte(Some(50)) {
        Byte::Got(b) => b,
        _ => return Key::Other,
    };
    if b != b'[' && b != b'O' {
        return Key::Other;
    }
    let mut params = Vec::new();
    loop {
        match read_byte(Some(50)) {
            Byte::Got(c) if c.is_ascii_digit() || c == b';' => params.push(c),
            Byte::Got(c) => {
                let p = String::from_utf8_lossy(&params).into_owned();
                return match (c, p.as_str()) {
                    (b'A', _) => Key::Up,
                    (b'B', _) => Key::Down,
                    (b'C', _) => Key::Right,
                    (b'D', _) => Key::Left,
                    (b'H', _) => Key::Home,
                    (b'F', _) => Key::End,
                    (b'~', "1" | "7") => Key::Home,
                    (b'~', "4" | "8") => Key::End,
                    (b'~', "3") => Key::Delete,
                    _ => Key::Other,
                };
            }
            _ => return Key::Other,
        }
    }
}

impl LineEditor {
    /// Creates the editor and loads the history file (a missing file is fine).
    pub(crate) fn new(s: &Session) -> Option<Self> {
        get_mode()?;
        let max = s
            .value("history-size")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(DEFAULT_HISTORY_SIZE);
        let file = if max == 0 { None } else { history_path(s) };
        let mut history = Vec::new();
        if let Some(f) = &file
            && let Ok(text) = std::fs::read_to_string(f)
        {
            history = text
                .lines()
                .filter(|l| !l.is_empty() && !holds_password(l))
                .map(String::from)
                .collect();
            if history.len() > max {
                history.drain(..history.len() - max);
            }
        }
        Some(Self {
            names: Names::default(),
            history,
            max,
            file,
        })
    }

    /// Reads one command line with `prompt`.
    pub(crate) fn read(&mut self, prompt: &str) -> Got {
        let got =
            read_line(prompt, "", &self.history, Some(&self.names), false).unwrap_or(Got::Eof);
        if let Got::Line(l) = &got {
            self.remember(l);
        }
        got
    }

    /// Adds a command line to the history and rewrites the file (see the
    /// module comment), so an exit without `quit` keeps it. A line typed
    /// with a leading blank stays out of the history, and so does a `set`
    /// of a password.
    pub(crate) fn remember(&mut self, line: &str) {
        if line.trim().is_empty() || line.starts_with(' ') || self.max == 0 {
            return;
        }
        if holds_password(line) || self.history.last().map(|l| l.as_str()) == Some(line) {
            return;
        }
        self.history.push(line.to_string());
        if self.history.len() > self.max {
            self.history.drain(..self.history.len() - self.max);
        }
        if let Some(f) = &self.file {
            let _ = write_history(f, &self.history);
        }
    }
}

/// Writes the history to a new file beside `path` (mode 0600) and renames it
/// over `path`, so the file is never seen half written.
fn write_history(path: &Path, lines: &[String]) -> io::Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(format!(".{}.tmp", std::process::id()));
    let tmp = PathBuf::from(tmp);
    let mut text = String::new();
    for l in lines {
        text.push_str(l);
        text.push('\n');
    }
    // A file left by a process that had this id and died mid-write.
    let _ = std::fs::remove_file(&tmp);
    let written = (|| {
        let mut fh = std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        fh.write_all(text.as_bytes())?;
        std::fs::rename(&tmp, path)
    })();
    if written.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    written
}

/// Reads one line in raw mode (see the module comment); None when the
/// terminal's mode cannot be read.
fn read_line(
    prompt: &str,
    initial: &str,
    history: &[String],
    names: Option<&Names>,
    hidden: bool,
) -> Option<Got> {
    output::flush();
    let cooked = get_mode()?;
    line_editing(true);
    set_mode(&raw_from(&cooked));
    let mut ed = Edit {
        prompt,
        line: initial.chars().collect(),
        cur: 0,
        row: 0,
        history,
        names,
        tabs: 0,
        hidden,
    };
    ed.cur = ed.line.len();
    ed.draw();
    let got = ed.run(&cooked);
    translate_pending_cr();
    set_mode(&cooked);
    line_editing(false);
    Some(got)
}

/// One line being edited.
struct Edit<'a> {
    prompt: &'a str,
    line: Vec<char>,
    cur: usize,
    /// The cursor's row below the prompt's first row, as last drawn.
    row: usize,
    history: &'a [String],
    /// What Tab completes to (None: Tab inserts a blank).
    names: Option<&'a Names>,
    /// Tabs typed in a row.
    tabs: u32,
    /// A secret: nothing of the line is drawn.
    hidden: bool,
}

/// What a key did to the line.
enum Done {
    Go,
    End(Got),
}

impl Edit<'_> {
    /// What is drawn of the line and where the cursor is in it: nothing
    /// for a hidden line.
    fn shown(&self) -> (&[char], usize) {
        if self.hidden {
            (&[], 0)
        } else {
            (&self.line, self.cur)
        }
    }

    fn draw(&mut self) {
        let (line, cur) = self.shown();
        let (prompt, line) = (self.prompt, line.to_vec());
        let s = redraw(prompt, &line, cur, &mut self.row);
        term_write(&s);
    }

    /// Ends the line: the cursor goes after its end, then a newline.
    fn finish(&mut self, got: Got) -> Done {
        let mut s = to_end(self.prompt, self.shown().0, self.row);
        s.push('\n');
        term_write(&s);
        Done::End(got)
    }

    fn run(&mut self, cooked: &Termios) -> Got {
        // Position in the history while browsing it, and the line being typed.
        let mut hpos = self.history.len();
        let mut typed: Vec<char> = Vec::new();
        let mut pending: Option<u8> = None;
        loop {
            let b = match pending.take() {
                Some(b) => b,
                None => match read_byte(None) {
                    Byte::Got(b) => b,
                    Byte::Eof | Byte::Timeout => {
                        let got = if self.line.is_empty() {
                            Got::Eof
                        } else {
                            Got::Line(self.line.iter().collect())
                        };
                        if let Done::End(g) = self.finish(got) {
                            return g;
                        }
                        continue;
                    }
                    Byte::Hangup => {
                        set_mode(cooked);
                        output::flush();
                        std::process::exit(1);
                    }
                },
            };
            if (b == 18 || b == 19) && !self.hidden {
                match self.search(b == 19, &mut hpos) {
                    Search::Accept => {
                        self.draw();
                        let got = Got::Line(self.line.iter().collect());
                        if let Done::End(g) = self.finish(got) {
                            return g;
                        }
                    }
                    Search::Key(k) => pending = Some(k),
                    Search::Cancel => {}
                }
                self.draw();
                continue;
            }
            self.tabs = if b == b'\t' { self.tabs + 1 } else { 0 };
            if let Done::End(g) = self.key(b, cooked, &mut hpos, &mut typed) {
                return g;
            }
            self.draw();
        }
    }

    /// Handles one key.
    fn key(&mut self, b: u8, cooked: &Termios, hpos: &mut usize, typed: &mut Vec<char>) -> Done {
        let len = self.line.len();
        match b {
            b'\r' | b'\n' => {
                // A CR LF pair (some pastes) is one Enter.
                if b == b'\r' {
                    take_buffered_if(b'\n');
                }
                return self.finish(Got::Line(self.line.iter().collect()));
            }
            3 => return self.finish(Got::Interrupt),
            4 => {
                if self.line.is_empty() {
                    return self.finish(Got::Eof);
                }
                if self.cur < len {
                    self.line.remove(self.cur);
                }
            }
            0x1a => {
                set_mode(cooked);
                term_write(&to_end(self.prompt, self.shown().0, self.row));
                term_write("\n");
                // SIGTSTP to ourselves: the default action stops the process.
                let _ = kill_process(getpid(), Signal::TSTP);
                set_mode(&raw_from(cooked));
                self.row = 0;
            }
            0x7f | 8 => {
                if self.cur > 0 {
                    self.cur -= 1;
                    self.line.remove(self.cur);
                }
            }
            1 => self.cur = 0,
            5 => self.cur = len,
            2 => self.left(),
            6 => self.right(),
            11 => self.line.truncate(self.cur),
            21 => {
                self.line.drain(..self.cur);
                self.cur = 0;
            }
            23 => {
                let mut i = self.cur;
                while i > 0 && self.line[i - 1] == ' ' {
                    i -= 1;
                }
                while i > 0 && self.line[i - 1] != ' ' {
                    i -= 1;
                }
                self.line.drain(i..self.cur);
                self.cur = i;
            }
            12 => {
                term_write("\x1b[H\x1b[2J");
                self.row = 0;
            }
            16 | 14 => self.browse(b == 16, hpos, typed),
            0x1b => match escape_sequence() {
                Key::Up => self.browse(true, hpos, typed),
                Key::Down => self.browse(false, hpos, typed),
                Key::Left => self.left(),
                Key::Right => self.right(),
                Key::Home => self.cur = 0,
                Key::End => self.cur = len,
                Key::Delete => {
                    if self.cur < len {
                        self.line.remove(self.cur);
                    }
                }
                Key::Other => {}
            },
            b'\t' => match self.names {
                Some(n) => self.complete(n),
                None => self.insert(' '),
            },
            c if c < 0x20 => {}
            c if c < 0x80 => self.insert(c as char),
            c => {
                if let Some(ch) = utf8_char(c) {
                    self.insert(ch);
                }
            }
        }
        Done::Go
    }

    /// Tab: completes the word before the cursor (see the module comment).
    fn complete(&mut self, names: &Names) {
        let cands = candidates(names, &self.line, self.cur);
        let start = word_start(&self.line, self.cur);
        let common = common_prefix(&cands);
        let mut new: Vec<char> = common.chars().collect();
        if cands.len() == 1 && !common.ends_with('/') {
            new.push(' ');
        }
        if new.len() > self.cur - start {
            self.line.splice(start..self.cur, new.iter().copied());
            self.cur = start + new.len();
        } else if self.tabs >= 2 && cands.len() > 1 {
            let mut s = to_end(self.prompt, &self.line, self.row);
            s.push('\n');
            s.push_str(&listing(&cands, linedraw::columns()));
            term_write(&s);
            self.row = 0;
        } else {
            term_write("\x07");
        }
    }

    fn insert(&mut self, ch: char) {
        self.line.insert(self.cur, ch);
        self.cur += 1;
    }

    /// One character left, over the combining marks of the one before.
    fn left(&mut self) {
        while self.cur > 0 {
            self.cur -= 1;
            if char_width(self.line[self.cur]) > 0 {
                break;
            }
        }
    }

    /// One character right, with the combining marks that follow it.
    fn right(&mut self) {
        if self.cur < self.line.len() {
            self.cur += 1;
        }
        while self.cur < self.line.len() && char_width(self.line[self.cur]) == 0 {
            self.cur += 1;
        }
    }

    fn browse(&mut self, up: bool, hpos: &mut usize, typed: &mut Vec<char>) {
        let n = self.history.len();
        if *hpos == n {
            *typed = self.line.clone();
        }
        if up {
            if *hpos == 0 {
                return;
            }
            *hpos -= 1;
        } else {
            if *hpos >= n {
                return;
            }
            *hpos += 1;
        }
        self.line = if *hpos == n {
            typed.clone()
        } else {
            self.history[*hpos].chars().collect()
        };
        self.cur = self.line.len();
    }

    /// Incremental search (^R backward, ^S forward) as readline's: the
    /// prompt becomes ``(reverse-i-search)`text': ``, each key typed narrows
    /// the search, ^R/^S go to the next older/newer match, Backspace drops a
    /// character of the text, Enter runs the line found, ^G and ^C give the
    /// line back as it was; any other key keeps the line found and is then
    /// handled as usual.
    fn search(&mut self, forward: bool, hpos: &mut usize) -> Search {
        let saved = (self.line.clone(), self.cur, *hpos);
        let mut forward = forward;
        let mut query = String::new();
        let mut at = *hpos;
        let mut failed = false;
        loop {
            let label = format!(
                "({}{}i-search)`{}': ",
                if failed { "failed " } else { "" },
                if forward { "" } else { "reverse-" },
                query
            );
            let s = redraw(&label, &self.line, self.cur, &mut self.row);
            term_write(&s);
            let b = match read_byte(None) {
                Byte::Got(b) => b,
                _ => return Search::Accept,
            };
            let again = match b {
                18 | 19 => {
                    forward = b == 19;
                    true
                }
                0x7f | 8 => {
                    query.pop();
                    at = saved.2;
                    false
                }
                7 | 3 => {
                    (self.line, self.cur, *hpos) = saved;
                    return Search::Cancel;
                }
                b'\r' | b'\n' => {
                    if b == b'\r' {
                        take_buffered_if(b'\n');
                    }
                    return Search::Accept;
                }
                c if c < 0x20 || c == 0x1b => {
                    *hpos = at;
                    return Search::Key(c);
                }
                c if c < 0x80 => {
                    query.push(c as char);
                    false
                }
                c => {
                    if let Some(ch) = utf8_char(c) {
                        query.push(ch);
                    }
                    false
                }
            };
            match self.find(&query, at, forward, again) {
                Some((i, col)) => {
                    failed = false;
                    at = i;
                    *hpos = i;
                    self.line = self.history[i].chars().collect();
                    self.cur = col;
                }
                None => failed = !query.is_empty(),
            }
        }
    }

    /// The history entry holding `query`, from `at` (past it with `again`)
    /// in the direction given, and the character index of the match.
    fn find(&self, query: &str, at: usize, forward: bool, again: bool) -> Option<(usize, usize)> {
        if query.is_empty() {
            return None;
        }
        let n = self.history.len();
        let hit = |i: usize| {
            self.history[i]
                .find(query)
                .map(|b| (i, self.history[i][..b].chars().count()))
        };
        if forward {
            let from = if again { at + 1 } else { at };
            (from..n).find_map(hit)
        } else {
            let to = if again || at >= n { at } else { at + 1 };
            (0..to.min(n)).rev().find_map(hit)
        }
    }
}

/// How an incremental search ended.
enum Search {
    /// Enter: the line found is the command.
    Accept,
    /// ^G or ^C: the line as it was before.
    Cancel,
    /// Another key, to handle as usual on the line found.
    Key(u8),
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsupported_terminals_use_the_plain_prompt() {
        assert!(term_supported(None));
        assert!(term_supported(Some("xterm-256color")));
        assert!(!term_supported(Some("dumb")));
        assert!(!term_supported(Some("EMACS")));
    }

    #[test]
    fn set_lines_with_a_password_are_recognised() {
        assert!(holds_password("set smtp-auth-password=hunter2"));
        assert!(holds_password("se foo bar-password=x"));
        assert!(holds_password("set PASSWORD=x"));
        assert!(!holds_password("set ask"));
        assert!(holds_password(
            "set smtp=smtp://me:hunter2@mail.example.org"
        ));
        assert!(holds_password("set imap-token=abc"));
        assert!(!holds_password(
            "set smtp-auth-password-command=pass show mail"
        ));
        assert!(!holds_password("echo password"));
        assert!(!holds_password("print 3"));
    }

    #[test]
    fn the_history_file_is_rewritten_whole_mode_0600() {
        use std::os::unix::fs::PermissionsExt;
        let dir = std::env::temp_dir().join(format!("mailx-hist-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("h");
        std::fs::write(&f, "old\n").unwrap();
        write_history(&f, &["a".into(), "b".into()]).unwrap();
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "a\nb\n");
        let mode = std::fs::metadata(&f).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
        assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
