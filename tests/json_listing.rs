//! `-H --json` (docs/JSON.md): every line of the listing is read back by
//! Python's `json` module and checked against the schema (fields, order,
//! types), for the fixture mailboxes, a mailbox of hostile headers
//! (invalid UTF-8, control characters, quotes, backslashes, U+2028 raw and
//! encoded), a few hundred fuzzed messages, and a Maildir; `--json`
//! without `-H` is a usage error.

mod common;

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{Req, TempDir, ours, rng};

/// The validator: argv[1] the listing, argv[2] the number of messages,
/// argv[3] (optional) a JSON object `{"number": {"field": value}}` of
/// expected values. Strict UTF-8, one object a line, the documented fields
/// in order with their types.
const CHECK: &str = r#"
import json, re, sys, datetime
NONE = type(None)
SCHEMA = [("v", int), ("number", int), ("status", str), ("flags", list),
          ("from", (dict, NONE)), ("to", list), ("cc", list),
          ("subject", (str, NONE)), ("date", (str, NONE)),
          ("date_utc", (str, NONE)), ("delivery_date", (str, NONE)),
          ("envelope_sender", (str, NONE)), ("size", int), ("lines", int),
          ("message_id", (str, NONE)), ("in_reply_to", (str, NONE)),
          ("attachments", bool), ("invalid_utf8", bool)]
FLAGS = ["new", "read", "deleted", "saved", "preserved", "flagged", "answered", "mbox"]
text = open(sys.argv[1], "rb").read().decode("utf-8")
assert text == "" or text.endswith("\n"), "no final newline"
lines = text.split("\n")[:-1]
assert len(lines) == int(sys.argv[2]), (len(lines), sys.argv[2])
expect = json.loads(sys.argv[3]) if len(sys.argv) > 3 else {}
for k, l in enumerate(lines, 1):
    assert "\u2028" not in l and "\u2029" not in l, l
    o = json.loads(l)
    assert [f for f, _ in SCHEMA] == list(o), (list(o), l)
    for f, t in SCHEMA:
        assert isinstance(o[f], t), (f, l)
        if t is int:
            assert type(o[f]) is int and o[f] >= 0, (f, l)
    assert o["v"] == 1 and o["number"] == k, l
    assert o["status"] in ["N", "U", " ", "P", "*", "M"], l
    assert all(f in FLAGS for f in o["flags"]), l
    for a in o["to"] + o["cc"] + ([o["from"]] if o["from"] else []):
        assert list(a) == ["address", "name"], l
        assert isinstance(a["address"], str) and isinstance(a["name"], (str, NONE)), l
    if o["date_utc"] is not None:
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", o["date_utc"]), l
        datetime.datetime.fromisoformat(o["date_utc"].replace("Z", "+00:00"))
    for f, v in expect.get(str(k), {}).items():
        assert o[f] == v, (k, f, o[f], v)
print(len(lines))
"#;

/// Runs `mailx -n` with `args` in `t` (HOME `t`, TZ UTC, UTF-8 locale).
fn mailx(t: &Path, args: &[&str]) -> Output {
    Command::new(ours())
        .env_clear()
        .env("HOME", t)
        .env("USER", "alice")
        .env("LOGNAME", "alice")
        .env("PATH", "/usr/bin:/bin")
        .env("LC_ALL", "C.UTF-8")
        .env("TZ", "UTC")
        .env("MAILRC", "/dev/null")
        .env("MAIL", t.join("spool"))
        .arg("-n")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Lists `folder` with `-H --json`, checks it with [`CHECK`] (`count`
/// lines, or as many as `-H` prints: a decoded subject may put a newline
/// in a `-H` line, as bsd-mailx's vis(3) `VIS_SAFE` lets it through; and
/// `expect`), returns the output.
fn check(t: &TempDir, folder: &Path, count: Option<usize>, expect: &str) -> String {
    let f = folder.to_str().unwrap();
    let plain = mailx(t.path(), &["-H", "-f", f]);
    let json = mailx(t.path(), &["-H", "--json", "-f", f]);
    assert_eq!(
        plain.status.code(),
        json.status.code(),
        "{f}: {}",
        String::from_utf8_lossy(&json.stderr)
    );
    assert_eq!(plain.stderr, json.stderr, "{f}");
    let n = count.unwrap_or_else(|| plain.stdout.iter().filter(|&&b| b == b'\n').count());
    let out = t.join("out.jsonl");
    fs::write(&out, &json.stdout).unwrap();
    let py = Command::new("python3")
        .arg("-c")
        .arg(CHECK)
        .arg(&out)
        .arg(n.to_string())
        .arg(expect)
        .output()
        .unwrap();
    assert!(
        py.status.success(),
        "{f}: {}\n{}",
        String::from_utf8_lossy(&py.stderr),
        String::from_utf8_lossy(&json.stdout)
    );
    String::from_utf8(json.stdout).unwrap()
}

fn mboxes(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            mboxes(&p, out);
        } else if p.extension().is_some_and(|x| x == "mbox") {
            out.push(p);
        }
    }
}

#[test]
fn fixture_mailboxes() {
    require!(Req::Python3);
    let t = TempDir::new("json-fixtures");
    let mut all = Vec::new();
    mboxes(
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures"),
        &mut all,
    );
    assert!(all.len() > 10);
    let mut lines = 0;
    for p in &all {
        lines += check(&t, p, None, "{}").lines().count();
    }
    assert!(lines > 50, "{lines}");
}

const ENV: &[u8] = b"From sender@example.org Sat Dec  5 20:50:57 2026\n";

#[test]
fn hostile_headers_give_valid_json() {
    require!(Req::Python3);
    let t = TempDir::new("json-hostile");
    let mut m = Vec::new();
    // 1: control characters, quotes, backslashes, raw U+2028, an invalid
    // byte, in every string field.
    m.extend_from_slice(ENV);
    m.extend_from_slice(
        b"From: \"Q \\\"x\\\" \\\\ \x01\" <q@example.org>\n\
To: a@x, \"B, b\" <b@x>, (C) c@x\n\
Cc: =?UTF-8?B?4oCo?= <u@x>\n\
Subject: tab\there \x1b[31m \"q\" \\ \xe2\x80\xa8 \x7f end\n\
Date: Mon, 3 Jan 99 10:00:00 EST (Eastern)\n\
Message-ID: <a\"b\\c@x>\n\
In-Reply-To: <\x02@x>\n\n\
body\n\n",
    );
    // 2: 8-bit bytes that are not UTF-8; encoded words hiding controls.
    m.extend_from_slice(ENV);
    m.extend_from_slice(
        b"From: J\xf6rg <j\xff@x>\n\
Subject: =?UTF-8?Q?a=00b=0Ac=E2=80=A9d?= caf\xe9\n\
Date: not a date \xff\n\
Content-Type: Multipart/Mixed; boundary=x\n\n\
body\n\n",
    );
    // 3: no header at all but the envelope; an attachment disposition.
    m.extend_from_slice(ENV);
    m.extend_from_slice(b"Content-Disposition: attachment; filename=a\n\nbody\n");
    let p = t.join("hostile.mbox");
    fs::write(&p, &m).unwrap();
    let expect = r#"{
      "1": {"from": {"address": "q@example.org", "name": "Q \"x\" \\ \u0001"},
            "to": [{"address": "a@x", "name": null}, {"address": "b@x", "name": "B, b"},
                   {"address": "c@x", "name": "C"}],
            "cc": [{"address": "u@x", "name": "\u2028"}],
            "subject": "tab\there \u001b[31m \"q\" \\ \u2028 \u007f end",
            "date": "Mon, 3 Jan 99 10:00:00 EST (Eastern)",
            "date_utc": "1999-01-03T15:00:00Z",
            "delivery_date": "Sat Dec  5 20:50:57 2026",
            "envelope_sender": "sender@example.org",
            "message_id": "<a\"b\\c@x>", "in_reply_to": "<\u0002@x>",
            "attachments": false, "invalid_utf8": false, "status": "N", "flags": ["new"]},
      "2": {"from": {"address": "j\ufffd@x", "name": "J\u00f6rg"},
            "subject": "a\u0000b\nc\u2029d caf\u00e9",
            "date": "not a date \ufffd", "date_utc": null,
            "attachments": true, "invalid_utf8": true},
      "3": {"from": {"address": "sender@example.org", "name": null}, "to": [], "cc": [],
            "subject": null, "date": null, "message_id": null,
            "attachments": true, "invalid_utf8": false}
    }"#;
    let out = check(&t, &p, Some(3), expect);
    // The escapes are in the bytes: no raw control character or U+2028.
    assert!(!out.contains('\u{2028}') && !out.contains('\u{2029}'));
    assert!(!out.bytes().any(|b| b < 0x20 && b != b'\n' || b == 0x7f));
}

#[test]
fn fuzzed_mailboxes_give_valid_json() {
    require!(Req::Python3);
    let t = TempDir::new("json-fuzz");
    const NAMES: [&str; 9] = [
        "From",
        "To",
        "Cc",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "Content-Type",
        "Sender",
    ];
    const PIECES: [&[u8]; 14] = [
        b"=?UTF-8?B?",
        b"=?iso-8859-1?Q?",
        b"?=",
        b"<",
        b">",
        b"\"",
        b"\\",
        b"(",
        b")",
        b",",
        b"\xe2\x80\xa8",
        b"\xc3",
        b"@",
        b"Mon, 3 Jan 99 10:00 EST",
    ];
    for seed in 1..=3u64 {
        let mut rnd = rng(seed * 7919);
        let mut m = Vec::new();
        let count = 100 + rnd(100);
        for _ in 0..count {
            m.extend_from_slice(ENV);
            for _ in 0..rnd(8) {
                m.extend_from_slice(NAMES[rnd(NAMES.len() as u64) as usize].as_bytes());
                m.extend_from_slice(b": ");
                for _ in 0..rnd(40) {
                    match rnd(4) {
                        0 => m.extend_from_slice(PIECES[rnd(PIECES.len() as u64) as usize]),
                        // Any byte but the line end.
                        _ => m.push(match rnd(256) as u8 {
                            b'\n' => b' ',
                            b => b,
                        }),
                    }
                }
                m.push(b'\n');
                if rnd(5) == 0 {
                    // A continuation line.
                    m.extend_from_slice(b"\t\x80 cont\n");
                }
            }
            m.extend_from_slice(b"\nbody\n\n");
        }
        let p = t.join(format!("fuzz{seed}.mbox"));
        fs::write(&p, &m).unwrap();
        check(&t, &p, Some(count as usize), "{}");
    }
}

#[test]
fn maildir_folder() {
    require!(Req::Python3);
    let t = TempDir::new("json-maildir");
    let md = t.join("md");
    for d in ["cur", "new", "tmp"] {
        fs::create_dir_all(md.join(d)).unwrap();
    }
    fs::write(
        md.join("cur/1700000000.1_a.host:2,SF"),
        "From: Ann <ann@x>\nSubject: old\nDate: Tue, 14 Nov 2023 22:13:20 +0000\n\nhi\n",
    )
    .unwrap();
    fs::write(
        md.join("new/1700000100.2_b.host"),
        "From: bob@x\nSubject: =?UTF-8?Q?n=C3=A9w?=\nMessage-ID: <m@x>\n\nhello\n",
    )
    .unwrap();
    let expect = r#"{
      "1": {"subject": "old", "flags": ["read", "flagged"], "status": " ",
            "from": {"address": "ann@x", "name": "Ann"}, "date_utc": "2023-11-14T22:13:20Z"},
      "2": {"subject": "n\u00e9w", "flags": ["new"], "status": "N", "message_id": "<m@x>"}
    }"#;
    check(&t, &md, Some(2), expect);
}

#[test]
fn json_without_h_is_a_usage_error() {
    let t = TempDir::new("json-usage");
    fs::write(t.join("box"), ENV).unwrap();
    for args in [
        &["--json"][..],
        &["--json", "-f", "box"],
        &["--json", "a@x"],
    ] {
        let o = mailx(t.path(), args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(o.stdout.is_empty(), "{args:?}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("--json needs -H") && err.contains("usage:"),
            "{args:?}: {err}"
        );
    }
}
