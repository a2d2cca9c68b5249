//! MIME on the way out, checked by an independent parser (Python's `email`
//! package): what we hand to sendmail decodes to exactly the text and
//! attachment bytes we were given, for UTF-8, Latin-1, CJK, emoji, long
//! lines, binary attachments and non-ASCII file names. 7-bit mail stays
//! exactly as bsd-mailx writes it (covered by the send differential tests).

mod common;
use common::{Req, TempDir};
use std::path::Path;
use std::process::{Command, Stdio};

/// Sends `body` with the given arguments through a fake sendmail; returns what it received.
fn send(dir: &Path, args: &[&str], body: &[u8]) -> Vec<u8> {
    let sm = dir.join("fakesm");
    std::fs::write(&sm, format!("#!/bin/sh\ncat > '{}/sent'\n", dir.display())).unwrap();
    Command::new("chmod").arg("755").arg(&sm).status().unwrap();
    let rc = dir.join("rc");
    std::fs::write(&rc, format!("set sendmail={}\n", sm.display())).unwrap();
    let mut c = Command::new(env!("CARGO_BIN_EXE_mailx"))
        .arg("-n")
        .args(args)
        .env("HOME", dir)
        .env("MAILRC", &rc)
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .stdin(Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    c.stdin.take().unwrap().write_all(body).unwrap();
    assert!(c.wait().unwrap().success());
    std::fs::read(dir.join("sent")).unwrap()
}

/// Parses a message with Python's email package and returns JSON-ish lines:
/// subject, from, then per leaf part: type, filename, hex of decoded bytes.
fn python_parse(msg: &[u8], dir: &Path) -> Vec<String> {
    let f = dir.join("msg.eml");
    std::fs::write(&f, msg).unwrap();
    let script = r#"
import email, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
print('subject=' + str(m['subject']))
print('from=' + str(m['from']))
for p in m.walk():
    if p.is_multipart():
        continue
    raw = p.get_payload(decode=True) or b''
    cs = p.get_content_charset()
    text = ''
    if p.get_content_maintype() == 'text' and p.get_filename() is None:
        text = raw.decode(cs or 'ascii').encode('utf-8').hex()
    else:
        text = raw.hex()
    print('part=%s|%s|%s' % (p.get_content_type(), p.get_filename(), text))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&f)
        .output()
        .expect("run python3");
    if !out.status.success() {
        panic!("python failed: {}", String::from_utf8_lossy(&out.stderr));
    }
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect()
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Sends, then parses what sendmail got with Python; None without python3
/// (see `require`).
fn roundtrip(tag: &str, args: &[&str], body: &[u8]) -> Option<(Vec<u8>, Vec<String>)> {
    require!(Req::Python3);
    let dir = TempDir::new(tag);
    let sent = send(&dir, args, body);
    let parsed = python_parse(&sent, &dir);
    Some((sent, parsed))
}

#[test]
fn utf8_subject_and_body() {
    let subj = "Grüße aus Köln — 東京 🎉";
    let body = "Grüße\n日本語のテキスト\nemoji 🎉🎊\n";
    let Some((sent, p)) = roundtrip("utf8", &["-s", subj, "a@example.org"], body.as_bytes()) else {
        return;
    };
    assert!(
        sent.is_ascii()
            || !String::from_utf8_lossy(&sent)
                .lines()
                .next()
                .unwrap()
                .contains('ü')
    );
    assert_eq!(p[0], format!("subject={subj}"));
    assert_eq!(
        p[2],
        format!("part=text/plain|None|{}", hex(body.as_bytes()))
    );
    let head = String::from_utf8_lossy(&sent);
    assert!(head.contains("Content-Type: text/plain; charset=\"UTF-8\"\n"));
    assert!(head.contains("Content-Transfer-Encoding: 8bit\n"));
    for line in head.split("\n\n").next().unwrap().lines() {
        assert!(line.is_ascii(), "header line not ASCII: {line}");
        assert!(line.len() <= 78, "header line too long: {line}");
    }
}

#[test]
fn long_subject_folds_without_splitting_characters() {
    let subj = "Ünïcödé ".repeat(30);
    let Some((_, p)) = roundtrip("long", &["-s", &subj, "a@example.org"], b"x\n") else {
        return;
    };
    assert_eq!(p[0], format!("subject={subj}"));
}

#[test]
fn latin1_body_is_labelled_latin1() {
    let body = b"caf\xe9 cr\xe8me\n";
    let Some((sent, p)) = roundtrip("latin1", &["-s", "x", "a@example.org"], body) else {
        return;
    };
    assert!(String::from_utf8_lossy(&sent).contains("charset=\"ISO-8859-1\""));
    assert_eq!(
        p[2],
        format!("part=text/plain|None|{}", hex("café crème\n".as_bytes()))
    );
}

#[test]
fn long_lines_go_quoted_printable() {
    let mut body = "é".repeat(2000).into_bytes();
    body.push(b'\n');
    body.extend_from_slice(b"short line\n");
    let Some((sent, p)) = roundtrip("qp", &["-s", "x", "a@example.org"], &body) else {
        return;
    };
    let text = String::from_utf8_lossy(&sent);
    assert!(text.contains("Content-Transfer-Encoding: quoted-printable\n"));
    assert!(text.lines().all(|l| l.len() <= 998));
    assert_eq!(p[2], format!("part=text/plain|None|{}", hex(&body)));
}

#[test]
fn display_names_are_encoded() {
    let Some((_, p)) = roundtrip(
        "from",
        &[
            "-r",
            "Jörg Müller <j@example.org>",
            "-s",
            "x",
            "a@example.org",
        ],
        b"x\n",
    ) else {
        return;
    };
    assert_eq!(p[1], "from=Jörg Müller <j@example.org>");
}

#[test]
fn binary_and_non_ascii_attachments_round_trip() {
    let dir = TempDir::new("att");
    let bin: Vec<u8> = (0..=255u8).cycle().take(5000).collect();
    let binpath = dir.join("data.bin");
    std::fs::write(&binpath, &bin).unwrap();
    let txtpath = dir.join("résumé €.txt");
    std::fs::write(&txtpath, "naïve text\n").unwrap();
    let body = "see attached — merci\n";
    let Some((sent, p)) = roundtrip(
        "att2",
        &[
            "-s",
            "files",
            "-A",
            binpath.to_str().unwrap(),
            "-A",
            txtpath.to_str().unwrap(),
            "a@example.org",
        ],
        body.as_bytes(),
    ) else {
        return;
    };
    let text = String::from_utf8_lossy(&sent);
    assert!(text.contains("Content-Type: multipart/mixed; boundary="));
    assert_eq!(
        p[2],
        format!("part=text/plain|None|{}", hex(body.as_bytes()))
    );
    assert_eq!(
        p[3],
        format!("part=application/octet-stream|data.bin|{}", hex(&bin))
    );
    assert_eq!(
        p[4],
        format!(
            "part=text/plain|résumé €.txt|{}",
            hex("naïve text\n".as_bytes())
        )
    );
}

#[test]
fn missing_attachment_is_an_error_before_sending() {
    let dir = TempDir::new("missing");
    let sm = dir.join("fakesm");
    std::fs::write(&sm, format!("#!/bin/sh\ncat > '{}/sent'\n", dir.display())).unwrap();
    Command::new("chmod").arg("755").arg(&sm).status().unwrap();
    let rc = dir.join("rc");
    std::fs::write(&rc, format!("set sendmail={}\n", sm.display())).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_mailx"))
        .args(["-n", "-s", "x", "-A", "no/such/file.pdf", "a@example.org"])
        .current_dir(&dir)
        .env("HOME", &dir)
        .env("MAILRC", &rc)
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&out.stderr)
            .contains("no/such/file.pdf: No such file or directory")
    );
    assert!(!dir.join("sent").exists(), "nothing may be sent");
}

#[test]
fn seven_bit_mail_is_unchanged() {
    let Some((sent, _)) = roundtrip("plain", &["-s", "plain", "a@example.org"], b"hello\n") else {
        return;
    };
    assert_eq!(
        String::from_utf8(sent).unwrap(),
        "To: a@example.org\nSubject: plain\nMIME-Version: 1.0\nContent-Type: text/plain; charset=\"UTF-8\"\nContent-Transfer-Encoding: 8bit\n\nhello\n"
    );
}

/// Header fields of a sent message, every line checked: ASCII, at most 78
/// columns (the first line of each field included).
fn check_header_lines(sent: &[u8]) {
    let text = String::from_utf8_lossy(sent);
    for line in text.split("\n\n").next().unwrap().lines() {
        assert!(line.is_ascii(), "header line not ASCII: {line:?}");
        assert!(line.len() <= 78, "header line over 78: {line:?}");
    }
}

/// Random subjects mixing plain ASCII words, words that need encoding
/// (accents, CJK, emoji, combining marks, `=?`, `_`, `?`), runs of blanks,
/// blanks at either end and very long words: every header line is at most
/// 78 columns and Python's email parser decodes back the exact subject.
#[test]
fn random_subjects_fold_within_78_and_decode_back() {
    require!(Req::Python3);
    const PIECES: &[&str] = &[
        "Re:",
        "Fwd:",
        "the",
        "report",
        "Grüße",
        "Köln",
        "東京",
        "🎉",
        "e\u{301}",
        "=?UTF-8?B?eA==?=",
        "a_b",
        "what?",
        "100%",
        "(x)",
        "\"q\"",
        "naïve",
        "Überwachung",
        "ß",
        "日本語のテキスト",
        "x=y",
        ",",
        ";",
    ];
    let mut seed: u64 = 0x2047_1978;
    let mut next = |n: usize| {
        seed = seed
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((seed >> 33) as usize) % n
    };
    let dir = TempDir::new("randsubj");
    let mut subjects = Vec::new();
    let mut files = Vec::new();
    for i in 0..60 {
        let mut s = String::new();
        if next(8) == 0 {
            s.push(' ');
        }
        for k in 0..1 + next(14) {
            if k > 0 {
                s.push_str(["  ", " ", " ", " ", "   "][next(5)]);
            }
            match next(12) {
                0 => s.push_str(&"long".repeat(5 + next(25))),
                1 => s.push_str(&"ä".repeat(1 + next(60))),
                _ => s.push_str(PIECES[next(PIECES.len())]),
            }
        }
        if next(8) == 0 {
            s.push(' ');
        }
        if s.is_ascii() {
            s.push_str(" ü");
        }
        let sent = send(&dir, &["-s", &s, "a@example.org"], b"x\n");
        check_header_lines(&sent);
        let f = dir.join(format!("m{i}.eml"));
        std::fs::write(&f, &sent).unwrap();
        files.push(f);
        subjects.push(s);
    }
    let script = r#"
import email, sys
from email import policy
for f in sys.argv[1:]:
    m = email.message_from_bytes(open(f, 'rb').read(), policy=policy.default)
    print(str(m['subject']).encode('utf-8').hex())
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let got: Vec<String> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(String::from)
        .collect();
    assert_eq!(got.len(), subjects.len());
    for (i, (g, want)) in got.iter().zip(&subjects).enumerate() {
        let sent = std::fs::read_to_string(&files[i]).unwrap();
        assert_eq!(g, &hex(want.as_bytes()), "subject {want:?} sent as\n{sent}");
    }
}

/// `-a` fields with non-ASCII text: the display name of an address field
/// and the words of an unstructured field are encoded, the address is
/// untouched; Python reads both back.
#[test]
fn extra_headers_with_non_ascii_are_encoded() {
    require!(Req::Python3);
    let dir = TempDir::new("extra8");
    let sent = send(
        &dir,
        &[
            "-a",
            "From: Überwachung <icinga@example.org>",
            "-a",
            "X-Comment: Grüße aus Köln, 東京",
            "-s",
            "check",
            "a@example.org",
        ],
        b"x\n",
    );
    check_header_lines(&sent);
    let text = String::from_utf8_lossy(&sent);
    assert!(text.contains("<icinga@example.org>\n"), "{text}");
    let f = dir.join("m.eml");
    std::fs::write(&f, &sent).unwrap();
    let script = r#"
import email, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
print(m['from'].addresses[0].display_name)
print(m['from'].addresses[0].addr_spec)
print(m['x-comment'])
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&f)
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        "Überwachung\nicinga@example.org\nGrüße aus Köln, 東京\n"
    );
}

/// Long non-ASCII display names in To: fold within 78 columns and every
/// address reads back.
#[test]
fn long_encoded_address_lists_fold() {
    require!(Req::Python3);
    let dir = TempDir::new("longto");
    let to: Vec<String> = (0..5)
        .map(|i| format!("Jörg Müller-Lüdenscheidt {i} <j{i}@example.org>"))
        .collect();
    let mut args = vec!["-s", "x"];
    args.extend(to.iter().map(String::as_str));
    let sent = send(&dir, &args, b"x\n");
    check_header_lines(&sent);
    let f = dir.join("m.eml");
    std::fs::write(&f, &sent).unwrap();
    let script = r#"
import email, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
for a in m['to'].addresses:
    print('%s <%s>' % (a.display_name, a.addr_spec))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&f)
        .output()
        .unwrap();
    let want: String = to.iter().map(|t| format!("{t}\n")).collect();
    assert_eq!(String::from_utf8(out.stdout).unwrap(), want);
}

/// Text attachments carry their charset (UTF-8 when valid UTF-8, else as
/// for a body: ISO-8859-1 in a UTF-8 locale); Python decodes their text.
#[test]
fn text_attachments_carry_their_charset() {
    require!(Req::Python3);
    let dir = TempDir::new("attcs");
    let u = dir.join("utf8.txt");
    std::fs::write(&u, "Grüße 東京\n").unwrap();
    let l = dir.join("latin1.txt");
    std::fs::write(&l, b"caf\xe9 cr\xe8me\n").unwrap();
    let sent = send(
        &dir,
        &[
            "-s",
            "x",
            "-A",
            u.to_str().unwrap(),
            "-A",
            l.to_str().unwrap(),
            "a@example.org",
        ],
        b"body\n",
    );
    let text = String::from_utf8_lossy(&sent);
    assert!(
        text.contains("Content-Type: text/plain; charset=\"UTF-8\"; name=\"utf8.txt\"\n"),
        "{text}"
    );
    assert!(
        text.contains("Content-Type: text/plain; charset=\"ISO-8859-1\"; name=\"latin1.txt\"\n"),
        "{text}"
    );
    let f = dir.join("m.eml");
    std::fs::write(&f, &sent).unwrap();
    let script = r#"
import email, sys
from email import policy
m = email.message_from_bytes(open(sys.argv[1], 'rb').read(), policy=policy.default)
for p in m.iter_attachments():
    print('%s|%s|%s' % (p.get_filename(), p.get_content_charset(), p.get_content().encode('utf-8').hex()))
"#;
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .arg(&f)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        format!(
            "utf8.txt|utf-8|{}\nlatin1.txt|iso-8859-1|{}\n",
            hex("Grüße 東京\n".as_bytes()),
            hex("café crème\n".as_bytes())
        )
    );
}
