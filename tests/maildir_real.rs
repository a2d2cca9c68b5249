//! Maildir with the real components: Postfix (scripts/postfix-test-setup.sh)
//! delivering into a test user's Maildir through `.forward`, then our
//! binary, run as that user, reading, flagging, deleting and saving, with
//! mblaze (`mlist`, `mflag`, `mshow`) agreeing on the same folder; and
//! Dovecot (scripts/dovecot-test-setup.sh), read through Python's imaplib
//! as the independent IMAP client, seeing the flags we set while we see
//! the flags (and keep the keywords) it sets.
//!
//! Hermetic: the Postfix test makes its own user (useradd, removed with
//! its home by userdel -r); the Dovecot test works in a folder of the rig
//! user with a name of its own, deleted at the end.

mod common;

use std::collections::BTreeMap;
use std::fs;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Duration, Instant};

use common::require::{
    DOVECOT_CA, DOVECOT_CONF, DOVECOT_IMAP_PORT, DOVECOT_PASS, DOVECOT_USER, SETPRIV,
};
use common::{Req, TempDir, ours};

/// A unique tag for this test's user and folder names.
fn tag() -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    format!(
        "{}x{}",
        std::process::id() % 1_000_000,
        N.fetch_add(1, Ordering::Relaxed)
    )
}

/// A local user made for one test, removed with its home when dropped.
struct User {
    name: String,
    home: PathBuf,
}

impl User {
    fn new() -> User {
        let name = format!("mxmd{}", tag());
        // Other tests may hold /etc/passwd's lock for a moment.
        let ok = (0..10).any(|_| {
            let ok = Command::new("/usr/sbin/useradd")
                .args(["--create-home", "--shell", "/usr/sbin/nologin", &name])
                .status()
                .is_ok_and(|s| s.success())
                || Command::new("id")
                    .arg(&name)
                    .stdout(Stdio::null())
                    .stderr(Stdio::null())
                    .status()
                    .is_ok_and(|s| s.success());
            if !ok {
                std::thread::sleep(Duration::from_millis(500));
            }
            ok
        });
        assert!(ok, "useradd {name} failed");
        let home = PathBuf::from(format!("/home/{name}"));
        User { name, home }
    }
}

impl Drop for User {
    fn drop(&mut self) {
        for _ in 0..10 {
            let gone = Command::new("/usr/sbin/userdel")
                .args(["-r", &self.name])
                .stderr(Stdio::null())
                .status()
                .is_ok_and(|s| s.success() || s.code() == Some(6));
            if gone {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let _ = fs::remove_dir_all(&self.home);
    }
}

/// Runs our binary as `user` (setpriv, the user's groups) with HOME
/// `home`, `args` and `script` on stdin.
fn ours_as(user: &str, home: &Path, args: &[&str], script: &str) -> Output {
    use std::io::Write;
    let mut c = Command::new(SETPRIV);
    c.arg(format!("--reuid={user}"))
        .arg(format!("--regid={user}"))
        .arg("--init-groups")
        .arg("--")
        .arg(ours())
        .env_clear()
        .env("HOME", home)
        .env("USER", user)
        .env("LOGNAME", user)
        .env("PATH", "/usr/bin:/bin:/usr/sbin")
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .env("MAILRC", "/dev/null")
        .env("MBOX", home.join("mbox"))
        .env("MAIL", home.join("Maildir"))
        .current_dir(home)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut ch = c.spawn().unwrap();
    let _ = ch.stdin.take().unwrap().write_all(script.as_bytes());
    ch.wait_with_output().unwrap()
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

/// `sub/name` of every file in the Maildir's `new/`, `cur/`, `tmp/`.
fn names(md: &Path) -> Vec<String> {
    let mut v = Vec::new();
    for s in ["new", "cur", "tmp"] {
        for e in fs::read_dir(md.join(s)).unwrap() {
            let n = e.unwrap().file_name();
            v.push(format!("{s}/{}", text(n.as_bytes())));
        }
    }
    v.sort();
    v
}

/// The Message-ID of a message file.
fn message_id(p: &Path) -> String {
    let data = fs::read(p).unwrap();
    text(&data)
        .lines()
        .take_while(|l| !l.is_empty())
        .find_map(|l| l.strip_prefix("Message-ID: ").map(str::to_string))
        .unwrap_or_default()
}

/// Message-ID → `sub/name` for every message of the Maildir.
fn by_id(md: &Path) -> BTreeMap<String, String> {
    let mut m = BTreeMap::new();
    for n in names(md) {
        if !n.starts_with("tmp/") {
            let prev = m.insert(message_id(&md.join(&n)), n.clone());
            assert!(prev.is_none(), "two files for one message: {n} {prev:?}");
        }
    }
    m
}

/// The `:2,` flags of a `sub/name`.
fn flags_of(n: &str) -> &str {
    n.rsplit_once(":2,").map_or("", |(_, f)| f)
}

/// `-H --json` as `user`: (Message-ID, its `flags` array as written) of
/// each message, in the listing's order.
fn listing(user: &str, home: &Path, md: &Path) -> Vec<(String, String)> {
    let o = ours_as(
        user,
        home,
        &["-H", "--json", "-f", md.to_str().unwrap()],
        "",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let between = |l: &str, a: &str, b: char, keep: bool| -> String {
        let rest = &l[l.find(a).unwrap() + a.len()..];
        let end = rest.find(b).unwrap();
        rest[..end + usize::from(keep)].to_string()
    };
    text(&o.stdout)
        .lines()
        .map(|l| {
            (
                between(l, "\"message_id\":\"", '"', false),
                between(l, "\"flags\":", ']', true),
            )
        })
        .collect()
}

/// [`listing`] as a map.
fn json_flags(user: &str, home: &Path, md: &Path) -> BTreeMap<String, String> {
    listing(user, home, md).into_iter().collect()
}

/// The message number (1-based) of each Message-ID in our listing.
fn numbers(user: &str, home: &Path, md: &Path) -> BTreeMap<String, usize> {
    listing(user, home, md)
        .into_iter()
        .enumerate()
        .map(|(i, (id, _))| (id, i + 1))
        .collect()
}

/// Waits (up to a minute) until `dir` holds `n` files.
fn wait_for_files(dir: &Path, n: usize) {
    let start = Instant::now();
    loop {
        let have = fs::read_dir(dir).map_or(0, |r| r.count());
        if have >= n {
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(60),
            "{}: {have} of {n} messages after a minute (see /var/log/postfix-mxtest.log)",
            dir.display()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn postfix_delivers_through_forward_and_we_read_flag_delete_and_save() {
    require!(Req::PostfixRig);
    require!(Req::Nobody);
    let u = User::new();
    let md = u.home.join("Maildir");
    // The issue's set-up: `.forward` holds the Maildir path, ending in `/`.
    fs::write(u.home.join(".forward"), format!("{}/\n", md.display())).unwrap();
    let chown = |p: &Path| {
        let ok = Command::new("chown")
            .arg(format!("{0}:{0}", u.name))
            .arg(p)
            .status()
            .is_ok_and(|s| s.success());
        assert!(ok);
    };
    chown(&u.home.join(".forward"));
    let t = tag();
    let ids: Vec<String> = (1..=4).map(|i| format!("<real-{t}-{i}@test>")).collect();
    for (i, id) in ids.iter().enumerate() {
        let msg = format!(
            "From: Sender <sender@localhost>\nTo: {0}@localhost\nSubject: real {t} {i}\n\
             Message-ID: {id}\n\nbody of message {i}\nFrom the middle\n",
            u.name
        );
        let mut c = Command::new("/usr/sbin/sendmail")
            .args(["-f", "sender@localhost", "--"])
            .arg(format!("{}@localhost", u.name))
            .stdin(Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        c.stdin.take().unwrap().write_all(msg.as_bytes()).unwrap();
        assert!(c.wait().unwrap().success());
        // One at a time, so the delivery order is the sending order.
        wait_for_files(&md.join("new"), i + 1);
    }
    let delivered = by_id(&md);
    assert_eq!(delivered.len(), 4, "{delivered:?}");
    for n in delivered.values() {
        assert!(n.starts_with("new/"), "{n}");
        assert_eq!(fs::metadata(md.join(n)).unwrap().uid(), uid(&u.name));
    }
    let original: BTreeMap<String, Vec<u8>> = delivered
        .iter()
        .map(|(id, n)| (id.clone(), fs::read(md.join(n)).unwrap()))
        .collect();

    // Read 1, flag 2, delete 3, save 1 into a new Maildir (a name ending
    // in `/`), leave 4 alone.
    // Postfix's names order messages of the same second by inode: take
    // the numbers from our listing.
    let num = numbers(&u.name, &u.home, &md);
    let n: Vec<usize> = ids.iter().map(|id| num[id]).collect();
    let saved = u.home.join("Saved");
    let script = format!(
        "p {}\nflag {}\nd {}\ns {} {}/\nq\n",
        n[0],
        n[1],
        n[2],
        n[0],
        saved.display()
    );
    let o = ours_as(
        &u.name,
        &u.home,
        &["-N", "-f", md.to_str().unwrap()],
        &script,
    );
    assert!(
        o.status.success(),
        "{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    assert!(
        text(&o.stdout).contains("body of message 0\n>From the middle\n")
            || text(&o.stdout).contains("body of message 0\nFrom the middle\n"),
        "{}",
        text(&o.stdout)
    );
    let now = by_id(&md);
    assert_eq!(now.len(), 3, "{now:?}");
    assert!(!now.contains_key(&ids[2]));
    assert!(now[&ids[0]].starts_with("cur/") && flags_of(&now[&ids[0]]) == "S");
    assert!(now[&ids[1]].starts_with("cur/") && flags_of(&now[&ids[1]]) == "F");
    assert!(now[&ids[3]].starts_with("new/"), "{now:?}");
    // Every byte kept; every file still the user's.
    for (id, n) in &now {
        assert_eq!(fs::read(md.join(n)).unwrap(), original[id], "{n}");
        assert_eq!(fs::metadata(md.join(n)).unwrap().uid(), uid(&u.name));
    }
    // The saved copy: a Maildir of the user's, mode 0700, the message
    // byte for byte, read.
    let m = fs::metadata(&saved).unwrap();
    assert_eq!(
        (m.uid(), m.permissions().mode() & 0o777),
        (uid(&u.name), 0o700)
    );
    let copies = by_id(&saved);
    assert_eq!(copies.len(), 1, "{copies:?}");
    let c = &copies[&ids[0]];
    assert!(c.starts_with("cur/") && flags_of(c) == "S", "{c}");
    assert_eq!(fs::read(saved.join(c)).unwrap(), original[&ids[0]]);

    // A message delivered while a session is open: `inc` shows it, and
    // quit leaves it new.
    let msg5 = format!(
        "From: Sender <sender@localhost>\nTo: {0}@localhost\nSubject: late {t}\n\
         Message-ID: <real-{t}-5@test>\n\nlate body\n",
        u.name
    );
    let late = u.home.join("late.txt");
    fs::write(&late, &msg5).unwrap();
    chown(&late);
    let script = format!(
        "!/usr/sbin/sendmail -f sender@localhost {0}@localhost <{1}\n\
         !for i in $(seq 600); do [ $(ls {2}/new | wc -l) -ge 2 ] && break; sleep 0.1; done\n\
         inc\np 4\nq\n",
        u.name,
        late.display(),
        md.display()
    );
    let o = ours_as(
        &u.name,
        &u.home,
        &["-N", "-f", md.to_str().unwrap()],
        &script,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).contains("late body"), "{}", text(&o.stdout));
    let now = by_id(&md);
    assert_eq!(now.len(), 4, "{now:?}");
    assert!(flags_of(&now[&format!("<real-{t}-5@test>")]) == "S");
    assert!(now[&ids[3]].starts_with("new/"), "{now:?}");

    // mblaze on the same folder.
    if !common::require(Req::Mblaze) {
        return;
    }
    let mb = TempDir::new("md-real-mblaze");
    let mlist = |flag: &str| -> Vec<String> {
        let o = Command::new("mlist").arg(flag).arg(&md).output().unwrap();
        let mut v: Vec<String> = text(&o.stdout)
            .lines()
            .map(|l| message_id(Path::new(l)))
            .collect();
        v.sort();
        v
    };
    assert_eq!(mlist("-N"), [ids[3].clone()]);
    assert_eq!(mlist("-F"), [ids[1].clone()]);
    let mut seen = vec![ids[0].clone(), format!("<real-{t}-5@test>")];
    seen.sort();
    assert_eq!(mlist("-S"), seen);
    // mshow renders message 4 as we print it (subject and body).
    let f4 = md.join(&now[&ids[3]]);
    let shown = Command::new("mshow")
        .args(["-n", "-N"])
        .arg(&f4)
        .env("MBLAZE", mb.path())
        .output()
        .unwrap();
    let shown = text(&shown.stdout);
    assert!(shown.contains(&format!("Subject: real {t} 3\n")), "{shown}");
    let body = shown.split_once("\n\n").unwrap().1;
    assert!(
        body.contains("body of message 3\nFrom the middle\n"),
        "{shown}"
    );
    // mflag (which leaves files in new/ alone): replied on 1, unflagged 2.
    for (f, n) in [("-R", &ids[0]), ("-f", &ids[1])] {
        let ok = Command::new("mflag")
            .arg(f)
            .arg(md.join(&now[n]))
            .env("MBLAZE", mb.path())
            .output()
            .unwrap()
            .status
            .success();
        assert!(ok);
    }
    let j = json_flags(&u.name, &u.home, &md);
    assert_eq!(j[&ids[0]], "[\"read\",\"answered\"]", "{j:?}");
    assert!(!j[&ids[1]].contains("\"flagged\""), "{j:?}");
    // Flagging 1 keeps mflag's R; reading 4 moves it to cur/; mlist agrees.
    let num = numbers(&u.name, &u.home, &md);
    let o = ours_as(
        &u.name,
        &u.home,
        &["-N", "-f", md.to_str().unwrap()],
        &format!("p {}\nflag {}\nq\n", num[&ids[3]], num[&ids[0]]),
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let now = by_id(&md);
    assert_eq!(flags_of(&now[&ids[0]]), "FRS", "{now:?}");
    assert_eq!(flags_of(&now[&ids[3]]), "S", "{now:?}");
    assert_eq!(mlist("-R"), [ids[0].clone()]);
    assert_eq!(mlist("-F"), [ids[0].clone()]);
    assert!(mlist("-N").is_empty());
}

fn uid(user: &str) -> u32 {
    let o = Command::new("id").args(["-u", user]).output().unwrap();
    text(&o.stdout).trim().parse().unwrap()
}

/// Python's imaplib on the Dovecot rig: argv = port, CA file, user,
/// password, folder, then commands `examine` (prints `MSGID FLAGS...`
/// per message) or `store:MSGID:+FLAGS (\Seen)` or `expunge`.
const IMAP: &str = r#"
import imaplib, ssl, sys, re
port, ca, user, pw, box = sys.argv[1:6]
m = imaplib.IMAP4("127.0.0.1", int(port))
m.starttls(ssl_context=ssl.create_default_context(cafile=ca))
m.login(user, pw)
def q(name):
    return '"' + name + '"'
for cmd in sys.argv[6:]:
    if cmd == "examine" or cmd == "select":
        typ, _ = (m.select(q(box), readonly=(cmd == "examine")))
        assert typ == "OK", typ
    if cmd == "examine":
        typ, data = m.fetch("1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])")
        if data == [None]:
            continue
        for d in data:
            if isinstance(d, tuple):
                flags = sorted(f.decode() for f in imaplib.ParseFlags(d[0]) if f != b"\\Recent")
                mid = re.search(rb"<[^>]*>", d[1]).group(0).decode()
                print(mid, " ".join(flags))
        m.close()
    elif cmd.startswith("store:"):
        _, mid, how, flags = cmd.split(":", 3)
        typ, nums = m.search(None, "HEADER", "Message-ID", mid)
        assert typ == "OK" and nums[0], (mid, nums)
        typ, _ = m.store(nums[0].decode(), how, flags)
        assert typ == "OK", typ
    elif cmd == "expunge":
        m.expunge()
m.logout()
"#;

/// Runs [`IMAP`] on `folder` with `cmds`; its output.
fn imap(folder: &str, cmds: &[&str]) -> String {
    let port = DOVECOT_IMAP_PORT.to_string();
    let o = Command::new("python3")
        .args([
            "-c",
            IMAP,
            &port,
            DOVECOT_CA,
            DOVECOT_USER,
            DOVECOT_PASS,
            folder,
        ])
        .args(cmds)
        .output()
        .unwrap();
    assert!(o.status.success(), "imaplib {cmds:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

/// Message-ID → Dovecot's flags (sorted, space-separated).
fn dovecot_flags(folder: &str) -> BTreeMap<String, String> {
    imap(folder, &["examine"])
        .lines()
        .map(|l| {
            let (id, f) = l.split_once(' ').unwrap_or((l, ""));
            (id.to_string(), f.to_string())
        })
        .collect()
}

/// A folder of the rig user's, deleted when dropped.
struct RigFolder {
    name: String,
    path: PathBuf,
}

impl RigFolder {
    fn new() -> RigFolder {
        let name = format!("mdreal{}", tag());
        let ok = doveadm(&["mailbox", "create", "-u", DOVECOT_USER, &name]);
        assert!(ok, "doveadm mailbox create {name}");
        let path = PathBuf::from(format!("/home/{DOVECOT_USER}/Maildir/.{name}"));
        for s in ["cur", "new", "tmp"] {
            assert!(path.join(s).is_dir(), "{}", path.display());
        }
        RigFolder { name, path }
    }
}

impl RigFolder {
    /// Delivers `n` messages as an MDA does: straight into new/, the rig
    /// user's files; subjects `word i`. Returns their Message-IDs (unique
    /// to this run).
    fn deliver(&self, word: &str, n: usize) -> Vec<String> {
        let t = tag();
        let ids: Vec<String> = (1..=n).map(|i| format!("<{word}-{t}-{i}@test>")).collect();
        for (i, id) in ids.iter().enumerate() {
            let p = self
                .path
                .join(format!("new/17000000{i}0.M{i}P{t}.testhost"));
            fs::write(
                &p,
                format!("From: a@b\nSubject: {word} {i}\nMessage-ID: {id}\n\nbody {i}\n"),
            )
            .unwrap();
            let ok = Command::new("chown")
                .arg(format!("{DOVECOT_USER}:"))
                .arg(&p)
                .status()
                .is_ok_and(|s| s.success());
            assert!(ok);
        }
        ids
    }
}

impl Drop for RigFolder {
    fn drop(&mut self) {
        doveadm(&[
            "mailbox",
            "delete",
            "-u",
            DOVECOT_USER,
            "-r",
            "-s",
            &self.name,
        ]);
        let _ = fs::remove_dir_all(&self.path);
    }
}

fn doveadm(args: &[&str]) -> bool {
    Command::new("doveadm")
        .args(["-c", DOVECOT_CONF])
        .args(args)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

#[test]
fn dovecot_sees_our_flags_and_we_see_and_keep_its_own() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    require!(Req::Nobody);
    let f = RigFolder::new();
    let home = PathBuf::from(format!("/home/{DOVECOT_USER}"));
    let ids = f.deliver("dove", 4);
    let md = f.path.to_str().unwrap();
    // We: read 1, flag 2, delete 3; 4 untouched.
    let o = ours_as(
        DOVECOT_USER,
        &home,
        &["-N", "-f", md],
        "p 1\nflag 2\nd 3\nq\n",
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let d = dovecot_flags(&f.name);
    let want: BTreeMap<String, String> = [
        (ids[0].clone(), "\\Seen".to_string()),
        (ids[1].clone(), "\\Flagged".to_string()),
        (ids[3].clone(), String::new()),
    ]
    .into();
    assert_eq!(d, want);

    // Dovecot: 1 unread again, answered, flagged, a keyword; 4 read and
    // answered; 2 expunged.
    imap(
        &f.name,
        &[
            "select",
            &format!("store:{}:-FLAGS:(\\Seen)", ids[0]),
            &format!("store:{}:+FLAGS:(\\Answered \\Flagged $Label1)", ids[0]),
            &format!("store:{}:+FLAGS:(\\Seen \\Answered)", ids[3]),
            &format!("store:{}:+FLAGS:(\\Deleted)", ids[1]),
            "expunge",
        ],
    );
    let j = json_flags(DOVECOT_USER, &home, &f.path);
    assert_eq!(j.len(), 2, "{j:?}");
    assert_eq!(j[&ids[0]], "[\"flagged\",\"answered\"]", "{j:?}");
    assert_eq!(j[&ids[3]], "[\"read\",\"answered\"]", "{j:?}");
    let o = ours_as(DOVECOT_USER, &home, &["-f", md], "");
    assert!(
        text(&o.stdout).contains("2 messages 1 unread"),
        "{}",
        text(&o.stdout)
    );

    // We read 1 and take its flag off: Dovecot's answered mark and its
    // keyword stay (the keyword's letter is kept in the name).
    let o = ours_as(DOVECOT_USER, &home, &["-N", "-f", md], "p 1\nunflag 1\nq\n");
    assert!(o.status.success(), "{}", text(&o.stderr));
    let names = by_id(&f.path);
    assert_eq!(flags_of(&names[&ids[0]]), "RSa", "{names:?}");
    let d = dovecot_flags(&f.name);
    assert_eq!(d[&ids[0]], "$Label1 \\Answered \\Seen", "{d:?}");
    assert_eq!(d[&ids[3]], "\\Answered \\Seen", "{d:?}");
    assert_eq!(d.len(), 2, "{d:?}");
}

#[test]
fn dovecot_renames_files_while_our_session_has_them_open() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    require!(Req::Nobody);
    let f = RigFolder::new();
    let home = PathBuf::from(format!("/home/{DOVECOT_USER}"));
    let ids = f.deliver("open", 3);
    // The IMAP client as a file the rig user can run from our session.
    let dir = TempDir::new("md-real-open");
    fs::set_permissions(dir.path(), fs::Permissions::from_mode(0o755)).unwrap();
    let py = dir.join("imap.py");
    fs::write(&py, IMAP).unwrap();
    fs::set_permissions(&py, fs::Permissions::from_mode(0o644)).unwrap();
    // While we have the folder open, Dovecot moves every file from new/
    // to cur/ (SELECT), marks 2 seen and flagged and 3 answered; we had
    // read 1 before and flag 3 after.
    let script = format!(
        "p 1\n!python3 {} {DOVECOT_IMAP_PORT} {DOVECOT_CA} {DOVECOT_USER} {DOVECOT_PASS} {} \
         select 'store:{}:+FLAGS:(\\Seen \\Flagged)' 'store:{}:+FLAGS:(\\Answered)'\nflag 3\nq\n",
        py.display(),
        f.name,
        ids[1],
        ids[2]
    );
    let o = ours_as(
        DOVECOT_USER,
        &home,
        &["-N", "-f", f.path.to_str().unwrap()],
        &script,
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(o.stderr.is_empty(), "{}", text(&o.stderr));
    let names = by_id(&f.path);
    assert_eq!(names.len(), 3, "{names:?}");
    for (id, want) in ids.iter().zip(["S", "FS", "FR"]) {
        assert!(names[id].starts_with("cur/"), "{names:?}");
        assert_eq!(flags_of(&names[id]), want, "{names:?}");
    }
    let d = dovecot_flags(&f.name);
    assert_eq!(d[&ids[0]], "\\Seen");
    assert_eq!(d[&ids[1]], "\\Flagged \\Seen");
    assert_eq!(d[&ids[2]], "\\Answered \\Flagged");
}
