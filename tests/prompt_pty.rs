//! The interactive `& ` prompt on a pseudo-terminal with the line editor
//! (TERM=xterm): the prompt, editing keys, history within a
//! session and across sessions (the history file, mode 0600), ^C, ^D,
//! `ignoreeof`, SIGHUP, ^Z, a `mail` command whose body is read from the
//! same terminal, a multi-line paste and lines typed ahead while a command
//! runs. Where bsd-mailx has the same behaviour (^C, ^D, ignoreeof, hangup,
//! composing at the prompt) both programs get the same keys and their
//! outcome is compared; bsd-mailx has no editing keys or history, and it
//! reads the terminal in cooked mode whatever TERM says.
//! The bsd-mailx comparisons are skipped when it is not installed (failed
//! under `MAILX_REQUIRE_ALL=1`).

mod common;
use common::{Pty, Req, TempDir, bsd_mailx, require};
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

const OURS: &str = env!("CARGO_BIN_EXE_mailx");
const UP: &str = "\x1b[A";

enum Step {
    /// Wait for this text on the terminal.
    Expect(&'static str),
    /// Type these keys (no newline added).
    Keys(&'static str),
    /// Type a control character.
    Ctrl(char),
    /// Send a signal to the program.
    Signal(i32),
    /// Resize the terminal (rows, columns): SIGWINCH to the program.
    Resize(u16, u16),
}
use Step::*;

#[derive(Debug)]
struct Outcome {
    /// What the terminal showed, escape sequences and CRs removed.
    screen: String,
    exit: Option<i32>,
    sent: Option<String>,
    mailbox: Vec<u8>,
    history: Option<(u32, String)>,
}

fn ours() -> &'static Path {
    Path::new(OURS)
}

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/read/m3.mbox")
}

fn big_fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/read/big.mbox")
}

/// Removes CSI escape sequences (`ESC [ ... final`) and carriage returns.
fn plain(raw: &str) -> String {
    let mut out = String::new();
    let mut it = raw.chars().peekable();
    while let Some(c) = it.next() {
        if c == '\x1b' {
            if it.peek() == Some(&'[') {
                it.next();
                for d in it.by_ref() {
                    if ('@'..='~').contains(&d) {
                        break;
                    }
                }
            }
            continue;
        }
        if c != '\r' {
            out.push(c);
        }
    }
    out
}

/// Runs `bin -n -N -f box` on a pty in `dir` (its HOME), with `rc` as the
/// mailrc (plus a fake sendmail writing `sent`), and plays the steps. None
/// without ptys.
fn run_in(dir: &Path, bin: &Path, rc: &str, term: &str, steps: &[Step]) -> Option<Outcome> {
    let sm = dir.join("fakesm");
    std::fs::write(&sm, format!("#!/bin/sh\ncat > '{}/sent'\n", dir.display())).unwrap();
    std::fs::set_permissions(&sm, std::fs::Permissions::from_mode(0o755)).unwrap();
    let rcfile = dir.join("rc");
    std::fs::write(&rcfile, format!("set sendmail={}\n{rc}", sm.display())).unwrap();
    let boxf = dir.join("box");
    if !boxf.exists() {
        std::fs::copy(fixture(), &boxf).unwrap();
    }
    let _ = std::fs::remove_file(dir.join("sent"));
    let mut cmd = Command::new(bin);
    cmd.args(["-n", "-N", "-f"])
        .arg(&boxf)
        .env_clear()
        .env("HOME", dir)
        .env("USER", "alice")
        .env("PATH", "/usr/bin:/bin")
        .env("SHELL", "/bin/sh")
        .env("LANG", "C.UTF-8")
        .env("TERM", term)
        .env("MAILRC", &rcfile)
        .current_dir(dir);
    let mut p = Pty::spawn(cmd, None, false)?;
    for st in steps {
        match st {
            Expect(s) => {
                if let Err(e) = p.expect(s) {
                    panic!("{}: {}", bin.display(), plain(&e));
                }
            }
            Keys(k) => {
                p.send(k);
                std::thread::sleep(Duration::from_millis(60));
            }
            Ctrl(c) => {
                p.ctrl(*c);
                std::thread::sleep(Duration::from_millis(100));
            }
            Signal(sig) => {
                p.signal(*sig);
                std::thread::sleep(Duration::from_millis(200));
            }
            Resize(rows, cols) => {
                p.resize(*rows, *cols);
                std::thread::sleep(Duration::from_millis(100));
            }
        }
    }
    let (status, screen) = p.finish(Duration::from_secs(10));
    let raw = String::from_utf8_lossy(&screen);
    // The code, or None when killed by a signal.
    let exit = status.code();
    let hist = dir.join(".mailx_history");
    let history = std::fs::metadata(&hist).ok().map(|m| {
        (
            m.permissions().mode() & 0o777,
            std::fs::read_to_string(&hist).unwrap_or_default(),
        )
    });
    Some(Outcome {
        screen: plain(&raw).replace(dir.to_str().unwrap(), "$HOME"),
        exit,
        sent: std::fs::read_to_string(dir.join("sent")).ok(),
        mailbox: std::fs::read(&boxf).unwrap(),
        history,
    })
}

/// `run_in` in a fresh HOME.
fn run(bin: &Path, rc: &str, steps: &[Step]) -> Option<Outcome> {
    let dir = TempDir::new(&format!(
        "prompt-{}",
        bin.file_name().unwrap().to_str().unwrap()
    ));
    run_in(&dir, bin, rc, "xterm", steps)
}

/// bsd-mailx's run, for a comparison; None without it.
fn bsd(rc: &str, steps: &[Step]) -> Option<Outcome> {
    if !require(Req::BsdMailx) {
        return None;
    }
    run(bsd_mailx(), rc, steps)
}

/// The text after the last `& ` prompt shown.
fn after_last_prompt(screen: &str) -> &str {
    screen.rsplit("& ").next().unwrap_or("")
}

#[test]
fn prompt_and_editing_keys() {
    let steps = [
        Expect("& "),
        // "rint 1", Home, "p", End, "x", Backspace: "print 1".
        Keys("rint 1"),
        Ctrl('a'),
        Keys("p"),
        Ctrl('e'),
        Keys("x\x7f"),
        Keys("\r"),
        Expect("Body one."),
        Expect("& "),
        Keys("q\r"),
    ];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    // The editor redraws the line as it changes; what ran was `print 1`.
    assert!(o.screen.contains("Message 1:\n"), "{}", o.screen);
    assert!(!o.screen.contains("Unknown command"), "{}", o.screen);
    assert!(o.screen.contains("Subject: first message"), "{}", o.screen);
    assert_eq!(o.exit, Some(0), "{}", o.screen);
}

#[test]
fn history_within_and_across_sessions() {
    let dir = TempDir::new("prompt-hist");
    let first = [
        Expect("& "),
        Keys("p 2\r"),
        Expect("Body two."),
        Expect("& "),
        Keys(UP),
        Keys("\r"),
        Expect("Body two."),
        Expect("& "),
        Keys("q\r"),
    ];
    let Some(o) = run_in(&dir, ours(), "", "xterm", &first) else {
        return;
    };
    assert_eq!(o.screen.matches("Body two.").count(), 2, "{}", o.screen);
    let (mode, text) = o.history.expect("history file written");
    assert_eq!(mode, 0o600, "history file mode");
    assert!(text.lines().any(|l| l == "p 2"), "{text:?}");
    // A new session in the same home: Up goes back through the last
    // session's commands (`q`, then `p 2`; the repeated `p 2` was kept once).
    let second = [
        Expect("& "),
        Keys(UP),
        Keys(UP),
        Keys("\r"),
        Expect("Body two."),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run_in(&dir, ours(), "", "xterm", &second) else {
        return;
    };
    assert!(o.screen.contains("Message 2:\n"), "{}", o.screen);
    let (_, text) = o.history.expect("history file");
    assert_eq!(text.lines().filter(|l| *l == "p 2").count(), 2, "{text:?}");
}

#[test]
fn history_file_variable_names_or_disables_it() {
    let steps = [Expect("& "), Keys("=\r"), Expect("& "), Keys("x\r")];
    let dir = TempDir::new("prompt-histvar");
    if run_in(&dir, ours(), "set history-file=~/mine\n", "xterm", &steps).is_none() {
        return;
    }
    let meta = std::fs::metadata(dir.join("mine")).expect("named history file");
    assert_eq!(meta.permissions().mode() & 0o777, 0o600);
    assert!(!dir.join(".mailx_history").exists());
    let Some(o) = run(ours(), "set history-file=\n", &steps) else {
        return;
    };
    assert!(o.history.is_none(), "empty history-file: no file");
}

#[test]
fn interrupt_at_the_prompt_keeps_the_session() {
    let steps = [
        Expect("& "),
        Keys("pri"),
        Ctrl('c'),
        Expect("Interrupt"),
        Expect("& "),
        Keys("=\r"),
        Expect("1"),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
    if let Some(b) = bsd("", &steps) {
        assert_eq!(o.exit, b.exit);
        assert_eq!(o.mailbox, b.mailbox);
    }
}

#[test]
fn eof_quits_like_quit() {
    let steps = [Expect("& "), Keys("p 1\r"), Expect("& "), Ctrl('d')];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
    assert!(o.screen.ends_with("box\" complete\n"), "{:?}", o.screen);
    if let Some(b) = bsd("", &steps) {
        assert_eq!(o.exit, b.exit);
        assert_eq!(o.mailbox, b.mailbox, "mailbox after ^D");
        // bsd-mailx stays on the prompt's line; the editor ends it first.
        assert_eq!(
            after_last_prompt(&o.screen).trim_start_matches('\n'),
            after_last_prompt(&b.screen)
        );
    }
}

#[test]
fn ignoreeof_says_use_quit() {
    let steps = [
        Expect("& "),
        Ctrl('d'),
        Expect("Use \"quit\" to quit."),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run(ours(), "set ignoreeof\n", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
    if let Some(b) = bsd("set ignoreeof\n", &steps) {
        assert_eq!(o.exit, b.exit);
    }
}

#[test]
fn ignoreeof_gives_up_after_25_eofs_as_bsd_mailx() {
    let mut steps = Vec::new();
    for _ in 0..25 {
        steps.push(Expect("& "));
        steps.push(Ctrl('d'));
    }
    let Some(o) = run(ours(), "set ignoreeof\n", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
    assert_eq!(o.screen.matches("Use \"quit\" to quit.").count(), 24);
    if let Some(b) = bsd("set ignoreeof\n", &steps) {
        assert_eq!(b.screen.matches("Use \"quit\" to quit.").count(), 24);
        assert_eq!(o.mailbox, b.mailbox);
    }
}

#[test]
fn hangup_at_the_prompt_exits_1_and_saves_nothing() {
    let steps = [
        Expect("& "),
        Keys("p 1\r"),
        Expect("& "),
        Signal(libc::SIGHUP),
    ];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(1), "{}", o.screen);
    assert_eq!(o.mailbox, std::fs::read(fixture()).unwrap());
    if let Some(b) = bsd("", &steps) {
        assert_eq!(o.exit, b.exit);
        assert_eq!(o.mailbox, b.mailbox);
    }
}

#[test]
fn suspend_key_and_stop_continue_resume_at_the_prompt() {
    let steps = [
        Expect("& "),
        Keys("pr"),
        // ^Z: the editor leaves raw mode and stops the process (on
        // this pty the group is orphaned, so the kernel does not stop it);
        // it comes back to the line being edited.
        Ctrl('z'),
        Keys("int 2"),
        Signal(libc::SIGSTOP),
        Signal(libc::SIGCONT),
        Keys("\r"),
        Expect("Body two."),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
}

#[test]
fn mail_at_the_prompt_reads_the_body_from_the_terminal() {
    let rc = "set asksub dot\n";
    let steps = [
        Expect("& "),
        Keys("mail bob@example.org\r"),
        Expect("Subject: "),
        Keys("hello\r"),
        Keys("body line\r"),
        Keys("second line\r"),
        Keys(".\r"),
        Expect("EOT"),
        Expect("& "),
        Keys("=\r"),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run(ours(), rc, &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
    let sent = o.sent.clone().expect("sendmail ran");
    assert!(sent.contains("Subject: hello\n"), "{sent}");
    assert!(sent.ends_with("\n\nbody line\nsecond line\n"), "{sent}");
    if let Some(b) = bsd(rc, &steps) {
        assert_eq!(o.sent, b.sent, "message handed to sendmail");
        assert_eq!(o.exit, b.exit);
    }
}

#[test]
fn multi_line_paste_runs_every_line() {
    let steps = [
        Expect("& "),
        // A bracketed paste of two commands, then Enter.
        Keys("\x1b[200~p 1\np 2\x1b[201~"),
        Keys("\r"),
        Expect("Body one."),
        Expect("Body two."),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
}

#[test]
fn lines_typed_while_a_command_runs_are_kept() {
    let steps = [
        Expect("& "),
        Keys("!echo started; sleep 1\r"),
        // Typed in the terminal's cooked mode while the shell runs.
        Expect("started"),
        Keys("p 2\r"),
        Keys("p 3\r"),
        Expect("Body two."),
        Expect("Body three."),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
}

#[test]
fn window_size_is_read_again_after_a_resize() {
    let dir = TempDir::new("prompt-winch");
    std::fs::copy(big_fixture(), dir.join("box")).unwrap();
    let steps = [
        Expect("& "),
        Resize(20, 60),
        Keys("h 24\r"),
        Expect("& "),
        Keys("x\r"),
    ];
    let Some(o) = run_in(&dir, ours(), "", "xterm", &steps) else {
        return;
    };
    let shown = o.screen.split("h 24\n").nth(1).expect("h 24 ran");
    let heads: Vec<&str> = shown.lines().filter(|l| l.contains("user")).collect();
    // 20 rows: a screen of 16 headers, each cut to 60 columns.
    assert_eq!(heads.len(), 16, "{shown}");
    assert!(heads.iter().all(|l| l.chars().count() <= 60), "{shown}");
}

#[test]
fn no_line_editor_on_a_dumb_terminal_or_a_pipe() {
    let dir = TempDir::new("prompt-dumb");
    let steps = [Expect("& "), Keys("=\r"), Expect("& "), Keys("x\r")];
    let Some(o) = run_in(&dir, ours(), "", "dumb", &steps) else {
        return;
    };
    assert!(!o.screen.contains('\x1b'));
    assert!(o.history.is_none(), "no history file without the editor");
    // Piped stdin with -I (interactive set): plain `& ` prompts only.
    let dir = TempDir::new("prompt-pipe");
    std::fs::copy(fixture(), dir.join("box")).unwrap();
    let out = Command::new(OURS)
        .args(["-I", "-n", "-N", "-f", "box"])
        .env("HOME", &dir)
        .env("TERM", "xterm")
        .env("MAILRC", "/dev/null")
        .current_dir(&dir)
        .stdin(std::fs::File::open("/dev/null").unwrap())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(!text.contains('\x1b'), "{text:?}");
    assert!(text.contains("unread\n& "), "{text:?}");
    assert!(!dir.join(".mailx_history").exists());
}

/// Keys that arrive in one burst with the Enter ending a command line (a
/// fast typist, a paste without bracketing, `tmux send-keys 'p 1' Enter '='
/// Enter 'q' Enter`) are all kept: the editor reads through the shared stdin
/// buffer and leaves what follows the Enter there.
#[test]
fn keys_in_one_burst_with_the_enter_are_kept() {
    let steps = [
        Expect("& "),
        Keys("p 2\r=\rp 3\rx\r"),
        Expect("Body two."),
        Expect("Body three."),
    ];
    let Some(o) = run(ours(), "", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
    assert!(o.screen.contains("\n2\n"), "{}", o.screen);
}

/// A `mail` command and its body typed in one burst: the body reaches the
/// composer (the tty's CR → NL and ^D are applied to bytes read in raw mode).
#[test]
fn mail_command_and_body_in_one_burst() {
    let dir = TempDir::new("prompt-burst");
    let steps = [
        Expect("& "),
        Keys("m bob@x\rhello body\rline2\r\x04"),
        Expect("EOT"),
        Expect("& "),
        Keys("x\r"),
    ];
    std::fs::copy(fixture(), dir.join("box")).unwrap();
    let Some(o) = run_in(&dir, ours(), "", "xterm", &steps) else {
        return;
    };
    assert_eq!(o.exit, Some(0), "{}", o.screen);
    let sent = o.sent.clone().unwrap_or_default();
    assert!(sent.ends_with("\nhello body\nline2\n"), "{sent:?}");
}
