//! The "full mailbox" bounce path through a real Postfix (the loopback rig
//! of scripts/postfix-test-setup.sh): a message to a user whose mailbox is
//! over Postfix's `mailbox_size_limit` is accepted by sendmail (so mailx
//! exits 0, as bsd-mailx does: the MTA took the message), not delivered, and
//! bounced to the envelope sender. In its own test binary because it changes
//! Postfix's global limits for a moment (cargo runs test binaries one at a
//! time); the limits are restored even when the test fails, and so is the
//! recipient's spool file. The recipient, mxfull, is a user of the rig.

mod common;
use common::{Req, TempDir};

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The rig's user whose mailbox is filled.
const USER: &str = "mxfull";

fn sh(cmd: &str) -> String {
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .expect("sh");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Postfix parameters as main.cf had them (None: not set there, so the
/// default applies); restored (or removed again) and reloaded when dropped.
struct Limits(Vec<(&'static str, Option<String>)>);

impl Limits {
    fn save(names: &[&'static str]) -> Limits {
        Limits(
            names
                .iter()
                .map(|&n| {
                    // `postconf -n` lists only what main.cf sets.
                    let v = sh(&format!("postconf -n -h {n} 2>/dev/null"));
                    (n, (!v.is_empty()).then_some(v))
                })
                .collect(),
        )
    }
}

impl Drop for Limits {
    fn drop(&mut self) {
        for (name, value) in &self.0 {
            match value {
                Some(v) => sh(&format!("postconf -e {name}={v}")),
                None => sh(&format!("postconf -X {name}")),
            };
        }
        sh("postfix reload 2>/dev/null");
    }
}

/// Cuts a mailbox back to the length it had when made, if it still starts
/// with those bytes (what was appended meanwhile goes).
struct CutBack(&'static str, Vec<u8>);

impl CutBack {
    fn new(path: &'static str) -> CutBack {
        CutBack(path, std::fs::read(path).unwrap_or_default())
    }
}

impl Drop for CutBack {
    fn drop(&mut self) {
        let now = std::fs::read(self.0).unwrap_or_default();
        if now.len() > self.1.len() && now.starts_with(&self.1) {
            let _ = std::fs::OpenOptions::new()
                .write(true)
                .open(self.0)
                .and_then(|f| f.set_len(self.1.len() as u64));
        }
    }
}

/// Removes a file when dropped.
struct RemoveOnDrop(String);

impl Drop for RemoveOnDrop {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

#[test]
fn full_mailbox_bounces_to_the_sender() {
    require!(Req::PostfixRig);
    let user = USER;
    let spool = format!("/var/mail/{user}");
    let tag = format!(
        "full-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    // The bounce goes to mxsender, whose mailbox must have room under the
    // limit set below: it holds only the rig's test bounces, so earlier
    // runs' are dropped when they fill it, and this run's bounce is taken
    // out again at the end (the mailbox is cut back to where it was).
    let sender_spool = "/var/mail/mxsender";
    if std::fs::metadata(sender_spool).is_ok_and(|m| m.len() > 100_000) {
        let _ = std::fs::OpenOptions::new()
            .write(true)
            .open(sender_spool)
            .and_then(|f| f.set_len(0));
    }
    let _cut = CutBack::new(sender_spool);
    let _restore = Limits::save(&["mailbox_size_limit", "message_size_limit"]);
    sh(
        "postconf -e mailbox_size_limit=200000 message_size_limit=100000 && postfix reload 2>/dev/null",
    );
    std::thread::sleep(Duration::from_millis(500));
    // A mailbox already just under the limit.
    let mut fill =
        String::from("From filler@localhost Mon Jan  1 10:00:00 2024\nSubject: filler\n\n");
    while fill.len() < 195_000 {
        fill.push_str("filler line filler line filler line filler line filler line\n");
    }
    fill.push('\n');
    let _remove = RemoveOnDrop(spool.clone());
    std::fs::write(&spool, &fill).unwrap();
    sh(&format!("chown {user}:mail {spool} && chmod 660 {spool}"));
    let before = std::fs::metadata(&spool).unwrap().len();

    let body = "x".repeat(70) + "\n";
    let body = body.repeat(200); // 14 KB: under message_size_limit, over the mailbox limit
    let home = TempDir::new("bounce");
    let mut child = Command::new(env!("CARGO_BIN_EXE_mailx"))
        .args([
            "-n",
            "-r",
            "mxsender@localhost",
            "-s",
            &tag,
            &format!("{user}@localhost"),
        ])
        .env("HOME", &home)
        .env("MAILRC", "/dev/null")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(body.as_bytes())
        .unwrap();
    let st = child.wait().unwrap();
    assert!(
        st.success(),
        "sendmail accepted the message, so mailx exits 0"
    );
    assert!(
        !home.join("dead.letter").exists(),
        "no dead.letter: the MTA took the message"
    );

    // The bounce reaches mxsender; the full mailbox is untouched.
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut bounce = None;
    while Instant::now() < deadline {
        let text = std::fs::read_to_string("/var/mail/mxsender").unwrap_or_default();
        if let Some(i) = text.find(&tag) {
            let start = text[..i].rfind("\nFrom MAILER-DAEMON").unwrap_or(0);
            bounce = Some(text[start..].to_string());
            break;
        }
        sh("postqueue -f");
        std::thread::sleep(Duration::from_millis(500));
    }
    let bounce = bounce.unwrap_or_else(|| panic!("no bounce for {tag} in /var/mail/mxsender"));
    assert!(
        bounce.contains("MAILER-DAEMON") || bounce.contains("Undelivered Mail"),
        "a bounce message: {}",
        &bounce[..bounce.len().min(2000)]
    );
    assert!(
        bounce.contains("5.2.2")
            || bounce.to_lowercase().contains("file too large")
            || bounce.contains("mailbox full"),
        "bounced because the mailbox is full: {}",
        &bounce[..bounce.len().min(3000)]
    );
    let after = std::fs::read(&spool).unwrap();
    assert_eq!(
        after.len() as u64,
        before,
        "nothing was appended to the full mailbox"
    );
    assert!(!String::from_utf8_lossy(&after).contains(&tag));
}
