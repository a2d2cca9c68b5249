//! The one owner of child processes: sendmail, the shell (`!`, `~!`, `|`,
//! `~|`, `~r !cmd`), the pager, the editor and the dotlock helper.
//!
//! Invariant (the fix for Debian bug #550116 and its whole class): a child is
//! waited for by the code that spawned it, with `waitpid` on its own pid,
//! retried on EINTR (std does this). There is no SIGCHLD handler and nothing
//! ever calls `waitpid(-1)`, so no other code path can reap a child and throw
//! its status away. At start-up SIGCHLD is reset to SIG_DFL, because a parent
//! that ran us with SIGCHLD ignored would make the kernel reap children
//! itself and every wait fail with ECHILD.
//!
//! No child gets a `pre_exec` closure: signals a child must ignore are set
//! to SIG_IGN in our process around the spawn ([`IgnoreSignals`]; an ignored
//! disposition survives exec) and restored at once, so std can start every
//! child with `posix_spawn` (a vfork-style clone) instead of fork. (glibc's
//! posix_spawn also leaves its two internal signals, 32 and 33, ignored in
//! the child: signals no application can use, and glibc installs its own
//! handler before it uses them. Every child std spawns has that.)
//!
//! The API, by what the caller wants:
//! - [`spawn_sendmail`]: sendmail with its stdin from a pipe, the terminal's
//!   signals ignored; the caller writes the message and calls [`wait`].
//! - [`run_shell`] / [`run_foreground`]: `$SHELL -c cmd` or a prepared
//!   command in the foreground, our stdio, SIGINT/SIGQUIT ignored by us
//!   meanwhile (the child gets the terminal's ^C).
//! - [`run_editor`]: an editor (already split into words, no shell) on a
//!   file, in the foreground as above (`edit`/`visual`). The composer's
//!   `~e`/`~v` run the editor through `/bin/sh -c` with [`run_shell`].
//! - [`spawn_with_stdin`]: a command reading a pipe we write (the pager,
//!   `|`, a `|cmd` recipient); the caller writes and calls [`wait`].
//! - [`filter`]: `$SHELL -c cmd` with `input` on its stdin (written by a
//!   scoped thread, so a child that writes before it has read everything
//!   cannot deadlock us) and its stdout captured (`~|`, `~r !cmd`).
//! - [`capture`]: `$SHELL -c cmd` with stdin on /dev/null, its stdout
//!   captured, extra environment variables, killed after a time limit (the
//!   password command of `secrets`).
//! - [`run_quiet`]: a helper program with null stdio, waited for (the
//!   dotlock helper `dotlockfile`).
//! - [`report_child`]: bsd-mailx's messages for a child that failed.
//!
//! Every function that starts a child first flushes our stdout buffer
//! ([`spawn_sendmail`] only on a terminal, as bsd-mailx), so output keeps
//! its order.

use crate::outln;
use crate::output;
use crate::sys::{self, IgnoreSignals};
use crate::util;
use rustix::process::{Pid, Signal, kill_process_group};
use std::ffi::OsStr;
use std::io::{self, IsTerminal, Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::path::Path;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// How a child ended. (`pub`: `send::run_sendmail`, still `pub`, returns it.)
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// Exited with this status code.
    Code(i32),
    /// Killed by this signal.
    Signal(i32),
}

impl Exit {
    fn from_status(st: ExitStatus) -> Exit {
        match st.code() {
            Some(c) => Exit::Code(c),
            None => Exit::Signal(st.signal().unwrap_or(0)),
        }
    }
}

/// Called once at start-up: makes `wait` reliable whatever our parent did.
pub(crate) fn init() {
    sys::reset_default(libc::SIGCHLD);
}

/// Waits for this exact child. Never returns ECHILD for a child we spawned,
/// since nothing else reaps it.
pub(crate) fn wait(child: &mut Child) -> io::Result<Exit> {
    child.wait().map(Exit::from_status)
}

/// Signals the sendmail child ignores (as bsd-mailx arranges), so a ^C or a
/// hangup of the terminal does not kill a delivery in progress.
const SENDMAIL_IGNORED: &[sys::Signal] = &[
    libc::SIGHUP,
    libc::SIGINT,
    libc::SIGQUIT,
    libc::SIGTSTP,
    libc::SIGTTIN,
    libc::SIGTTOU,
];

/// Starts sendmail: `program` run with argv[0] `sendmail` and the given
/// arguments, stdin from a pipe we write, stdout/stderr inherited. No shell.
pub(crate) fn spawn_sendmail(program: &str, args: &[String]) -> io::Result<Child> {
    // bsd-mailx does not fflush(stdout) before forking sendmail. On a terminal
    // stdio is line buffered, so its notices are already out; off a terminal
    // (cron, pipes) they come out at exit, after sendmail's own output.
    if io::stdout().is_terminal() {
        output::flush();
    }
    // bsd-mailx execv()s the path without a PATH search.
    let path = if program.contains('/') {
        program.to_string()
    } else {
        format!("./{program}")
    };
    let mut cmd = Command::new(&path);
    cmd.arg0("sendmail").args(args).stdin(Stdio::piped());
    // The child inherits SIG_IGN for these across exec; our own actions are
    // back as they were as soon as the child exists.
    let _ignored = IgnoreSignals::new(SENDMAIL_IGNORED);
    cmd.spawn()
}

/// Runs `$SHELL -c command` in the foreground with our stdin/stdout, waits for it,
/// and returns how it ended. SIGINT is ignored by us meanwhile (the child gets
/// the terminal's ^C), as bsd-mailx does.
pub(crate) fn run_shell(shell: &str, command: &str) -> io::Result<Exit> {
    run_foreground(Command::new(shell).arg("-c").arg(command))
}

/// Runs a program in the foreground and waits for it (SIGINT ignored by us meanwhile).
pub(crate) fn run_foreground(cmd: &mut Command) -> io::Result<Exit> {
    output::flush();
    let _guard = IgnoreInterrupts::new();
    let mut child = cmd.spawn()?;
    wait(&mut child)
}

/// Runs `program` with no arguments in the foreground (`sh`), as
/// [`run_foreground`].
pub(crate) fn run_program(program: &str) -> io::Result<Exit> {
    run_foreground(&mut Command::new(program))
}

/// Runs an editor on `file` in the foreground: `words[0]` with the other
/// words and then `file` as its arguments (no shell), as [`run_foreground`].
/// An empty `words` is an InvalidInput error.
pub(crate) fn run_editor(words: &[String], file: &Path) -> io::Result<Exit> {
    let Some((program, args)) = words.split_first() else {
        return Err(io::Error::from(io::ErrorKind::InvalidInput));
    };
    run_foreground(Command::new(program).args(args).arg(file))
}

/// Starts a command with its stdin from a pipe (for `|`, the pager).
pub(crate) fn spawn_with_stdin<S: AsRef<OsStr>>(program: S, args: &[&str]) -> io::Result<Child> {
    output::flush();
    Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .spawn()
}

/// Runs `shell -c command` with `input` on its stdin and returns what it
/// wrote on stdout and how it ended. Stderr is inherited. The input is
/// written by a second (scoped) thread while this one reads the output; a
/// child that exits without reading all of it is fine (EPIPE is ignored).
pub(crate) fn filter(shell: &str, command: &str, input: &[u8]) -> io::Result<(Vec<u8>, Exit)> {
    output::flush();
    let mut c = Command::new(shell)
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()?;
    let stdin = c.stdin.take();
    let stdout = c.stdout.take();
    let read = std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Some(mut i) = stdin {
                let _ = i.write_all(input);
            }
        });
        let mut out = Vec::new();
        match stdout {
            Some(mut o) => o.read_to_end(&mut out).map(|_| out),
            None => Ok(out),
        }
    });
    match read {
        Ok(out) => Ok((out, wait(&mut c)?)),
        Err(e) => {
            // Reap it anyway: the invariant is that every child is waited for.
            let _ = wait(&mut c);
            Err(e)
        }
    }
}

/// Runs `shell -c command` with stdin on /dev/null, `env` added to its
/// environment and stderr inherited, and returns its stdout and how it
/// ended. When it has not finished within `limit` its whole process group
/// is killed (SIGKILL: it runs in a group of its own, so a `sleep` under
/// the shell cannot linger holding our stderr), it is waited for, and the
/// result is a `TimedOut` error. Its output is read by a second thread, so
/// a grandchild that keeps the pipe open past the limit cannot hold us.
pub(crate) fn capture(
    shell: &str,
    command: &str,
    env: &[(&str, &str)],
    limit: Duration,
) -> io::Result<(Vec<u8>, Exit)> {
    output::flush();
    let deadline = Instant::now() + limit;
    let mut c = Command::new(shell)
        .arg("-c")
        .arg(command)
        .envs(env.iter().copied())
        .process_group(0)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn()?;
    let (tx, rx) = mpsc::channel();
    if let Some(mut o) = c.stdout.take() {
        std::thread::spawn(move || {
            let mut out = Vec::new();
            let r = o.read_to_end(&mut out).map(|_| out);
            let _ = tx.send(r);
        });
    } else {
        let _ = tx.send(Ok(Vec::new()));
    }
    let out = match rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
        Ok(r) => r,
        Err(_) => Err(io::Error::from(io::ErrorKind::TimedOut)),
    };
    // The child may have closed its stdout and still be running.
    loop {
        if let Some(st) = c.try_wait()? {
            return out.map(|o| (o, Exit::from_status(st)));
        }
        if Instant::now() >= deadline {
            if let Some(pg) = Pid::from_raw(c.id() as i32) {
                let _ = kill_process_group(pg, Signal::KILL);
            }
            let _ = c.kill();
            let _ = wait(&mut c);
            return Err(io::Error::from(io::ErrorKind::TimedOut));
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Runs `program` with `args`, stdin, stdout and stderr on /dev/null, and
/// waits for it (the dotlock helper).
pub(crate) fn run_quiet<I, S>(program: impl AsRef<OsStr>, args: I) -> io::Result<Exit>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(Exit::from_status)
}

/// Prints bsd-mailx's messages for a child that failed (how it ended, or
/// why `program` could not be started); nothing for success. True on
/// success.
pub(crate) fn report_child(r: io::Result<Exit>, program: &str) -> bool {
    match r {
        Ok(Exit::Code(0)) => true,
        Ok(Exit::Code(n)) => {
            outln!("Fatal error, process exited with code {n}.");
            false
        }
        Ok(Exit::Signal(_)) => {
            outln!("Fatal error in process.");
            false
        }
        Err(e) => {
            util::warn(program, &e);
            outln!("Fatal error in process.");
            false
        }
    }
}

/// Ignores SIGINT and SIGQUIT while alive; restores the old actions on drop.
pub(crate) struct IgnoreInterrupts {
    _ignored: IgnoreSignals,
}

impl IgnoreInterrupts {
    pub(crate) fn new() -> Self {
        IgnoreInterrupts {
            _ignored: IgnoreSignals::new(&[libc::SIGINT, libc::SIGQUIT]),
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

    #[test]
    fn filter_feeds_input_and_captures_output() {
        let big = vec![b'x'; 1 << 20];
        let (out, st) = filter("/bin/sh", "cat; echo done", &big).unwrap();
        assert_eq!(st, Exit::Code(0));
        assert_eq!(out.len(), big.len() + 5);
        // A child that reads nothing: EPIPE on our side is not an error.
        let (out, st) = filter("/bin/sh", "echo hi; exit 4", &big).unwrap();
        assert_eq!((out.as_slice(), st), (&b"hi\n"[..], Exit::Code(4)));
    }

    #[test]
    fn capture_reads_stdout_passes_env_and_times_out() {
        let long = Duration::from_secs(10);
        let (out, st) = capture(
            "/bin/sh",
            "printf '%s\\n' \"$MAILX_T\"",
            &[("MAILX_T", "v")],
            long,
        )
        .unwrap();
        assert_eq!((out.as_slice(), st), (&b"v\n"[..], Exit::Code(0)));
        let (_, st) = capture("/bin/sh", "exit 7", &[], long).unwrap();
        assert_eq!(st, Exit::Code(7));
        let t = Instant::now();
        let e = capture("/bin/sh", "sleep 30", &[], Duration::from_millis(200)).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
        assert!(t.elapsed() < Duration::from_secs(5));
        // A child that closes stdout and keeps running is killed too.
        let e = capture(
            "/bin/sh",
            "exec >&-; sleep 30",
            &[],
            Duration::from_millis(200),
        )
        .unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::TimedOut);
    }

    #[test]
    fn run_quiet_and_run_editor_report_how_the_child_ended() {
        assert_eq!(
            run_quiet("/bin/sh", ["-c", "exit 2"]).unwrap(),
            Exit::Code(2)
        );
        let words = vec!["/bin/sh".to_string(), "-c".into(), "test -n \"$0\"".into()];
        assert_eq!(
            run_editor(&words, Path::new("file")).unwrap(),
            Exit::Code(0)
        );
        assert!(run_editor(&[], Path::new("f")).is_err());
    }

    /// The sendmail child starts with the terminal's signals ignored, and
    /// our own actions are unchanged afterwards.
    #[test]
    fn sendmail_child_ignores_terminal_signals() {
        let dir = std::env::temp_dir().join(format!("mailx-child-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let script = dir.join("sm");
        let out = dir.join("out");
        std::fs::write(
            &script,
            format!(
                "#!/bin/sh\ngrep SigIgn /proc/self/status > '{}'\n",
                out.display()
            ),
        )
        .unwrap();
        std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755))
            .unwrap();
        let mut c = spawn_sendmail(script.to_str().unwrap(), &[]).unwrap();
        drop(c.stdin.take());
        assert_eq!(wait(&mut c).unwrap(), Exit::Code(0));
        let text = std::fs::read_to_string(&out).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        let mask = u64::from_str_radix(text.trim().rsplit('\t').next().unwrap(), 16).unwrap();
        for &sig in SENDMAIL_IGNORED {
            assert_ne!(
                mask & (1 << (sig - 1)),
                0,
                "signal {sig} not ignored: {text}"
            );
        }
    }
}
