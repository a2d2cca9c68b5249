//! Bad input and hostile environments in send mode: a missing or
//! non-executable sendmail, an unwritable HOME (dead.letter cannot be
//! saved), and a very large body that must stream through with bounded memory.

mod common;
use common::*;
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};

const BODY: &[u8] = b"precious text\n";

fn whole(subject: &str) -> Vec<u8> {
    let mut m = format!("To: a@x\nSubject: {subject}\n{}\n", mime_trio("UTF-8")).into_bytes();
    m.extend_from_slice(BODY);
    m
}

#[test]
fn missing_sendmail_clear_error_dead_letter_exit_1() {
    let o = run(
        Prog::Ours,
        &Case::new(&["-s", "S", "a@x"], BODY).sendmail("$T/no/such/sendmail"),
    );
    assert_eq!(o.status, 1, "{}", describe(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "bsd-mailx: $T/no/such/sendmail: No such file or directory\nCan't send mail: sendmail process failed\n"
    );
    assert_eq!(o.dead.as_deref(), Some(&whole("S")[..]));
}

#[test]
fn non_executable_sendmail_clear_error_dead_letter_exit_1() {
    let t = TempDir::new("bad");
    let sm = t.join("sendmail");
    std::fs::write(&sm, "#!/bin/sh\nexit 0\n").unwrap();
    std::fs::set_permissions(&sm, std::fs::Permissions::from_mode(0o644)).unwrap();
    let o = run_in(
        &t,
        Prog::Ours,
        &Case::new(&["-s", "S", "a@x"], BODY).sendmail("$T/sendmail"),
    );
    assert_eq!(o.status, 1, "{}", describe(&o));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "bsd-mailx: $T/sendmail: Permission denied\nCan't send mail: sendmail process failed\n"
    );
    assert_eq!(o.dead.as_deref(), Some(&whole("S")[..]));
    // A directory is not a program either.
    let o = run_in(
        &t,
        Prog::Ours,
        &Case::new(&["-s", "S", "a@x"], BODY).sendmail("$T"),
    );
    assert_eq!(o.status, 1, "{}", describe(&o));
    assert!(String::from_utf8_lossy(&o.stderr).contains("Permission denied"));
}

/// Runs our binary as an unprivileged user (ourselves, or `nobody` when we
/// are root) with HOME a directory it cannot write. None when root cannot
/// drop privileges here (see `require`).
fn run_unwritable_home(rc_env: &[(&str, &str)]) -> Option<(std::process::Output, TempDir)> {
    let prefix = unprivileged_prefix()?;
    let t = TempDir::new("nohome");
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = t.join("home");
    let out = t.join("out");
    std::fs::create_dir(&home).unwrap();
    std::fs::create_dir(&out).unwrap();
    std::fs::set_permissions(&home, std::fs::Permissions::from_mode(0o555)).unwrap();
    std::fs::set_permissions(&out, std::fs::Permissions::from_mode(0o777)).unwrap();
    // Copies in the 0755 temp dir: the checkout may be unreadable to `nobody`
    // (e.g. under /root in CI).
    let bin = t.join("mailx");
    let sm = t.join("fakesm");
    std::fs::copy(ours(), &bin).unwrap();
    std::fs::copy(fakesm(), &sm).unwrap();
    std::fs::write(t.join("rc"), format!("set sendmail={}\n", sm.display())).unwrap();
    let mut argv = prefix.clone();
    argv.push(bin.display().to_string());
    let mut c = Command::new(&argv[0]);
    c.args(&argv[1..])
        .args(["-n", "-s", "S", "a@x"])
        .env_clear()
        .env("HOME", &home)
        .env("USER", "tester")
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", &out)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in rc_env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    child.stdin.take().unwrap().write_all(BODY).unwrap();
    let o = child.wait_with_output().unwrap();
    // The unprivileged user really cannot write HOME (not root in disguise).
    if std::fs::metadata(home.join("dead.letter")).is_ok() {
        panic!("dead.letter was written into a 0555 HOME: privileges not dropped");
    }
    Some((o, t))
}

#[test]
fn unwritable_home_sendmail_fails_clear_error_exit_1() {
    let Some((o, _t)) = run_unwritable_home(&[("FAKESM_RC", "75")]) else {
        return;
    };
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(
        err.starts_with("Can't send mail: sendmail process failed with error code 75\n"),
        "{err}"
    );
    assert!(
        err.contains("dead.letter: Permission denied"),
        "the failure to save must be reported: {err}"
    );
    assert!(err.contains("could not be saved"), "{err}");
}

#[test]
fn unwritable_home_sendmail_works_message_delivered() {
    let Some((o, t)) = run_unwritable_home(&[]) else {
        return;
    };
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(o.stderr.is_empty() && o.stdout.is_empty());
    assert_eq!(std::fs::read(t.join("out/stdin")).unwrap(), whole("S"));
}

/// The hash examples/fakesm.rs computes (FAKESM_HASH=1).
struct Hasher {
    state: u64,
    len: u64,
    pending: Vec<u8>,
}

impl Hasher {
    fn new() -> Hasher {
        Hasher {
            state: 0xcbf2_9ce4_8422_2325,
            len: 0,
            pending: Vec::new(),
        }
    }
    fn word(&mut self, w: u64) {
        self.state ^= w;
        self.state = self.state.wrapping_mul(0x0000_0100_0000_01b3);
    }
    fn update(&mut self, mut data: &[u8]) {
        self.len += data.len() as u64;
        if !self.pending.is_empty() {
            let need = 8 - self.pending.len();
            let take = need.min(data.len());
            self.pending.extend_from_slice(&data[..take]);
            data = &data[take..];
            if self.pending.len() < 8 {
                return;
            }
            let w = u64::from_le_bytes(self.pending[..].try_into().unwrap());
            self.word(w);
            self.pending.clear();
        }
        let whole = data.len() / 8 * 8;
        for c in data[..whole].chunks_exact(8) {
            self.word(u64::from_le_bytes(c.try_into().unwrap()));
        }
        self.pending.extend_from_slice(&data[whole..]);
    }
    fn finish(mut self) -> String {
        if !self.pending.is_empty() {
            let mut w = [0u8; 8];
            w[..self.pending.len()].copy_from_slice(&self.pending);
            self.word(u64::from_le_bytes(w));
        }
        format!("{} {:016x}\n", self.len, self.state)
    }
}

/// One line of the generated body: varied lengths, all printable, LF ends.
fn body_line(i: u64, buf: &mut Vec<u8>) {
    buf.clear();
    let len = 20 + (i.wrapping_mul(2654435761) % 180) as usize;
    buf.extend_from_slice(format!("{i:010} ").as_bytes());
    for k in 0..len {
        buf.push(b'a' + ((i as usize + k) % 26) as u8);
    }
    buf.push(b'\n');
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace().nth(1)?.parse().ok()
}

/// A big body (200 MB by default, `MAILX_TEST_BIG_MB` to change; 1024 for
/// 1 GB) reaches sendmail byte for byte (compared by hash, never stored
/// twice), and our peak RSS stays small.
#[test]
fn huge_body_streams_byte_for_byte_with_bounded_memory() {
    let mb: u64 = std::env::var("MAILX_TEST_BIG_MB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let target = mb << 20;
    let t = TempDir::new("big");
    std::fs::create_dir(t.join("home")).unwrap();
    std::fs::create_dir(t.join("out")).unwrap();
    std::fs::write(
        t.join("rc"),
        format!("set sendmail={}\n", fakesm().display()),
    )
    .unwrap();
    let mut child = Command::new(ours())
        .args(["-n", "-s", "big", "a@x"])
        .env_clear()
        .env("HOME", t.join("home"))
        .env("USER", "tester")
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", t.join("out"))
        .env("FAKESM_HASH", "1")
        .env("TMPDIR", t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let mut stdin = child.stdin.take().unwrap();
    // Generate and hash the body while writing it.
    let writer = std::thread::spawn(move || {
        let mut h = Hasher::new();
        h.update(format!("To: a@x\nSubject: big\n{}\n", mime_trio("UTF-8")).as_bytes());
        let mut sent = 0u64;
        let mut chunk = Vec::with_capacity(1 << 20);
        let mut line = Vec::new();
        let mut i = 0u64;
        while sent < target {
            chunk.clear();
            while chunk.len() < (1 << 20) - 256 {
                body_line(i, &mut line);
                i += 1;
                chunk.extend_from_slice(&line);
            }
            h.update(&chunk);
            stdin.write_all(&chunk).unwrap();
            sent += chunk.len() as u64;
        }
        drop(stdin);
        (h.finish(), sent)
    });
    let mut peak = 0u64;
    loop {
        if let Some(k) = vm_hwm_kib(pid) {
            peak = peak.max(k);
        }
        if child.try_wait().unwrap().is_some() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let (want, sent) = writer.join().unwrap();
    let o = child.wait_with_output().unwrap();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let got = std::fs::read_to_string(t.join("out/stdin.hash")).unwrap();
    eprintln!("huge body: {sent} bytes, peak RSS of mail {peak} KiB");
    assert_eq!(got, want, "sendmail did not get the message byte for byte");
    assert!(peak > 0, "could not read VmHWM");
    assert!(
        peak < 64 * 1024,
        "peak RSS {peak} KiB for a {sent}-byte body"
    );
}

/// stdin that cannot be read (a directory: EISDIR). bsd-mailx takes the read
/// error for EOF and sends an empty message (`Null message body; hope that's
/// ok`, exit 0); ours reports the error, sends nothing and exits 1. Left as
/// is on purpose: sending a truncated or empty message after an I/O error
/// hides the error.
#[test]
fn unreadable_stdin_is_an_error_not_an_empty_message() {
    let t = TempDir::new("bad");
    std::fs::create_dir(t.join("home")).unwrap();
    std::fs::create_dir(t.join("out")).unwrap();
    std::fs::write(
        t.join("rc"),
        format!("set sendmail={}\n", fakesm().display()),
    )
    .unwrap();
    let o = Command::new(ours())
        .args(["-n", "-s", "S", "a@x"])
        .env_clear()
        .env("HOME", t.join("home"))
        .env("USER", "tester")
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", t.join("out"))
        .stdin(std::fs::File::open(t.path()).unwrap())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "mailx: cannot read the message: Is a directory\n"
    );
    assert!(!t.join("out/argv").exists(), "nothing may be sent");
}

/// A throwaway user whose password entry's home is `home`, made with
/// useradd and removed with userdel when dropped (root only).
struct PasswdUser {
    name: String,
    gid: String,
    spool_existed: bool,
}

impl PasswdUser {
    /// None (after a `skipped:` notice, or a panic with
    /// `MAILX_REQUIRE_ALL=1`) when not root or without setpriv.
    fn new(home: &std::path::Path) -> Option<PasswdUser> {
        if !require(Req::Root) || !require(Req::Nobody) {
            return None;
        }
        let name = format!("mxh{}", std::process::id());
        let spool_existed = std::path::Path::new(&format!("/var/mail/{name}")).exists();
        // -M: the home is ours to create; -N: no user group to clean up.
        let ok = Command::new("/usr/sbin/useradd")
            .args(["-M", "-N", "-s", "/bin/sh", "-d"])
            .arg(home)
            .arg(&name)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "useradd {name} failed");
        // From here on, dropping `user` removes the account again.
        let mut user = PasswdUser {
            gid: String::new(),
            name,
            spool_existed,
        };
        let gid = Command::new("id")
            .args(["-g", &user.name])
            .output()
            .unwrap();
        user.gid = String::from_utf8_lossy(&gid.stdout).trim().to_string();
        std::fs::create_dir(home).unwrap();
        let ok = Command::new("chown")
            .arg(format!("{}:{}", user.name, user.gid))
            .arg(home)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok, "chown {}", home.display());
        Some(user)
    }

    /// `setpriv` to run a command as this user.
    fn command(&self, program: &std::path::Path) -> Command {
        let mut c = Command::new("/usr/bin/setpriv");
        c.arg(format!("--reuid={}", self.name))
            .arg(format!("--regid={}", self.gid))
            .args(["--clear-groups", "--"])
            .arg(program);
        c
    }
}

impl Drop for PasswdUser {
    fn drop(&mut self) {
        let _ = Command::new("/usr/sbin/userdel").arg(&self.name).status();
        if !self.spool_existed {
            let _ = std::fs::remove_file(format!("/var/mail/{}", self.name));
        }
    }
}

/// With HOME unset (cron jobs, init scripts) the user's files are in the
/// password entry's home, as glibc's `~` expansion finds it for bsd-mailx:
/// `~/.mailrc` is read there and, when sendmail fails, the whole message is
/// saved in `~/dead.letter` there (it used to be lost: `no home directory:
/// the message could not be saved in dead.letter`). Compared with bsd-mailx
/// when it is installed. With `HOME=` (set, empty) there is still no home.
/// Needs root: the user is made with useradd, its home in the temp dir.
#[test]
fn home_unset_dead_letter_goes_to_the_passwd_home() {
    let t = TempDir::new("pwhome");
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let home = t.join("home");
    let Some(user) = PasswdUser::new(&home) else {
        return;
    };
    // Copies in the 0755 temp dir: the checkout may be unreadable to the user.
    let bin = t.join("mailx");
    std::fs::copy(ours(), &bin).unwrap();
    let sm = t.join("failsm");
    std::fs::write(&sm, "#!/bin/sh\nexit 75\n").unwrap();
    std::fs::set_permissions(&sm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mailrc = home.join(".mailrc");
    std::fs::write(&mailrc, format!("set sendmail={}\n", sm.display())).unwrap();
    std::fs::set_permissions(&mailrc, std::fs::Permissions::from_mode(0o644)).unwrap();
    let dead = home.join("dead.letter");

    // The recipient cannot exist (RFC 2606), should a real sendmail ever run.
    let want = format!("To: nobody@invalid\nSubject: S\n{}\n", mime_trio("UTF-8"));
    let want = [want.as_bytes(), BODY].concat();
    let send = |prog: &std::path::Path, home_env: Option<&str>| {
        let mut c = user.command(prog);
        c.args(["-s", "S", "nobody@invalid"])
            .env_clear()
            .env("USER", &user.name)
            .env("PATH", "/usr/bin:/bin")
            .env("LANG", "C.UTF-8")
            .current_dir(t.path())
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        if let Some(h) = home_env {
            // `~/.mailrc` would be `/.mailrc`: name it.
            c.env("HOME", h).env("MAILRC", &mailrc);
        }
        let mut child = c.spawn().unwrap();
        child.stdin.take().unwrap().write_all(BODY).unwrap();
        let o = child.wait_with_output().unwrap();
        let saved = std::fs::read(&dead).ok();
        let _ = std::fs::remove_file(&dead);
        (
            o.status.code(),
            String::from_utf8_lossy(&o.stderr).replace(&*bin.to_string_lossy(), "mailx"),
            saved,
        )
    };

    let (code, err, saved) = send(&bin, None);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(
        err,
        "Can't send mail: sendmail process failed with error code 75\n"
    );
    assert_eq!(
        saved.as_deref(),
        Some(&want[..]),
        "the whole message in the passwd home's dead.letter"
    );

    // `-f` without a file is `~/mbox`, in the same home.
    let o = user
        .command(&bin)
        .args(["-n", "-f"])
        .env_clear()
        .env("USER", &user.name)
        .env("PATH", "/usr/bin:/bin")
        .current_dir(t.path())
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        format!(
            "mailx: {}/mbox: No such file or directory\n",
            home.display()
        )
    );

    // An empty HOME is no home: nothing is written, and the reason is given.
    let (code, err, saved) = send(&bin, Some(""));
    assert_eq!(code, Some(1), "{err}");
    assert!(err.contains("no home directory"), "{err}");
    assert_eq!(saved, None);

    if require(Req::BsdMailx) {
        let (code, err, saved) = send(bsd_mailx(), None);
        assert_eq!(code, Some(1), "bsd-mailx: {err}");
        assert_eq!(
            err,
            "Can't send mail: sendmail process failed with error code 75\n"
        );
        assert_eq!(saved.as_deref(), Some(&want[..]), "bsd-mailx");
    }
}

fn os_args(v: &[&[u8]]) -> Vec<std::ffi::OsString> {
    use std::os::unix::ffi::OsStringExt;
    v.iter()
        .map(|b| std::ffi::OsString::from_vec(b.to_vec()))
        .collect()
}

/// A Latin-1 `-s` keeps its bytes: in the UTF-8 and C locales the subject
/// goes out as ISO-8859-1 encoded words (not U+FFFD), and Python's email
/// parser reads `café crème` back.
#[test]
fn latin1_subject_bytes_are_kept() {
    require!(Req::Python3);
    for locale in ["C.UTF-8", "C"] {
        let mut case = Case::new(&[], BODY).env("LC_ALL", locale);
        case.args = os_args(&[b"-s", b"caf\xe9 cr\xe8me", b"a@x"]);
        let o = run(Prog::Ours, &case);
        assert_eq!(o.status, 0, "{}", describe(&o));
        let sent = o.sm_stdin[0].clone().unwrap();
        let text = String::from_utf8_lossy(&sent);
        assert!(
            text.contains("Subject: =?ISO-8859-1?Q?caf=E9?= =?ISO-8859-1?Q?_cr=E8me?=\n")
                || text.contains("Subject: =?ISO-8859-1?Q?caf=E9_cr=E8me?=\n"),
            "{locale}: {text}"
        );
        assert_eq!(python_subject(&sent), "café crème");
    }
}

fn python_subject(msg: &[u8]) -> String {
    let mut c = Command::new("python3")
        .args([
            "-c",
            "import sys, email\nfrom email import policy\nm = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)\nsys.stdout.write(str(m['subject']))",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(msg).unwrap();
    String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
}

/// A recipient (operand, `-c`, `-b`, `-r`) whose bytes are not text in the
/// locale is refused with a clear error, nothing sent, exit 1; bsd-mailx
/// would pass the bytes, and a U+FFFD would address someone else.
#[test]
fn recipient_not_valid_in_the_locale_is_refused() {
    let cases: &[&[&[u8]]] = &[
        &[b"-s", b"S", b"caf\xe9@x"],
        &[b"-s", b"S", b"-c", b"caf\xe9@x", b"a@x"],
        &[b"-s", b"S", b"-b", b"caf\xe9@x", b"a@x"],
        &[b"-s", b"S", b"-r", b"caf\xe9@x", b"a@x"],
    ];
    for args in cases {
        for locale in ["C.UTF-8", "C"] {
            let mut case = Case::new(&[], BODY).env("LC_ALL", locale);
            case.args = os_args(args);
            let o = run(Prog::Ours, &case);
            assert_eq!(o.status, 1, "{}", describe(&o));
            let cs = if locale == "C" {
                "ANSI_X3.4-1968"
            } else {
                "UTF-8"
            };
            assert_eq!(
                String::from_utf8_lossy(&o.stderr),
                format!(
                    "bsd-mailx: \"caf\\xe9@x\": not a valid address in the locale's character set ({cs}); nothing sent\n"
                )
            );
            assert!(o.sm_stdin.is_empty(), "nothing may be sent");
        }
    }
}
