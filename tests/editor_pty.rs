//! The line editor as the user sees it (issue 17), on a pseudo-terminal
//! with TERM=xterm: what is sent and, through a terminal emulator (vt100),
//! what is drawn where and where the cursor is. Header prompts pre-filled
//! and editable (`~h`, `ask`), arrow keys at a header prompt, the reply
//! preview shown before any key is typed, long lines with wide characters
//! at 40 columns and after a resize, ^R/^S history search, the history file
//! trimmed and free of passwords, and the pager chosen by displayed rows.

mod common;
use common::{Pty, TempDir};
use std::num::NonZeroU16;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

const OURS: &str = env!("CARGO_BIN_EXE_mailx");
const LEFT: &str = "\x1b[D";
const UP: &str = "\x1b[A";

fn write_exec(path: &Path, text: &str) {
    std::fs::write(path, text).unwrap();
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
}

/// A session on a pty of `rows`×`cols`: ours, HOME and MAILRC in `dir`,
/// sendmail a script that keeps the message in `dir/sent`.
fn start(dir: &TempDir, args: &[&str], rc: &str, rows: u16, cols: u16) -> Option<Pty> {
    let sm = dir.join("fakesm");
    write_exec(&sm, &format!("#!/bin/sh\ncat > {}/sent\n", dir.display()));
    let rcfile = dir.join("rc");
    std::fs::write(
        &rcfile,
        format!(
            "set sendmail={}\nunset ask asksub askcc askbcc crt\n{rc}",
            sm.display()
        ),
    )
    .unwrap();
    let mut cmd = Command::new(OURS);
    cmd.args(args)
        .env("HOME", dir.path())
        .env("MAILRC", &rcfile)
        .env("TERM", "xterm")
        .env("LANG", "C.UTF-8")
        .env("PAGER", dir.join("pager"))
        .env_remove("LC_ALL")
        .env_remove("MAIL");
    write_exec(
        &dir.join("pager"),
        &format!("#!/bin/sh\necho PAGER-RAN\ncat > {}/paged\n", dir.display()),
    );
    Pty::spawn(cmd, Some((rows, cols)), true)
}

/// The screen as a terminal of `rows`×`cols` shows `bytes`.
fn emulate(bytes: &[u8], rows: u16, cols: u16) -> vt100::Parser {
    let mut p = vt100::Parser::new(nz(rows), nz(cols), 0);
    p.process(bytes);
    p
}

/// The row the cursor is on, trailing blanks removed, and the cursor column.
fn cursor_line(p: &vt100::Parser) -> (String, u16) {
    let s = p.screen();
    let (row, col) = s.cursor_position();
    let (_, cols) = s.size();
    let text = s.contents_between(row, 0, row, cols.get());
    (text.trim_end().to_string(), col)
}

fn nz(n: u16) -> NonZeroU16 {
    NonZeroU16::new(n).expect("a size")
}

fn settle() {
    std::thread::sleep(Duration::from_millis(300));
}

fn expect(p: &mut Pty, s: &str) {
    if let Err(e) = p.expect(s) {
        panic!("{e}");
    }
}

fn sent(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.join("sent")).unwrap_or_default()
}

fn mbox(dir: &TempDir) -> String {
    let f = dir.join("mbox");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/read/m3.mbox"),
        &f,
    )
    .unwrap();
    f.display().to_string()
}

#[test]
fn tilde_h_keeps_every_value_on_enter() {
    let dir = TempDir::new("ed-keep");
    let Some(mut p) = start(&dir, &["-s", "keep me", "alice"], "", 24, 80) else {
        return;
    };
    settle();
    p.send("body\n~h\n");
    expect(&mut p, "To: ");
    settle();
    let (line, col) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!(
        (line.as_str(), col),
        ("To: alice", 9),
        "the value is in the line"
    );
    p.send("\r");
    expect(&mut p, "Subject: ");
    settle();
    let (line, col) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!((line.as_str(), col), ("Subject: keep me", 16));
    p.send("\r");
    expect(&mut p, "Cc: ");
    p.send("\r");
    expect(&mut p, "Bcc: ");
    p.send("\r");
    settle();
    p.send("~p\n");
    expect(&mut p, "Message contains:");
    expect(&mut p, "body");
    let shown = String::from_utf8_lossy(&p.screen()).into_owned();
    assert!(
        shown.contains("To: alice\r\nSubject: keep me\r\n"),
        "{shown}"
    );
    p.ctrl('d');
    let (st, screen) = p.finish(Duration::from_secs(10));
    assert!(st.success(), "{st:?}: {}", String::from_utf8_lossy(&screen));
    let m = sent(&dir);
    assert!(
        m.contains("To: alice\n") && m.contains("Subject: keep me\n"),
        "{m}"
    );
}

#[test]
fn tilde_h_values_can_be_edited() {
    let dir = TempDir::new("ed-edit");
    let Some(mut p) = start(&dir, &["-s", "keep me", "alice"], "", 24, 80) else {
        return;
    };
    settle();
    p.send("body\n~h\n");
    expect(&mut p, "To: ");
    // ^U erases the value, Backspace what is shown.
    p.send("\x15bob\r");
    expect(&mut p, "Subject: ");
    p.send("\x7f\x7fbook");
    settle();
    let (line, col) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!((line.as_str(), col), ("Subject: keep book", 18));
    p.send("\r");
    expect(&mut p, "Cc: ");
    p.send("carol\r");
    expect(&mut p, "Bcc: ");
    p.send("\r");
    settle();
    p.ctrl('d');
    let (st, screen) = p.finish(Duration::from_secs(10));
    assert!(st.success(), "{st:?}: {}", String::from_utf8_lossy(&screen));
    let m = sent(&dir);
    assert!(m.contains("To: bob\n"), "{m}");
    assert!(m.contains("Subject: keep book\n"), "{m}");
    assert!(m.contains("Cc: carol\n"), "{m}");
}

#[test]
fn arrow_keys_edit_the_subject_prompt() {
    let dir = TempDir::new("ed-ask");
    let Some(mut p) = start(&dir, &["alice"], "set ask\n", 24, 80) else {
        return;
    };
    expect(&mut p, "Subject: ");
    p.send(format!("helo{LEFT}l"));
    settle();
    let (line, col) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!((line.as_str(), col), ("Subject: hello", 13));
    p.send("\rtext\n");
    settle();
    p.ctrl('d');
    let (st, screen) = p.finish(Duration::from_secs(10));
    assert!(st.success(), "{st:?}: {}", String::from_utf8_lossy(&screen));
    let m = sent(&dir);
    assert!(m.contains("Subject: hello\n"), "{m}");
    assert!(!m.contains('\x1b'), "{m}");
}

#[test]
fn the_reply_preview_shows_before_any_key() {
    let dir = TempDir::new("ed-reply");
    let f = mbox(&dir);
    let Some(mut p) = start(&dir, &["-f", &f], "", 24, 80) else {
        return;
    };
    expect(&mut p, "& ");
    p.send("r 1\n");
    // Nothing more is typed: the preview must be on the screen already.
    expect(&mut p, "Content-Transfer-Encoding: 8bit");
    settle();
    let screen = emulate(&p.screen(), 24, 80);
    let text = screen.screen().contents();
    assert!(
        text.contains("To: alice@example.org bob@example.org"),
        "{text}"
    );
    assert!(text.contains("Subject: Re: first message"), "{text}");
}

/// The rows the terminal shows, trailing blanks removed, blank rows dropped.
fn rows(p: &vt100::Parser) -> Vec<String> {
    p.screen()
        .rows(0, p.screen().size().1.get())
        .map(|r| r.trim_end().to_string())
        .filter(|r| !r.is_empty())
        .collect()
}

#[test]
fn a_long_line_with_wide_characters_wraps_at_40_columns() {
    let dir = TempDir::new("ed-long");
    let f = mbox(&dir);
    let Some(mut p) = start(&dir, &["-N", "-f", &f], "", 12, 40) else {
        return;
    };
    expect(&mut p, "& ");
    // "& echo " is 7 columns; 20 wide characters take 40 more: the one
    // that would start in column 39 goes to the next row.
    let wide = "漢".repeat(20);
    p.send(format!("echo {wide}abc"));
    settle();
    let screen = emulate(&p.screen(), 12, 40);
    let r = rows(&screen);
    assert_eq!(
        r[r.len() - 2..],
        [
            format!("& echo {}", "漢".repeat(16)),
            format!("{}abc", "漢".repeat(4))
        ],
        "drawn once, wrapped"
    );
    let first = screen.screen().cursor_position().0 - 1;
    assert_eq!(screen.screen().cursor_position(), (first + 1, 11));
    // Editing in the middle redraws the line in place.
    p.send(format!("{LEFT}{LEFT}{LEFT}{LEFT}e\u{301}"));
    settle();
    let screen = emulate(&p.screen(), 12, 40);
    let r = rows(&screen);
    assert_eq!(
        r[r.len() - 2..],
        [
            format!("& echo {}", "漢".repeat(16)),
            format!("{}e\u{301}漢abc", "漢".repeat(3))
        ]
    );
    assert_eq!(screen.screen().cursor_position(), (first + 1, 7));
    // A narrower window: the next key redraws at the new width.
    let before = p.screen().len();
    p.resize(12, 30);
    settle();
    p.send("\x1b[F");
    settle();
    let all = p.screen();
    let mut t = emulate(&all[..before], 12, 40);
    t.screen_mut().set_size(nz(12), nz(30));
    t.process(&all[before..]);
    let r = rows(&t);
    let at = r
        .iter()
        .position(|l| l.starts_with("& echo"))
        .expect("the line");
    let joined: String = r[at..].concat();
    assert_eq!(
        joined,
        format!("& echo {}e\u{301}漢abc", "漢".repeat(19)),
        "{r:?}"
    );
    assert_eq!(r.len() - at, 2, "two rows of 30: {r:?}");
    assert_eq!(
        r[at],
        format!("& echo {}", "漢".repeat(11)),
        "a wide character never straddles the edge"
    );
    p.send("\r");
    expect(&mut p, "\n");
    expect(&mut p, "abc");
    p.send("x\n");
    p.finish(Duration::from_secs(10));
}

fn history(dir: &TempDir, lines: &[&str]) {
    let f = dir.join(".mailx_history");
    std::fs::write(
        &f,
        lines.iter().map(|l| format!("{l}\n")).collect::<String>(),
    )
    .unwrap();
    std::fs::set_permissions(&f, std::fs::Permissions::from_mode(0o600)).unwrap();
}

#[test]
fn ctrl_r_finds_an_older_command_and_ctrl_s_a_newer_one() {
    let dir = TempDir::new("ed-search");
    let f = mbox(&dir);
    history(
        &dir,
        &["echo alpha-1", "echo beta", "echo alpha-2", "echo gamma"],
    );
    let Some(mut p) = start(&dir, &["-N", "-f", &f], "", 24, 80) else {
        return;
    };
    expect(&mut p, "& ");
    p.ctrl('r');
    p.send("alp");
    settle();
    let (line, col) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!(line, "(reverse-i-search)`alp': echo alpha-2");
    assert_eq!(col, 30, "the cursor is on the match");
    p.ctrl('r');
    settle();
    let (line, _) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!(line, "(reverse-i-search)`alp': echo alpha-1");
    p.ctrl('s');
    settle();
    let (line, _) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!(line, "(i-search)`alp': echo alpha-2");
    p.ctrl('r');
    p.ctrl('r');
    p.send("\r");
    expect(&mut p, "alpha-1");
    settle();
    let screen = emulate(&p.screen(), 24, 80);
    let r = rows(&screen);
    assert_eq!(
        r[r.len() - 3..],
        ["& echo alpha-1", "alpha-1", "&"],
        "{r:?}"
    );
    // ^G gives the line back; another key keeps the line found.
    p.send("keep");
    p.ctrl('r');
    p.send("gam");
    p.ctrl('g');
    settle();
    let (line, _) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!(line, "& keep");
    p.ctrl('u');
    p.ctrl('r');
    p.send("bet");
    p.ctrl('e');
    p.send("!\r");
    expect(&mut p, "beta!");
    p.send("x\n");
    p.finish(Duration::from_secs(10));
}

#[test]
fn the_history_file_is_trimmed_and_keeps_no_password() {
    let dir = TempDir::new("ed-hist");
    let f = mbox(&dir);
    let old: Vec<String> = (0..10).map(|i| format!("echo old-{i}")).collect();
    history(&dir, &old.iter().map(String::as_str).collect::<Vec<_>>());
    let Some(mut p) = start(&dir, &["-N", "-f", &f], "set history-size=3\n", 24, 80) else {
        return;
    };
    expect(&mut p, "& ");
    p.send("echo one\r");
    expect(&mut p, "& ");
    p.send("set smtp-auth-password=hunter2\r");
    expect(&mut p, "& ");
    p.send("set imap-password=sesame\r");
    expect(&mut p, "& ");
    // Up shows the last line kept, not a password.
    p.send(UP);
    settle();
    let (line, _) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!(line, "& echo one");
    p.send("\x15echo two\r");
    expect(&mut p, "two");
    p.send("x\r");
    let (st, screen) = p.finish(Duration::from_secs(10));
    assert!(st.success(), "{st:?}: {}", String::from_utf8_lossy(&screen));
    let h = dir.join(".mailx_history");
    let text = std::fs::read_to_string(&h).unwrap();
    assert_eq!(text, "echo one\necho two\nx\n");
    let mode = std::fs::metadata(&h).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600);
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert!(
        names.iter().all(|e| !e
            .as_ref()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .contains(".tmp")),
        "no temporary file left"
    );
}

#[test]
fn the_pager_is_chosen_by_displayed_rows() {
    let dir = TempDir::new("ed-pager");
    let text: String = (0..10)
        .map(|i| format!("{i}{}\n", "x".repeat(150)))
        .collect();
    let b64 = data_encoding_b64(text.as_bytes());
    let raw = format!(
        "From bob@example.org Mon Jan  1 10:00:00 2024\nFrom: bob@example.org\nSubject: coded\n\
         MIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\n\
         Content-Transfer-Encoding: base64\n\n{b64}\n"
    );
    assert!(raw.lines().count() > 30, "raw lines over crt");
    let f = dir.join("mbox");
    std::fs::write(&f, raw).unwrap();
    let f = f.display().to_string();
    let Some(mut p) = start(&dir, &["-N", "-f", &f], "set crt=25\n", 40, 200) else {
        return;
    };
    expect(&mut p, "& ");
    p.send("p 1\r");
    expect(&mut p, "9xxx");
    expect(&mut p, "& ");
    p.send("x\r");
    let (_, screen) = p.finish(Duration::from_secs(10));
    let screen = String::from_utf8_lossy(&screen);
    assert!(!screen.contains("PAGER-RAN"), "{screen}");
}

#[test]
fn tilde_p_lists_the_attachments_and_tilde_at_says_what_it_wants() {
    let dir = TempDir::new("ed-attach");
    std::fs::write(dir.join("a.txt"), "hello\n").unwrap();
    std::fs::write(dir.join("b.bin"), [0u8, 1, 2, 3]).unwrap();
    let a = dir.join("a.txt").display().to_string();
    let b = dir.join("b.bin").display().to_string();
    let Some(mut p) = start(&dir, &["-A", &a, "-s", "x", "alice"], "", 40, 100) else {
        return;
    };
    settle();
    p.send("body\n~@\n");
    expect(&mut p, "Attach what file?");
    p.send(format!("~@ {b}\n~p\n"));
    expect(&mut p, "#2:");
    settle();
    let screen = emulate(&p.screen(), 40, 100);
    let text = screen.screen().contents();
    assert!(text.contains("Content-Type: multipart/mixed\n"), "{text}");
    assert!(!text.contains("Content-Type: text/plain"), "{text}");
    assert!(text.contains("Attachments:\n"), "{text}");
    assert!(
        text.contains(&format!("#1: a.txt [{a} -- text/plain, 6 bytes]")),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "#2: b.bin [{b} -- application/octet-stream, 4 bytes]"
        )),
        "{text}"
    );
    p.send("~x\n");
    p.finish(Duration::from_secs(10));
}

#[test]
fn tilde_help_has_one_column_for_the_descriptions() {
    let dir = TempDir::new("ed-tildehelp");
    let Some(mut p) = start(&dir, &["-s", "x", "alice"], "", 40, 100) else {
        return;
    };
    settle();
    p.send("~?\n");
    expect(&mut p, "Simulate end of file");
    settle();
    let screen = emulate(&p.screen(), 40, 100);
    let r = rows(&screen);
    let lines: Vec<&String> = r
        .iter()
        .filter(|l| l.starts_with('~') && l.contains("  "))
        .collect();
    assert!(lines.len() > 20, "{r:?}");
    let col = |l: &str| {
        let chars: Vec<char> = l.chars().collect();
        (1..chars.len())
            .find(|&i| chars[i - 1] == ' ' && chars[i] == ' ')
            .map(|i| {
                let mut j = i;
                while chars[j] == ' ' {
                    j += 1;
                }
                j
            })
    };
    let first = col(lines[0]).expect("a description column");
    for l in &lines {
        assert_eq!(col(l), Some(first), "{l:?} in {r:?}");
    }
    assert!(r.iter().any(|l| l.contains("~r !command  Read")), "{r:?}");
    p.send("~x\n");
    p.finish(Duration::from_secs(10));
}

#[test]
fn help_is_grouped_with_short_forms_and_paged() {
    let dir = TempDir::new("ed-help");
    let f = mbox(&dir);
    let Some(mut p) = start(&dir, &["-N", "-f", &f], "", 24, 80) else {
        return;
    };
    expect(&mut p, "& ");
    p.send("help\r");
    expect(&mut p, "PAGER-RAN");
    expect(&mut p, "& ");
    p.send("x\r");
    let (_, screen) = p.finish(Duration::from_secs(10));
    let screen = String::from_utf8_lossy(&screen);
    assert!(
        !screen.contains("Reading messages"),
        "paged, not printed: {screen}"
    );
    let paged = std::fs::read_to_string(dir.join("paged")).unwrap();
    let groups: Vec<&str> = paged
        .lines()
        .skip(1)
        .filter(|l| l.ends_with(':') && !l.starts_with(' '))
        .collect();
    assert_eq!(
        groups,
        [
            "Reading messages:",
            "Sorting and threads:",
            "Marking and deleting:",
            "Sending:",
            "Saving and folders:",
            "Settings:",
            "Leaving and other commands:"
        ]
    );
    assert!(paged.contains("  p(rint) [msglist]"), "{paged}");
    assert!(paged.contains("  r(eply), res(pond) [message]"), "{paged}");
    assert!(paged.contains("  sor(t) [date|"), "{paged}");
}

/// Base64 in lines of 76 (no crate needed for a test).
fn data_encoding_b64(data: &[u8]) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for c in data.chunks(3) {
        let n = (u32::from(c[0]) << 16)
            | (u32::from(*c.get(1).unwrap_or(&0)) << 8)
            | u32::from(*c.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= c.len() {
                out.push(A[(n >> (18 - 6 * i) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out.as_bytes()
        .chunks(76)
        .map(|l| String::from_utf8_lossy(l).into_owned())
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn tab_completes_commands_files_and_aliases() {
    let dir = TempDir::new("ed-tab");
    let f = mbox(&dir);
    std::fs::write(dir.join("longfile-name.txt"), "x").unwrap();
    let rc = "alias team a@example.org\nalias tom t@example.org\n";
    let Some(mut p) = start(&dir, &["-N", "-f", &f], rc, 24, 80) else {
        return;
    };
    expect(&mut p, "& ");
    // A command name.
    p.send("vers\t");
    settle();
    let (line, col) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!((line.as_str(), col), ("& version", 10));
    p.send("\x15");
    // A file name after a command that takes one.
    p.send(format!("echo {}/longf\t", dir.display()));
    settle();
    let (line, _) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!(line, format!("& echo {}/longfile-name.txt", dir.display()));
    p.send("\r");
    expect(&mut p, "longfile-name.txt\r\n");
    expect(&mut p, "& ");
    // An alias: "t" is shared, so a first Tab adds nothing and a second
    // lists both under the line, which is drawn again below.
    p.send("alias t\t\t");
    settle();
    let r = rows(&emulate(&p.screen(), 24, 80));
    assert_eq!(r[r.len() - 2..], ["team  tom", "& alias t"], "{r:?}");
    p.send("e\t");
    settle();
    let (line, col) = cursor_line(&emulate(&p.screen(), 24, 80));
    assert_eq!((line.as_str(), col), ("& alias team", 13));
    p.send("\r");
    expect(&mut p, "a@example.org");
    p.send("x\r");
    p.finish(Duration::from_secs(10));
}
