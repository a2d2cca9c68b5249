//! The terminal layer shared by read mode, the composer and the line
//! editor:
//! - `stdin`: the one shared standard-input reader (with push-back);
//! - `signals`: the SIGINT/SIGHUP/SIGCONT flags the readers look at;
//! - `lineedit`: the line editor at the `& ` prompt and the header prompts;
//! - `complete`: Tab completion at the `& ` prompt;
//! - `linedraw`: how the editor draws a line (wrapping, widths, cursor);
//! - `text`: terminal-safe text (`tty_safe`, `safe_text`) and display widths;
//! - `winsize`: the window size.

pub(crate) mod complete;
pub(crate) mod linedraw;
pub(crate) mod lineedit;
pub(crate) mod signals;
pub(crate) mod stdin;
pub mod text;
pub(crate) mod winsize;
