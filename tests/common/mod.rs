//! Shared test helpers. For the send-mode tests: private temporary directories, the
//! fake sendmail (`examples/fakesm.rs`), running `/usr/bin/bsd-mailx` or our
//! binary in a clean environment, and comparing what they did.
//!
//! Every run gets its own directory holding `home/` (HOME, so dead.letter and
//! record land there), `rc` (MAILRC, pointing `sendmail` at the fake), `out/`
//! (where the fake records argv and stdin) and a `bsd-mailx` symlink to our
//! binary, so both programs print the same `bsd-mailx:` prefix.
//!
//! Also shared by the other test binaries: `run_on_pty` (a program on its
//! own pseudo-terminal, keys typed with pauses), `postfix_rig_ready` (the
//! loopback Postfix check), `rng` (reproducible random inputs), and the C
//! shim helpers (`have_cc`, `compile_c`, `unprivileged_prefix`).

#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

pub const BSD_MAILX: &str = "/usr/bin/bsd-mailx";

/// True (after printing a notice) when the real bsd-mailx is not installed.
pub fn skip_without_bsd_mailx() -> bool {
    if Path::new(BSD_MAILX).exists() {
        return false;
    }
    eprintln!("skipped: {BSD_MAILX} not installed");
    true
}

/// Our binary.
pub fn ours() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_mailx"))
}

/// A temporary directory removed on drop.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(tag: &str) -> TempDir {
        static N: AtomicU32 = AtomicU32::new(0);
        let base = std::env::temp_dir();
        loop {
            let n = N.fetch_add(1, Ordering::Relaxed);
            let p = base.join(format!("mailx-test-{tag}-{}-{n}", std::process::id()));
            match std::fs::create_dir(&p) {
                Ok(()) => return TempDir(p),
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
                Err(e) => panic!("create {}: {e}", p.display()),
            }
        }
    }
    pub fn path(&self) -> &Path {
        &self.0
    }
    pub fn join(&self, p: &str) -> PathBuf {
        self.0.join(p)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        // A test may have made parts unwritable; make them writable again first.
        let _ = Command::new("chmod")
            .args(["-R", "u+rwx"])
            .arg(&self.0)
            .stderr(Stdio::null())
            .status();
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The directory holding this test binary's profile (`target/<profile>`).
fn profile_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe");
    // target/<profile>/deps/<test binary>
    exe.parent()
        .and_then(|p| p.parent())
        .expect("profile dir")
        .to_path_buf()
}

/// The fake sendmail built from `examples/fakesm.rs`. `cargo test` builds
/// examples; when a single test target was selected it may be missing, and
/// then it is built here.
pub fn fakesm() -> PathBuf {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        let dir = profile_dir();
        let p = dir.join("examples").join("fakesm");
        if !p.exists() {
            let cargo = std::env::var("CARGO")
                .ok()
                .or_else(|| option_env!("CARGO").map(String::from))
                .unwrap_or_else(|| "cargo".into());
            let mut c = Command::new(cargo);
            c.args(["build", "--example", "fakesm"])
                .current_dir(env!("CARGO_MANIFEST_DIR"));
            if dir.file_name().and_then(|n| n.to_str()) == Some("release") {
                c.arg("--release");
            }
            let st = c.status().expect("run cargo build --example fakesm");
            assert!(st.success(), "building examples/fakesm failed");
        }
        assert!(p.exists(), "{} missing", p.display());
        p
    })
    .clone()
}

/// Which program a run uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Prog {
    Real,
    Ours,
}

/// One invocation of mail(1) in send mode.
#[derive(Clone, Debug)]
pub struct Case {
    pub args: Vec<OsString>,
    pub stdin: Vec<u8>,
    /// Extra lines for the rc file (after `set sendmail=...`).
    pub rc: String,
    /// Extra environment (after the clean defaults).
    pub env: Vec<(String, String)>,
    /// Put `-n` first (skip /etc/mail.rc). Default true.
    pub no_system_rc: bool,
    /// Use this as the sendmail variable instead of the fake.
    pub sendmail: Option<String>,
    /// After writing stdin (kept open), wait 300 ms, send this signal, wait
    /// 300 ms more, then close stdin.
    pub signal: Option<i32>,
}

impl Case {
    pub fn new(args: &[&str], stdin: &[u8]) -> Case {
        Case {
            args: args.iter().map(OsString::from).collect(),
            stdin: stdin.to_vec(),
            rc: String::new(),
            env: Vec::new(),
            no_system_rc: true,
            sendmail: None,
            signal: None,
        }
    }
    pub fn rc(mut self, rc: &str) -> Case {
        self.rc.push_str(rc);
        if !rc.ends_with('\n') {
            self.rc.push('\n');
        }
        self
    }
    pub fn env(mut self, k: &str, v: &str) -> Case {
        self.env.push((k.into(), v.into()));
        self
    }
    pub fn sendmail(mut self, path: &str) -> Case {
        self.sendmail = Some(path.into());
        self
    }
}

/// What one run did. Paths under the run's directory are shown as `$T`.
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Outcome {
    /// sendmail's argv (argv[0] included), per call.
    pub argv: Vec<Vec<String>>,
    /// What sendmail read from stdin, per call (None: did not read).
    pub sm_stdin: Vec<Option<Vec<u8>>>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    /// Exit status, or 1000 + signal.
    pub status: i32,
    /// dead.letter (None: does not exist).
    pub dead: Option<Vec<u8>>,
    /// The `record` file (`$T/home/record`), first-line date normalised.
    pub record: Option<Vec<u8>>,
}

fn replace_bytes(data: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    if from.is_empty() {
        return data.to_vec();
    }
    let mut out = Vec::with_capacity(data.len());
    let mut i = 0;
    while i < data.len() {
        if data[i..].starts_with(from) {
            out.extend_from_slice(to);
            i += from.len();
        } else {
            out.push(data[i]);
            i += 1;
        }
    }
    out
}

/// Replaces the date of `From user <ctime>` separator lines by `DATE`.
pub fn normalise_from_dates(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    for line in data.split_inclusive(|&b| b == b'\n') {
        if line.starts_with(b"From ") {
            let rest = &line[5..];
            let user_end = rest.iter().position(|&b| b == b' ').unwrap_or(rest.len());
            out.extend_from_slice(b"From ");
            out.extend_from_slice(&rest[..user_end]);
            out.extend_from_slice(b" DATE\n");
        } else {
            out.extend_from_slice(line);
        }
    }
    out
}

/// Runs one case with one program in a fresh directory.
pub fn run(prog: Prog, case: &Case) -> Outcome {
    let t = TempDir::new("run");
    run_in(&t, prog, case)
}

/// Runs one case with one program in the given (fresh) directory.
pub fn run_in(t: &TempDir, prog: Prog, case: &Case) -> Outcome {
    let home = t.join("home");
    let out = t.join("out");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&out).unwrap();
    // For `set sendmail=~/fakesm` (tilde expansion of the sendmail variable).
    let _ = std::os::unix::fs::symlink(fakesm(), home.join("fakesm"));
    let sm = case
        .sendmail
        .clone()
        .unwrap_or_else(|| fakesm().display().to_string());
    let rc = format!("set sendmail={sm}\n{}", case.rc);
    std::fs::write(
        t.join("rc"),
        rc.replace("$T", &t.path().display().to_string()),
    )
    .unwrap();
    // Both programs run through a symlink `$T/bsd-mailx`, so argv[0] (which
    // getopt's messages print in full) and the basename are the same.
    let target = match prog {
        Prog::Real => PathBuf::from(BSD_MAILX),
        Prog::Ours => ours(),
    };
    let exe = t.join("bsd-mailx");
    let _ = std::fs::remove_file(&exe);
    std::os::unix::fs::symlink(target, &exe).unwrap();
    let mut c = Command::new(&exe);
    if case.no_system_rc {
        c.arg("-n");
    }
    c.args(&case.args)
        .env_clear()
        .env("HOME", &home)
        .env("USER", "tester")
        .env("LOGNAME", "tester")
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", &out)
        .current_dir(t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in &case.env {
        c.env(k, v.replace("$T", &t.path().display().to_string()));
    }
    let mut child = c
        .spawn()
        .unwrap_or_else(|e| panic!("spawn {}: {e}", exe.display()));
    let mut stdin = child.stdin.take().unwrap();
    let data = case.stdin.clone();
    let signal = case.signal;
    let pid = child.id() as i32;
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&data);
        if let Some(sig) = signal {
            let _ = stdin.flush();
            std::thread::sleep(std::time::Duration::from_millis(300));
            // SAFETY: kill(2) on our own child, which has not been waited for yet.
            unsafe { libc::kill(pid, sig) };
            std::thread::sleep(std::time::Duration::from_millis(300));
            let _ = stdin.write_all(b"after the signal\n");
        }
    });
    let o = child.wait_with_output().unwrap();
    writer.join().unwrap();
    collect_outcome(t, &o.status, o.stdout, o.stderr)
}

/// Gathers what the run left behind in its directory.
pub fn collect_outcome(
    t: &TempDir,
    status: &std::process::ExitStatus,
    stdout: Vec<u8>,
    stderr: Vec<u8>,
) -> Outcome {
    use std::os::unix::process::ExitStatusExt;
    let tp = t.path().display().to_string();
    let norm = |v: &[u8]| replace_bytes(v, tp.as_bytes(), b"$T");
    let out = t.join("out");
    let mut argv = Vec::new();
    let mut sm_stdin = Vec::new();
    for n in 0.. {
        let suffix = if n == 0 {
            String::new()
        } else {
            format!(".{n}")
        };
        let Ok(a) = std::fs::read(out.join(format!("argv{suffix}"))) else {
            break;
        };
        argv.push(
            a.split(|&b| b == 0)
                .filter(|x| !x.is_empty())
                .map(|x| String::from_utf8_lossy(x).into_owned())
                .collect(),
        );
        sm_stdin.push(
            std::fs::read(out.join(format!("stdin{suffix}")))
                .ok()
                .map(|v| norm(&v)),
        );
    }
    let status = status
        .code()
        .unwrap_or_else(|| 1000 + status.signal().unwrap_or(0));
    Outcome {
        argv,
        sm_stdin,
        stdout: norm(&stdout),
        stderr: norm(&stderr),
        status,
        dead: std::fs::read(t.join("home/dead.letter"))
            .ok()
            .map(|v| norm(&v)),
        record: std::fs::read(t.join("home/record"))
            .ok()
            .map(|v| normalise_from_dates(&norm(&v))),
    }
}

fn show(v: &[u8]) -> String {
    format!("{:?}", String::from_utf8_lossy(v))
}

/// Renders an outcome for assertion messages.
pub fn describe(o: &Outcome) -> String {
    let mut s = format!("status: {}\nargv: {:?}\n", o.status, o.argv);
    for (i, st) in o.sm_stdin.iter().enumerate() {
        match st {
            Some(v) => s.push_str(&format!("sendmail stdin[{i}]: {}\n", show(v))),
            None => s.push_str(&format!("sendmail stdin[{i}]: (not read)\n")),
        }
    }
    s.push_str(&format!(
        "stdout: {}\nstderr: {}\n",
        show(&o.stdout),
        show(&o.stderr)
    ));
    match &o.dead {
        Some(d) => s.push_str(&format!("dead.letter: {}\n", show(d))),
        None => s.push_str("dead.letter: (none)\n"),
    }
    if let Some(r) = &o.record {
        s.push_str(&format!("record: {}\n", show(r)));
    }
    s
}

/// Asserts that two outcomes are equal field by field, naming the first difference.
pub fn assert_same(name: &str, ours: &Outcome, real: &Outcome) {
    let fields: [(&str, bool); 7] = [
        ("exit status", ours.status == real.status),
        ("sendmail argv", ours.argv == real.argv),
        ("sendmail stdin", ours.sm_stdin == real.sm_stdin),
        ("stdout", ours.stdout == real.stdout),
        ("stderr", ours.stderr == real.stderr),
        ("dead.letter", ours.dead == real.dead),
        ("record", ours.record == real.record),
    ];
    let diffs: Vec<&str> = fields.iter().filter(|f| !f.1).map(|f| f.0).collect();
    assert!(
        diffs.is_empty(),
        "case {name}: differs in {diffs:?}\n--- ours:\n{}--- bsd-mailx:\n{}",
        describe(ours),
        describe(real)
    );
}

/// The standard header block both programs generate for simple cases.
pub fn mime_trio(charset: &str) -> String {
    format!(
        "MIME-Version: 1.0\nContent-Type: text/plain; charset=\"{charset}\"\nContent-Transfer-Encoding: 8bit\n"
    )
}

/// The C compiler, if any.
pub fn have_cc() -> bool {
    Command::new("cc")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// Compiles a C source into `dir/name` (with extra flags); panics on failure.
pub fn compile_c(dir: &Path, name: &str, src: &str, flags: &[&str]) -> PathBuf {
    let c = dir.join(format!("{name}.c"));
    std::fs::write(&c, src).unwrap();
    let out = dir.join(name);
    let o = Command::new("cc")
        .args(["-O2", "-Wall", "-o"])
        .arg(&out)
        .arg(&c)
        .args(flags)
        .output()
        .expect("run cc");
    assert!(
        o.status.success(),
        "cc {name}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// A user to run permission-sensitive tests as when we are root: `nobody`
/// through setpriv. None when not root (no switch needed) is reported as
/// `Some(vec![])`; None means root without a way to drop privileges.
pub fn unprivileged_prefix() -> Option<Vec<String>> {
    // SAFETY: geteuid has no preconditions.
    if unsafe { libc::geteuid() } != 0 {
        return Some(Vec::new());
    }
    if Path::new("/usr/bin/setpriv").exists() {
        return Some(
            [
                "/usr/bin/setpriv",
                "--reuid=nobody",
                "--regid=nogroup",
                "--clear-groups",
                "--",
            ]
            .iter()
            .map(|s| s.to_string())
            .collect(),
        );
    }
    None
}

/// How [`run_on_pty`] types: the terminal size (`None`: the kernel's
/// default), the pause before the first key, between keys, and how long
/// the program may run after the last one.
pub struct PtyScript<'a> {
    pub size: Option<(u16, u16)>,
    pub keys: &'a [&'a [u8]],
    pub first_ms: u64,
    pub gap_ms: u64,
    pub timeout: Duration,
}

/// Runs `cmd` on a new pseudo-terminal that is its controlling tty (stdin,
/// stdout and stderr; a new session), types `script.keys` with pauses and
/// waits for it to exit (killed after `script.timeout`). Returns its exit
/// status and everything the terminal showed, or `None` when this machine
/// has no pseudo-terminals. The pty tests (read_tty, send_tty, security)
/// share it.
pub fn run_on_pty(
    mut cmd: Command,
    script: &PtyScript<'_>,
) -> Option<(std::process::ExitStatus, Vec<u8>)> {
    use std::os::fd::{FromRawFd, OwnedFd};
    use std::os::unix::process::CommandExt;
    let ws = script.size.map(|(rows, cols)| libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    });
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two fds that we own; `ws` outlives the call.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            ws.as_ref().map_or(std::ptr::null(), |w| w as *const _),
        )
    };
    if r != 0 {
        eprintln!(
            "skipped: openpty failed ({}): no pseudo-terminals here",
            std::io::Error::last_os_error()
        );
        return None;
    }
    // SAFETY: the fd comes from openpty and is owned here.
    let slave_fd = unsafe { OwnedFd::from_raw_fd(slave) };
    cmd.stdin(Stdio::from(slave_fd.try_clone().unwrap()))
        .stdout(Stdio::from(slave_fd.try_clone().unwrap()))
        .stderr(Stdio::from(slave_fd.try_clone().unwrap()));
    // SAFETY: setsid and TIOCSCTTY between fork and exec are async-signal-safe.
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd);
    drop(slave_fd);
    let mut out = Vec::new();
    // The first key never arrives before the signal handlers are in place.
    pty_drain(master, &mut out, script.first_ms);
    for (i, k) in script.keys.iter().enumerate() {
        if i > 0 {
            pty_drain(master, &mut out, script.gap_ms);
        }
        // SAFETY: write to the master fd from a live slice.
        unsafe { libc::write(master, k.as_ptr().cast(), k.len()) };
    }
    let deadline = Instant::now() + script.timeout;
    let status = loop {
        pty_drain(master, &mut out, 100);
        if let Some(st) = child.try_wait().unwrap() {
            break st;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            break child.wait().unwrap();
        }
    };
    pty_drain(master, &mut out, 50);
    // SAFETY: closing the master fd we opened.
    unsafe { libc::close(master) };
    Some((status, out))
}

/// Reads what a pseudo-terminal master has to say for `ms` milliseconds.
fn pty_drain(master: i32, out: &mut Vec<u8>, ms: u64) {
    let end = Instant::now() + Duration::from_millis(ms);
    loop {
        let left = end.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return;
        }
        let mut pfd = libc::pollfd {
            fd: master,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: poll/read on a valid fd into a local buffer.
        unsafe {
            if libc::poll(&mut pfd, 1, left.as_millis() as i32) <= 0 {
                continue;
            }
            let mut buf = [0u8; 4096];
            let n = libc::read(master, buf.as_mut_ptr().cast(), buf.len());
            if n <= 0 {
                // EIO: the slave side is closed (the program exited).
                std::thread::sleep(left.min(Duration::from_millis(20)));
                continue;
            }
            out.extend_from_slice(&buf[..n as usize]);
        }
    }
}

/// A small xorshift generator for reproducible random test inputs:
/// `rnd(n)` is in `0..n`.
pub fn rng(seed: u64) -> impl FnMut(u64) -> u64 {
    let mut x = seed | 1;
    move |n| {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % n
    }
}

/// Is the loopback Postfix rig of `scripts/postfix-test-setup.sh` there:
/// running as root, with `files`, something listening on each of `ports`
/// on 127.0.0.1 and the local `users`? Prints why not and returns false,
/// or panics when `MAILX_REQUIRE_POSTFIX` is set (as `.ci/run` does).
pub fn postfix_rig_ready(files: &[&str], ports: &[u16], users: &[&str]) -> bool {
    let why = (|| {
        // SAFETY: getuid has no preconditions.
        if unsafe { libc::getuid() } != 0 {
            return Some("not root".to_string());
        }
        if let Some(f) = files.iter().find(|f| !Path::new(f).exists()) {
            return Some(format!("{f} missing"));
        }
        if let Some(p) = ports
            .iter()
            .find(|&&p| std::net::TcpStream::connect(("127.0.0.1", p)).is_err())
        {
            return Some(format!("nothing listens on 127.0.0.1:{p}"));
        }
        let exists = |u: &&str| {
            Command::new("id")
                .arg(u)
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success())
        };
        if let Some(u) = users.iter().find(|u| !exists(u)) {
            return Some(format!("no user {u}"));
        }
        None
    })();
    let Some(w) = why else {
        return true;
    };
    let msg = format!(
        "Postfix test rig not available ({w}); run `sudo bash scripts/postfix-test-setup.sh`"
    );
    if std::env::var_os("MAILX_REQUIRE_POSTFIX").is_some() {
        panic!("{msg}");
    }
    eprintln!("SKIPPED: {msg}");
    false
}
