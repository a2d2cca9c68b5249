//! Command-line parsing with glibc getopt(3) semantics for bsd-mailx's
//! option string `EINa:b:c:dfeinr:s:u:v`, plus our extensions `-S var[=value]`,
//! `-H`, `-A file`, `-F`, `-t`, `--json`, `--help` and `--version`.
//!
//! GNU permutation applies (options may follow operands) unless
//! `POSIXLY_CORRECT` is set; `--` ends options; `-` alone is an operand.

use crate::locale;
use std::ffi::OsString;
use std::os::unix::ffi::OsStrExt;

/// One option letter (or long option): its argument (if any) and help line.
pub struct OptSpec {
    /// The letter; `'\0'` for a long option (argv holds no NUL byte).
    pub letter: char,
    /// The name of a long option (`json` for `--json`); empty for a letter.
    pub long: &'static str,
    pub takes_arg: bool,
    /// Name of the argument in help and the man page.
    pub arg: &'static str,
    pub help: &'static str,
    /// Not in bsd-mailx (see docs/COMPATIBILITY.md).
    pub extension: bool,
}

const fn o(letter: char, arg: &'static str, help: &'static str, extension: bool) -> OptSpec {
    OptSpec {
        letter,
        long: "",
        takes_arg: !arg.is_empty(),
        arg,
        help,
        extension,
    }
}

/// A long option without argument (ours; not in bsd-mailx).
const fn long(name: &'static str, help: &'static str) -> OptSpec {
    OptSpec {
        letter: '\0',
        long: name,
        takes_arg: false,
        arg: "",
        help,
        extension: true,
    }
}

impl OptSpec {
    /// How the option is written: `-H`, `--json`.
    pub fn flag(&self) -> String {
        if self.long.is_empty() {
            format!("-{}", self.letter)
        } else {
            format!("--{}", self.long)
        }
    }
}

/// bsd-mailx's letters (getopt string `EINa:b:c:dfeinr:s:u:v`), then ours.
/// The parser, `--help` and the man page all read this table.
pub const OPTS: &[OptSpec] = &[
    o('E', "", "do not send a message whose body is empty", false),
    o(
        'I',
        "",
        "behave as if interactive (tilde escapes, prompts)",
        false,
    ),
    o(
        'N',
        "",
        "do not print the header summary at start-up",
        false,
    ),
    o(
        'a',
        "header",
        "add a header line (\"Name: value\") to the message; a value that is not one but names a readable file attaches it",
        false,
    ),
    o('b', "addr", "send a blind carbon copy to addr", false),
    o('c', "addr", "send a carbon copy to addr", false),
    o(
        'd',
        "",
        "debug: print the user and home; in send mode print sendmail's arguments and send nothing",
        false,
    ),
    o(
        'f',
        "",
        "read the mailbox named by the first operand (default ~/mbox) instead of the system mailbox",
        false,
    ),
    o(
        'e',
        "",
        "with recipients: as -E; without: exit 0 if there is mail, 1 if not, printing nothing (POSIX)",
        false,
    ),
    o('i', "", "ignore interrupts while composing", false),
    o('n', "", "do not read /etc/mail.rc", false),
    o(
        'r',
        "addr",
        "from address: a From: header and sendmail -f",
        false,
    ),
    o('s', "subject", "the subject of the message", false),
    o('u', "user", "read user's system mailbox", false),
    o('v', "", "verbose: pass -v to sendmail", false),
    o('A', "file", "attach a file (repeatable)", true),
    o(
        'F',
        "",
        "record the message in a file named after the first recipient (POSIX; folder and outfolder apply)",
        true,
    ),
    o(
        't',
        "",
        "take recipients (To, Cc, Bcc), subject, sender and other fields from the header of the message read on standard input; command-line recipients are added",
        true,
    ),
    o('H', "", "print the header summary and exit (POSIX)", true),
    o(
        'S',
        "var[=value]",
        "set a variable, after the start-up files",
        true,
    ),
    long(
        "json",
        "with -H: print the header summary as JSON Lines, one object per message (schema: docs/JSON.md)",
    ),
];

/// What the command line asked for.
#[derive(Debug, Default, Clone)]
pub struct Options {
    pub debug: bool,
    pub skip_empty: bool,
    /// `-e` (not `-E`) was given: without recipients, the POSIX mail check.
    pub mail_check: bool,
    pub interactive: bool,
    pub ignore_interrupts: bool,
    pub noheader: bool,
    pub no_system_rc: bool,
    pub verbose: bool,
    /// `-a` raw header lines, in order.
    pub extra_headers: Vec<String>,
    pub bcc: Vec<String>,
    pub cc: Vec<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// The charset `-s`'s bytes were read in when they were not UTF-8 (the
    /// locale's 8-bit charset, else ISO-8859-1): the label of its encoded
    /// words, so the bytes go out as given.
    pub subject_charset: Option<String>,
    /// `-b`, `-c`, `-r` values and operands whose bytes are not text in the
    /// locale's charset, as `\xNN`-escaped strings; refused in send mode.
    pub invalid_addresses: Vec<String>,
    /// Indexes in `operands` of the operands in `invalid_addresses`.
    pub invalid_operands: Vec<usize>,
    pub user: Option<String>,
    /// `-f` was given.
    pub fflag: bool,
    /// `-S name[=value]`, in order.
    pub assignments: Vec<(String, String)>,
    /// `-F`: record the message in a file named after the first recipient.
    pub record_by_recipient: bool,
    /// `-t`: the message on standard input carries its header.
    pub read_header: bool,
    /// `-H`: print the header summary and exit.
    pub headers_only: bool,
    /// `--json`: the `-H` summary as JSON Lines.
    pub json: bool,
    /// `-A file`: attachments.
    pub attachments: Vec<String>,
    /// Operands (recipients, or `-f`'s file first).
    pub operands: Vec<String>,
    pub help: bool,
    pub version: bool,
}

/// A getopt error; the caller prints it and the usage text, then exits 1.
#[derive(Debug, PartialEq, Eq)]
pub enum CliError {
    Invalid(char),
    MissingArgument(char),
}

impl CliError {
    /// glibc's wording.
    pub fn message(&self) -> String {
        match self {
            CliError::Invalid(c) => format!("invalid option -- '{c}'"),
            CliError::MissingArgument(c) => format!("option requires an argument -- '{c}'"),
        }
    }
}

/// The usage text; its first three lines are bsd-mailx's own.
pub(crate) fn usage(prog: &str) -> String {
    format!(
        "usage: {p} [-dEIinv] [-a header] [-b bcc-addr] [-c cc-addr] [-r from-addr] [-s subject] [--] to-addr ...\n       {p} [-dEIiNnv] -f [name]\n       {p} [-dEIiNnv] [-u user]\n",
        p = prog
    )
}

/// The `--help` text: the usage lines, then every option from `OPTS`.
pub(crate) fn help_text(prog: &str) -> String {
    let mut s = usage(prog);
    s.push_str("\nOptions:\n");
    for op in OPTS {
        let head = if op.arg.is_empty() {
            op.flag()
        } else {
            format!("{} {}", op.flag(), op.arg)
        };
        s.push_str(&format!("  {head:<16}{}\n", op.help));
    }
    s.push_str("  --              end of options: every later argument is a recipient\n");
    s.push_str("  --help          print this help\n");
    s.push_str("  --version       print the version\n");
    s
}

fn spec(c: char) -> Option<&'static OptSpec> {
    OPTS.iter().find(|o| o.long.is_empty() && o.letter == c)
}

/// A command-line text argument (`-s`): valid UTF-8 as it is; other bytes
/// read in the locale's charset when it is an 8-bit one, else as
/// ISO-8859-1 (the rule for bodies), with the label of that charset.
fn text_arg(b: &[u8], locale_cs: &str) -> (String, Option<String>) {
    if let Ok(t) = std::str::from_utf8(b) {
        return (t.to_string(), None);
    }
    if let Some(t) = locale::decode_legacy(b, locale_cs) {
        return (t, Some(locale_cs.to_string()));
    }
    let latin1 = b.iter().map(|&c| char::from(c)).collect();
    (latin1, Some("ISO-8859-1".to_string()))
}

/// A command-line address (`-b`, `-c`, `-r`, recipients): valid UTF-8 as it
/// is, or text in the locale's 8-bit charset; None when the bytes are text
/// in neither (an address is never altered).
fn address_arg(b: &[u8], locale_cs: &str) -> Option<String> {
    match std::str::from_utf8(b) {
        Ok(t) => Some(t.to_string()),
        Err(_) => locale::decode_legacy(b, locale_cs),
    }
}

/// Parses argv (without argv[0]).
pub fn parse(args: &[OsString], posixly_correct: bool) -> Result<Options, CliError> {
    let args: Vec<&[u8]> = args.iter().map(|a| a.as_bytes()).collect();
    let cs = locale::charset();
    let mut o = Options::default();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let a = args[i];
        i += 1;
        if only_operands || a == b"-" || !a.starts_with(b"-") {
            match address_arg(a, cs) {
                Some(t) => o.operands.push(t),
                None => {
                    o.invalid_operands.push(o.operands.len());
                    o.invalid_addresses.push(a.escape_ascii().to_string());
                    o.operands.push(String::from_utf8_lossy(a).into_owned());
                }
            }
            if posixly_correct {
                only_operands = true;
            }
            continue;
        }
        if a == b"--" {
            only_operands = true;
            continue;
        }
        if a == b"--help" {
            o.help = true;
            continue;
        }
        if a == b"--version" {
            o.version = true;
            continue;
        }
        if let Some(sp) = a.strip_prefix(b"--").and_then(|n| {
            OPTS.iter()
                .find(|o| !o.long.is_empty() && o.long.as_bytes() == n)
        }) {
            match sp.long {
                "json" => o.json = true,
                l => unreachable!("--{l} is in OPTS but not handled"),
            }
            continue;
        }
        let mut j = 1;
        while j < a.len() {
            let c = a[j];
            let Some(sp) = spec(char::from(c)).filter(|_| c.is_ascii()) else {
                let ch = String::from_utf8_lossy(&a[j..])
                    .chars()
                    .next()
                    .unwrap_or('?');
                return Err(CliError::Invalid(ch));
            };
            j += 1;
            let optarg = if sp.takes_arg {
                if j < a.len() {
                    let rest = &a[j..];
                    j = a.len();
                    Some(rest)
                } else if i < args.len() {
                    i += 1;
                    Some(args[i - 1])
                } else {
                    return Err(CliError::MissingArgument(sp.letter));
                }
            } else {
                None
            };
            apply(&mut o, sp.letter, optarg.unwrap_or_default(), cs);
        }
    }
    Ok(o)
}

fn apply(o: &mut Options, c: char, raw: &[u8], cs: &str) {
    let arg = String::from_utf8_lossy(raw).into_owned();
    let address = |o: &mut Options| match address_arg(raw, cs) {
        Some(t) => t,
        None => {
            o.invalid_addresses.push(raw.escape_ascii().to_string());
            arg.clone()
        }
    };
    match c {
        'E' => o.skip_empty = true,
        'e' => {
            o.skip_empty = true;
            o.mail_check = true;
        }
        'I' => o.interactive = true,
        'N' => o.noheader = true,
        'a' => o.extra_headers.push(arg),
        'b' => {
            let a = address(o);
            o.bcc.push(a);
        }
        'c' => {
            let a = address(o);
            o.cc.push(a);
        }
        'd' => o.debug = true,
        'f' => o.fflag = true,
        'i' => o.ignore_interrupts = true,
        'n' => o.no_system_rc = true,
        'r' => o.from = Some(address(o)),
        's' => {
            let (t, label) = text_arg(raw, cs);
            o.subject = Some(t);
            o.subject_charset = label;
        }
        'u' => o.user = Some(arg),
        'v' => o.verbose = true,
        'S' => {
            let (n, v) = match arg.split_once('=') {
                Some((n, v)) => (n.to_string(), v.to_string()),
                None => (arg, String::new()),
            };
            o.assignments.push((n, v));
        }
        'H' => o.headers_only = true,
        't' => o.read_header = true,
        'F' => o.record_by_recipient = true,
        'A' => o.attachments.push(arg),
        _ => unreachable!("letter {c} is in OPTS but not handled"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::ffi::OsStringExt;

    fn p(v: &[&str]) -> Result<Options, CliError> {
        let a: Vec<OsString> = v.iter().map(OsString::from).collect();
        parse(&a, false)
    }

    #[test]
    fn permutation_and_clusters() {
        let o = p(&["a@x", "-s", "subj", "-nN", "b@y"]).unwrap();
        assert_eq!(o.operands, ["a@x", "b@y"]);
        assert_eq!(o.subject.as_deref(), Some("subj"));
        assert!(o.no_system_rc && o.noheader);
    }

    #[test]
    fn attached_argument_and_flag_f() {
        let o = p(&["-fbox"]).unwrap();
        assert!(o.fflag);
        assert_eq!(o.bcc, ["ox"]);
    }

    #[test]
    fn double_dash_keeps_dashes_as_operands() {
        let o = p(&["-s", "x", "--", "-oQ/tmp/x", "a@x"]).unwrap();
        assert_eq!(o.operands, ["-oQ/tmp/x", "a@x"]);
    }

    #[test]
    fn errors() {
        assert_eq!(p(&["-x"]).unwrap_err(), CliError::Invalid('x'));
        assert_eq!(p(&["-s"]).unwrap_err(), CliError::MissingArgument('s'));
        assert_eq!(p(&["--foo"]).unwrap_err(), CliError::Invalid('-'));
    }

    #[test]
    fn posixly_correct_stops_at_first_operand() {
        let a: Vec<OsString> = ["a@x", "-s", "subj"].iter().map(OsString::from).collect();
        let o = parse(&a, true).unwrap();
        assert_eq!(o.operands, ["a@x", "-s", "subj"]);
        assert!(o.subject.is_none());
    }

    #[test]
    fn option_argument_may_start_with_dash() {
        let o = p(&["-s", "-x", "u"]).unwrap();
        assert_eq!(o.subject.as_deref(), Some("-x"));
        assert_eq!(o.operands, ["u"]);
    }

    #[test]
    fn bytes_are_kept() {
        let a: Vec<OsString> = [
            &b"-s"[..],
            b"caf\xe9",
            b"-c",
            b"x\xff@y",
            b"a@x",
            b"b\xe9@y",
        ]
        .iter()
        .map(|b| OsString::from_vec(b.to_vec()))
        .collect();
        let o = parse(&a, false).unwrap();
        // In the test's locale (C or UTF-8) non-UTF-8 text is Latin-1.
        assert_eq!(o.subject.as_deref(), Some("café"));
        assert_eq!(o.subject_charset.as_deref(), Some("ISO-8859-1"));
        assert_eq!(o.invalid_addresses, ["x\\xff@y", "b\\xe9@y"]);
        assert_eq!(o.invalid_operands, [1]);
        let o = p(&["-s", "Grüße", "-c", "Jörg <j@x>", "a@x"]).unwrap();
        assert_eq!(o.subject.as_deref(), Some("Grüße"));
        assert!(o.subject_charset.is_none() && o.invalid_addresses.is_empty());
    }

    #[test]
    fn long_json() {
        let o = p(&["-H", "--json", "-f", "box"]).unwrap();
        assert!(o.json && o.headers_only && o.fflag);
        assert_eq!(p(&["--jso"]).unwrap_err(), CliError::Invalid('-'));
        assert!(help_text("mail").contains("  --json  "));
    }

    #[test]
    fn dash_alone_is_operand() {
        let o = p(&["-", "a"]).unwrap();
        assert_eq!(o.operands, ["-", "a"]);
    }

    #[test]
    fn lower_e_is_the_mail_check_upper_e_is_not() {
        let o = p(&["-e"]).unwrap();
        assert!(o.skip_empty && o.mail_check);
        let o = p(&["-E"]).unwrap();
        assert!(o.skip_empty && !o.mail_check);
        let o = p(&["-nNe"]).unwrap();
        assert!(o.mail_check);
    }
}
