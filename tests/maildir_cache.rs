//! The Maildir header cache (`src/mailbox/maildir/hcache.rs`) is an
//! optimisation only: whatever happened to the folder or to the cache
//! file since it was written (flags renamed by another program, a file
//! replaced, removed or delivered, a damaged cache, another folder's
//! cache, a cache directory we may not write), the session shows exactly
//! what it shows with `noheadercache` — never a wrong summary, never a
//! message hidden or invented — and nothing is written into the Maildir.

mod common;

use std::fs::{self, File};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::{TempDir, ours};

/// Runs our binary on the Maildir `md` with `script` (HOME `t/home`,
/// XDG_CACHE_HOME `cache`, TZ UTC; `nocache`: `set noheadercache` in the
/// rc file). Returns stdout and stderr together, and the exit status.
fn run_with(t: &Path, cache: &Path, md: &Path, nocache: bool, script: &str) -> (String, i32) {
    let home = t.join("home");
    fs::create_dir_all(&home).unwrap();
    let rc = t.join(if nocache { "nocache.rc" } else { "empty.rc" });
    fs::write(&rc, if nocache { "set noheadercache\n" } else { "" }).unwrap();
    let mut ch = Command::new(ours())
        .env_clear()
        .env("HOME", &home)
        .env("USER", "alice")
        .env("LOGNAME", "alice")
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .env("MAILRC", &rc)
        .env("XDG_CACHE_HOME", cache)
        .current_dir(&home)
        .args(["-N", "-f"])
        .arg(md)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let _ = ch.stdin.take().unwrap().write_all(script.as_bytes());
    let o = ch.wait_with_output().unwrap();
    let mut s = String::from_utf8_lossy(&o.stdout).into_owned();
    s.push_str("--- stderr\n");
    s.push_str(&String::from_utf8_lossy(&o.stderr));
    (s, o.status.code().unwrap_or(-1))
}

/// What the session shows: every summary line, two messages printed, the
/// envelope of each (`from *`, `p 1`, `p $`, `size *`), then `x`.
const LOOK: &str = "from *\np 1\np $\nsize *\nx\n";

/// The output with the cache in `cache` and without any cache, which
/// must be the same; returns it.
fn same_with_and_without(t: &Path, cache: &Path, md: &Path) -> String {
    let (with, st1) = run_with(t, cache, md, false, LOOK);
    let (without, st2) = run_with(t, cache, md, true, LOOK);
    assert_eq!(with, without, "with the cache / without");
    assert_eq!((st1, st2), (0, 0));
    with
}

/// A message whose Subject is `subj`.
fn msg(from: &str, subj: &str, body_lines: usize) -> String {
    let mut m =
        format!("Return-Path: <{from}>\nFrom: {from}\nTo: alice@example.org\nSubject: {subj}\n\n");
    for k in 0..body_lines {
        m.push_str(&format!("line {k}\n"));
    }
    m
}

/// Writes `content` to `path` with mtime `secs` (in the past, so the
/// cache records it).
fn put(path: &Path, content: &str, secs: u64) {
    fs::write(path, content).unwrap();
    set_mtime(path, secs);
}

fn set_mtime(path: &Path, secs: u64) {
    File::options()
        .write(true)
        .open(path)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// A Maildir with `n` messages in `new/` and `cur/`, delivered long ago.
fn maildir(p: &Path, n: usize) -> PathBuf {
    for s in ["cur", "new", "tmp"] {
        fs::create_dir_all(p.join(s)).unwrap();
    }
    for i in 0..n {
        let t = 1_700_000_000 + 100 * i as u64;
        let (sub, info) = if i % 3 == 0 {
            ("new", "")
        } else {
            ("cur", ":2,S")
        };
        put(
            &p.join(sub).join(format!("{t}.M{i}P1.host{info}")),
            &msg(&format!("u{i}@example.org"), &format!("subject {i}"), i % 5),
            t,
        );
    }
    p.to_path_buf()
}

/// Every name in the Maildir's three directories, sorted.
fn names(md: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for s in ["cur", "new", "tmp"] {
        for e in fs::read_dir(md.join(s)).unwrap() {
            v.push(format!("{s}/{}", e.unwrap().file_name().to_string_lossy()));
        }
    }
    v.sort();
    v
}

/// The one cache file in `cache/mailx` whose name starts `maildir-`.
fn cache_files(cache: &Path) -> Vec<PathBuf> {
    let Ok(rd) = fs::read_dir(cache.join("mailx")) else {
        return Vec::new();
    };
    let mut v: Vec<PathBuf> = rd
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("maildir-")
        })
        .collect();
    v.sort();
    v
}

#[test]
fn the_cache_is_kept_outside_the_maildir_and_used() {
    let t = TempDir::new("hc-used");
    let cache = t.join("cache");
    let md = maildir(&t.join("md"), 30);
    let before = names(&md);
    let first = same_with_and_without(&t, &cache, &md);
    assert!(first.contains("subject 29"), "{first}");
    assert_eq!(names(&md), before, "nothing written into the Maildir");
    let files = cache_files(&cache);
    assert_eq!(files.len(), 1, "{files:?}");
    // It holds senders and subjects: private.
    let mode = |p: &Path| fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&files[0]), 0o600);
    assert_eq!(mode(&cache.join("mailx")), 0o700);
    // A second session reads the cache and shows the same.
    let (again, _) = run_with(&t, &cache, &md, false, LOOK);
    assert_eq!(again, first);
    // The one change the cache cannot see (as mutt's): the same size and
    // the same mtime. Shown from the cache, this proves it is used.
    let p = md.join("cur/1700000100.M1P1.host:2,S");
    let old = fs::read_to_string(&p).unwrap();
    put(
        &p,
        &old.replace("subject 1\n", "SUBJECT 1\n"),
        1_700_000_100,
    );
    let (cached, _) = run_with(&t, &cache, &md, false, "from 2\nx\n");
    assert!(cached.contains("subject 1\n"), "{cached}");
    let (fresh, _) = run_with(&t, &cache, &md, true, "from 2\nx\n");
    assert!(fresh.contains("SUBJECT 1\n"), "{fresh}");
}

#[test]
fn a_stale_cache_never_shows_a_wrong_summary() {
    let t = TempDir::new("hc-stale");
    let cache = t.join("cache");
    let md = maildir(&t.join("md"), 12);
    same_with_and_without(&t, &cache, &md);
    assert_eq!(cache_files(&cache).len(), 1);

    // Another program changes flags: cur/ S → FS, new/ → cur/ with S.
    fs::rename(
        md.join("cur/1700000100.M1P1.host:2,S"),
        md.join("cur/1700000100.M1P1.host:2,FS"),
    )
    .unwrap();
    fs::rename(
        md.join("new/1700000300.M3P1.host"),
        md.join("cur/1700000300.M3P1.host:2,S"),
    )
    .unwrap();
    let out = same_with_and_without(&t, &cache, &md);
    assert!(!out.contains("N  4 "), "{out}");

    // A file replaced: the same size, another mtime, another subject.
    let p = md.join("cur/1700000200.M2P1.host:2,S");
    let old = fs::read_to_string(&p).unwrap();
    put(
        &p,
        &old.replace("subject 2\n", "changed 2\n"),
        1_600_000_000,
    );
    let out = same_with_and_without(&t, &cache, &md);
    assert!(
        out.contains("changed 2") && !out.contains("subject 2\n"),
        "{out}"
    );

    // A file replaced by one of another size, the same mtime.
    let p = md.join("cur/1700000400.M4P1.host:2,S");
    put(
        &p,
        &msg("x@example.org", "longer and new 4", 40),
        1_700_000_400,
    );
    let out = same_with_and_without(&t, &cache, &md);
    assert!(out.contains("longer and new 4"), "{out}");

    // A file removed, a file delivered.
    fs::remove_file(md.join("cur/1700000500.M5P1.host:2,S")).unwrap();
    put(
        &md.join("new/1700009999.M99P1.host"),
        &msg("new@example.org", "just delivered", 3),
        1_700_009_999,
    );
    let out = same_with_and_without(&t, &cache, &md);
    assert!(!out.contains("subject 5\n"), "{out}");
    assert!(out.contains("just delivered"), "{out}");
    assert!(out.contains("12 messages"), "{out}");

    // A file delivered just now (not yet in any cache), and the cache
    // written again at quit after flags changed.
    put(
        &md.join("new/1700010000.M100P1.host"),
        &msg("now@example.org", "right now", 1),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    );
    let (q, st) = run_with(&t, &cache, &md, false, "p 1\nd 2\nq\n");
    assert_eq!(st, 0, "{q}");
    let out = same_with_and_without(&t, &cache, &md);
    assert!(
        out.contains("right now") && out.contains("12 messages"),
        "{out}"
    );
}

#[test]
fn a_damaged_cache_or_another_folders_is_ignored_and_rebuilt() {
    let t = TempDir::new("hc-damaged");
    let cache = t.join("cache");
    let md = maildir(&t.join("md"), 10);
    let want = same_with_and_without(&t, &cache, &md);
    let file = cache_files(&cache).pop().unwrap();
    let good = fs::read(&file).unwrap();

    // Garbage, an empty file, a truncated one, one flipped byte in the
    // middle (a record's fields: only the checksum can tell).
    let mut flipped = good.clone();
    let mid = good.len() / 2;
    flipped[mid] ^= 0x20;
    let damaged: Vec<Vec<u8>> = vec![
        b"garbage\n".repeat(100),
        Vec::new(),
        good[..good.len() - 3].to_vec(),
        flipped,
    ];
    for bad in damaged {
        fs::write(&file, &bad).unwrap();
        let (out, st) = run_with(&t, &cache, &md, false, LOOK);
        assert_eq!((out.as_str(), st), (want.as_str(), 0));
        // Rebuilt silently.
        assert_eq!(fs::read(&file).unwrap(), good);
    }

    // Another folder's cache put in this folder's place.
    let other = maildir(&t.join("other"), 4);
    fs::rename(
        other.join("cur/1700000100.M1P1.host:2,S"),
        other.join("cur/x"),
    )
    .unwrap();
    same_with_and_without(&t, &cache, &other);
    let files = cache_files(&cache);
    assert_eq!(files.len(), 2, "{files:?}");
    let other_file = files.into_iter().find(|f| *f != file).unwrap();
    fs::copy(&other_file, &file).unwrap();
    let (out, _) = run_with(&t, &cache, &md, false, LOOK);
    assert_eq!(out, want);
    // The same Maildir under another name (a symbolic link) shares it.
    std::os::unix::fs::symlink(&md, t.join("link")).unwrap();
    let (out, _) = run_with(&t, &cache, &t.join("link"), false, "from *\nx\n");
    let (direct, _) = run_with(&t, &cache, &md, false, "from *\nx\n");
    assert_eq!(
        out.replace(t.join("link").to_str().unwrap(), "MD"),
        direct.replace(md.to_str().unwrap(), "MD")
    );
}

#[test]
fn a_cache_directory_that_cannot_be_written_changes_nothing() {
    let t = TempDir::new("hc-unwritable");
    let md = maildir(&t.join("md"), 6);
    // XDG_CACHE_HOME below a regular file: no directory can be made
    // there (root or not).
    let blocker = t.join("blocker");
    fs::write(&blocker, "").unwrap();
    let cache = blocker.join("cache");
    let out = same_with_and_without(&t, &cache, &md);
    assert!(out.ends_with("--- stderr\n"), "no complaint: {out}");
    let (q, st) = run_with(&t, &cache, &md, false, "p 1\nq\n");
    assert_eq!(st, 0, "{q}");
    assert!(q.ends_with("--- stderr\n"), "{q}");
    // And `noheadercache` writes none at all.
    let t2 = TempDir::new("hc-off");
    let md2 = maildir(&t2.join("md"), 3);
    let cache2 = t2.join("cache");
    run_with(&t2, &cache2, &md2, true, "from *\np 1\nq\n");
    assert!(cache_files(&cache2).is_empty());
}

/// Puts the mtimes of `md`'s `new/` and `cur/` back in time (`k` makes
/// each call's different), so that the next session's listing is settled
/// and kept in the cache.
fn age_dirs(md: &Path, k: u64) {
    for s in ["new", "cur"] {
        File::open(md.join(s))
            .unwrap()
            .set_modified(UNIX_EPOCH + Duration::from_secs(1_600_000_000 + k))
            .unwrap();
    }
}

/// The cache also holds the listing of `new/` and `cur/`, used instead
/// of listing them while they are unchanged (src/mailbox/maildir/
/// listing_tests.rs proves it is used): every delivery, rename and
/// removal since it was written is seen all the same, and a damaged one
/// is ignored.
#[test]
fn the_cached_listing_never_hides_a_change() {
    let t = TempDir::new("hc-listing");
    let cache = t.join("cache");
    let md = maildir(&t.join("md"), 12);
    // A session on settled directories writes a listing the next uses.
    let settle = |k: u64| {
        age_dirs(&md, k);
        let out = same_with_and_without(&t, &cache, &md);
        let (again, st) = run_with(&t, &cache, &md, false, LOOK);
        assert_eq!((again.as_str(), st), (out.as_str(), 0));
        out
    };
    let first = settle(1);
    assert!(first.contains("12 messages"), "{first}");

    // Delivered into new/ after the cache was written.
    put(
        &md.join("new/1700009999.M99P1.host"),
        &msg("new@example.org", "just delivered", 3),
        1_700_009_999,
    );
    let out = same_with_and_without(&t, &cache, &md);
    assert!(
        out.contains("just delivered") && out.contains("13 messages"),
        "{out}"
    );

    // A flag changed by another program (a rename in cur/: marked
    // unread): seen.
    let before = settle(2);
    assert!(before.contains("\n    2 u1@example.org"), "{before}");
    fs::rename(
        md.join("cur/1700000100.M1P1.host:2,S"),
        md.join("cur/1700000100.M1P1.host:2,"),
    )
    .unwrap();
    let out = same_with_and_without(&t, &cache, &md);
    assert!(out.contains("\n U  2 u1@example.org"), "{out}");

    // Removed.
    settle(3);
    fs::remove_file(md.join("cur/1700000500.M5P1.host:2,S")).unwrap();
    let out = same_with_and_without(&t, &cache, &md);
    assert!(
        !out.contains("subject 5\n") && out.contains("12 messages"),
        "{out}"
    );

    // Damaged (one byte of a name in the middle): ignored, rebuilt.
    let want = settle(4);
    let file = cache_files(&cache).pop().unwrap();
    let good = fs::read(&file).unwrap();
    let mut bad = good.clone();
    bad[good.len() / 2] ^= 0x01;
    fs::write(&file, &bad).unwrap();
    let (out, st) = run_with(&t, &cache, &md, false, LOOK);
    assert_eq!((out.as_str(), st), (want.as_str(), 0));
    assert_eq!(fs::read(&file).unwrap(), good);
}
