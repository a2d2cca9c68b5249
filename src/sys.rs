//! The system calls that stay on libc, each behind a safe function: the one
//! module whose blocks the compiler cannot check for memory safety. Everything `rustix` offers (read/write on file
//! descriptors, poll, termios, the window size, access, kill, uname, the
//! user ids) is called through `rustix` where it is used; what is here has
//! no safe wrapper there:
//!
//! - signal dispositions ([`catch`], [`IgnoreSignals`], [`reset_default`])
//!   and the SIGHUP exit of the line editor ([`arm_hangup_restore`],
//!   [`hangup_restore_and_exit`]);
//! - libc's exact error texts ([`strerror`]; tests compare our messages
//!   with bsd-mailx byte for byte);
//! - the locale's codeset ([`locale_codeset`]), `wordexp(3)` ([`wordexp`]),
//!   local time ([`localtime_now`], [`strftime`]), the password database ([`passwd_name_dir`]);
//! - `sync_file_range(2)` ([`sync_file_range`], [`sync_file_range_wait`]);
//! - removing an environment variable at start-up ([`remove_env_at_startup`]);
//! - the program's C entry point on glibc Linux ([`mailx_c_main`]).
//!
//! Every block says why it is sound (`SAFETY:`).

use rustix::termios::{OptionalActions, Termios, tcsetattr};
use std::cell::UnsafeCell;
use std::ffi::{CStr, CString, c_int};
use std::io;
use std::os::fd::{AsFd, AsRawFd};
use std::sync::atomic::{AtomicBool, Ordering};

/// A signal number (`libc::SIGINT`, ...).
pub(crate) type Signal = c_int;

/// What `sigaction` does: query only, install a handler or disposition,
/// or put back a saved action.
enum Action<'a> {
    Query,
    Set(libc::sighandler_t),
    Restore(&'a libc::sigaction),
}

/// `sigaction(2)`: returns the action in force before the call (None when
/// the call failed: an invalid or uncatchable signal).
fn sigaction(sig: Signal, act: Action<'_>) -> Option<libc::sigaction> {
    // SAFETY: `sigaction` is a plain C struct for which all-zero is a valid
    // value; `new` is fully set up (handler, empty mask, no flags) before
    // it is passed, and both pointers are valid for the call. The handlers
    // passed in through `catch` are `extern "C" fn(c_int)` that only touch
    // atomics (see term::signals), the dispositions SIG_IGN/SIG_DFL have no
    // memory effects, and a restored action is one the kernel gave us.
    unsafe {
        let mut old: libc::sigaction = std::mem::zeroed();
        let mut new: libc::sigaction = std::mem::zeroed();
        let newp: *const libc::sigaction = match act {
            Action::Query => std::ptr::null(),
            Action::Set(handler) => {
                new.sa_sigaction = handler;
                libc::sigemptyset(&mut new.sa_mask);
                new.sa_flags = 0;
                &new
            }
            Action::Restore(a) => a,
        };
        (libc::sigaction(sig, newp, &mut old) == 0).then_some(old)
    }
}

/// Installs `handler` for `sig` without SA_RESTART (so a blocking read
/// returns EINTR), unless the signal is ignored (inherited from `nohup` or
/// `&`), which stays as it is. True when the handler is in place.
pub(crate) fn catch(sig: Signal, handler: extern "C" fn(Signal)) -> bool {
    match sigaction(sig, Action::Query) {
        Some(old) if old.sa_sigaction == libc::SIG_IGN => false,
        Some(_) => {
            let h = handler as *const () as libc::sighandler_t;
            sigaction(sig, Action::Set(h)).is_some()
        }
        None => false,
    }
}

/// Sets `sig` to its default action.
pub(crate) fn reset_default(sig: Signal) {
    sigaction(sig, Action::Set(libc::SIG_DFL));
}

/// Sets the given signals to SIG_IGN while alive and puts back the
/// actions they had (handler, mask and flags) when dropped. Children
/// spawned meanwhile inherit SIG_IGN across exec.
pub(crate) struct IgnoreSignals {
    saved: Vec<(Signal, libc::sigaction)>,
}

impl IgnoreSignals {
    pub(crate) fn new(sigs: &[Signal]) -> IgnoreSignals {
        let saved = sigs
            .iter()
            .filter_map(|&sig| Some((sig, sigaction(sig, Action::Set(libc::SIG_IGN))?)))
            .collect();
        IgnoreSignals { saved }
    }
}

impl Drop for IgnoreSignals {
    fn drop(&mut self) {
        for (sig, act) in self.saved.iter().rev() {
            sigaction(*sig, Action::Restore(act));
        }
    }
}

/// The terminal mode to put back when SIGHUP arrives while the line editor
/// has the terminal in raw mode.
struct SavedMode(UnsafeCell<Option<Termios>>);
// SAFETY: written only by `arm_hangup_restore` while ARMED is false (the
// one thread that reads command lines), read only by the SIGHUP handler
// while ARMED is true: never written and read at the same time.
unsafe impl Sync for SavedMode {}
static COOKED: SavedMode = SavedMode(UnsafeCell::new(None));
static ARMED: AtomicBool = AtomicBool::new(false);

/// With `Some(mode)`: from now on [`hangup_restore_and_exit`] puts the
/// terminal (fd 0) back in `mode` and exits 1. With None: it does nothing.
pub(crate) fn arm_hangup_restore(mode: Option<&Termios>) {
    ARMED.store(false, Ordering::SeqCst);
    if let Some(m) = mode {
        // SAFETY: ARMED is false, so the handler does not read COOKED now
        // (see SavedMode); this thread is the only writer.
        unsafe { *COOKED.0.get() = Some(m.clone()) };
        ARMED.store(true, Ordering::SeqCst);
    }
}

/// Called from the SIGHUP handler: when armed, restores the saved terminal
/// mode and exits 1 at once (`_exit`: no buffers are flushed, nothing runs
/// that is not async-signal-safe). Otherwise returns.
pub(crate) fn hangup_restore_and_exit() {
    if !ARMED.load(Ordering::SeqCst) {
        return;
    }
    // SAFETY: ARMED is true, so COOKED was written before it was set and is
    // not written while it is (see SavedMode). rustix's tcsetattr is one
    // ioctl and _exit a system call: both async-signal-safe.
    unsafe {
        if let Some(m) = &*COOKED.0.get() {
            let _ = tcsetattr(io::stdin().as_fd(), OptionalActions::Now, m);
        }
        libc::_exit(1);
    }
}

/// libc's text for an error number, exactly as strerror(3) gives it (in
/// our locale: LC_MESSAGES is never set, so the C texts).
pub(crate) fn strerror(code: i32) -> Option<String> {
    // SAFETY: strerror returns a pointer to a NUL-terminated string (static,
    // or a buffer of this thread for unknown numbers) or NULL; it is copied
    // out before anything else can call strerror on this thread.
    unsafe {
        let p = libc::strerror(code);
        (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}

/// `setlocale(LC_CTYPE, "")` then `nl_langinfo(CODESET)`: the locale's
/// character set name as bsd-mailx gets it (None if there is none).
pub(crate) fn locale_codeset() -> Option<String> {
    // SAFETY: setlocale with an empty string reads the environment; it runs
    // once, before any thread is started. nl_langinfo returns a pointer to
    // a NUL-terminated string (or NULL) that is copied out at once.
    unsafe {
        libc::setlocale(libc::LC_CTYPE, c"".as_ptr());
        let p = libc::nl_langinfo(libc::CODESET);
        (!p.is_null()).then(|| CStr::from_ptr(p).to_string_lossy().into_owned())
    }
}

/// Why [`wordexp`] gave no single word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WordExpError {
    /// The word holds `$(...)` or backquotes (refused: WRDE_NOCMD).
    CommandSubstitution,
    /// A syntax error, an illegal character, or a name that is not a C string.
    Syntax,
    /// It expanded to nothing.
    NoMatch,
    /// It expanded to more than one word.
    Ambiguous,
}

#[repr(C)]
struct WordExpT {
    we_wordc: libc::size_t,
    we_wordv: *mut *mut libc::c_char,
    we_offs: libc::size_t,
}

// glibc's wordexp(3), which the libc crate does not declare.
unsafe extern "C" {
    #[link_name = "wordexp"]
    fn c_wordexp(words: *const libc::c_char, pwordexp: *mut WordExpT, flags: c_int) -> c_int;
    #[link_name = "wordfree"]
    fn c_wordfree(pwordexp: *mut WordExpT);
}

const WRDE_NOCMD: c_int = 1 << 2;
const WRDE_NOSPACE: c_int = 1;
const WRDE_CMDSUB: c_int = 4;

/// glibc's `wordexp(3)` with command substitution refused (WRDE_NOCMD: it
/// never starts a shell): the one word `word` expands to.
pub(crate) fn wordexp(word: &str) -> Result<String, WordExpError> {
    let c = CString::new(word).map_err(|_| WordExpError::Syntax)?;
    let mut we = WordExpT {
        we_wordc: 0,
        we_wordv: std::ptr::null_mut(),
        we_offs: 0,
    };
    // SAFETY: `c` is NUL-terminated and `we` a zeroed wordexp_t. After a
    // success we_wordv holds we_wordc valid C strings, copied out before
    // wordfree. wordexp leaves `we` valid for wordfree on every error but
    // WRDE_NOSPACE, and `we` is freed exactly once.
    unsafe {
        let rc = c_wordexp(c.as_ptr(), &mut we, WRDE_NOCMD);
        if rc != 0 {
            if rc != WRDE_NOSPACE {
                c_wordfree(&mut we);
            }
            return Err(if rc == WRDE_CMDSUB {
                WordExpError::CommandSubstitution
            } else {
                WordExpError::Syntax
            });
        }
        let r = match we.we_wordc {
            0 => Err(WordExpError::NoMatch),
            1 => Ok(CStr::from_ptr(*we.we_wordv).to_string_lossy().into_owned()),
            _ => Err(WordExpError::Ambiguous),
        };
        c_wordfree(&mut we);
        r
    }
}

/// The local time now, as localtime_r(3) breaks it down (with the offset
/// from UTC in `tm_gmtoff`).
pub(crate) fn localtime_now() -> libc::tm {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    localtime(t)
}

/// Seconds since the epoch `t` as localtime_r(3) breaks it down.
pub(crate) fn localtime(t: i64) -> libc::tm {
    let t = t as libc::time_t;
    // SAFETY: `tm` is a plain C struct for which all-zero is valid;
    // localtime_r fills it from `t` (it stays zero if that fails).
    unsafe {
        let mut tm: libc::tm = std::mem::zeroed();
        libc::localtime_r(&t, &mut tm);
        tm
    }
}

/// strftime(3) of `tm` with `fmt` (the locale's names, as s-nail's
/// `datefield` shows them). None when `fmt` holds a NUL or the result is
/// empty or longer than 1024 bytes.
/// The first call sets LC_TIME from the environment (only strftime reads
/// it); it is made from the main thread, when no other thread runs.
pub(crate) fn strftime(fmt: &str, tm: &libc::tm) -> Option<Vec<u8>> {
    static LC_TIME: std::sync::Once = std::sync::Once::new();
    // SAFETY: setlocale with an empty string reads the environment; it runs
    // once, before any strftime, while no other thread uses the locale.
    LC_TIME.call_once(|| unsafe {
        libc::setlocale(libc::LC_TIME, c"".as_ptr());
    });
    let cfmt = CString::new(fmt).ok()?;
    let mut buf = vec![0u8; 1024];
    // SAFETY: `buf` is writable for `buf.len()` bytes, `cfmt` is a valid C
    // string and `tm` a valid struct; strftime writes at most that many
    // bytes and returns how many it wrote (0 when they do not fit).
    let n = unsafe {
        libc::strftime(
            buf.as_mut_ptr().cast::<libc::c_char>(),
            buf.len(),
            cfmt.as_ptr(),
            tm,
        )
    };
    if n == 0 {
        return None;
    }
    buf.truncate(n);
    Some(buf)
}

/// The login name and home directory of `name` in the password database,
/// or of the real uid when `name` is None.
pub(crate) fn passwd_name_dir(name: Option<&str>) -> Option<(String, String)> {
    let cname = match name {
        Some(n) => Some(CString::new(n).ok()?),
        None => None,
    };
    let uid = rustix::process::getuid().as_raw();
    // SAFETY: getpwnam/getpwuid return a pointer to libc's static entry or
    // NULL; its fields are NUL-terminated strings, copied out at once. It is
    // called at start-up, before any other thread could call them.
    unsafe {
        let pw = match &cname {
            Some(c) => libc::getpwnam(c.as_ptr()),
            None => libc::getpwuid(uid),
        };
        if pw.is_null() {
            return None;
        }
        let name = CStr::from_ptr((*pw).pw_name).to_string_lossy().into_owned();
        let dir = CStr::from_ptr((*pw).pw_dir).to_string_lossy().into_owned();
        Some((name, dir))
    }
}

#[allow(
    dead_code,
    reason = "used by mailbox/write.rs once it calls the two below"
)]
fn sync_range(fd: impl AsFd, off: u64, len: u64, flags: libc::c_uint) -> io::Result<()> {
    let fd = fd.as_fd();
    let (Ok(off), Ok(len)) = (libc::off64_t::try_from(off), libc::off64_t::try_from(len)) else {
        return Err(io::Error::from_raw_os_error(libc::EINVAL));
    };
    // SAFETY: a system call on a descriptor that `fd` keeps open for the
    // call; no memory is passed.
    let r = unsafe { libc::sync_file_range(fd.as_raw_fd(), off, len, flags) };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// `sync_file_range(fd, off, len, SYNC_FILE_RANGE_WRITE)`: starts the
/// write-back of the dirty pages in the range, without waiting. The error
/// keeps its errno (EINVAL, ESPIPE, ENOSYS, EOPNOTSUPP where unsupported).
pub(crate) fn sync_file_range(fd: impl AsFd, off: u64, len: u64) -> io::Result<()> {
    sync_range(fd, off, len, libc::SYNC_FILE_RANGE_WRITE)
}

/// `sync_file_range` with WAIT_BEFORE | WRITE | WAIT_AFTER: writes the range
/// back and waits until it is on the device (not a substitute for fsync:
/// no metadata, no cache flush).
pub(crate) fn sync_file_range_wait(fd: impl AsFd, off: u64, len: u64) -> io::Result<()> {
    sync_range(
        fd,
        off,
        len,
        libc::SYNC_FILE_RANGE_WAIT_BEFORE
            | libc::SYNC_FILE_RANGE_WRITE
            | libc::SYNC_FILE_RANGE_WAIT_AFTER,
    )
}

/// Removes an environment variable (for us and the children we start).
/// Only for start-up, before any thread exists.
pub(crate) fn remove_env_at_startup(name: &str) {
    // SAFETY: called from `run` at start-up while the process has a single
    // thread, so nothing reads the environment concurrently.
    unsafe { std::env::remove_var(name) };
}

/// The program's entry point on glibc Linux: `build.rs` has the linker
/// name it `main` for the binary (which is `#![no_main]`), so Rust's
/// runtime start-up, which reads `/proc/self/maps` and maps a signal stack
/// for its stack-overflow message on every start (about 0.07 ms, 2 % of
/// sending a message; docs/BENCHMARKS.md), does not run. What the program
/// relies on from it is done here the same way: file descriptors 0–2 are
/// opened on `/dev/null` when closed (so no file we open becomes standard
/// output), SIGPIPE is ignored (a write to a closed pipe is an `EPIPE`
/// error, see `output`), and a panic that reaches the top exits with
/// status 101. The arguments come from `std::env::args_os`, which std
/// fills from glibc before `main` runs. Two differences remain, both only
/// after a bug: a stack overflow ends in SIGSEGV without Rust's one-line
/// message, and a panic message names the thread `<unnamed>`, not `main`.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[unsafe(no_mangle)]
pub extern "C" fn mailx_c_main(_argc: c_int, _argv: *const *const libc::c_char) -> c_int {
    let mut fds = [0, 1, 2].map(|fd| libc::pollfd {
        fd,
        events: 0,
        revents: 0,
    });
    // SAFETY: poll reads and writes only the three pollfd structs of
    // `fds`; open(2) returns a new descriptor that is deliberately never
    // closed (it becomes the missing standard one: the lowest free
    // number); signal(2) changes a disposition and touches no memory.
    unsafe {
        while libc::poll(fds.as_mut_ptr(), 3, 0) == -1 {
            if io::Error::last_os_error().kind() != io::ErrorKind::Interrupted {
                break;
            }
        }
        for p in &fds {
            if p.revents & libc::POLLNVAL != 0
                && libc::open(c"/dev/null".as_ptr(), libc::O_RDWR) == -1
            {
                libc::abort();
            }
        }
        libc::signal(libc::SIGPIPE, libc::SIG_IGN);
    }
    let code = std::panic::catch_unwind(|| crate::run(std::env::args_os().collect()));
    std::process::exit(code.unwrap_or(101))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strerror_gives_the_c_text() {
        assert_eq!(strerror(libc::ENOENT).unwrap(), "No such file or directory");
        assert_eq!(strerror(libc::ENOTDIR).unwrap(), "Not a directory");
    }

    #[test]
    fn wordexp_refuses_commands_and_reports_counts() {
        assert_eq!(wordexp("'a b'"), Ok("a b".to_string()));
        assert_eq!(wordexp("$(true)"), Err(WordExpError::CommandSubstitution));
        assert_eq!(wordexp("a b"), Err(WordExpError::Ambiguous));
        assert_eq!(wordexp("a\0b"), Err(WordExpError::Syntax));
    }

    #[test]
    fn sync_file_range_on_a_pipe_keeps_its_errno() {
        use crate::util::anon_temp_file;
        let (r, _w) = std::io::pipe().unwrap();
        let e = sync_file_range(&r, 0, 4096).unwrap_err();
        assert_eq!(e.raw_os_error(), Some(libc::ESPIPE));
        let f = anon_temp_file("sys").unwrap();
        sync_file_range(&f, 0, 0).unwrap();
        sync_file_range_wait(&f, 0, 0).unwrap();
    }

    #[test]
    fn ignored_signals_come_back() {
        // SIGWINCH: nothing else in the tests touches it.
        let before = sigaction(libc::SIGWINCH, Action::Query).unwrap();
        {
            let _g = IgnoreSignals::new(&[libc::SIGWINCH]);
            let now = sigaction(libc::SIGWINCH, Action::Query).unwrap();
            assert_eq!(now.sa_sigaction, libc::SIG_IGN);
        }
        let after = sigaction(libc::SIGWINCH, Action::Query).unwrap();
        assert_eq!(after.sa_sigaction, before.sa_sigaction);
        // glibc adds SA_RESTORER (0x04000000, its return trampoline) to
        // every action it sets.
        let flags = |a: &libc::sigaction| a.sa_flags & !0x0400_0000;
        assert_eq!(flags(&after), flags(&before));
    }
}
