//! The `headline` summary line against the real s-nail (14.9): the same
//! formats, variables and mailbox give the same bytes, in the C and the
//! UTF-8 locale and in two time zones. The mailbox is made at run time so
//! that one message is recent (s-nail's `datefield` applies) and others
//! are older than six months or dated in the future
//! (`datefield-markout-older` applies).
//!
//! Known differences (docs/COMPATIBILITY.md) are kept out of the fixture:
//! obsolete zone names in Date: (s-nail ignores them), `X-Status:` answered
//! and flagged marks in an mbox, and backslashes in `set` values.

mod common;

use common::{Req, TempDir, ours};
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

/// RFC 5322 date of `t` (UTC).
fn rfc5322(t: i64) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let days = t.div_euclid(86400);
    let secs = t.rem_euclid(86400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        d,
        MONTHS[(m - 1) as usize],
        y,
        secs / 3600,
        secs / 60 % 60,
        secs % 60
    )
}

fn mailbox() -> Vec<u8> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64;
    let recent = rfc5322(now - 3 * 3600);
    let future = rfc5322(now + 3 * 86400);
    let mut m = String::new();
    let mut msg = |env: &str, hdrs: &[&str], body: &str| {
        m.push_str(&format!("From {env}\n"));
        for h in hdrs {
            m.push_str(h);
            m.push('\n');
        }
        m.push('\n');
        m.push_str(body);
        m.push('\n');
    };
    msg(
        "bob@example.org Tue Jan  1 10:00:00 2001",
        &[
            "From: Bob Builder <bob@example.org>",
            "To: alice@example.org",
            "Date: Mon, 1 Jan 2001 09:30:00 +0100",
            "Subject: first message",
        ],
        "Hello.\n",
    );
    msg(
        "carol@example.org Wed Jan  2 10:00:00 2001",
        &[
            "From: carol@example.org",
            "Subject: Re: second",
            "Date: Tue, 2 Jan 2001 23:59:00 -0800",
            "Status: R",
        ],
        "line1\nline2\n",
    );
    msg(
        "joerg@example.org Sat Feb  3 08:05:00 2024",
        &[
            "From: =?UTF-8?B?SsO2cmc=?= <joerg@example.org>",
            "To: alice@example.org",
            "Date: Sat, 3 Feb 2024 08:05:00 +0000",
            "Subject: Grüße aus Köln 中文字幕 é and a rather long tail that goes beyond the width",
        ],
        "x\n",
    );
    msg(
        "long@example.org Mon Feb  5 08:05:00 2024",
        &[
            "From: \"A Very Long Display Name Indeed\" <long.address.of.someone@example.org>",
            "To: someone.with.a.long.address@example.org",
            "Subject: =?ISO-8859-1?Q?caf=E9?=",
            "Status: O",
        ],
        "y\n",
    );
    msg(
        "nobody@example.org Mon Feb  5 09:05:00 2024",
        &["From: nobody@example.org", "Date: garbage", "Status: RO"],
        "z\n",
    );
    let recent_date = format!("Date: {recent}");
    msg(
        "x@example.org Sun Dec  6 09:05:00 2026",
        &["From: X <x@example.org>", &recent_date, "Subject: recent"],
        "z\n",
    );
    msg(
        "root Sun Dec  6 09:05:00 2026",
        &[
            "From: root",
            "To: t1@x, T Two <t2@y>",
            &recent_date,
            "Subject: =?UTF-8?Q?mine_=E4=B8=AD=E6=96=87?= tab\there ctl\u{1}x del\u{7f}y",
        ],
        "z\n",
    );
    let future_date = format!("Date: {future}");
    msg(
        "fut@x Sun Dec  6 09:05:00 2026",
        &[
            "From: p@x.org, q@y.org",
            "Sender: snd@z.org",
            &future_date,
            "Subject: future",
        ],
        "z\n",
    );
    msg(
        "env@x Sun Dec  6 09:05:00 2026",
        &[
            "From: p@x.org, q@y.org",
            "Subject: 中文字幕中文字幕中文字幕中文字幕中文字幕中文字幕中文字幕中文字幕中文字幕中文字幕",
        ],
        "z\n",
    );
    msg(
        "nofrom@x Sun Dec  6 09:05:00 2026",
        &["Subject: no sender", "Date: 1 Jan 01 09:30 -0000"],
        "z\n",
    );
    msg(
        "nozone@x Sun Dec  6 09:05:00 2026",
        &[
            "From: nz@x",
            "Subject: no zone",
            "Date: Fri, 9 Mar 2018 23:10:00",
        ],
        "z\n",
    );
    m.into_bytes()
}

/// Formats shown one after the other in each run.
const FORMATS: &[&str] = &[
    "%>%a%m %-18f %16d %4l/%-5o %i%-s",
    "%>%a%m %20-f  %16d %3l/%-5o %i%-S",
    "%s|%m",
    "%m %s %m",
    "%-40f|%s|",
    "%50f%50f",
    "%s%s",
    "%S|%10S|%-10S|",
    "%20S|%-20S|",
    "%3a|%-3a|%3>|%3<|%3%|",
    "%<%e%t%-5e|%5t|%-4m|",
    "%d|%-d|%20d|%5d|%-30d|",
    "%l|%o|%3o %-3l|%-7l|%9o|",
    "%q%L%U|%f|%-f|%4f|",
    "ab%%cd%",
    "x%-",
    "%-30f%-40s%10d",
    "Ü中%m%s",
    // Literal text wider than the line: s-nail's unsigned comparisons.
    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx%m%s%d",
];

/// Variables set before the formats, one run each.
const SETTINGS: &[&str] = &[
    "",
    "unset datefield",
    "set datefield",
    "set datefield=\"%d.%m.%y %a %H:%M %Z\"",
    "set datefield-markout-older",
    "set datefield-markout-older=\"%b %Y\"",
    "unset datefield-markout-older",
    "set datefield= datefield-markout-older=",
    "set showname",
    "set showto showname",
    "set showto",
    "set headline-plain",
    "set bsdflags",
    "set attrlist=abcdefghijklmn",
];

/// The script: the settings, then each format's `headers` after a marker
/// line (`from` is left out: s-nail moves dot before it lists, bsd-mailx
/// after).
fn script(setting: &str) -> String {
    // (An empty line would be `next` for bsd-mailx.)
    let mut s = if setting.is_empty() {
        String::new()
    } else {
        format!("{setting}\n")
    };
    for (k, f) in FORMATS.iter().enumerate() {
        s.push_str(&format!("set headline=\"{f}\"\necho @@ {k}\nheaders\n"));
    }
    s.push_str("echo @@ end\nx\n");
    s
}

/// Stdout from the first marker on.
fn from_marker(out: &[u8]) -> String {
    let s = String::from_utf8_lossy(out);
    match s.find("@@ ") {
        Some(i) => s[i..].to_string(),
        None => format!("(no marker) {s}"),
    }
}

fn run(
    prog: &Path,
    args: &[&str],
    box_: &Path,
    home: &Path,
    lc: &str,
    tz: &str,
    stdin: &str,
) -> String {
    let mut c = Command::new(prog);
    c.env_clear()
        .env("HOME", home)
        .env("USER", "root")
        .env("LOGNAME", "root")
        .env("PATH", "/usr/bin:/bin")
        .env("TZ", tz)
        .env("MAILRC", "/dev/null")
        .env("COLUMNS", "80")
        .env("LINES", "24")
        .env("LC_ALL", lc)
        .args(args)
        .arg(box_)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut ch = c.spawn().unwrap();
    ch.stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    let o = ch.wait_with_output().unwrap();
    from_marker(&o.stdout)
}

/// Runs s-nail, then ours, each on a fresh copy of `data` at `box_`:
/// (s-nail's output, ours).
fn snail_and_ours(
    box_: &Path,
    data: &[u8],
    home: &Path,
    lc: &str,
    tz: &str,
    input: &str,
) -> (String, String) {
    std::fs::write(box_, data).unwrap();
    let want = run(
        Path::new("/usr/bin/s-nail"),
        &["-n", "-N", "-#", "-R", "-f"],
        box_,
        home,
        lc,
        tz,
        input,
    );
    std::fs::write(box_, data).unwrap();
    let got = run(&ours(), &["-n", "-N", "-f"], box_, home, lc, tz, input);
    (want, got)
}

#[test]
fn headline_matches_s_nail() {
    require!(Req::SNail);
    let t = TempDir::new("headline");
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let box_ = t.join("box");
    let data = mailbox();
    let mut failures = Vec::new();
    for lc in ["C", "C.UTF-8"] {
        // A POSIX zone string: no tzdata needed.
        for tz in ["UTC0", "CET-1CEST,M3.5.0,M10.5.0/3"] {
            for setting in SETTINGS {
                let input = script(setting);
                let (want, got) = snail_and_ours(&box_, &data, &home, lc, tz, &input);
                if want != got {
                    let (w, g): (Vec<_>, Vec<_>) = (want.lines().collect(), got.lines().collect());
                    let k = (0..w.len().max(g.len()))
                        .find(|&k| w.get(k) != g.get(k))
                        .unwrap_or(0);
                    failures.push(format!(
                        "LC_ALL={lc} TZ={tz} [{setting}] line {k}:\n  s-nail: {:?}\n  ours:   {:?}",
                        w.get(k),
                        g.get(k)
                    ));
                }
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Without `headline` the summary is bsd-mailx's line, whatever the new
/// variables say.
#[test]
fn unset_headline_keeps_the_bsd_line() {
    let t = TempDir::new("headline-unset");
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let box_ = t.join("box");
    std::fs::write(&box_, mailbox()).unwrap();
    let plain = run(
        &ours(),
        &["-n", "-N", "-f"],
        &box_,
        &home,
        "C",
        "UTC0",
        "echo @@\nheaders\nx\n",
    );
    let with_vars = run(
        &ours(),
        &["-n", "-N", "-f"],
        &box_,
        &home,
        "C",
        "UTC0",
        "set datefield=%Y attrlist=abcdefghijklmn headline-plain bsdflags\nset headline=%m\nunset headline\necho @@\nheaders\nx\n",
    );
    assert_eq!(plain, with_vars);
    assert!(
        plain.contains(">N  1 bob@example.org    Tue Jan  1 10:00    8/173   first message"),
        "{plain}"
    );
}

/// s-nail's message-list searches (`@name-list@text`, the colon
/// selectors) pick the same messages: `from` lists their numbers
/// (`headline` is `%m`). Left out (docs/COMPATIBILITY.md): `@text` alone
/// (s-nail searches only the subject, we also the sender) and searches
/// mixed with colon selectors (bsd-mailx's rule: both must hold).
#[test]
fn message_list_searches_match_s_nail() {
    require!(Req::SNail);
    let t = TempDir::new("headline-lists");
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let box_ = t.join("box");
    let data = mailbox();
    const SPECS: &[&str] = &[
        "@@first",
        "@s@FIRST",
        "@subject@grüße",
        "@to@alice",
        "@t,c@alice",
        "@from@bob",
        "@f@jörg",
        "@from@",
        "@sender@",
        "@~f@example.org",
        "@<@alice",
        "@header@t2@y",
        "@SUBJECT,from@e",
        "'@to,from@T Two'",
        "@~t@t2",
        "@s@中文",
        "@s@CAFÉ",
        ":n",
        ":u",
        ":r",
        ":o",
        ":f",
    ];
    let mut input = String::from("set headline=%m\nflag 2 4\n");
    for (k, spec) in SPECS.iter().enumerate() {
        input.push_str(&format!("echo @@ {k}\nfrom {spec}\n"));
    }
    input.push_str("echo @@ end\nx\n");
    // Only the numbers: the error texts differ (bsd-mailx's are kept).
    let numbers = |s: String| -> String {
        s.lines()
            .filter(|l| l.starts_with("@@") || l.trim().parse::<u32>().is_ok())
            .collect::<Vec<_>>()
            .join("\n")
    };
    for lc in ["C.UTF-8", "C"] {
        let (want, got) = snail_and_ours(&box_, &data, &home, lc, "UTC0", &input);
        let (want, got) = (numbers(want), numbers(got));
        assert!(
            want.lines().filter(|l| !l.starts_with("@@")).count() > 20,
            "{want}"
        );
        assert_eq!(want, got, "LC_ALL={lc}");
    }
}

/// On a Maildir the status letters and `:f`/`:a` come from the file
/// names' flags (`F` flagged, `R` replied, `S` seen).
#[test]
fn maildir_flags_in_headline_and_selectors() {
    let t = TempDir::new("headline-maildir");
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let md = t.join("md");
    for d in ["cur", "new", "tmp"] {
        std::fs::create_dir_all(md.join(d)).unwrap();
    }
    for (k, flags) in ["S", "FS", "RS", ""].iter().enumerate() {
        std::fs::write(
            md.join(format!("cur/{}.M{k}P1.host:2,{flags}", 1_700_000_000 + k)),
            format!("From: u{k}@x\nSubject: s{k}\n\nbody\n"),
        )
        .unwrap();
    }
    let out = run(
        &ours(),
        &["-n", "-N", "-f"],
        &md,
        &home,
        "C",
        "UTC0",
        "set headline=\"%a%m %-3s|\"\necho @@ all\nfrom *\necho @@ f\nfrom :f\necho @@ a\nfrom @s1 :a\nfrom :a\nx\n",
    );
    assert_eq!(
        out,
        "@@ all\nO  1 s0 |\nF  2 s1 |\nA  3 s2 |\nU  4 s3 |\n@@ f\nF  2 s1 |\n@@ a\nNo messages satisfy :a\nA  3 s2 |\n",
        "{out}"
    );
}

/// A thread whose replies repeat, change and leave out the subject (the
/// reply markers s-nail strips, an encoded word, a missing header).
fn repeating_thread() -> Vec<u8> {
    let msgs: [(&str, Option<&str>, Option<&str>); 12] = [
        ("a", Some("Topic"), None),
        ("b", Some("Re: Other"), Some("a")),
        ("c", Some("Re: Other"), Some("a")),
        ("d", Some("RE:Other"), Some("c")),
        ("e", Some(""), Some("a")),
        ("f", Some("Re: Aw: other"), Some("e")),
        ("g", None, Some("f")),
        ("h", Some("Fwd: Other"), Some("g")),
        ("i", Some("Re: =?utf-8?q?T=C3=B3p?="), Some("h")),
        ("j", Some("Wg: Antw: Tóp "), Some("i")),
        ("k", Some("Topic"), None),
        ("l", Some("Re: Topic"), None),
    ];
    let mut out = String::new();
    for (n, (id, subject, parent)) in msgs.iter().enumerate() {
        let day = n + 1;
        out += &format!("From {id}@x Mon Jan {day:2} 10:00:00 2024\nFrom: {id}@x\n");
        if let Some(s) = subject {
            out += &format!("Subject: {s}\n");
        }
        out += &format!("Message-ID: <{id}@x>\nDate: Mon, {day} Jan 2024 10:00:00 +0000\n");
        if let Some(p) = parent {
            out += &format!("In-Reply-To: <{p}@x>\n");
        }
        out += "\nbody\n\n";
    }
    out.into_bytes()
}

#[test]
fn threaded_header_screens_leave_out_repeated_subjects_as_s_nail() {
    require!(Req::SNail);
    let t = TempDir::new("headline-thread");
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let box_ = t.join("box");
    let fixture = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sort/threads.mbox"),
    )
    .unwrap();
    for data in [repeating_thread(), fixture] {
        for lc in ["C", "C.UTF-8"] {
            for fmt in ["%>%a%m %-18f %i%s", "%>%a%m %-10f %i%-S", "%m %s"] {
                // `headers` leaves a repeated subject out; `from` does not.
                let input = format!(
                    "set screen=100\nset headline=\"{fmt}\"\nsort thread\necho @@ 0\nheaders\necho @@ h\nfrom *\necho @@ 1\n"
                );
                let (want, got) = snail_and_ours(&box_, &data, &home, lc, "UTC0", &input);
                // s-nail's `from` makes the first listed message current,
                // bsd-mailx's (ours) the last: compare without the mark.
                // (What follows `@@ 1` is the quit, where s-nail runs
                // read-only.)
                let unmark = |s: &str| {
                    let s = s.split("@@ 1").next().unwrap_or("");
                    s.replace(['\u{25B8}', '>'], " ")
                };
                assert_eq!(unmark(&got), unmark(&want), "{lc} {fmt}");
                // The screen leaves out what `from` shows (where the
                // line has the tree).
                let (screen, from) = want.split_once("@@ h").unwrap_or_default();
                let n = |t: &str| t.matches("Other").count() + t.matches("Tóp").count();
                if fmt.contains("%i") && data == repeating_thread() {
                    assert!(n(screen) < n(from), "{want}");
                }
            }
        }
    }
}
