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
    if EDITING.load(Ordering::SeqCst) {
        // The line editor has the terminal in raw mode and retries reads
        // interrupted by signals it does not know, so a hangup would go
        // unnoticed: exit 1 here as bsd-mailx does at the prompt, after
        // putting the terminal back in the mode it had.
        // SAFETY: tcsetattr and _exit are async-signal-safe; COOKED was
        // written before EDITING was set and is not written while it is.
        unsafe {
            libc::tcsetattr(0, libc::TCSANOW, (*COOKED.0.get()).as_ptr());
            libc::_exit(1);
        }
    }
}

/// The terminal mode saved before the line editor switches to raw mode.
struct SavedMode(std::cell::UnsafeCell<std::mem::MaybeUninit<libc::termios>>);
// SAFETY: written only while EDITING is false, by the one thread that reads
// command lines; read only by the SIGHUP handler while EDITING is true.
unsafe impl Sync for SavedMode {}
static COOKED: SavedMode = SavedMode(std::cell::UnsafeCell::new(std::mem::MaybeUninit::uninit()));
static EDITING: AtomicBool = AtomicBool::new(false);

/// Marks the line editor as reading (true) or done (false). Before it reads,
/// the terminal's current (cooked) mode is saved so that a SIGHUP arriving
/// while the terminal is raw can restore it before exiting 1.
pub fn line_editing(on: bool) {
    if !on {
        EDITING.store(false, Ordering::SeqCst);
        return;
    }
    // SAFETY: EDITING is false, so the handler does not read COOKED now;
    // tcgetattr fills the termios on success.
    let ok = unsafe { libc::tcgetattr(0, (*COOKED.0.get()).as_mut_ptr()) == 0 };
    if ok {
        EDITING.store(true, Ordering::SeqCst);
    }
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

static CONTINUED: AtomicBool = AtomicBool::new(false);
static COMPOSING: AtomicBool = AtomicBool::new(false);

extern "C" fn on_cont(_: libc::c_int) {
    CONTINUED.store(true, Ordering::SeqCst);
}

/// While composing on a terminal: after a job-control stop (^Z, then `fg`)
/// the composer prints `(continue)`, as bsd-mailx does. Returns a guard that
/// ends this when dropped.
pub fn composing() -> ComposingGuard {
    install(libc::SIGCONT, on_cont);
    CONTINUED.store(false, Ordering::SeqCst);
    COMPOSING.store(true, Ordering::SeqCst);
    ComposingGuard
}

/// See `composing`.
pub struct ComposingGuard;

impl Drop for ComposingGuard {
    fn drop(&mut self) {
        COMPOSING.store(false, Ordering::SeqCst);
    }
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
            if AFTER_EOF.with(|a| a.borrow().is_some()) {
                drop(st);
                take_deferred_eof();
                return if line.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(line)
                };
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
                    if CONTINUED.swap(false, Ordering::SeqCst) && COMPOSING.load(Ordering::SeqCst) {
                        crate::outln!("(continue)");
                        crate::output::flush();
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

/// One byte from standard input for the line editor.
#[derive(Debug, PartialEq, Eq)]
pub enum Byte {
    Byte(u8),
    Eof,
    Hangup,
    /// Nothing arrived within the wait (only when a timeout was given).
    Timeout,
}

/// Takes one byte from the shared stdin buffer, reading fd 0 when it is
/// empty (all bytes read stay in the buffer: what follows a command line is
/// there for the composer or the next prompt). With `timeout_ms`, gives up
/// when nothing arrives in that time.
pub fn read_byte(timeout_ms: Option<i32>) -> Byte {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        loop {
            let (buf, pos) = &mut *st;
            if *pos < buf.len() {
                let b = buf[*pos];
                *pos += 1;
                return Byte::Byte(b);
            }
            if AFTER_EOF.with(|a| a.borrow().is_some()) {
                drop(st);
                take_deferred_eof();
                return Byte::Eof;
            }
            if let Some(ms) = timeout_ms {
                let mut pfd = libc::pollfd {
                    fd: 0,
                    events: libc::POLLIN,
                    revents: 0,
                };
                // SAFETY: poll on one valid pollfd.
                let r = unsafe { libc::poll(&mut pfd, 1, ms) };
                if r == 0 {
                    return Byte::Timeout;
                }
            }
            buf.clear();
            *pos = 0;
            buf.resize(4096, 0);
            // SAFETY: read(2) into our own buffer of the given length.
            let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
            if n < 0 {
                buf.clear();
                if std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted {
                    if hangup() {
                        return Byte::Hangup;
                    }
                    continue;
                }
                return Byte::Eof;
            }
            buf.truncate(n as usize);
            if n == 0 {
                return Byte::Eof;
            }
        }
    })
}

thread_local! {
    /// Bytes after a ^D that arrived while the terminal was raw: the reader
    /// sees end of input first (as the tty would have given it), then these.
    static AFTER_EOF: std::cell::RefCell<Option<Vec<u8>>> = const { std::cell::RefCell::new(None) };
}

/// Bytes that arrived while the terminal was raw did not get the tty's
/// line discipline (CR → NL, ^D as end of input); apply it to what is still
/// buffered before going back to cooked mode, so the composer sees the lines
/// as it would have.
pub fn translate_pending_cr() {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        let (buf, pos) = &mut *st;
        for b in buf[*pos..].iter_mut() {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        if let Some(k) = buf[*pos..].iter().position(|&b| b == 4) {
            let at = *pos + k;
            let rest = buf[at + 1..].to_vec();
            buf.truncate(at);
            AFTER_EOF.with(|a| *a.borrow_mut() = Some(rest));
        }
    });
}

/// A ^D held back by `translate_pending_cr`: true (once) when the buffer is
/// used up and end of input is due; the bytes after it become readable.
fn take_deferred_eof() -> bool {
    let Some(rest) = AFTER_EOF.with(|a| a.borrow_mut().take()) else {
        return false;
    };
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        st.0 = rest;
        st.1 = 0;
    });
    true
}

/// Takes the next buffered byte if it is `want` (never reads fd 0).
pub fn take_buffered_if(want: u8) -> bool {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        let (buf, pos) = &mut *st;
        if *pos < buf.len() && buf[*pos] == want {
            *pos += 1;
            true
        } else {
            false
        }
    })
}
