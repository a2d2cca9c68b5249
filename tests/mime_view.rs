//! MIME on the way in: read mode shows encoded words, transfer encodings,
//! charsets and MIME structure decoded (src/mimeview.rs), on a corpus of
//! real-world-shaped messages in tests/fixtures/mime/ (written by make.py
//! there).
//!
//! - golden files (`*.utf8.out`, `*.c.out`) for `h`, `p *`, `top`,
//!   `attachments` in the C.UTF-8 and C locales; `UPDATE_GOLDEN=1`
//!   rewrites them;
//! - the C locale (and plain 7-bit mail in any locale) is byte-identical to
//!   bsd-mailx when it is installed;
//! - no panic on broken input, `detach` writes the exact bytes, `~m` and
//!   reply subjects are decoded, a message our send side builds (`-A`,
//!   non-ASCII subject) reads back decoded;
//! - on a terminal, escape sequences and bidi controls in decoded text are
//!   shown, never sent raw.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

mod common;
use common::{Pty, Req, TempDir, bsd_mailx};

const OURS: &str = env!("CARGO_BIN_EXE_mailx");

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mime")
}

struct Out {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    ok: bool,
}

/// Runs `prog -n -N -f box` in `dir` (box copied from `fixture`) with the
/// script on stdin, LC_ALL=`locale`, an rc file setting a fake sendmail.
fn run_in(
    dir: &Path,
    prog: impl AsRef<std::ffi::OsStr>,
    fixture: Option<&str>,
    locale: &str,
    script: &str,
    extra: &[&str],
) -> Out {
    if let Some(f) = fixture {
        std::fs::copy(fixtures().join(f), dir.join("box")).unwrap();
    }
    let sm = dir.join("fakesm");
    std::fs::write(&sm, format!("#!/bin/sh\ncat > '{}/sent'\n", dir.display())).unwrap();
    Command::new("chmod").arg("755").arg(&sm).status().unwrap();
    std::fs::write(dir.join("rc"), format!("set sendmail={}\n", sm.display())).unwrap();
    let mut c = Command::new(prog)
        .args(["-n", "-N"])
        .args(extra)
        .args(["-f", "box"])
        .current_dir(dir)
        .env("HOME", dir)
        .env("MAILRC", dir.join("rc"))
        .env("LC_ALL", locale)
        .env("LANG", locale)
        .env_remove("LC_CTYPE")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let o = c.wait_with_output().unwrap();
    Out {
        stdout: o.stdout,
        stderr: o.stderr,
        ok: o.status.success(),
    }
}

fn run(fixture: &str, locale: &str, script: &str) -> Out {
    let d = TempDir::new("run");
    run_in(&d, OURS, Some(fixture), locale, script, &[])
}

/// The banner's version differs from bsd-mailx's on purpose (R1).
fn normalise(b: &[u8]) -> Vec<u8> {
    let pat = format!(" (mailx-rs {})", env!("CARGO_PKG_VERSION"));
    let pat = pat.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut k = 0;
    while k < b.len() {
        if b[k..].starts_with(pat) {
            k += pat.len();
        } else {
            out.push(b[k]);
            k += 1;
        }
    }
    out
}

const FIXTURES: &[&str] = &[
    "structure",
    "charsets",
    "broken",
    "hostile",
    "html",
    "plain",
];
const SCRIPT: &str = "h\np *\ntop *\nattachments *\n";

fn golden(name: &str, got: &[u8]) {
    let path = fixtures().join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, got).unwrap();
        return;
    }
    let want = std::fs::read(&path)
        .unwrap_or_else(|_| panic!("{} missing (UPDATE_GOLDEN=1 writes it)", path.display()));
    if want != got {
        // Kept for a look, in the build tree.
        let keep = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(name);
        std::fs::write(&keep, got).unwrap();
        panic!(
            "{name} differs from the golden file; got {}\n{}",
            keep.display(),
            String::from_utf8_lossy(got)
        );
    }
}

#[test]
fn golden_outputs_in_utf8_and_c_locales() {
    for f in FIXTURES {
        for (locale, tag) in [("C.UTF-8", "utf8"), ("C", "c")] {
            let o = run(&format!("{f}.mbox"), locale, SCRIPT);
            assert!(o.ok, "{f} {locale}: {}", String::from_utf8_lossy(&o.stderr));
            assert!(
                !String::from_utf8_lossy(&o.stderr).contains("panicked"),
                "{f} {locale}: panic"
            );
            golden(&format!("{f}.{tag}.out"), &normalise(&o.stdout));
        }
    }
}

/// `h` and `p` in the C locale, and plain 7-bit mail in UTF-8, print
/// exactly what bsd-mailx prints (attachments is ours only).
#[test]
fn c_locale_and_plain_mail_are_bsd_mailx_byte_for_byte() {
    require!(Req::BsdMailx);
    let mut cases: Vec<(&str, &str)> = FIXTURES.iter().map(|f| (*f, "C")).collect();
    cases.push(("plain", "C.UTF-8"));
    for (f, locale) in cases {
        let script = "h\np *\ntop *\n";
        let d1 = TempDir::new("bsd");
        let d2 = TempDir::new("ours");
        let real = run_in(
            &d1,
            bsd_mailx(),
            Some(&format!("{f}.mbox")),
            locale,
            script,
            &[],
        );
        let ours = run_in(&d2, OURS, Some(&format!("{f}.mbox")), locale, script, &[]);
        assert_eq!(
            String::from_utf8_lossy(&normalise(&ours.stdout)),
            String::from_utf8_lossy(&normalise(&real.stdout)),
            "{f} in {locale}"
        );
        assert_eq!(
            normalise(&ours.stdout),
            normalise(&real.stdout),
            "{f} in {locale} (bytes)"
        );
    }
}

fn text(o: &Out) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

#[test]
fn summary_and_print_show_decoded_text() {
    let o = run("structure.mbox", "C.UTF-8", "h\np 1\np 2\n");
    let t = text(&o);
    assert!(t.contains("Grüße aus Köln – Termin"), "{t}");
    assert!(t.contains("From: Anna Müller <anna@example.org>"), "{t}");
    assert!(
        t.contains("bis Donnerstag um 10 Uhr im Büro – passt das?"),
        "{t}"
    );
    // The HTML alternative is not shown.
    assert!(!t.contains("<html>"), "{t}");
    // The nested message: its headers and its Latin-1 QP body, decoded.
    assert!(t.contains("[-- #2 message/rfc822"), "{t}");
    assert!(t.contains("Subject: Angebot für Köln"), "{t}");
    assert!(t.contains("Sehr geehrte Frau Müller,"), "{t}");
    assert!(
        t.contains("[-- #4 application/pdf, report.pdf, 13 KB --]"),
        "{t}"
    );
    // No base64 of the attachment on screen.
    assert!(!t.contains("JVBERi0"), "{t}");
}

#[test]
fn ignore_and_retain_apply_to_nested_messages() {
    let o = run("structure.mbox", "C.UTF-8", "ignore received date\np 2\n");
    let t = text(&o);
    assert!(!t.contains("Received:"), "{t}");
    assert!(!t.contains("Date: Fri"), "{t}");
    let o = run("structure.mbox", "C.UTF-8", "retain subject\np 2\n");
    let t = text(&o);
    assert!(t.contains("Subject: Fwd: Angebot für Köln\n"), "{t}");
    assert!(t.contains("Subject: Angebot für Köln\n"), "{t}");
    assert!(!t.contains("From: Jörg"), "{t}");
}

#[test]
fn capital_print_and_pipe_keep_the_raw_bytes() {
    let raw = std::fs::read(fixtures().join("structure.mbox")).unwrap();
    let o = run("structure.mbox", "C.UTF-8", "Print 1\n");
    let t = text(&o);
    assert!(
        t.contains("Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?="),
        "{t}"
    );
    assert!(t.contains("im B=C3=BCro"), "{t}");
    let d = TempDir::new("pipe");
    let o = run_in(
        &d,
        OURS,
        Some("structure.mbox"),
        "C.UTF-8",
        "pipe 2 cat > piped\nsave 2 saved\n",
        &[],
    );
    assert!(o.ok);
    let piped = std::fs::read(d.join("piped")).unwrap();
    let saved = std::fs::read(d.join("saved")).unwrap();
    for got in [piped, saved] {
        let g = String::from_utf8_lossy(&got);
        assert!(
            g.contains("Subject: Fwd: =?UTF-8?B?QW5nZWJvdCBmw7xyIEvDtmxu?="),
            "{g}"
        );
        assert!(g.contains("JVBERi0xLjQK"), "base64 kept");
    }
    assert!(raw.len() > 1000);
}

fn pdf_bytes() -> Vec<u8> {
    let mut v = b"%PDF-1.4\n".to_vec();
    for _ in 0..48 {
        v.extend(0..=255u8);
    }
    v.extend_from_slice(b"\n%%EOF\n");
    v
}

#[test]
fn detach_writes_the_exact_bytes_and_never_overwrites() {
    let d = TempDir::new("detach");
    let o = run_in(
        &d,
        OURS,
        Some("structure.mbox"),
        "C",
        "attachments 2\ndetach 2 4 report.pdf\ndetach 2 4 report.pdf\ndetach 2 9 x\ndetach 7 1 x\n2\ndetach 2 inner.eml\n",
        &[],
    );
    let t = text(&o);
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(t.contains("Message 2:\n#1 text/plain, 42 bytes\n#2 message/rfc822, 350 bytes\n  #3 text/plain, 57 bytes\n#4 application/pdf, report.pdf, 13 KB\n"), "{t}");
    assert!(t.contains("\"report.pdf\" [New file] 12304 bytes"), "{t}");
    assert_eq!(std::fs::read(d.join("report.pdf")).unwrap(), pdf_bytes());
    assert!(e.contains("report.pdf: File exists"), "{e}");
    assert!(t.contains("No part 9 in message 2"), "{t}");
    assert!(t.contains("7: Invalid message number"), "{t}");
    let inner = std::fs::read_to_string(d.join("inner.eml")).unwrap();
    assert!(
        inner.starts_with("Received: from a by b\nFrom: =?UTF-8?B?"),
        "{inner}"
    );
}

#[test]
fn rfc2231_names_and_broken_mail() {
    let o = run("broken.mbox", "C.UTF-8", "h\np *\nattachments 8\n");
    let t = text(&o);
    assert!(o.ok);
    assert!(t.contains("missing endü"), "{t}");
    assert!(t.contains("spaces inside and lower b"), "{t}");
    assert!(t.contains("raw Latin-1: Grüße"), "{t}");
    assert!(t.contains("From: Jörg Raw <b6@example.org>"), "{t}");
    assert!(t.contains("raw UTF-8: Grüße 中文"), "{t}");
    assert!(t.contains("unknown charset \"x-unknown-charset\""), "{t}");
    assert!(t.contains("Unknown charset, bytes äöü."), "{t}");
    assert!(t.contains("where is the boundary?"), "{t}");
    assert!(t.contains("second part, never closed"), "{t}");
    assert!(t.contains("Just text, no parts at all."), "{t}");
    assert!(
        t.contains("#2 application/octet-stream, Übersicht – Q1.xlsx, 17 bytes"),
        "{t}"
    );
}

#[test]
fn charsets_are_converted() {
    let o = run("charsets.mbox", "C.UTF-8", "h\np *\n");
    let t = text(&o);
    for want in [
        "UTF-8 base64 ✓",
        "Ünïcödé in base64: ✓ 😀",
        "Café crème",
        "Un café crème, s'il vous plaît.",
        "Привет, мир! Как дела?",
        "こんにちは、世界。日本語のテキスト。",
        "你好，世界。中文邮件。",
        "Grüße, 8-bit Latin-1 ohne Kodierung.",
        "windows-1252 “quotes”",
        "“Smart quotes” and € sign.",
    ] {
        assert!(t.contains(want), "missing {want:?} in\n{t}");
    }
}

#[test]
fn html_only_mail_shows_the_source_with_a_note() {
    let t = text(&run("html.mbox", "C.UTF-8", "p\n"));
    assert!(t.contains("[-- #1 text/html, 69 bytes, HTML source shown as text --]\n<html><body><h1>Neuigkeiten</h1><p>Schöne Grüße</p>"), "{t}");
}

#[test]
fn wide_and_combining_characters_keep_columns() {
    let t = text(&run("hostile.mbox", "C.UTF-8", "h\n"));
    let lines: Vec<&str> = t.lines().filter(|l| l.contains("Mon Mar")).collect();
    assert_eq!(lines.len(), 3, "{t}");
    // The date column starts at the same display column on every line.
    let col = |l: &str| {
        let k = l.find("Mon Mar").unwrap();
        l[..k].chars().count()
    };
    // The sender field is an address here; the subject is where the wide
    // characters are: it is cut to the 80-column screen by display width.
    for l in &lines {
        assert_eq!(col(l), col(lines[0]), "{l}");
    }
    let wide = lines[1];
    let width: usize = wide
        .chars()
        .map(|c| {
            if ('\u{3000}'..='\u{9fff}').contains(&c) || ('\u{ff00}'..='\u{ff60}').contains(&c) {
                2
            } else {
                1
            }
        })
        .sum();
    assert!(width <= 80, "{wide} is {width} columns");
    assert!(
        lines[2].contains("combining e\u{301}e\u{301}e\u{301} marks"),
        "{t}"
    );
    // showname: display names decoded, the columns still aligned.
    let t = text(&run("hostile.mbox", "C.UTF-8", "set showname\nh\n"));
    let l: Vec<&str> = t.lines().filter(|l| l.contains("Mon Mar")).collect();
    assert!(l[1].starts_with(" N  2 山田太郎           Mon Mar"), "{t}");
    assert!(
        l[2].starts_with(" N  3 Zoe\u{301}                Mon Mar"),
        "{t}"
    );
    assert!(l[0].starts_with(">N  1 Evil ^[[2J Corp    Mon Mar"), "{t}");
}

#[test]
fn escape_sequences_never_reach_the_summary() {
    let t = text(&run("hostile.mbox", "C.UTF-8", "set screen=20\nh\n"));
    let line = t.lines().find(|l| l.contains(" 1 ")).unwrap();
    assert!(!line.contains('\x1b'), "{line:?}");
    assert!(!line.contains('\x07'), "{line:?}");
    assert!(line.contains("^[[31mRED^[[0m ^[]0;pwned^G"), "{line:?}");
}

#[test]
fn reply_and_tilde_m_use_decoded_text() {
    let d = TempDir::new("reply");
    let o = run_in(
        &d,
        OURS,
        Some("structure.mbox"),
        "C.UTF-8",
        "r 1\n~m 2\n.\n",
        &["-I"],
    );
    let t = text(&o);
    assert!(t.contains("Subject: Re: Grüße aus Köln – Termin"), "{t}");
    let sent = std::fs::read_to_string(d.join("sent")).unwrap();
    // The send side encodes the decoded subject again (M1), only the words
    // that need it.
    assert!(
        sent.contains(
            "Subject: Re: =?UTF-8?B?R3LDvMOfZQ==?= aus =?UTF-8?B?S8O2bG4g4oCT?= Termin\n"
        ),
        "{sent}"
    );
    assert!(sent.contains("\tSehr geehrte Frau Müller,\n"), "{sent}");
    assert!(
        sent.contains("\t[-- #4 application/pdf, report.pdf, 13 KB --]"),
        "{sent}"
    );
    assert!(!sent.contains("JVBERi0"), "{sent}");
    // ~M keeps the raw message.
    let d = TempDir::new("reply2");
    run_in(
        &d,
        OURS,
        Some("structure.mbox"),
        "C.UTF-8",
        "r 1\n~M 2\n.\n",
        &["-I"],
    );
    let sent = std::fs::read_to_string(d.join("sent")).unwrap();
    assert!(sent.contains("JVBERi0"), "{sent}");
}

/// A message our send side builds (-A attachments, non-ASCII subject),
/// read back: decoded subject, listed attachments, exact bytes detached.
#[test]
fn round_trip_with_our_send_side() {
    let d = TempDir::new("roundtrip");
    let bin: Vec<u8> = (0..5000u32).map(|i| (i * 7 % 256) as u8).collect();
    std::fs::write(d.join("data.bin"), &bin).unwrap();
    std::fs::write(d.join("notes.txt"), "Grüße\n").unwrap();
    let sm = d.join("fakesm");
    std::fs::write(&sm, format!("#!/bin/sh\ncat > '{}/sent'\n", d.display())).unwrap();
    Command::new("chmod").arg("755").arg(&sm).status().unwrap();
    std::fs::write(d.join("rc"), format!("set sendmail={}\n", sm.display())).unwrap();
    let mut c = Command::new(OURS)
        .args([
            "-n",
            "-s",
            "Grüße – 中文 ✓",
            "-A",
            "data.bin",
            "-A",
            "notes.txt",
            "bob@example.net",
        ])
        .current_dir(&d)
        .env("HOME", &d)
        .env("MAILRC", d.join("rc"))
        .env("LC_ALL", "C.UTF-8")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    c.stdin
        .take()
        .unwrap()
        .write_all("Hallo Bob, schöne Grüße.\n".as_bytes())
        .unwrap();
    assert!(c.wait().unwrap().success());
    let sent = std::fs::read(d.join("sent")).unwrap();
    assert!(sent.is_ascii() || !sent.starts_with(b"Subject: Gr"));
    let mut mbox = b"From me@example.org Mon Mar  4 12:00:00 2024\n".to_vec();
    mbox.extend_from_slice(&sent);
    if !mbox.ends_with(b"\n") {
        mbox.push(b'\n');
    }
    mbox.push(b'\n');
    std::fs::write(d.join("box"), &mbox).unwrap();
    let o = run_in(
        &d,
        OURS,
        None,
        "C.UTF-8",
        "h\np 1\nattachments\ndetach 1 2 out.bin\ndetach 1 3 out.txt\n",
        &[],
    );
    let t = text(&o);
    assert!(t.contains("Grüße – 中文 ✓"), "{t}");
    assert!(t.contains("Hallo Bob, schöne Grüße."), "{t}");
    assert!(
        t.contains("#2 application/octet-stream, data.bin, 5 KB"),
        "{t}"
    );
    assert!(t.contains("#3 text/plain, notes.txt, 8 bytes"), "{t}");
    assert!(t.contains("\"out.bin\" [New file] 5000 bytes"), "{t}");
    assert_eq!(std::fs::read(d.join("out.bin")).unwrap(), bin);
    assert_eq!(
        std::fs::read(d.join("out.txt")).unwrap(),
        "Grüße\n".as_bytes()
    );
}

/// On a terminal, escape sequences, C1 controls and bidi controls in
/// decoded text are shown visibly.
#[test]
fn decoded_text_on_a_terminal_is_made_visible() {
    let d = TempDir::new("tty");
    std::fs::copy(fixtures().join("hostile.mbox"), d.join("box")).unwrap();
    std::fs::write(d.join("rc"), "").unwrap();
    let mut cmd = Command::new(OURS);
    cmd.args(["-n", "-N", "-f"])
        .arg(d.join("box"))
        .env("HOME", &d)
        .env("MAILRC", d.join("rc"))
        .env("LC_ALL", "C.UTF-8")
        .env("TERM", "dumb")
        .env("PAGER", "cat");
    let Some(mut p) = Pty::spawn(cmd, None, false) else {
        return;
    };
    p.send_line("p 1");
    p.send_line("x");
    let (_, out) = p.finish(std::time::Duration::from_secs(10));
    let out = String::from_utf8_lossy(&out);
    assert!(out.contains("line1 ^[[31mred^[[0m"), "{out:?}");
    assert!(out.contains("CSI8 M^[31m C1"), "{out:?}");
    assert!(out.contains("OSC ^[]52;c;ZXZpbA==^G clipboard"), "{out:?}");
    assert!(
        out.contains("bidi <U+202E>txt.exe<U+202C> and <U+2066>iso<U+2069>"),
        "{out:?}"
    );
    assert!(
        out.contains("Subject: ^[[31mRED^[[0m ^[]0;pwned^G <U+202E>gnp.exe"),
        "{out:?}"
    );
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(!out.contains('\u{202e}'), "{out:?}");
}

/// Every prefix (in steps) and a byte-flipped copy of every corpus message
/// goes through the decoder in-process: no panic escapes, and the part
/// list, the part bytes and the decoded rendering are always produced or
/// refused cleanly.
#[test]
fn truncated_and_mangled_messages_never_panic() {
    use mailx::mailbox::{Mailbox, MsgFlags, RenderOptions, render_message};
    let mut inputs: Vec<Vec<u8>> = Vec::new();
    for f in FIXTURES {
        let data = std::fs::read(fixtures().join(format!("{f}.mbox"))).unwrap();
        let mb = Mailbox::from_bytes(&data).unwrap();
        for i in 0..mb.len() {
            let raw = mb.raw_message(i).unwrap();
            let step = (raw.len() / 40).max(1);
            for cut in (0..raw.len()).step_by(step) {
                inputs.push(raw[..cut].to_vec());
            }
            let mut flipped = raw.clone();
            for k in (0..flipped.len()).step_by(13) {
                flipped[k] = match flipped[k] {
                    b'-' => b'=',
                    b'=' => b'?',
                    b'\n' => b'\n',
                    c => c ^ 0x80,
                };
            }
            inputs.push(flipped);
            inputs.push(raw);
        }
    }
    // Deep nesting: multiparts and forwarded messages inside each other.
    let mut deep = String::from("Subject: deep\n");
    for k in 0..300 {
        deep.push_str(&format!(
            "Content-Type: multipart/mixed; boundary=\"b{k}\"\n\n--b{k}\n"
        ));
    }
    deep.push_str("Content-Type: text/plain\n\nbottom\n");
    inputs.push(deep.into_bytes());
    let mut fwd = String::from("Subject: fwd\n");
    for _ in 0..300 {
        fwd.push_str("Content-Type: message/rfc822\n\n");
    }
    fwd.push_str("Subject: inner\n\nbottom\n");
    inputs.push(fwd.into_bytes());
    for raw in &inputs {
        let words = mailx::mimeview::decode_words(raw);
        assert!(words.len() <= raw.len() * 4 + 16);
        if let Some(parts) = mailx::mimeview::list_parts(raw) {
            for p in parts.iter().take(8) {
                let _ = mailx::mimeview::part_data(raw, p.num);
            }
        }
        // Through the mailbox engine, as print does.
        let mut mbox = b"From x@y Mon Mar  4 10:00:00 2024\n".to_vec();
        mbox.extend_from_slice(mailx::mimeview::strip_from_line(raw));
        mbox.extend_from_slice(b"\n\n");
        let mb = Mailbox::from_bytes(&mbox).unwrap();
        for i in 0..mb.len() {
            let mut rendered = Vec::new();
            render_message(
                &mb,
                i,
                MsgFlags::USED,
                &RenderOptions::default(),
                &mut rendered,
            )
            .unwrap();
            let hdr = mb.headers(i).unwrap();
            let m = mb.raw_message(i).unwrap();
            let _ = mailx::mimeview::decode_rendered(&rendered, &hdr, &m, None);
        }
    }
}

#[test]
fn subject_search_finds_decoded_text() {
    let t = text(&run(
        "charsets.mbox",
        "C.UTF-8",
        "f /привет\nf /CAFÉ\nf /Caf=E9\n",
    ));
    let hits: Vec<&str> = t.lines().filter(|l| l.contains("Mon Mar")).collect();
    assert_eq!(hits.len(), 3, "{t}");
    assert!(
        hits[0].contains("  3 sender3") && hits[0].ends_with("Привет"),
        "{t}"
    );
    // Raw text still matches, as in bsd-mailx.
    assert!(
        hits[1].contains("Café crème") && hits[2].contains("Café crème"),
        "{t}"
    );
    // The C locale searches the raw text only.
    let t = text(&run("charsets.mbox", "C", "f /CAFÉ\n"));
    assert!(t.contains("No applicable messages"), "{t}");
}
