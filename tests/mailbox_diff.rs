//! Differential tests: the mailbox engine against the installed
//! /usr/bin/bsd-mailx (header counts and flags, print/save output, and
//! the files left after quit). Skipped with a message when bsd-mailx is
//! not installed (or failed under `MAILX_REQUIRE_ALL=1`).

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

mod common;
use common::{Req, TempDir, bsd_mailx, rng};
use mailx::mailbox::{
    Mailbox, MsgFlags, QuitOptions, RenderOptions, append_messages, quit, render::render_message,
};

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

/// Runs bsd-mailx with `args`, feeding `input`; HOME is `home`, and MAIL
/// is set when `mail` is given. Returns stdout.
fn bsd(args: &[&str], input: &str, home: &Path, mail: Option<&Path>) -> Vec<u8> {
    let mut c = Command::new(bsd_mailx());
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
/// One header summary line: status character, lines, size, and the date
/// column (`%16.16s` of the From_ line's date text).
type Summary = (char, u64, u64, String);

fn bsd_summary(path: &Path, home: &Path) -> Vec<Summary> {
    let out = bsd(
        &["-n", "-N", "-f", path.to_str().unwrap()],
        "f *\nx\n",
        home,
        None,
    );
    let mut v = Vec::new();
    for b in out.split(|&c| c == b'\n') {
        // "%c%c%3d %-17.17s  %16.16s %4d/%-5d %s": the counts start at 42.
        if b.len() < 50
            || !(b[0] == b'>' || b[0] == b' ')
            || !b[2..5].iter().any(u8::is_ascii_digit)
            || b[5] != b' '
        {
            continue;
        }
        let rest = String::from_utf8_lossy(&b[42..]).into_owned();
        let Some((l, s)) = rest.split_once('/') else {
            continue;
        };
        let s: String = s.chars().take_while(|c| c.is_ascii_digit()).collect();
        let date = String::from_utf8_lossy(&b[25..41]).into_owned();
        v.push((
            b[1] as char,
            l.trim().parse().unwrap(),
            s.parse().unwrap(),
            date,
        ));
    }
    v
}

#[test]
fn random_mailboxes_count_like_bsd_mailx() {
    require!(Req::BsdMailx);
    let home = TempDir::new("rnd");
    let mut rnd = rng(0x51f1_5eed_0bad_cafe);
    let pieces: [&[u8]; 16] = [
        b"From a@b Mon Jan  1 10:00:00 2001\n",
        b"From a@b Mon Jan  1 10:00:00 2001\r\n",
        b"From x y\n",
        b"From bare\n",
        b"From  two  spaces here\n",
        b"\n",
        b"\r\n",
        b"\r",
        b"Status: RO\n",
        b"Status: R\r\n",
        b"status :O\n",
        b"Subject: s\n",
        b"  folded\n",
        b"body text\n",
        b">From quoted\n",
        b"no newline",
    ];
    let mut compared = 0;
    for round in 0..120 {
        let mut data: Vec<u8> = b"From first@x Mon Jan  1 10:00:00 2001\n".to_vec();
        for _ in 0..rnd(300) {
            match rnd(30) {
                0 => {
                    let k = 8186 + rnd(12) as usize;
                    data.extend(std::iter::repeat_n(b'L', k));
                    data.extend_from_slice(if rnd(2) == 0 { b"\n" } else { b"\r\n" });
                }
                1 => data.extend((0..rnd(20)).map(|_| 1 + rnd(255) as u8)),
                _ => data.extend_from_slice(pieces[rnd(pieces.len() as u64) as usize]),
            }
        }
        let p = home.join("box");
        fs::write(&p, &data).unwrap();
        let mb = Mailbox::open(&p).unwrap();
        if mb.len() > 999 {
            continue;
        }
        let ours: Vec<Summary> = mb
            .entries()
            .iter()
            .enumerate()
            .map(|(i, e)| (status_char(e.flags), e.lines, e.size, date16(&mb, i)))
            .collect();
        let theirs = bsd_summary(&p, &home);
        if ours != theirs {
            let keep = home.join(format!("failed-{round}.mbox"));
            fs::write(&keep, &data).unwrap();
            panic!(
                "round {round} (kept in {}):\nours   {ours:?}\ntheirs {theirs:?}",
                keep.display()
            );
        }
        compared += ours.len();
        // Quit in edit mode (every new message gets a Status line, so the
        // file is rewritten through sendmessage) must give the same bytes.
        let (pb, pr) = (home.join("qb"), home.join("qr"));
        fs::write(&pb, &data).unwrap();
        fs::write(&pr, &data).unwrap();
        bsd(
            &["-n", "-N", "-f", pb.to_str().unwrap()],
            "q\n",
            &home,
            None,
        );
        let mut mb = Mailbox::open(&pr).unwrap();
        let o = QuitOptions::new(false, home.join("mbox"));
        quit(&mut mb, &o, &mut std::io::sink(), &mut std::io::sink()).unwrap();
        let (a, b) = (fs::read(&pb).unwrap(), fs::read(&pr).unwrap());
        if a != b {
            let keep = home.join(format!("failed-quit-{round}.mbox"));
            fs::write(&keep, &data).unwrap();
            panic!(
                "round {round}: quit output differs (input kept in {})",
                keep.display()
            );
        }
    }
    eprintln!("{compared} messages compared");
    assert!(compared > 500, "only {compared} messages compared");
}

/// Our date column: `%16.16s` of the From_ line's date text.
fn date16(mb: &Mailbox, i: usize) -> String {
    let d = mb.from_line(i).unwrap().date;
    let d = String::from_utf8_lossy(&d[..d.len().min(16)]).into_owned();
    format!("{d:>16}")
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
    require!(Req::BsdMailx);
    let home = TempDir::new("h");
    for fx in fixtures() {
        let copy = home.join("box");
        fs::copy(&fx, &copy).unwrap();
        let theirs = bsd_summary(&copy, &home);
        let mb = Mailbox::open(&copy).unwrap();
        let ours: Vec<Summary> = mb
            .entries()
            .iter()
            .enumerate()
            .map(|(i, e)| (status_char(e.flags), e.lines, e.size, date16(&mb, i)))
            .collect();
        assert_eq!(ours, theirs, "fixture {}", fx.display());
    }
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
            append_messages(mb, &[i - 1], saved, &RenderOptions::default(), false).unwrap();
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
    let base = TempDir::new("w");
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
    require!(Req::BsdMailx);
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
    require!(Req::BsdMailx);
    let home = TempDir::new("p");
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
}

#[test]
fn write_command_matches_bsd_mailx() {
    require!(Req::BsdMailx);
    let home = TempDir::new("wr");
    for fx in fixtures() {
        let mb = Mailbox::open(&fx).unwrap();
        for i in 0..mb.len() {
            let e = mb.entry(i);
            if e.body_offset >= e.offset + e.len {
                // No body: bsd-mailx's `write` then tests a stale byte of its
                // line buffer and may copy one byte of the next message.
                continue;
            }
            let theirs = home.join("w");
            let _ = fs::remove_file(&theirs);
            bsd(
                &["-n", "-N", "-f", fx.to_str().unwrap()],
                &format!("w {} {}\nx\n", i + 1, theirs.display()),
                &home,
                None,
            );
            let opts = RenderOptions {
                ignore_all: true,
                ..Default::default()
            };
            let mut ours = Vec::new();
            render_message(&mb, i, mb.flags(i), &opts, &mut ours).unwrap();
            let theirs = fs::read(&theirs).unwrap_or_default();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&theirs),
                "fixture {} message {}",
                fx.display(),
                i + 1
            );
        }
    }
}

#[test]
fn ignore_list_print_matches_bsd_mailx() {
    require!(Req::BsdMailx);
    let home = TempDir::new("ig");
    let fx = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/headers.mbox");
    let mut mb = Mailbox::open(&fx).unwrap();
    for (cmd, pred) in [
        (
            "ignore received status to\n",
            &(|n: &str| ["received", "status", "to"].contains(&n)) as &dyn Fn(&str) -> bool,
        ),
        (
            "retain subject\n",
            &(|n: &str| n != "subject") as &dyn Fn(&str) -> bool,
        ),
    ] {
        for i in 0..mb.len() {
            let out = bsd(
                &["-n", "-N", "-f", fx.to_str().unwrap()],
                &format!("{cmd}p {}\nx\n", i + 1),
                &home,
                None,
            );
            let marker = format!("Message {}:\n", i + 1);
            let pos = out
                .windows(marker.len())
                .position(|w| w == marker.as_bytes())
                .unwrap();
            touch(mb.flags_mut(i));
            let opts = RenderOptions {
                ignore: Some(pred),
                ..Default::default()
            };
            let mut ours = Vec::new();
            render_message(&mb, i, mb.flags(i), &opts, &mut ours).unwrap();
            assert_eq!(
                String::from_utf8_lossy(&ours),
                String::from_utf8_lossy(&out[pos + marker.len()..]),
                "{cmd} message {}",
                i + 1
            );
        }
    }
}

#[test]
fn new_mail_and_inc_match_bsd_mailx() {
    require!(Req::BsdMailx);
    let extra = b"From new@x Sat Jan  6 10:00:00 2001\nSubject: late\n\nlate body\n\n";
    for fx in fixtures() {
        let n = Mailbox::open(&fx).unwrap().len();
        if n == 0 {
            continue;
        }
        for (inc, system) in [(false, true), (true, true), (false, false), (true, false)] {
            let base = TempDir::new("nm");
            let (hb, hr) = (base.join("bsd"), base.join("rust"));
            for h in [&hb, &hr] {
                fs::create_dir_all(h).unwrap();
                fs::copy(&fx, h.join("box")).unwrap();
                fs::write(h.join("extra"), extra).unwrap();
            }
            let boxb = hb.join("box");
            let mut input = format!(
                "p 1\n!cat {} >> {}\n",
                hb.join("extra").display(),
                boxb.display()
            );
            if inc {
                input += "inc\nf *\n";
            }
            input += "q\n";
            let out = if system {
                bsd(&["-n", "-N"], &input, &hb, Some(&boxb))
            } else {
                bsd(
                    &["-n", "-N", "-f", boxb.to_str().unwrap()],
                    &input,
                    &hb,
                    None,
                )
            };
            let out = String::from_utf8_lossy(&out).into_owned();
            // ours
            let boxr = hr.join("box");
            let mut mb = Mailbox::open(&boxr).unwrap();
            touch(mb.flags_mut(0));
            let mut f = fs::OpenOptions::new().append(true).open(&boxr).unwrap();
            f.write_all(extra).unwrap();
            drop(f);
            if inc {
                assert_eq!(mb.incorporate_new().unwrap(), 1);
                let e = mb.entry(n);
                let want = format!("{:4}/{:<5}", e.lines, e.size);
                assert!(
                    out.contains(&format!("{want} late")),
                    "inc counts {want}, fixture {}:\n{out}",
                    fx.display()
                );
            }
            let mut opts = QuitOptions::new(system, hr.join("mbox"));
            opts.lock.timeout = Duration::from_secs(2);
            opts.backup_dir = hr.clone();
            let mut qout = Vec::new();
            quit(&mut mb, &opts, &mut qout, &mut Vec::new()).unwrap();
            let qout = String::from_utf8(qout)
                .unwrap()
                .replace(&hr.display().to_string(), &hb.display().to_string());
            for l in qout.lines() {
                assert!(out.contains(l), "missing {l:?} in bsd-mailx output:\n{out}");
            }
            assert_eq!(
                out.contains("New mail has arrived."),
                qout.contains("New mail has arrived.")
            );
            // Deliberate difference: when the old last message does not end
            // with an empty line, bsd-mailx glues the new mail to it
            // ("lastFrom new@x ...", and after `inc` it even writes the
            // From_ line twice); we put an empty line in between. Check
            // that ours reads back with every message instead.
            if !fs::read(&fx).unwrap().ends_with(b"\n\n") {
                let again = Mailbox::open(&boxr).unwrap();
                let kept = if system { n } else { n + 1 };
                // (Can be more: a From_-like line inside a header block
                // becomes a message of its own once the Status line and an
                // empty line are put before it, as bsd-mailx does.)
                assert!(again.len() >= kept, "fixture {}", fx.display());
                assert!(inc || fs::read(&boxr).unwrap().ends_with(extra));
                continue;
            }
            for f in ["box", "mbox"] {
                let a = fs::read(hb.join(f)).ok();
                let b = fs::read(hr.join(f)).ok();
                assert!(
                    a == b,
                    "{f} differs, fixture {} inc={inc} system={system}\n--- bsd-mailx:\n{}\n--- ours:\n{}",
                    fx.display(),
                    String::from_utf8_lossy(&a.unwrap_or_default()),
                    String::from_utf8_lossy(&b.unwrap_or_default())
                );
            }
        }
    }
}

/// A mailbox big enough to be scanned by parallel threads (over 32 MiB)
/// and a `from *` long enough for the header read-ahead thread: the whole
/// summary, `p $` and the counts must be bsd-mailx's, byte for byte. The
/// messages put `From ` lines that are not From_ lines, CRLF empty lines
/// and long lines near every possible split point.
#[test]
fn big_mailbox_summary_matches_bsd_mailx() {
    require!(Req::BsdMailx);
    let home = TempDir::new("big");
    let mut rnd = rng(0x0dd_ba11_c0ff_ee00);
    let mut data: Vec<u8> = Vec::with_capacity(40 << 20);
    let mut n = 0;
    while data.len() < (36 << 20) {
        n += 1;
        let crlf = rnd(20) == 0;
        let nl: &[u8] = if crlf { b"\r\n" } else { b"\n" };
        data.extend_from_slice(
            format!(
                "From user{}@example.org Mon Jan  1 10:00:{:02} 2001",
                rnd(50),
                n % 60
            )
            .as_bytes(),
        );
        data.extend_from_slice(nl);
        data.extend_from_slice(
            format!("From: User {} <u{}@example.org>", rnd(9), rnd(99)).as_bytes(),
        );
        data.extend_from_slice(nl);
        data.extend_from_slice(format!("Subject: message {n} of the big box").as_bytes());
        data.extend_from_slice(nl);
        if rnd(3) == 0 {
            data.extend_from_slice(b"Status: RO");
            data.extend_from_slice(nl);
        }
        data.extend_from_slice(nl);
        for _ in 0..rnd(120) {
            match rnd(40) {
                0 => {
                    data.extend_from_slice(nl);
                    data.extend_from_slice(b"From here on the text goes on");
                    data.extend_from_slice(nl);
                }
                1 => {
                    data.extend_from_slice(nl);
                    data.extend_from_slice(b"From bare");
                    data.extend_from_slice(nl);
                }
                2 => {
                    data.extend(std::iter::repeat_n(b'L', 8180 + rnd(30) as usize));
                    data.extend_from_slice(nl);
                }
                3 => data.extend_from_slice(b">From quoted\n"),
                _ => {
                    data.extend(std::iter::repeat_n(b'x', rnd(70) as usize));
                    data.extend_from_slice(nl);
                }
            }
        }
        data.extend_from_slice(nl);
    }
    let p = home.join("big.mbox");
    fs::write(&p, &data).unwrap();
    let run_ours_in = |input: &str, cache: &Path| -> Vec<u8> {
        let mut c = Command::new(env!("CARGO_BIN_EXE_mailx"));
        c.env_clear()
            .env("PATH", "/usr/bin:/bin")
            .env("HOME", &home)
            .env("XDG_CACHE_HOME", cache)
            .env("MAILRC", "/dev/null")
            .env("USER", "root")
            .env("LANG", "C")
            .args(["-n", "-N", "-f", p.to_str().unwrap()])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let mut ch = c.spawn().unwrap();
        ch.stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        ch.wait_with_output().unwrap().stdout
    };
    let cache = home.join("cache");
    let run_ours = |input: &str| run_ours_in(input, &cache);
    let inputs = [
        "f *\nx\n",
        "p $\nx\n",
        "h $\nf 1-300\np 4000\nx\n",
        // The two-thread summary with showname, a deleted message, dot in
        // the middle and messages read in this session.
        "set showname\nd 7\np 900\nf *\nx\n",
        "p 1000\nf 980-1300 4000-4400\nx\n",
    ];
    // The banner names our version (an intended difference).
    let skip_banner = |v: Vec<u8>| -> Vec<u8> {
        match v.iter().position(|&c| c == b'\n') {
            Some(k) if v.starts_with(b"Mail version ") => v[k + 1..].to_vec(),
            _ => v,
        }
    };
    let mut all_theirs = Vec::new();
    for input in inputs {
        let theirs = skip_banner(bsd(
            &["-n", "-N", "-f", p.to_str().unwrap()],
            input,
            &home,
            None,
        ));
        let ours = skip_banner(run_ours(input));
        assert!(
            theirs.len() > 100,
            "{input:?}: bsd-mailx printed too little"
        );
        if ours != theirs {
            let keep = home.join("ours.out");
            fs::write(&keep, &ours).unwrap();
            fs::write(home.join("theirs.out"), &theirs).unwrap();
            panic!("{input:?}: output differs (kept in {})", home.display());
        }
        all_theirs.push(theirs);
    }
    // An index cache is made once the file is two seconds old (a change
    // in the same clock tick could go unseen: see index_cache's tests),
    // and opening through it gives the same output.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let _ = fs::remove_dir_all(&cache);
    run_ours("x\n");
    assert_eq!(fs::read_dir(cache.join("mailx")).unwrap().count(), 1);
    for (input, theirs) in inputs.iter().zip(&all_theirs) {
        let ours = skip_banner(run_ours(input));
        assert!(
            ours == *theirs,
            "{input:?}: output differs with the index cache"
        );
    }
    // Changed in place, same size: the cache is not used (the file's
    // times changed), the change is seen.
    let at = memchr::memmem::find(&data[20 << 20..], b"Subject: message ").unwrap() + (20 << 20);
    let f = fs::OpenOptions::new().write(true).open(&p).unwrap();
    std::os::unix::fs::FileExt::write_at(&f, b"SUBJECT: MESSAGE ", at as u64).unwrap();
    drop(f);
    let no_cache = home.join("no-cache");
    for input in ["f *\nx\n", "p $\nx\n"] {
        let fresh = run_ours_in(input, &no_cache);
        assert!(run_ours(input) == fresh, "{input:?}: the changed file");
    }
    assert!(!no_cache.exists());
    // `From here on …` after an empty line starts a message too.
    let mb = Mailbox::open(&p).unwrap();
    assert!(mb.len() > n, "{} messages, {n} written", mb.len());
}
