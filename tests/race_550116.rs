//! Debian bug #550116 ("Can't send mail: sendmail process failed" when the
//! send actually worked), forced on every run.
//!
//! The bug needs the sendmail child to be dead (a zombie) before the parent
//! waits for it. Instead of hoping the scheduler does that, the test builds
//! an LD_PRELOAD shim (C, compiled here with `cc`) that wraps `waitpid`,
//! `wait4` and `waitid`: before the real call it sleeps 5–12 ms, then polls
//! with `waitid(WNOWAIT)` (which does not reap) until the child has exited,
//! and logs a `Z` when it saw the zombie. Optionally (`SHIM_FORK_SLEEP_MS`)
//! the parent also sleeps right after `fork()`, the exact window the bug
//! report describes (the child exits before the parent has registered it).
//! Our binary calls `fork` (Command with pre_exec) and `waitpid`
//! (std's Child::wait), as `nm -D` and `strace -f` show, so both wrappers
//! apply to it.
//!
//! The sendmail is a tiny C program (fast start-up): exit FAKESM_RC, read
//! stdin unless FAKESM_NOREAD.

mod common;
use common::*;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, Ordering};

const SHIM: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static void sleep_ms(long ms) {
    struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };
    while (nanosleep(&ts, &ts) != 0) {}
}

static void logc(char c) {
    const char *p = getenv("SHIM_LOG");
    if (!p || !*p) return;
    int fd = open(p, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) { (void)!write(fd, &c, 1); close(fd); }
}

/* Sleep, then make sure `pid` has exited (without reaping it). */
static void delay(pid_t pid) {
    long ms = 5 + (getpid() + pid) % 8;          /* 5..12 ms */
    const char *e = getenv("SHIM_SLEEP_MS");
    if (e && *e) ms = atol(e);
    sleep_ms(ms);
    if (pid <= 0) return;
    for (int i = 0; i < 2000; i++) {             /* at most ~2 s */
        siginfo_t si;
        memset(&si, 0, sizeof si);
        /* raw syscall: no recursion into our own waitid */
        if (syscall(SYS_waitid, P_PID, (id_t)pid, &si, WEXITED | WNOHANG | WNOWAIT, NULL) != 0) {
            logc('E');                           /* ECHILD: already reaped */
            return;
        }
        if (si.si_pid == pid) { logc('Z'); return; }
        sleep_ms(1);
    }
    logc('T');
}

pid_t waitpid(pid_t pid, int *st, int opt) {
    static pid_t (*real)(pid_t, int *, int);
    if (!real) real = (pid_t (*)(pid_t, int *, int))dlsym(RTLD_NEXT, "waitpid");
    if (!(opt & WNOHANG)) delay(pid);
    return real(pid, st, opt);
}

pid_t wait4(pid_t pid, int *st, int opt, struct rusage *ru) {
    static pid_t (*real)(pid_t, int *, int, struct rusage *);
    if (!real) real = (pid_t (*)(pid_t, int *, int, struct rusage *))dlsym(RTLD_NEXT, "wait4");
    if (!(opt & WNOHANG)) delay(pid);
    return real(pid, st, opt, ru);
}

int waitid(idtype_t idt, id_t id, siginfo_t *si, int opt) {
    static int (*real)(idtype_t, id_t, siginfo_t *, int);
    if (!real) real = (int (*)(idtype_t, id_t, siginfo_t *, int))dlsym(RTLD_NEXT, "waitid");
    if (!(opt & (WNOHANG | WNOWAIT))) delay(idt == P_PID ? (pid_t)id : -1);
    return real(idt, id, si, opt);
}

pid_t fork(void) {
    static pid_t (*real)(void);
    if (!real) real = (pid_t (*)(void))dlsym(RTLD_NEXT, "fork");
    pid_t p = real();
    const char *e = getenv("SHIM_FORK_SLEEP_MS");
    if (p > 0 && e && *e) sleep_ms(atol(e));
    return p;
}
"#;

const TINY_SENDMAIL: &str = r#"
#include <stdlib.h>
#include <unistd.h>
int main(void) {
    char buf[65536];
    const char *rc = getenv("FAKESM_RC");
    const char *noread = getenv("FAKESM_NOREAD");
    if (!(noread && *noread))
        while (read(0, buf, sizeof buf) > 0) {}
    return rc ? atoi(rc) : 0;
}
"#;

struct Tools {
    shim: PathBuf,
    sendmail: PathBuf,
}

/// A per-process directory under cargo's target tmp dir for the compiled
/// tools. A static is never dropped, so instead of a TempDir the directories
/// of test processes that are no longer alive are removed here.
fn tools_dir() -> PathBuf {
    let base = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    if let Ok(entries) = std::fs::read_dir(&base) {
        for e in entries.flatten() {
            let name = e.file_name().to_string_lossy().into_owned();
            if let Some(pid) = name
                .strip_prefix("race-tools-")
                .and_then(|p| p.parse::<i32>().ok())
            {
                // SAFETY: kill with signal 0 only checks that the pid exists.
                let alive = unsafe { libc::kill(pid, 0) } == 0
                    || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
                if !alive {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
    }
    let dir = base.join(format!("race-tools-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Builds the shim and the tiny sendmail once; None (see `require`) without cc.
fn tools() -> Option<&'static Tools> {
    require!(Req::Cc);
    static T: OnceLock<Tools> = OnceLock::new();
    Some(T.get_or_init(|| {
        let dir = tools_dir();
        let shim = compile_c(&dir, "waitshim.so", SHIM, &["-shared", "-fPIC", "-ldl"]);
        let sendmail = compile_c(&dir, "tinysm", TINY_SENDMAIL, &[]);
        Tools { shim, sendmail }
    }))
}

const BODY: &[u8] = b"race body\nline 2\n";

fn whole_message() -> Vec<u8> {
    let mut m = format!("To: a@x.org\nSubject: race\n{}\n", mime_trio("UTF-8")).into_bytes();
    m.extend_from_slice(BODY);
    m
}

/// One send's knobs.
#[derive(Clone, Copy, Debug)]
struct Send {
    rc: i32,
    read: bool,
    fork_sleep: bool,
    sigchld_ignored: bool,
}

/// What went wrong with one send, if anything.
fn one_send(t: &Tools, work: &Path, prog: &Path, s: Send, log: &Path) -> Result<(), String> {
    let home = work.join("home");
    let _ = std::fs::remove_file(home.join("dead.letter"));
    let mut c = Command::new(prog);
    c.args(["-n", "-s", "race", "a@x.org"])
        .env_clear()
        .env("HOME", &home)
        .env("USER", "tester")
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("MAILRC", work.join("rc"))
        .env("LD_PRELOAD", &t.shim)
        .env("SHIM_LOG", log)
        .env("FAKESM_RC", s.rc.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if !s.read {
        c.env("FAKESM_NOREAD", "1");
    }
    if s.fork_sleep {
        c.env("SHIM_FORK_SLEEP_MS", "3");
    }
    if s.sigchld_ignored {
        // SAFETY: signal(2) between fork and exec is async-signal-safe.
        unsafe {
            c.pre_exec(|| {
                libc::signal(libc::SIGCHLD, libc::SIG_IGN);
                Ok(())
            });
        }
    }
    let mut child = c.spawn().map_err(|e| format!("spawn: {e}"))?;
    child.stdin.take().unwrap().write_all(BODY).unwrap();
    let o = child.wait_with_output().unwrap();
    let dead = std::fs::read(home.join("dead.letter")).ok();
    let stderr = String::from_utf8_lossy(&o.stderr).into_owned();
    let (want_status, want_err, want_dead) = if s.rc == 0 {
        (0, String::new(), None)
    } else {
        (
            1,
            format!(
                "Can't send mail: sendmail process failed with error code {}\n",
                s.rc
            ),
            Some(whole_message()),
        )
    };
    if o.status.code() != Some(want_status) || stderr != want_err || dead != want_dead {
        return Err(format!(
            "{s:?}: status {:?}, stderr {stderr:?}, stdout {:?}, dead.letter {:?}",
            o.status,
            String::from_utf8_lossy(&o.stdout),
            dead.map(|d| String::from_utf8_lossy(&d).into_owned())
        ));
    }
    if !o.stdout.is_empty() {
        return Err(format!("{s:?}: unexpected stdout {:?}", o.stdout));
    }
    Ok(())
}

/// A private work dir (home + rc pointing at the tiny sendmail).
fn workdir(t: &Tools, tag: &str) -> TempDir {
    let w = TempDir::new(tag);
    std::fs::create_dir(w.join("home")).unwrap();
    std::fs::write(
        w.join("rc"),
        format!("set sendmail={}\n", t.sendmail.display()),
    )
    .unwrap();
    w
}

/// Runs the sends on two threads; returns (failures, zombies seen, waits logged).
fn run_sends(t: &'static Tools, name: &str, sends: Vec<Send>) -> (Vec<String>, usize, usize) {
    let log_dir = TempDir::new("race-log");
    let log = log_dir.join("shim.log");
    let n = sends.len();
    let halves: Vec<Vec<Send>> = vec![
        sends.iter().step_by(2).copied().collect(),
        sends.iter().skip(1).step_by(2).copied().collect(),
    ];
    let mut handles = Vec::new();
    for (i, part) in halves.into_iter().enumerate() {
        let log = log.clone();
        let tag = format!("race-{name}-{i}");
        handles.push(std::thread::spawn(move || {
            let w = workdir(t, &tag);
            let prog = ours();
            let mut errs = Vec::new();
            for s in part {
                if let Err(e) = one_send(t, w.path(), &prog, s, &log) {
                    errs.push(e);
                }
            }
            errs
        }));
    }
    let errs: Vec<String> = handles
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    let logtext = std::fs::read_to_string(&log).unwrap_or_default();
    let zombies = logtext.bytes().filter(|&b| b == b'Z').count();
    let waits = logtext.len();
    eprintln!(
        "{name}: {n} sends, {} wrong outcomes, {zombies} waits found the child already a zombie ({waits} waits logged)",
        errs.len()
    );
    (errs, zombies, waits)
}

fn assert_clean(name: &str, n: usize, (errs, zombies, waits): (Vec<String>, usize, usize)) {
    assert!(
        errs.is_empty(),
        "{name}: {} of {n} sends went wrong; first: {:?}",
        errs.len(),
        &errs[..errs.len().min(5)]
    );
    // Every send waited for sendmail exactly once, and always on a zombie.
    assert_eq!(waits, n, "{name}: one logged wait per send");
    assert_eq!(zombies, n, "{name}: the child was dead before every wait");
}

#[test]
fn race_1000_successful_sends_no_false_errors() {
    let Some(t) = tools() else { return };
    let sends: Vec<Send> = (0..1000)
        .map(|i| Send {
            rc: 0,
            read: false,
            fork_sleep: i % 2 == 1,
            sigchld_ignored: false,
        })
        .collect();
    let n = sends.len();
    assert_clean("success", n, run_sends(t, "success", sends));
}

#[test]
fn race_1000_failing_sends_all_reported_with_their_code() {
    let Some(t) = tools() else { return };
    let sends: Vec<Send> = (0..1000)
        .map(|i| Send {
            rc: if i % 4 < 2 { 75 } else { 1 },
            read: i % 2 == 0,
            fork_sleep: i % 8 >= 4,
            sigchld_ignored: false,
        })
        .collect();
    let n = sends.len();
    assert_clean("failure", n, run_sends(t, "failure", sends));
}

#[test]
fn race_under_cpu_load() {
    let Some(t) = tools() else { return };
    let stop = std::sync::Arc::new(AtomicBool::new(false));
    let burners: Vec<_> = (0..2)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                let mut x = 0u64;
                while !stop.load(Ordering::Relaxed) {
                    for i in 0..100_000u64 {
                        x = x.wrapping_mul(6364136223846793005).wrapping_add(i);
                    }
                    std::hint::black_box(x);
                }
            })
        })
        .collect();
    let sends: Vec<Send> = (0..300)
        .map(|i| Send {
            rc: [0, 0, 75, 1][i % 4],
            read: i % 3 == 0,
            fork_sleep: i % 2 == 0,
            sigchld_ignored: false,
        })
        .collect();
    let n = sends.len();
    let r = run_sends(t, "load", sends);
    stop.store(true, Ordering::Relaxed);
    for b in burners {
        b.join().unwrap();
    }
    assert_clean("load", n, r);
}

/// A parent that runs mail with SIGCHLD ignored would make the kernel reap
/// sendmail itself (every wait fails with ECHILD). We reset SIGCHLD at start-up.
#[test]
fn sigchld_ignored_by_parent_statuses_still_reported() {
    let Some(t) = tools() else { return };
    let sends: Vec<Send> = (0..100)
        .map(|i| Send {
            rc: if i % 2 == 0 { 0 } else { 75 },
            read: i % 4 < 2,
            fork_sleep: false,
            sigchld_ignored: true,
        })
        .collect();
    let n = sends.len();
    assert_clean("sigchld-ignored", n, run_sends(t, "sigign", sends));
}

/// Optional demonstration that the shim does reproduce the bug class: the
/// real bsd-mailx still has the race for `!cmd` in read mode (its child is
/// not registered before SIGCHLD can reap it). With the parent sleeping
/// after fork, `!true` prints a false `Fatal error in process.`.
#[test]
fn shim_reproduces_bsd_mailx_shell_escape_race() {
    require!(Req::BsdMailx);
    let Some(t) = tools() else { return };
    let w = workdir(t, "race-bsd");
    let mbox = w.join("box");
    std::fs::write(
        &mbox,
        "From a@x Fri Nov 27 09:00:00 2026\nSubject: s\n\nbody\n\n",
    )
    .unwrap();
    let mut false_errors = 0;
    let runs = 10;
    for _ in 0..runs {
        let mut child = Command::new(bsd_mailx())
            .args(["-n", "-N", "-f"])
            .arg(&mbox)
            .env_clear()
            .env("HOME", w.join("home"))
            .env("USER", "tester")
            .env("PATH", "/usr/bin:/bin")
            .env("SHELL", "/bin/sh")
            .env("MAILRC", "/dev/null")
            .env("LD_PRELOAD", &t.shim)
            .env("SHIM_FORK_SLEEP_MS", "20")
            .env("SHIM_SLEEP_MS", "0")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child
            .stdin
            .take()
            .unwrap()
            .write_all(b"!true\nx\n")
            .unwrap();
        let o = child.wait_with_output().unwrap();
        if String::from_utf8_lossy(&o.stdout).contains("Fatal error in process.") {
            false_errors += 1;
        }
    }
    eprintln!("bsd-mailx `!true` under the shim: {false_errors} false errors in {runs}");
    assert!(
        false_errors >= runs / 2,
        "the shim should make bsd-mailx's !true race fire ({false_errors}/{runs})"
    );
}
