//! Small shared helpers: the program name used in messages and libc's error texts.

use std::io;
use std::sync::OnceLock;

static PROGNAME: OnceLock<String> = OnceLock::new();

/// Records the basename the program was invoked as (`mail`, `Mail`, `mailx`, ...).
pub fn set_progname(argv0: &str) {
    let base = argv0.rsplit('/').next().unwrap_or(argv0);
    let _ = PROGNAME.set(if base.is_empty() { "mail".to_string() } else { base.to_string() });
}

/// The basename used as the prefix of error messages.
pub fn progname() -> &'static str {
    PROGNAME.get().map(|s| s.as_str()).unwrap_or("mail")
}

/// libc's text for an error, without Rust's "(os error N)" suffix, as err(3) prints it.
pub fn strerror(err: &io::Error) -> String {
    match err.raw_os_error() {
        Some(code) => {
            // SAFETY: strerror returns a pointer to a NUL-terminated static or
            // thread-local string; we copy it out at once.
            let p = unsafe { libc::strerror(code) };
            if p.is_null() {
                return err.to_string();
            }
            unsafe { std::ffi::CStr::from_ptr(p) }.to_string_lossy().into_owned()
        }
        None => err.to_string(),
    }
}
