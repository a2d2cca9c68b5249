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
//! ^F/Right, ^K, ^U, ^W, ^L, ^P/Up and ^N/Down (history), ^C (abandon the
//! line), ^D (end of input on an empty line, else delete), ^Z (stop).

use super::signals::line_editing;
use super::stdin::{Byte, read_byte, take_buffered_if, translate_pending_cr};
use super::text::width;
use crate::expand::expand_quiet;
use crate::output;
use crate::session::Session;
use crate::user;
use rustix::process::{Signal, getpid, kill_process};
use rustix::termios::{
    InputModes, LocalModes, OptionalActions, SpecialCodeIndex, Termios, tcgetattr, tcsetattr,
};
use std::io::{self, IsTerminal};
use std::path::PathBuf;

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
    s.interactive()
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && term_supported(std::env::var("TERM").ok().as_deref())
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

/// Display width of the characters from the cursor to the end of the line.
fn chars_width(chars: &[char]) -> usize {
    let s: String = chars.iter().collect();
    width(&s)
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
                .filter(|l| !l.is_empty())
                .map(String::from)
                .collect();
            if history.len() > max {
                history.drain(..history.len() - max);
            }
        }
        Some(Self { history, max, file })
    }

    fn redraw(prompt: &str, line: &[char], cur: usize) {
        let mut s = String::from("\r");
        s.push_str(prompt);
        s.extend(line.iter());
        s.push_str("\x1b[K");
        let back = chars_width(&line[cur..]);
        if back > 0 {
            s.push_str(&format!("\x1b[{back}D"));
        }
        term_write(&s);
    }

    /// Reads one command line with `prompt`.
    pub(crate) fn read(&mut self, prompt: &str) -> Got {
        output::flush();
        let Some(cooked) = get_mode() else {
            return Got::Eof;
        };
        line_editing(true);
        set_mode(&raw_from(&cooked));
        term_write(prompt);
        let got = self.edit(prompt, &cooked);
        translate_pending_cr();
        set_mode(&cooked);
        line_editing(false);
        if let Got::Line(l) = &got {
            self.remember(l);
        }
        got
    }

    fn edit(&mut self, prompt: &str, cooked: &Termios) -> Got {
        let mut line: Vec<char> = Vec::new();
        let mut cur = 0usize;
        // Position in the history while browsing it, and the line being typed.
        let mut hpos = self.history.len();
        let mut typed: Vec<char> = Vec::new();
        loop {
            let b = match read_byte(None) {
                Byte::Got(b) => b,
                Byte::Eof | Byte::Timeout => {
                    term_write("\n");
                    return if line.is_empty() {
                        Got::Eof
                    } else {
                        Got::Line(line.iter().collect())
                    };
                }
                Byte::Hangup => {
                    set_mode(cooked);
                    output::flush();
                    std::process::exit(1);
                }
            };
            match b {
                b'\r' | b'\n' => {
                    // A CR LF pair (some pastes) is one Enter.
                    if b == b'\r' {
                        take_buffered_if(b'\n');
                    }
                    term_write("\n");
                    return Got::Line(line.iter().collect());
                }
                3 => {
                    term_write("\n");
                    return Got::Interrupt;
                }
                4 => {
                    if line.is_empty() {
                        term_write("\n");
                        return Got::Eof;
                    }
                    if cur < line.len() {
                        line.remove(cur);
                    }
                }
                0x1a => {
                    set_mode(cooked);
                    term_write("\n");
                    // SIGTSTP to ourselves: the default action stops the process.
                    let _ = kill_process(getpid(), Signal::TSTP);
                    set_mode(&raw_from(cooked));
                    term_write(prompt);
                }
                0x7f | 8 => {
                    if cur > 0 {
                        cur -= 1;
                        line.remove(cur);
                    }
                }
                1 => cur = 0,
                5 => cur = line.len(),
                2 => cur = cur.saturating_sub(1),
                6 => cur = (cur + 1).min(line.len()),
                11 => line.truncate(cur),
                21 => {
                    line.drain(..cur);
                    cur = 0;
                }
                23 => {
                    let mut i = cur;
                    while i > 0 && line[i - 1] == ' ' {
                        i -= 1;
                    }
                    while i > 0 && line[i - 1] != ' ' {
                        i -= 1;
                    }
                    line.drain(i..cur);
                    cur = i;
                }
                12 => term_write("\x1b[H\x1b[2J"),
                16 | 14 => self.browse(b == 16, &mut hpos, &mut typed, &mut line, &mut cur),
                0x1b => match escape_sequence() {
                    Key::Up => self.browse(true, &mut hpos, &mut typed, &mut line, &mut cur),
                    Key::Down => self.browse(false, &mut hpos, &mut typed, &mut line, &mut cur),
                    Key::Left => cur = cur.saturating_sub(1),
                    Key::Right => cur = (cur + 1).min(line.len()),
                    Key::Home => cur = 0,
                    Key::End => cur = line.len(),
                    Key::Delete => {
                        if cur < line.len() {
                            line.remove(cur);
                        }
                    }
                    Key::Other => {}
                },
                b'\t' => {
                    line.insert(cur, ' ');
                    cur += 1;
                }
                c if c < 0x20 => {}
                c if c < 0x80 => {
                    line.insert(cur, c as char);
                    cur += 1;
                }
                c => {
                    if let Some(ch) = utf8_char(c) {
                        line.insert(cur, ch);
                        cur += 1;
                    }
                }
            }
            Self::redraw(prompt, &line, cur);
        }
    }

    fn browse(
        &self,
        up: bool,
        hpos: &mut usize,
        typed: &mut Vec<char>,
        line: &mut Vec<char>,
        cur: &mut usize,
    ) {
        if *hpos == self.history.len() {
            *typed = line.clone();
        }
        if up {
            if *hpos == 0 {
                return;
            }
            *hpos -= 1;
        } else {
            if *hpos >= self.history.len() {
                return;
            }
            *hpos += 1;
        }
        *line = if *hpos == self.history.len() {
            typed.clone()
        } else {
            self.history[*hpos].chars().collect()
        };
        *cur = line.len();
    }

    /// Adds a command line to the history and appends it to the file
    /// (created 0600), so an exit without `quit` keeps it. A line typed with
    /// a leading blank stays out of the history.
    pub(crate) fn remember(&mut self, line: &str) {
        if line.trim().is_empty() || line.starts_with(' ') || self.max == 0 {
            return;
        }
        if self.history.last().map(|l| l.as_str()) == Some(line) {
            return;
        }
        self.history.push(line.to_string());
        if self.history.len() > self.max {
            self.history.remove(0);
        }
        if let Some(f) = &self.file {
            use std::io::Write;
            use std::os::unix::fs::OpenOptionsExt;
            if let Ok(mut fh) = std::fs::OpenOptions::new()
                .append(true)
                .create(true)
                .mode(0o600)
                .open(f)
            {
                let _ = writeln!(fh, "{line}");
            }
        }
    }
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
}
