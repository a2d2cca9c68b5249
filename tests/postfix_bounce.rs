//! The "full mailbox" bounce path through a real Postfix (the loopback rig
//! of scripts/postfix-test-setup.sh): a message to a user whose mailbox is
//! over Postfix's `mailbox_size_limit` is accepted by sendmail (so mailx
//! exits 0, as bsd-mailx does: the MTA took the message), not delivered, and
//! bounced to the envelope sender. In its own test binary because it changes
//! Postfix's global limits for a moment (cargo runs test binaries one at a
//! time); the limits are restored even when the test fails.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The rig, with the sender user this test mails from.
fn postfix_ready() -> bool {
    common::postfix_rig_ready(
        &[
            "/usr/sbin/postfix",
            "/usr/sbin/sendmail",
            "/usr/sbin/postconf",
        ],
        &[25],
        &["mxsender"],
    )
}

fn sh(cmd: &str) -> String {
    let o = Command::new("/bin/sh")
        .arg("-c")
        .arg(cmd)
        .output()
        .expect("sh");
    String::from_utf8_lossy(&o.stdout).trim().to_string()
}

/// Restores Postfix's limits when dropped.
struct Limits {
    mailbox: String,
    message: String,
}

impl Drop for Limits {
    fn drop(&mut self) {
        sh(&format!(
            "postconf -e mailbox_size_limit={} message_size_limit={} && postfix reload 2>/dev/null",
            self.mailbox, self.message
        ));
    }
}

#[test]
fn full_mailbox_bounces_to_the_sender() {
    if !postfix_ready() {
        return;
    }
    let user = "mxfull";
    if !Command::new("id")
        .arg(user)
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
    {
        sh(&format!(
            "useradd -M -d /nonexistent -s /usr/sbin/nologin {user}"
        ));
    }
    let spool = format!("/var/mail/{user}");
    let tag = format!(
        "full-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
    );
    let _restore = Limits {
        mailbox: sh("postconf -h mailbox_size_limit"),
        message: sh("postconf -h message_size_limit"),
    };
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
    std::fs::write(&spool, &fill).unwrap();
    sh(&format!("chown {user}:mail {spool} && chmod 660 {spool}"));
    let before = std::fs::metadata(&spool).unwrap().len();

    let body = "x".repeat(70) + "\n";
    let body = body.repeat(200); // 14 KB: under message_size_limit, over the mailbox limit
    let home = std::env::temp_dir().join(format!("mailx-{tag}"));
    std::fs::create_dir_all(&home).unwrap();
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
    let _ = std::fs::remove_file(&spool);
    let _ = std::fs::remove_dir_all(&home);
}
