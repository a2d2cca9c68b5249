//! Interrupt and hangup handling for the interactive parts (composing, the
//! command prompt). Handlers only set flags (no SA_RESTART, so a blocking
//! read returns EINTR and the reader looks at the flags). A signal that was
//! ignored when we started (`nohup`, `&`) stays ignored, as in bsd-mailx.
//! There is deliberately no SIGCHLD handler: see `child`.

use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANGUP: AtomicBool = AtomicBool::new(false);

extern "C" fn on_int(_: libc::c_int) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

extern "C" fn on_hup(_: libc::c_int) {
    HANGUP.store(true, Ordering::SeqCst);
}

fn install(sig: libc::c_int, handler: extern "C" fn(libc::c_int)) -> bool {
    // SAFETY: sigaction with a handler that only stores to an atomic; we first
    // query the current disposition and leave an inherited SIG_IGN alone.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        if libc::sigaction(sig, std::ptr::null(), &mut old) == 0
            && old.sa_sigaction == libc::SIG_IGN
        {
            return false;
        }
        let mut sa: libc::sigaction = std::mem::zeroed();
        sa.sa_sigaction = handler as *const () as libc::sighandler_t;
        libc::sigemptyset(&mut sa.sa_mask);
        sa.sa_flags = 0;
        libc::sigaction(sig, &sa, std::ptr::null_mut()) == 0
    }
}

/// Installs the SIGINT and SIGHUP flag handlers (idempotent).
pub fn install_interactive() {
    install(libc::SIGINT, on_int);
    install(libc::SIGHUP, on_hup);
}

/// Takes (and clears) a pending SIGINT.
pub fn take_interrupt() -> bool {
    INTERRUPTED.swap(false, Ordering::SeqCst)
}

/// True when a SIGINT is pending (without taking it).
pub fn interrupt_pending() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// True once SIGHUP arrived.
pub fn hangup() -> bool {
    HANGUP.load(Ordering::SeqCst)
}

/// What reading a line from the terminal gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Line {
    Text(Vec<u8>),
    Eof,
    Interrupt,
    Hangup,
}

thread_local! {
    static STDIN_BUF: std::cell::RefCell<(Vec<u8>, usize)> = const { std::cell::RefCell::new((Vec::new(), 0)) };
}

/// Reads one line from standard input through the one shared stdin buffer
/// (the command loop and the composer both read through it, as bsd-mailx's
/// stdio `stdin`), reporting SIGINT and SIGHUP that arrive while waiting.
pub fn read_line_fd0() -> Line {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        let mut line = Vec::new();
        loop {
            let (buf, pos) = &mut *st;
            if *pos < buf.len() {
                let avail = &buf[*pos..];
                if let Some(i) = memchr::memchr(b'\n', avail) {
                    line.extend_from_slice(&avail[..=i]);
                    *pos += i + 1;
                    return Line::Text(line);
                }
                line.extend_from_slice(avail);
                *pos = buf.len();
            }
            buf.clear();
            *pos = 0;
            buf.resize(64 * 1024, 0);
            // SAFETY: read(2) into our own buffer of the given length.
            let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                buf.clear();
                let e = std::io::Error::last_os_error();
                if e.kind() == std::io::ErrorKind::Interrupted {
                    if hangup() {
                        return Line::Hangup;
                    }
                    if take_interrupt() {
                        return Line::Interrupt;
                    }
                    continue;
                }
                return if line.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(line)
                };
            }
            buf.truncate(n as usize);
            if n == 0 {
                return if line.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(line)
                };
            }
        }
    })
}
