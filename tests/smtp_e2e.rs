//! End-to-end mail transport tests.
//!
//! Two groups:
//! - Fake SMTP servers on random 127.0.0.1 ports (threads in this file):
//!   always run. They check the exact SMTP dialogue and every failure path
//!   (connection refused, STARTTLS required but not offered, AUTH rejected,
//!   4xx at MAIL FROM, 5xx at DATA and after the message, a rejected
//!   recipient, a server that hangs): exit status 1, the error text, and the
//!   whole message in dead.letter.
//! - A real Postfix set up by `scripts/postfix-test-setup.sh` (run as root):
//!   the sendmail path and SMTP submission, delivery into /var/mail/mxtest,
//!   bounces. Skipped with a message when the rig is not there, unless
//!   MAILX_REQUIRE_POSTFIX is set (CI sets it), which turns a missing rig into
//!   a failure.
//!
//! Nothing connects anywhere but 127.0.0.1.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

const CA: &str = "/etc/postfix/mxtest-tls/ca.pem";

// ---------------------------------------------------------------- helpers

fn unique(tag: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!(
        "mxt-{tag}-{}-{}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed),
        nanos % 1_000_000_000
    )
}

/// A fresh private HOME for one run (dead.letter lands there).
fn home(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(unique(tag));
    std::fs::create_dir_all(&d).unwrap();
    d
}

struct Run {
    code: i32,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

/// Runs mailx -n with HOME and MAILRC isolated, `body` on stdin.
fn mailx(home: &Path, args: &[&str], body: &str) -> Run {
    let start = Instant::now();
    let mut c = Command::new(env!("CARGO_BIN_EXE_mailx"))
        .arg("-n")
        .args(args)
        .env("HOME", home)
        .env("MAILRC", "/dev/null")
        .env_remove("NETRC")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mailx");
    c.stdin.take().unwrap().write_all(body.as_bytes()).unwrap();
    let out = c.wait_with_output().unwrap();
    Run {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        elapsed: start.elapsed(),
    }
}

fn dead_letter(home: &Path) -> String {
    std::fs::read_to_string(home.join("dead.letter")).unwrap_or_default()
}

/// Asserts a failed send: exit 1, the error line, and the whole message
/// (subject, Bcc, every body line) in dead.letter.
fn assert_failed(r: &Run, home: &Path, want_err: &[&str], subject: &str, body: &str) {
    assert_eq!(r.code, 1, "exit status; stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("Can't send mail: SMTP"),
        "stderr: {}",
        r.stderr
    );
    for w in want_err {
        assert!(r.stderr.contains(w), "stderr lacks {w:?}: {}", r.stderr);
    }
    let dl = dead_letter(home);
    assert!(
        dl.contains(&format!("Subject: {subject}\n")),
        "dead.letter: {dl}"
    );
    assert!(dl.contains(body), "dead.letter lacks the body: {dl}");
}

// ------------------------------------------------------- fake SMTP server

/// How the fake server answers. Replies are full lines without CRLF.
#[derive(Clone)]
struct Script {
    hang: bool,
    /// Close the connection when MAIL FROM arrives.
    close_at_mail: bool,
    ehlo: Vec<&'static str>,
    auth: &'static str,
    mail: &'static str,
    /// Recipients (lower case, substring) to refuse with 550.
    refuse_rcpt: Vec<&'static str>,
    data: &'static str,
    end: &'static str,
}

impl Default for Script {
    fn default() -> Self {
        Script {
            hang: false,
            close_at_mail: false,
            ehlo: vec!["8BITMIME", "PIPELINING"],
            auth: "235 2.7.0 Authentication successful",
            mail: "250 2.1.0 Ok",
            refuse_rcpt: vec![],
            data: "354 End data with <CR><LF>.<CR><LF>",
            end: "250 2.0.0 Ok: queued as FAKE",
        }
    }
}

/// What the fake server saw: command lines and the raw DATA bytes.
#[derive(Default, Debug)]
struct Seen {
    commands: Vec<String>,
    data: Vec<u8>,
}

/// Starts a one-connection fake SMTP server on 127.0.0.1:0.
fn fake_server(script: Script) -> (u16, thread::JoinHandle<Seen>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let mut seen = Seen::default();
        let Ok((sock, _)) = l.accept() else {
            return seen;
        };
        sock.set_read_timeout(Some(Duration::from_secs(15)))
            .unwrap();
        if script.hang {
            // Accept, say nothing, wait for the client to give up.
            let mut b = [0u8; 512];
            let mut s = &sock;
            while let Ok(n) = s.read(&mut b) {
                if n == 0 {
                    break;
                }
            }
            return seen;
        }
        let mut w = sock.try_clone().unwrap();
        let mut r = BufReader::new(sock);
        let mut say = |line: &str| {
            let _ = w.write_all(format!("{line}\r\n").as_bytes());
        };
        say("220 fake.test ESMTP");
        let mut line = Vec::new();
        loop {
            line.clear();
            if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                break;
            }
            let cmd = String::from_utf8_lossy(&line).trim_end().to_string();
            seen.commands.push(cmd.clone());
            let up = cmd.to_ascii_uppercase();
            if up.starts_with("EHLO") {
                let mut lines = vec!["fake.test".to_string()];
                lines.extend(script.ehlo.iter().map(|s| s.to_string()));
                let n = lines.len();
                for (i, l) in lines.iter().enumerate() {
                    say(&format!("250{}{l}", if i + 1 == n { ' ' } else { '-' }));
                }
            } else if up.starts_with("AUTH") {
                say(script.auth);
            } else if up.starts_with("MAIL FROM") {
                if script.close_at_mail {
                    break;
                }
                say(script.mail);
            } else if up.starts_with("RCPT TO") {
                let low = cmd.to_ascii_lowercase();
                if script.refuse_rcpt.iter().any(|x| low.contains(x)) {
                    say("550 5.1.1 User unknown");
                } else {
                    say("250 2.1.5 Ok");
                }
            } else if up == "DATA" {
                say(script.data);
                if !script.data.starts_with("354") {
                    continue;
                }
                loop {
                    line.clear();
                    if r.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                        return seen;
                    }
                    if line == b".\r\n" {
                        break;
                    }
                    seen.data.extend_from_slice(&line);
                }
                say(script.end);
            } else if up == "QUIT" {
                say("221 2.0.0 Bye");
                break;
            } else if up == "RSET" || up == "NOOP" {
                say("250 2.0.0 Ok");
            } else {
                say("502 5.5.2 Error: command not recognized");
            }
        }
        seen
    });
    (port, h)
}

const BODY: &str = "first line\n.\n..two dots\nFrom the start\nlast line\n";

// ------------------------------------------------ fake-server tests (always)

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn smtp_dialogue_envelope_and_data_are_exact() {
    let (port, srv) = fake_server(Script::default());
    let h = home("exact");
    let subject = unique("exact");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-S",
            "hostname=client.test",
            "-r",
            "Alice <alice>",
            "-s",
            &subject,
            "-c",
            "carol@example.test",
            "-b",
            "Bob <bob@example.test>",
            "dave@example.test",
        ],
        BODY,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert_eq!(r.stderr, "");
    let seen = srv.join().unwrap();
    let cmds = seen.commands.join("\n");
    assert!(cmds.starts_with("EHLO client.test\n"), "{cmds}");
    assert!(cmds.contains("MAIL FROM:<alice@client.test>"), "{cmds}");
    for rc in [
        "dave@example.test",
        "carol@example.test",
        "bob@example.test",
    ] {
        assert!(cmds.contains(&format!("RCPT TO:<{rc}>")), "{cmds}");
    }
    assert!(cmds.ends_with("DATA\nQUIT"), "{cmds}");
    let data = String::from_utf8(seen.data).unwrap();
    // CRLF everywhere, no bare LF.
    assert!(!data.replace("\r\n", "").contains('\n'), "{data:?}");
    let text = data.replace("\r\n", "\n");
    let (head, body) = text.split_once("\n\n").unwrap();
    // Dot-stuffed on the wire.
    assert_eq!(
        body,
        "first line\n..\n...two dots\nFrom the start\nlast line\n"
    );
    assert!(!head.to_ascii_lowercase().contains("bcc"), "{head}");
    assert!(!head.contains("bob@"), "{head}");
    assert!(head.contains("From: Alice <alice>\n"), "{head}");
    assert!(head.contains(&format!("Subject: {subject}\n")), "{head}");
    assert!(head.contains("To: dave@example.test\n"), "{head}");
    assert!(head.contains("Cc: carol@example.test\n"), "{head}");
    assert!(
        head.contains("\nDate: ") || head.starts_with("Date: "),
        "{head}"
    );
    assert!(
        head.contains("Message-ID: <") && head.contains("@client.test>"),
        "{head}"
    );
    assert!(!h.join("dead.letter").exists());
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn sendmail_variable_smtp_url_is_used() {
    let (port, srv) = fake_server(Script::default());
    let h = home("url");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("sendmail=smtp://127.0.0.1:{port}"),
            "-s",
            "via url",
            "x@example.test",
        ],
        "hi\n",
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let seen = srv.join().unwrap();
    assert!(
        seen.commands
            .iter()
            .any(|c| c == "RCPT TO:<x@example.test>")
    );
    assert_eq!(
        String::from_utf8_lossy(&seen.data).split("\r\n\r\n").nth(1),
        Some("hi\r\n")
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn auth_plain_is_sent_when_configured() {
    let (port, srv) = fake_server(Script {
        ehlo: vec!["AUTH PLAIN LOGIN"],
        ..Default::default()
    });
    let h = home("authok");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=smtp://127.0.0.1:{port}"),
            "-S",
            "smtp-auth-user=u1",
            "-S",
            "smtp-auth-password=p1",
            "-s",
            "a",
            "x@example.test",
        ],
        "hi\n",
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let seen = srv.join().unwrap();
    // base64("\0u1\0p1") = AHUxAHAx
    assert!(
        seen.commands.iter().any(|c| c == "AUTH PLAIN AHUxAHAx"),
        "{:?}",
        seen.commands
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn connection_refused() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let h = home("refused");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-s",
            "refused",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &[&format!(
            "SMTP connect to 127.0.0.1:{port}: Connection refused"
        )],
        "refused",
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn starttls_required_but_not_offered() {
    let (port, srv) = fake_server(Script::default());
    let h = home("notls");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-S",
            "smtp-use-starttls",
            "-s",
            "notls",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(&r, &h, &["does not offer STARTTLS"], "notls", BODY);
    let seen = srv.join().unwrap();
    assert!(
        !seen.commands.iter().any(|c| c.starts_with("MAIL")),
        "{:?}",
        seen.commands
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn auth_rejected() {
    let (port, _srv) = fake_server(Script {
        ehlo: vec!["AUTH PLAIN LOGIN"],
        auth: "535 5.7.8 Error: authentication failed",
        ..Default::default()
    });
    let h = home("authbad");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-S",
            "smtp-auth-user=u1",
            "-S",
            "smtp-auth-password=wrong",
            "-s",
            "authbad",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &[
            "SMTP AUTH as \"u1\"",
            "535 5.7.8 Error: authentication failed",
        ],
        "authbad",
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn transient_failure_at_mail_from() {
    let (port, _srv) = fake_server(Script {
        mail: "451 4.3.0 Try again later",
        ..Default::default()
    });
    let h = home("mail4xx");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-s",
            "mail4xx",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &["SMTP MAIL FROM:<", "451 4.3.0 Try again later"],
        "mail4xx",
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn permanent_failure_at_data() {
    let (port, _srv) = fake_server(Script {
        data: "554 5.5.1 No valid recipients",
        ..Default::default()
    });
    let h = home("data5xx");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-s",
            "data5xx",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &["SMTP DATA at 127.0.0.1", "554 5.5.1 No valid recipients"],
        "data5xx",
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn permanent_failure_after_the_message() {
    let (port, _srv) = fake_server(Script {
        end: "552 5.3.4 Message too big",
        ..Default::default()
    });
    let h = home("end5xx");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-s",
            "end5xx",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(&r, &h, &["552 5.3.4 Message too big"], "end5xx", BODY);
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn one_rejected_recipient_fails_the_send_and_all_are_reported() {
    let (port, srv) = fake_server(Script {
        refuse_rcpt: vec!["bad1@", "bad2@"],
        ..Default::default()
    });
    let h = home("rcpt");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-s",
            "rcpt",
            "good@example.test",
            "bad1@example.test",
            "bad2@example.test",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &[
            "RCPT TO:<bad1@example.test> at 127.0.0.1",
            "RCPT TO:<bad2@example.test> at 127.0.0.1",
            "550 5.1.1 User unknown",
        ],
        "rcpt",
        BODY,
    );
    let seen = srv.join().unwrap();
    assert!(
        !seen.commands.iter().any(|c| c == "DATA"),
        "no DATA after a rejected recipient: {:?}",
        seen.commands
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn a_hanging_server_times_out() {
    let (port, _srv) = fake_server(Script {
        hang: true,
        ..Default::default()
    });
    let h = home("hang");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-S",
            "smtp-timeout=2",
            "-s",
            "hang",
            "x@example.test",
        ],
        BODY,
    );
    assert!(r.elapsed < Duration::from_secs(8), "took {:?}", r.elapsed);
    assert!(
        r.elapsed >= Duration::from_millis(1900),
        "took {:?}",
        r.elapsed
    );
    assert_failed(&r, &h, &["timed out (no answer within 2 s)"], "hang", BODY);
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn bad_smtp_setting_fails_without_sending() {
    let h = home("badvar");
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=127.0.0.1:notaport",
            "-s",
            "badvar",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(&r, &h, &["bad server"], "badvar", BODY);
}

// ------------------------------------------------------ Postfix tests (rig)

/// The rig, with its TLS listeners and the CA that signed their certificate.
fn postfix_ready() -> bool {
    common::postfix_rig_ready(&[CA, "/usr/sbin/postfix"], &[25, 2587, 2465], &[])
}

/// Waits (at most 20 s) until `mailbox` holds `n` messages with this exact
/// Subject line, and returns the mailbox text.
fn wait_for_subjects(mailbox: &str, subjects: &[String], timeout: Duration) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read(mailbox)
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        let all = subjects
            .iter()
            .all(|s| text.contains(&format!("\nSubject: {s}\n")));
        if all || start.elapsed() > timeout {
            return text;
        }
        thread::sleep(Duration::from_millis(100));
    }
}

/// The message in an mbox text that has this Subject (From_ line to the next).
fn message_with_subject<'a>(mbox: &'a str, subject: &str) -> Option<&'a str> {
    let at = mbox.find(&format!("\nSubject: {subject}\n"))?;
    let start = mbox[..at].rfind("\nFrom ").map(|i| i + 1).unwrap_or(0);
    let end = mbox[at..]
        .find("\n\nFrom ")
        .map(|i| at + i + 1)
        .unwrap_or(mbox.len());
    Some(&mbox[start..end])
}

#[test]
fn postfix_sendmail_path_delivers() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-sendmail");
    let subject = unique("sendmail");
    let body = "Hello through Postfix's sendmail.\n.\nBye.\n";
    let r = mailx(&h, &["-s", &subject, "mxtest@localhost"], body);
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let mbox = wait_for_subjects(
        "/var/mail/mxtest",
        std::slice::from_ref(&subject),
        Duration::from_secs(20),
    );
    let m = message_with_subject(&mbox, &subject).expect("delivered within 20 s");
    assert!(m.contains("\nTo: mxtest@localhost\n"), "{m}");
    assert!(
        m.contains("\nMessage-Id: <") || m.contains("\nMessage-ID: <"),
        "{m}"
    );
    assert!(
        m.contains("\n\nHello through Postfix's sendmail.\n.\nBye.\n"),
        "{m}"
    );
    assert!(!h.join("dead.letter").exists());
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_many_messages_each_arrive_once() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-many");
    let base = unique("many");
    let subjects: Vec<String> = (0..50).map(|i| format!("{base}-{i:02}")).collect();
    // Five senders at a time, half through sendmail and half over SMTP port 25.
    for chunk in subjects.chunks(5) {
        let hs: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let (s, h) = (s.clone(), h.clone());
                thread::spawn(move || {
                    let mut args: Vec<String> = vec!["-s".into(), s.clone()];
                    if i % 2 == 1 {
                        args.extend(["-S".into(), "smtp=127.0.0.1:25".into()]);
                        args.extend(["-S".into(), format!("smtp-ca-file={CA}")]);
                    }
                    args.push("mxtest@localhost".into());
                    let a: Vec<&str> = args.iter().map(|x| x.as_str()).collect();
                    mailx(&h, &a, &format!("message {s}\n"))
                })
            })
            .collect();
        for t in hs {
            let r = t.join().unwrap();
            assert_eq!(r.code, 0, "stderr: {}", r.stderr);
        }
    }
    let mbox = wait_for_subjects("/var/mail/mxtest", &subjects, Duration::from_secs(30));
    for s in &subjects {
        let n = mbox.matches(&format!("\nSubject: {s}\n")).count();
        assert_eq!(n, 1, "{s} arrived {n} times");
    }
}

#[test]
fn postfix_unknown_local_user_bounces_after_sendmail_accepted() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-bounce");
    let subject = unique("bounce");
    let r = mailx(
        &h,
        &[
            "-r",
            "mxsender@localhost",
            "-s",
            &subject,
            &format!("nosuchuser-{}@localhost", std::process::id()),
        ],
        "to nobody\n",
    );
    // sendmail accepted it: success for us; Postfix bounces later.
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(!h.join("dead.letter").exists());
    let start = Instant::now();
    loop {
        let text = std::fs::read("/var/mail/mxsender")
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default();
        if text.contains(&format!("Subject: {subject}")) {
            assert!(text.contains("Undelivered Mail Returned to Sender"));
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no bounce for {subject} in /var/mail/mxsender"
        );
        thread::sleep(Duration::from_millis(100));
    }
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_smtp_unknown_user_is_refused_at_rcpt() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-rcpt");
    let subject = unique("rcpt");
    let who = format!("nosuchuser-{}@localhost", std::process::id());
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=127.0.0.1:25",
            "-S",
            &format!("smtp-ca-file={CA}"),
            "-s",
            &subject,
            &who,
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &[&format!("SMTP RCPT TO:<{who}> at 127.0.0.1:25: 550 5.1.1")],
        &subject,
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_submission_starttls_auth_delivers() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-submit");
    let subject = unique("submit");
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=smtp://127.0.0.1:2587",
            "-S",
            "smtp-use-starttls",
            "-S",
            &format!("smtp-ca-file={CA}"),
            "-S",
            "smtp-auth-user=mxtest",
            "-S",
            "smtp-auth-password=mxtest-secret",
            "-r",
            "mxsender@localhost",
            "-s",
            &subject,
            "-b",
            "mxsender@localhost",
            "mxtest@localhost",
        ],
        BODY,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let mbox = wait_for_subjects(
        "/var/mail/mxtest",
        std::slice::from_ref(&subject),
        Duration::from_secs(20),
    );
    let m = message_with_subject(&mbox, &subject).expect("delivered within 20 s");
    assert!(m.contains("\nFrom: mxsender@localhost\n"), "{m}");
    assert!(m.contains("\nDate: "), "{m}");
    assert!(m.contains("\nMessage-ID: <"), "{m}");
    assert!(!m.contains("\nBcc:"), "Bcc leaked: {m}");
    assert!(m.contains("ESMTPS"), "not received over TLS: {m}");
    assert!(
        m.contains("(Authenticated sender: mxtest)") || m.contains("ESMTPSA"),
        "{m}"
    );
    // The body arrives exactly (dot-stuffing undone by Postfix; mbox >From quoting).
    assert!(
        m.contains("\n\nfirst line\n.\n..two dots\n>From the start\nlast line\n"),
        "{m}"
    );
    // The Bcc recipient got it too.
    let other = wait_for_subjects(
        "/var/mail/mxsender",
        std::slice::from_ref(&subject),
        Duration::from_secs(20),
    );
    assert!(message_with_subject(&other, &subject).is_some());
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_submission_without_auth_is_refused() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-noauth");
    let subject = unique("noauth");
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=127.0.0.1:2587",
            "-S",
            &format!("smtp-ca-file={CA}"),
            "-s",
            &subject,
            "mxtest@localhost",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &["RCPT TO:<mxtest@localhost>", "554 5.7.1"],
        &subject,
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_submission_wrong_password_is_refused() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-badpw");
    let subject = unique("badpw");
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=127.0.0.1:2587",
            "-S",
            &format!("smtp-ca-file={CA}"),
            "-S",
            "smtp-auth-user=mxtest",
            "-S",
            "smtp-auth-password=wrong",
            "-s",
            &subject,
            "mxtest@localhost",
        ],
        BODY,
    );
    assert_failed(&r, &h, &["SMTP AUTH as \"mxtest\"", "535"], &subject, BODY);
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_untrusted_certificate_is_refused() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-untrusted");
    let subject = unique("untrusted");
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=127.0.0.1:2587",
            "-s",
            &subject,
            "mxtest@localhost",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &["SMTP STARTTLS at 127.0.0.1:2587", "certificate"],
        &subject,
        BODY,
    );
}

#[test]
fn sendmail_path_is_unchanged_when_smtp_is_not_set() {
    let h = home("sendmail-path");
    let script = h.join("fake-sendmail");
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nprintf '%s\\n' \"$*\" > {d}/args\ncat > {d}/msg\n",
            d = h.display()
        ),
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("sendmail={}", script.display()),
            "-r",
            "me@example.test",
            "-s",
            "plain",
            "-b",
            "b@example.test",
            "x@example.test",
        ],
        BODY,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let args = std::fs::read_to_string(h.join("args")).unwrap();
    assert_eq!(args, "-i -t -f me@example.test\n");
    let msg = std::fs::read_to_string(h.join("msg")).unwrap();
    assert!(
        msg.starts_with(
            "From: me@example.test\nTo: x@example.test\nSubject: plain\nBcc: b@example.test\nMIME-Version: 1.0\nContent-Type: text/plain; charset="
        ),
        "{msg}"
    );
    assert!(
        msg.ends_with(&format!("Content-Transfer-Encoding: 8bit\n\n{BODY}")),
        "{msg}"
    );
    assert!(!msg.contains('\r') && !msg.contains("Date:") && !msg.contains("Message-ID:"));
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn a_hanging_server_times_out_during_the_tls_handshake() {
    let (port, _srv) = fake_server(Script {
        hang: true,
        ..Default::default()
    });
    let h = home("hang-tls");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("sendmail=smtps://127.0.0.1:{port}"),
            "-S",
            "smtp-timeout=1.5",
            "-s",
            "hangtls",
            "x@example.test",
        ],
        BODY,
    );
    assert!(r.elapsed < Duration::from_secs(7), "took {:?}", r.elapsed);
    assert_failed(
        &r,
        &h,
        &["timed out (no answer within 1.5 s)"],
        "hangtls",
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_smtps_implicit_tls_auth_delivers() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-smtps");
    let subject = unique("smtps");
    let r = mailx(
        &h,
        &[
            "-S",
            "sendmail=smtps://127.0.0.1:2465",
            "-S",
            &format!("smtp-ca-file={CA}"),
            "-S",
            "smtp-auth-user=mxtest",
            "-S",
            "smtp-auth-password=mxtest-secret",
            "-s",
            &subject,
            "mxtest@localhost",
        ],
        BODY,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let mbox = wait_for_subjects(
        "/var/mail/mxtest",
        std::slice::from_ref(&subject),
        Duration::from_secs(20),
    );
    let m = message_with_subject(&mbox, &subject).expect("delivered within 20 s");
    assert!(m.contains("ESMTPS"), "not received over TLS: {m}");
}

#[test]
fn dry_run_names_the_smtp_server() {
    let h = home("dry");
    let r = mailx(
        &h,
        &[
            "-d",
            "-S",
            "smtp=relay.example.test:2525",
            "-s",
            "d",
            "x@example.test",
        ],
        "hi\n",
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(
        r.stdout
            .contains("SMTP server: smtp://relay.example.test:2525\n"),
        "{}",
        r.stdout
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn server_closing_the_connection_is_a_failure() {
    let (port, _srv) = fake_server(Script {
        close_at_mail: true,
        ..Default::default()
    });
    let h = home("closed");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-s",
            "closed",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &["SMTP MAIL FROM:<", "the server closed the connection"],
        "closed",
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn auth_configured_but_not_offered() {
    let (port, _srv) = fake_server(Script::default());
    let h = home("noauth-offered");
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-S",
            "smtp-auth-user=u1",
            "-S",
            "smtp-auth-password=p1",
            "-s",
            "noauthoffered",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(
        &r,
        &h,
        &["the server offers no AUTH PLAIN or LOGIN"],
        "noauthoffered",
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn password_from_netrc() {
    let (port, srv) = fake_server(Script {
        ehlo: vec!["AUTH LOGIN PLAIN"],
        ..Default::default()
    });
    let h = home("netrc");
    std::fs::write(
        h.join(".netrc"),
        "machine other.test login u1 password nope\nmachine 127.0.0.1 login u1 password p1\n",
    )
    .unwrap();
    let r = mailx(
        &h,
        &[
            "-S",
            &format!("smtp=127.0.0.1:{port}"),
            "-S",
            "smtp-auth-user=u1",
            "-s",
            "netrc",
            "x@example.test",
        ],
        "hi\n",
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let seen = srv.join().unwrap();
    assert!(
        seen.commands.iter().any(|c| c == "AUTH PLAIN AHUxAHAx"),
        "{:?}",
        seen.commands
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn user_without_password_fails_before_connecting() {
    let h = home("nopw");
    // Port 9 on loopback: nothing is contacted, the check comes first.
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=127.0.0.1:9",
            "-S",
            "smtp-auth-user=u1",
            "-s",
            "nopw",
            "x@example.test",
        ],
        BODY,
    );
    assert_failed(&r, &h, &["no password for \"u1\""], "nopw", BODY);
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_auth_login_and_8bit_body() {
    if !postfix_ready() {
        return;
    }
    let h = home("pf-8bit");
    let subject = unique("8bit");
    let body = "Grüße aus Köln — 日本語\n.\nend\n";
    let r = mailx(
        &h,
        &[
            "-S",
            "smtp=127.0.0.1:2587",
            "-S",
            &format!("smtp-ca-file={CA}"),
            "-S",
            "smtp-auth=login",
            "-S",
            "smtp-auth-user=mxtest",
            "-S",
            "smtp-auth-password=mxtest-secret",
            "-s",
            &subject,
            "mxtest@localhost",
        ],
        body,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let mbox = wait_for_subjects(
        "/var/mail/mxtest",
        std::slice::from_ref(&subject),
        Duration::from_secs(20),
    );
    let m = message_with_subject(&mbox, &subject).expect("delivered within 20 s");
    assert!(m.contains(&format!("\n\n{body}")), "{m}");
}
