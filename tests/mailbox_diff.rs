//! Differential tests: the mailbox engine against the installed
//! /usr/bin/bsd-mailx (header counts and flags, print/save output, and
//! the files left after quit). Skipped with a message when bsd-mailx is
//! not installed.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use mailx::mailbox::{Mailbox, MsgFlags, QuitOptions, RenderOptions, quit, render::render_message};

const BSD: &str = "/usr/bin/bsd-mailx";

fn have_bsd() -> bool {
    if Path::new(BSD).exists() {
        true
    } else {
        eprintln!("skipping: {BSD} is not installed");
        false
    }
}

fn fixtures() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut v: Vec<PathBuf> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "mbox"))
        .collect();
    v.sort();
    v
}

fn tmpdir(tag: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!(
        "mailx-diff-{tag}-{}-{:?}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    fs::create_dir_all(&d).unwrap();
    d
}

/// Runs bsd-mailx with `args`, feeding `input`; HOME is `home`, and MAIL
/// is set when `mail` is given. Returns stdout.
fn bsd(args: &[&str], input: &str, home: &Path, mail: Option<&Path>) -> Vec<u8> {
    let mut c = Command::new(BSD);
    c.env_clear()
        .env("PATH", "/usr/bin:/bin")
        .env("HOME", home)
        .env("MAILRC", "/dev/null")
        .env("USER", "root")
        .env("LANG", "C")
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    if let Some(m) = mail {
        c.env("MAIL", m);
    }
    let mut ch = c.spawn().unwrap();
    ch.stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = ch.wait_with_output().unwrap();
    out.stdout
}

/// (status char, lines, size) per message from `f *` output.
fn bsd_summary(path: &Path, home: &Path) -> Vec<(char, u64, u64)> {
    let out = bsd(
        &["-n", "-N", "-f", path.to_str().unwrap()],
        "f *\nx\n",
        home,
        None,
    );
    let text = String::from_utf8_lossy(&out);
    let mut v = Vec::new();
    for line in text.lines() {
        let b = line.as_bytes();
        if b.len() < 50
            || !(b[0] == b'>' || b[0] == b' ')
            || !b[2..5].iter().any(u8::is_ascii_digit)
        {
            continue;
        }
        let rest = &line[42..];
        let (l, s) = rest.split_once('/').unwrap();
        let s: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        v.push((b[1] as char, l.trim().parse().unwrap(), s.parse().unwrap()));
    }
    v
}

/// printhead's status character.
fn status_char(f: MsgFlags) -> char {
    let mut c = ' ';
    if f.contains(MsgFlags::SAVED) {
        c = '*';
    }
    if f.contains(MsgFlags::PRESERVE) {
        c = 'P';
    }
    if (f & (MsgFlags::READ | MsgFlags::NEW)) == MsgFlags::NEW {
        c = 'N';
    }
    if (f & (MsgFlags::READ | MsgFlags::NEW)).is_empty() {
        c = 'U';
    }
    if f.contains(MsgFlags::MBOX) {
        c = 'M';
    }
    c
}

#[test]
fn header_counts_match_bsd_mailx() {
    if !have_bsd() {
        return;
    }
    let home = tmpdir("h");
    for fx in fixtures() {
        let copy = home.join("box");
        fs::copy(&fx, &copy).unwrap();
        let theirs = bsd_summary(&copy, &home);
        let mb = Mailbox::open(&copy).unwrap();
        let ours: Vec<(char, u64, u64)> = mb
            .entries()
            .iter()
            .map(|e| (status_char(e.flags), e.lines, e.size))
            .collect();
        assert_eq!(ours, theirs, "fixture {}", fx.display());
    }
    fs::remove_dir_all(&home).unwrap();
}

/// A user action, done by bsd-mailx commands and by flag changes here
/// (the flag changes are those of bsd-mailx's cmd*.c).
#[derive(Clone, Copy, Debug)]
enum Op {
    Print(usize),
    Delete(usize),
    Save(usize),
    Preserve(usize),
    Mbox(usize),
}

fn touch(f: &mut MsgFlags) {
    f.insert(MsgFlags::TOUCH);
    if !f.contains(MsgFlags::READ) {
        f.insert(MsgFlags::READ | MsgFlags::STATUS);
    }
}

fn apply(mb: &mut Mailbox, op: Op, saved: &Path) {
    match op {
        Op::Print(i) => touch(mb.flags_mut(i - 1)),
        Op::Delete(i) => {
            let f = mb.flags_mut(i - 1);
            touch(f);
            f.insert(MsgFlags::DELETED | MsgFlags::TOUCH);
            f.remove(MsgFlags::PRESERVE | MsgFlags::SAVED | MsgFlags::MBOX);
        }
        Op::Save(i) => {
            touch(mb.flags_mut(i - 1));
            let mut out = fs::OpenOptions::new()
                .append(true)
                .create(true)
                .open(saved)
                .unwrap();
            render_message(
                mb,
                i - 1,
                mb.flags(i - 1),
                &RenderOptions::default(),
                &mut out,
            )
            .unwrap();
            mb.flags_mut(i - 1).insert(MsgFlags::SAVED);
        }
        Op::Preserve(i) => {
            let f = mb.flags_mut(i - 1);
            f.insert(MsgFlags::PRESERVE);
            f.remove(MsgFlags::MBOX);
        }
        Op::Mbox(i) => {
            // bsd-mailx's `mbox` sets MTOUCH but not MREAD.
            let f = mb.flags_mut(i - 1);
            f.insert(MsgFlags::MBOX | MsgFlags::TOUCH);
            f.remove(MsgFlags::PRESERVE);
        }
    }
}

fn command(op: Op, saved: &Path) -> String {
    match op {
        Op::Print(i) => format!("p {i}\n"),
        Op::Delete(i) => format!("d {i}\n"),
        Op::Save(i) => format!("s {i} {}\n", saved.display()),
        Op::Preserve(i) => format!("pre {i}\n"),
        Op::Mbox(i) => format!("mb {i}\n"),
    }
}

struct Scenario {
    ops: &'static [Op],
    hold: bool,
    keepsave: bool,
    append: bool,
}

/// Runs one scenario on both programs; compares stdout of quit, the
/// mailbox, mbox and the saved file.
fn run_scenario(fx: &Path, sc: &Scenario, system: bool) {
    let base = tmpdir("w");
    let (hb, hr) = (base.join("bsd"), base.join("rust"));
    for h in [&hb, &hr] {
        fs::create_dir_all(h).unwrap();
        fs::copy(fx, h.join("box")).unwrap();
        // An existing mbox, to see prepend/append.
        fs::write(
            h.join("mbox"),
            b"From old@x Mon Jan  1 00:00:00 2001\nSubject: old\n\nold\n\n",
        )
        .unwrap();
    }
    // bsd-mailx
    let mut input = String::new();
    for (v, on) in [
        ("hold", sc.hold),
        ("keepsave", sc.keepsave),
        ("append", sc.append),
    ] {
        if on {
            input += &format!("set {v}\n");
        }
    }
    for &op in sc.ops {
        input += &command(op, &hb.join("saved"));
    }
    input += "q\n";
    let boxb = hb.join("box");
    let out_b = if system {
        bsd(&["-n", "-N"], &input, &hb, Some(&boxb))
    } else {
        bsd(
            &["-n", "-N", "-f", boxb.to_str().unwrap()],
            &input,
            &hb,
            None,
        )
    };
    // Keep only quit's lines (drop the banner, file info, printed messages).
    let out_b = String::from_utf8_lossy(&out_b).into_owned();
    let tail_b: Vec<&str> = out_b
        .lines()
        // A printed message without a final newline runs into the next line.
        .map(|l| {
            if (l.ends_with(" complete") || l.ends_with(" truncated"))
                && let Some(p) = l.find("\"/")
            {
                return &l[p..];
            }
            for m in ["Saved ", "Held ", "New mail has arrived."] {
                if let Some(p) = l.find(m) {
                    return &l[p..];
                }
            }
            l
        })
        .filter(|l| {
            l.starts_with("Saved ")
                || l.starts_with("Held ")
                || l.starts_with("New mail")
                || l.ends_with(" complete")
                || l.ends_with(" truncated")
        })
        .collect();
    // ours
    let boxr = hr.join("box");
    let mut mb = Mailbox::open(&boxr).unwrap();
    for &op in sc.ops {
        apply(&mut mb, op, &hr.join("saved"));
    }
    let mut opts = QuitOptions::new(system, hr.join("mbox"));
    opts.hold = sc.hold;
    opts.keepsave = sc.keepsave;
    opts.append = sc.append;
    opts.lock.timeout = Duration::from_secs(2);
    opts.backup_dir = hr.clone();
    let mut out = Vec::new();
    let mut warn = Vec::new();
    quit(&mut mb, &opts, &mut out, &mut warn).unwrap();
    let out_r =
        String::from_utf8_lossy(&out).replace(&hr.display().to_string(), &hb.display().to_string());
    let tail_r: Vec<&str> = out_r.lines().collect();
    let what = format!(
        "fixture {} ops {:?} hold={} keepsave={} append={} system={system}",
        fx.display(),
        sc.ops,
        sc.hold,
        sc.keepsave,
        sc.append
    );
    assert_eq!(tail_r, tail_b, "quit output, {what}");
    for f in ["box", "mbox", "saved"] {
        let a = fs::read(hb.join(f)).ok();
        let b = fs::read(hr.join(f)).ok();
        assert!(
            a == b,
            "{f} differs, {what}\n--- bsd-mailx:\n{}\n--- ours:\n{}",
            String::from_utf8_lossy(&a.unwrap_or_default()),
            String::from_utf8_lossy(&b.unwrap_or_default())
        );
    }
    // Modes: bsd-mailx creates mbox 0600.
    use std::os::unix::fs::PermissionsExt;
    for f in ["box", "mbox"] {
        let a = fs::metadata(hb.join(f))
            .map(|m| m.permissions().mode())
            .ok();
        let b = fs::metadata(hr.join(f))
            .map(|m| m.permissions().mode())
            .ok();
        assert_eq!(a, b, "mode of {f}, {what}");
    }
    fs::remove_dir_all(&base).unwrap();
}

const SCENARIOS: &[Scenario] = &[
    Scenario {
        ops: &[],
        hold: false,
        keepsave: false,
        append: false,
    },
    Scenario {
        ops: &[Op::Print(1)],
        hold: false,
        keepsave: false,
        append: false,
    },
    Scenario {
        ops: &[Op::Print(1), Op::Delete(2)],
        hold: false,
        keepsave: false,
        append: true,
    },
    Scenario {
        ops: &[Op::Print(1), Op::Print(2), Op::Save(3)],
        hold: true,
        keepsave: false,
        append: false,
    },
    Scenario {
        ops: &[Op::Save(1), Op::Print(2)],
        hold: false,
        keepsave: true,
        append: false,
    },
    Scenario {
        ops: &[Op::Print(1), Op::Preserve(1), Op::Mbox(2)],
        hold: false,
        keepsave: false,
        append: true,
    },
    Scenario {
        ops: &[Op::Delete(1), Op::Delete(2)],
        hold: false,
        keepsave: false,
        append: false,
    },
];

#[test]
fn quit_matches_bsd_mailx() {
    if !have_bsd() {
        return;
    }
    for fx in fixtures() {
        let n = Mailbox::open(&fx).unwrap().len();
        for sc in SCENARIOS {
            if sc.ops.iter().any(|op| {
                let (Op::Print(i) | Op::Delete(i) | Op::Save(i) | Op::Preserve(i) | Op::Mbox(i)) =
                    *op;
                i > n
            }) {
                continue;
            }
            for system in [false, true] {
                if system && n == 0 {
                    // bsd-mailx says "No mail for root" and exits.
                    continue;
                }
                run_scenario(&fx, sc, system);
            }
        }
    }
}

#[test]
fn print_matches_bsd_mailx() {
    if !have_bsd() {
        return;
    }
    let home = tmpdir("p");
    for fx in fixtures() {
        let copy = home.join("box");
        fs::copy(&fx, &copy).unwrap();
        let mut mb = Mailbox::open(&copy).unwrap();
        for i in 0..mb.len() {
            let out = bsd(
                &["-n", "-N", "-f", copy.to_str().unwrap()],
                &format!("p {}\nx\n", i + 1),
                &home,
                None,
            );
            let marker = format!("Message {}:\n", i + 1);
            let pos = out
                .windows(marker.len())
                .position(|w| w == marker.as_bytes())
                .unwrap();
            let theirs = &out[pos + marker.len()..];
            touch(mb.flags_mut(i));
            let mut ours = Vec::new();
            render_message(&mb, i, mb.flags(i), &RenderOptions::default(), &mut ours).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(theirs),
                "fixture {} message {}",
                fx.display(),
                i + 1
            );
        }
    }
    fs::remove_dir_all(&home).unwrap();
}
