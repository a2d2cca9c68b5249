//! Read-back through a real Postfix ("Real mail transport", item 1).
//!
//! Mail goes in through Postfix's /usr/sbin/sendmail (sent by our binary)
//! while read sessions of our binary work on /var/mail/mxtest: header
//! summary, print, save, delete, quit. Postfix keeps delivering during the
//! sessions (fcntl + dotlock), so each quit must keep the mail that arrived
//! meanwhile. Afterwards every message is checked: present exactly once
//! unless deleted or saved (saved messages leave the system mailbox, as in
//! bsd-mailx without `keepsave`), bodies intact, From_ separators valid,
//! saved copies there, nothing queued or bounced.
//!
//! The sessions run as the user mxtest (real uid and gid mxtest, so
//! /var/mail, root:mail 2775, is not writable: the dotlock goes through
//! /usr/bin/dotlockfile and quit rewrites the spool in place), half with
//! `-u mxtest`, half with MAIL=/var/mail/mxtest. Sessions as root (`-u`, and
//! `-f /var/mail/mxtest`, edit mode, where saved messages stay) are in an
//! ignored test: see its comment for the Postfix deferral they cause.
//!
//! Needs the rig of `scripts/postfix-test-setup.sh` and root: skipped with a
//! message otherwise, or failed under `MAILX_REQUIRE_ALL=1` (or
//! `MAILX_REQUIRE_POSTFIX=1`); see tests/common/require.rs.
//!
//! Other tests (and other worktrees) may use the same mailbox at the same
//! time: only messages carrying this run's unique tag are counted.
//!
//! Not covered: a full-mailbox bounce (mailbox_size_limit is global in
//! Postfix and the rig is shared; a per-user limit needs a separate local
//! transport and user).

mod common;
use common::{Req, TempDir};

use mailx::mailbox::{LockOptions, Mailbox};
use std::collections::{BTreeMap, BTreeSet};
use std::io::Write;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::thread;
use std::time::{Duration, Instant};

const SPOOL: &str = "/var/mail/mxtest";
const SENDER_SPOOL: &str = "/var/mail/mxsender";
/// Messages sent before the sessions.
const FIRST: u32 = 40;
/// Messages sent while the sessions run.
const DURING: u32 = 60;
const SESSIONS: u32 = 4;

fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_mailx")
}

/// Small xorshift generator (pauses and nothing else; no rand dependency).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

fn nanos() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
}

fn subject(base: &str, i: u32) -> String {
    format!("{base}-n{i:03}-end")
}

/// The body as sent. The `From ` line is quoted as `>From ` by Postfix's
/// local delivery; the lone dot must survive sendmail's input.
fn body(base: &str, i: u32) -> String {
    format!(
        "token {base} n{i:03} sum {}\n.\nFrom the middle of message {i}\nlast line {i}\n",
        (i as u64).wrapping_mul(2654435761) % 1_000_003
    )
}

fn stored_body(base: &str, i: u32) -> String {
    body(base, i).replace("\nFrom the middle", "\n>From the middle")
}

/// Sends message `i` through Postfix's sendmail with our binary.
fn send(home: &Path, base: &str, i: u32) {
    let mut c = Command::new(bin())
        .args([
            "-n",
            "-r",
            "mxsender@localhost",
            "-s",
            &subject(base, i),
            "mxtest@localhost",
        ])
        .env("HOME", home)
        .env("MAILRC", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run mailx");
    c.stdin
        .take()
        .unwrap()
        .write_all(body(base, i).as_bytes())
        .unwrap();
    let out = c.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "sending {i}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Which of this run's numbers the spool text holds, with their counts.
fn numbers_in(text: &str, base: &str) -> BTreeMap<u32, usize> {
    let mut m = BTreeMap::new();
    let pat = format!("\nSubject: {base}-n");
    for (at, _) in text.match_indices(&pat) {
        let rest = &text[at + pat.len()..];
        if let Some(n) = rest.get(..3).and_then(|d| d.parse::<u32>().ok())
            && rest[3..].starts_with("-end\n")
        {
            *m.entry(n).or_insert(0) += 1;
        }
    }
    m
}

fn spool_text(path: &str) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

/// Queue entries (`postqueue -j` lines) for mxtest@localhost that arrived
/// at or after `since` (seconds since the epoch): this run's mail, or mail
/// of a test running at the same time. Empty when the queue is.
fn queued_for_mxtest(since: u64) -> Vec<String> {
    let out = Command::new("postqueue")
        .arg("-j")
        .output()
        .expect("run postqueue -j");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| l.contains("\"address\": \"mxtest@localhost\""))
        .filter(|l| {
            l.split_once("\"arrival_time\": ")
                .and_then(|(_, r)| r.split(|c: char| !c.is_ascii_digit()).next())
                .and_then(|d| d.parse::<u64>().ok())
                .is_none_or(|t| t >= since)
        })
        .map(str::to_string)
        .collect()
}

/// How a read session is run.
#[derive(Clone, Copy, Debug, PartialEq)]
enum How {
    /// As the user mxtest, `-u mxtest`.
    UserDashU,
    /// As the user mxtest, MAIL=/var/mail/mxtest, no mailbox option.
    UserMail,
    /// As root, `-u mxtest`.
    RootDashU,
    /// As root, `-f /var/mail/mxtest` (edit mode: saved messages stay).
    RootDashF,
}

struct Session {
    code: i32,
    stdout: String,
    stderr: String,
}

/// Runs one read session, feeding `cmds` one line at a time with pauses so
/// that Postfix delivers while the mailbox is open.
fn read_session(how: How, home: &Path, cmds: &[String]) -> Session {
    let mut c = match how {
        How::UserDashU | How::UserMail => {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=mxtest", "--regid=mxtest", "--init-groups", bin()]);
            c
        }
        How::RootDashU | How::RootDashF => Command::new(bin()),
    };
    c.args(["-n", "-S", "hold"]);
    match how {
        How::UserDashU | How::RootDashU => {
            c.args(["-u", "mxtest"]);
        }
        How::RootDashF => {
            c.args(["-f", SPOOL]);
        }
        How::UserMail => {
            c.env("MAIL", SPOOL);
        }
    }
    let mut child = c
        .env("HOME", home)
        .env("MAILRC", "/dev/null")
        .env("USER", "mxtest")
        .env("LOGNAME", "mxtest")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run read session");
    let mut stdin = child.stdin.take().unwrap();
    let cmds = cmds.to_vec();
    let feeder = thread::spawn(move || {
        for l in cmds {
            thread::sleep(Duration::from_millis(250));
            if stdin.write_all(format!("{l}\n").as_bytes()).is_err() {
                break;
            }
        }
    });
    let out = child.wait_with_output().unwrap();
    feeder.join().unwrap();
    Session {
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    }
}

/// A directory the user mxtest can write (HOME and save files).
fn mxtest_dir(tag: &str) -> TempDir {
    let d = TempDir::new(&format!("pfread-{tag}"));
    std::fs::set_permissions(&d, std::fs::Permissions::from_mode(0o777)).unwrap();
    let _ = Command::new("chown")
        .args(["mxtest:mxtest"])
        .arg(&d)
        .status();
    d
}

#[test]
fn postfix_delivery_during_read_sessions_loses_and_duplicates_nothing() {
    require!(Req::PostfixRig);
    // Deferrals caused by other tests on this machine that replace the spool
    // (see the ignored test below) are retried at once and reported; our own
    // sessions must not replace it (checked per session).
    scenario(
        &[How::UserDashU, How::UserMail, How::UserDashU, How::UserMail],
        true,
    );
}

/// The same with root's sessions: `mailx -u mxtest` and `mailx -f
/// /var/mail/mxtest` (edit mode).
///
/// As root /var/mail is writable, and quit used to write a new file and
/// rename it over the spool: a Postfix local(8) delivery that had opened the
/// old file and waited for the lock then found "target file status changed
/// unexpectedly" and deferred the message for minutes. System mailboxes and
/// files in /var/mail are now always rewritten in place (as bsd-mailx does),
/// behind the durable recovery copy; this is the regression test.
#[test]
fn postfix_delivery_during_root_sessions_on_the_spool() {
    require!(Req::PostfixRig);
    scenario(
        &[
            How::RootDashU,
            How::RootDashF,
            How::RootDashU,
            How::RootDashF,
        ],
        false,
    );
}

fn spool_inode() -> u64 {
    use std::os::unix::fs::MetadataExt;
    std::fs::metadata(SPOOL).map(|m| m.ino()).unwrap_or(0)
}

/// `retry_deferred`: deliver deferred queue entries for mxtest at once
/// (`postqueue -i`) instead of failing on them; they are reported.
/// The scenarios share /var/mail/mxtest: two read sessions of different
/// scenarios on it at once would (rightly) refuse each other's write-back.
static ONE_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn scenario(hows: &[How], retry_deferred: bool) {
    let _serial = ONE_AT_A_TIME.lock().unwrap_or_else(|e| e.into_inner());
    let t0 = Instant::now();
    let since = nanos() / 1_000_000_000;
    let base = format!("pfread-{}-{}", std::process::id(), nanos() % 1_000_000_000);
    let send_home = mxtest_dir("send");

    // 1. The first batch, four senders at a time.
    for chunk in (0..FIRST).collect::<Vec<_>>().chunks(4) {
        let hs: Vec<_> = chunk
            .iter()
            .map(|&i| {
                let (h, b) = (send_home.to_path_buf(), base.clone());
                thread::spawn(move || send(&h, &b, i))
            })
            .collect();
        for h in hs {
            h.join().unwrap();
        }
    }
    let start = Instant::now();
    loop {
        let have = numbers_in(&spool_text(SPOOL), &base);
        if (0..FIRST).all(|i| have.contains_key(&i)) {
            break;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "first batch not delivered within 30 s: have {:?}",
            have.keys().collect::<Vec<_>>()
        );
        thread::sleep(Duration::from_millis(100));
    }

    // 2. More mail keeps coming while the sessions run.
    let sender = {
        let (h, b) = (send_home.to_path_buf(), base.clone());
        thread::spawn(move || {
            let mut rng = Rng(nanos() | 1);
            for i in FIRST..FIRST + DURING {
                send(&h, &b, i);
                thread::sleep(Duration::from_millis(rng.next() % 90));
            }
        })
    };

    let mut deleted: BTreeSet<u32> = BTreeSet::new();
    // Saved messages that leave the spool (system-mailbox quit) or stay (-f).
    let mut saved_gone: BTreeSet<u32> = BTreeSet::new();
    let mut saves: Vec<(PathBuf, u32)> = Vec::new();
    let mut used: BTreeSet<u32> = BTreeSet::new();
    let mut new_mail_seen = 0;
    let mut late_deleted = 0;
    let mut homes = Vec::new();
    // Sessions during which the spool file was replaced (new inode).
    let mut replaced: Vec<u32> = Vec::new();
    let mut deferred: BTreeSet<String> = BTreeSet::new();
    for k in 0..SESSIONS {
        let how = hows[k as usize % hows.len()];
        homes.push(mxtest_dir(&format!("s{k}")));
        let home = homes[homes.len() - 1].to_path_buf();
        let save = home.join(format!("saved-{k}.mbox"));
        let (p, s, d1, d2) = (10 * k, 10 * k + 1, 10 * k + 2, 10 * k + 3);
        used.extend([p, s, d1, d2]);
        let mut del = vec![d1, d2];
        // Also delete the newest message of the second batch already here.
        let have = numbers_in(&spool_text(SPOOL), &base);
        if let Some(&late) = have
            .keys()
            .rev()
            .find(|&&n| n >= FIRST && !used.contains(&n))
        {
            used.insert(late);
            del.push(late);
            late_deleted += 1;
        }
        let sel = |n: u32| format!("/{}", subject(&base, n));
        let cmds = vec![
            "h".to_string(),
            format!("p {}", sel(p)),
            format!("s {} {}", sel(s), save.display()),
            format!(
                "d {}",
                del.iter().map(|&n| sel(n)).collect::<Vec<_>>().join(" ")
            ),
            "q".to_string(),
        ];
        let ino = spool_inode();
        let r = read_session(how, &home, &cmds);
        if spool_inode() != ino {
            replaced.push(k);
        }
        let ctx = format!(
            "session {k} ({how:?}) exit {}\ncommands: {cmds:?}\nstdout:\n{}\nstderr:\n{}",
            r.code, r.stdout, r.stderr
        );
        assert_eq!(r.code, 0, "{ctx}");
        assert_eq!(r.stderr, "", "{ctx}");
        assert!(
            r.stdout.contains(&format!("\n{}", stored_body(&base, p))),
            "printed message lacks its body: {ctx}"
        );
        assert!(
            r.stdout.contains(&format!("\"{}\"", save.display())),
            "no save report: {ctx}"
        );
        if matches!(how, How::UserDashU | How::UserMail) {
            // The user cannot write /var/mail: quit must rewrite in place.
            assert!(!replaced.contains(&k), "spool file replaced: {ctx}");
        }
        if r.stdout.contains("New mail has arrived.") {
            new_mail_seen += 1;
        }
        deleted.extend(del);
        if how != How::RootDashF {
            saved_gone.insert(s);
        }
        saves.push((save, s));
    }
    sender.join().unwrap();

    // 3. Wait (bounded) for Postfix to finish: every expected message there
    // and the queue empty.
    let total = FIRST + DURING;
    let want = |i: u32| usize::from(!deleted.contains(&i) && !saved_gone.contains(&i));
    let start = Instant::now();
    loop {
        let have = numbers_in(&spool_text(SPOOL), &base);
        let done = (0..total).all(|i| have.get(&i).copied().unwrap_or(0) >= want(i));
        let q = queued_for_mxtest(since);
        if done && q.is_empty() {
            break;
        }
        if retry_deferred {
            for e in q
                .iter()
                .filter(|e| e.contains("\"queue_name\": \"deferred\""))
            {
                let id = e
                    .split_once("\"queue_id\": \"")
                    .and_then(|(_, r)| r.split_once('"'))
                    .map(|(id, _)| id.to_string())
                    .unwrap_or_default();
                if !id.is_empty() && deferred.insert(id.clone()) {
                    eprintln!("postfix_readback: retrying deferred {e}");
                    let _ = Command::new("postqueue").args(["-i", &id]).status();
                }
            }
        }
        if start.elapsed() > Duration::from_secs(30) {
            break; // the checks below say what is missing
        }
        thread::sleep(Duration::from_millis(200));
    }

    // 4. The spool, parsed by our own index under the mailbox lock.
    let mb = Mailbox::open_locked(SPOOL, &LockOptions::default(), &mut std::io::sink())
        .expect("open the spool");
    mb.check_format().expect("spool is an mbox");
    let mut count: BTreeMap<u32, usize> = BTreeMap::new();
    for i in 0..mb.len() {
        mb.from_line(i)
            .unwrap_or_else(|e| panic!("message {} From_ line: {e}", i + 1));
        let raw = mb.raw_message(i).unwrap();
        assert!(
            raw.starts_with(b"From "),
            "message {} has no From_ line",
            i + 1
        );
        let h = mb.headers(i).unwrap();
        let Some(subj) = h.get("Subject") else {
            continue;
        };
        let subj = String::from_utf8_lossy(subj).into_owned();
        let Some(rest) = subj.strip_prefix(&format!("{base}-n")) else {
            continue;
        };
        let n: u32 = rest
            .strip_suffix("-end")
            .and_then(|d| d.parse().ok())
            .unwrap_or_else(|| panic!("mangled subject {subj:?}"));
        *count.entry(n).or_insert(0) += 1;
        let text = String::from_utf8_lossy(&raw).into_owned();
        let (_, b) = text
            .split_once("\n\n")
            .unwrap_or_else(|| panic!("message {n} has no body: {text}"));
        let want_body = stored_body(&base, n);
        assert!(
            b.starts_with(&want_body) && b[want_body.len()..].trim().is_empty(),
            "message {n} corrupted:\n{text}"
        );
        assert_eq!(
            h.get("To"),
            Some(&b"mxtest@localhost"[..]),
            "message {n} To"
        );
    }
    for i in 0..total {
        let got = count.get(&i).copied().unwrap_or(0);
        let why = if deleted.contains(&i) {
            "deleted"
        } else if saved_gone.contains(&i) {
            "saved (leaves the spool)"
        } else {
            "kept"
        };
        assert_eq!(
            got,
            want(i),
            "message {i} ({why}) is in the spool {got} times"
        );
    }
    assert!(
        count.keys().all(|&n| n < total),
        "unknown numbers: {count:?}"
    );

    // 5. Saved copies: one message each, intact.
    for (path, n) in &saves {
        let s = Mailbox::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(s.len(), 1, "{}", path.display());
        let h = s.headers(0).unwrap();
        assert_eq!(h.get("Subject"), Some(subject(&base, *n).as_bytes()));
        let raw = String::from_utf8_lossy(&s.raw_message(0).unwrap()).into_owned();
        assert!(
            raw.contains(&format!("\n\n{}", stored_body(&base, *n))),
            "saved copy of {n}: {raw}"
        );
    }

    // 6. Nothing queued, nothing bounced back to the sender.
    let q = queued_for_mxtest(since);
    assert!(
        q.is_empty(),
        "still in Postfix's queue after 30 s:\n{}",
        q.join("\n")
    );
    let bounces = spool_text(SENDER_SPOOL);
    assert!(
        !bounces.contains(&base),
        "a bounce about this run reached mxsender"
    );

    eprintln!(
        "postfix_readback: {total} messages, {} sessions, {} deleted ({late_deleted} delivered \
         during the run), {} saved, \"New mail has arrived.\" in {new_mail_seen} sessions, \
         spool replaced during sessions {replaced:?}, {} deferred and retried, {:.1} s",
        SESSIONS,
        deleted.len(),
        saves.len(),
        deferred.len(),
        t0.elapsed().as_secs_f64()
    );
}
