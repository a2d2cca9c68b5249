//! Drawing the line editor's line: the prompt and the text laid out over as
//! many terminal rows as they need (wrapping at the window's width, read at
//! every redraw so a resize takes effect at the next key), the cursor put
//! where the edit point is.
//!
//! The layout is done here rather than left to the terminal's automatic
//! wrapping: a character that does not fit at the end of a row (a wide
//! character in the last column) goes to the next row as terminals put it,
//! combining characters (width 0) stay on their base character's cell, and
//! escape sequences in the prompt take no room. Widths come from
//! `term::text::char_width`, the one width function of the program.

use super::text::char_width;
use rustix::termios::tcgetwinsize;
use std::io;

/// Columns of the terminal on standard output (80 when it does not say).
pub(crate) fn columns() -> usize {
    match tcgetwinsize(io::stdout()) {
        Ok(ws) if ws.ws_col > 0 => usize::from(ws.ws_col),
        _ => 80,
    }
}

/// How a character of the edited text is shown: control characters (which
/// a value taken from a received message may hold) as `?`.
fn shown(ch: char) -> char {
    if (ch as u32) < 0x20 || (0x7f..0xa0).contains(&(ch as u32)) {
        '?'
    } else {
        ch
    }
}

/// The prompt and line laid out for `cols` columns.
pub(crate) struct Layout {
    /// What to write after a carriage return at the first row.
    pub text: String,
    /// (row, column) of the boundary before each character of the line,
    /// and of the end of the line (the last entry).
    pub pos: Vec<(usize, usize)>,
}

/// Lays out `prompt` and `line` in rows of `cols` columns (see the module
/// comment).
pub(crate) fn layout(prompt: &str, line: &[char], cols: usize) -> Layout {
    let cols = cols.max(2);
    let mut text = String::new();
    let (mut row, mut col) = (0usize, 0usize);
    let place = |text: &mut String, ch: char, w: usize, row: &mut usize, col: &mut usize| {
        if w > 0 && *col + w > cols {
            text.push_str("\r\n");
            *row += 1;
            *col = 0;
        }
        text.push(ch);
        *col += w;
    };
    // Escape sequences in the prompt (colours) take no room.
    let mut esc = false;
    for ch in prompt.chars() {
        if esc {
            text.push(ch);
            if ('@'..='~').contains(&ch) && ch != '[' {
                esc = false;
            }
            continue;
        }
        if ch == '\x1b' {
            esc = true;
            text.push(ch);
            continue;
        }
        let ch = shown(ch);
        place(&mut text, ch, char_width(ch), &mut row, &mut col);
    }
    let mut pos = Vec::with_capacity(line.len() + 1);
    for &ch in line {
        let ch = shown(ch);
        let w = char_width(ch);
        if w > 0 && col + w > cols {
            pos.push((row + 1, 0));
        } else {
            pos.push((row, col.min(cols - 1)));
        }
        place(&mut text, ch, w, &mut row, &mut col);
    }
    if col >= cols {
        // A full last row: the end is at the start of the next one (the
        // terminal's cursor waits in the last column until told).
        text.push_str("\r\n");
        row += 1;
        col = 0;
    }
    pos.push((row, col));
    Layout { text, pos }
}

/// The bytes that redraw the line: from the cursor's row of the last draw
/// (`*cursor_row` rows below the prompt's first row) up to the prompt,
/// the laid-out text, the rest of the screen cleared, the cursor moved to
/// character `cur`. Updates `*cursor_row`.
pub(crate) fn redraw(prompt: &str, line: &[char], cur: usize, cursor_row: &mut usize) -> String {
    let l = layout(prompt, line, columns());
    let mut s = String::new();
    if *cursor_row > 0 {
        s.push_str(&format!("\x1b[{}A", *cursor_row));
    }
    s.push('\r');
    s.push_str(&l.text);
    s.push_str("\x1b[J");
    let (end_row, _) = *l.pos.last().expect("end position");
    let (row, col) = l.pos[cur.min(line.len())];
    if end_row > row {
        s.push_str(&format!("\x1b[{}A", end_row - row));
    }
    s.push('\r');
    if col > 0 {
        s.push_str(&format!("\x1b[{col}C"));
    }
    *cursor_row = row;
    s
}

/// The bytes that move the cursor from its row (`cursor_row`) to the end of
/// the line, before the newline that ends it.
pub(crate) fn to_end(prompt: &str, line: &[char], cursor_row: usize) -> String {
    let l = layout(prompt, line, columns());
    let (end_row, end_col) = *l.pos.last().expect("end position");
    let mut s = String::new();
    if end_row > cursor_row {
        s.push_str(&format!("\x1b[{}B", end_row - cursor_row));
    }
    s.push('\r');
    if end_col > 0 {
        s.push_str(&format!("\x1b[{end_col}C"));
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    #[test]
    fn a_long_line_wraps_at_the_width() {
        let l = layout("& ", &chars("abcdefgh"), 4);
        assert_eq!(l.text, "& ab\r\ncdef\r\ngh");
        assert_eq!(l.pos[0], (0, 2));
        assert_eq!(l.pos[2], (1, 0));
        assert_eq!(*l.pos.last().unwrap(), (2, 2));
    }

    #[test]
    fn a_wide_character_that_does_not_fit_goes_to_the_next_row() {
        let l = layout("& ", &chars("a漢"), 4);
        assert_eq!(l.text, "& a\r\n漢");
        assert_eq!(l.pos[1], (1, 0));
        assert_eq!(*l.pos.last().unwrap(), (1, 2));
    }

    #[test]
    fn combining_marks_and_prompt_escapes_take_no_room() {
        let l = layout("\x1b[1m>\x1b[0m ", &chars("e\u{301}x"), 80);
        assert_eq!(l.pos[2], (0, 3));
        assert_eq!(*l.pos.last().unwrap(), (0, 4));
    }

    #[test]
    fn a_full_last_row_puts_the_end_on_the_next() {
        let l = layout("& ", &chars("ab"), 4);
        assert_eq!(*l.pos.last().unwrap(), (1, 0));
        assert!(l.text.ends_with("ab\r\n"));
    }
}
