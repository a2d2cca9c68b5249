//! The interactive composer driven through a real pseudo-terminal, side by
//! side with /usr/bin/bsd-mailx: prompts, `.`, EOF, two-^C abort with
//! dead.letter, `~p`, `~v` with a scripted editor. Each case runs both
//! programs with the same keystrokes and compares what sendmail received,
//! dead.letter and the exit status. The comparisons are skipped when
//! bsd-mailx is not installed (failed under `MAILX_REQUIRE_ALL=1`).

mod common;
use common::{Pty, Req, TempDir, bsd_mailx, require};
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const OURS: &str = env!("CARGO_BIN_EXE_mailx");

enum Step {
    Expect(&'static str),
    Line(&'static str),
    Ctrl(char),
    /// Sends a signal to the program (SIGCONT after a ^Z stop).
    Signal(i32),
}
use Step::*;

struct Outcome {
    sent: Option<String>,
    dead: Option<String>,
    /// The exit code (None: killed by a signal).
    exit: Option<i32>,
    /// Everything the terminal showed (echo off).
    transcript: String,
}

fn write_exec(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    Command::new("chmod").arg("755").arg(path).status().unwrap();
}

/// Runs `bin` on a pty and plays the steps; None without ptys.
fn drive(bin: &Path, args: &[&str], rc: &str, steps: &[Step]) -> Option<Outcome> {
    let dir = TempDir::new(&format!(
        "pty-{}",
        bin.file_name().unwrap().to_str().unwrap()
    ));
    let sm = dir.join("fakesm");
    write_exec(&sm, &format!("#!/bin/sh\ncat > {}/sent\n", dir.display()));
    let editor = dir.join("editor");
    // bsd-mailx keeps the old text when the file's mtime (whole seconds) did not
    // change, so the scripted editor waits a second before editing.
    write_exec(
        &editor,
        "#!/bin/sh\nsleep 1.1\necho edited-line >> \"$1\"\n",
    );
    let rcfile = dir.join("rc");
    std::fs::write(&rcfile, format!("set sendmail={}\n{rc}", sm.display())).unwrap();
    let mut cmd = Command::new(bin);
    cmd.args(args)
        .env("HOME", &dir)
        .env("MAILRC", &rcfile)
        .env("VISUAL", &editor)
        .env("EDITOR", &editor)
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL");
    let mut p = Pty::spawn(cmd, None, false)?;
    for st in steps {
        match st {
            Expect(s) => {
                if let Err(e) = p.expect(s) {
                    panic!("{}: {e}", bin.display());
                }
            }
            Line(l) => {
                p.send_line(l);
                std::thread::sleep(Duration::from_millis(100));
            }
            Ctrl(c) => {
                p.ctrl(*c);
                std::thread::sleep(Duration::from_millis(200));
            }
            Step::Signal(sig) => {
                p.signal(*sig);
                std::thread::sleep(Duration::from_millis(200));
            }
        }
    }
    let (status, screen) = p.finish(Duration::from_secs(10));
    Some(Outcome {
        sent: std::fs::read_to_string(dir.join("sent")).ok(),
        dead: std::fs::read_to_string(dir.join("dead.letter")).ok(),
        exit: status.code(),
        transcript: String::from_utf8_lossy(&screen).into_owned(),
    })
}

/// Our run alone.
fn ours(args: &[&str], rc: &str, steps: &[Step]) -> Option<Outcome> {
    drive(Path::new(OURS), args, rc, steps)
}

/// Both programs; None without bsd-mailx (or ptys).
fn both(args: &[&str], rc: &str, steps: &[Step]) -> Option<(Outcome, Outcome)> {
    let ours = ours(args, rc, steps)?;
    if !require(Req::BsdMailx) {
        return None;
    }
    let theirs = drive(bsd_mailx(), args, rc, steps)?;
    Some((ours, theirs))
}

fn assert_same(ours: &Outcome, theirs: &Outcome) {
    assert_eq!(ours.sent, theirs.sent, "message handed to sendmail");
    assert_eq!(ours.dead, theirs.dead, "dead.letter");
    assert_eq!(ours.exit, theirs.exit, "exit status");
}

#[test]
fn subject_and_cc_prompts_with_dot() {
    let steps = [
        Expect("Subject: "),
        Line("Hello there"),
        Line("line one"),
        Line("."),
        Expect("Cc: "),
        Line("cc1@x.org"),
    ];
    let rc = "set ask askcc dot\n";
    if let Some((ours, theirs)) = both(&["-n", "to@x.org"], rc, &steps) {
        assert_same(&ours, &theirs);
    }
    let Some(ours) = ours(&["-n", "to@x.org"], rc, &steps) else {
        return;
    };
    let sent = ours.sent.expect("sent");
    assert!(
        sent.contains("Subject: Hello there\nCc: cc1@x.org\n"),
        "{sent}"
    );
    assert!(sent.ends_with("\nline one\n"), "{sent}");
}

#[test]
fn eof_prints_eot() {
    let steps = [Line("line one"), Ctrl('d'), Expect("EOT")];
    if let Some((ours, theirs)) = both(&["-n", "-s", "subj", "to@x.org"], "", &steps) {
        assert_same(&ours, &theirs);
    }
}

#[test]
fn two_interrupts_abort_and_save_dead_letter() {
    let steps = [
        Expect("Subject: "),
        Line("My subject"),
        Line("line one"),
        Ctrl('c'),
        Expect("(Interrupt -- one more to kill letter)"),
        Ctrl('c'),
    ];
    let rc = "set ask\n";
    if let Some((ours, theirs)) = both(&["-n", "to@x.org"], rc, &steps) {
        assert_same(&ours, &theirs);
    }
    let Some(ours) = ours(&["-n", "to@x.org"], rc, &steps) else {
        return;
    };
    assert_eq!(ours.sent, None, "nothing is sent");
    assert_eq!(ours.dead.as_deref(), Some("line one\n"));
    assert_eq!(ours.exit, Some(0), "aborted send exits 0");
}

#[test]
fn tilde_p_shows_message_and_continue() {
    let steps = [
        Line("body text"),
        Line("~p"),
        Expect("Message contains:"),
        Expect("(continue)"),
        Line("~."),
    ];
    if let Some((ours, theirs)) = both(&["-n", "-s", "S", "to@x.org"], "", &steps) {
        assert_same(&ours, &theirs);
        let tail = |t: &str| t[t.find("Message contains:").unwrap()..].replace('\r', "");
        assert_eq!(tail(&ours.transcript), tail(&theirs.transcript));
    }
}

#[test]
fn tilde_v_runs_the_visual_editor() {
    let steps = [Line("first"), Line("~v"), Expect("(continue)"), Line("~.")];
    if let Some((ours, theirs)) = both(&["-n", "-s", "S", "to@x.org"], "", &steps) {
        assert_same(&ours, &theirs);
    }
    let Some(ours) = ours(&["-n", "-s", "S", "to@x.org"], "", &steps) else {
        return;
    };
    assert!(ours.sent.unwrap().ends_with("\nfirst\nedited-line\n"));
}

#[test]
fn tilde_q_saves_and_exits_zero() {
    let steps = [Line("partial"), Line("~q")];
    if let Some((ours, theirs)) = both(&["-n", "-s", "S", "to@x.org"], "", &steps) {
        assert_same(&ours, &theirs);
        assert_eq!(ours.dead.as_deref(), Some("partial\n"));
    }
}

/// ^Z while composing stops the program; after SIGCONT it prints
/// `(continue)` and goes on collecting the same message.
#[test]
fn stop_and_continue_prints_continue() {
    let steps = [
        Line("line one"),
        Ctrl('z'),
        Step::Signal(libc::SIGCONT),
        Expect("(continue)"),
        Line("line two"),
        Ctrl('d'),
        Expect("EOT"),
    ];
    let Some(ours) = ours(&["-n", "-s", "S", "to@x.org"], "", &steps) else {
        return;
    };
    assert!(ours.sent.unwrap().ends_with("\nline one\nline two\n"));
}
