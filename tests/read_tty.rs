//! Read mode on a terminal: both programs run on a pseudo-terminal (the
//! controlling tty of a new session, with a chosen window size), commands
//! are typed with pauses, and the terminal output (with the tty's echo), the
//! exit status and the files left behind are compared: the `& ` prompt,
//! header width and screen size from the window, `crt` and `more` through
//! `$PAGER`, message text shown on a terminal, ^C at the prompt.
//! Skipped when bsd-mailx is not installed or there are no ptys (failed
//! instead under `MAILX_REQUIRE_ALL=1`).

mod common;
use common::{PtyScript, Req, TempDir, bsd_mailx, run_on_pty};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/read")
}

struct TtyCase {
    name: &'static str,
    fixture: &'static str,
    args: &'static [&'static str],
    rc: &'static str,
    keys: &'static [&'static str],
    rows: u16,
    cols: u16,
    lang: &'static str,
    /// Text our terminal output must contain (a sanity check of the case).
    expect: &'static str,
}

#[derive(Debug, PartialEq, Eq)]
struct Outcome {
    screen: String,
    status: Option<i32>,
    files: BTreeMap<String, Vec<u8>>,
}

fn run_tty(prog: &Path, c: &TtyCase, tag: &str) -> Option<Outcome> {
    let home = TempDir::new(&format!("readtty-{}-{tag}", c.name));
    std::fs::copy(fixtures().join(c.fixture), home.join("box")).unwrap();
    std::fs::write(home.join(".mailrc"), c.rc).unwrap();
    let exe = home.join("bsd-mailx");
    std::os::unix::fs::symlink(prog, &exe).unwrap();
    let mut cmd = Command::new(&exe);
    cmd.args(c.args)
        .env_clear()
        .env("HOME", &home)
        .env("USER", "alice")
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", c.lang)
        .env("TERM", "dumb")
        .env("SHELL", "/bin/sh")
        .env("PAGER", "sed s/^/PG:/")
        .env("MAILRC", home.join(".mailrc"))
        .current_dir(&home);
    let keys: Vec<&[u8]> = c.keys.iter().map(|k| k.as_bytes()).collect();
    let script = PtyScript {
        size: Some((c.rows, c.cols)),
        keys: &keys,
        first_ms: 550,
        gap_ms: 250,
        timeout: Duration::from_secs(8),
    };
    let (status, out) = run_on_pty(cmd, &script)?;
    let home_s = home.to_string_lossy().into_owned();
    let screen = String::from_utf8_lossy(&out)
        .replace(&home_s, "$HOME")
        .split('\n')
        .map(|l| {
            if l.starts_with("Mail version ") {
                "Mail version X.  Type ? for help.\r".to_string()
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    let mut files = BTreeMap::new();
    for e in std::fs::read_dir(&home).unwrap().flatten() {
        let n = e.file_name().to_string_lossy().into_owned();
        if n == "bsd-mailx" || n == ".mailrc" {
            continue;
        }
        files.insert(n, std::fs::read(e.path()).unwrap_or_default());
    }
    Some(Outcome {
        screen,
        status: status.code(),
        files,
    })
}

fn cases() -> Vec<TtyCase> {
    vec![
        TtyCase {
            name: "prompt_headers_default_size",
            fixture: "big.mbox",
            args: &["-n", "-f", "box"],
            rc: "",
            keys: &["z\n", "z-\n", "=\n", "q\n"],
            rows: 0,
            cols: 0,
            lang: "C.UTF-8",
            expect: "& ",
        },
        TtyCase {
            name: "window_size_sets_width_and_screen",
            fixture: "big.mbox",
            args: &["-n", "-f", "box"],
            rc: "",
            keys: &["h 30\n", "x\n"],
            rows: 14,
            cols: 100,
            lang: "C.UTF-8",
            expect: " 26 user2@host2.examp  Sat Mar 27 02:26   14/293   message number 26",
        },
        TtyCase {
            name: "crt_and_more_use_the_pager",
            fixture: "big.mbox",
            args: &["-n", "-N", "-f", "box"],
            rc: "set crt=8\n",
            keys: &["p 2\n", "p 6\n", "more 3\n", "Page 4\n", "top 5\n", "x\n"],
            rows: 24,
            cols: 80,
            lang: "C.UTF-8",
            expect: "PG:Message 6:",
        },
        TtyCase {
            name: "message_text_on_a_utf8_terminal",
            fixture: "intl.mbox",
            args: &["-n", "-N", "-f", "box"],
            // The From: field holds an encoded word, which we decode in a
            // UTF-8 locale on purpose (docs/COMPATIBILITY.md M5).
            rc: "ignore from\n",
            keys: &["p 1\n", "x\n"],
            rows: 24,
            cols: 80,
            lang: "C.UTF-8",
            expect: "Grüße",
        },
        TtyCase {
            name: "message_text_on_a_c_locale_terminal",
            fixture: "intl.mbox",
            args: &["-n", "-f", "box"],
            rc: "",
            keys: &["p 1\n", "p 2\n", "x\n"],
            rows: 24,
            cols: 80,
            lang: "C",
            expect: "GrM-CM-<M-CM^_e",
        },
        TtyCase {
            name: "interrupt_at_the_prompt",
            fixture: "m3.mbox",
            args: &["-n", "-N", "-f", "box"],
            rc: "",
            keys: &["\x03", "=\n", "q\n"],
            rows: 24,
            cols: 80,
            lang: "C.UTF-8",
            expect: "Interrupt",
        },
    ]
}

#[test]
fn read_mode_on_a_terminal_matches_bsd_mailx() {
    require!(Req::BsdMailx);
    let ours = PathBuf::from(env!("CARGO_BIN_EXE_mailx"));
    let mut failures = Vec::new();
    for c in cases() {
        // Timing on a loaded machine can split output differently; retry once.
        let mut diff = None;
        for _ in 0..2 {
            let Some(a) = run_tty(bsd_mailx(), &c, "bsd") else {
                return;
            };
            let b = run_tty(&ours, &c, "ours").unwrap();
            if !b.screen.contains(c.expect) {
                diff = Some(format!(
                    "=== {}: our screen lacks {:?}:\n{}",
                    c.name, c.expect, b.screen
                ));
                continue;
            }
            if a == b {
                diff = None;
                break;
            }
            diff = Some(format!(
                "=== {}\n--- bsd-mailx (status {:?}):\n{}\n--- ours (status {:?}):\n{}\n--- files equal: {}",
                c.name,
                a.status,
                a.screen,
                b.status,
                b.screen,
                a.files == b.files
            ));
        }
        if let Some(d) = diff {
            failures.push(d);
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
