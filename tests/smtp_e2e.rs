//! End-to-end mail transport tests.
//!
//! Two groups:
//! - The fake SMTP server of tests/common/smtp.rs on random 127.0.0.1
//!   ports: always run. They check the exact SMTP dialogue and every failure
//!   path (connection refused, STARTTLS required but not offered, AUTH
//!   rejected, 4xx at MAIL FROM, 5xx at DATA and after the message, a
//!   rejected recipient, a server that hangs): exit status 1, the error text,
//!   and the whole message in dead.letter.
//! - A real Postfix set up by `scripts/postfix-test-setup.sh` (run as root):
//!   the sendmail path and SMTP submission, delivery into /var/mail/mxtest,
//!   bounces; XOAUTH2 and OAUTHBEARER with a token from
//!   `smtp-auth-password-command`, checked by Dovecot's oauth2 passdb
//!   against the token-introspection server of tests/common/introspect.rs
//!   (a stale token refreshed once, a token refused twice). Skipped with a message when the rig is not there, or failed
//!   under `MAILX_REQUIRE_ALL=1` (or `MAILX_REQUIRE_POSTFIX=1`), as CI runs.
//!
//! Every send runs our binary through [`send`]: `-n`, a private HOME (where
//! dead.letter lands), MAILRC=/dev/null, and the `-S` settings the test
//! names; a test states only its server, settings, arguments and body.
//!
//! Nothing connects anywhere but 127.0.0.1.

mod common;

use common::introspect::Introspect;
use common::require::POSTFIX_CA;
use common::smtp::{FakeSmtp, Run, Script, closed_port, send_in};
use common::{Req, TempDir};
use std::sync::atomic::{AtomicU32, Ordering};
use std::thread;
use std::time::{Duration, Instant};

// ---------------------------------------------------------------- helpers

/// A subject no other run (or test) uses, for the shared Postfix mailboxes.
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

/// `smtp=<addr>` for `-S`.
fn smtp(addr: impl std::fmt::Display) -> String {
    format!("smtp={addr}")
}

/// `smtp-ca-file=` the rig's CA, for `-S`.
fn rig_ca() -> String {
    format!("smtp-ca-file={POSTFIX_CA}")
}

/// The rig's SASL login (scripts/postfix-test-setup.sh).
const RIG_LOGIN: [&str; 2] = ["smtp-auth-user=mxtest", "smtp-auth-password=mxtest-secret"];

/// What one send did; `home` is its private HOME.
impl Run {
    fn dead_letter(&self) -> String {
        std::fs::read_to_string(self.home.join("dead.letter")).unwrap_or_default()
    }
}

/// Runs `mailx -n -S <set>... <args>...` with `body` on stdin in a fresh
/// private HOME.
fn send(set: &[&str], args: &[&str], body: &str) -> Run {
    send_in(TempDir::new("smtp"), set, args, body)
}

/// Asserts a successful send with nothing left in dead.letter.
fn assert_sent(r: &Run) {
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    assert!(!r.home.join("dead.letter").exists());
}

/// Asserts a failed send: exit 1, the error line, and the whole message
/// (subject, every body line) in dead.letter.
fn assert_failed(r: &Run, want_err: &[&str], subject: &str, body: &str) {
    assert_eq!(r.code, 1, "exit status; stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("Can't send mail: SMTP"),
        "stderr: {}",
        r.stderr
    );
    for w in want_err {
        assert!(r.stderr.contains(w), "stderr lacks {w:?}: {}", r.stderr);
    }
    let dl = r.dead_letter();
    assert!(
        dl.contains(&format!("Subject: {subject}\n")),
        "dead.letter: {dl}"
    );
    assert!(dl.contains(body), "dead.letter lacks the body: {dl}");
}

/// A fake server answering as `script` with the defaults otherwise changed.
fn server(script: Script) -> FakeSmtp {
    FakeSmtp::start(script)
}

/// A fake server that answers every command as a real one would.
fn good_server() -> FakeSmtp {
    server(Script::default())
}

/// A fake server offering `AUTH PLAIN LOGIN`.
fn auth_server() -> FakeSmtp {
    server(Script {
        ehlo: vec!["AUTH PLAIN LOGIN"],
        ..Default::default()
    })
}

/// Sends BODY with subject `tag` to x@example.test through `smtp` (plus
/// `set`) and asserts that it failed with `want_err`.
fn fails(smtp: &str, set: &[&str], tag: &str, want_err: &[&str]) -> Run {
    let mut all = vec![smtp];
    all.extend_from_slice(set);
    let r = send(&all, &["-s", tag, "x@example.test"], BODY);
    assert_failed(&r, want_err, tag, BODY);
    r
}

const BODY: &str = "first line\n.\n..two dots\nFrom the start\nlast line\n";

// ------------------------------------------------ fake-server tests (always)

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn smtp_dialogue_envelope_and_data_are_exact() {
    let srv = good_server();
    let subject = unique("exact");
    let r = send(
        &[&smtp(srv.addr()), "hostname=client.test"],
        &[
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
    assert_sent(&r);
    assert_eq!(r.stderr, "");
    let seen = srv.seen();
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
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn sendmail_variable_smtp_url_is_used() {
    let srv = good_server();
    let r = send(
        &[&format!("sendmail=smtp://{}", srv.addr())],
        &["-s", "via url", "x@example.test"],
        "hi\n",
    );
    assert_sent(&r);
    let seen = srv.seen();
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
    let srv = auth_server();
    let r = send(
        &[
            &format!("smtp=smtp://{}", srv.addr()),
            "smtp-auth-user=u1",
            "smtp-auth-password=p1",
        ],
        &["-s", "a", "x@example.test"],
        "hi\n",
    );
    assert_sent(&r);
    let seen = srv.seen();
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
    let port = closed_port();
    fails(
        &smtp(format!("127.0.0.1:{port}")),
        &[],
        "refused",
        &[&format!(
            "SMTP connect to 127.0.0.1:{port}: Connection refused"
        )],
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn starttls_required_but_not_offered() {
    let srv = good_server();
    fails(
        &smtp(srv.addr()),
        &["smtp-use-starttls"],
        "notls",
        &["does not offer STARTTLS"],
    );
    let seen = srv.seen();
    assert!(
        !seen.commands.iter().any(|c| c.starts_with("MAIL")),
        "{:?}",
        seen.commands
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn auth_rejected() {
    let srv = server(Script {
        ehlo: vec!["AUTH PLAIN LOGIN"],
        auth: "535 5.7.8 Error: authentication failed",
        ..Default::default()
    });
    fails(
        &smtp(srv.addr()),
        &["smtp-auth-user=u1", "smtp-auth-password=wrong"],
        "authbad",
        &[
            "SMTP AUTH as \"u1\"",
            "535 5.7.8 Error: authentication failed",
        ],
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn transient_failure_at_mail_from() {
    let srv = server(Script {
        mail: "451 4.3.0 Try again later",
        ..Default::default()
    });
    fails(
        &smtp(srv.addr()),
        &[],
        "mail4xx",
        &["SMTP MAIL FROM:<", "451 4.3.0 Try again later"],
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn permanent_failure_at_data() {
    let srv = server(Script {
        data: "554 5.5.1 No valid recipients",
        ..Default::default()
    });
    fails(
        &smtp(srv.addr()),
        &[],
        "data5xx",
        &["SMTP DATA at 127.0.0.1", "554 5.5.1 No valid recipients"],
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn permanent_failure_after_the_message() {
    let srv = server(Script {
        end: "552 5.3.4 Message too big",
        ..Default::default()
    });
    fails(
        &smtp(srv.addr()),
        &[],
        "end5xx",
        &["552 5.3.4 Message too big"],
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn one_rejected_recipient_fails_the_send_and_all_are_reported() {
    let srv = server(Script {
        refuse_rcpt: vec!["bad1@", "bad2@"],
        ..Default::default()
    });
    let r = send(
        &[&smtp(srv.addr())],
        &[
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
        &[
            "RCPT TO:<bad1@example.test> at 127.0.0.1",
            "RCPT TO:<bad2@example.test> at 127.0.0.1",
            "550 5.1.1 User unknown",
        ],
        "rcpt",
        BODY,
    );
    let seen = srv.seen();
    assert!(
        !seen.commands.iter().any(|c| c == "DATA"),
        "no DATA after a rejected recipient: {:?}",
        seen.commands
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn a_hanging_server_times_out() {
    let srv = server(Script {
        hang: true,
        ..Default::default()
    });
    let r = fails(
        &smtp(srv.addr()),
        &["smtp-timeout=2"],
        "hang",
        &["timed out (no answer within 2 s)"],
    );
    assert!(r.elapsed < Duration::from_secs(8), "took {:?}", r.elapsed);
    assert!(
        r.elapsed >= Duration::from_millis(1900),
        "took {:?}",
        r.elapsed
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn bad_smtp_setting_fails_without_sending() {
    fails("smtp=127.0.0.1:notaport", &[], "badvar", &["bad server"]);
}

#[test]
fn sendmail_path_is_unchanged_when_smtp_is_not_set() {
    let h = TempDir::new("smtp");
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
    let r = send_in(
        h,
        &[&format!("sendmail={}", script.display())],
        &[
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
    let args = std::fs::read_to_string(r.home.join("args")).unwrap();
    assert_eq!(args, "-i -t -f me@example.test\n");
    let msg = std::fs::read_to_string(r.home.join("msg")).unwrap();
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
    let srv = server(Script {
        hang: true,
        ..Default::default()
    });
    let r = fails(
        &format!("sendmail=smtps://{}", srv.addr()),
        &["smtp-timeout=1.5"],
        "hangtls",
        &["timed out (no answer within 1.5 s)"],
    );
    assert!(r.elapsed < Duration::from_secs(7), "took {:?}", r.elapsed);
}

#[test]
fn dry_run_names_the_smtp_server() {
    let r = send(
        &["smtp=relay.example.test:2525"],
        &["-d", "-s", "d", "x@example.test"],
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
    let srv = server(Script {
        close_at_mail: true,
        ..Default::default()
    });
    fails(
        &smtp(srv.addr()),
        &[],
        "closed",
        &["SMTP MAIL FROM:<", "the server closed the connection"],
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn auth_configured_but_not_offered() {
    let srv = good_server();
    fails(
        &smtp(srv.addr()),
        &["smtp-auth-user=u1", "smtp-auth-password=p1"],
        "noauthoffered",
        &["the server offers no AUTH PLAIN or LOGIN"],
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn password_from_netrc() {
    let srv = server(Script {
        ehlo: vec!["AUTH LOGIN PLAIN"],
        ..Default::default()
    });
    let h = TempDir::new("smtp");
    std::fs::write(
        h.join(".netrc"),
        "machine other.test login u1 password nope\nmachine 127.0.0.1 login u1 password p1\n",
    )
    .unwrap();
    // A netrc others can read is refused (tests/secrets.rs).
    std::fs::set_permissions(
        h.join(".netrc"),
        std::os::unix::fs::PermissionsExt::from_mode(0o600),
    )
    .unwrap();
    let r = send_in(
        h,
        &[&smtp(srv.addr()), "smtp-auth-user=u1"],
        &["-s", "netrc", "x@example.test"],
        "hi\n",
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let seen = srv.seen();
    assert!(
        seen.commands.iter().any(|c| c == "AUTH PLAIN AHUxAHAx"),
        "{:?}",
        seen.commands
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn user_without_password_fails_before_connecting() {
    // Port 9 on loopback: nothing is contacted, the check comes first.
    fails(
        "smtp=127.0.0.1:9",
        &["smtp-auth-user=u1"],
        "nopw",
        &["no password for \"u1\""],
    );
}

// ------------------------------------------------------ Postfix tests (rig)

/// Waits (at most `timeout`) until `mailbox` holds a message with each of
/// these exact Subject lines, and returns the mailbox text.
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

/// The message delivered to `mailbox` with this Subject (From_ line to
/// the next), waiting up to 20 s for it.
fn delivered(mailbox: &str, subject: &str) -> String {
    let mbox = wait_for_subjects(mailbox, &[subject.to_string()], Duration::from_secs(20));
    message_with_subject(&mbox, subject)
        .unwrap_or_else(|| panic!("{subject} not delivered to {mailbox} within 20 s"))
        .to_string()
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
    require!(Req::PostfixRig);
    let subject = unique("sendmail");
    let body = "Hello through Postfix's sendmail.\n.\nBye.\n";
    let r = send(&[], &["-s", &subject, "mxtest@localhost"], body);
    assert_sent(&r);
    let m = delivered("/var/mail/mxtest", &subject);
    assert!(m.contains("\nTo: mxtest@localhost\n"), "{m}");
    assert!(
        m.contains("\nMessage-Id: <") || m.contains("\nMessage-ID: <"),
        "{m}"
    );
    assert!(
        m.contains("\n\nHello through Postfix's sendmail.\n.\nBye.\n"),
        "{m}"
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_many_messages_each_arrive_once() {
    require!(Req::PostfixRig);
    let base = unique("many");
    let subjects: Vec<String> = (0..50).map(|i| format!("{base}-{i:02}")).collect();
    // Five senders at a time, half through sendmail and half over SMTP port 25.
    for chunk in subjects.chunks(5) {
        let hs: Vec<_> = chunk
            .iter()
            .enumerate()
            .map(|(i, s)| {
                let s = s.clone();
                thread::spawn(move || {
                    let (pf, ca) = (smtp("127.0.0.1:25"), rig_ca());
                    let set: &[&str] = if i % 2 == 1 { &[&pf, &ca] } else { &[] };
                    send(
                        set,
                        &["-s", &s, "mxtest@localhost"],
                        &format!("message {s}\n"),
                    )
                })
            })
            .collect();
        for t in hs {
            assert_sent(&t.join().unwrap());
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
    require!(Req::PostfixRig);
    let subject = unique("bounce");
    let r = send(
        &[],
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
    assert_sent(&r);
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
    require!(Req::PostfixRig);
    let subject = unique("rcpt");
    let who = format!("nosuchuser-{}@localhost", std::process::id());
    let r = send(
        &[&smtp("127.0.0.1:25"), &rig_ca()],
        &["-s", &subject, &who],
        BODY,
    );
    assert_failed(
        &r,
        &[&format!("SMTP RCPT TO:<{who}> at 127.0.0.1:25: 550 5.1.1")],
        &subject,
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_submission_starttls_auth_delivers() {
    require!(Req::PostfixRig);
    let subject = unique("submit");
    let r = send(
        &[
            "smtp=smtp://127.0.0.1:2587",
            "smtp-use-starttls",
            &rig_ca(),
            RIG_LOGIN[0],
            RIG_LOGIN[1],
        ],
        &[
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
    assert_sent(&r);
    let m = delivered("/var/mail/mxtest", &subject);
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
    delivered("/var/mail/mxsender", &subject);
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_submission_without_auth_is_refused() {
    require!(Req::PostfixRig);
    let subject = unique("noauth");
    let r = send(
        &[&smtp("127.0.0.1:2587"), &rig_ca()],
        &["-s", &subject, "mxtest@localhost"],
        BODY,
    );
    assert_failed(
        &r,
        &["RCPT TO:<mxtest@localhost>", "554 5.7.1"],
        &subject,
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_submission_wrong_password_is_refused() {
    require!(Req::PostfixRig);
    let subject = unique("badpw");
    let r = send(
        &[
            &smtp("127.0.0.1:2587"),
            &rig_ca(),
            RIG_LOGIN[0],
            "smtp-auth-password=wrong",
        ],
        &["-s", &subject, "mxtest@localhost"],
        BODY,
    );
    assert_failed(&r, &["SMTP AUTH as \"mxtest\"", "535"], &subject, BODY);
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_untrusted_certificate_is_refused() {
    require!(Req::PostfixRig);
    let subject = unique("untrusted");
    let r = send(
        &[&smtp("127.0.0.1:2587")],
        &["-s", &subject, "mxtest@localhost"],
        BODY,
    );
    assert_failed(
        &r,
        &["SMTP STARTTLS at 127.0.0.1:2587", "certificate"],
        &subject,
        BODY,
    );
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_smtps_implicit_tls_auth_delivers() {
    require!(Req::PostfixRig);
    let subject = unique("smtps");
    let r = send(
        &[
            "sendmail=smtps://127.0.0.1:2465",
            &rig_ca(),
            RIG_LOGIN[0],
            RIG_LOGIN[1],
        ],
        &["-s", &subject, "mxtest@localhost"],
        BODY,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let m = delivered("/var/mail/mxtest", &subject);
    assert!(m.contains("ESMTPS"), "not received over TLS: {m}");
}

#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_auth_login_and_8bit_body() {
    require!(Req::PostfixRig);
    let subject = unique("8bit");
    let body = "Grüße aus Köln — 日本語\n.\nend\n";
    let r = send(
        &[
            &smtp("127.0.0.1:2587"),
            &rig_ca(),
            "smtp-auth=login",
            RIG_LOGIN[0],
            RIG_LOGIN[1],
        ],
        &["-s", &subject, "mxtest@localhost"],
        body,
    );
    assert_eq!(r.code, 0, "stderr: {}", r.stderr);
    let m = delivered("/var/mail/mxtest", &subject);
    assert!(m.contains(&format!("\n\n{body}")), "{m}");
}

// ------------------------------------- OAuth2 through Postfix and Dovecot (rig)

/// A token command in `dir` for `smtp-auth-password-command`: prints
/// `tokens[0]` the first time, `tokens[1]` the second, and so on (the last
/// one from then on), and appends a line to `dir/ran` each time.
fn token_command(dir: &TempDir, tokens: &[&str]) -> String {
    let script = dir.join("tok");
    let cases: String = tokens
        .iter()
        .enumerate()
        .map(|(i, t)| format!("  {i}) echo '{t}' ;;\n"))
        .collect();
    let last = tokens.last().unwrap();
    std::fs::write(
        &script,
        format!(
            "#!/bin/sh\nd=$(dirname \"$0\")\n\
             n=$(cat \"$d/ran\" 2>/dev/null | wc -l)\necho ran >> \"$d/ran\"\n\
             case $n in\n{cases}  *) echo '{last}' ;;\nesac\n"
        ),
    )
    .unwrap();
    std::fs::set_permissions(&script, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    format!("smtp-auth-password-command={}", script.display())
}

/// How many times the command of [`token_command`] ran.
fn token_command_runs(dir: &TempDir) -> usize {
    std::fs::read_to_string(dir.join("ran"))
        .unwrap_or_default()
        .lines()
        .count()
}

/// Sends BODY as mxtest through the rig's submission server `url` with
/// SASL mechanism `mech`, the token from a command printing `tokens` in
/// turn; returns the run and the command's directory.
fn oauth_send(url: &str, mech: &str, tokens: &[&str], subject: &str) -> (Run, TempDir) {
    let dir = TempDir::new("tok");
    let cmd = token_command(&dir, tokens);
    let auth = format!("smtp-auth={mech}");
    let r = send(
        &[url, &rig_ca(), &auth, RIG_LOGIN[0], &cmd],
        &["-s", subject, "mxtest@localhost"],
        BODY,
    );
    (r, dir)
}

/// Asserts the message with this subject reached /var/mail/mxtest after
/// SASL authentication as mxtest.
fn assert_delivered_authenticated(subject: &str) {
    let m = delivered("/var/mail/mxtest", subject);
    assert!(m.contains("ESMTPS"), "not received over TLS: {m}");
    assert!(
        m.contains("(Authenticated sender: mxtest)") || m.contains("ESMTPSA"),
        "{m}"
    );
    assert!(m.contains("\n\nfirst line\n.\n..two dots\n"), "{m}");
}

/// XOAUTH2 over STARTTLS: Postfix hands the token to Dovecot, whose oauth2
/// passdb asks the introspection server; the message is delivered.
#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_xoauth2_token_from_command_delivers() {
    require!(Req::PostfixRig);
    let token = unique("xoauth2-token");
    let idp = Introspect::start("mxtest", &[&token]);
    let subject = unique("xoauth2");
    let (r, dir) = oauth_send("smtp=127.0.0.1:2587", "xoauth2", &[&token], &subject);
    assert_sent(&r);
    assert_eq!(idp.seen(), vec![token.clone()]);
    assert_eq!(token_command_runs(&dir), 1);
    assert_delivered_authenticated(&subject);
    assert!(!r.stderr.contains(&token) && !r.stdout.contains(&token));
}

/// OAUTHBEARER (RFC 7628) over implicit TLS, the same way.
#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_oauthbearer_token_from_command_delivers() {
    require!(Req::PostfixRig);
    let token = unique("oauthbearer-token");
    let idp = Introspect::start("mxtest", &[&token]);
    let subject = unique("oauthbearer");
    let (r, dir) = oauth_send(
        "smtp=smtps://127.0.0.1:2465",
        "oauthbearer",
        &[&token],
        &subject,
    );
    assert_sent(&r);
    assert_eq!(idp.seen(), vec![token.clone()]);
    assert_eq!(token_command_runs(&dir), 1);
    assert_delivered_authenticated(&subject);
}

/// A stale token: the introspection server calls it inactive, Dovecot
/// answers with the error JSON and then 535, we run the command again and
/// the fresh token is accepted — for both mechanisms.
#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_stale_token_is_refreshed_and_the_message_delivered() {
    require!(Req::PostfixRig);
    for mech in ["xoauth2", "oauthbearer"] {
        let stale = unique("stale-token");
        let fresh = unique("fresh-token");
        let idp = Introspect::start("mxtest", &[&fresh]);
        let subject = unique(&format!("refresh-{mech}"));
        let (r, dir) = oauth_send("smtp=127.0.0.1:2587", mech, &[&stale, &fresh], &subject);
        assert_sent(&r);
        assert_eq!(idp.seen(), [stale.clone(), fresh.clone()], "{mech}");
        assert_eq!(token_command_runs(&dir), 2, "{mech}");
        assert_delivered_authenticated(&subject);
    }
}

/// Both tokens refused: exit 1, the 535 and the server's error JSON in the
/// message, the whole message in dead.letter, no token anywhere.
#[test]
#[cfg_attr(not(feature = "smtp"), ignore = "built without the smtp feature")]
fn postfix_token_refused_twice_fails_with_dead_letter() {
    require!(Req::PostfixRig);
    let (t1, t2) = (unique("bad-token"), unique("bad-token"));
    let idp = Introspect::start("mxtest", &[]);
    let subject = unique("badtoken");
    let (r, dir) = oauth_send("smtp=127.0.0.1:2587", "xoauth2", &[&t1, &t2], &subject);
    assert_failed(
        &r,
        &[
            "SMTP AUTH XOAUTH2 as \"mxtest\" at 127.0.0.1:2587",
            "the server refused the token again, with a fresh token: 535",
            "\"status\":\"401\"",
        ],
        &subject,
        BODY,
    );
    assert_eq!(idp.seen(), [t1.clone(), t2.clone()]);
    assert_eq!(token_command_runs(&dir), 2);
    for t in [&t1, &t2] {
        assert!(!r.stderr.contains(t.as_str()) && !r.dead_letter().contains(t.as_str()));
    }
}
