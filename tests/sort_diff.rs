//! `sort`, `thread` and the order commands walk messages in, against the
//! installed s-nail (the reference: bsd-mailx has no sorting).
//!
//! The same script runs through `/usr/bin/s-nail` (with
//! `headline="%m#%i#"`, so each summary line is the message number and
//! the tree marks) and through our binary (the bsd-mailx summary line, the
//! marks before the subject); the message order and the marks must be the
//! same. The fixture (tests/fixtures/sort/threads.mbox, made by make.py
//! there) has valid dates throughout: for a missing or bad `Date:` s-nail
//! sorts by 0 and we by the delivery date (docs/COMPATIBILITY.md).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;
use common::{Req, TempDir, bsd_mailx};

const OURS: &str = env!("CARGO_BIN_EXE_mailx");
const MARK: &str = "---MARK---";

fn fixture() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sort/threads.mbox")
}

/// Runs `prog` on a copy of the fixture with `script` on stdin; returns
/// stdout.
fn run(t: &TempDir, prog: &str, args: &[&str], script: &str, locale: &str) -> String {
    let home = t.join(format!("home-{}", prog.replace('/', "_")));
    std::fs::create_dir_all(&home).unwrap();
    let mbox = home.join("box");
    std::fs::copy(fixture(), &mbox).unwrap();
    let mut c = Command::new(prog);
    c.env_clear()
        .env("HOME", &home)
        .env("USER", "root")
        .env("LOGNAME", "root")
        .env("PATH", "/usr/bin:/bin")
        .env("TZ", "UTC")
        .env("MAILRC", "/dev/null")
        .env("LC_ALL", locale)
        .args(args)
        .arg("-f")
        .arg(&mbox)
        .current_dir(&home)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut ch = c.spawn().unwrap();
    let _ = ch.stdin.take().unwrap().write_all(script.as_bytes());
    let o = ch.wait_with_output().unwrap();
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// Runs our binary as `-N -f folder` (HOME `home`, no rc, nothing else
/// inherited, `env` added) with `script` on stdin.
fn ours_on(home: &Path, folder: &Path, env: &[(&str, &str)], script: &str) -> Output {
    std::fs::create_dir_all(home).unwrap();
    let mut ch = Command::new(OURS)
        .env_clear()
        .env("HOME", home)
        .env("MAILRC", "/dev/null")
        .envs(env.iter().copied())
        .args(["-N", "-f"])
        .arg(folder)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = ch.stdin.take().unwrap().write_all(script.as_bytes());
    ch.wait_with_output().unwrap()
}

/// The lines after the marker.
fn after_mark(out: &str) -> Vec<&str> {
    out.lines()
        .skip_while(|l| *l != MARK)
        .skip(1)
        .take_while(|l| *l != MARK)
        .collect()
}

/// s-nail's `%m#%i#` lines as (number, marks).
fn snail_rows(out: &str) -> Vec<(usize, String)> {
    after_mark(out)
        .iter()
        .filter_map(|l| {
            let mut f = l.split('#');
            let n = f.next()?.trim().parse().ok()?;
            Some((n, f.next()?.to_string()))
        })
        .collect()
}

/// Our summary lines as (number, marks): the number in columns 3-5, the
/// marks where the subject starts (column 54).
fn our_rows(out: &str) -> Vec<(usize, String)> {
    const MARK_CHARS: &str = " |+\\^\u{2502}\u{2503}\u{251C}\u{251D}\u{2520}\u{2523}\u{2514}\u{2515}\u{2516}\u{2517}\u{21B8}";
    after_mark(out)
        .iter()
        .filter_map(|l| {
            let chars: Vec<char> = l.chars().collect();
            let n = chars
                .get(2..5)?
                .iter()
                .collect::<String>()
                .trim()
                .parse()
                .ok()?;
            let subj: String = chars.get(53..).unwrap_or_default().iter().collect();
            let marks = match subj.find(['>', '\u{25B8}']) {
                Some(k) if subj[..k].chars().all(|c| MARK_CHARS.contains(c)) => {
                    let end = k + subj[k..].chars().next().unwrap().len_utf8();
                    subj[..end].to_string()
                }
                _ => String::new(),
            };
            Some((n, marks))
        })
        .collect()
}

/// Runs `setup` then lists every message in display order, in both
/// programs; returns (ours, s-nail's).
type Rows = Vec<(usize, String)>;
fn both(setup: &str, locale: &str) -> (Rows, Rows) {
    let t = TempDir::new("sort-diff");
    let script = format!("{setup}\necho {MARK}\nfrom *\necho {MARK}\nx\n");
    let ours = run(&t, OURS, &["-N"], &script, locale);
    let sn_script = format!("set headline=\"%m#%i#\"\n{script}");
    let theirs = run(&t, "/usr/bin/s-nail", &["-n", "-N"], &sn_script, locale);
    (our_rows(&ours), snail_rows(&theirs))
}

#[test]
fn every_criterion_orders_as_s_nail() {
    require!(Req::SNail);
    for key in ["date", "from", "to", "subject", "size", "status", "thread"] {
        // Some flagged and some read messages for `status`.
        let setup = format!("flag 3 9 30\nsort {key}");
        let (ours, theirs) = both(&setup, "C");
        assert_eq!(ours.len(), 38, "sort {key}: {ours:?}");
        let o: Vec<usize> = ours.iter().map(|r| r.0).collect();
        let s: Vec<usize> = theirs.iter().map(|r| r.0).collect();
        assert_eq!(o, s, "sort {key}: order differs from s-nail");
    }
}

#[test]
fn thread_marks_match_s_nail_in_c_and_utf8() {
    require!(Req::SNail);
    for locale in ["C", "C.UTF-8"] {
        for setup in ["sort thread", "thread", "flag 2 17\nsort thread"] {
            let (ours, theirs) = both(setup, locale);
            assert_eq!(ours.len(), 38);
            assert_eq!(ours, theirs, "{setup:?} in {locale}");
        }
    }
    // The marks really are there (a deep chain is cut at column 18).
    let (ours, _) = both("thread", "C");
    assert!(ours.iter().any(|(_, m)| m.ends_with("^>") && m.len() == 19));
    assert!(ours.iter().any(|(_, m)| m == "|+>"));
}

/// The message numbers `print`/`next` showed, from either program's
/// "Message N:" / "[-- Message  N -- ..." lines.
fn shown(out: &str) -> Vec<usize> {
    out.lines()
        .filter_map(|l| {
            let rest = l
                .strip_prefix("Message ")
                .or_else(|| l.strip_prefix("[-- Message "))?;
            rest.trim_start().split([' ', ':']).next()?.parse().ok()
        })
        .collect()
}

#[test]
fn next_and_lists_walk_the_display_order_as_s_nail() {
    require!(Req::SNail);
    let t = TempDir::new("sort-walk");
    for setup in [
        "sort date\ntype 20\nnext\nnext\nnext\nprint -\nprint -\nprint 5 1 30\nprint ^ $\nprint 22-25",
        "sort subject\ntype 1\nnext\nnext\nprint -\nprint 1-3 $\nprint ^",
        "thread\ntype 1\nnext\nnext\nnext\nnext\nprint +\nprint -\nprint 2 1\nprint 11-9",
    ] {
        let script = format!("{setup}\nx\n");
        let ours = shown(&run(&t, OURS, &["-N"], &script, "C"));
        let theirs = shown(&run(&t, "/usr/bin/s-nail", &["-n", "-N"], &script, "C"));
        assert!(ours.len() > 5, "{setup:?}: {ours:?}");
        assert_eq!(ours, theirs, "{setup:?}");
    }
}

#[test]
fn sort_shows_and_unsort_restores_the_order() {
    let t = TempDir::new("sort-show");
    let out = run(
        &t,
        OURS,
        &["-N"],
        &format!("sort\nsort subj\nsort\nunsort\nsort\necho {MARK}\nfrom *\necho {MARK}\nx\n"),
        "C",
    );
    assert!(
        out.contains("Current sorting criterion is: unsorted\n"),
        "{out}"
    );
    assert!(
        out.contains("Current sorting criterion is: subject\n"),
        "{out}"
    );
    let rows = our_rows(&out);
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        (1..=38).collect::<Vec<_>>()
    );
    let t2 = TempDir::new("sort-bad");
    let o = ours_on(
        &t2.join("h"),
        &fixture(),
        &[],
        "sort bogus\ncollapse 1\nx\n",
    );
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("Unknown sorting method: bogus"), "{err}");
    assert!(err.contains("Not in threaded mode."), "{err}");
}

#[test]
fn collapse_hides_replies_from_the_summary() {
    let t = TempDir::new("sort-collapse");
    let script = "thread\ncollapse 1 16\nset screen=100\necho ---MARK---\nheaders\necho ---MARK---\nuncollapse 1\necho ---MARK---\nheaders\necho ---MARK---\nx\n";
    let out = run(&t, OURS, &["-N"], script, "C");
    let sep = format!("{MARK}\n");
    let mut parts = out.split(&sep);
    let _ = parts.next();
    let collapsed = parts.next().unwrap();
    // Replies under 1 and 16 are hidden unless new (unread): the read
    // and old ones go.
    assert!(
        collapsed
            .lines()
            .any(|l| l.starts_with(">+  1") || l.starts_with(" +  1")),
        "{collapsed}"
    );
    assert!(
        !collapsed.lines().any(|l| l.get(2..5) == Some("  3")),
        "{collapsed}"
    );
    let _ = parts.next();
    let expanded = parts.next().unwrap();
    assert!(
        expanded.lines().any(|l| l.get(2..5) == Some("  3")),
        "{expanded}"
    );
}

/// The fixture as a Maildir: one file per message, named by increasing
/// delivery times (so the folder order is the mbox order), all in `cur/`:
/// with `S` for `Status: RO`, unread otherwise.
fn fixture_maildir(dir: &Path) {
    for sub in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(dir.join(sub)).unwrap();
    }
    let text = std::fs::read_to_string(fixture()).unwrap();
    let mut msgs: Vec<String> = Vec::new();
    for line in text.split_inclusive('\n') {
        if line.starts_with("From ") {
            msgs.push(String::new());
        } else if let Some(m) = msgs.last_mut() {
            m.push_str(line);
        }
    }
    for (k, m) in msgs.iter().enumerate() {
        let base = format!("{}.{k}_x.host", 1_700_000_000 + k * 60);
        // All in cur/: s-nail lists cur/ and new/ apart, we by time.
        let (sub, name) = if m.contains("\nStatus: RO\n") {
            ("cur", format!("{base}:2,S"))
        } else {
            ("cur", format!("{base}:2,"))
        };
        std::fs::write(
            dir.join(sub).join(name),
            m.trim_end_matches('\n').to_string() + "\n",
        )
        .unwrap();
    }
}

/// A Maildir gives the same order and marks as the same messages in an
/// mbox (checked against s-nail above). s-nail itself numbers a Maildir's
/// messages by their `Date:`, we by delivery time (COMPATIBILITY B8), so
/// its message numbers cannot be compared with ours directly.
#[test]
fn maildir_folders_sort_and_thread_as_mboxes() {
    let t = TempDir::new("sort-maildir");
    let md = t.join("md");
    fixture_maildir(&md);
    for setup in [
        "sort thread",
        "sort date",
        "sort subject",
        "sort from",
        "sort size",
    ] {
        let script = format!("{setup}\necho {MARK}\nfrom *\necho {MARK}\nx\n");
        let o = ours_on(
            &t.join("home"),
            &md,
            &[("TZ", "UTC"), ("LC_ALL", "C")],
            &script,
        );
        let on_maildir = our_rows(&String::from_utf8_lossy(&o.stdout));
        let on_mbox = our_rows(&run(&t, OURS, &["-N"], &script, "C"));
        assert_eq!(on_maildir.len(), 38, "{setup}");
        if setup == "sort size" {
            // Sizes differ (no From_ line, Status:), the order may too.
            continue;
        }
        assert_eq!(on_maildir, on_mbox, "{setup} on a Maildir");
    }
}

/// Hostile threads through the program: 100,000 messages in one chain,
/// a reference loop, a message that references itself and one with
/// 10,000 references: `thread` neither loops, overflows the stack nor
/// panics, and every message is listed once.
#[test]
fn hostile_threads_end_to_end() {
    let t = TempDir::new("sort-hostile");
    let mut text = String::with_capacity(16 << 20);
    let n = 100_000;
    for k in 0..n {
        text.push_str(&format!(
            "From a@x Mon Jan  1 10:00:00 2024\nSubject: s\nMessage-ID: <{k}@x>\n"
        ));
        match k {
            0 => {}
            // The chain's end refers back to its start: a loop of 100,000.
            1 => text.push_str(&format!("In-Reply-To: <{}@x>\n", n - 1)),
            7 => text.push_str("References: <7@x>\n"),
            8 => {
                text.push_str("References:");
                for r in 0..10_000 {
                    text.push_str(&format!(" <nowhere{r}@x>"));
                }
                text.push_str(" <7@x>\n");
            }
            _ => text.push_str(&format!("In-Reply-To: <{}@x>\n", k - 1)),
        }
        text.push_str("\nx\n\n");
    }
    let mbox = t.join("box");
    std::fs::write(&mbox, text).unwrap();
    let o = ours_on(
        &t.join("home"),
        &mbox,
        &[("LC_ALL", "C")],
        &format!("thread\necho {MARK}\nfrom *\necho {MARK}\nx\n"),
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = String::from_utf8_lossy(&o.stdout);
    // Numbers above 999 widen the number column: take the first word.
    let rows = after_mark(&out);
    assert_eq!(rows.len(), n);
    let mut seen: Vec<usize> = rows
        .iter()
        .map(|l| l[2..].split_whitespace().next().unwrap().parse().unwrap())
        .collect();
    seen.sort_unstable();
    seen.dedup();
    assert_eq!(seen.len(), n);
    assert!(rows.iter().any(|l| l.ends_with("^>s")), "{:?}", &rows[..20]);
}

/// `collapse` hides the replies (not new ones, not the current message)
/// from the header screen exactly as s-nail does.
#[test]
fn collapsed_threads_hide_the_same_replies_as_s_nail() {
    require!(Req::SNail);
    for setup in [
        "thread\ncollapse 1 16\nset screen=200\nheaders",
        "thread\ncollapse 9 2\nuncollapse 2\nset screen=200\nheaders",
        "thread\ncollapse *\nset screen=200\nheaders",
    ] {
        let t = TempDir::new("sort-collapse-diff");
        let script = format!("{setup}\necho {MARK}\nheaders\necho {MARK}\nx\n");
        let o = our_rows(&run(&t, OURS, &["-N"], &script, "C"));
        let sn_script = format!("set headline=\"%m#%i#\"\n{script}");
        let s = snail_rows(&run(&t, "/usr/bin/s-nail", &["-n", "-N"], &sn_script, "C"));
        assert!(o.len() < 38, "{setup:?}: nothing hidden: {o:?}");
        assert_eq!(o, s, "{setup:?}");
    }
}

/// The number `=` printed after `from 4 1` (a line that is only digits).
fn dot_after_from(t: &TempDir, prog: &Path, args: &[&str]) -> Option<usize> {
    let prog = prog.to_str().unwrap();
    let out = run(t, prog, args, "from 4 1\n=\nx\n", "C");
    out.lines()
        .filter_map(|l| l.trim().parse().ok())
        .next_back()
}

/// `from` leaves dot on the last listed message, as bsd-mailx does; s-nail
/// moves it to the first (docs/COMPATIBILITY.md HL8).
#[test]
fn from_moves_dot_as_bsd_mailx() {
    require!(Req::BsdMailx);
    require!(Req::SNail);
    let t = TempDir::new("sort-from-dot");
    assert_eq!(dot_after_from(&t, Path::new(OURS), &["-N"]), Some(4));
    assert_eq!(dot_after_from(&t, bsd_mailx(), &["-N", "-n"]), Some(4));
    let snail = Path::new("/usr/bin/s-nail");
    assert_eq!(dot_after_from(&t, snail, &["-N", "-n"]), Some(1));
}

/// A Maildir's header cache holds the sort and thread fields: a second
/// session threads and sorts from it as the first did from the files, and
/// a message rewritten since (other references, another date) is read
/// again, not taken from the cache.
#[test]
fn maildir_header_cache_keeps_sort_fields_and_sees_changes() {
    let t = TempDir::new("sort-md-cache");
    let md = t.join("md");
    fixture_maildir(&md);
    let env = [("TZ", "UTC"), ("LC_ALL", "C")];
    let rows = |setup: &str, home: &str| {
        let script = format!("{setup}\necho {MARK}\nfrom *\necho {MARK}\nx\n");
        let o = ours_on(&t.join(home), &md, &env, &script);
        our_rows(&String::from_utf8_lossy(&o.stdout))
    };
    let cache_dir = t.join("home/.cache/mailx");
    for setup in ["sort thread", "sort date", "sort subject"] {
        let first = rows(setup, "home");
        assert!(cache_dir.read_dir().is_ok_and(|mut d| d.next().is_some()));
        assert_eq!(rows(setup, "home"), first, "{setup} from the cache");
        assert_eq!(first.len(), 38);
    }
    // Message a4 (a reply to a2) becomes a root, written a year earlier.
    let file = std::fs::read_dir(md.join("cur"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            std::fs::read_to_string(p)
                .unwrap()
                .contains("Message-ID: <a4@x>")
        })
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = text
        .replace("References: <a1@x> <a2@x>\n", "")
        .replacen("\nDate: ", "\nX-Old-Date: ", 1)
        .replacen("\n\n", "\nDate: Mon, 2 Jan 2000 10:00:00 +0000\n\n", 1);
    assert_ne!(changed, text);
    std::fs::write(&file, changed).unwrap();
    for setup in ["sort thread", "sort date"] {
        let fresh = rows(&format!("set noheadercache\n{setup}"), "fresh");
        assert_eq!(rows(setup, "home"), fresh, "{setup} after a change");
        // a4 (message 4) now comes first, a root.
        assert_eq!(fresh[0], (4, String::new()), "{setup}");
    }
}

/// A mailbox over 256 MiB keeps no sort fields at open; its first sort
/// reads every header block and leaves the records in
/// `~/.cache/mailx/kept-*` (`kept_cache`). The next session's sorts come
/// from that file and show exactly what they show without it, and a file
/// changed since (in place, same size) is read afresh.
#[test]
fn big_mailbox_sorts_the_same_from_the_records_cache() {
    let t = TempDir::new("sort-kept-cache");
    let home = t.join("home");
    let box_ = t.join("big.mbox");
    let mut data = Vec::with_capacity(270 << 20);
    let mut seed = 7u64;
    let mut rnd = |n: u64| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (seed >> 33) % n
    };
    let words = [
        "alpha",
        "Re: beta",
        "gamma",
        "RE: Fwd: delta",
        "=?UTF-8?Q?=C3=A9t=C3=A9?=",
    ];
    for m in 0..3000u64 {
        let parent = if m > 0 && rnd(3) > 0 {
            format!("References: <{}@x>\n", rnd(m))
        } else {
            String::new()
        };
        data.extend_from_slice(
            format!(
                "From u{m}@h Mon Jan  1 10:00:00 2001\nFrom: User {} <u{m}@h>\nSubject: {} {}\nDate: Mon, {} Feb 2001 {:02}:00:00 +0000\nMessage-ID: <{m}@x>\n{parent}\nbody {m}\n\n",
                rnd(50),
                words[rnd(5) as usize],
                rnd(400),
                1 + rnd(28),
                rnd(24),
            )
            .as_bytes(),
        );
        if m == 1500 {
            // One message with a big body puts the file over 256 MiB.
            data.extend_from_slice(b"From big@h Mon Jan  1 10:00:00 2001\nSubject: big\n\n");
            let line = [b'x'; 1023];
            while data.len() < 260 << 20 {
                data.extend_from_slice(&line);
                data.push(b'\n');
            }
            data.push(b'\n');
        }
    }
    std::fs::write(&box_, &data).unwrap();
    // Where a subject to change in place later is.
    let at = memchr::memmem::find(&data, b"Subject: alpha").unwrap();
    drop(data);
    // Recorded only for a file unchanged for two seconds before its scan.
    std::thread::sleep(std::time::Duration::from_millis(2100));
    let script = "sort subject\nf *\nsort thread\nf *\nsort date\nf *\nsort from\nf *\nx\n";
    let cache = t.join("cache");
    let env = [
        ("XDG_CACHE_HOME", cache.to_str().unwrap()),
        ("LC_ALL", "C.UTF-8"),
        ("TZ", "UTC"),
    ];
    let run = |env: &[(&str, &str)]| -> String {
        let o = ours_on(&home, &box_, env, script);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    let kept = || -> Vec<(std::path::PathBuf, u64)> {
        use std::os::unix::fs::MetadataExt;
        let Ok(d) = std::fs::read_dir(cache.join("mailx")) else {
            return Vec::new();
        };
        d.flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("kept-"))
            .map(|e| (e.path(), e.metadata().unwrap().ino()))
            .collect()
    };
    let first = run(&env);
    assert_eq!(first.lines().count(), 2 + 4 * 3001);
    let made = kept();
    assert_eq!(made.len(), 1, "the first sort leaves its records");
    // The second session reads them (the file is not written again).
    assert_eq!(run(&env), first);
    assert_eq!(kept(), made, "the records were used as they were");
    // Without any cache: the same.
    let none = t.join("none");
    let env_none = [
        ("XDG_CACHE_HOME", none.to_str().unwrap()),
        ("LC_ALL", "C.UTF-8"),
        ("TZ", "UTC"),
    ];
    std::fs::create_dir_all(&none).unwrap();
    std::fs::write(none.join("rc"), "set noheadercache\n").unwrap();
    let rc = none.join("rc");
    let env_nc = [
        ("XDG_CACHE_HOME", none.to_str().unwrap()),
        ("LC_ALL", "C.UTF-8"),
        ("TZ", "UTC"),
        ("MAILRC", rc.to_str().unwrap()),
    ];
    assert_eq!(run(&env_nc), first, "with noheadercache");
    assert!(!none.join("mailx").exists());
    // Changed in place, same size: another subject. The records
    // are not used; the output shows the change, as a fresh read does.
    let f = std::fs::OpenOptions::new().write(true).open(&box_).unwrap();
    std::os::unix::fs::FileExt::write_at(&f, b"Subject: zzzzz", at as u64).unwrap();
    drop(f);
    let changed = run(&env);
    assert_ne!(changed, first);
    assert!(changed.contains("zzzzz"), "the new subject is shown");
    assert_eq!(run(&env_none), changed, "as without the cache");
}
