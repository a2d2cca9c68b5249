//! The line editor at the interactive `& ` prompt: editing keys and a
//! history kept in a file across sessions (rustyline).
//!
//! It is used only when standard input and output are both terminals,
//! `interactive` is set and `TERM` is one rustyline can drive (not `dumb`,
//! `cons25` or `emacs`); otherwise the prompt reads plain lines through
//! `signals::read_line_fd0` and prints exactly what bsd-mailx prints. Nothing
//! of rustyline runs before the first prompt on a terminal.
//!
//! rustyline reads fd 0 itself and holds the terminal in raw mode only while
//! it reads one command line; the composer (`mail`, `reply`, ...) then reads
//! the same fd 0 in the terminal's cooked mode through the shared stdin
//! buffer. Lines that come with a command line (a multi-line paste) are put
//! back into that buffer (`signals::unread_stdin`), and complete lines typed
//! ahead while a command ran are read from the buffer/cooked queue rather
//! than by rustyline, so no input is lost or read twice.

use crate::session::Session;
use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{Config, Editor};
use std::io::IsTerminal;
use std::path::PathBuf;

/// The history file used when `history-file` is not set.
pub const DEFAULT_HISTORY: &str = ".mailx_history";
/// Entries kept when `history-size` is not set.
pub const DEFAULT_HISTORY_SIZE: usize = 500;

/// What reading a command line gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Got {
    /// The line, without its newline.
    Line(String),
    Eof,
    Interrupt,
}

/// True when the prompt should use the line editor (see the module comment).
pub fn wanted(s: &Session) -> bool {
    s.interactive()
        && std::io::stdin().is_terminal()
        && std::io::stdout().is_terminal()
        && term_supported(std::env::var("TERM").ok().as_deref())
}

/// rustyline falls back to reading Rust's own stdin buffer on these
/// terminals, which would take input away from the composer; the plain
/// prompt is used there instead.
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
            crate::expand::expand_quiet(s, &v).ok().map(PathBuf::from)
        }
        None => s
            .homedir
            .as_deref()
            .filter(|h| !h.is_empty())
            .map(|h| PathBuf::from(h).join(DEFAULT_HISTORY)),
    }
}

pub struct LineEditor {
    ed: Editor<(), DefaultHistory>,
    file: Option<PathBuf>,
}

impl LineEditor {
    /// Creates the editor and loads the history file (a missing file is
    /// fine). None if the terminal cannot be driven.
    pub fn new(s: &Session) -> Option<Self> {
        let size = s
            .value("history-size")
            .and_then(|v| v.trim().parse::<usize>().ok())
            .unwrap_or(DEFAULT_HISTORY_SIZE);
        let config = Config::builder()
            .max_history_size(size)
            .ok()?
            // A line typed with a leading blank stays out of the history.
            .history_ignore_space(true)
            .auto_add_history(false)
            .build();
        let mut ed: Editor<(), DefaultHistory> = Editor::with_config(config).ok()?;
        let file = history_path(s);
        if size == 0 {
            return Some(Self { ed, file: None });
        }
        if let Some(f) = &file {
            let _ = ed.load_history(f);
        }
        Some(Self { ed, file })
    }

    /// Reads one command line with `prompt`. A multi-line paste returns its
    /// first line; the rest goes back into the shared stdin buffer.
    pub fn read(&mut self, prompt: &str) -> Got {
        crate::output::flush();
        crate::signals::line_editing(true);
        let r = self.ed.readline(prompt);
        crate::signals::line_editing(false);
        match r {
            Ok(text) => {
                let (first, rest) = match text.find('\n') {
                    Some(i) => (&text[..i], &text[i + 1..]),
                    None => (text.as_str(), ""),
                };
                if !rest.is_empty() {
                    let mut more = rest.as_bytes().to_vec();
                    if !rest.ends_with('\n') {
                        more.push(b'\n');
                    }
                    crate::signals::unread_stdin(&more);
                }
                self.remember(first);
                Got::Line(first.to_string())
            }
            Err(ReadlineError::Interrupted) => Got::Interrupt,
            Err(ReadlineError::Signal(rustyline::error::Signal::Interrupt)) => Got::Interrupt,
            Err(_) => Got::Eof,
        }
    }

    /// Adds a command line to the history and appends it to the file
    /// (created 0600 by rustyline), so an exit without `quit` keeps it.
    pub fn remember(&mut self, line: &str) {
        if line.trim().is_empty() {
            return;
        }
        if self.ed.add_history_entry(line).unwrap_or(false)
            && let Some(f) = &self.file
        {
            let _ = self.ed.append_history(f);
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
