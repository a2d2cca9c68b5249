//! Maildir under pressure: a deliverer adding 500 messages into `new/`
//! while sessions of ours delete, read, flag and quit and another program
//! flips flags and moves files from `new/` to `cur/` (no message lost,
//! none duplicated, none resurrected: checked by unique subjects and
//! Message-IDs); and SIGKILL at every rename/unlink of quit (an LD_PRELOAD
//! shim counting them, killing before or after the k-th one) and after
//! random delays (deterministic seeds): a message may stay where it was or
//! keep its old flags, but it never vanishes and never exists twice.

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::Write;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{Req, TempDir, clean_session, compile_c, ours, rng};

/// Starts our binary on the Maildir `md` (`-N -f`), `env` added, with
/// `script` on stdin; HOME is `home`.
fn spawn(home: &Path, md: &Path, env: &[(&str, &str)], script: &str) -> Child {
    spawn_args(home, &["-N", "-f", md.to_str().unwrap()], env, script)
}

/// [`spawn`] with the arguments `args`.
fn spawn_args(home: &Path, args: &[&str], env: &[(&str, &str)], script: &str) -> Child {
    fs::create_dir_all(home).unwrap();
    let mut c = Command::new(ours());
    clean_session(&mut c, home).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let mut ch = c.spawn().unwrap();
    let _ = ch.stdin.take().unwrap().write_all(script.as_bytes());
    ch
}

fn session(home: &Path, md: &Path, env: &[(&str, &str)], script: &str) -> Output {
    spawn(home, md, env, script).wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn maildir(p: &Path) -> PathBuf {
    for s in ["cur", "new", "tmp"] {
        fs::create_dir_all(p.join(s)).unwrap();
    }
    p.to_path_buf()
}

/// `sub/name` of every file in `new/`, `cur/`, `tmp/`.
fn names(md: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for s in ["new", "cur", "tmp"] {
        if let Ok(rd) = fs::read_dir(md.join(s)) {
            for e in rd.flatten() {
                v.push(format!("{s}/{}", text(e.file_name().as_bytes())));
            }
        }
    }
    v.sort();
    v
}

/// The base name of a `sub/name` (or a name): no directory, no `:2,` info.
fn base(n: &str) -> &str {
    let n = n.rsplit_once('/').map_or(n, |(_, b)| b);
    n.split_once(':').map_or(n, |(b, _)| b)
}

/// The message number in a base name `T.N_tag.host`.
fn num(n: &str) -> usize {
    let b = base(n);
    b.split('.')
        .nth(1)
        .unwrap()
        .split('_')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

/// Numbers of the subjects `kind-N` on lines of `out`.
fn subjects(out: &str, kind: &str) -> Vec<usize> {
    let pat = format!("{kind}-");
    out.lines()
        .filter_map(|l| {
            let p = l.rfind(&pat)?;
            l[p + pat.len()..].trim().parse().ok()
        })
        .collect()
}

/// The stress message `i`: deleted by the sessions when `i % 3 == 0`.
fn stress_msg(i: usize) -> (String, String) {
    let kind = if i.is_multiple_of(3) { "del" } else { "keep" };
    let name = format!("{}.{i}_stress.host", 1_700_000_000 + i);
    let body = format!(
        "From: d@example.org\nSubject: {kind}-{i}\nMessage-ID: <stress-{i}@example.org>\n\nbody {i}\n"
    );
    (name, body)
}

/// Renames a random message file: `new/x` → `cur/x:2,` (as Dovecot and
/// mutt do), or `F` toggled in a `cur/` name (as mflag does).
fn flip(md: &Path, rnd: &mut impl FnMut(u64) -> u64) {
    let all: Vec<String> = names(md)
        .into_iter()
        .filter(|n| !n.starts_with("tmp/"))
        .collect();
    if all.is_empty() {
        return;
    }
    let n = &all[rnd(all.len() as u64) as usize];
    let to = if let Some(b) = n.strip_prefix("new/") {
        format!("cur/{b}:2,")
    } else {
        let (b, fl) = n.rsplit_once(":2,").unwrap_or((n, ""));
        let mut f: Vec<char> = fl.chars().collect();
        if let Some(p) = f.iter().position(|&c| c == 'F') {
            f.remove(p);
        } else {
            f.push('F');
            f.sort();
        }
        format!("{b}:2,{}", f.iter().collect::<String>())
    };
    // The file may be gone or renamed by a session meanwhile.
    let _ = fs::rename(md.join(n), md.join(to));
}

#[test]
fn deliverer_sessions_and_flag_flipper_lose_and_duplicate_nothing() {
    let t = TempDir::new("md-stress");
    let md = maildir(&t.join("md"));
    const N: usize = 500;
    let done = Arc::new(AtomicBool::new(false));
    let deliverer = {
        let md = md.clone();
        std::thread::spawn(move || {
            for i in 0..N {
                let (name, body) = stress_msg(i);
                fs::write(md.join("tmp").join(&name), body).unwrap();
                fs::rename(md.join("tmp").join(&name), md.join("new").join(&name)).unwrap();
                std::thread::sleep(Duration::from_millis(3));
            }
        })
    };
    let flipper = {
        let md = md.clone();
        let done = done.clone();
        std::thread::spawn(move || {
            let mut rnd = rng(0x5eed_f11b);
            while !done.load(Ordering::Relaxed) {
                flip(&md, &mut rnd);
                std::thread::sleep(Duration::from_micros(500));
            }
        })
    };
    // Two session threads at once, each a different mix of commands.
    let sessions: Vec<_> = (0..2u64)
        .map(|k| {
            let md = md.clone();
            let home = t.join(format!("home{k}"));
            let done = done.clone();
            std::thread::spawn(move || {
                let mut rnd = rng(0xabc0 + k);
                let mut deleted: BTreeSet<usize> = BTreeSet::new();
                let mut runs = 0;
                while !done.load(Ordering::Relaxed) || runs < 5 {
                    runs += 1;
                    let script = match rnd(4) {
                        0 => "f /del-\nd /del-\nq\n",
                        1 => "p /keep-\nq\n",
                        2 => "inc\nf /del-\nd /del-\nflag /keep-1\nq\n",
                        _ => "p /keep-2\nunflag *\nd /del-\nf /del-\nq\n",
                    };
                    let o = session(&home, &md, &[], script);
                    let out = text(&o.stdout);
                    let err = text(&o.stderr);
                    assert_eq!(
                        o.status.code(),
                        Some(0),
                        "{:?} {script}\n{out}\n{err}",
                        o.status
                    );
                    for l in err.lines() {
                        assert!(
                            l.contains("removed by another program")
                                || l.contains("No applicable messages"),
                            "{script}: {err}"
                        );
                    }
                    // The session never shows a message twice.
                    let mut seen = BTreeSet::new();
                    for l in out.lines().filter(|l| l.starts_with("Subject: ")) {
                        assert!(seen.insert(l.to_string()), "shown twice: {l}\n{out}");
                    }
                    // What this session deleted is gone, and stays gone.
                    let listed = subjects(&out, "del");
                    let unique: BTreeSet<usize> = listed.iter().copied().collect();
                    assert_eq!(unique.len(), listed.len(), "listed twice:\n{out}");
                    if script.contains("d /del-") {
                        deleted.extend(listed.iter().copied());
                        let present: BTreeSet<usize> = names(&md).iter().map(|n| num(n)).collect();
                        for i in &deleted {
                            assert!(!present.contains(i), "del-{i} is back: {:?}", names(&md));
                        }
                    }
                }
                deleted
            })
        })
        .collect();
    deliverer.join().unwrap();
    // Let the sessions and the flipper go on a little after the last
    // delivery, then stop them.
    std::thread::sleep(Duration::from_millis(300));
    done.store(true, Ordering::Relaxed);
    let mut deleted = BTreeSet::new();
    for s in sessions {
        deleted.extend(s.join().unwrap());
    }
    flipper.join().unwrap();
    // One last session takes what the others left.
    let o = session(&t.join("home0"), &md, &[], "d /del-\nq\n");
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    assert!(!deleted.is_empty());

    // Every keep-message once, byte for byte; no del-message; tmp/ empty.
    let mut by_id: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for n in names(&md) {
        assert!(!n.starts_with("tmp/"), "{n}");
        let data = fs::read(md.join(&n)).unwrap();
        let i = num(&n);
        assert_eq!(text(&data), stress_msg(i).1, "{n}");
        let id = text(&data)
            .lines()
            .find_map(|l| l.strip_prefix("Message-ID: ").map(str::to_string))
            .unwrap();
        by_id.entry(id).or_default().push(n);
    }
    for (id, v) in &by_id {
        assert_eq!(v.len(), 1, "{id} in {v:?}");
    }
    let want: BTreeSet<String> = (0..N)
        .filter(|i| !i.is_multiple_of(3))
        .map(|i| format!("<stress-{i}@example.org>"))
        .collect();
    let have: BTreeSet<String> = by_id.into_keys().collect();
    assert_eq!(have, want);
}

/// The LD_PRELOAD shim: counts rename(2) and unlink(2) calls (one byte
/// each appended to `$KILL_COUNT_FILE`) and raises SIGKILL just before
/// (`KILL_WHEN=before`) or just after the `$KILL_AT`-th.
const SHIM: &str = r#"
#define _GNU_SOURCE
#include <dlfcn.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
static long n;
static void hit(int after) {
    const char *at = getenv("KILL_AT"), *when = getenv("KILL_WHEN");
    long k = at ? atol(at) : 0;
    int want_after = when && strcmp(when, "after") == 0;
    if (!after) {
        const char *cf = getenv("KILL_COUNT_FILE");
        n++;
        if (cf) {
            int fd = open(cf, O_WRONLY | O_APPEND | O_CREAT, 0600);
            if (fd >= 0) { (void)!write(fd, "x", 1); close(fd); }
        }
    }
    if (k > 0 && n == k && after == want_after) raise(SIGKILL);
}
int rename(const char *a, const char *b) {
    static int (*real)(const char *, const char *);
    if (!real) real = dlsym(RTLD_NEXT, "rename");
    hit(0); int r = real(a, b); hit(1); return r;
}
int renameat(int d1, const char *a, int d2, const char *b) {
    static int (*real)(int, const char *, int, const char *);
    if (!real) real = dlsym(RTLD_NEXT, "renameat");
    hit(0); int r = real(d1, a, d2, b); hit(1); return r;
}
int unlink(const char *p) {
    static int (*real)(const char *);
    if (!real) real = dlsym(RTLD_NEXT, "unlink");
    hit(0); int r = real(p); hit(1); return r;
}
int unlinkat(int d, const char *p, int fl) {
    static int (*real)(int, const char *, int);
    if (!real) real = dlsym(RTLD_NEXT, "unlinkat");
    hit(0); int r = real(d, p, fl); hit(1); return r;
}
"#;

/// The folder of the SIGKILL tests: `n` messages, message `i` named
/// `T.i_kill.host`, a mix of new, unread, read, flagged and answered.
fn kill_folder(md: &Path, n: usize) -> BTreeMap<usize, (String, Vec<u8>)> {
    let mut m = BTreeMap::new();
    for i in 1..=n {
        let b = format!("{}.{i}_kill.host", 1_600_000_000 + i);
        let name = match i % 5 {
            0 => format!("new/{b}"),
            1 => format!("cur/{b}:2,"),
            2 => format!("cur/{b}:2,S"),
            3 => format!("cur/{b}:2,FS"),
            _ => format!("cur/{b}:2,RSa"),
        };
        let body = format!("From: k@example.org\nSubject: kill-{i}\n\nbody {i}\n").into_bytes();
        fs::write(md.join(&name), &body).unwrap();
        m.insert(i, (name, body));
    }
    m
}

/// Checks the folder after a killed quit against the state `before` and
/// the state an uninterrupted quit leaves (`after`): each message is in
/// one of the two states (deleted ones may be gone), exactly once, its
/// content one of the two; `tmp/` holds no message in a place a reader
/// looks..
fn check_killed(
    md: &Path,
    before: &BTreeMap<usize, (String, Vec<u8>)>,
    after: &BTreeMap<usize, (String, Vec<u8>)>,
    what: &str,
) {
    let mut seen: BTreeMap<usize, String> = BTreeMap::new();
    for n in names(md) {
        if n.starts_with("tmp/") {
            continue;
        }
        let i = num(&n);
        if let Some(prev) = seen.insert(i, n.clone()) {
            panic!("{what}: message {i} twice: {prev} and {n}");
        }
        let data = fs::read(md.join(&n)).unwrap();
        // The name (flags, place) and the content (an edit) each as
        // before or as after.
        let a = after.get(&i);
        let name_ok = before[&i].0 == n || a.is_some_and(|a| a.0 == n);
        let data_ok = before[&i].1 == data || a.is_some_and(|a| a.1 == data);
        assert!(
            name_ok && data_ok,
            "{what}: message {i} is {n} {:?}; before {:?}, after {:?}",
            text(&data),
            before[&i].0,
            after.get(&i).map(|a| &a.0)
        );
    }
    for i in before.keys() {
        assert!(
            seen.contains_key(i) || !after.contains_key(i),
            "{what}: message {i} lost: {:?}",
            names(md)
        );
    }
}

/// The state of a folder made by [`kill_folder`] as numbered messages.
fn state(md: &Path) -> BTreeMap<usize, (String, Vec<u8>)> {
    names(md)
        .into_iter()
        .filter(|n| !n.starts_with("tmp/"))
        .map(|n| (num(&n), (n.clone(), fs::read(md.join(&n)).unwrap())))
        .collect()
}

/// What the killed sessions do: read, flag, unflag, preserve, edit (an
/// "editor" appending a line), delete, then quit.
const KILL_SCRIPT: &str = "p 1 6\nflag 1 2\nunflag 3\nt 10\npre 10\ne 5\nd 4 9 11-13\np 15\nq\n";

fn editor(t: &Path) -> String {
    let ed = t.join("ed.sh");
    fs::write(&ed, "#!/bin/sh\nprintf 'edited\\n' >>\"$1\"\n").unwrap();
    let ok = Command::new("chmod").arg("755").arg(&ed).status().unwrap();
    assert!(ok.success());
    ed.display().to_string()
}

#[test]
fn sigkill_at_every_rename_and_unlink_of_quit_loses_nothing() {
    require!(Req::Cc);
    let t = TempDir::new("md-kill");
    let shim = compile_c(t.path(), "killshim.so", SHIM, &["-shared", "-fPIC", "-ldl"]);
    let shim = shim.display().to_string();
    let ed = editor(&t);
    const N: usize = 16;
    // The uninterrupted run: what quit does, and how many calls it makes.
    let md = maildir(&t.join("ref"));
    assert_eq!(kill_folder(&md, N).len(), N);
    let count = t.join("count");
    let cf = count.display().to_string();
    let o = session(
        &t.join("home"),
        &md,
        &[
            ("LD_PRELOAD", &shim),
            ("KILL_COUNT_FILE", &cf),
            ("EDITOR", &ed),
            ("VISUAL", &ed),
        ],
        KILL_SCRIPT,
    );
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let after = state(&md);
    let calls = fs::read(&count).map_or(0, |c| c.len());
    // Deleted 4 9 11 12 13; edited 5 (new/ → cur/, read); renamed 1 2 3
    // 6 10 15.
    assert_eq!(after.len(), N - 5, "{:?}", after.keys());
    assert!(after[&5].1.ends_with(b"edited\n"));
    assert_eq!(after[&5].0, "cur/1600000005.5_kill.host:2,S");
    assert!(
        calls >= 12,
        "the shim saw {calls} rename/unlink calls: quit no longer goes through \
         libc's rename/unlink, so this test must learn its new calls"
    );
    for k in 1..=calls {
        for when in ["before", "after"] {
            let what = format!("killed {when} call {k} of {calls}");
            let md = t.join(format!("k{k}{when}"));
            maildir(&md);
            let b = kill_folder(&md, N);
            let ks = k.to_string();
            let o = session(
                &t.join("home"),
                &md,
                &[
                    ("LD_PRELOAD", &shim),
                    ("KILL_AT", &ks),
                    ("KILL_WHEN", when),
                    ("EDITOR", &ed),
                    ("VISUAL", &ed),
                ],
                KILL_SCRIPT,
            );
            assert_eq!(o.status.signal(), Some(9), "{what}: {}", text(&o.stderr));
            check_killed(&md, &b, &after, &what);
            // The folder opens and quits cleanly afterwards.
            let o = session(&t.join("home"), &md, &[], "q\n");
            assert_eq!(o.status.code(), Some(0), "{what}: {}", text(&o.stderr));
            fs::remove_dir_all(&md).unwrap();
        }
    }
}

#[test]
fn sigkill_after_random_delays_loses_nothing() {
    let t = TempDir::new("md-killrnd");
    let ed = editor(&t);
    const N: usize = 300;
    let script = "p 1 6\nflag 1-40\nunflag 3\nt 10\npre 10\ne 5\nd 4 9 11-13 100-200\nq\n";
    let env = [("EDITOR", ed.as_str()), ("VISUAL", ed.as_str())];
    let md = maildir(&t.join("ref"));
    kill_folder(&md, N);
    let start = Instant::now();
    let o = session(&t.join("home"), &md, &env, script);
    let full = start.elapsed().as_micros() as u64;
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let after = state(&md);
    assert_eq!(after.len(), N - 106);
    let mut rnd = rng(0x0d1e_5eed);
    for round in 0..40 {
        let md = maildir(&t.join(format!("r{round}")));
        let b = kill_folder(&md, N);
        let delay = Duration::from_micros(rnd(full + 1));
        let mut ch = spawn(&t.join("home"), &md, &env, script);
        std::thread::sleep(delay);
        let _ = ch.kill();
        let _ = ch.wait_with_output().unwrap();
        check_killed(
            &md,
            &b,
            &after,
            &format!("round {round}, killed after {delay:?}"),
        );
        fs::remove_dir_all(&md).unwrap();
    }
}

/// The messages (by number) in a Maildir that is not a [`kill_folder`]
/// (the `MBOX` Maildir): `kill-N` subjects, with how often each is there;
/// each file's content must be one of `originals`. A file in `tmp/` (a
/// delivery killed before its rename) is no message: the spec leaves it
/// to be cleaned up later.
fn copies(md: &Path, originals: &BTreeMap<usize, (String, Vec<u8>)>) -> BTreeMap<usize, usize> {
    let mut m = BTreeMap::new();
    for n in names(md) {
        if n.starts_with("tmp/") {
            continue;
        }
        let data = text(&fs::read(md.join(&n)).unwrap());
        let i = subjects(&data, "kill")[0];
        assert_eq!(data.as_bytes(), &originals[&i].1[..], "{n}");
        *m.entry(i).or_insert(0) += 1;
    }
    m
}

#[test]
fn sigkill_while_quit_moves_read_mail_to_an_mbox_maildir_loses_nothing() {
    require!(Req::Cc);
    let t = TempDir::new("md-killsys");
    let shim = compile_c(t.path(), "killshim.so", SHIM, &["-shared", "-fPIC", "-ldl"]);
    let shim = shim.display().to_string();
    const N: usize = 12;
    // The system mailbox (MAIL) is a Maildir, MBOX too: read messages go
    // to MBOX (delivered there, then removed here), 4 and 9 are deleted,
    // 7 and 10 preserved, the rest held.
    let script = "p 1 2 6 7\nt 10\npre 10 7\nd 4 9\nq\n";
    let run = |dir: &Path, extra: &[(&str, &str)]| -> (Output, PathBuf, PathBuf) {
        let md = maildir(&dir.join("Maildir"));
        let mbox = maildir(&dir.join("mboxdir"));
        let _ = fs::remove_dir_all(mbox.join("cur"));
        fs::create_dir_all(mbox.join("cur")).unwrap();
        let (m, b) = (md.display().to_string(), mbox.display().to_string());
        let mut env = vec![
            ("MAIL", m.as_str()),
            ("MBOX", b.as_str()),
            ("LD_PRELOAD", &shim),
        ];
        env.extend_from_slice(extra);
        let o = spawn_args(&t.join("home"), &["-N"], &env, script)
            .wait_with_output()
            .unwrap();
        (o, md, mbox)
    };
    let reference = t.join("ref");
    fs::create_dir_all(&reference).unwrap();
    let before = kill_folder(&maildir(&reference.join("Maildir")), N);
    let cf = t.join("count").display().to_string();
    let (o, md, mbox) = run(&reference, &[("KILL_COUNT_FILE", &cf)]);
    assert_eq!(o.status.code(), Some(0), "{}", text(&o.stderr));
    let calls = fs::read(&cf).map_or(0, |c| c.len());
    let after = state(&md);
    let moved = copies(&mbox, &before);
    assert!(fs::read_dir(mbox.join("tmp")).unwrap().next().is_none());
    // Read in this session (1 2 6): to MBOX, once each, as from an mbox
    // system mailbox; read before (3 7 8 12) and untouched: held.
    assert_eq!(
        moved.iter().map(|(&i, &c)| (i, c)).collect::<Vec<_>>(),
        [(1, 1), (2, 1), (6, 1)]
    );
    for i in moved.keys() {
        assert!(!after.contains_key(i), "{i} both in MBOX and held");
    }
    assert!(!after.contains_key(&4) && !after.contains_key(&9));
    assert!(after.contains_key(&10) && after.contains_key(&5) && after.contains_key(&7));
    assert!(calls >= moved.len() * 2, "the shim saw only {calls} calls");
    for k in 1..=calls {
        for when in ["before", "after"] {
            let what = format!("killed {when} call {k} of {calls}");
            let dir = t.join(format!("k{k}{when}"));
            fs::create_dir_all(&dir).unwrap();
            let b = kill_folder(&maildir(&dir.join("Maildir")), N);
            let ks = k.to_string();
            let (o, md, mbox) = run(&dir, &[("KILL_AT", &ks), ("KILL_WHEN", when)]);
            assert_eq!(o.status.signal(), Some(9), "{what}: {}", text(&o.stderr));
            // What stays in the Maildir: as before or as after, once.
            let left = state(&md);
            let mut after_here = after.clone();
            for (i, v) in &left {
                // A message on its way to MBOX may still be here, as it was.
                if moved.contains_key(i) {
                    after_here.insert(*i, b[i].clone());
                    assert_eq!(v, &b[i], "{what}: {i}");
                }
            }
            check_killed(&md, &b, &after_here, &what);
            // Each message on its way to MBOX is in one place or both,
            // never twice in one, never lost; nothing else is there.
            let there = copies(&mbox, &b);
            for (i, c) in &there {
                assert!(moved.contains_key(i), "{what}: {i} in MBOX");
                assert_eq!(*c, 1, "{what}: {i} twice in MBOX");
            }
            for i in moved.keys() {
                assert!(
                    left.contains_key(i) || there.contains_key(i),
                    "{what}: message {i} lost"
                );
            }
            fs::remove_dir_all(&dir).unwrap();
        }
    }
}
