//! IMAP folders against the fake server of tests/common/imap.rs: a whole
//! read-mode session (summary from one UID FETCH, the text fetched with
//! BODY.PEEK when shown, \Seen and deletions only at `quit`, nothing at
//! `exit`), save to local folders and to the server, and the faults a real
//! server will not produce: malformed responses, a literal shorter than
//! announced, a 2 GiB literal, a server that stops answering, a greeting
//! that is not IMAP, no STARTTLS on `imap://` to a host that is not
//! loopback. The password comes from `~/.netrc` and must never show.

#![cfg(feature = "imap")]

mod common;
use common::imap::{
    Ended, FakeImap, Fault, GIANT, GIANT_HEADER, GOOD_TOKEN, PASSWORD, giant_line, imap_session,
    make_certs, message,
};
use common::*;

use std::io::{Read, Seek, SeekFrom, Write};
use std::net::ToSocketAddrs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Stdio};

struct Run {
    code: i32,
    out: String,
    err: String,
}

/// Runs `mailx -N -f URL` with `stdin`, HOME holding a ~/.netrc for
/// `host`, and `rc` as the start-up file.
fn run(t: &TempDir, host: &str, url: &str, rc: &str, stdin: &str) -> Run {
    run_args(t, host, &["-N", "-f", url], rc, stdin)
}

/// [`run`] with the arguments `args`.
fn run_args(t: &TempDir, host: &str, args: &[&str], rc: &str, stdin: &str) -> Run {
    let mut c = imap_session(t, host, "tester", PASSWORD, rc, args)
        .spawn()
        .unwrap();
    // mailx may exit before it reads everything (a refused connection).
    let _ = c.stdin.take().unwrap().write_all(stdin.as_bytes());
    let o = c.wait_with_output().unwrap();
    let r = Run {
        code: o.status.code().unwrap_or(-1),
        out: String::from_utf8_lossy(&o.stdout).into_owned(),
        err: String::from_utf8_lossy(&o.stderr).into_owned(),
    };
    assert!(
        !r.out.contains(PASSWORD) && !r.err.contains(PASSWORD),
        "password shown"
    );
    r
}

fn three() -> Vec<Vec<u8>> {
    vec![
        message("alice@example.test", "first", 2),
        message("bob@example.test", "second", 3),
        message("carol@example.test", "third", 1),
    ]
}

fn url(s: &FakeImap) -> String {
    format!("imap://tester@127.0.0.1:{}/INBOX", s.port())
}

fn has(flags: &Option<Vec<String>>, f: &str) -> bool {
    flags.as_ref().is_some_and(|v| v.iter().any(|x| x == f))
}

#[test]
fn read_delete_and_quit_change_the_server_only_at_quit() {
    let t = TempDir::new("imap-quit");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    let r = run(&t, "127.0.0.1", &u, "", "h\np 2\nd 3\nq\n");
    let e: Ended = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(
        r.out.contains(" U  2 bob@example.test ") && r.out.contains("first"),
        "{}",
        r.out
    );
    assert!(r.out.contains("line 2 of second"), "{}", r.out);
    assert!(r.out.contains(&format!("\"{u}\" complete")), "{}", r.out);
    // One summary FETCH for all messages, with PEEK; the text with PEEK.
    let fetches = e.commands("UID FETCH");
    assert_eq!(fetches.len(), 2, "{fetches:?}");
    assert!(
        fetches[0].contains("UID FETCH 1:* ") && fetches[0].contains("BODY.PEEK[HEADER.FIELDS")
    );
    assert!(fetches[1].contains("UID FETCH 2 ") && fetches[1].contains("BODY.PEEK[]"));
    // Changes: 2 seen, 3 gone, 1 untouched.
    assert!(has(&e.flags(2), "\\Seen"), "{:?}", e.msgs);
    assert_eq!(e.flags(3), None, "{:?}", e.msgs);
    assert_eq!(e.flags(1), Some(vec![]), "{:?}", e.msgs);
    // Only message 3 is \Deleted on the server: one plain EXPUNGE.
    assert_eq!(e.commands("UID SEARCH DELETED").len(), 1, "{:?}", e.lines);
    assert_eq!(e.commands("EXPUNGE").len(), 1, "{:?}", e.lines);
    assert!(e.commands("UID EXPUNGE").is_empty(), "{:?}", e.lines);
    // AUTHENTICATE PLAIN was offered; LOGIN (with the password) not sent.
    assert!(e.commands("LOGIN").is_empty());
    assert_eq!(e.commands("AUTHENTICATE PLAIN").len(), 1);
}

#[test]
fn exit_leaves_the_server_unchanged() {
    let t = TempDir::new("imap-exit");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    let r = run(&t, "127.0.0.1", &u, "", "p 1\nd 2\nx\n");
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(e.commands("UID STORE").is_empty(), "{:?}", e.lines);
    assert!(e.commands("UID EXPUNGE").is_empty() && e.commands("EXPUNGE").is_empty());
    assert_eq!(e.msgs.len(), 3);
    assert!(e.msgs.iter().all(|m| m.flags.is_empty()), "{:?}", e.msgs);
}

#[test]
fn save_to_local_folders_and_copy_on_the_server() {
    let t = TempDir::new("imap-save");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    let mbox = t.join("saved.mbox");
    let md = t.join("md/");
    let cmds = format!(
        "s 1 {}\ncopy 2 {}\ncopy 3 imap://tester@127.0.0.1:{}/Archive\nq\n",
        mbox.display(),
        md.display(),
        s.port()
    );
    let r = run(&t, "127.0.0.1", &u, "", &cmds);
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    let m = std::fs::read_to_string(&mbox).unwrap();
    assert!(m.starts_with("From alice@example.test "), "{m}");
    assert!(m.contains("Subject: first\n") && m.contains("line 1 of first\n") && !m.contains('\r'));
    let new: Vec<_> = std::fs::read_dir(md.join("new"))
        .unwrap()
        .chain(std::fs::read_dir(md.join("cur")).unwrap())
        .collect();
    assert_eq!(new.len(), 1);
    let f = std::fs::read_to_string(new[0].as_ref().unwrap().path()).unwrap();
    assert!(
        f.starts_with("Return-Path: <bob@example.test>\n") && f.contains("line 2 of second"),
        "{f}"
    );
    assert_eq!(e.commands("UID COPY").len(), 1, "{:?}", e.lines);
    assert!(e.commands("UID COPY")[0].ends_with("UID COPY 3 \"Archive\""));
    assert!(e.msgs.iter().any(|m| m.mailbox == "Archive" && m.uid == 3));
}

#[test]
fn save_from_a_local_folder_appends_with_flags() {
    let t = TempDir::new("imap-append");
    let s = FakeImap::start(vec![], false, Fault::None);
    let local = t.join("local.mbox");
    std::fs::write(
        &local,
        "From x@y Mon Jan  1 10:00:00 2024\nFrom: x@y\nSubject: local one\nStatus: RO\n\nhello\n\n",
    )
    .unwrap();
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let netrc = home.join(".netrc");
    std::fs::write(
        &netrc,
        format!("machine 127.0.0.1 login tester password {PASSWORD}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&netrc, std::fs::Permissions::from_mode(0o600)).unwrap();
    let o = Command::new(ours())
        .args(["-N", "-f", local.to_str().unwrap()])
        .env_clear()
        .env("HOME", &home)
        .env("USER", "tester")
        .env("MAILRC", "/dev/null")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(
                format!("copy 1 imap://tester@127.0.0.1:{}/Saved\nx\n", s.port()).as_bytes(),
            )?;
            c.wait_with_output()
        })
        .unwrap();
    let e = s.ended();
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let saved: Vec<_> = e.msgs.iter().filter(|m| m.mailbox == "Saved").collect();
    assert_eq!(saved.len(), 1, "{:?}", e.lines);
    assert_eq!(saved[0].flags, vec!["\\Seen".to_string()]);
    let raw = String::from_utf8_lossy(&saved[0].raw);
    assert!(
        raw.starts_with("From: x@y\r\nSubject: local one\r\n") && raw.ends_with("hello\r\n"),
        "{raw:?}"
    );
}

/// A fault: the session fails with `want` on stderr, exit status 1, and
/// the server was not changed.
fn fault_case(fault: Fault, stdin: &str, want: &str) {
    let t = TempDir::new("imap-fault");
    let s = FakeImap::start(three(), false, fault);
    let u = url(&s);
    let r = run(&t, "127.0.0.1", &u, "set imap-timeout=2\n", stdin);
    assert!(!r.err.contains("panicked"), "{}", r.err);
    assert!(
        r.err.contains(want),
        "{fault:?}: want {want:?} in stderr: {}",
        r.err
    );
    assert_eq!(r.code, 1, "{fault:?}: {}{}", r.out, r.err);
    drop(s);
}

#[test]
fn a_malformed_fetch_answer_is_an_error() {
    fault_case(Fault::MalformedFetch, "q\n", "not IMAP");
}

#[test]
fn a_greeting_that_is_not_imap_is_an_error() {
    fault_case(Fault::BadGreeting, "q\n", "greeting is not IMAP");
}

#[test]
fn a_server_that_stops_answering_times_out() {
    fault_case(
        Fault::StopAfterSelect,
        "q\n",
        "timed out (no answer within 2 s)",
    );
}

#[test]
fn a_literal_shorter_than_announced_times_out() {
    fault_case(Fault::ShortLiteral, "p 1\nq\n", "timed out");
}

#[test]
fn a_failed_fetch_makes_read_mode_exit_1_even_after_exit() {
    fault_case(Fault::ShortLiteral, "p 1\nx\n", "timed out");
}

#[test]
fn a_large_literal_that_stops_midway_times_out() {
    fault_case(Fault::StopMidLiteral, "p 1\nq\n", "timed out");
}

#[test]
fn a_large_literal_cut_off_by_a_closed_connection_is_an_error() {
    fault_case(
        Fault::CloseMidLiteral,
        "p 1\nq\n",
        "the server closed the connection",
    );
}

#[test]
fn a_2_gib_literal_outside_a_message_text_is_refused_unread() {
    fault_case(
        Fault::GiantHeaderLiteral,
        "q\n",
        "the server announced a literal larger than the limit of 16777216 bytes",
    );
}

fn vm_hwm_kib(pid: u32) -> Option<u64> {
    let s = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let l = s.lines().find(|l| l.starts_with("VmHWM:"))?;
    l.split_whitespace().nth(1)?.parse().ok()
}

/// Runs `mailx -N -f URL` as [`run`] does, with TMPDIR `tmp`, stdout to
/// the file `out`; returns the exit status, stderr and our peak RSS (KiB).
fn run_measured(t: &TempDir, url: &str, stdin: &str, tmp: &Path, out: &Path) -> (i32, String, u64) {
    let mut c = imap_session(t, "127.0.0.1", "tester", PASSWORD, "", &["-N", "-f", url])
        .env("TMPDIR", tmp)
        .stdout(std::fs::File::create(out).unwrap())
        .spawn()
        .unwrap();
    let pid = c.id();
    c.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
    let mut peak = 0;
    while c.try_wait().unwrap().is_none() {
        if let Some(k) = vm_hwm_kib(pid) {
            peak = peak.max(k);
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = c.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    (o.status.code().unwrap_or(-1), err, peak)
}

/// The private temporary directory holds nothing (the spool file's name
/// is removed as soon as it is made).
fn assert_empty(dir: &Path) {
    let left: Vec<_> = std::fs::read_dir(dir).unwrap().collect();
    assert!(left.is_empty(), "left in TMPDIR: {left:?}");
}

#[test]
fn a_2_gib_message_streams_to_a_private_file_and_saves_with_bounded_memory() {
    let t = TempDir::new("imap-giant");
    let tmp = t.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    let s = FakeImap::start(
        vec![
            GIANT_HEADER.to_vec(),
            message("bob@example.test", "small", 2),
        ],
        false,
        Fault::GiantLiteral,
    );
    let u = url(&s);
    let saved = t.join("saved.mbox");
    let cmds = format!("copy 1 {}\nh\np 1\nx\n", saved.display());
    let out_file = t.join("out");
    let (code, err, peak) = run_measured(&t, &u, &cmds, &tmp, &out_file);
    let e = s.ended();
    // The printed message is 2 GiB: only its start and end are read.
    let mut printed = std::fs::File::open(&out_file).unwrap();
    let printed_len = printed.metadata().unwrap().len();
    let mut out = vec![0; 4096];
    let n = printed.read(&mut out).unwrap();
    out.truncate(n);
    let out = String::from_utf8_lossy(&out).into_owned();
    assert_eq!(code, 0, "{out}{err}");
    eprintln!("2 GiB message: peak RSS of mail {peak} KiB");
    assert!(peak > 0, "could not read VmHWM");
    assert!(peak < 64 * 1024, "peak RSS {peak} KiB");
    assert_empty(&tmp);
    // The text was fetched once, with PEEK.
    let f = e.commands("UID FETCH");
    assert!(
        f.len() == 2 && f[1].contains("UID FETCH 1 (UID BODY.PEEK[])"),
        "{f:?}"
    );
    // The lines column: the header's 5 lines and every body line.
    let lines = 5 + (GIANT - 128) / 128;
    assert!(out.contains(&format!(" {lines}/{GIANT} ")), "{out}");
    // `p 1` wrote the whole text as it was read: the header (Status: is
    // not shown), every body line, the empty line that ends a message.
    assert!(out.contains("Message 1:\nFrom big@example.test "), "{out}");
    let body_lf = (GIANT - 128) / 128 * 127;
    assert!(printed_len > body_lf + 123, "{printed_len}");
    let mut tail = vec![0; 254];
    printed.seek(SeekFrom::End(-254)).unwrap();
    printed.read_exact(&mut tail).unwrap();
    let last = giant_line((GIANT - 128) / 128 - 1);
    assert_eq!(
        String::from_utf8_lossy(&tail[126..252]),
        String::from_utf8_lossy(&last[..126])
    );
    assert_eq!(&tail[252..], b"\n\n");
    // Every line made LF; the last lines where they must be.
    let lf_header: Vec<u8> = GIANT_HEADER
        .iter()
        .copied()
        .filter(|&b| b != b'\r')
        .collect();
    let mut f = std::fs::File::open(&saved).unwrap();
    let len = f.metadata().unwrap().len();
    let mut head = vec![0; 200];
    f.read_exact(&mut head).unwrap();
    let head = String::from_utf8_lossy(&head).into_owned();
    assert!(head.starts_with("From big@example.test "), "{head}");
    assert!(head.contains("Subject: giant\n"), "{head}");
    assert!(len > body_lf + lf_header.len() as u64, "{len}");
    let nlines = (GIANT - 128) / 128;
    for back in [1, 2, 1000, nlines / 2, nlines] {
        let i = nlines - back;
        let mut want = giant_line(i)[..128].to_vec();
        want.truncate(126);
        want.push(b'\n');
        // The saved message ends with an empty line.
        f.seek(SeekFrom::Start(len - 1 - back * 127)).unwrap();
        let mut got = vec![0; 127];
        f.read_exact(&mut got).unwrap();
        assert_eq!(
            String::from_utf8_lossy(&got),
            String::from_utf8_lossy(&want),
            "line {i}"
        );
    }
}

#[test]
fn a_message_over_1_mib_is_spooled_printed_and_counted() {
    let t = TempDir::new("imap-spool");
    let tmp = t.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // About 3 MiB: 100,000 lines.
    let big = message("alice@example.test", "big", 100_000);
    let s = FakeImap::start(
        vec![big.clone(), message("bob@example.test", "small", 2)],
        false,
        Fault::None,
    );
    let u = url(&s);
    let out = t.join("out");
    let (code, err, _) = run_measured(&t, &u, "p 1\nh\np 2\nq\n", &tmp, &out);
    let e = s.ended();
    let out = std::fs::read_to_string(&out).unwrap();
    assert_eq!(code, 0, "{err}");
    assert_empty(&tmp);
    let lf: String = String::from_utf8(big.clone())
        .unwrap()
        .replace("\r\n", "\n");
    let body = &lf[lf.find("\n\n").unwrap() + 2..];
    assert!(out.contains(body), "the text printed is not the message's");
    assert!(out.contains("line 1 of small"), "{out}");
    // h: the lines column of the spooled message (6 header lines).
    assert!(
        out.contains(&format!(" 100006/{} ", big.len())),
        "{}",
        &out[out.len().saturating_sub(400)..]
    );
    assert!(has(&e.flags(1), "\\Seen"), "{:?}", e.lines);
}

#[test]
fn no_starttls_to_a_host_that_is_not_loopback_is_refused() {
    // The machine's own name: it reaches the fake server, but it is not a
    // loopback name, so plain text must not be used for the log-in.
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .unwrap()
        .trim()
        .to_string();
    let addr = (host.as_str(), 0)
        .to_socket_addrs()
        .ok()
        .and_then(|mut a| a.next())
        .unwrap_or_else(|| panic!("the host name {host} does not resolve"));
    assert!(!host.eq_ignore_ascii_case("localhost") && host.parse::<std::net::IpAddr>().is_err());
    let t = TempDir::new("imap-plain");
    let s = FakeImap::start_on(addr, three(), false, Fault::None);
    let u = format!("imap://tester@{host}:{}/INBOX", s.port());
    let r = run(&t, &host, &u, "", "q\n");
    let e = s.ended();
    assert!(
        r.err.contains("does not offer STARTTLS; refusing"),
        "{}",
        r.err
    );
    assert_eq!(r.code, 1);
    assert!(
        e.commands("LOGIN").is_empty() && e.commands("AUTHENTICATE").is_empty(),
        "{:?}",
        e.lines
    );
    // With imap-allow-plaintext it goes on.
    let t = TempDir::new("imap-plain2");
    let s = FakeImap::start_on(addr, three(), false, Fault::None);
    let u = format!("imap://tester@{host}:{}/INBOX", s.port());
    let r = run(&t, &host, &u, "set imap-allow-plaintext\n", "x\n");
    let _ = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
}

/// `imaps://` to the fake server with a certificate for `names`; the
/// start-up file `rc` (`$D` is the certificate directory).
fn tls_case(names: &str, rc: &str, host: &str) -> (Run, Ended) {
    let t = TempDir::new("imap-tls");
    let (_, cert, key) = make_certs(t.path(), names);
    let s = FakeImap::start_tls(three(), &cert, &key);
    let u = format!("imaps://tester@{host}:{}/INBOX", s.port());
    let rc = rc.replace("$D", &t.path().display().to_string());
    let r = run(&t, host, &u, &rc, "p 1\nq\n");
    (r, s.ended())
}

#[test]
fn imaps_with_the_ca_file_verifies_and_works() {
    require!(Req::Openssl);
    let (r, e) = tls_case(
        "DNS:localhost,IP:127.0.0.1",
        "set tls-ca-file=$D/ca.pem\n",
        "localhost",
    );
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(r.out.contains("line 1 of first"), "{}", r.out);
    assert!(has(&e.flags(1), "\\Seen"), "{:?}", e.msgs);
}

#[test]
fn imaps_with_an_unknown_ca_is_refused_before_log_in() {
    require!(Req::Openssl);
    let (r, e) = tls_case("DNS:localhost,IP:127.0.0.1", "", "localhost");
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.err.contains("signed by an unknown authority"),
        "{}",
        r.err
    );
    assert!(e.lines.is_empty(), "{:?}", e.lines);
}

#[test]
fn imaps_with_a_certificate_for_another_name_is_refused() {
    require!(Req::Openssl);
    let (r, e) = tls_case(
        "DNS:other.example.test",
        "set tls-ca-file=$D/ca.pem\n",
        "localhost",
    );
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(r.err.contains("not valid for \"localhost\""), "{}", r.err);
    assert!(e.lines.is_empty(), "{:?}", e.lines);
}

#[test]
fn inc_takes_in_new_mail_with_noop() {
    let t = TempDir::new("imap-inc");
    let s = FakeImap::start(three(), false, Fault::NewMailAtNoop);
    let u = url(&s);
    let r = run(&t, "127.0.0.1", &u, "", "inc\ninc\np 4\nx\n");
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(
        r.out.contains("INBOX\": 4 messages 1 new 4 unread\n"),
        "{}",
        r.out
    );
    assert!(r.out.contains("No new mail."), "{}", r.out);
    assert!(r.out.contains("line 0 of late arrival"), "{}", r.out);
    assert_eq!(e.commands("NOOP").len(), 2);
    // The new message only: UID FETCH 4:*.
    assert!(
        e.commands("UID FETCH")
            .iter()
            .any(|c| c.contains("UID FETCH 4:* ")),
        "{:?}",
        e.lines
    );
}

/// Runs an interactive (`-I`) session with `autoinc` and `rc`.
fn autoinc_case(fault: Fault, rc: &str, stdin: &str) -> (Run, Ended) {
    let t = TempDir::new("imap-autoinc");
    let s = FakeImap::start(three(), false, fault);
    let u = url(&s);
    let r = run_args(
        &t,
        "127.0.0.1",
        &["-N", "-I", "-f", &u],
        &format!("set autoinc\n{rc}"),
        stdin,
    );
    (r, s.ended())
}

#[test]
fn autoinc_asks_with_noop_at_every_prompt_when_the_interval_is_0() {
    let (r, e) = autoinc_case(
        Fault::NewMailAtNoop,
        "set imap-newmail-interval=0\n",
        "echo one\necho two\nh\nx\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    // The first prompt's NOOP finds the new message; the others nothing.
    assert_eq!(
        r.out.matches("New mail has arrived.").count(),
        1,
        "{}",
        r.out
    );
    assert!(r.out.contains("late arrival"), "{}", r.out);
    assert_eq!(e.commands("NOOP").len(), 4, "{:?}", e.lines);
    // Only the NOOP that told of new mail is followed by a FETCH.
    assert_eq!(e.commands("UID FETCH").len(), 2, "{:?}", e.lines);
}

#[test]
fn autoinc_waits_for_the_interval_unless_the_server_told_of_new_mail() {
    // The interval is long: no NOOP at the prompts, until the answer to
    // the text's FETCH says EXISTS 4; the next prompt then asks.
    let (r, e) = autoinc_case(
        Fault::NewMailAtFetch,
        "set imap-newmail-interval=3600\n",
        "echo one\necho two\np 1\necho three\nh\nx\n",
    );
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert_eq!(e.commands("NOOP").len(), 1, "{:?}", e.lines);
    let out = &r.out;
    let notice = out.find("New mail has arrived.").expect(out);
    assert!(
        out.find("line 1 of first").unwrap() < notice && notice < out.find("three").unwrap(),
        "{out}"
    );
    assert!(out.contains("late arrival"), "{out}");
    assert!(
        e.commands("UID FETCH")
            .iter()
            .any(|c| c.contains("UID FETCH 4:* ")),
        "{:?}",
        e.lines
    );
}

#[test]
fn the_password_command_logs_in_and_login_is_used_when_asked() {
    let t = TempDir::new("imap-pwcmd");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    // ~/.netrc is for another host: only the command knows the password.
    let rc =
        format!("set imap-auth-password-command=\"printf %s {PASSWORD}\"\nset imap-auth=login\n");
    let r = run(&t, "elsewhere.example", &u, &rc, "x\n");
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert_eq!(e.commands("LOGIN").len(), 1, "{:?}", e.lines);
    assert!(e.commands("AUTHENTICATE").is_empty());
}

#[test]
fn a_refused_log_in_names_the_command_not_the_password() {
    let t = TempDir::new("imap-badpw");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    let r = run(
        &t,
        "127.0.0.1",
        &u,
        "set imap-auth-password=wrong-one\n",
        "q\n",
    );
    let _ = s.ended();
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    let want = format!(": {u}: AUTHENTICATE PLAIN: the server answered NO: ");
    assert!(r.err.contains(&want), "{}", r.err);
    assert!(!r.err.contains("wrong-one"), "{}", r.err);
}

#[test]
fn a_message_another_client_marked_deleted_is_not_expunged() {
    let t = TempDir::new("imap-foreign");
    let s = FakeImap::start(three(), false, Fault::ForeignDeleted);
    let u = url(&s);
    let r = run(&t, "127.0.0.1", &u, "", "d 3\nq\n");
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert!(e.commands("EXPUNGE").is_empty(), "{:?}", e.lines);
    let ux = e.commands("UID EXPUNGE");
    assert!(
        ux.len() == 1 && ux[0].ends_with("UID EXPUNGE 3"),
        "{:?}",
        e.lines
    );
    assert!(e.flags(1).is_some() && e.flags(3).is_none(), "{:?}", e.msgs);
}

#[test]
fn without_uidplus_quit_sends_one_plain_expunge() {
    let t = TempDir::new("imap-nouidplus");
    let s = FakeImap::start(three(), false, Fault::NoUidplus);
    let u = url(&s);
    let r = run(&t, "127.0.0.1", &u, "", "d 1 3\nq\n");
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    // No UID EXPUNGE and no search: EXPUNGE once, after one STORE.
    assert!(e.commands("UID EXPUNGE").is_empty(), "{:?}", e.lines);
    assert!(e.commands("UID SEARCH").is_empty(), "{:?}", e.lines);
    assert_eq!(e.commands("EXPUNGE").len(), 1, "{:?}", e.lines);
    let st = e.commands("UID STORE");
    assert!(
        st.len() == 1 && st[0].contains("UID STORE 1,3 +FLAGS.SILENT (\\Deleted)"),
        "{:?}",
        e.lines
    );
    assert_eq!(e.msgs.len(), 1, "{:?}", e.msgs);
    assert_eq!(e.flags(2), Some(vec![]), "{:?}", e.msgs);
}

/// A token command that prints `first` the first time, then the good token.
fn token_rc(t: &TempDir, mech: &str, first: &str) -> String {
    let once = t.join("once");
    format!(
        "set imap-auth={mech}\nset imap-auth-password-command=\"if [ -e {o} ]; then printf {GOOD_TOKEN}; else : > {o}; printf {first}; fi\"\n",
        o = once.display()
    )
}

#[test]
fn xoauth2_logs_in_with_the_token_from_the_command() {
    let t = TempDir::new("imap-xoauth2");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    let rc = token_rc(&t, "xoauth2", GOOD_TOKEN);
    let r = run(&t, "127.0.0.1", &u, &rc, "x\n");
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert_eq!(e.commands("AUTHENTICATE XOAUTH2").len(), 1, "{:?}", e.lines);
    assert!(!r.out.contains(GOOD_TOKEN) && !r.err.contains(GOOD_TOKEN));
}

#[test]
fn a_stale_oauthbearer_token_is_fetched_again_once() {
    let t = TempDir::new("imap-bearer");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    let rc = token_rc(&t, "oauthbearer", "stale-token");
    let r = run(&t, "127.0.0.1", &u, &rc, "x\n");
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    assert_eq!(
        e.commands("AUTHENTICATE OAUTHBEARER").len(),
        2,
        "{:?}",
        e.lines
    );
    // RFC 7628 §3.2.3: the client answers the error challenge with %x01.
    assert!(e.lines.iter().any(|l| l == "ack:AQ=="), "{:?}", e.lines);
    for x in [GOOD_TOKEN, "stale-token"] {
        assert!(
            !r.out.contains(x) && !r.err.contains(x),
            "{}{}",
            r.out,
            r.err
        );
    }
}

#[test]
fn a_token_refused_twice_is_an_error_without_the_token() {
    let t = TempDir::new("imap-stale");
    let s = FakeImap::start(three(), false, Fault::None);
    let u = url(&s);
    let rc = "set imap-auth=xoauth2\nset imap-auth-password-command=\"printf stale-token\"\n";
    let r = run(&t, "127.0.0.1", &u, rc, "x\n");
    let e = s.ended();
    assert_eq!(r.code, 1, "{}{}", r.out, r.err);
    assert!(
        r.err
            .contains("AUTHENTICATE XOAUTH2: the server answered NO"),
        "{}",
        r.err
    );
    assert!(!r.err.contains("stale-token") && !r.out.contains("stale-token"));
    assert_eq!(e.commands("AUTHENTICATE XOAUTH2").len(), 2, "{:?}", e.lines);
    // XOAUTH2: an empty line ends the exchange.
    assert!(e.lines.iter().any(|l| l == "ack:"), "{:?}", e.lines);
}

#[test]
fn folders_lists_the_server_s_folders_when_folder_is_a_url() {
    let t = TempDir::new("imap-folders");
    let s = FakeImap::start(three(), false, Fault::None);
    let local = t.join("local");
    std::fs::write(
        &local,
        "From a@b Mon Jan  1 10:00:00 2024\nSubject: x\n\ny\n\n",
    )
    .unwrap();
    let rc = format!("set folder=imap://tester@127.0.0.1:{}/\n", s.port());
    let r = run(
        &t,
        "127.0.0.1",
        local.to_str().unwrap(),
        &rc,
        "folders\nx\n",
    );
    let e = s.ended();
    assert_eq!(r.code, 0, "{}{}", r.out, r.err);
    // Sorted; the \Noselect one left out.
    assert!(r.out.ends_with("INBOX\nLists.rust\n"), "{}", r.out);
    assert!(!r.out.contains("Lists\n"), "{}", r.out);
    assert_eq!(e.commands("LIST").len(), 1, "{:?}", e.lines);
}

#[test]
fn texts_past_the_memory_budget_are_spooled_too() {
    let t = TempDir::new("imap-budget");
    let tmp = t.join("tmp");
    std::fs::create_dir(&tmp).unwrap();
    // 100 texts of about 900 KiB each: each under the 1 MiB threshold, 88
    // MiB in all, more than the 32 MiB kept in memory.
    let msgs: Vec<Vec<u8>> = (0..100)
        .map(|i| message("alice@example.test", &format!("part {i:03}"), 38_000))
        .collect();
    let total: usize = msgs.iter().map(Vec::len).sum();
    assert!(msgs[0].len() < 1 << 20 && total > 80 << 20);
    let s = FakeImap::start(msgs, false, Fault::None);
    let u = url(&s);
    let saved = t.join("saved.mbox");
    let out = t.join("out");
    let cmds = format!("copy * {}\nx\n", saved.display());
    let (code, err, peak) = run_measured(&t, &u, &cmds, &tmp, &out);
    let e = s.ended();
    assert_eq!(code, 0, "{err}");
    assert_empty(&tmp);
    assert_eq!(e.commands("UID FETCH").len(), 101, "{:?}", e.lines.len());
    let m = std::fs::read_to_string(&saved).unwrap();
    assert_eq!(m.matches("\nSubject: part ").count(), 100);
    assert!(m.contains("line 37999 of part 099\n"));
    eprintln!("100 texts, {total} bytes: peak RSS {peak} KiB");
    assert!(peak > 0 && peak < 64 * 1024, "peak RSS {peak} KiB");
}
