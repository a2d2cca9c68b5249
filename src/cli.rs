//! Command-line parsing with glibc getopt(3) semantics for bsd-mailx's
//! option string `EINa:b:c:dfeinr:s:u:v`, plus our extensions `-S var[=value]`,
//! `-H`, `-A file`, `--help` and `--version`.
//!
//! GNU permutation applies (options may follow operands) unless
//! `POSIXLY_CORRECT` is set; `--` ends options; `-` alone is an operand.

use std::ffi::OsString;

/// One option letter: does it take an argument?
struct OptSpec {
    letter: char,
    takes_arg: bool,
}

/// bsd-mailx's letters, then ours. Kept in one table so usage and docs agree.
const OPTS: &[OptSpec] = &[
    OptSpec {
        letter: 'E',
        takes_arg: false,
    },
    OptSpec {
        letter: 'I',
        takes_arg: false,
    },
    OptSpec {
        letter: 'N',
        takes_arg: false,
    },
    OptSpec {
        letter: 'a',
        takes_arg: true,
    },
    OptSpec {
        letter: 'b',
        takes_arg: true,
    },
    OptSpec {
        letter: 'c',
        takes_arg: true,
    },
    OptSpec {
        letter: 'd',
        takes_arg: false,
    },
    OptSpec {
        letter: 'f',
        takes_arg: false,
    },
    OptSpec {
        letter: 'e',
        takes_arg: false,
    },
    OptSpec {
        letter: 'i',
        takes_arg: false,
    },
    OptSpec {
        letter: 'n',
        takes_arg: false,
    },
    OptSpec {
        letter: 'r',
        takes_arg: true,
    },
    OptSpec {
        letter: 's',
        takes_arg: true,
    },
    OptSpec {
        letter: 'u',
        takes_arg: true,
    },
    OptSpec {
        letter: 'v',
        takes_arg: false,
    },
    // Extensions (not in bsd-mailx; see docs/COMPATIBILITY.md).
    OptSpec {
        letter: 'S',
        takes_arg: true,
    },
    OptSpec {
        letter: 'H',
        takes_arg: false,
    },
    OptSpec {
        letter: 'A',
        takes_arg: true,
    },
];

/// What the command line asked for.
#[derive(Debug, Default, Clone)]
pub struct Options {
    pub debug: bool,
    pub skip_empty: bool,
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
    pub user: Option<String>,
    /// `-f` was given.
    pub fflag: bool,
    /// `-S name[=value]`, in order.
    pub assignments: Vec<(String, String)>,
    /// `-H`: print the header summary and exit.
    pub headers_only: bool,
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
pub fn usage(prog: &str) -> String {
    format!(
        "usage: {p} [-dEIinv] [-a header] [-b bcc-addr] [-c cc-addr] [-r from-addr] [-s subject] [--] to-addr ...\n       {p} [-dEIiNnv] -f [name]\n       {p} [-dEIiNnv] [-u user]\n",
        p = prog
    )
}

/// The `--help` text: the usage lines, then every option.
pub fn help_text(prog: &str) -> String {
    let mut s = usage(prog);
    s.push_str(
        "\nOptions:\n\
  -a header     add a header line to the message (\"Name: value\")\n\
  -A file       attach a file (extension)\n\
  -b addr       blind carbon copy to addr\n\
  -c addr       carbon copy to addr\n\
  -d            debug: show settings; in send mode print sendmail's arguments and send nothing\n\
  -E, -e        do not send a message with an empty body (-e without recipients: POSIX mail check)\n\
  -f [file]     read the mailbox file (default ~/mbox)\n\
  -H            print the header summary and exit (extension, POSIX)\n\
  -I            behave as if interactive\n\
  -i            ignore interrupts while composing\n\
  -N            do not print the header summary at start-up\n\
  -n            do not read /etc/mail.rc\n\
  -r addr       from address (From: header and sendmail -f)\n\
  -S var[=val]  set a variable (extension)\n\
  -s subject    subject of the message\n\
  -u user       read user's system mailbox\n\
  -v            verbose: pass -v to sendmail\n\
  --            end of options; everything after is a recipient\n\
  --help        this text\n\
  --version     the version\n",
    );
    s
}

fn spec(c: char) -> Option<&'static OptSpec> {
    OPTS.iter().find(|o| o.letter == c)
}

/// Parses argv (without argv[0]).
pub fn parse(args: &[OsString], posixly_correct: bool) -> Result<Options, CliError> {
    let args: Vec<String> = args
        .iter()
        .map(|a| a.to_string_lossy().into_owned())
        .collect();
    let mut o = Options::default();
    let mut i = 0;
    let mut only_operands = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_operands || a == "-" || !a.starts_with('-') {
            o.operands.push(a.clone());
            if posixly_correct {
                only_operands = true;
            }
            continue;
        }
        if a == "--" {
            only_operands = true;
            continue;
        }
        if a == "--help" {
            o.help = true;
            continue;
        }
        if a == "--version" {
            o.version = true;
            continue;
        }
        let chars: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < chars.len() {
            let c = chars[j];
            j += 1;
            let Some(sp) = spec(c) else {
                return Err(CliError::Invalid(c));
            };
            let optarg = if sp.takes_arg {
                if j < chars.len() {
                    let rest: String = chars[j..].iter().collect();
                    j = chars.len();
                    Some(rest)
                } else if i < args.len() {
                    i += 1;
                    Some(args[i - 1].clone())
                } else {
                    return Err(CliError::MissingArgument(c));
                }
            } else {
                None
            };
            apply(&mut o, c, optarg);
        }
    }
    Ok(o)
}

fn apply(o: &mut Options, c: char, arg: Option<String>) {
    let arg = arg.unwrap_or_default();
    match c {
        'E' | 'e' => o.skip_empty = true,
        'I' => o.interactive = true,
        'N' => o.noheader = true,
        'a' => o.extra_headers.push(arg),
        'b' => o.bcc.push(arg),
        'c' => o.cc.push(arg),
        'd' => o.debug = true,
        'f' => o.fflag = true,
        'i' => o.ignore_interrupts = true,
        'n' => o.no_system_rc = true,
        'r' => o.from = Some(arg),
        's' => o.subject = Some(arg),
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
        'A' => o.attachments.push(arg),
        _ => unreachable!("letter {c} is in OPTS but not handled"),
    }
}

/// Letters that were given as `-e` (not `-E`) matter for the POSIX mail check;
/// returns true when argv holds a bare `-e` cluster letter.
pub fn has_lower_e(args: &[OsString]) -> bool {
    for a in args {
        let a = a.to_string_lossy();
        if a == "--" {
            break;
        }
        if a.starts_with('-') && !a.starts_with("--") {
            for c in a[1..].chars() {
                if c == 'e' {
                    return true;
                }
                if spec(c).is_some_and(|s| s.takes_arg) {
                    break;
                }
            }
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

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
    fn dash_alone_is_operand() {
        let o = p(&["-", "a"]).unwrap();
        assert_eq!(o.operands, ["-", "a"]);
    }
}
