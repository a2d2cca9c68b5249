//! The header cache's listing (`hcache`): used while `new/` and `cur/`
//! are unchanged and settled, never when they changed, and a session
//! sees the same with it as without any cache.

use std::fs::{self, File};
use std::path::{Path, PathBuf};
use std::time::{Duration, UNIX_EPOCH};

use super::hcache::{self, TEST_DIR};
use super::stamp::{SETTLE, Stamp};
use super::{Maildir, Sub};
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::folder::Folder;
use crate::mailbox::testutil::tmpdir;
use crate::mailbox::write::QuitOptions;

/// Sets the mtime of the file or directory `p` to `secs`.
fn set_mtime(p: &Path, secs: u64) {
    File::open(p)
        .unwrap()
        .set_modified(UNIX_EPOCH + Duration::from_secs(secs))
        .unwrap();
}

/// A message file at `md/sub/name` delivered at `secs`.
fn put(md: &Path, sub: &str, name: &str, subject: &str, secs: u64) {
    let p = md.join(sub).join(name);
    fs::write(
        &p,
        format!("Return-Path: <a@b>\nFrom: a@b\nSubject: {subject}\n\nbody\n"),
    )
    .unwrap();
    set_mtime(&p, secs);
}

/// Both directories' mtimes put back in time (`k` makes each call's
/// different), so the next listing is settled.
fn age_dirs(md: &Path, k: u64) {
    set_mtime(&md.join("new"), 1_600_000_000 + k);
    set_mtime(&md.join("cur"), 1_600_000_000 + k);
}

/// A Maildir of 8 messages in `new/` and `cur/` and one whose name has
/// no delivery time (ordered by its mtime, between messages 2 and 3),
/// its directories settled; the cache directory `t/cache` for this
/// thread.
fn setup() -> (PathBuf, PathBuf) {
    let t = tmpdir();
    let md = t.join("md");
    for s in ["cur", "new", "tmp"] {
        fs::create_dir_all(md.join(s)).unwrap();
    }
    for i in 0..8u64 {
        let secs = 1_700_000_000 + 100 * i;
        if i % 2 == 0 {
            put(
                &md,
                "new",
                &format!("{secs}.M{i}P1.h"),
                &format!("s{i}"),
                secs,
            );
        } else {
            put(
                &md,
                "cur",
                &format!("{secs}.M{i}P1.h:2,S"),
                &format!("s{i}"),
                secs,
            );
        }
    }
    put(&md, "cur", "untimed:2,S", "untimed", 1_700_000_150);
    age_dirs(&md, 0);
    TEST_DIR.with(|d| *d.borrow_mut() = Some(t.join("cache")));
    (t, md)
}

fn open(md: &Path) -> Maildir {
    let mut warn = Vec::new();
    let m = Maildir::open(md, &mut warn).unwrap();
    assert!(warn.is_empty(), "{}", String::from_utf8_lossy(&warn));
    m
}

/// What a session shows of each message: directory, name, size, lines,
/// flags and the subject of its summary.
fn shown(m: &Maildir) -> Vec<String> {
    (0..m.len())
        .map(|i| {
            let e = &m.msgs[i];
            let (block, _) = m.summary_headers(i).unwrap();
            let subject = String::from_utf8_lossy(&block)
                .lines()
                .find(|l| l.starts_with("Subject:"))
                .unwrap_or("")
                .to_string();
            format!(
                "{:?} {} {} {} {:?} {subject}",
                e.sub,
                String::from_utf8_lossy(&e.name),
                m.size(i),
                m.lines(i),
                m.flags(i)
            )
        })
        .collect()
}

/// What a session without any cache shows.
fn uncached(md: &Path) -> Vec<String> {
    let dir = TEST_DIR.with(|d| d.borrow_mut().take());
    let m = open(md);
    assert!(m.listed);
    let v = shown(&m);
    TEST_DIR.with(|d| *d.borrow_mut() = dir);
    v
}

/// Opens `md` (listing it), keeps the cache, and proves the next open
/// takes the cache's listing and shows the same as without a cache.
fn trusted(md: &Path, k: u64) -> Vec<String> {
    age_dirs(md, k);
    let mut m = open(md);
    assert!(m.listed);
    m.keep_cache();
    assert!(hcache::stored_listing(md).unwrap().settled);
    let m = open(md);
    assert!(!m.listed, "the cache's listing is used");
    let v = shown(&m);
    assert_eq!(v, uncached(md));
    v
}

#[test]
fn the_cached_listing_is_used_while_the_directories_are_unchanged() {
    let (t, md) = setup();
    let mut m = open(&md);
    assert!(m.listed);
    let first = shown(&m);
    assert_eq!(first.len(), 9);
    assert!(first[2].contains(" untimed:2,S "), "{first:?}");
    m.keep_cache();
    drop(m);
    let stored = hcache::stored_listing(&md).unwrap();
    assert!(stored.settled);
    for _ in 0..2 {
        let m = open(&md);
        assert!(!m.listed, "the cache's listing is used");
        assert_eq!(shown(&m), first);
    }
    // Reading the cache's listing wrote nothing new.
    let before = fs::read(hcache::file_of(&md)).unwrap();
    open(&md).keep_cache();
    assert_eq!(fs::read(hcache::file_of(&md)).unwrap(), before);
    assert_eq!(uncached(&md), first);
    fs::remove_dir_all(t).unwrap();
}

#[test]
fn deliveries_renames_and_removals_are_seen() {
    let (t, md) = setup();
    let all = trusted(&md, 1);
    // Delivered into new/ after the cache was written.
    put(&md, "new", "1700009999.M99P1.h", "delivered", 1_700_009_999);
    let m = open(&md);
    assert!(m.listed);
    let v = shown(&m);
    assert_eq!(v.len(), all.len() + 1);
    assert!(v.last().unwrap().contains("delivered"), "{v:?}");
    assert_eq!(v, uncached(&md));

    // A flag changed by another program (renamed in cur/).
    trusted(&md, 2);
    fs::rename(
        md.join("cur/1700000100.M1P1.h:2,S"),
        md.join("cur/1700000100.M1P1.h:2,FS"),
    )
    .unwrap();
    let m = open(&md);
    assert!(m.listed);
    let v = shown(&m);
    assert!(v[1].contains("1700000100.M1P1.h:2,FS") && v[1].contains("FLAGGED"));
    assert_eq!(v, uncached(&md));

    // Moved from new/ to cur/ by another program.
    trusted(&md, 3);
    fs::rename(
        md.join("new/1700000200.M2P1.h"),
        md.join("cur/1700000200.M2P1.h:2,S"),
    )
    .unwrap();
    let m = open(&md);
    assert!(m.listed);
    let v = shown(&m);
    assert!(v[3].starts_with("Cur 1700000200.M2P1.h:2,S "), "{v:?}");
    assert_eq!(v, uncached(&md));

    // Removed.
    let before = trusted(&md, 4);
    fs::remove_file(md.join("cur/1700000300.M3P1.h:2,S")).unwrap();
    let m = open(&md);
    assert!(m.listed);
    let v = shown(&m);
    assert_eq!(v.len(), before.len() - 1);
    assert!(!v.iter().any(|l| l.contains("M3P1")));
    assert_eq!(v, uncached(&md));
    fs::remove_dir_all(t).unwrap();
}

#[test]
fn an_unsettled_listing_is_not_trusted() {
    let (t, md) = setup();
    // The directories changed just now: the listing may have missed a
    // change in the same clock tick.
    put(&md, "new", "1700009999.M99P1.h", "now", 1_700_009_999);
    let s = Stamp::take(&md).unwrap();
    assert!(!s.settled);
    let mut m = open(&md);
    assert!(m.listed);
    m.keep_cache();
    let stored = hcache::stored_listing(&md).unwrap();
    assert!(!stored.settled);
    assert_eq!(stored.dirs, s.dirs);
    let m = open(&md);
    assert!(m.listed, "an unsettled listing is not used");
    drop(m);
    // Settled later (here: the directories' mtimes put back), the next
    // listing is recorded and then used.
    age_dirs(&md, 5);
    assert!(Stamp::take(&md).unwrap().settled);
    let mut m = open(&md);
    assert!(m.listed);
    m.keep_cache();
    let m = open(&md);
    assert!(!m.listed);
    assert_eq!(shown(&m), uncached(&md));
    // Settled means SETTLE after the mtime.
    let now = std::time::SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs();
    age_dirs(&md, now - 1_600_000_000 - SETTLE.as_secs() + 2);
    assert!(!Stamp::take(&md).unwrap().settled);
    age_dirs(&md, now - 1_600_000_000 - SETTLE.as_secs() - 1);
    assert!(Stamp::take(&md).unwrap().settled);
    fs::remove_dir_all(t).unwrap();
}

#[test]
fn a_damaged_cache_is_ignored() {
    let (t, md) = setup();
    let want = trusted(&md, 1);
    let file = hcache::file_of(&md);
    let good = fs::read(&file).unwrap();
    // A byte of the listing's middle (a name: only the checksum tells),
    // the stamp's last byte, the checksum, a truncated file, garbage.
    let mut damaged = Vec::new();
    for at in [good.len() / 2, good.len() - 17, good.len() - 1] {
        let mut b = good.clone();
        b[at] ^= 0x01;
        damaged.push(b);
    }
    damaged.push(good[..good.len() - 5].to_vec());
    damaged.push(b"garbage".repeat(40));
    for bad in damaged {
        fs::write(&file, &bad).unwrap();
        let m = open(&md);
        assert!(m.listed, "a damaged cache's listing is not used");
        assert_eq!(shown(&m), want);
    }
    fs::remove_dir_all(t).unwrap();
}

#[test]
fn a_file_gone_although_the_stamps_match_is_handled() {
    let (t, md) = setup();
    let want = trusted(&md, 1);
    // Removed, and the cache's stamp forged to match the directories
    // now (as a directory mtime set back could, were ctime not checked).
    fs::remove_file(md.join("cur/1700000300.M3P1.h:2,S")).unwrap();
    hcache::restamp(&md);
    let mut m = open(&md);
    assert!(!m.listed);
    assert_eq!(m.len(), want.len());
    let gone = (0..m.len())
        .find(|&i| m.msgs[i].sub == Sub::Cur && m.msgs[i].name.starts_with(b"1700000300."))
        .unwrap();
    // Shown empty; reading it is an error, the others are read.
    assert_eq!(m.size(gone), 0);
    assert!(m.open_message(gone).is_err());
    assert!(m.open_message(gone + 1).is_ok());
    // The cache written again holds no listing any more.
    m.keep_cache();
    assert!(hcache::stored_listing(&md).is_none());
    let m = open(&md);
    assert!(m.listed);
    assert_eq!(m.len(), want.len() - 1);
    fs::remove_dir_all(t).unwrap();
}

#[test]
fn quit_keeps_the_listing_only_when_it_changed_no_file() {
    let (t, md) = setup();
    let want = trusted(&md, 1);
    let opts = QuitOptions::new(false, t.join("mbox"));
    let (mut out, mut warn) = (Vec::new(), Vec::new());
    // Nothing read, nothing deleted: no file renamed, the listing stays.
    let mut m = open(&md);
    assert!(!m.listed);
    m.quit(&opts, &mut out, &mut warn).unwrap();
    assert!(hcache::stored_listing(&md).unwrap().settled);
    let m = open(&md);
    assert!(!m.listed);
    assert_eq!(shown(&m), want);
    // A message deleted: its file removed, the cache written without a
    // listing, and the next open lists the directories.
    let mut m = open(&md);
    m.flags_mut(0).insert(MsgFlags::DELETED);
    m.quit(&opts, &mut out, &mut warn).unwrap();
    assert!(!md.join("new/1700000000.M0P1.h").exists());
    assert!(hcache::stored_listing(&md).is_none());
    let m = open(&md);
    assert!(m.listed);
    assert_eq!(shown(&m), want[1..]);
    fs::remove_dir_all(t).unwrap();
}
