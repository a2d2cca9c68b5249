//! Secrets for SMTP AUTH (issue 18): `~/.netrc` (permissions, macdef,
//! comments, quotes), `smtp-auth-password-command` (output, failure,
//! timeout, environment), XOAUTH2 and OAUTHBEARER against the fake server
//! with curl's exact client strings and the RFC 7628 error flow (a fresh
//! token from the command and one retry), and a secret that never shows:
//! every run's stdout, stderr (with `-v`), dead.letter and the command's
//! recorded argv and environment are searched for it.
//!
//! Nothing connects anywhere but 127.0.0.1.
#![cfg(feature = "smtp")]

mod common;

use common::smtp::{
    self, FakeSmtp, OAUTH_ERROR_JSON, Run, Script, oauthbearer_string, xoauth2_string,
};
use common::{Pty, TempDir};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::process::{Command, Stdio};
use std::time::Duration;

/// curl's test-vector token.
const TOKEN: &str = "mF_9.B5f-4.1JqM";
const STALE: &str = "stale-token-Zq81";
const BODY: &str = "first line\nsecond line\n";

impl Run {
    fn dead_letter(&self) -> String {
        std::fs::read_to_string(self.home.join("dead.letter")).unwrap_or_default()
    }

    /// Everything the user or a file could see: stdout, stderr,
    /// dead.letter, and what the fake command recorded.
    fn everything(&self) -> String {
        let rec = std::fs::read_to_string(self.home.join("record")).unwrap_or_default();
        format!(
            "{}\n{}\n{}\n{rec}",
            self.stdout,
            self.stderr,
            self.dead_letter()
        )
    }

    fn assert_never_shows(&self, secret: &str) {
        assert!(
            !self.everything().contains(secret),
            "{secret:?} shows: {}",
            self.everything()
        );
    }
}

/// `common::smtp::send_in` with this file's BODY.
fn send_in(home: TempDir, set: &[String], args: &[&str]) -> Run {
    smtp::send_in(home, set, args, BODY)
}

fn smtp(srv: &FakeSmtp) -> String {
    format!("smtp={}", srv.addr())
}

fn plain_server() -> FakeSmtp {
    FakeSmtp::start(Script {
        ehlo: vec!["AUTH PLAIN LOGIN"],
        ..Default::default()
    })
}

fn oauth_server() -> FakeSmtp {
    FakeSmtp::start(Script {
        ehlo: vec!["AUTH PLAIN LOGIN XOAUTH2 OAUTHBEARER"],
        oauth: Some(("user", TOKEN)),
        ..Default::default()
    })
}

/// A token command in `home`: prints `first` the first time and `later`
/// every time after, appending its argv and environment to `record`.
fn token_command(home: &TempDir, first: &str, later: &str) -> String {
    let script = home.join("tok");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nd=$(dirname \"$0\")\n\
             {{ echo \"argv: $0 $*\"; env; }} >> \"$d/record\"\n\
             if [ -e \"$d/ran\" ]; then echo '{later}'; else : > \"$d/ran\"; echo '{first}'; fi\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, PermissionsExt::from_mode(0o755)).unwrap();
    format!("smtp-auth-password-command={}", script.display())
}

fn auth_plain(user: &str, pass: &str) -> String {
    let raw = format!("\0{user}\0{pass}");
    format!(
        "AUTH PLAIN {}",
        data_encoding::BASE64.encode(raw.as_bytes())
    )
}

fn assert_failed_with_dead_letter(r: &Run, want: &str) {
    assert_eq!(r.code, 1, "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains(want),
        "stderr lacks {want:?}: {}",
        r.stderr
    );
    let dl = r.dead_letter();
    assert!(dl.contains("Subject: t\n") && dl.contains(BODY), "{dl}");
}

// ------------------------------------------------------------- ~/.netrc

#[test]
fn a_group_readable_netrc_is_refused_naming_the_file_and_the_fix() {
    let srv = plain_server();
    let h = TempDir::new("sec");
    let netrc = h.join(".netrc");
    std::fs::write(&netrc, "machine 127.0.0.1 login u1 password NetrcPw1\n").unwrap();
    std::fs::set_permissions(&netrc, PermissionsExt::from_mode(0o640)).unwrap();
    let r = send_in(
        h,
        &[smtp(&srv), "smtp-auth-user=u1".into()],
        &["-s", "t", "x@example.test"],
    );
    assert_failed_with_dead_letter(&r, &format!("{}", netrc.display()));
    assert!(r.stderr.contains("chmod 600"), "{}", r.stderr);
    r.assert_never_shows("NetrcPw1");
    drop(srv);
}

/// A macro body, a commented-out entry and a quoted password, in a 0600
/// file: the real entry's quoted password is sent.
#[test]
fn netrc_macdef_comments_and_quotes_end_to_end() {
    let srv = plain_server();
    let h = TempDir::new("sec");
    let netrc = h.join(".netrc");
    std::fs::write(
        &netrc,
        "# machine 127.0.0.1 login u1 password commented\n\
         macdef init\nmachine 127.0.0.1 login u1 password macro\n\n\
         machine 127.0.0.1 login u1 password \"real pw\"\n",
    )
    .unwrap();
    std::fs::set_permissions(&netrc, PermissionsExt::from_mode(0o600)).unwrap();
    let r = send_in(
        h,
        &[smtp(&srv), "smtp-auth-user=u1".into()],
        &["-s", "t", "x@example.test"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    let seen = srv.seen();
    assert!(
        seen.commands.contains(&auth_plain("u1", "real pw")),
        "{:?}",
        seen.commands
    );
}

// ------------------------------------------------- the password command

#[test]
fn password_command_output_is_the_password_and_nothing_leaks() {
    let srv = plain_server();
    let h = TempDir::new("sec");
    let cmd = token_command(&h, "CmdPw-77", "CmdPw-77");
    let r = send_in(
        h,
        &[
            smtp(&srv),
            "smtp-auth-user=u1".into(),
            cmd,
            // A static password too: the command wins, and the variable's
            // value reaches no child.
            "smtp-auth-password=VarPw-55".into(),
        ],
        &["-v", "-s", "t", "x@example.test"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout
            .contains("AUTH PLAIN as \"u1\" <secret> (from smtp-auth-password-command)"),
        "{}",
        r.stdout
    );
    let rec = std::fs::read_to_string(r.home.join("record")).unwrap();
    assert!(rec.contains("MAILX_HOST=127.0.0.1") && rec.contains("MAILX_USER=u1"));
    r.assert_never_shows("CmdPw-77");
    r.assert_never_shows("VarPw-55");
    let seen = srv.seen();
    assert!(seen.commands.contains(&auth_plain("u1", "CmdPw-77")));
}

#[test]
fn a_failing_password_command_is_reported_by_status_not_output() {
    let h = TempDir::new("sec");
    let r = send_in(
        h,
        &[
            "smtp=127.0.0.1:9".into(),
            "smtp-auth-user=u1".into(),
            "smtp-auth-password-command=echo Leaked-Out-42; exit 3".into(),
        ],
        &["-s", "t", "x@example.test"],
    );
    assert_failed_with_dead_letter(&r, "the command exited with status 3");
    r.assert_never_shows("Leaked-Out-42");
}

#[test]
fn a_hanging_password_command_is_killed_after_smtp_timeout() {
    let h = TempDir::new("sec");
    let start = std::time::Instant::now();
    let r = send_in(
        h,
        &[
            "smtp=127.0.0.1:9".into(),
            "smtp-auth-user=u1".into(),
            "smtp-timeout=0.5".into(),
            "smtp-auth-password-command=sleep 30".into(),
        ],
        &["-s", "t", "x@example.test"],
    );
    assert_failed_with_dead_letter(&r, "did not finish within 0.5 s");
    assert!(start.elapsed().as_secs() < 10);
}

// ------------------------------------------------- XOAUTH2 / OAUTHBEARER

#[test]
fn xoauth2_sends_curls_exact_string() {
    let srv = oauth_server();
    let r = send_in(
        TempDir::new("sec"),
        &[
            smtp(&srv),
            "smtp-auth=xoauth2".into(),
            "smtp-auth-user=user".into(),
            format!("smtp-auth-password={TOKEN}"),
        ],
        &["-v", "-s", "t", "x@example.test"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(
        r.stdout.contains("AUTH XOAUTH2 as \"user\" <secret>"),
        "{}",
        r.stdout
    );
    r.assert_never_shows(TOKEN);
    let seen = srv.seen();
    assert_eq!(seen.oauth, [xoauth2_string("user", TOKEN)]);
    assert!(
        seen.commands
            .contains(&"AUTH XOAUTH2 dXNlcj11c2VyAWF1dGg9QmVhcmVyIG1GXzkuQjVmLTQuMUpxTQEB".into()),
        "{:?}",
        seen.commands
    );
}

/// A stale token from the command: 334 error JSON, `AQ==`, 535; the command
/// runs again, the fresh token is accepted, and the second run's
/// environment holds neither token.
#[test]
fn oauthbearer_stale_token_is_refreshed_once() {
    let srv = oauth_server();
    let port = srv.port;
    let h = TempDir::new("sec");
    let cmd = token_command(&h, STALE, TOKEN);
    let r = send_in(
        h,
        &[
            smtp(&srv),
            "smtp-auth=oauthbearer".into(),
            "smtp-auth-user=user".into(),
            cmd,
        ],
        &["-v", "-s", "t", "x@example.test"],
    );
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.contains("invalid_token"), "{}", r.stdout);
    r.assert_never_shows(STALE);
    r.assert_never_shows(TOKEN);
    let rec = std::fs::read_to_string(r.home.join("record")).unwrap();
    assert_eq!(rec.matches("argv: ").count(), 2, "{rec}");
    let seen = srv.seen();
    assert_eq!(
        seen.oauth,
        [
            oauthbearer_string("user", STALE, port),
            "AQ==".to_string(),
            oauthbearer_string("user", TOKEN, port),
        ]
    );
    assert!(!seen.data.is_empty());
}

/// Still refused after the retry: a clear error, exit 1, dead.letter, and
/// the command ran exactly twice.
#[test]
fn xoauth2_refused_twice_fails_with_dead_letter() {
    let srv = oauth_server();
    let h = TempDir::new("sec");
    let cmd = token_command(&h, STALE, STALE);
    let r = send_in(
        h,
        &[
            smtp(&srv),
            "smtp-auth=xoauth2".into(),
            "smtp-auth-user=user".into(),
            cmd,
        ],
        &["-s", "t", "x@example.test"],
    );
    assert_failed_with_dead_letter(&r, "SMTP AUTH XOAUTH2 as \"user\" at 127.0.0.1:");
    assert!(
        r.stderr
            .contains("the server refused the token again, with a fresh token: 535"),
        "{}",
        r.stderr
    );
    assert!(r.stderr.contains(OAUTH_ERROR_JSON), "{}", r.stderr);
    r.assert_never_shows(STALE);
    let rec = std::fs::read_to_string(r.home.join("record")).unwrap();
    assert_eq!(rec.matches("argv: ").count(), 2, "{rec}");
    let seen = srv.seen();
    let stale = xoauth2_string("user", STALE);
    assert_eq!(
        seen.oauth,
        [stale.clone(), String::new(), stale, String::new()]
    );
}

/// A static token is not retried: there is no fresher one to get.
#[test]
fn a_refused_static_token_fails_at_once() {
    let srv = oauth_server();
    let r = send_in(
        TempDir::new("sec"),
        &[
            smtp(&srv),
            "smtp-auth=oauthbearer".into(),
            "smtp-auth-user=user".into(),
            format!("smtp-auth-password={STALE}"),
        ],
        &["-v", "-s", "t", "x@example.test"],
    );
    assert_failed_with_dead_letter(&r, "the server refused the token: 535");
    r.assert_never_shows(STALE);
    assert_eq!(srv.seen().oauth.len(), 2);
}

/// A password in the server's URL: not in `-d`'s line, not in the error
/// for a bad URL.
#[test]
fn a_url_password_shows_nowhere() {
    for (set, args) in [
        (
            "smtp=smtp://u1:UrlPw-34@127.0.0.1:9",
            vec!["-d", "-s", "t", "x@example.test"],
        ),
        (
            "smtp=smtp://u1:UrlPw-34@127.0.0.1:0",
            vec!["-s", "t", "x@example.test"],
        ),
    ] {
        let r = send_in(TempDir::new("sec"), &[set.to_string()], &args);
        assert!(r.stdout.contains("127.0.0.1") || r.stderr.contains("127.0.0.1"));
        r.assert_never_shows("UrlPw-34");
    }
}

// ------------------------------------------------------------- the prompt

/// Sends a message on a pty with nothing but the terminal to give the SMTP
/// password, types `keys` at the `Password for` prompt, and returns how
/// the run ended, what the screen showed and what the server saw. `None`
/// when no pty can be had (already reported by the driver).
fn password_at_the_prompt(keys: &str) -> Option<(bool, String, Vec<String>)> {
    let srv = plain_server();
    let h = TempDir::new("sec");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mailx"));
    cmd.args(["-n", "-S"])
        .arg(smtp(&srv))
        .args(["-S", "smtp-auth-user=u1", "-s", "t", "x@example.test"])
        .env("HOME", h.path())
        .env("MAILRC", "/dev/null")
        .env("TERM", "xterm")
        .env_remove("NETRC");
    // Echo on: only our prompt may turn it off.
    let mut p = Pty::spawn(cmd, Some((24, 80)), true)?;
    p.send_line("body text");
    std::thread::sleep(Duration::from_millis(200));
    p.ctrl('D');
    p.expect("Password for u1@127.0.0.1: ").unwrap();
    std::thread::sleep(Duration::from_millis(200));
    p.send(keys);
    let (st, screen) = p.finish(Duration::from_secs(15));
    let screen = String::from_utf8_lossy(&screen).into_owned();
    Some((st.success(), screen, srv.seen().commands))
}

/// On a terminal, with nothing else giving a password, mailx asks for it
/// without echo; what is typed is sent and never shown.
#[test]
fn the_password_is_asked_on_the_terminal_without_echo() {
    let Some((ok, screen, commands)) = password_at_the_prompt("TtyPw-9\r") else {
        return;
    };
    assert!(ok, "{screen}");
    assert!(!screen.contains("TtyPw-9"), "{screen}");
    assert!(
        commands.contains(&auth_plain("u1", "TtyPw-9")),
        "{commands:?}"
    );
}

/// The password prompt is the line editor with nothing shown: editing keys
/// work (Left moves the cursor; in a plain no-echo read the arrow's escape
/// sequence would become part of the password), and the cursor stays put.
#[test]
fn the_password_prompt_edits_like_every_other_prompt_and_shows_nothing() {
    // "EdPw", Left, Left, "X", Enter: the password is "EdXPw".
    let Some((ok, screen, commands)) = password_at_the_prompt("EdPw\x1b[D\x1b[DX\r") else {
        return;
    };
    assert!(ok, "{screen}");
    let after = screen.split("Password for").nth(1).unwrap_or("");
    for shown in ["EdPw", "EdXPw", "Pw", "X"] {
        assert!(!after.contains(shown), "{shown:?} on the screen: {screen}");
    }
    assert!(
        commands.contains(&auth_plain("u1", "EdXPw")),
        "{commands:?}"
    );
}

#[test]
fn a_token_mechanism_without_a_user_fails_before_connecting() {
    let r = send_in(
        TempDir::new("sec"),
        &[
            "smtp=127.0.0.1:9".into(),
            "smtp-auth=oauthbearer".into(),
            format!("smtp-auth-password={TOKEN}"),
        ],
        &["-s", "t", "x@example.test"],
    );
    assert_failed_with_dead_letter(&r, "SMTP AUTH OAUTHBEARER at 127.0.0.1:9: no user");
    r.assert_never_shows(TOKEN);
}

// ------------------------------------------------------------- `set`

#[test]
fn set_lists_secret_variables_as_placeholders() {
    let h = TempDir::new("sec");
    let mbox = h.join("mbox");
    std::fs::write(
        &mbox,
        "From a@b Mon Jan  1 00:00:00 2024\nSubject: s\n\nx\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mailx"))
        .args(["-n", "-N", "-f"])
        .arg(&mbox)
        .args([
            "-S",
            "smtp-auth-password=SetPw-31",
            "-S",
            "smtp=smtp://u1:UrlPw-32@mail.example.test",
        ])
        .env("HOME", h.path())
        .env("MAILRC", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(b"set\nx\n")?;
            c.wait_with_output()
        })
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let all = format!("{stdout}{}", String::from_utf8_lossy(&out.stderr));
    assert!(
        stdout.contains("smtp-auth-password\t<secret>\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("smtp\tsmtp://u1:<secret>@mail.example.test\n"),
        "{stdout}"
    );
    assert!(
        !all.contains("SetPw-31") && !all.contains("UrlPw-32"),
        "{all}"
    );
}
