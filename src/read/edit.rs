//! `edit` and `visual`: the message is written to a private (0600)
//! temporary file, `$EDITOR` / `$VISUAL` runs on it through `child` (the
//! value is split into words as bsd-mailx does, no shell), and a changed file
//! replaces the message. When the editor exits with an error, the edit is
//! still kept (Debian patch 20). A changed file counts as an edit even when
//! the editor finished within the same second (bsd-mailx compares
//! modification times in seconds and loses such an edit).

use super::ReadState;
use crate::session::Session;
use crate::term::stdin::{Line, read_line_fd0};
use crate::{child, lex, outp, output, util};
use std::io::Write;

fn editor_for(s: &Session, visual: bool) -> String {
    let (var, default) = if visual {
        ("VISUAL", "/usr/bin/vi")
    } else {
        ("EDITOR", "/usr/bin/editor")
    };
    s.value(var)
        .filter(|v| !v.is_empty())
        .unwrap_or(default)
        .to_string()
}

/// Reads one answer line from standard input (the buffer the command loop
/// reads through).
fn ask(prompt: &str) -> Option<String> {
    outp!("{prompt}");
    output::flush();
    match read_line_fd0() {
        Line::Text(t) => Some(String::from_utf8_lossy(&t).into_owned()),
        _ => None,
    }
}

/// bsd-mailx's `edit1`.
pub(crate) fn edit(s: &mut Session, st: &mut ReadState, msgvec: &[usize], visual: bool) -> bool {
    let editor = editor_for(s, visual);
    let count = st.count();
    for (k, &m) in msgvec.iter().enumerate().take(count) {
        if k > 0 {
            let Some(ans) = ask(&format!("Edit message {m} [ynq]? ")) else {
                break;
            };
            match ans.trim_start_matches([' ', '\t']).chars().next() {
                Some('q') => break,
                Some('n') => continue,
                _ => {}
            }
        }
        st.dot = m - 1;
        st.touch(m - 1);
        let content = match st.mb.raw_message(m - 1) {
            Ok(c) => c,
            Err(e) => {
                util::warn(&st.mailname, &e);
                return false;
            }
        };
        let (mut f, path) = match util::named_temp_file("Re") {
            Ok(v) => v,
            Err(e) => {
                util::warn("/tmp", &e);
                return false;
            }
        };
        if let Err(e) = f.write_all(&content).and_then(|_| f.flush()) {
            util::warn(&path.to_string_lossy(), &e);
            let _ = std::fs::remove_file(&path);
            return false;
        }
        drop(f);
        let mut words = lex::getrawlist(&editor);
        if words.is_empty() {
            words.push(editor.clone());
        }
        // As Debian's bsd-mailx: an editor that exits with an error still
        // leaves its edit, which is kept, silently. Only an editor that
        // cannot be started is reported.
        if let Err(e) = child::run_editor(&words, &path) {
            util::warn(&words[0], &e);
        }
        match std::fs::read(&path) {
            Ok(new) if new != content => {
                let new = if new.ends_with(b"\n\n") || new.is_empty() {
                    new
                } else if new.ends_with(b"\n") {
                    // Keep the blank line that separates messages (Debian patch 13).
                    [new.as_slice(), b"\n"].concat()
                } else {
                    [new.as_slice(), b"\n\n"].concat()
                };
                st.mb.replace_message(m - 1, new);
                st.header_cache.clear();
            }
            Ok(_) => {}
            Err(e) => util::warn(&path.to_string_lossy(), &e),
        }
        let _ = std::fs::remove_file(&path);
    }
    true
}
