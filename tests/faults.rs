//! Fault injection on every path that writes mail: mailbox write-back
//! (system mailbox and `-f` folder), mbox at quit, `save`/`copy`/`write`,
//! dead.letter, `record`, temporary files. Faults: ENOSPC (a 64 KiB tmpfs,
//! or `/dev/full` through a symbolic link), EIO (an LD_PRELOAD shim that
//! makes write(2) on one file fail after N bytes), EACCES (as `nobody`),
//! SIGKILL during a save; and lock contention (live, stale and fcntl locks,
//! an unwritable lock directory).
//!
//! Expected everywhere: nothing lost (old content intact, no message
//! dropped from the mailbox), a clear message on stderr, and exit status 1
//! (bsd-mailx exits 0 in read mode whatever failed).
//!
//! Tests that need root (mount, a second user) or a C compiler skip with a
//! message, or fail under `MAILX_REQUIRE_ALL=1` (tests/common/require.rs).
//! SIGKILL during a mailbox write-back: tests/mailbox_stress.rs.

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

fn msg(n: usize, body_lines: usize) -> String {
    let mut s = format!(
        "From sender{n}@x Mon Jan  1 10:00:00 2024\nFrom: sender{n}@x\nSubject: message {n}\n\n"
    );
    for i in 0..body_lines {
        s.push_str(&format!("line {i} of message {n}\n"));
    }
    s.push('\n');
    s
}

fn mailbox(n: usize, body_lines: usize) -> String {
    (1..=n).map(|i| msg(i, body_lines)).collect()
}

/// Writes the rc file (fake sendmail plus `rc`) and creates `$T/home`.
fn setup(t: &TempDir, rc: &str) {
    std::fs::create_dir_all(t.join("home")).unwrap();
    std::fs::create_dir_all(t.join("out")).unwrap();
    let rc = format!("set sendmail={}\n{rc}", fakesm().display());
    std::fs::write(
        t.join("rc"),
        rc.replace("$T", &t.path().display().to_string()),
    )
    .unwrap();
}

/// Our binary with a clean environment (HOME `$T/home`, MAIL `$T/home/spool`).
fn mailx(t: &TempDir, prefix: &[String]) -> Command {
    let mut c = match prefix.split_first() {
        Some((p, rest)) => {
            let mut c = Command::new(p);
            c.args(rest).arg(ours());
            c
        }
        None => Command::new(ours()),
    };
    c.env_clear()
        .env("HOME", t.join("home"))
        .env("USER", "alice")
        .env("LOGNAME", "alice")
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/sh")
        .env("LC_ALL", "C.UTF-8")
        .env("MAIL", t.join("home/spool"))
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", t.join("out"))
        .current_dir(t.join("home"))
        .arg("-n");
    c
}

struct Run {
    status: i32,
    stdout: String,
    stderr: String,
}

fn run(mut c: Command, stdin: &str) -> Run {
    c.stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    let mut i = child.stdin.take().unwrap();
    let data = stdin.as_bytes().to_vec();
    let w = std::thread::spawn(move || {
        use std::io::Write;
        let _ = i.write_all(&data);
    });
    let o = child.wait_with_output().unwrap();
    w.join().unwrap();
    Run {
        status: o.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "status {}\nstdout: {}\nstderr: {}",
            self.status, self.stdout, self.stderr
        )
    }
}

/// A small tmpfs mounted at `dir`, unmounted on drop.
struct SmallFs(PathBuf);

impl SmallFs {
    /// Mounts a 64 KiB tmpfs (None when this machine cannot: see `require`).
    fn mount(dir: &Path) -> Option<SmallFs> {
        require!(Req::Tmpfs);
        std::fs::create_dir_all(dir).unwrap();
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", "size=64k,mode=0777", "tmpfs"])
            .arg(dir)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "mount a tmpfs on {}", dir.display());
        Some(SmallFs(dir.to_path_buf()))
    }

    /// Fills the file system up (a filler file that takes every free block).
    fn fill(&self) {
        use std::io::Write;
        let mut f = std::fs::File::create(self.0.join("filler")).unwrap();
        let block = [b'x'; 1024];
        while f.write_all(&block).is_ok() {}
        let _ = f.sync_all();
        while f.write_all(b"x").is_ok() {}
    }
}

impl Drop for SmallFs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// The LD_PRELOAD shim: write(2), writev, pwrite on a file whose path
/// contains `$FAULT_PATH` fail with `$FAULT_ERRNO` (default EIO) once
/// `$FAULT_AFTER` bytes were written to such files; fsync then fails too.
/// copy_file_range/sendfile to such a file say ENOSYS, so callers fall back
/// to write(2).
const SHIM: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <unistd.h>

static long long budget = -2;
static int err = EIO;
static const char *match;

static void init(void) {
    if (budget != -2) return;
    const char *a = getenv("FAULT_AFTER");
    budget = a ? atoll(a) : -1;
    const char *e = getenv("FAULT_ERRNO");
    if (e) err = atoi(e);
    match = getenv("FAULT_PATH");
}

static int targeted(int fd) {
    char p[64], buf[4096];
    init();
    if (!match || budget < 0) return 0;
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(p, buf, sizeof buf - 1);
    if (n < 0) return 0;
    buf[n] = 0;
    return strstr(buf, match) != NULL;
}

/* Bytes this write may do, or -1 (errno set). */
static ssize_t allow(int fd, size_t want) {
    if (!targeted(fd)) return (ssize_t)want;
    if (budget == 0) { errno = err; return -1; }
    if ((long long)want > budget) want = (size_t)budget;
    budget -= (long long)want;
    return (ssize_t)want;
}

ssize_t write(int fd, const void *b, size_t n) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "write");
    ssize_t a = allow(fd, n);
    if (a < 0) return -1;
    return real(fd, b, (size_t)a);
}

ssize_t writev(int fd, const struct iovec *iov, int cnt) {
    static ssize_t (*real)(int, const struct iovec *, int);
    if (!real) real = dlsym(RTLD_NEXT, "writev");
    if (!targeted(fd)) return real(fd, iov, cnt);
    for (int i = 0; i < cnt; i++)
        if (iov[i].iov_len) return write(fd, iov[i].iov_base, iov[i].iov_len);
    return 0;
}

ssize_t pwrite64(int fd, const void *b, size_t n, off_t off) {
    static ssize_t (*real)(int, const void *, size_t, off_t);
    if (!real) real = dlsym(RTLD_NEXT, "pwrite64");
    ssize_t a = allow(fd, n);
    if (a < 0) return -1;
    return real(fd, b, (size_t)a, off);
}

ssize_t pwrite(int fd, const void *b, size_t n, off_t off) {
    return pwrite64(fd, b, n, off);
}

ssize_t copy_file_range(int i, off_t *oi, int o, off_t *oo, size_t n, unsigned f) {
    static ssize_t (*real)(int, off_t *, int, off_t *, size_t, unsigned);
    if (!real) real = dlsym(RTLD_NEXT, "copy_file_range");
    if (targeted(o)) { errno = ENOSYS; return -1; }
    return real(i, oi, o, oo, n, f);
}

ssize_t sendfile64(int o, int i, off_t *off, size_t n) {
    static ssize_t (*real)(int, int, off_t *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "sendfile64");
    if (targeted(o)) { errno = ENOSYS; return -1; }
    return real(o, i, off, n);
}

static int sync_common(int fd, const char *name) {
    int (*real)(int) = dlsym(RTLD_NEXT, name);
    if (targeted(fd) && budget == 0) { errno = err; return -1; }
    return real(fd);
}
int fsync(int fd) { return sync_common(fd, "fsync"); }
int fdatasync(int fd) { return sync_common(fd, "fdatasync"); }
"#;

/// Builds the shim once per test binary (None without cc: see `require`).
fn shim() -> Option<PathBuf> {
    require!(Req::Cc);
    static P: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let p = P.get_or_init(|| {
        // Next to the test binary (target/<profile>/faultshim), not in /tmp.
        let exe = std::env::current_exe().unwrap();
        let dir = exe.parent().unwrap().parent().unwrap().join("faultshim");
        std::fs::create_dir_all(&dir).unwrap();
        compile_c(&dir, "faultshim.so", SHIM, &["-shared", "-fPIC", "-ldl"])
    });
    Some(p.clone())
}

fn with_fault(c: &mut Command, shim: &Path, path_part: &str, after: u64, errno: i32) {
    c.env("LD_PRELOAD", shim)
        .env("FAULT_PATH", path_part)
        .env("FAULT_AFTER", after.to_string())
        .env("FAULT_ERRNO", errno.to_string());
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()))
}

const OLD: &str = "From old@x Mon Jan  1 09:00:00 2024\nSubject: old\n\nold content\n\n";

// ---------------------------------------------------------------------------
// save / copy / write
// ---------------------------------------------------------------------------

/// EIO (and EDQUOT, a full quota) part-way through `save`/`copy`/`write`:
/// the target keeps exactly its old content, the error names the file,
/// exit 1.
#[test]
fn eio_during_save_copy_write_keeps_target_and_exits_1() {
    let Some(shim) = shim() else { return };
    let cases = [
        ("save", libc::EIO, "Input/output error"),
        ("copy", libc::EIO, "Input/output error"),
        ("write", libc::EIO, "Input/output error"),
        ("save", libc::EDQUOT, "Disk quota exceeded"),
    ];
    for (cmd, errno, text) in cases {
        let t = TempDir::new("fault");
        setup(&t, "");
        std::fs::write(t.join("home/box"), mailbox(20, 50)).unwrap();
        std::fs::write(t.join("home/folder-target"), OLD).unwrap();
        let mut c = mailx(&t, &[]);
        c.args(["-f", "box"]);
        with_fault(&mut c, &shim, "folder-target", 3000, errno);
        let r = run(c, &format!("{cmd} * folder-target\nq\n"));
        assert_eq!(read(&t.join("home/folder-target")), OLD.as_bytes(), "{cmd}");
        assert!(
            r.stderr.contains(&format!("folder-target: {text}")),
            "{cmd}: {r}"
        );
        assert_eq!(r.status, 1, "{cmd}: {r}");
        // Nothing was marked saved: the folder keeps every message.
        assert_eq!(
            String::from_utf8_lossy(&read(&t.join("home/box")))
                .matches("\nFrom sender")
                .count()
                + 1,
            20,
            "{cmd}: {r}"
        );
    }
}

/// ENOSPC through `/dev/full`: clear error, exit 1 (works without root).
#[test]
fn enospc_save_to_dev_full_reports_and_exits_1() {
    let t = TempDir::new("fault");
    setup(&t, "");
    std::fs::write(t.join("home/box"), mailbox(2, 3)).unwrap();
    std::os::unix::fs::symlink("/dev/full", t.join("home/full")).unwrap();
    let mut c = mailx(&t, &[]);
    c.args(["-f", "box"]);
    let r = run(c, "save 1 full\nx\n");
    assert!(r.stderr.contains("full: No space left on device"), "{r}");
    assert_eq!(r.status, 1, "{r}");
}

/// ENOSPC on a full file system: the target keeps its old content.
#[test]
fn enospc_save_on_full_filesystem_keeps_target() {
    let t = TempDir::new("fault");
    setup(&t, "");
    let Some(fs) = SmallFs::mount(&t.join("full")) else {
        return;
    };
    std::fs::write(t.join("home/box"), mailbox(40, 40)).unwrap();
    std::fs::write(t.join("full/target"), OLD).unwrap();
    fs.fill();
    let mut c = mailx(&t, &[]);
    c.args(["-f", "box"]);
    let r = run(
        c,
        "save * $T/full/target\nq\n"
            .replace("$T", &t.path().display().to_string())
            .as_str(),
    );
    assert_eq!(read(&t.join("full/target")), OLD.as_bytes(), "{r}");
    assert!(r.stderr.contains("No space left on device"), "{r}");
    assert_eq!(r.status, 1, "{r}");
}

/// SIGKILL while `save` appends to a folder: the old content is never cut
/// (the tail may hold part of a message: appends are not atomic, as with
/// every mbox writer).
#[test]
fn sigkill_during_save_never_truncates_existing_content() {
    let t = TempDir::new("fault");
    setup(&t, "");
    std::fs::write(t.join("home/box"), mailbox(3000, 30)).unwrap();
    let mut partial = 0;
    for delay in [5u64, 20, 60, 120, 250] {
        std::fs::write(t.join("home/target"), OLD).unwrap();
        let mut c = mailx(&t, &[]);
        c.args(["-f", "box"])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = c.spawn().unwrap();
        {
            use std::io::Write;
            let mut i = child.stdin.take().unwrap();
            let _ = i.write_all(b"save * target\nsave * target\nsave * target\n");
            // stdin stays open until the kill.
            std::thread::sleep(Duration::from_millis(delay));
            let _ = child.kill();
        }
        let _ = child.wait();
        let got = read(&t.join("home/target"));
        assert!(
            got.starts_with(OLD.as_bytes()),
            "delay {delay}: the old content was cut"
        );
        if !got.ends_with(b"\n\n") {
            partial += 1;
        }
    }
    eprintln!("SIGKILL during save: {partial}/5 runs left a partial last message");
}

// ---------------------------------------------------------------------------
// Mailbox write-back and mbox at quit
// ---------------------------------------------------------------------------

/// EIO while the `-f` folder is rewritten (its temporary copy): the folder
/// is unchanged, the error is printed, exit 1.
#[test]
fn eio_during_folder_write_back_leaves_it_unchanged_exit_1() {
    let Some(shim) = shim() else { return };
    let t = TempDir::new("fault");
    setup(&t, "");
    let box_text = mailbox(20, 50);
    std::fs::write(t.join("home/box"), &box_text).unwrap();
    let mut c = mailx(&t, &[]);
    c.args(["-f", "box"]);
    // The rename method writes a temporary file next to the folder
    // (`.box.*`): fail it after a few KiB, and its fsync.
    with_fault(&mut c, &shim, "/home/", 5000, libc::EIO);
    let r = run(c, "d 1 3 5\nq\n");
    assert_eq!(read(&t.join("home/box")), box_text.as_bytes(), "{r}");
    assert!(r.stderr.contains("Input/output error"), "{r}");
    assert_eq!(r.status, 1, "{r}");
}

/// ENOSPC while the system mailbox and a `-f` folder are rewritten on a
/// full file system: unchanged, error, exit 1.
#[test]
fn enospc_during_write_back_system_and_folder() {
    for system in [true, false] {
        let t = TempDir::new("fault");
        setup(&t, "");
        let Some(fs) = SmallFs::mount(&t.join("full")) else {
            return;
        };
        let box_text = mailbox(12, 40);
        let path = t.join("full/spool");
        std::fs::write(&path, &box_text).unwrap();
        fs.fill();
        let mut c = mailx(&t, &[]);
        c.env("MAIL", &path);
        if !system {
            c.arg("-f").arg(&path);
        }
        // Delete one message and keep the rest unread: a rewrite is needed.
        let r = run(c, "d 2\nq\n");
        assert_eq!(read(&path), box_text.as_bytes(), "system={system}: {r}");
        assert!(
            r.stderr.contains("No space left on device"),
            "system={system}: {r}"
        );
        assert_eq!(r.status, 1, "system={system}: {r}");
        drop(fs);
    }
}

/// ENOSPC (and EIO) while read messages go to mbox at quit: mbox keeps its
/// old content, the system mailbox keeps every message, exit 1.
#[test]
fn enospc_and_eio_writing_mbox_at_quit_lose_nothing() {
    let t = TempDir::new("fault");
    setup(&t, "");
    let spool_text = mailbox(10, 40);
    // ENOSPC: mbox on a full tmpfs (when we can mount one).
    if let Some(fs) = SmallFs::mount(&t.join("full")) {
        for append in [false, true] {
            std::fs::write(t.join("home/spool"), &spool_text).unwrap();
            std::fs::write(t.join("full/mbox"), OLD).unwrap();
            fs.fill();
            let mut c = mailx(&t, &[]);
            c.env("MBOX", t.join("full/mbox"));
            let script = if append {
                "set append\nt *\nq\n"
            } else {
                "t *\nq\n"
            };
            let r = run(c, script);
            assert_eq!(
                read(&t.join("full/mbox")),
                OLD.as_bytes(),
                "append={append}: {r}"
            );
            assert_eq!(read(&t.join("home/spool")), spool_text.as_bytes(), "{r}");
            assert!(r.stderr.contains("No space left on device"), "{r}");
            assert_eq!(r.status, 1, "{r}");
            let _ = std::fs::remove_file(t.join("full/filler"));
        }
    }
    // EIO: the shim fails writes to the mbox file (and its temporary copy).
    let Some(shim) = shim() else { return };
    for append in [false, true] {
        std::fs::write(t.join("home/spool"), &spool_text).unwrap();
        std::fs::write(t.join("home/mbox"), OLD).unwrap();
        let mut c = mailx(&t, &[]);
        with_fault(&mut c, &shim, "mbox", 2000, libc::EIO);
        let script = if append {
            "set append\nt *\nq\n"
        } else {
            "t *\nq\n"
        };
        let r = run(c, script);
        assert_eq!(
            read(&t.join("home/mbox")),
            OLD.as_bytes(),
            "append={append}: {r}"
        );
        assert_eq!(read(&t.join("home/spool")), spool_text.as_bytes(), "{r}");
        assert!(r.stderr.contains("Input/output error"), "{r}");
        assert_eq!(r.status, 1, "{r}");
    }
}

// ---------------------------------------------------------------------------
// dead.letter, record, temporary files
// ---------------------------------------------------------------------------

/// sendmail fails and dead.letter cannot be written (ENOSPC via /dev/full,
/// EIO via the shim): both failures are reported, exit 1.
#[test]
fn dead_letter_write_failure_is_reported_exit_1() {
    let t = TempDir::new("fault");
    setup(&t, "");
    std::os::unix::fs::symlink("/dev/full", t.join("home/dead.letter")).unwrap();
    let mut c = mailx(&t, &[]);
    c.env("FAKESM_RC", "75").args(["-s", "S", "a@x"]);
    let r = run(c, "body\n");
    assert!(r.stderr.contains("Can't send mail"), "{r}");
    assert!(
        r.stderr.contains("dead.letter: No space left on device"),
        "{r}"
    );
    assert!(r.stderr.contains("could not be saved"), "{r}");
    assert_eq!(r.status, 1, "{r}");
    // The same from read mode (a reply): exit 1 there too.
    std::fs::write(t.join("home/box"), mailbox(1, 2)).unwrap();
    let mut c = mailx(&t, &[]);
    c.env("FAKESM_RC", "75").args(["-f", "box"]);
    let r = run(c, "reply 1\nbody\n");
    assert!(r.stderr.contains("could not be saved"), "{r}");
    assert_eq!(r.status, 1, "{r}");
    // EIO part-way: what was there before stays.
    let Some(shim) = shim() else { return };
    std::fs::remove_file(t.join("home/dead.letter")).unwrap();
    std::fs::write(t.join("home/dead.letter"), OLD).unwrap();
    let mut c = mailx(&t, &[]);
    c.env("FAKESM_RC", "75").args(["-s", "S", "a@x"]);
    with_fault(&mut c, &shim, "dead.letter", 10, libc::EIO);
    let r = run(c, "body\n");
    assert!(r.stderr.contains("dead.letter: Input/output error"), "{r}");
    assert_eq!(r.status, 1, "{r}");
    assert!(read(&t.join("home/dead.letter")).starts_with(OLD.as_bytes()));
}

/// The record copy fails (ENOSPC part-way): the message is still sent, the
/// record file keeps its old content (no partial copy), the error is
/// printed; the exit status stays 0, as in bsd-mailx, because the message
/// went out (COMPATIBILITY.md S14).
#[test]
fn record_write_failure_keeps_old_content() {
    let Some(shim) = shim() else { return };
    let t = TempDir::new("fault");
    setup(&t, "set record=$T/home/record");
    std::fs::write(t.join("home/record"), OLD).unwrap();
    let mut c = mailx(&t, &[]);
    c.args(["-s", "S", "a@x"]);
    with_fault(&mut c, &shim, "home/record", 30, libc::ENOSPC);
    let r = run(c, "body\n");
    assert!(r.stderr.contains("record: No space left on device"), "{r}");
    assert_eq!(r.status, 0, "{r}");
    assert_eq!(read(&t.join("home/record")), OLD.as_bytes());
    assert!(
        t.join("out/argv").exists(),
        "the message must still be sent"
    );
}

/// Temporary files on a full file system (`TMPDIR` on a full tmpfs): the
/// send fails with an error naming the temporary file and exit 1; nothing
/// half-collected is sent. (What was read cannot be kept: the temporary
/// file is where it would have gone.)
#[test]
fn enospc_in_tmpdir_send_fails_clearly() {
    let t = TempDir::new("fault");
    setup(&t, "");
    let Some(fs) = SmallFs::mount(&t.join("full")) else {
        return;
    };
    fs.fill();
    let mut c = mailx(&t, &[]);
    c.env("TMPDIR", t.join("full")).args(["-s", "S", "a@x"]);
    let body = "a line of the body\n".repeat(500);
    let r = run(c, &body);
    assert!(
        r.stderr.contains("temporary file: No space left on device"),
        "{r}"
    );
    assert_eq!(r.status, 1, "{r}");
    assert!(!t.join("out/argv").exists(), "nothing may be sent: {r}");
}

// ---------------------------------------------------------------------------
// EACCES as an ordinary user
// ---------------------------------------------------------------------------

/// Runs as `nobody` in a private 0755 copy of the binary's world; None
/// when we cannot switch users (see `require`).
fn nobody_setup(tag: &str) -> Option<(TempDir, Vec<String>)> {
    require!(Req::Nobody);
    let prefix = unprivileged_prefix()?;
    let t = TempDir::new(tag);
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    setup(&t, "");
    let ch = |p: &Path| {
        Command::new("chown")
            .args(["nobody:nogroup"])
            .arg(p)
            .status()
            .unwrap();
    };
    ch(&t.join("home"));
    ch(&t.join("out"));
    Some((t, prefix))
}

/// The binary may live where `nobody` cannot reach it: use a copy.
fn nobody_mailx(t: &TempDir, prefix: &[String]) -> Command {
    let bin = t.join("mailx");
    if !bin.exists() {
        std::fs::copy(ours(), &bin).unwrap();
        std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
        let sm = t.join("fakesm");
        std::fs::copy(fakesm(), &sm).unwrap();
        std::fs::set_permissions(&sm, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(t.join("rc"), format!("set sendmail={}\n", sm.display())).unwrap();
    }
    let mut c = Command::new(&prefix[0]);
    c.args(&prefix[1..]).arg(&bin);
    c.env_clear()
        .env("HOME", t.join("home"))
        .env("USER", "nobody")
        .env("LOGNAME", "nobody")
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .env("MAIL", t.join("home/spool"))
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", t.join("out"))
        .current_dir(t.join("home"))
        .arg("-n");
    c
}

/// As an ordinary user: `save` to a file we may not write, and mbox at
/// quit in a place we may not write: clear errors, exit 1, nothing lost.
#[test]
fn eacces_save_and_mbox_as_ordinary_user() {
    let Some((t, prefix)) = nobody_setup("eacces") else {
        return;
    };
    let spool_text = mailbox(3, 5);
    std::fs::write(t.join("home/spool"), &spool_text).unwrap();
    Command::new("chown")
        .args(["nobody:nogroup"])
        .arg(t.join("home/spool"))
        .status()
        .unwrap();
    // Root-owned, read-only for others.
    std::fs::create_dir(t.join("ro")).unwrap();
    std::fs::write(t.join("ro/target"), OLD).unwrap();
    let mut c = nobody_mailx(&t, &prefix);
    c.env("MBOX", t.join("ro/mbox"));
    let r = run(
        c,
        &format!("save 1 {0}/ro/target\nt *\nq\n", t.path().display()),
    );
    assert!(r.stderr.contains("Permission denied"), "{r}");
    assert_eq!(read(&t.join("ro/target")), OLD.as_bytes());
    assert!(!t.join("ro/mbox").exists());
    assert_eq!(read(&t.join("home/spool")), spool_text.as_bytes(), "{r}");
    assert_eq!(r.status, 1, "{r}");
}

/// A folder we may not write (EACCES on open): it is opened read-only and
/// changes are refused up front, as bsd-mailx does; nothing is lost.
#[test]
fn eacces_read_only_folder_refuses_changes_up_front() {
    let Some((t, prefix)) = nobody_setup("rofolder") else {
        return;
    };
    let text = mailbox(3, 2);
    std::fs::write(t.join("box"), &text).unwrap();
    std::fs::set_permissions(t.join("box"), std::fs::Permissions::from_mode(0o644)).unwrap();
    let mut c = nobody_mailx(&t, &prefix);
    c.arg("-f").arg(t.join("box"));
    let r = run(c, "d 1\nq\n");
    assert!(r.stdout.contains("[Read only]"), "{r}");
    assert!(
        r.stdout
            .contains("May not execute \"delete\" -- message file is read only"),
        "{r}"
    );
    assert_eq!(read(&t.join("box")), text.as_bytes());
}

// ---------------------------------------------------------------------------
// Lock contention
// ---------------------------------------------------------------------------

/// A dotlock held by a live process for the whole time: we wait (the 30 s
/// default; there is no setting to shorten it) and then fail with
/// bsd-mailx's message, leaving the mailbox and the other's lock alone,
/// exit 1. (The only 30-second case.)
#[test]
fn live_dotlock_waits_then_clear_error_exit_1() {
    let t = TempDir::new("lock");
    setup(&t, "");
    let spool_text = mailbox(3, 2);
    std::fs::write(t.join("home/spool"), &spool_text).unwrap();
    let lock = t.join("home/spool.lock");
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let start = Instant::now();
    let r = run(mailx(&t, &[]), "d 1\nq\n");
    let took = start.elapsed();
    assert!(took >= Duration::from_secs(25), "gave up after {took:?}");
    assert!(
        r.stderr.contains(
            "Cannot create lockfile $T/home/spool.lock: Failed after max tries."
                .replace("$T", &t.path().display().to_string())
                .as_str()
        ),
        "{r}"
    );
    assert_eq!(r.status, 1, "{r}");
    assert_eq!(read(&t.join("home/spool")), spool_text.as_bytes());
    assert!(lock.exists(), "another process's lock was removed");
}

/// A dotlock that a live process releases after 2 s: we wait and proceed.
#[test]
fn dotlock_released_while_waiting_then_proceeds() {
    let t = TempDir::new("lock");
    setup(&t, "");
    std::fs::write(t.join("home/spool"), mailbox(3, 2)).unwrap();
    let lock = t.join("home/spool.lock");
    std::fs::write(&lock, format!("{}\n", std::process::id())).unwrap();
    let l2 = lock.clone();
    let h = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_secs(2));
        std::fs::remove_file(l2).unwrap();
    });
    let start = Instant::now();
    let r = run(mailx(&t, &[]), "d 1\nq\n");
    h.join().unwrap();
    assert!(start.elapsed() >= Duration::from_millis(1500));
    assert_eq!(r.status, 0, "{r}");
    assert!(!read(&t.join("home/spool")).starts_with(b"From sender1@"));
    assert!(!lock.exists());
}

/// Stale dotlocks (a dead pid; no pid and older than 5 minutes) are
/// removed and we proceed at once.
#[test]
fn stale_dotlock_is_removed_and_we_proceed() {
    for (content, age) in [("999999999\n", None), ("", Some("1 hour ago"))] {
        let t = TempDir::new("lock");
        setup(&t, "");
        std::fs::write(t.join("home/spool"), mailbox(3, 2)).unwrap();
        let lock = t.join("home/spool.lock");
        std::fs::write(&lock, content).unwrap();
        if let Some(a) = age {
            Command::new("touch")
                .args(["-d", a])
                .arg(&lock)
                .status()
                .unwrap();
        }
        let start = Instant::now();
        let r = run(mailx(&t, &[]), "d 1\nq\n");
        assert!(start.elapsed() < Duration::from_secs(10), "{r}");
        assert_eq!(r.status, 0, "{content:?}: {r}");
        assert!(!read(&t.join("home/spool")).starts_with(b"From sender1@"));
        assert!(!lock.exists());
    }
}

/// An fcntl lock held by another process (python3's `fcntl.lockf`) for
/// 3 s: we wait for it and then write back.
#[test]
fn fcntl_lock_held_by_another_process_we_wait() {
    require!(Req::Python3);
    let t = TempDir::new("lock");
    setup(&t, "");
    let spool = t.join("home/spool");
    std::fs::write(&spool, mailbox(3, 2)).unwrap();
    let mut holder = Command::new("python3")
        .arg("-c")
        .arg(
            "import fcntl,sys,time\nf=open(sys.argv[1],'r+')\nfcntl.lockf(f,fcntl.LOCK_EX)\nprint('locked',flush=True)\ntime.sleep(3)\n",
        )
        .arg(&spool)
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    {
        use std::io::BufRead;
        let mut line = String::new();
        std::io::BufReader::new(holder.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert_eq!(line, "locked\n");
    }
    let start = Instant::now();
    let r = run(mailx(&t, &[]), "d 1\nq\n");
    let took = start.elapsed();
    holder.wait().unwrap();
    assert!(took >= Duration::from_secs(2), "did not wait: {took:?}");
    assert_eq!(r.status, 0, "{r}");
    assert!(!read(&spool).starts_with(b"From sender1@"));
}

/// The mailbox's directory is not writable for us (and not for group mail):
/// the dotlock cannot be made; we say so and keep only the fcntl lock, and
/// the write-back (in place) still happens.
#[test]
fn unwritable_lock_directory_fcntl_only_with_warning() {
    let Some((t, prefix)) = nobody_setup("lockdir") else {
        return;
    };
    let dir = t.join("spooldir");
    std::fs::create_dir(&dir).unwrap();
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o755)).unwrap();
    let spool = dir.join("nobody");
    std::fs::write(&spool, mailbox(3, 2)).unwrap();
    Command::new("chown")
        .args(["nobody:nogroup"])
        .arg(&spool)
        .status()
        .unwrap();
    let mut c = nobody_mailx(&t, &prefix);
    c.env("MAIL", &spool);
    let r = run(c, "d 1\nq\n");
    assert!(
        r.stderr.contains("using only fcntl locking") || r.stderr.contains("lockfile"),
        "{r}"
    );
    assert_eq!(r.status, 0, "{r}");
    assert!(!read(&spool).starts_with(b"From sender1@"), "{r}");
    assert!(!dir.join("nobody.lock").exists());
}

// ---------------------------------------------------------------------------
// Special files as mail sinks
// ---------------------------------------------------------------------------

/// `DEAD=/dev/null`, `record=/dev/null` and `MBOX` a character device are
/// sinks, not failures (they cannot be fsynced: EINVAL), and the device is
/// never replaced or chmod-ed (as root, renaming over `/dev/null` would
/// replace it). The MBOX part uses a private device node made with mknod
/// (root only), never the real /dev/null.
#[test]
fn dev_null_as_dead_letter_record_and_mbox_is_a_sink() {
    use std::os::unix::fs::FileTypeExt;
    let t = TempDir::new("sink");
    setup(&t, "set DEAD=/dev/null\nset record=/dev/null");
    // Sending works and exits 0 (record to /dev/null is not an error)...
    let mut c = mailx(&t, &[]);
    c.args(["-s", "S", "a@x"]);
    let r = run(c, "body\n");
    assert_eq!(r.status, 0, "{r}");
    assert!(r.stderr.is_empty(), "{r}");
    // ...and a failed send says so, without a dead.letter complaint.
    let mut c = mailx(&t, &[]);
    c.env("FAKESM_RC", "75").args(["-s", "S", "a@x"]);
    let r = run(c, "body\n");
    assert_eq!(r.status, 1, "{r}");
    assert!(!r.stderr.contains("could not be saved"), "{r}");
    // The MBOX part: mknod needs root.
    require!(Req::Root);
    let dev = t.join("null");
    let ok = Command::new("mknod")
        .arg(&dev)
        .args(["c", "1", "3"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mknod {}", dev.display());
    std::fs::set_permissions(&dev, std::fs::Permissions::from_mode(0o666)).unwrap();
    std::fs::write(t.join("home/spool"), mailbox(3, 2)).unwrap();
    for append in [false, true] {
        let mut c = mailx(&t, &[]);
        c.env("MBOX", &dev);
        let r = run(
            c,
            if append {
                "set append\nt 1\nq\n"
            } else {
                "t 1\nq\n"
            },
        );
        assert_eq!(r.status, 0, "append={append}: {r}");
        assert!(r.stdout.contains("Saved 1 message in"), "{r}");
        let m = std::fs::symlink_metadata(&dev).unwrap();
        assert!(m.file_type().is_char_device(), "the device was replaced");
        assert_eq!(
            m.permissions().mode() & 0o777,
            0o666,
            "the device was chmod-ed"
        );
    }
}
