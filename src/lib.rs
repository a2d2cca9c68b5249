//! mailx: the BSD `mail`/`mailx` user agent as a library, with a thin binary on top.
//!
//! Module map (one concern each):
//! - `util`: program name, libc error texts, warn/warnx helpers.

pub mod mailbox;
pub mod util;

/// Runs the program with the given argv and returns the exit status.
pub fn run(args: Vec<std::ffi::OsString>) -> i32 {
    let _ = args;
    0
}
