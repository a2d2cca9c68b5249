//! The terminal's size: rows and columns of standard output, read at
//! start-up and again after each line-editor command (the window may have
//! been resized).

use crate::session::Session;
use rustix::termios::tcgetwinsize;
use std::io;

/// The window size of stdout as (rows, columns); 0 for what is unknown
/// (not a terminal, or a terminal that does not say).
fn window_size() -> (u16, u16) {
    tcgetwinsize(io::stdout()).map_or((0, 0), |ws| (ws.ws_row, ws.ws_col))
}

/// Sets the session's screen size from the terminal: 80×24 when stdout is
/// not a terminal.
pub(crate) fn set_screen_size(s: &mut Session) {
    let (rows, cols) = window_size();
    s.real_screen_height = if rows == 0 { 24 } else { rows as usize };
    s.screen_width = if cols == 0 { 80 } else { cols as usize };
    s.screen_height = s.real_screen_height;
}
