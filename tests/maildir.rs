//! Maildir folders, driving the binary on temporary Maildirs: recognition
//! and its errors, the listing (order, dates, counts, files that are not
//! messages), flags in names at quit, the system-mailbox rules (mbox file,
//! `hold`, `preserve`), saving and copying between the formats, `record`,
//! another program working on the folder meanwhile, a full disk, and
//! mblaze (`mlist`, `mflag`) agreeing with us on the flags.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use common::{Req, TempDir, clean_session, compile_c, ours, unprivileged_prefix};

/// What a run did.
struct Out {
    stdout: String,
    stderr: String,
    status: i32,
}

/// Runs our binary in `t` (HOME `t/home`, TZ UTC, no rc) with `args`,
/// extra environment `env` and `script` on stdin.
fn run(t: &Path, env: &[(&str, &Path)], args: &[&str], script: &str) -> Out {
    run_as(&[], t, env, args, script)
}

/// [`run`] through `prefix` (setpriv to nobody, or nothing).
fn run_as(prefix: &[String], t: &Path, env: &[(&str, &Path)], args: &[&str], script: &str) -> Out {
    let home = t.join("home");
    fs::create_dir_all(&home).unwrap();
    let mut c = match prefix.split_first() {
        Some((p, rest)) => {
            let mut c = Command::new(p);
            c.args(rest).arg(ours());
            c
        }
        None => Command::new(ours()),
    };
    clean_session(&mut c, &home)
        .env("SHELL", "/bin/sh")
        .args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let mut ch = c.spawn().unwrap();
    // The program may exit before it reads everything.
    let _ = ch.stdin.take().unwrap().write_all(script.as_bytes());
    let o = ch.wait_with_output().unwrap();
    Out {
        stdout: String::from_utf8_lossy(&o.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&o.stderr).into_owned(),
        status: o.status.code().unwrap_or(-1),
    }
}

/// Creates an empty Maildir.
fn maildir(p: &Path) -> PathBuf {
    for s in ["cur", "new", "tmp"] {
        fs::create_dir_all(p.join(s)).unwrap();
    }
    p.to_path_buf()
}

/// Puts a message file `sub/name` into the Maildir.
fn put(md: &Path, sub: &str, name: &str, content: &str) {
    fs::write(md.join(sub).join(name), content).unwrap();
}

/// Every file under `new/`, `cur/`, `tmp/` (`sub/name` → content).
fn files(md: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    for s in ["new", "cur", "tmp"] {
        for e in fs::read_dir(md.join(s)).unwrap() {
            let e = e.unwrap();
            let name = String::from_utf8_lossy(e.file_name().as_bytes()).into_owned();
            let content = fs::read(e.path()).unwrap_or_default();
            m.insert(format!("{s}/{name}"), content);
        }
    }
    m
}

fn names(md: &Path) -> Vec<String> {
    files(md).into_keys().collect()
}

const ALICE: &str = "Return-Path: <alice@example.org>\nFrom: Alice <alice@example.org>\nSubject: first\n\nhello\nFrom here\n";
const BOB: &str = "From: Bob <bob@example.org>\nSubject: second\n\nbody2\n";
const CAROL: &str = "From: Carol <carol@example.org>\nSubject: third\n\nb3\n";

#[test]
fn listing_order_dates_counts_and_files_that_are_not_messages() {
    let t = TempDir::new("md-list");
    let md = maildir(&t.join("md"));
    put(&md, "new", "1700000000.1_a.host", ALICE);
    put(&md, "cur", "1700000100.2_b.host,S=52,W=56:2,S", BOB);
    put(&md, "cur", "1600000000.3_c.host:2,FSa", CAROL);
    // Bad input: zero bytes, no header block, no info, odd flags, a
    // control character in the name.
    put(&md, "cur", "1650000001.z.host:2,", "");
    put(&md, "new", "1650000002.nohdr.host", "just text\n");
    put(&md, "cur", "1650000003.noinfo.host", CAROL);
    put(&md, "cur", "1650000004.odd.host:2,%zS!", CAROL);
    put(&md, "cur", "1650000005.\x01ctl.host:2,", CAROL);
    // Not messages: a dot file, a directory, a symbolic link, a FIFO.
    put(&md, "cur", ".hidden", CAROL);
    fs::create_dir(md.join("cur/1650000006.dir")).unwrap();
    fs::write(t.join("elsewhere"), CAROL).unwrap();
    std::os::unix::fs::symlink(t.join("elsewhere"), md.join("cur/1650000007.link")).unwrap();
    let before = files(&md);
    let o = run(&t, &[], &["-f", md.to_str().unwrap()], "q\n");
    assert_eq!(o.status, 0, "{}", o.stderr);
    let want_start = format!("\"{}\": 8 messages 2 new 5 unread", md.display());
    assert!(o.stdout.contains(&want_start), "{}", o.stdout);
    let lines: Vec<&str> = o.stdout.lines().collect();
    let first = lines.iter().position(|l| l.contains("carol")).unwrap();
    // Delivery time order; the date is the delivery time; size and lines
    // those of the file.
    assert!(
        lines[first].contains("Sun Sep 13 12:26"),
        "{}",
        lines[first]
    );
    assert!(lines[first].contains("  4/51 "), "{}", lines[first]);
    let alice = lines
        .iter()
        .position(|l| l.contains("alice@example.org"))
        .unwrap();
    let bob = lines
        .iter()
        .position(|l| l.contains("bob@example.org"))
        .unwrap();
    assert!(first < alice && alice < bob, "{}", o.stdout);
    assert!(lines[alice].starts_with(">N") || lines[alice].starts_with(" N"));
    assert!(
        lines[alice].contains("Tue Nov 14 22:13"),
        "{}",
        lines[alice]
    );
    assert!(lines[alice].contains("  6/97 "), "{}", lines[alice]);
    // Quit without touching anything changes nothing.
    assert_eq!(files(&md), before);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
}

#[test]
fn errors_for_a_plain_directory_a_missing_one_and_nothing_created() {
    let t = TempDir::new("md-err");
    let plain = t.join("plain");
    fs::create_dir(&plain).unwrap();
    let o = run(&t, &[], &["-f", plain.to_str().unwrap()], "q\n");
    assert_ne!(o.status, 0);
    assert!(
        o.stderr
            .contains(&format!("{}: Is a directory\n", plain.display())),
        "{}",
        o.stderr
    );
    assert_eq!(fs::read_dir(&plain).unwrap().count(), 0);
    let o = run(&t, &[], &["-f", t.join("nope/").to_str().unwrap()], "q\n");
    assert_ne!(o.status, 0);
    assert!(
        o.stderr.contains("No such file or directory"),
        "{}",
        o.stderr
    );
    assert!(!t.join("nope").exists());
    // A save into a directory that is not a Maildir: reported (as
    // bsd-mailx does), exit 1.
    fs::write(
        t.join("box"),
        "From a@b Mon Jan  1 10:00:00 2001\nSubject: s\n\nx\n\n",
    )
    .unwrap();
    let o = run(
        &t,
        &[],
        &["-N", "-f", t.join("box").to_str().unwrap()],
        &format!("s 1 {}\nx\n", plain.display()),
    );
    assert_eq!(o.status, 1, "{}", o.stdout);
    assert!(o.stderr.contains("Is a directory"), "{}", o.stderr);
    assert_eq!(fs::read_dir(&plain).unwrap().count(), 0);
}

#[test]
fn quit_puts_flags_into_names_and_moves_seen_mail_to_cur() {
    let t = TempDir::new("md-flags");
    let md = maildir(&t.join("md"));
    put(&md, "new", "1700000000.1_a.host", ALICE);
    put(&md, "cur", "1700000100.2_b.host,S=52,W=56:2,a", BOB);
    put(&md, "cur", "1700000200.3_c.host:2,S", CAROL);
    put(&md, "new", "1700000300.4_d.host", CAROL);
    put(&md, "cur", "1700000400.5_e.host:2,FS", CAROL);
    let o = run(
        &t,
        &[],
        &["-N", "-f", md.to_str().unwrap()],
        "p 1\nflag 2\nd 3\nunflag 5\nq\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    assert!(o.stdout.contains(&format!("\"{}\" complete", md.display())));
    assert_eq!(
        names(&md),
        [
            "cur/1700000000.1_a.host:2,S",
            "cur/1700000100.2_b.host,S=52,W=56:2,Fa",
            "cur/1700000400.5_e.host:2,S",
            "new/1700000300.4_d.host",
        ]
    );
    // Contents untouched.
    assert_eq!(
        fs::read_to_string(md.join("cur/1700000000.1_a.host:2,S")).unwrap(),
        ALICE
    );
    // The next session sees the flags: 1 read, 2 unread, 4 new.
    let o = run(&t, &[], &["-f", md.to_str().unwrap()], "q\n");
    assert!(
        o.stdout.contains("4 messages 1 new 2 unread"),
        "{}",
        o.stdout
    );
}

#[test]
fn system_maildir_follows_the_mbox_rules() {
    let t = TempDir::new("md-system");
    let fresh = |t: &TempDir| {
        let md = t.join("Maildir");
        let _ = fs::remove_dir_all(&md);
        let md = maildir(&md);
        put(&md, "new", "1700000000.1_a.host", ALICE);
        put(&md, "new", "1700000100.2_b.host", BOB);
        put(&md, "new", "1700000200.3_c.host", CAROL);
        md
    };
    // Read 1 goes to the mbox file, preserved 2 stays (unread), untouched
    // 3 stays new.
    let md = fresh(&t);
    let o = run(&t, &[("MAIL", &md)], &["-N"], "p 1\np 2\npreserve 2\nq\n");
    assert_eq!(o.status, 0, "{}", o.stderr);
    let mbox = t.join("home/mbox");
    assert!(
        o.stdout
            .contains(&format!("Saved 1 message in {}", mbox.display()))
    );
    assert!(
        o.stdout
            .contains(&format!("Held 2 messages in {}", md.display()))
    );
    assert_eq!(
        names(&md),
        ["cur/1700000100.2_b.host:2,", "new/1700000200.3_c.host"]
    );
    let got = fs::read_to_string(&mbox).unwrap();
    assert!(
        got.starts_with(
            "From alice@example.org Tue Nov 14 22:13:20 2023\nReturn-Path: <alice@example.org>\n"
        ),
        "{got}"
    );
    assert!(got.ends_with("hello\n>From here\n\n"), "{got:?}");
    // `hold`: read mail stays, marked seen.
    let md = fresh(&t);
    let o = run(&t, &[("MAIL", &md)], &["-N"], "set hold\np 1\nq\n");
    assert_eq!(o.status, 0, "{}", o.stderr);
    assert_eq!(
        names(&md),
        [
            "cur/1700000000.1_a.host:2,S",
            "new/1700000100.2_b.host",
            "new/1700000200.3_c.host"
        ]
    );
    // MBOX a Maildir: delivered there, the file's bytes unchanged.
    let md = fresh(&t);
    let mboxdir = maildir(&t.join("home/mboxdir"));
    let o = run(
        &t,
        &[("MAIL", &md), ("MBOX", &mboxdir)],
        &["-N"],
        "p 3\nq\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    let got = files(&mboxdir);
    assert_eq!(got.len(), 1, "{got:?}");
    let (name, content) = got.iter().next().unwrap();
    assert!(name.starts_with("cur/") && name.ends_with(":2,S"), "{name}");
    assert_eq!(content, CAROL.as_bytes());
    assert_eq!(
        names(&md),
        ["new/1700000000.1_a.host", "new/1700000100.2_b.host"]
    );
    // A missing MBOX ending in `/`, or any with newfolders=maildir, is
    // created as a Maildir.
    for (mb, script) in [
        ("home/arch1/", "p 1\nq\n"),
        ("home/arch2", "set newfolders=maildir\np 1\nq\n"),
    ] {
        let md = fresh(&t);
        let target = t.join(mb);
        let o = run(&t, &[("MAIL", &md), ("MBOX", &target)], &["-N"], script);
        assert_eq!(o.status, 0, "{}", o.stderr);
        let got = files(&target);
        assert_eq!(got.values().collect::<Vec<_>>(), [ALICE.as_bytes()], "{mb}");
        assert_eq!(
            fs::metadata(&target).unwrap().permissions().mode() & 0o777,
            0o700
        );
    }
    // An mbox system mailbox with a Maildir MBOX.
    let spool = t.join("spool");
    fs::write(
        &spool,
        "From a@b.example Mon Jan  1 10:00:00 2001\nSubject: one\n\nbody\n\n",
    )
    .unwrap();
    let mboxdir2 = maildir(&t.join("home/mboxdir2"));
    let o = run(
        &t,
        &[("MAIL", &spool), ("MBOX", &mboxdir2)],
        &["-N"],
        "p 1\nq\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    let got = files(&mboxdir2);
    assert_eq!(
        got.values().collect::<Vec<_>>(),
        [b"Return-Path: <a@b.example>\nSubject: one\n\nbody\n"]
    );
    assert_eq!(fs::read_to_string(&spool).unwrap(), "");
    // Deleted and saved (without keepsave) mail is removed.
    let md = fresh(&t);
    let o = run(&t, &[("MAIL", &md)], &["-N"], "d 1\ns 2 saved.mbox\nq\n");
    assert_eq!(o.status, 0, "{}", o.stderr);
    assert_eq!(names(&md), ["new/1700000200.3_c.host"]);
}

#[test]
fn save_and_copy_between_mbox_and_maildir() {
    let t = TempDir::new("md-save");
    let home = t.join("home");
    fs::create_dir_all(&home).unwrap();
    let mbox = "From a@b.example Mon Jan  1 10:00:00 2001\nSubject: one\nX-Keep: 1\n\nbody\n>From quoted\n\nFrom c@d Mon Jan  1 11:00:00 2001\nReturn-Path: <x@y>\nSubject: two\n\nb2\n\n";
    fs::write(t.join("box"), mbox).unwrap();
    let md = maildir(&home.join("md"));
    let script = format!(
        "set folder={}\ns 1 md\nc 2 +fresh/\nset newfolders=maildir\nc 1 nf\nx\n",
        home.display()
    );
    let o = run(
        &t,
        &[],
        &["-N", "-f", t.join("box").to_str().unwrap()],
        &script,
    );
    assert_eq!(o.status, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("\"md\" [Appended]"), "{}", o.stdout);
    assert!(o.stdout.contains("[New file]"), "{}", o.stdout);
    // mbox → Maildir: only the From_ line dropped (and the separator),
    // the envelope sender as Return-Path:.
    let one = "Return-Path: <a@b.example>\nSubject: one\nX-Keep: 1\n\nbody\n>From quoted\n";
    let got = files(&md);
    assert_eq!(got.len(), 1);
    let (name, content) = got.iter().next().unwrap();
    assert!(name.starts_with("cur/") && name.ends_with(":2,S"), "{name}");
    assert_eq!(String::from_utf8_lossy(content), one);
    // A name ending in `/` and `newfolders=maildir` create Maildirs (0700).
    for (dir, want) in [
        ("fresh", "Return-Path: <x@y>\nSubject: two\n\nb2\n"),
        ("nf", one),
    ] {
        let p = home.join(dir);
        assert_eq!(
            fs::metadata(&p).unwrap().permissions().mode() & 0o777,
            0o700
        );
        let got = files(&p);
        assert_eq!(got.len(), 1, "{dir}: {got:?}");
        assert_eq!(String::from_utf8_lossy(got.values().next().unwrap()), want);
    }
    // Maildir → mbox: a From_ line from Return-Path and the delivery time,
    // body lines quoted as our mbox writing does; Maildir → Maildir: the
    // bytes unchanged.
    let src = maildir(&t.join("src"));
    put(&src, "cur", "1700000000.1_a.host:2,S", ALICE);
    let o = run(
        &t,
        &[],
        &["-N", "-f", src.to_str().unwrap()],
        "s 1 out.mbox\ns 1 md\nx\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    let got = fs::read_to_string(home.join("out.mbox")).unwrap();
    assert_eq!(
        got,
        "From alice@example.org Tue Nov 14 22:13:20 2023\nReturn-Path: <alice@example.org>\nFrom: Alice <alice@example.org>\nSubject: first\nStatus: RO\n\nhello\n>From here\n\n"
    );
    assert!(
        files(&md).values().any(|c| c == ALICE.as_bytes()),
        "{:?}",
        files(&md)
    );
    // The result reads back as two messages of an mbox.
    let o = run(
        &t,
        &[],
        &["-f", home.join("out.mbox").to_str().unwrap()],
        "q\n",
    );
    assert!(o.stdout.contains("1 message"), "{}", o.stdout);
}

#[test]
fn record_into_a_maildir() {
    let t = TempDir::new("md-record");
    let home = t.join("home");
    fs::create_dir_all(&home).unwrap();
    let rc = t.join("rc");
    fs::write(
        &rc,
        format!(
            "set sendmail=/bin/true\nset record={}/sent/\n",
            home.display()
        ),
    )
    .unwrap();
    let o = run(
        &t,
        &[("MAILRC", &rc)],
        &["-s", "hi there", "bob@example.org"],
        "From the body\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    let got = files(&home.join("sent"));
    assert_eq!(got.len(), 1, "{got:?}");
    let (name, content) = got.iter().next().unwrap();
    assert!(name.starts_with("cur/") && name.ends_with(":2,S"), "{name}");
    let content = String::from_utf8_lossy(content);
    assert!(content.contains("Subject: hi there\n"), "{content}");
    assert!(content.ends_with("\n\nFrom the body\n"), "{content:?}");
    assert!(!content.starts_with("From "), "{content}");
}

#[test]
fn other_programs_add_rename_and_remove_meanwhile() {
    let t = TempDir::new("md-conc");
    let md = maildir(&t.join("md"));
    put(&md, "cur", "1700000000.1_a.host:2,", ALICE);
    put(&md, "cur", "1700000100.2_b.host:2,", BOB);
    put(&md, "new", "1700000200.3_c.host", CAROL);
    fs::write(t.join("late"), CAROL).unwrap();
    let d = md.display();
    let script = format!(
        "!cp {t}/late {d}/new/1700000300.4_d.host\n\
         inc\n\
         !mv {d}/cur/1700000000.1_a.host:2, {d}/cur/1700000000.1_a.host:2,RT\n\
         p 1\nflag 1\n\
         !mv {d}/new/1700000200.3_c.host {d}/cur/1700000200.3_c.host:2,S\n\
         !rm {d}/cur/1700000100.2_b.host:2,\n\
         d 2\nq\n",
        t = t.path().display()
    );
    let o = run(&t, &[], &["-N", "-f", md.to_str().unwrap()], &script);
    assert_eq!(o.status, 0, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stdout.contains("hello"), "{}", o.stdout);
    assert!(o.stderr.is_empty(), "{}", o.stderr);
    // 1: our F and S added to what the other program set; 2 gone (we
    // deleted it too: not reported); 3 as the other program left it; 4
    // new, untouched.
    assert_eq!(
        names(&md),
        [
            "cur/1700000000.1_a.host:2,FRST",
            "cur/1700000200.3_c.host:2,S",
            "new/1700000300.4_d.host",
        ]
    );
    // A removed message we did not delete is reported once, nothing else
    // changes.
    let script = format!("!rm {d}/cur/1700000200.3_c.host:2,S\np 1\nq\n");
    let o = run(&t, &[], &["-N", "-f", md.to_str().unwrap()], &script);
    assert_eq!(o.status, 0, "{}", o.stderr);
    assert_eq!(
        o.stderr.matches("removed by another program").count(),
        1,
        "{}",
        o.stderr
    );
    assert_eq!(
        names(&md),
        ["cur/1700000000.1_a.host:2,FRST", "new/1700000300.4_d.host"]
    );
}

#[test]
fn a_full_disk_leaves_no_partial_message() {
    require!(Req::Tmpfs);
    let t = TempDir::new("md-full");
    let mnt = t.join("mnt");
    fs::create_dir_all(&mnt).unwrap();
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=64k,mode=0777", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    struct Umount(PathBuf);
    impl Drop for Umount {
        fn drop(&mut self) {
            let _ = Command::new("umount").arg("-l").arg(&self.0).status();
        }
    }
    let _u = Umount(mnt.clone());
    let md = maildir(&mnt.join("md"));
    let big = "x".repeat(200_000);
    fs::write(
        t.join("box"),
        format!("From a@b Mon Jan  1 10:00:00 2001\nSubject: big\n\n{big}\n\n"),
    )
    .unwrap();
    let o = run(
        &t,
        &[],
        &["-N", "-f", t.join("box").to_str().unwrap()],
        &format!("s 1 {}\nq\n", md.display()),
    );
    assert_eq!(o.status, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("No space left on device"), "{}", o.stderr);
    assert!(files(&md).is_empty(), "{:?}", names(&md));
}

#[test]
fn mblaze_agrees_on_flags() {
    require!(Req::Mblaze);
    let t = TempDir::new("md-mblaze");
    let md = maildir(&t.join("md"));
    put(&md, "new", "1700000000.1_a.host", ALICE);
    put(&md, "new", "1700000100.2_b.host", BOB);
    put(&md, "cur", "1700000200.3_c.host:2,", CAROL);
    let o = run(
        &t,
        &[],
        &["-N", "-f", md.to_str().unwrap()],
        "p 1\nflag 3\nq\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    let mlist = |flag: &str| -> Vec<String> {
        let o = Command::new("mlist").arg(flag).arg(&md).output().unwrap();
        let mut v: Vec<String> = String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(|l| {
                Path::new(l)
                    .file_name()
                    .unwrap()
                    .to_string_lossy()
                    .into_owned()
            })
            .collect();
        v.sort();
        v
    };
    assert_eq!(mlist("-S"), ["1700000000.1_a.host:2,S"]);
    assert_eq!(mlist("-F"), ["1700000200.3_c.host:2,F"]);
    assert_eq!(mlist("-N"), ["1700000100.2_b.host"]);
    // mflag marks 3 seen and 1 replied; we see them so, and keep them.
    let f3 = md.join("cur/1700000200.3_c.host:2,F");
    let f1 = md.join("cur/1700000000.1_a.host:2,S");
    assert!(
        Command::new("mflag")
            .arg("-S")
            .arg(&f3)
            .output()
            .unwrap()
            .status
            .success()
    );
    assert!(
        Command::new("mflag")
            .arg("-R")
            .arg(&f1)
            .output()
            .unwrap()
            .status
            .success()
    );
    let o = run(&t, &[], &["-f", md.to_str().unwrap()], "unflag 3\nq\n");
    // bsd-mailx's count: no old unread message, so no "unread".
    assert!(o.stdout.contains("3 messages 1 new\n"), "{}", o.stdout);
    assert_eq!(mlist("-R"), ["1700000000.1_a.host:2,RS"]);
    assert_eq!(
        mlist("-S"),
        ["1700000000.1_a.host:2,RS", "1700000200.3_c.host:2,S"]
    );
    assert!(mlist("-F").is_empty());
}

#[test]
fn unreadable_files_are_reported_and_left_alone() {
    let Some(prefix) = unprivileged_prefix() else {
        return;
    };
    let t = TempDir::new("md-unreadable");
    let md = maildir(&t.join("md"));
    put(&md, "new", "1700000000.1_a.host", ALICE);
    put(&md, "cur", "1700000100.2_b.host:2,", BOB);
    let secret = md.join("cur/1700000100.2_b.host:2,");
    fs::set_permissions(&secret, fs::Permissions::from_mode(0o000)).unwrap();
    fs::create_dir_all(t.join("home")).unwrap();
    for d in [
        t.path(),
        &t.join("home"),
        &md,
        &md.join("cur"),
        &md.join("new"),
        &md.join("tmp"),
    ] {
        fs::set_permissions(d, fs::Permissions::from_mode(0o777)).unwrap();
    }
    let o = run_as(
        &prefix,
        &t,
        &[],
        &["-N", "-f", md.to_str().unwrap()],
        "p 1\nq\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    assert!(
        o.stderr
            .contains(&format!("{}: Permission denied", secret.display())),
        "{}",
        o.stderr
    );
    assert!(o.stdout.contains("1 message 1 new"), "{}", o.stdout);
    assert_eq!(
        names(&md),
        ["cur/1700000000.1_a.host:2,S", "cur/1700000100.2_b.host:2,"]
    );
}

#[test]
fn edit_rewrites_the_file_under_its_name() {
    let t = TempDir::new("md-edit");
    let md = maildir(&t.join("md"));
    put(&md, "cur", "1700000000.1_a.host:2,S", ALICE);
    let ed = t.join("ed.sh");
    fs::write(&ed, "#!/bin/sh\nsed -i s/hello/HELLO/ \"$1\"\n").unwrap();
    fs::set_permissions(&ed, fs::Permissions::from_mode(0o755)).unwrap();
    let o = run(
        &t,
        &[("EDITOR", &ed)],
        &["-N", "-f", md.to_str().unwrap()],
        "e 1\nq\n",
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    let got = files(&md);
    assert_eq!(
        got.get("cur/1700000000.1_a.host:2,S")
            .map(|v| String::from_utf8_lossy(v).into_owned()),
        Some(ALICE.replace("hello", "HELLO"))
    );
    assert_eq!(got.len(), 1, "{got:?}");
}

/// LD_PRELOAD shim: write(2) and fsync(2) on a descriptor whose path
/// contains `$FAULT_PATH` fail with EIO.
const EIO_SHIM: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static int bad(int fd) {
    const char *m = getenv("FAULT_PATH");
    char p[64], t[4096];
    if (!m) return 0;
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    ssize_t n = readlink(p, t, sizeof t - 1);
    if (n < 0) return 0;
    t[n] = 0;
    return strstr(t, m) != NULL;
}
ssize_t write(int fd, const void *b, size_t c) {
    static ssize_t (*real)(int, const void *, size_t);
    if (!real) real = dlsym(RTLD_NEXT, "write");
    if (bad(fd)) { errno = EIO; return -1; }
    return real(fd, b, c);
}
int fsync(int fd) {
    static int (*real)(int);
    if (!real) real = dlsym(RTLD_NEXT, "fsync");
    if (bad(fd)) { errno = EIO; return -1; }
    return real(fd);
}
"#;

#[test]
fn an_io_error_leaves_no_partial_message() {
    require!(Req::Cc);
    let t = TempDir::new("md-eio");
    let shim = compile_c(&t, "eio.so", EIO_SHIM, &["-shared", "-fPIC", "-ldl"]);
    let md = maildir(&t.join("md"));
    put(&md, "cur", "1600000000.0_z.host:2,S", CAROL);
    let before = files(&md);
    fs::write(
        t.join("box"),
        "From a@b Mon Jan  1 10:00:00 2001\nSubject: one\n\nbody\n\n",
    )
    .unwrap();
    let tmp = md.join("tmp");
    let o = run(
        &t,
        &[("LD_PRELOAD", &shim), ("FAULT_PATH", &tmp)],
        &["-N", "-f", t.join("box").to_str().unwrap()],
        &format!("s 1 {}\nq\n", md.display()),
    );
    assert_eq!(o.status, 1, "{}\n{}", o.stdout, o.stderr);
    assert!(o.stderr.contains("Input/output error"), "{}", o.stderr);
    assert_eq!(files(&md), before);
}

#[test]
fn s_nail_makes_the_same_files_but_for_two_documented_choices() {
    require!(Req::SNail);
    let t = TempDir::new("md-snail");
    let mk = |who: &str| {
        let md = maildir(&t.join(who).join("md"));
        put(&md, "new", "1700000000.1_a.host", ALICE);
        put(&md, "cur", "1700000100.2_b.host,S=52,W=56:2,a", BOB);
        put(&md, "cur", "1700000200.3_c.host:2,S", CAROL);
        put(&md, "new", "1700000300.4_d.host", CAROL);
        put(&md, "cur", "1700000400.5_e.host:2,FS", CAROL);
        put(&md, "cur", "1700000500.6_f.host:2,", CAROL);
        md
    };
    let script = "p 1\nflag 2\nd 3\nunflag 5\np 6\nq\n";
    let ours_md = mk("ours");
    let o = run(
        &t.join("ours"),
        &[],
        &["-N", "-f", ours_md.to_str().unwrap()],
        script,
    );
    assert_eq!(o.status, 0, "{}", o.stderr);
    let sn_md = mk("snail");
    let home = t.join("snail/home");
    fs::create_dir_all(&home).unwrap();
    let mut c = Command::new("/usr/bin/s-nail");
    c.env_clear()
        .env("HOME", &home)
        .env("USER", "root")
        .env("LOGNAME", "root")
        .env("PATH", "/usr/bin:/bin")
        .env("TZ", "UTC")
        .env("MAILRC", "/dev/null")
        .args(["-n", "-N", "-f"])
        .arg(&sn_md)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut ch = c.spawn().unwrap();
    let _ = ch.stdin.take().unwrap().write_all(script.as_bytes());
    assert!(ch.wait().unwrap().success());
    // base → (directory, upper-case flags)
    let norm = |md: &Path| -> BTreeMap<String, (String, String)> {
        names(md)
            .into_iter()
            .map(|n| {
                let (sub, name) = n.split_once('/').unwrap();
                let (base, flags) = name.split_once(":2,").unwrap_or((name, ""));
                let upper: String = flags.chars().filter(char::is_ascii_uppercase).collect();
                (base.to_string(), (sub.to_string(), upper))
            })
            .collect()
    };
    let mut want = norm(&sn_md);
    // Choice 1 (COMPATIBILITY B9): a new message nobody looked at stays in
    // new/; s-nail moves it to cur/ unread.
    let d = want.get_mut("1700000300.4_d.host").unwrap();
    assert_eq!(*d, ("cur".to_string(), String::new()));
    *d = ("new".to_string(), String::new());
    assert_eq!(norm(&ours_md), want);
    // Choice 2: keywords are kept (s-nail drops them).
    assert!(names(&ours_md).contains(&"cur/1700000100.2_b.host,S=52,W=56:2,Fa".to_string()));
    assert!(names(&sn_md).contains(&"cur/1700000100.2_b.host,S=52,W=56:2,F".to_string()));
}
