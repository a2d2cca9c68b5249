//! Interrupt and hangup handling for the interactive parts (composing, the
//! command prompt). Handlers only set flags (no SA_RESTART, so a blocking
//! read returns EINTR and the reader in `term::stdin` looks at the flags).
//! A signal that was ignored when we started (`nohup`, `&`) stays ignored,
//! as in bsd-mailx. There is deliberately no SIGCHLD handler: see `child`.

use crate::sys;
use rustix::termios::tcgetattr;
use std::io;
use std::sync::atomic::{AtomicBool, Ordering};

static INTERRUPTED: AtomicBool = AtomicBool::new(false);
static HANGUP: AtomicBool = AtomicBool::new(false);
static CONTINUED: AtomicBool = AtomicBool::new(false);
static COMPOSING: AtomicBool = AtomicBool::new(false);

extern "C" fn on_int(_: sys::Signal) {
    INTERRUPTED.store(true, Ordering::SeqCst);
}

extern "C" fn on_hup(_: sys::Signal) {
    HANGUP.store(true, Ordering::SeqCst);
    // The line editor has the terminal in raw mode and retries reads
    // interrupted by signals it does not know, so a hangup would go
    // unnoticed: while it reads, exit 1 here as bsd-mailx does at the
    // prompt, after putting the terminal back in the mode it had.
    sys::hangup_restore_and_exit();
}

extern "C" fn on_cont(_: sys::Signal) {
    CONTINUED.store(true, Ordering::SeqCst);
}

/// Marks the line editor as reading (true) or done (false). Before it reads,
/// the terminal's current (cooked) mode is saved so that a SIGHUP arriving
/// while the terminal is raw can restore it before exiting 1.
pub(crate) fn line_editing(on: bool) {
    if !on {
        sys::arm_hangup_restore(None);
        return;
    }
    if let Ok(mode) = tcgetattr(io::stdin()) {
        sys::arm_hangup_restore(Some(&mode));
    }
}

/// Installs the SIGINT and SIGHUP flag handlers (idempotent).
pub(crate) fn install_interactive() {
    sys::catch(libc::SIGINT, on_int);
    sys::catch(libc::SIGHUP, on_hup);
}

/// While composing on a terminal: after a job-control stop (^Z, then `fg`)
/// the composer prints `(continue)`, as bsd-mailx does. Returns a guard that
/// ends this when dropped.
pub(crate) fn composing() -> ComposingGuard {
    sys::catch(libc::SIGCONT, on_cont);
    CONTINUED.store(false, Ordering::SeqCst);
    COMPOSING.store(true, Ordering::SeqCst);
    ComposingGuard
}

/// See `composing`.
pub(crate) struct ComposingGuard;

impl Drop for ComposingGuard {
    fn drop(&mut self) {
        COMPOSING.store(false, Ordering::SeqCst);
    }
}

/// Takes (and clears) a SIGCONT that arrived while composing: the reader
/// then prints `(continue)`.
pub(crate) fn take_continued_while_composing() -> bool {
    CONTINUED.swap(false, Ordering::SeqCst) && COMPOSING.load(Ordering::SeqCst)
}

/// Takes (and clears) a pending SIGINT.
pub(crate) fn take_interrupt() -> bool {
    INTERRUPTED.swap(false, Ordering::SeqCst)
}

/// True when a SIGINT is pending (without taking it).
pub(crate) fn interrupt_pending() -> bool {
    INTERRUPTED.load(Ordering::SeqCst)
}

/// True once SIGHUP arrived.
pub(crate) fn hangup() -> bool {
    HANGUP.load(Ordering::SeqCst)
}
