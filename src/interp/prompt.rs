//! The `& ` prompt's source of command lines: standard input, on a terminal
//! through the line editor, otherwise through the stdin buffer shared with
//! the composer; `autoinc` before each prompt, `ignoreeof`, ^C at the prompt
//! and hangup.

use super::Ctx;
use super::source::LineSource;
use super::table::{COMMANDS, lookup};
use crate::expand::folder_dir;
use crate::read::setfile;
use crate::session::Session;
use crate::term::complete::Names;
use crate::term::winsize::set_screen_size;
use crate::term::{lineedit, stdin};
use crate::vars::KNOWN;
use crate::{outln, outp, output};

/// Before each prompt: `autoinc` when interactive. The prompt itself is
/// printed (or handed to the line editor) by `StdinSource`.
fn before_prompt(cx: &mut Ctx<'_>) {
    let Some(st) = cx.rd.as_mut() else {
        return;
    };
    if cx.s.interactive()
        && cx.s.is_set("autoinc")
        && st.mb.poll_due()
        && setfile::incfile(st).is_some_and(|n| n > 0)
    {
        outln!("New mail has arrived.");
    }
}

/// What Tab completes to at the prompt (`term::complete`): the command
/// table, the variables (documented and set), the aliases, the folder and
/// home directories.
fn completion_names(s: &Session) -> Names {
    let mut variables: Vec<String> = KNOWN.iter().map(|v| v.name.to_string()).collect();
    variables.extend(s.vars.iter().map(|(k, _)| k.to_string()));
    variables.sort();
    variables.dedup();
    Names {
        commands: COMMANDS
            .iter()
            .map(|c| c.name)
            .filter(|n| *n != "#")
            .collect(),
        resolve: Some(|w| lookup(w).map(|c| c.name)),
        variables,
        aliases: s.aliases.keys().cloned().collect(),
        folder: folder_dir(s),
        home: s.homedir.clone(),
    }
}

/// Command lines from standard input, the only one: on a terminal through
/// the line editor (`lineedit`), otherwise through the stdin buffer shared
/// with the composer (`term::stdin::read_line_fd0`), so a reply's body is read
/// from the same stream. Prints or passes the `& ` prompt, and handles
/// `ignoreeof`, ^C at the prompt and hangup.
pub(super) struct StdinSource {
    eofs: usize,
    /// The `& ` prompt is due before the next line (not for a line that
    /// continues one ending in a backslash).
    prompt_due: bool,
    editor: Option<lineedit::LineEditor>,
    /// The editor was tried (created or failed): never again.
    editor_tried: bool,
}

impl StdinSource {
    pub(super) fn new() -> Self {
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
    fn editor(&mut self, s: &Session) -> Option<&mut lineedit::LineEditor> {
        if !self.editor_tried && lineedit::wanted(s) {
            self.editor_tried = true;
            self.editor = lineedit::LineEditor::new(s);
        }
        let ed = self.editor.as_mut()?;
        // The editor reads through the shared stdin buffer, so lines already
        // buffered or typed ahead go through it too, in order.
        if !s.interactive() {
            return None;
        }
        Some(ed)
    }

    fn read(&mut self, s: &mut Session, reading: bool) -> stdin::Line {
        use lineedit::Got;
        use stdin::{Line, read_line_fd0};
        let prompt = std::mem::take(&mut self.prompt_due) && reading && s.interactive();
        if self.editor(s).is_some() {
            let ed = self.editor.as_mut().expect("editor");
            ed.names = completion_names(s);
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
            outp!("& ");
        }
        output::flush();
        let line = read_line_fd0();
        if let (Line::Text(t), Some(ed)) = (&line, self.editor.as_mut()) {
            let t = String::from_utf8_lossy(t);
            ed.remember(t.trim_end_matches('\n'));
        }
        line
    }
}

impl LineSource for StdinSource {
    fn before_prompt(&mut self, cx: &mut Ctx<'_>) {
        before_prompt(cx);
        self.prompt_due = true;
    }

    fn next_line(&mut self, cx: &mut Ctx<'_>) -> Option<String> {
        use stdin::Line;
        loop {
            let reading = cx.rd.is_some();
            match self.read(cx.s, reading) {
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
                    if cx.s.interactive() && cx.s.is_set("ignoreeof") && self.eofs < 24 {
                        self.eofs += 1;
                        outln!("Use \"quit\" to quit.");
                        self.before_prompt(cx);
                        continue;
                    }
                    return None;
                }
                Line::Interrupt => {
                    output::err_line("Interrupt");
                    self.before_prompt(cx);
                }
                // bsd-mailx: SIGHUP in command mode exits 1 without saving.
                Line::Hangup => {
                    output::flush();
                    std::process::exit(1);
                }
            }
        }
    }
}
