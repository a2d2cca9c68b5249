//! Options for scripts that bsd-mailx rejects or mishandles (issue #19):
//! `-t` (the recipients and header fields come from the message on
//! standard input, as s-nail's and mailutils' `-t`), `-a FILE` (attach, as
//! s-nail), POSIX `-F`. What is sent is checked byte for byte
//! and read back with Python's email parser; bsd-mailx's refusal of the
//! option is checked too, so no working script changes meaning.

mod common;
use common::*;
use std::io::Write;
use std::process::{Command, Stdio};

const MSG: &[u8] = b"From: Backup Bot <bot@example.org>\n\
To: a@example.org, \"Doe, J\" <j@example.org>\n\
Cc: c@example.org\n\
Bcc: secret@example.org\n\
Subject: nightly\n  backup\n\
X-Priority: 1\n\
\n\
All good.\n\
To: not a header, body text\n";

/// Python's view of a message: To, Cc, Bcc, Subject, From, X-Priority, body.
fn python_fields(msg: &[u8]) -> String {
    let py = "import sys, email\nfrom email import policy\nm = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)\nfor f in ['to', 'cc', 'bcc', 'subject', 'from', 'x-priority']:\n    print('%s=%s' % (f, m[f]))\nprint(m.get_content(), end='')\n";
    let mut c = Command::new("python3")
        .args(["-c", py])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(msg).unwrap();
    String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap()
}

#[test]
fn t_takes_recipients_and_fields_from_the_message() {
    require!(Req::Python3);
    let o = run(Prog::Ours, &Case::new(&["-t", "extra@example.org"], MSG));
    assert_eq!(o.status, 0, "{}", describe(&o));
    // The message's From is the From: field, not the envelope sender (as
    // s-nail: only -r and `from` give sendmail -f).
    assert_eq!(o.argv[0][1..], ["-i", "-t"]);
    let sent = o.sm_stdin[0].clone().unwrap();
    assert_eq!(
        String::from_utf8_lossy(&sent),
        "From: Backup Bot <bot@example.org>\n\
To: \"Doe, J\" <j@example.org>, a@example.org, extra@example.org\n\
Subject: nightly backup\n\
Cc: c@example.org\n\
Bcc: secret@example.org\n\
X-Priority: 1\n\
MIME-Version: 1.0\n\
Content-Type: text/plain; charset=\"UTF-8\"\n\
Content-Transfer-Encoding: 8bit\n\
\n\
All good.\n\
To: not a header, body text\n"
    );
    assert_eq!(
        python_fields(&sent),
        "to=\"Doe, J\" <j@example.org>, a@example.org, extra@example.org\n\
cc=c@example.org\n\
bcc=secret@example.org\n\
subject=nightly backup\n\
from=Backup Bot <bot@example.org>\n\
x-priority=1\n\
All good.\n\
To: not a header, body text\n"
    );
}

/// `-s` and `-r` win over the message's Subject and From; without any
/// recipient anywhere nothing is sent.
#[test]
fn t_command_line_wins_and_needs_a_recipient() {
    let o = run(
        Prog::Ours,
        &Case::new(
            &["-t", "-s", "S", "-r", "me@x"],
            b"Subject: old\nFrom: x@y\nTo: a@x\n\nbody\n",
        ),
    );
    assert_eq!(o.status, 0, "{}", describe(&o));
    assert_eq!(o.argv[0][1..], ["-i", "-t", "-f", "me@x"]);
    let sent = String::from_utf8(o.sm_stdin[0].clone().unwrap()).unwrap();
    assert!(
        sent.starts_with("From: me@x\nTo: a@x\nSubject: S\n"),
        "{sent}"
    );
    assert!(!sent.contains("x@y") && !sent.contains("old"), "{sent}");
    let o = run(Prog::Ours, &Case::new(&["-t"], b"Subject: s\n\nbody\n"));
    assert_eq!(o.status, 1, "{}", describe(&o));
    assert!(o.sm_stdin.is_empty());
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "No recipients specified\n"
    );
    let o = run(Prog::Ours, &Case::new(&["-t", "-f", "box"], b""));
    assert_eq!(o.status, 1);
    assert_eq!(
        String::from_utf8_lossy(&o.stderr),
        "bsd-mailx: Cannot give -f and -t\n"
    );
}

/// bsd-mailx rejects `-t`: no script that works with it changes meaning.
#[test]
fn bsd_mailx_rejects_t() {
    require!(Req::BsdMailx);
    let o = run(Prog::Real, &Case::new(&["-t", "a@x"], MSG));
    assert_eq!(o.status, 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid option -- 't'"));
    assert!(o.sm_stdin.is_empty());
}

/// `-a FILE` (s-nail's meaning) attaches a readable regular file when the
/// value is not a header line; a header line stays a header; a value that
/// is neither keeps the error, nothing sent. Python reads the parts back.
#[test]
fn a_attaches_a_readable_file() {
    require!(Req::Python3);
    let t = TempDir::new("afile");
    std::fs::write(t.join("report.txt"), "Grüße\n").unwrap();
    let o = run_in(
        &t,
        Prog::Ours,
        &Case::new(
            &["-s", "r", "-a", "report.txt", "-a", "X-Tag: 1", "a@x"],
            b"see\n",
        ),
    );
    assert_eq!(o.status, 0, "{}", describe(&o));
    let sent = o.sm_stdin[0].clone().unwrap();
    let text = String::from_utf8_lossy(&sent);
    assert!(text.contains("\nX-Tag: 1\n"), "{text}");
    let py = "import sys, email\nfrom email import policy\nm = email.message_from_bytes(sys.stdin.buffer.read(), policy=policy.default)\nprint(m.get_content_type())\nfor p in m.iter_attachments():\n    print(p.get_filename(), p.get_content(), end='')\n";
    let mut c = Command::new("python3")
        .args(["-c", py])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(&sent).unwrap();
    let out = String::from_utf8(c.wait_with_output().unwrap().stdout).unwrap();
    assert_eq!(out, "multipart/mixed\nreport.txt Grüße\n");
    // Neither a header nor a readable regular file: the error, as before.
    for bad in ["no-such-file", "adir"] {
        let t = TempDir::new("abad");
        std::fs::create_dir(t.join("adir")).unwrap();
        let o = run_in(
            &t,
            Prog::Ours,
            &Case::new(&["-s", "r", "-a", bad, "a@x"], b"see\n"),
        );
        assert_eq!(o.status, 1, "{}", describe(&o));
        assert_eq!(
            String::from_utf8_lossy(&o.stderr),
            format!("bsd-mailx: -a \"{bad}\": not a header line (expected \"Name: value\")\n")
        );
        assert!(o.sm_stdin.is_empty());
    }
}

/// POSIX `-F`: the message is recorded in a file named after the login
/// part of the first recipient, in the current directory, or in `folder`
/// with `outfolder` set.
#[test]
fn f_records_by_first_recipient() {
    let t = TempDir::new("Frec");
    let o = run_in(
        &t,
        Prog::Ours,
        &Case::new(
            &["-F", "-s", "hi", "Bob <bob@example.org>", "c@x"],
            b"body\n",
        ),
    );
    assert_eq!(o.status, 0, "{}", describe(&o));
    let rec = std::fs::read_to_string(t.join("bob")).unwrap();
    assert!(rec.starts_with("From "), "{rec}");
    assert!(
        rec.ends_with("To: Bob <bob@example.org>, c@x\nSubject: hi\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: 8bit\n\nbody\n\n"),
        "{rec}"
    );
    let t = TempDir::new("Fout");
    std::fs::create_dir(t.join("fd")).unwrap();
    let o = run_in(
        &t,
        Prog::Ours,
        &Case::new(&["-F", "-s", "hi", "carol@example.org"], b"body\n")
            .rc("set folder=$T/fd outfolder"),
    );
    assert_eq!(o.status, 0, "{}", describe(&o));
    assert!(
        std::fs::read_to_string(t.join("fd/carol"))
            .unwrap()
            .contains("\nbody\n")
    );
    assert!(!t.join("carol").exists());
}

/// bsd-mailx rejects `-F` too.
#[test]
fn bsd_mailx_rejects_upper_f() {
    require!(Req::BsdMailx);
    let o = run(Prog::Real, &Case::new(&["-F", "a@x"], b"x\n"));
    assert_eq!(o.status, 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("invalid option -- 'F'"));
}

/// s-nail's `-t` (the reference, bsd-mailx has none) sends to the same
/// envelope recipients and writes the same Subject, From and other fields.
#[test]
fn t_matches_s_nail() {
    require!(Req::SNail);
    let t = TempDir::new("snail");
    let log = t.join("snail.log");
    let sm = t.join("sm");
    std::fs::write(
        &sm,
        format!("#!/bin/sh\n{{ echo \"$@\"; cat; }} > '{}'\n", log.display()),
    )
    .unwrap();
    Command::new("chmod").arg("755").arg(&sm).status().unwrap();
    let mut c = Command::new("/usr/bin/s-nail")
        .args([
            "-:/",
            &format!("-Smta={}", sm.display()),
            "-Ssendwait",
            "-t",
            "extra@example.org",
        ])
        .env_clear()
        .env("HOME", t.path())
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin.take().unwrap().write_all(MSG).unwrap();
    assert!(c.wait().unwrap().success());
    let snail = std::fs::read_to_string(&log).unwrap();
    let (argv, msg) = snail.split_once('\n').unwrap();
    let mut theirs: Vec<&str> = argv.split(" -- ").nth(1).unwrap().split(' ').collect();
    theirs.sort();
    let o = run(Prog::Ours, &Case::new(&["-t", "extra@example.org"], MSG));
    let sent = String::from_utf8(o.sm_stdin[0].clone().unwrap()).unwrap();
    let mut ours: Vec<String> = Vec::new();
    for l in sent.lines().take_while(|l| !l.is_empty()) {
        for f in ["To: ", "Cc: ", "Bcc: "] {
            if let Some(v) = l.strip_prefix(f) {
                // Display names dropped (quoted ones may hold commas).
                let v: String = v.split('"').step_by(2).collect();
                for a in v.split(", ") {
                    let a = a.rsplit('<').next().unwrap().trim_end_matches('>');
                    ours.push(a.to_string());
                }
            }
        }
    }
    ours.sort();
    assert_eq!(ours, theirs, "s-nail:\n{snail}\nours:\n{sent}");
    for field in [
        "From: Backup Bot <bot@example.org>\n",
        "Subject: nightly backup\n",
        "Cc: c@example.org\n",
        "X-Priority: 1\n",
    ] {
        assert!(msg.contains(field) && sent.contains(field), "{field}");
    }
    // Neither makes the message's From the envelope sender.
    assert!(!argv.contains("-f"), "{argv}");
    assert!(!o.argv[0].iter().any(|a| a == "-f"));
}
