//! Robustness tests for the mailbox write-back: kill -9 in the middle of a
//! rewrite, a deliverer appending concurrently under the same locks, a
//! full disk, and arbitrary bytes fed to the indexer.
//!
//! Child processes are this test binary run again with `MAILX_HELPER` set
//! (fcntl locks only conflict between processes).

use std::collections::HashMap;
use std::fs;
use std::io::Write;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod common;
use common::{Req, TempDir, unprivileged_prefix};

use mailx::mailbox::{
    LockOptions, Mailbox, MailboxLock, MsgFlags, QuitOptions, RewriteMethod, WriteError, quit,
    recover_interrupted,
};

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545F4914F6CDD1D)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn message(id: usize) -> String {
    format!("From u{id}@example.org Mon Jan  1 10:00:00 2001\nSubject: id {id}\n\nbody of {id}\n\n")
}

/// The `Subject: id N` of every message, in order.
fn ids(path: &Path) -> Vec<usize> {
    let mb = Mailbox::open(path).unwrap();
    (0..mb.len())
        .map(|i| {
            let h = mb.headers(i).unwrap();
            let s = String::from_utf8(h.get("subject").unwrap().to_vec()).unwrap();
            s.strip_prefix("id ").unwrap().parse().unwrap()
        })
        .collect()
}

fn helper(kind: &str, args: &[(&str, String)]) -> Command {
    let mut c = Command::new(std::env::current_exe().unwrap());
    c.args(["--exact", "helper_entry", "--nocapture", "--test-threads=1"])
        .env("MAILX_HELPER", kind)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit());
    for (k, v) in args {
        c.env(k, v);
    }
    c
}

/// Not a test of its own: the body of the child processes.
#[test]
fn helper_entry() {
    let Ok(kind) = std::env::var("MAILX_HELPER") else {
        return;
    };
    let path = PathBuf::from(std::env::var("MAILX_BOX").unwrap());
    match kind.as_str() {
        "rewrite" => {
            // Delete every message with an odd id and write back.
            let inplace = std::env::var("MAILX_INPLACE").is_ok();
            let mut mb = Mailbox::open(&path).unwrap();
            for i in 0..mb.len() {
                if i % 2 == 1 {
                    mb.flags_mut(i).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
                }
            }
            let mut o = QuitOptions::new(false, path.with_file_name("mbox"));
            o.backup_dir = PathBuf::from(std::env::var("MAILX_BACKUP").unwrap());
            if inplace {
                o.method = RewriteMethod::InPlace;
            }
            quit(&mut mb, &o, &mut std::io::sink(), &mut std::io::stderr()).unwrap();
        }
        "deliver" => {
            // Append messages with ids from..to under fcntl + dotlock.
            let from: usize = std::env::var("MAILX_FROM").unwrap().parse().unwrap();
            let to: usize = std::env::var("MAILX_TO").unwrap().parse().unwrap();
            let opts = LockOptions {
                timeout: Duration::from_secs(20),
                ..Default::default()
            };
            for id in from..to {
                let l = MailboxLock::acquire(&path, &opts, &mut std::io::stderr()).unwrap();
                let f = l.file();
                let end = f.metadata().unwrap().len();
                f.write_all_at(message(id).as_bytes(), end).unwrap();
                f.sync_data().unwrap();
                drop(l);
                std::thread::sleep(Duration::from_millis(3));
            }
        }
        "unprivileged" => {
            // Run as a user who cannot write in the mailbox directory.
            let lp = mailx::mailbox::lock::lock_path(&path);
            let mut opts = LockOptions {
                timeout: Duration::from_secs(10),
                ..Default::default()
            };
            if std::env::var("MAILX_NOHELPER").is_ok() {
                opts.helper = None;
            }
            let mut warn = Vec::new();
            let l = MailboxLock::acquire(&path, &opts, &mut warn).unwrap();
            // A second lock in this process must not warn again.
            drop(l);
            let l = MailboxLock::acquire(&path, &opts, &mut warn).unwrap();
            print!("warn:{}", String::from_utf8_lossy(&warn));
            println!(
                "dot={} own={} exists={}",
                l.has_dotlock(),
                l.own_dotlock(),
                lp.exists()
            );
            drop(l);
            println!("after={}", lp.exists());
            let mut mb = Mailbox::open(&path).unwrap();
            mb.flags_mut(0).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
            let mut o = QuitOptions::new(true, path.with_file_name("mbox"));
            o.backup_dir = PathBuf::from(std::env::var("MAILX_BACKUP").unwrap());
            o.lock = opts;
            let mut out = Vec::new();
            quit(&mut mb, &o, &mut out, &mut warn).unwrap();
            print!("{}", String::from_utf8_lossy(&out));
            println!("lock-after-quit={}", lp.exists());
        }
        other => panic!("unknown helper {other}"),
    }
    std::process::exit(0);
}

#[test]
fn kill_9_during_write_back_leaves_old_or_new() {
    const N: usize = 10_000;
    let dir = TempDir::new("kill");
    let backup = dir.join("backup");
    fs::create_dir_all(&backup).unwrap();
    let boxp = dir.join("box");
    let old: String = (0..N).map(message).collect();
    let old_ids: Vec<usize> = (0..N).collect();
    let new_ids: Vec<usize> = (0..N).step_by(2).collect();
    let mut rng = Rng(0x9e3779b97f4a7c15);
    // Time one full run to spread the kills over it.
    fs::write(&boxp, &old).unwrap();
    let t = Instant::now();
    let st = helper(
        "rewrite",
        &[
            ("MAILX_BOX", boxp.display().to_string()),
            ("MAILX_BACKUP", backup.display().to_string()),
        ],
    )
    .status()
    .unwrap();
    assert!(st.success());
    let full = t.elapsed();
    assert_eq!(ids(&boxp), new_ids);
    let (mut saw_old, mut saw_new, mut recovered) = (0, 0, 0);
    for round in 0..200 {
        let inplace = round % 2 == 1;
        fs::write(&boxp, &old).unwrap();
        let mut args = vec![
            ("MAILX_BOX", boxp.display().to_string()),
            ("MAILX_BACKUP", backup.display().to_string()),
        ];
        if inplace {
            args.push(("MAILX_INPLACE", "1".into()));
        }
        let mut ch = helper("rewrite", &args).spawn().unwrap();
        // Most of a run is process start-up and indexing: aim the kills at
        // the second half, where the write happens.
        let us = full.as_micros() as u64;
        let wait = us * 4 / 10 + rng.below(us * 9 / 10 + 1);
        std::thread::sleep(Duration::from_micros(wait));
        let _ = ch.kill(); // SIGKILL
        let _ = ch.wait();
        if inplace
            && recover_interrupted(
                &boxp,
                &backup,
                &LockOptions {
                    dotlock: false,
                    timeout: Duration::from_secs(5),
                    ..Default::default()
                },
                &mut std::io::stderr(),
            )
            .unwrap()
        {
            recovered += 1;
        }
        let got = ids(&boxp);
        if got == old_ids {
            saw_old += 1;
        } else if got == new_ids {
            saw_new += 1;
        } else {
            panic!(
                "round {round} (in place: {inplace}): {} messages, neither old nor new",
                got.len()
            );
        }
    }
    // Temporary files of killed runs are cleaned up by the next run.
    fs::write(&boxp, &old).unwrap();
    let st = helper(
        "rewrite",
        &[
            ("MAILX_BOX", boxp.display().to_string()),
            ("MAILX_BACKUP", backup.display().to_string()),
        ],
    )
    .status()
    .unwrap();
    assert!(st.success());
    let left: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "stale temporary files: {left:?}");
    eprintln!(
        "kill -9: {saw_old} old, {saw_new} new, {recovered} recovered from an interrupted in-place rewrite (one run {full:?})"
    );
}

#[test]
fn concurrent_deliverer_loses_nothing() {
    const TOTAL: usize = 500;
    let dir = TempDir::new("deliver");
    let boxp = dir.join("box");
    fs::write(&boxp, b"").unwrap();
    let mut ch = helper(
        "deliver",
        &[
            ("MAILX_BOX", boxp.display().to_string()),
            ("MAILX_FROM", "0".into()),
            ("MAILX_TO", TOTAL.to_string()),
        ],
    )
    .spawn()
    .unwrap();
    let lock = LockOptions {
        timeout: Duration::from_secs(20),
        ..Default::default()
    };
    let mut rounds = 0;
    let mut done = false;
    // Write back until the deliverer is finished, then once more.
    while !done {
        done = ch.try_wait().unwrap().is_some();
        rounds += 1;
        std::thread::sleep(Duration::from_millis(2));
        let mut mb = match Mailbox::open_locked(&boxp, &lock, &mut std::io::stderr()) {
            Ok(m) => m,
            Err(e) => panic!("open: {e}"),
        };
        // Delete messages with ids divisible by 3; leave the rest untouched.
        for i in 0..mb.len() {
            let s = mb.headers(i).unwrap().get("subject").unwrap().to_vec();
            let id: usize = String::from_utf8(s)
                .unwrap()
                .strip_prefix("id ")
                .unwrap()
                .parse()
                .unwrap();
            if id.is_multiple_of(3) {
                mb.flags_mut(i).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
            }
        }
        let mut o = QuitOptions::new(true, dir.join("mbox"));
        o.lock = lock.clone();
        o.backup_dir = dir.to_path_buf();
        if rounds % 2 == 0 {
            o.method = RewriteMethod::InPlace;
        }
        match quit(&mut mb, &o, &mut std::io::sink(), &mut std::io::stderr()) {
            Ok(_) => {}
            Err(WriteError::Lock(e)) => eprintln!("round {rounds}: {e}"),
            Err(e) => panic!("round {rounds}: {e}"),
        }
    }
    assert!(ch.wait().unwrap().success());
    let got = ids(&boxp);
    let mut count: HashMap<usize, usize> = HashMap::new();
    for id in &got {
        *count.entry(*id).or_default() += 1;
    }
    for id in 0..TOTAL {
        let c = count.get(&id).copied().unwrap_or(0);
        if id.is_multiple_of(3) {
            assert_eq!(c, 0, "id {id} appears {c} times");
        } else {
            assert_eq!(c, 1, "id {id} appears {c} times");
        }
    }
    assert!(
        !dir.join("mbox").exists(),
        "nothing was read, mbox must not exist"
    );
    eprintln!(
        "deliverer: {rounds} write-backs, {} messages left",
        got.len()
    );
}

/// Mounts a small tmpfs on `dir`; None when this machine cannot (see
/// `require`).
fn small_fs(dir: &Path, size: &str) -> Option<()> {
    require!(Req::Tmpfs);
    let ok = Command::new("mount")
        .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
        .arg(dir)
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok, "mount a tmpfs on {}", dir.display());
    Some(())
}

fn umount(dir: &Path) {
    let _ = Command::new("umount").arg(dir).status();
}

#[test]
fn full_disk_leaves_the_original() {
    let dir = TempDir::new("enospc");
    if small_fs(&dir, "256k").is_none() {
        return;
    }
    let r = std::panic::catch_unwind(|| {
        let boxp = dir.join("box");
        // ~170 KiB of mail: a second copy does not fit.
        let old: String = (0..2200).map(message).collect();
        fs::write(&boxp, &old).unwrap();
        for method in [RewriteMethod::Auto, RewriteMethod::InPlace] {
            let mut mb = Mailbox::open(&boxp).unwrap();
            // New messages get a Status line: the file must be rewritten.
            mb.flags_mut(0).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
            let mut o = QuitOptions::new(false, dir.join("mbox"));
            o.method = method;
            o.backup_dir = dir.to_path_buf();
            let mut out = Vec::new();
            let e = quit(&mut mb, &o, &mut out, &mut std::io::stderr())
                .expect_err("the disk is too small");
            let text = e.to_string();
            assert!(text.contains("No space left on device"), "{text}");
            assert!(out.is_empty(), "nothing printed on failure");
            assert_eq!(fs::read(&boxp).unwrap(), old.as_bytes(), "{method:?}");
            // No temporary file left behind.
            let left: Vec<_> = fs::read_dir(&dir)
                .unwrap()
                .map(|e| e.unwrap().file_name())
                .collect();
            assert_eq!(left, vec![std::ffi::OsString::from("box")], "{method:?}");
        }
    });
    umount(&dir);
    if let Err(p) = r {
        std::panic::resume_unwind(p);
    }
}

#[test]
fn arbitrary_bytes_never_panic() {
    let mut rng = Rng(42);
    let pieces: [&[u8]; 12] = [
        b"From a@b Mon Jan  1 10:00:00 2001\n",
        b"From ",
        b"\n",
        b"\r\n",
        b"\r",
        b"Status: RO\n",
        b"status:",
        b"Subject: x\n",
        b" folded\n",
        b"\0",
        b"From bare\n",
        b"x",
    ];
    let dir = TempDir::new("fuzz");
    for round in 0..400 {
        let mut data = Vec::new();
        let n = rng.below(60);
        for _ in 0..n {
            if rng.below(4) == 0 {
                let k = rng.below(40) as usize;
                data.extend((0..k).map(|_| rng.next() as u8));
            } else {
                data.extend_from_slice(pieces[rng.below(pieces.len() as u64) as usize]);
            }
        }
        if round % 50 == 0 {
            // Some long lines around the fgets limit.
            data.extend(std::iter::repeat_n(b'y', 8190 + rng.below(4) as usize));
            data.extend_from_slice(b"\r\n\nFrom z@w x\n");
        }
        let p = dir.join("box");
        fs::write(&p, &data).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        let mut total = mb.preamble_len();
        for i in 0..mb.len() {
            let e = mb.entry(i).clone();
            total += e.len;
            let raw = mb.raw_message(i).unwrap();
            assert_eq!(raw.len() as u64, e.size, "round {round} message {i}");
            mb.headers(i).unwrap();
            mb.from_line(i).unwrap();
            let mut out = Vec::new();
            mailx::mailbox::render_message(&mb, i, e.flags, &Default::default(), &mut out).unwrap();
        }
        assert_eq!(
            total,
            data.len() as u64,
            "round {round}: every byte belongs somewhere"
        );
        // Write back (edit mode) and re-read: never panics, same count.
        for i in 0..mb.len() {
            if i % 2 == 0 {
                mb.flags_mut(i).insert(MsgFlags::TOUCH | MsgFlags::READ);
            }
        }
        let before = mb.len();
        let o = QuitOptions::new(false, dir.join("mbox"));
        quit(&mut mb, &o, &mut std::io::sink(), &mut std::io::sink()).unwrap();
        let again = Mailbox::open(&p).unwrap();
        assert!(
            again.len() >= before,
            "round {round}: messages lost on rewrite"
        );
    }
}

#[test]
fn new_mail_during_session_is_kept() {
    let dir = TempDir::new("newmail");
    let boxp = dir.join("box");
    fs::write(&boxp, format!("{}{}", message(1), message(2))).unwrap();
    let mut mb = Mailbox::open(&boxp).unwrap();
    mb.flags_mut(0)
        .insert(MsgFlags::TOUCH | MsgFlags::READ | MsgFlags::STATUS);
    let mut f = fs::OpenOptions::new().append(true).open(&boxp).unwrap();
    f.write_all(message(3).as_bytes()).unwrap();
    drop(f);
    let mut o = QuitOptions::new(true, dir.join("mbox"));
    o.backup_dir = dir.to_path_buf();
    let mut out = Vec::new();
    quit(&mut mb, &o, &mut out, &mut std::io::stderr()).unwrap();
    let out = String::from_utf8(out).unwrap();
    assert_eq!(
        out,
        format!(
            "New mail has arrived.\nSaved 1 message in {}\nHeld 1 message in {}\n",
            dir.join("mbox").display(),
            boxp.display()
        )
    );
    assert_eq!(ids(&boxp), vec![2, 3]);
    // The new mail is kept verbatim.
    assert!(fs::read_to_string(&boxp).unwrap().ends_with(&message(3)));
    // A mailbox that shrank is refused and left alone.
    let mut mb = Mailbox::open(&boxp).unwrap();
    mb.flags_mut(0).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
    let short = message(2);
    fs::write(&boxp, &short).unwrap();
    match quit(&mut mb, &o, &mut std::io::sink(), &mut std::io::stderr()) {
        Err(WriteError::Changed(_)) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(fs::read_to_string(&boxp).unwrap(), short);
}

#[test]
fn unprivileged_user_locks_through_dotlockfile_and_rewrites_in_place() {
    use std::os::unix::fs::PermissionsExt;
    require!(Req::Nobody);
    require!(Req::Dotlockfile);
    let Some(nobody) = unprivileged_prefix() else {
        return;
    };
    // A /var/mail look-alike: root:mail 2775, the box owned by nobody.
    let dir = TempDir::new("varmail");
    let backup = TempDir::new("nobody-home");
    let boxp = dir.join("box");
    fs::write(&boxp, format!("{}{}", message(1), message(2))).unwrap();
    let chown = |p: &Path, who: &str| {
        assert!(
            Command::new("chown")
                .arg(who)
                .arg(p)
                .status()
                .unwrap()
                .success()
        );
    };
    chown(&dir, "root:mail");
    fs::set_permissions(&dir, fs::Permissions::from_mode(0o2775)).unwrap();
    chown(&boxp, "nobody:mail");
    fs::set_permissions(&boxp, fs::Permissions::from_mode(0o660)).unwrap();
    chown(&backup, "nobody");
    let exe = std::env::current_exe().unwrap();
    let run = |nohelper: bool| {
        let mut c = Command::new(&nobody[0]);
        c.args(&nobody[1..])
            .arg(&exe)
            .args(["--exact", "helper_entry", "--nocapture", "--test-threads=1"])
            .env("MAILX_HELPER", "unprivileged")
            .env("MAILX_BOX", &boxp)
            .env("MAILX_BACKUP", &backup);
        if nohelper {
            c.env("MAILX_NOHELPER", "1");
        }
        let out = c.output().unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        text
    };
    // Without dotlockfile: fcntl only, said once.
    // (Same inode, so owner and mode stay.)
    fs::write(&boxp, format!("{}{}{}", message(0), message(1), message(2))).unwrap();
    let text = run(true);
    assert!(text.contains("dot=false own=false exists=false"), "{text}");
    let lp = mailx::mailbox::lock::lock_path(&boxp);
    let warning = format!(
        "mail: cannot create lock file {}: Permission denied; using only fcntl locking\n",
        lp.display()
    );
    assert!(text.contains(&format!("warn:{warning}dot=")), "{text}");
    assert_eq!(text.matches("using only fcntl").count(), 1, "{text}");
    assert_eq!(ids(&boxp), vec![1, 2]);
    // With dotlockfile.
    let text = run(false);
    assert!(
        text.contains("warn:dot=true own=false exists=true"),
        "{text}"
    );
    assert!(text.contains("after=false"), "{text}");
    assert!(
        text.contains(&format!("Held 1 message in {}", boxp.display())),
        "{text}"
    );
    assert!(text.contains("lock-after-quit=false"), "{text}");
    // Rewritten in place: same inode owner, mode kept, message 1 gone.
    use std::os::unix::fs::MetadataExt;
    let m = fs::metadata(&boxp).unwrap();
    assert_eq!(m.mode() & 0o7777, 0o660);
    assert_eq!(ids(&boxp), vec![2]);
    // No recovery file left.
    assert_eq!(fs::read_dir(&backup).unwrap().count(), 0);
}
