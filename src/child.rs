//! The one owner of child processes: sendmail, the shell (`!`, `~!`, `|`),
//! the pager and the editor.
//!
//! Invariant (the fix for Debian bug #550116 and its whole class): a child is
//! waited for by the code that spawned it, with `waitpid` on its own pid,
//! retried on EINTR (std does this). There is no SIGCHLD handler and nothing
//! ever calls `waitpid(-1)`, so no other code path can reap a child and throw
//! its status away. At start-up SIGCHLD is reset to SIG_DFL, because a parent
//! that ran us with SIGCHLD ignored would make the kernel reap children
//! itself and every wait fail with ECHILD.

use std::ffi::OsStr;
use std::io;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};

/// How a child ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    /// Exited with this status code.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl Exit {
    pub fn success(self) -> bool {
        self == Exit::Code(0)
    }

    fn from_status(st: ExitStatus) -> Exit {
        match st.code() {
            Some(c) => Exit::Code(c),
            None => Exit::Signal(st.signal().unwrap_or(0)),
        }
    }
}

/// Called once at start-up: makes `wait` reliable whatever our parent did.
pub fn init() {
    // SAFETY: setting a signal disposition to SIG_DFL has no memory effects.
    unsafe {
        libc::signal(libc::SIGCHLD, libc::SIG_DFL);
    }
}

/// Waits for this exact child. Never returns ECHILD for a child we spawned,
/// since nothing else reaps it.
pub fn wait(child: &mut Child) -> io::Result<Exit> {
    child.wait().map(Exit::from_status)
}

/// Signals the sendmail child ignores (as bsd-mailx arranges), so a ^C or a
/// hangup of the terminal does not kill a delivery in progress.
const SENDMAIL_IGNORED: &[libc::c_int] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

/// Starts sendmail: `program` run with argv[0] `sendmail` and the given
/// arguments, stdin from a pipe we write, stdout/stderr inherited. No shell.
pub fn spawn_sendmail(program: &str, args: &[String]) -> io::Result<Child> {
    // bsd-mailx does not fflush(stdout) before forking sendmail. On a terminal
    // stdio is line buffered, so its notices are already out; off a terminal
    // (cron, pipes) they come out at exit, after sendmail's own output.
    if io::IsTerminal::is_terminal(&io::stdout()) {
        crate::output::flush();
    }
    // bsd-mailx execv()s the path without a PATH search.
    let path = if program.contains('/') {
        program.to_string()
    } else {
        format!("./{program}")
    };
    let mut cmd = Command::new(&path);
    cmd.arg0("sendmail").args(args).stdin(Stdio::piped());
    // SAFETY: the closure runs in the child between fork and exec and only
    // calls signal(2), which is async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            for &sig in SENDMAIL_IGNORED {
                libc::signal(sig, libc::SIG_IGN);
            }
            Ok(())
        });
    }
    cmd.spawn()
}

/// Runs `$SHELL -c command` in the foreground with our stdin/stdout, waits for it,
/// and returns how it ended. SIGINT is ignored by us meanwhile (the child gets
/// the terminal's ^C), as bsd-mailx does.
pub fn run_shell(shell: &str, command: &str) -> io::Result<Exit> {
    run_foreground(Command::new(shell).arg("-c").arg(command))
}

/// Runs a program in the foreground and waits for it (SIGINT ignored by us meanwhile).
pub fn run_foreground(cmd: &mut Command) -> io::Result<Exit> {
    crate::output::flush();
    let _guard = IgnoreInterrupts::new();
    let mut child = cmd.spawn()?;
    wait(&mut child)
}

/// Starts a command with its stdin from a pipe (for `|`, the pager).
pub fn spawn_with_stdin<S: AsRef<OsStr>>(program: S, args: &[&str]) -> io::Result<Child> {
    crate::output::flush();
    Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .spawn()
}

/// Ignores SIGINT and SIGQUIT while alive; restores the old dispositions on drop.
pub struct IgnoreInterrupts {
    old_int: libc::sighandler_t,
    old_quit: libc::sighandler_t,
}

impl IgnoreInterrupts {
    pub fn new() -> Self {
        // SAFETY: swapping dispositions; the old values are restored on drop.
        unsafe {
            IgnoreInterrupts {
                old_int: libc::signal(libc::SIGINT, libc::SIG_IGN),
                old_quit: libc::signal(libc::SIGQUIT, libc::SIG_IGN),
            }
        }
    }
}

impl Default for IgnoreInterrupts {
    fn default() -> Self {
        Self::new()
    }
}

impl Drop for IgnoreInterrupts {
    fn drop(&mut self) {
        // SAFETY: restoring the dispositions saved in new().
        unsafe {
            libc::signal(libc::SIGINT, self.old_int);
            libc::signal(libc::SIGQUIT, self.old_quit);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_codes_and_signals_are_reported_exactly() {
        assert_eq!(run_shell("/bin/sh", "exit 0").unwrap(), Exit::Code(0));
        assert_eq!(run_shell("/bin/sh", "exit 75").unwrap(), Exit::Code(75));
        assert_eq!(
            run_shell("/bin/sh", "kill -TERM $$").unwrap(),
            Exit::Signal(libc::SIGTERM)
        );
    }

    #[test]
    fn a_child_that_exits_before_we_wait_keeps_its_status() {
        let mut c = Command::new("/bin/sh")
            .arg("-c")
            .arg("exit 3")
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(100));
        assert_eq!(wait(&mut c).unwrap(), Exit::Code(3));
    }
}
