//! Send mode on a terminal: both programs run on a pseudo-terminal (the
//! controlling tty of a new session), keys are typed with pauses, and the
//! terminal output (stdout and stderr together, with the tty's own echo),
//! the exit status, what the fake sendmail got and dead.letter are compared.

mod common;
use common::*;
use std::process::Command;
use std::time::Duration;

/// Runs `prog` on a new pty with the given rc lines and keys; returns the outcome
/// (stdout = everything the terminal showed).
fn run_tty(prog: Prog, args: &[&str], rc: &str, keys: &[&[u8]]) -> Option<Outcome> {
    let t = TempDir::new("tty");
    std::fs::create_dir(t.join("home")).unwrap();
    std::fs::create_dir(t.join("out")).unwrap();
    std::fs::write(
        t.join("rc"),
        format!("set sendmail={}\n{rc}\n", fakesm().display()),
    )
    .unwrap();
    let target = match prog {
        Prog::Real => bsd_mailx().to_path_buf(),
        Prog::Ours => ours(),
    };
    let exe = t.join("bsd-mailx");
    std::os::unix::fs::symlink(target, &exe).unwrap();
    let mut c = Command::new(&exe);
    c.args(args)
        .env_clear()
        .env("HOME", t.join("home"))
        .env("USER", "tester")
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("TERM", "dumb")
        .env("MAILRC", t.join("rc"))
        .env("FAKESM_OUT", t.join("out"))
        .current_dir(t.path());
    let script = PtyScript {
        size: None,
        keys,
        first_ms: 600,
        gap_ms: 300,
        timeout: Duration::from_secs(5),
    };
    let (status, out) = run_on_pty(c, &script)?;
    Some(collect_outcome(&t, &status, out, Vec::new()))
}

fn same_tty(name: &str, args: &[&str], rc: &str, keys: &[&[u8]]) {
    require!(Req::BsdMailx);
    let Some(o) = run_tty(Prog::Ours, args, rc, keys) else {
        return;
    };
    let r = run_tty(Prog::Real, args, rc, keys).unwrap();
    assert_same(name, &o, &r);
}

#[test]
fn tty_body_then_eof_prints_eot() {
    same_tty(
        "tty_body_then_eof_prints_eot",
        &["-n", "-s", "subj", "a@x"],
        "",
        &[b"line one\n", b"\x04"],
    );
}

#[test]
fn tty_debian_rc_subject_and_cc_prompts() {
    // Debian's /etc/mail.rc: ask askcc dot.
    same_tty(
        "tty_debian_rc_subject_and_cc_prompts",
        &["-n", "a@x"],
        "set ask askcc append dot save crt",
        &[b"Hello there\n", b"line one\n", b".\n", b"cc1@x.org\n"],
    );
}

#[test]
fn tty_two_interrupts_kill_the_letter() {
    same_tty(
        "tty_two_interrupts_kill_the_letter",
        &["-n", "-s", "S", "a@x"],
        "",
        &[b"line one\n", b"par", b"\x03", b"\x03"],
    );
}

#[test]
fn tty_a_line_between_interrupts_resets_them() {
    same_tty(
        "tty_a_line_between_interrupts_resets_them",
        &["-n", "-s", "S", "a@x"],
        "",
        &[b"line one\n", b"\x03", b"two\n", b"\x03", b"\x03"],
    );
}

#[test]
fn tty_interrupt_then_eof_sends() {
    same_tty(
        "tty_interrupt_then_eof_sends",
        &["-n", "-s", "S", "a@x"],
        "",
        &[b"line one\n", b"\x03", b"two\n", b"\x04"],
    );
}

#[test]
fn tty_ignore_flag_prints_at() {
    same_tty(
        "tty_ignore_flag_prints_at",
        &["-n", "-i", "-s", "S", "a@x"],
        "",
        &[b"line one\n", b"\x03", b"two\n", b"\x03", b"\x04"],
    );
}

#[test]
fn tty_two_interrupts_nosave() {
    same_tty(
        "tty_two_interrupts_nosave",
        &["-n", "-s", "S", "a@x"],
        "set nosave",
        &[b"line one\n", b"\x03", b"\x03"],
    );
}
