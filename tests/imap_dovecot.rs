//! IMAP folders end to end against the loopback Dovecot of
//! scripts/dovecot-test-setup.sh (`Req::DovecotRig`): list, read, delete
//! and quit (STARTTLS on `imap://`), `exit`, save to a local mbox and
//! Maildir, copy to another folder on the server, APPEND from a local
//! folder (`imaps://`), `inc` after another client added a message, folder
//! names outside ASCII (modified UTF-7 on the server), and a
//! wrong password. Python's imaplib, an independent client, puts the test
//! messages on the server and reads the server's state after each step.
//! Every test works in a folder of its own, removed at the end.

#![cfg(feature = "imap")]

mod common;
use common::require::{
    DOVECOT_CA, DOVECOT_IMAP_PORT, DOVECOT_IMAPS_PORT, DOVECOT_PASS, DOVECOT_USER,
};
use common::*;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::process::{Child, Command, Stdio};

/// The checker: `setup FOLDER N`, `state FOLDER`, `add FOLDER SUBJECT`,
/// `addseen FOLDER SUBJECT`, `expunge FOLDER SUBJECT`, `seen FOLDER
/// SUBJECT`, `recreate FOLDER N PREFIX` (deleted and created again with N
/// messages `PREFIX 1`…, seen), `drop FOLDER`; the password on stdin. `state` prints one line per
/// message: `uid|flags|subject` (without `\Recent`).
const CHECKER: &str = r#"
import imaplib, ssl, sys
op, folder = sys.argv[1], sys.argv[2]
pw = sys.stdin.read().strip()
ctx = ssl.create_default_context(cafile=sys.argv[-1])
m = imaplib.IMAP4("127.0.0.1", int(sys.argv[-2]))
m.starttls(ssl_context=ctx)
m.login(sys.argv[-3], pw)
def msg(i, subj):
    return ("From: sender%d@example.test\r\nTo: mximap@localhost\r\nSubject: %s\r\n"
            "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\nbody line of %s\r\n" % (i, subj, subj)).encode()
if op == "setup":
    m.delete(folder)
    typ, _ = m.create(folder)
    assert typ == "OK"
    for i in range(1, int(sys.argv[3]) + 1):
        m.append(folder, None, None, msg(i, "msg %d" % i))
elif op == "add":
    m.append(folder, None, None, msg(99, sys.argv[3]))
elif op == "state":
    typ, _ = m.select(folder, readonly=True)
    assert typ == "OK"
    typ, data = m.uid("FETCH", "1:*", "(FLAGS BODY.PEEK[HEADER.FIELDS (SUBJECT)])")
    for part in data:
        if isinstance(part, tuple):
            meta = part[0].decode()
            subj = part[1].decode().strip().replace("Subject: ", "")
            uid = meta.split("UID ")[1].split(" ")[0]
            # \Recent belongs to whichever session saw the message first.
            flags = " ".join(f for f in meta.split("FLAGS (")[1].split(")")[0].split()
                             if f != "\\Recent")
            print("%s|%s|%s" % (uid, flags, subj))
elif op == "drop":
    m.delete(folder)
elif op == "addseen":
    m.append(folder, "(\\Seen)", None, msg(98, sys.argv[3]))
elif op in ("expunge", "seen"):
    typ, _ = m.select(folder)
    assert typ == "OK"
    typ, data = m.search(None, "SUBJECT", '"%s"' % sys.argv[3])
    nums = data[0].split()
    assert len(nums) == 1, data
    m.store(nums[0], "+FLAGS", "(\\Deleted)" if op == "expunge" else "(\\Seen)")
    if op == "expunge":
        m.expunge()
elif op == "recreate":
    m.delete(folder)
    typ, _ = m.create(folder)
    assert typ == "OK"
    for i in range(1, int(sys.argv[3]) + 1):
        m.append(folder, "(\\Seen)", None, msg(i, "%s %d" % (sys.argv[4], i)))
m.logout()
"#;

/// Runs the checker; its standard output.
fn checker(args: &[&str]) -> String {
    let port = DOVECOT_IMAP_PORT.to_string();
    let mut c = Command::new("python3")
        .arg("-c")
        .arg(CHECKER)
        .args(args)
        .args([DOVECOT_USER, &port, DOVECOT_CA])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(DOVECOT_PASS.as_bytes())
        .unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "checker {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

/// A folder of its own for one test, with `n` messages `msg 1`…; removed
/// when dropped.
struct Folder(String);

impl Folder {
    fn new(tag: &str, n: usize) -> Folder {
        Folder::named(format!("mxt-{tag}-{}", std::process::id()), n)
    }
    /// The folder `name` (as the server spells it: modified UTF-7).
    fn named(name: String, n: usize) -> Folder {
        checker(&["setup", &name, &n.to_string()]);
        Folder(name)
    }
    /// (flags, subject) of each message, in UID order.
    fn state(&self) -> Vec<(String, String)> {
        checker(&["state", &self.0])
            .lines()
            .map(|l| {
                let mut p = l.splitn(3, '|');
                p.next();
                (p.next().unwrap().to_string(), p.next().unwrap().to_string())
            })
            .collect()
    }
    fn imap(&self) -> String {
        format!(
            "imap://{DOVECOT_USER}@localhost:{DOVECOT_IMAP_PORT}/{}",
            self.0
        )
    }
    fn imaps(&self) -> String {
        format!(
            "imaps://{DOVECOT_USER}@localhost:{DOVECOT_IMAPS_PORT}/{}",
            self.0
        )
    }
}

impl Drop for Folder {
    fn drop(&mut self) {
        let _ = std::panic::catch_unwind(|| checker(&["drop", &self.0]));
    }
}

/// A HOME with ~/.netrc for the rig's user (`password` as given) and an
/// rc file trusting the rig's CA.
fn home(t: &TempDir, password: &str) {
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let netrc = home.join(".netrc");
    std::fs::write(
        &netrc,
        format!("machine localhost login {DOVECOT_USER} password {password}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&netrc, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(t.join("rc"), format!("set tls-ca-file={DOVECOT_CA}\n")).unwrap();
}

fn spawn(t: &TempDir, args: &[&str]) -> Child {
    Command::new(ours())
        .args(args)
        .env_clear()
        .env("HOME", t.join("home"))
        .env("USER", "tester")
        .env("LOGNAME", "tester")
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("MAILRC", t.join("rc"))
        .current_dir(t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// A session on `args` that is sent `first`, waits until its output shows
/// `ready`, lets `meanwhile` change the server, is then sent `rest` and
/// must succeed: what it printed after `ready`.
fn while_open(
    t: &TempDir,
    args: &[&str],
    first: &str,
    ready: &str,
    meanwhile: impl FnOnce(),
    rest: &str,
) -> String {
    let mut c = spawn(t, args);
    let mut stdin = c.stdin.take().unwrap();
    let mut stdout = c.stdout.take().unwrap();
    stdin.write_all(first.as_bytes()).unwrap();
    let mut got = Vec::new();
    let mut b = [0u8; 256];
    while !String::from_utf8_lossy(&got).contains(ready) {
        let n = stdout.read(&mut b).unwrap();
        assert!(n > 0, "mailx ended: {}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&b[..n]);
    }
    meanwhile();
    stdin.write_all(rest.as_bytes()).unwrap();
    drop(stdin);
    let mut out = String::new();
    stdout.read_to_string(&mut out).unwrap();
    let o = c.wait_with_output().unwrap();
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}
/// Runs mailx with `args` and `stdin`: (exit code, stdout, stderr).
fn mailx(t: &TempDir, args: &[&str], stdin: &str) -> (i32, String, String) {
    let mut c = spawn(t, args);
    let _ = c.stdin.take().unwrap().write_all(stdin.as_bytes());
    let o = c.wait_with_output().unwrap();
    let (out, err) = (
        String::from_utf8_lossy(&o.stdout).into_owned(),
        String::from_utf8_lossy(&o.stderr).into_owned(),
    );
    assert!(!out.contains(DOVECOT_PASS) && !err.contains(DOVECOT_PASS));
    (o.status.code().unwrap_or(-1), out, err)
}

fn seen(flags: &str) -> bool {
    flags.split(' ').any(|f| f == "\\Seen")
}

#[test]
fn list_read_delete_and_quit_over_starttls() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("quit", 4);
    let t = TempDir::new("dovecot-quit");
    home(&t, DOVECOT_PASS);
    let (code, out, err) = mailx(&t, &["-N", "-f", &f.imap()], "h\np 2\nd 3\nq\n");
    assert_eq!(code, 0, "{out}{err}");
    for i in 1..=4 {
        assert!(out.contains(&format!("msg {i}")), "{out}");
    }
    assert!(out.contains("body line of msg 2"), "{out}");
    let s = f.state();
    let subjects: Vec<&str> = s.iter().map(|(_, x)| x.as_str()).collect();
    assert_eq!(subjects, ["msg 1", "msg 2", "msg 4"], "{s:?}");
    assert!(!seen(&s[0].0) && seen(&s[1].0) && !seen(&s[2].0), "{s:?}");
}

#[test]
fn exit_leaves_the_server_as_it_was() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("exit", 3);
    let before = f.state();
    let t = TempDir::new("dovecot-exit");
    home(&t, DOVECOT_PASS);
    let (code, out, err) = mailx(&t, &["-N", "-f", &f.imaps()], "p 1\nd 2\nx\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("body line of msg 1"), "{out}");
    assert_eq!(f.state(), before);
}

#[test]
fn save_to_mbox_and_maildir_and_copy_to_another_server_folder() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("save", 3);
    let other = Folder::new("save-to", 0);
    let t = TempDir::new("dovecot-save");
    home(&t, DOVECOT_PASS);
    let mbox = t.join("saved");
    let md = t.join("md/");
    let cmds = format!(
        "s 1 {}\ncopy 2 {}\ncopy 3 {}\nq\n",
        mbox.display(),
        md.display(),
        other.imaps()
    );
    let (code, out, err) = mailx(&t, &["-N", "-f", &f.imaps()], &cmds);
    assert_eq!(code, 0, "{out}{err}");
    let m = std::fs::read_to_string(&mbox).unwrap();
    assert!(
        m.starts_with("From ")
            && m.contains("Subject: msg 1\n")
            && m.contains("body line of msg 1\n"),
        "{m}"
    );
    let files: Vec<_> = ["new", "cur"]
        .iter()
        .flat_map(|d| std::fs::read_dir(md.join(d)).unwrap())
        .collect();
    assert_eq!(files.len(), 1);
    let body = std::fs::read_to_string(files[0].as_ref().unwrap().path()).unwrap();
    assert!(
        body.contains("Subject: msg 2\n") && !body.contains('\r'),
        "{body}"
    );
    // The copy is on the server; the source still has all three.
    let o = other.state();
    assert_eq!(o.len(), 1, "{o:?}");
    assert_eq!(o[0].1, "msg 3");
    assert_eq!(f.state().len(), 3);
}

#[test]
fn copy_from_a_local_maildir_appends_with_its_flags() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("append", 0);
    let t = TempDir::new("dovecot-append");
    home(&t, DOVECOT_PASS);
    let local = t.join("local");
    for d in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(local.join(d)).unwrap();
    }
    std::fs::write(
        local.join("cur/1000.a.host:2,FS"),
        "From: a@b\nSubject: flagged one\n\nx\n",
    )
    .unwrap();
    std::fs::write(
        local.join("new/1001.b.host"),
        "From: c@d\nSubject: plain one\n\ny\n",
    )
    .unwrap();
    // `copy` marks what it copies read, as in every folder.
    let cmds = format!("copy 2 {}\ncopy 1 {}\nx\n", f.imap(), f.imap());
    let (code, out, err) = mailx(&t, &["-N", "-f", local.to_str().unwrap()], &cmds);
    assert_eq!(code, 0, "{out}{err}");
    let s = f.state();
    let subjects: Vec<&str> = s.iter().map(|(_, x)| x.as_str()).collect();
    assert_eq!(subjects, ["plain one", "flagged one"], "{s:?}");
    assert_eq!(s[0].0, "\\Seen", "{s:?}");
    let mut fl: Vec<&str> = s[1].0.split(' ').collect();
    fl.sort();
    assert_eq!(fl, ["\\Flagged", "\\Seen"], "{s:?}");
}

#[test]
fn inc_shows_a_message_another_client_added() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("inc", 2);
    let t = TempDir::new("dovecot-inc");
    home(&t, DOVECOT_PASS);
    // The folder is open once the first command's answer is there.
    let rest = while_open(
        &t,
        &["-N", "-f", &f.imap()],
        "=\n",
        "2",
        || {
            checker(&["add", &f.0, "late arrival"]);
        },
        "inc\np 3\nx\n",
    );
    assert!(rest.contains(": 3 messages"), "{rest}");
    assert!(rest.contains("body line of late arrival"), "{rest}");
    // `x`: the message stays unseen.
    assert!(!seen(&f.state()[2].0));
}

#[test]
fn a_wrong_password_is_a_clear_error_without_the_password() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("badpw", 1);
    let t = TempDir::new("dovecot-badpw");
    home(&t, "not-the-password");
    let (code, out, err) = mailx(&t, &["-N", "-f", &f.imaps()], "q\n");
    assert_eq!(code, 1, "{out}{err}");
    assert!(
        err.contains("AUTHENTICATE PLAIN: the server answered NO"),
        "{err}"
    );
    assert!(!err.contains("not-the-password") && !out.contains("not-the-password"));
    assert_eq!(f.state().len(), 1);
}

#[test]
fn plus_names_a_folder_on_the_server_of_the_folder_variable() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("plus", 1);
    let t = TempDir::new("dovecot-plus");
    home(&t, DOVECOT_PASS);
    let mut rc = std::fs::read_to_string(t.join("rc")).unwrap();
    rc.push_str(&format!(
        "set folder=imaps://{DOVECOT_USER}@localhost:{DOVECOT_IMAPS_PORT}/\n"
    ));
    std::fs::write(t.join("rc"), rc).unwrap();
    let name = format!("+{}", f.0);
    let (code, out, err) = mailx(&t, &["-N", "-f", &name], "p 1\nfile\nq\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("body line of msg 1"), "{out}");
    // The name as given, as for a local folder.
    assert!(out.contains(&format!("\"{name}\": 1 message")), "{out}");
    assert!(seen(&f.state()[0].0));
}

#[test]
fn inc_shows_mail_postfix_delivered_while_the_inbox_was_open() {
    require!(Req::DovecotRig);
    require!(Req::PostfixRig);
    require!(Req::Python3);
    let t = TempDir::new("dovecot-postfix");
    home(&t, DOVECOT_PASS);
    let tag = format!("mxt-postfix-{}", std::process::id());
    let url = format!("imap://{DOVECOT_USER}@localhost:{DOVECOT_IMAP_PORT}/INBOX");
    let deliver = || {
        // Postfix delivers into the rig user's Maildir (its ~/.forward).
        deliver_through_postfix(&tag);
    };
    let rest = while_open(
        &t,
        &["-N", "-f", &url],
        "echo opened\n",
        "opened",
        deliver,
        &format!("inc\nf /{tag}\np /{tag}\nx\n"),
    );
    assert!(rest.contains(&format!("body of {tag}")), "{rest}");
    assert_eq!(
        rest.matches(&format!("Subject: {tag}")).count(),
        1,
        "{rest}"
    );
}

/// Sends a message with subject `tag` to the rig user through Postfix and
/// waits (up to 60 s) until an independent client sees it in INBOX.
fn deliver_through_postfix(tag: &str) {
    let mut sm = Command::new("/usr/sbin/sendmail")
        .args(["-i", &format!("{DOVECOT_USER}@localhost")])
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    sm.stdin
        .take()
        .unwrap()
        .write_all(format!("From: root@localhost\nSubject: {tag}\n\nbody of {tag}\n").as_bytes())
        .unwrap();
    assert!(sm.wait().unwrap().success());
    // Wait (up to 60 s) until the independent client sees it in INBOX.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while !checker(&["state", "INBOX"]).contains(tag) {
        assert!(
            std::time::Instant::now() < deadline,
            "Postfix did not deliver {tag}"
        );
        std::thread::sleep(std::time::Duration::from_millis(300));
    }
}

#[test]
fn deleting_every_other_of_2000_messages_splits_the_uid_sets() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("many", 2000);
    let t = TempDir::new("dovecot-many");
    home(&t, DOVECOT_PASS);
    // Every other message deleted, every fourth flagged: long, gappy UID
    // sets (over 4000 bytes, so sent as several pipelined commands).
    let mut cmds = String::new();
    for chunk in (2..=2000).step_by(2).collect::<Vec<_>>().chunks(250) {
        let list: Vec<String> = chunk.iter().map(|n: &usize| n.to_string()).collect();
        cmds.push_str(&format!("d {}\n", list.join(" ")));
    }
    for chunk in (1..=1999).step_by(4).collect::<Vec<_>>().chunks(250) {
        let list: Vec<String> = chunk.iter().map(|n: &usize| n.to_string()).collect();
        cmds.push_str(&format!("flag {}\n", list.join(" ")));
    }
    cmds.push_str("q\n");
    let (code, out, err) = mailx(&t, &["-N", "-f", &f.imap()], &cmds);
    assert_eq!(code, 0, "{out}{err}");
    let s = f.state();
    assert_eq!(s.len(), 1000);
    for (k, (flags, subj)) in s.iter().enumerate() {
        let n = 2 * k + 1;
        assert_eq!(subj, &format!("msg {n}"));
        assert_eq!(flags.contains("\\Flagged"), n % 4 == 1, "{n}: {flags}");
    }
}

#[test]
fn folders_lists_the_folders_on_the_server() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("list", 1);
    let t = TempDir::new("dovecot-list");
    home(&t, DOVECOT_PASS);
    let mut rc = std::fs::read_to_string(t.join("rc")).unwrap();
    rc.push_str(&format!(
        "set folder=imaps://{DOVECOT_USER}@localhost:{DOVECOT_IMAPS_PORT}/\n"
    ));
    std::fs::write(t.join("rc"), rc).unwrap();
    let (code, out, err) = mailx(&t, &["-N", "-f", &f.imap()], "folders\nx\n");
    assert_eq!(code, 0, "{out}{err}");
    let names: Vec<&str> = out.lines().collect();
    assert!(
        names.contains(&"INBOX") && names.contains(&f.0.as_str()),
        "{out}"
    );
}

#[test]
fn folder_names_outside_ascii_are_modified_utf7_on_the_server() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let pid = std::process::id();
    // The names as the server (and imaplib) spell them, RFC 3501 §5.1.3.
    let de = Folder::named(format!("mxt-{pid}-Entw&APw-rfe"), 0);
    let ja = Folder::named(format!("mxt-{pid}-&ZeVnLIqe-"), 0);
    let src = Folder::new("utf7src", 2);
    let t = TempDir::new("dovecot-utf7");
    home(&t, DOVECOT_PASS);
    let server = format!("imaps://{DOVECOT_USER}@localhost:{DOVECOT_IMAPS_PORT}");
    let mut rc = std::fs::read_to_string(t.join("rc")).unwrap();
    rc.push_str(&format!("set folder={server}/\n"));
    std::fs::write(t.join("rc"), rc).unwrap();
    // UID COPY on the same server, and `folders`.
    let cmds = format!("copy 1 {server}/mxt-{pid}-Entwürfe\nfolders\nx\n");
    let (code, out, err) = mailx(&t, &["-N", "-f", &src.imaps()], &cmds);
    assert_eq!(code, 0, "{out}{err}");
    let names: Vec<&str> = out.lines().collect();
    for n in [format!("mxt-{pid}-Entwürfe"), format!("mxt-{pid}-日本語")] {
        assert!(names.contains(&n.as_str()), "{n} not in {out}");
    }
    // APPEND from a local folder.
    let local = t.join("local");
    std::fs::write(
        &local,
        "From a@b Mon Jan  1 10:00:00 2024\nFrom: a@b\nSubject: from local\n\nlocal body\n\n",
    )
    .unwrap();
    let cmds = format!("copy 1 +mxt-{pid}-日本語\nx\n");
    let (code, out, err) = mailx(&t, &["-N", "-f", local.to_str().unwrap()], &cmds);
    assert_eq!(code, 0, "{out}{err}");
    // SELECT by the name outside ASCII; `+name` and a URL alike.
    let (code, out, err) = mailx(&t, &["-N", "-f", &format!("+mxt-{pid}-日本語")], "p 1\nx\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("local body"), "{out}");
    let url = format!("{server}/mxt-{pid}-Entwürfe");
    let (code, out, err) = mailx(&t, &["-N", "-f", &url], "p 1\nx\n");
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("body line of msg 1"), "{out}");
    // The independent client finds each message where it belongs.
    let d = de.state();
    assert!(d.len() == 1 && d[0].1 == "msg 1", "{d:?}");
    let j = ja.state();
    assert!(j.len() == 1 && j[0].1 == "from local", "{j:?}");
}

#[test]
fn autoinc_tells_of_a_message_another_client_added() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("autoinc", 2);
    let t = TempDir::new("dovecot-autoinc");
    home(&t, DOVECOT_PASS);
    let mut rc = std::fs::read_to_string(t.join("rc")).unwrap();
    rc.push_str("set autoinc imap-newmail-interval=0\n");
    std::fs::write(t.join("rc"), rc).unwrap();
    // A later prompt's NOOP finds it (the prompt after `echo opened` may
    // have asked before the message was there).
    let rest = while_open(
        &t,
        &["-N", "-I", "-f", &f.imap()],
        "echo opened\n",
        "opened",
        || {
            checker(&["add", &f.0, "late arrival"]);
        },
        "echo next\nh\np 3\nx\n",
    );
    assert_eq!(rest.matches("New mail has arrived.").count(), 1, "{rest}");
    let notice = rest.find("New mail has arrived.").unwrap();
    assert!(notice < rest.find("late arrival").unwrap(), "{rest}");
    assert!(rest.contains("body line of late arrival"), "{rest}");
    assert!(!seen(&f.state()[2].0));
}

/// `-v -H -f URL` with `set noheadercache` or without: (listing, stderr).
fn listing(t: &TempDir, url: &str, nocache: bool) -> (String, String) {
    let mut rc = format!("set tls-ca-file={DOVECOT_CA}\n");
    if nocache {
        rc.push_str("set noheadercache\n");
    }
    std::fs::write(t.join("rc"), rc).unwrap();
    let (code, out, err) = mailx(t, &["-v", "-H", "-f", url], "");
    assert_eq!(code, 0, "{out}{err}");
    (out, err)
}

/// The one IMAP header cache file in the test's HOME.
fn imap_cache_file(t: &TempDir) -> std::path::PathBuf {
    let dir = t.join("home/.cache/mailx");
    let files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("imap-")
        })
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    files.into_iter().next().unwrap()
}

#[test]
fn the_header_cache_never_shows_a_gone_message_nor_hides_one() {
    require!(Req::DovecotRig);
    require!(Req::Python3);
    let f = Folder::new("hcache", 5);
    let t = TempDir::new("dovecot-hcache");
    home(&t, DOVECOT_PASS);
    let url = f.imap();
    // The first session takes \Recent of the new messages: not compared.
    let (_, err) = listing(&t, &url, true);
    assert!(err.contains("5 messages; header cache: off"), "{err}");
    assert!(!t.join("home/.cache/mailx").exists());
    // Cold: everything fetched, the cache written (private).
    let (cold, err) = listing(&t, &url, false);
    assert!(err.contains("5 messages; header cache: none yet"), "{err}");
    assert!(cold.contains("msg 5"), "{cold}");
    let file = imap_cache_file(&t);
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&file), 0o600);
    assert_eq!(mode(&t.join("home/.cache/mailx")), 0o700);
    let raw = std::fs::read(&file).unwrap();
    assert!(!String::from_utf8_lossy(&raw).contains(DOVECOT_PASS));
    // Warm: nothing fetched but the UIDs and flags, the same listing.
    let (warm, err) = listing(&t, &url, false);
    assert!(
        err.contains("header cache: 5 from the cache, 0 fetched, 0 gone"),
        "{err}"
    );
    assert_eq!(warm, cold);
    // Each check: what the cache shows is what a session without it shows.
    let same = |what: &str, note: &str| -> String {
        let (with, err) = listing(&t, &url, false);
        assert!(err.contains(note), "{what}: {err}");
        let (without, _) = listing(&t, &url, true);
        assert_eq!(with, without, "{what}");
        with
    };
    checker(&["addseen", &f.0, "came later"]);
    let l = same(
        "added",
        "6 messages; header cache: 5 from the cache, 1 fetched, 0 gone",
    );
    assert!(l.contains("came later"), "{l}");
    checker(&["expunge", &f.0, "msg 2"]);
    let l = same(
        "expunged",
        "5 messages; header cache: 5 from the cache, 0 fetched, 1 gone",
    );
    assert!(!l.contains("msg 2") && l.contains("msg 3"), "{l}");
    let line3 = |l: &str| l.lines().find(|x| x.contains("msg 3")).unwrap().to_string();
    let before = line3(&l);
    checker(&["seen", &f.0, "msg 3"]);
    let l = same(
        "flag",
        "5 messages; header cache: 5 from the cache, 0 fetched, 0 gone",
    );
    assert_ne!(line3(&l), before, "{l}");
    // A new UIDVALIDITY (the folder made again, its UIDs from 1 again):
    // not a record of the old folder is used.
    checker(&["recreate", &f.0, "3", "other"]);
    let l = same(
        "uidvalidity",
        "3 messages; header cache: not used: UIDVALIDITY changed",
    );
    assert!(l.contains("other 1") && !l.contains("msg"), "{l}");
    let (l, err) = listing(&t, &url, false);
    assert!(err.contains("3 from the cache, 0 fetched"), "{err}");
    assert!(l.contains("other 2"), "{l}");
    // A damaged cache (a subject changed in it) is not trusted.
    let mut raw = std::fs::read(&file).unwrap();
    let at = raw.windows(7).position(|w| w == b"other 2").unwrap();
    raw[at..at + 5].copy_from_slice(b"OTHER");
    std::fs::write(&file, &raw).unwrap();
    let l = same("damaged", "3 messages; header cache: not used: damaged");
    assert!(l.contains("other 2") && !l.contains("OTHER"), "{l}");
    // ... and is replaced by a good one.
    let (_, err) = listing(&t, &url, false);
    assert!(err.contains("3 from the cache, 0 fetched, 0 gone"), "{err}");
}
