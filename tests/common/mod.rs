//! Shared test helpers; every test binary that needs one of them uses this
//! module (`mod common;`), and none keeps a private copy.
//!
//! - [`require`] (and the `require!` macro), in `require.rs`: whether an
//!   external requirement (bsd-mailx, cc, root, setpriv, a tmpfs, python3,
//!   dotlockfile, ptys, the Postfix rig, the Dovecot IMAP rig) is present; skips loudly, or fails
//!   under `MAILX_REQUIRE_ALL=1`. [`bsd_mailx`] is the one path of the
//!   reference binary.
//! - [`Pty`] and [`run_on_pty`], in `pty.rs`: the one pseudo-terminal driver.
//! - `smtp::FakeSmtp`, in `smtp.rs`: the one fake SMTP server.
//! - `introspect::Introspect`, in `introspect.rs`: the OAuth2 token
//!   introspection server the Postfix rig's Dovecot asks about tokens.
//! - [`TempDir`]: private temporary directories, removed on drop.
//! - For the send-mode tests: the fake sendmail (`examples/fakesm.rs`),
//!   running bsd-mailx or our binary in a clean environment ([`Case`],
//!   [`run`]), and comparing what they did ([`Outcome`], [`assert_same`]).
//!   Every run gets its own directory holding `home/` (HOME, so dead.letter
//!   and record land there), `rc` (MAILRC, pointing `sendmail` at the fake),
//!   `out/` (where the fake records argv and stdin) and a `bsd-mailx`
//!   symlink to the program, so both print the same `bsd-mailx:` prefix.
//! - [`rng`] (reproducible random inputs) and [`compile_c`] (C shims).
//! - [`clean_session`]: the environment of a read-mode session of ours.

#![allow(dead_code)]

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

#[cfg(feature = "imap")]
pub mod imap;
pub mod introspect;
pub mod pty;
pub mod require;
pub mod smtp;

#[allow(unused_imports)]
pub use pty::{Pty, PtyScript, run_on_pty};
#[allow(unused_imports)]
pub use require::{Req, bsd_mailx, require, unprivileged_prefix};

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
    pub fn join(&self, p: impl AsRef<Path>) -> PathBuf {
        self.0.join(p)
    }
}

/// A `&TempDir` is usable wherever a `&Path` is.
impl std::ops::Deref for TempDir {
    type Target = Path;
    fn deref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<Path> for TempDir {
    fn as_ref(&self) -> &Path {
        &self.0
    }
}

impl AsRef<std::ffi::OsStr> for TempDir {
    fn as_ref(&self) -> &std::ffi::OsStr {
        self.0.as_os_str()
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
        Prog::Real => bsd_mailx().to_path_buf(),
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

/// Sets up `c` for a session of ours in a clean environment: nothing
/// inherited, HOME `home` (also the working directory), user alice, PATH
/// `/usr/bin:/bin`, UTF-8, TZ UTC, no rc, MBOX `home/mbox`, MAIL
/// `home/spool`, stdin, stdout and stderr piped.
pub fn clean_session<'c>(c: &'c mut Command, home: &Path) -> &'c mut Command {
    c.env_clear()
        .env("HOME", home)
        .env("USER", "alice")
        .env("LOGNAME", "alice")
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .env("MAILRC", "/dev/null")
        .env("MBOX", home.join("mbox"))
        .env("MAIL", home.join("spool"))
        .current_dir(home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
}
