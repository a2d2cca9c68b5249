//! The one place that decides whether an external requirement of a test is
//! present: the reference bsd-mailx, a C compiler, root, a second user,
//! a tmpfs mount, python3, dotlockfile, pseudo-terminals, the Postfix rig,
//! the Dovecot IMAP rig, mblaze, s-nail.
//!
//! `require(Req::X)` (or the `require!` macro, which returns from the test)
//! probes once per test binary. When the requirement is missing it writes
//! `skipped: <binary>::<test>: <requirement> missing (<why>)` straight to
//! stderr (past the test harness's output capture, so the line shows even
//! for a passing test) and returns false; with `MAILX_REQUIRE_ALL=1` (set by
//! `.ci/run` when it runs as root) it panics instead, so a machine without
//! the oracle can never look green. `MAILX_REQUIRE_POSTFIX=1` is the older,
//! narrower switch: only the Postfix rig becomes mandatory.
//!
//! `MAILX_BSD_MAILX=/path` points the tests at another bsd-mailx binary
//! (`MAILX_BSD_MAILX=/missing` simulates a machine without it).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};

/// Where bsd-mailx is installed (Debian's package).
pub const BSD_MAILX_DEFAULT: &str = "/usr/bin/bsd-mailx";
/// The CA certificate of the Postfix rig (scripts/postfix-test-setup.sh).
pub const POSTFIX_CA: &str = "/etc/postfix/mxtest-tls/ca.pem";
/// The rig's Dovecot oauth2 passdb settings (its introspection URL).
pub const POSTFIX_OAUTH2_CONF: &str = "/etc/dovecot/mxtest-oauth2.conf.ext";
/// The Dovecot IMAP rig (scripts/dovecot-test-setup.sh; facts in its
/// header): the CA that signed its server certificate (localhost, 127.0.0.1).
pub const DOVECOT_CA: &str = "/etc/dovecot/mxtest-imap-tls/ca.pem";
/// The rig's IMAP port on 127.0.0.1 (STARTTLS offered, plaintext login allowed).
pub const DOVECOT_IMAP_PORT: u16 = 2143;
/// The rig's implicit-TLS IMAPS port on 127.0.0.1.
pub const DOVECOT_IMAPS_PORT: u16 = 2993;
/// The rig's system user (home /home/mximap, mail in maildir:~/Maildir,
/// Maildir++ folders `~/Maildir/.name/`; its ~/.forward makes Postfix
/// deliver there too).
pub const DOVECOT_USER: &str = "mximap";
/// The rig user's IMAP password.
pub const DOVECOT_PASS: &str = "mximap-secret";
/// The rig's Dovecot configuration (for `doveadm -c`).
pub const DOVECOT_CONF: &str = "/etc/dovecot/mxtest-imap.conf";
/// Debian's setgid dot-locking helper (package liblockfile-bin).
pub const DOTLOCKFILE: &str = "/usr/bin/dotlockfile";
/// util-linux's tool to run a command as another user.
pub const SETPRIV: &str = "/usr/bin/setpriv";

/// Something a test needs from the machine.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Req {
    /// The reference implementation: [`bsd_mailx`] exists and is executable.
    BsdMailx,
    /// A working C compiler `cc` (the LD_PRELOAD shims).
    Cc,
    /// Running as root (chown, mknod, the spool).
    Root,
    /// Root, able to run commands as `nobody` through setpriv.
    Nobody,
    /// Root, able to mount a small tmpfs (the full-disk cases).
    Tmpfs,
    /// python3 with its `email` and `fcntl` modules.
    Python3,
    /// /usr/bin/dotlockfile.
    Dotlockfile,
    /// /usr/bin/s-nail, the reference for what bsd-mailx lacks (`-t`, Maildir).
    SNail,
    /// Pseudo-terminals (openpty).
    Pty,
    /// The loopback Postfix rig of scripts/postfix-test-setup.sh, as root.
    PostfixRig,
    /// The loopback Dovecot IMAP rig of scripts/dovecot-test-setup.sh, as root.
    DovecotRig,
    /// mblaze's `mlist` and `mflag` (Debian package mblaze).
    Mblaze,
    /// The openssl command (test certificates for TLS).
    Openssl,
}

impl Req {
    fn name(self) -> &'static str {
        match self {
            Req::BsdMailx => "bsd-mailx",
            Req::Cc => "a C compiler (cc)",
            Req::Root => "root",
            Req::Nobody => "root with setpriv (to run as nobody)",
            Req::Tmpfs => "a tmpfs mount (root)",
            Req::Python3 => "python3",
            Req::Dotlockfile => "dotlockfile",
            Req::SNail => "s-nail",
            Req::Pty => "pseudo-terminals",
            Req::PostfixRig => "the Postfix test rig",
            Req::DovecotRig => "the Dovecot IMAP test rig",
            Req::Mblaze => "mblaze (mlist, mflag)",
            Req::Openssl => "the openssl command",
        }
    }
}

/// The bsd-mailx binary the differential tests compare against:
/// `$MAILX_BSD_MAILX`, else /usr/bin/bsd-mailx.
pub fn bsd_mailx() -> &'static Path {
    static P: OnceLock<PathBuf> = OnceLock::new();
    P.get_or_init(|| {
        std::env::var_os("MAILX_BSD_MAILX")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .unwrap_or_else(|| PathBuf::from(BSD_MAILX_DEFAULT))
    })
}

/// True when `req` is present. Otherwise prints a `skipped:` line and
/// returns false, or panics when the requirement is mandatory here
/// (`MAILX_REQUIRE_ALL=1`; `MAILX_REQUIRE_POSTFIX=1` for the Postfix rig).
pub fn require(req: Req) -> bool {
    let Err(why) = probe_cached(req) else {
        return true;
    };
    let test = test_name();
    let what = req.name();
    if mandatory(req) {
        panic!(
            "{test}: {what} missing ({why}); MAILX_REQUIRE_ALL=1 makes every test requirement mandatory"
        );
    }
    let _ = writeln!(std::io::stderr(), "skipped: {test}: {what} missing ({why})");
    false
}

/// Returns from the calling function (with its `Default` value: nothing,
/// `None`, `false`) when `require` says the requirement is missing.
#[macro_export]
macro_rules! require {
    ($req:expr) => {
        if !$crate::common::require($req) {
            return Default::default();
        }
    };
}

fn env_on(name: &str) -> bool {
    std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "0")
}

fn mandatory(req: Req) -> bool {
    env_on("MAILX_REQUIRE_ALL") || (req == Req::PostfixRig && env_on("MAILX_REQUIRE_POSTFIX"))
}

/// `<test binary>::<test>` for the messages (the harness names each test's
/// thread after the test).
fn test_name() -> String {
    let bin = std::env::current_exe()
        .ok()
        .and_then(|p| p.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .unwrap_or_default();
    // target/<profile>/deps/<name>-<hash>
    let bin = match bin.rsplit_once('-') {
        Some((name, hash)) if hash.chars().all(|c| c.is_ascii_hexdigit()) => name.to_string(),
        _ => bin,
    };
    let thread = std::thread::current();
    match thread.name() {
        Some(t) if t != "main" => format!("{bin}::{t}"),
        _ => bin,
    }
}

fn probe_cached(req: Req) -> Result<(), String> {
    static CACHE: Mutex<Vec<(Req, Result<(), String>)>> = Mutex::new(Vec::new());
    if let Some((_, r)) = CACHE.lock().unwrap().iter().find(|(r, _)| *r == req) {
        return r.clone();
    }
    // Probed outside the lock: some probes take a moment.
    let r = probe(req);
    CACHE.lock().unwrap().push((req, r.clone()));
    r
}

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions.
    unsafe { libc::geteuid() == 0 }
}

fn root() -> Result<(), String> {
    if is_root() {
        Ok(())
    } else {
        Err("not running as root".into())
    }
}

/// Runs a probe command quietly; Err names it when it fails.
fn runs(prog: &str, args: &[&str]) -> Result<(), String> {
    let st = Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status();
    match st {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(format!("`{prog} {}` failed: {s}", args.join(" "))),
        Err(e) => Err(format!("cannot run {prog}: {e}")),
    }
}

fn executable(p: &Path) -> Result<(), String> {
    use std::os::unix::fs::PermissionsExt;
    match std::fs::metadata(p) {
        Ok(m) if m.is_file() && m.permissions().mode() & 0o111 != 0 => Ok(()),
        Ok(_) => Err(format!("{} is not an executable file", p.display())),
        Err(e) => Err(format!("{}: {e}", p.display())),
    }
}

fn probe(req: Req) -> Result<(), String> {
    match req {
        Req::BsdMailx => executable(bsd_mailx()),
        Req::Cc => runs("cc", &["--version"]),
        Req::Root => root(),
        Req::Nobody => {
            root()?;
            executable(Path::new(SETPRIV))?;
            runs_argv(&nobody_prefix(), "/bin/true")
        }
        Req::Tmpfs => {
            root()?;
            let t = super::TempDir::new("tmpfs-probe");
            runs(
                "mount",
                &[
                    "-t",
                    "tmpfs",
                    "-o",
                    "size=64k",
                    "tmpfs",
                    &t.path().display().to_string(),
                ],
            )?;
            runs("umount", &[&t.path().display().to_string()])
        }
        Req::Python3 => runs("python3", &["-c", "import email, email.policy, fcntl"]),
        Req::Dotlockfile => executable(Path::new(DOTLOCKFILE)),
        Req::SNail => executable(Path::new("/usr/bin/s-nail")),
        Req::Pty => super::pty::probe(),
        Req::PostfixRig => postfix_rig(),
        Req::DovecotRig => dovecot_rig(),
        Req::Mblaze => {
            executable(Path::new("/usr/bin/mlist"))?;
            executable(Path::new("/usr/bin/mflag"))
        }
        Req::Openssl => runs("openssl", &["version"]),
    }
}

fn runs_argv(prefix: &[String], prog: &str) -> Result<(), String> {
    let args: Vec<&str> = prefix[1..]
        .iter()
        .map(String::as_str)
        .chain([prog])
        .collect();
    runs(&prefix[0], &args)
}

/// setpriv's arguments to run a command as nobody:nogroup without
/// supplementary groups.
fn nobody_prefix() -> Vec<String> {
    [
        SETPRIV,
        "--reuid=nobody",
        "--regid=nogroup",
        "--clear-groups",
        "--",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}

/// A command prefix that runs a program as an unprivileged user: empty
/// when we are not root (we are one already), setpriv to `nobody` when we
/// are. None (after `require(Req::Nobody)` reported it) when root cannot
/// drop privileges here.
pub fn unprivileged_prefix() -> Option<Vec<String>> {
    if !is_root() {
        return Some(Vec::new());
    }
    require(Req::Nobody).then(nobody_prefix)
}

/// The rig: root, its programs and CA, its three listeners on 127.0.0.1 and
/// its users (scripts/postfix-test-setup.sh makes all of them).
fn postfix_rig() -> Result<(), String> {
    let fix = "run `sudo bash scripts/postfix-test-setup.sh`";
    root().map_err(|e| format!("{e}; {fix}"))?;
    for f in [
        "/usr/sbin/postfix",
        "/usr/sbin/sendmail",
        "/usr/sbin/postconf",
        "/usr/sbin/postqueue",
        POSTFIX_CA,
        POSTFIX_OAUTH2_CONF,
    ] {
        if !Path::new(f).exists() {
            return Err(format!("{f} missing; {fix}"));
        }
    }
    for port in [25, 2587, 2465] {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            return Err(format!("nothing listens on 127.0.0.1:{port}; {fix}"));
        }
    }
    for user in ["mxtest", "mxsender", "mxfull"] {
        if runs("id", &[user]).is_err() {
            return Err(format!("no user {user}; {fix}"));
        }
    }
    Ok(())
}

/// The IMAP rig: root, Dovecot, its CA, its two listeners on 127.0.0.1 and
/// its user with a Maildir (scripts/dovecot-test-setup.sh makes all of them).
fn dovecot_rig() -> Result<(), String> {
    let fix = "run `sudo bash scripts/dovecot-test-setup.sh`";
    root().map_err(|e| format!("{e}; {fix}"))?;
    for f in [
        "/usr/sbin/dovecot",
        "/usr/bin/doveadm",
        DOVECOT_CA,
        DOVECOT_CONF,
    ] {
        if !Path::new(f).exists() {
            return Err(format!("{f} missing; {fix}"));
        }
    }
    for port in [DOVECOT_IMAP_PORT, DOVECOT_IMAPS_PORT] {
        if std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            return Err(format!("nothing listens on 127.0.0.1:{port}; {fix}"));
        }
    }
    if runs("id", &[DOVECOT_USER]).is_err() {
        return Err(format!("no user {DOVECOT_USER}; {fix}"));
    }
    let maildir = format!("/home/{DOVECOT_USER}/Maildir/cur");
    if !Path::new(&maildir).is_dir() {
        return Err(format!("{maildir} missing; {fix}"));
    }
    Ok(())
}
