//! mailx: the BSD `mail`/`mailx` user agent as a library, with a thin binary on top.
//!
//! `run` is the whole program: options, rc files, then send mode
//! (`compose` → `send` → `transport`) or read mode (`interp::read_loop` over
//! a `mailbox::Folder`). Each module's `//!` says what it owns; the map of
//! the modules, how a message flows through them and the invariants are in
//! docs/ARCHITECTURE.md (one map, kept there).

pub(crate) mod child;
pub mod cli;
pub(crate) mod cmd;
pub mod compose;
pub(crate) mod expand;
pub(crate) mod imap;
#[cfg(feature = "imap")]
#[doc(hidden)]
pub use imap::fuzz_responses as fuzz_imap_responses;
pub mod interp;
pub mod lex;
pub(crate) mod locale;
pub mod mailbox;
pub mod manpage;
pub mod mimeview;
pub mod names;
pub mod output;
pub(crate) mod pager;
pub mod read;
pub mod secrets;
pub mod send;
pub mod session;
pub(crate) mod sys;
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub use sys::mailx_c_main;
pub mod term;
pub(crate) mod transport;
pub(crate) mod user;
pub(crate) mod util;
pub mod vars;

use interp::{ComposeHost, Ctx};
use session::Session;
use std::ffi::OsString;
use std::io::IsTerminal;

/// Runs the program with the given argv and returns the exit status.
pub fn run(args: Vec<OsString>) -> i32 {
    let argv0 = args
        .first()
        .map(|a| a.to_string_lossy().into_owned())
        .unwrap_or_default();
    util::set_progname(&argv0);
    child::init();
    let code = main_inner(&args[1.min(args.len())..]);
    output::flush();
    code
}

fn usage_error(msg: &str) -> i32 {
    let prog = util::progname();
    output::flush();
    eprint!("{}: {msg}\n{}", util::argv0(), cli::usage(prog));
    1
}

fn main_inner(args: &[OsString]) -> i32 {
    let posix = std::env::var_os("POSIXLY_CORRECT").is_some();
    let opts = match cli::parse(args, posix) {
        Ok(o) => o,
        Err(e) => return usage_error(&e.message()),
    };
    let prog = util::progname();
    if opts.help {
        outp!("{}", cli::help_text(prog));
        return 0;
    }
    if opts.version {
        outln!("{prog} (mailx-rs) {}", env!("CARGO_PKG_VERSION"));
        return 0;
    }
    if opts.json && !opts.headers_only {
        return usage_error("--json needs -H (it formats the -H header summary)");
    }
    let mut operands = opts.operands.clone();
    let mut file: Option<String> = None;
    if opts.fflag {
        file = Some(if operands.is_empty() {
            "&".to_string()
        } else {
            operands.remove(0)
        });
    }
    let to = operands;
    if opts.read_header && file.is_some() {
        util::warnx("Cannot give -f and -t");
        return 1;
    }
    // -t sends even without recipients on the command line.
    let sending = !to.is_empty() || opts.read_header;
    if !sending
        && (opts.subject.is_some()
            || !opts.cc.is_empty()
            || !opts.bcc.is_empty()
            || opts.from.is_some())
    {
        util::warnx("You must specify to-addr recipients when using -s, -c, -b, or -r");
        return 1;
    }
    if file.is_some() && !to.is_empty() {
        util::warnx("Cannot give -f and people to send to");
        return 1;
    }
    // An address whose bytes are not text in the locale is refused rather
    // than altered (bsd-mailx passes the bytes; a replacement character
    // would send to another address).
    if sending && let Some(a) = opts.invalid_addresses.first() {
        util::warnx(&format!(
            "\"{a}\": not a valid address in the locale's character set ({}); nothing sent",
            locale::charset()
        ));
        return 1;
    }
    // An -a value that is not a header line but names a readable regular
    // file is attached, as s-nail's -a (bsd-mailx would end the header
    // block there); neither: the error.
    let mut extra_headers: Vec<&String> = Vec::new();
    let mut a_files: Vec<&String> = Vec::new();
    for h in &opts.extra_headers {
        if !sending || send::valid_extra_header(&send::extra_header_line(h)) {
            extra_headers.push(h);
        } else if send::mime::is_readable_file(h) {
            a_files.push(h);
        } else {
            util::warnx(&format!(
                "-a \"{h}\": not a header line (expected \"Name: value\")"
            ));
            return 1;
        }
    }
    let (myname, homedir) = match user::identify(opts.user.as_deref()) {
        Ok(v) => v,
        Err(msg) => {
            util::warnx(&msg);
            return 1;
        }
    };
    if opts.user.is_some() {
        sys::remove_env_at_startup("MAIL");
    }
    let mut s = Session::new(myname, homedir);
    // The open folder's state in read mode (none while sending).
    let mut rd: Option<read::ReadState> = None;
    s.vars.import_env();
    if std::io::stdin().is_terminal() || opts.interactive {
        s.vars.set("interactive", "");
    }
    if opts.ignore_interrupts {
        s.vars.set("ignore", "");
    }
    if opts.noheader {
        s.vars.set("noheader", "");
    }
    if opts.verbose {
        s.vars.set("verbose", "");
    }
    if opts.skip_empty {
        s.vars.set("skipempty", "");
    }
    term::winsize::set_screen_size(&mut s);
    if opts.debug {
        outln!(
            "user = {}, homedir = {}",
            s.myname,
            s.homedir.as_deref().unwrap_or("NONE")
        );
    }
    s.rcvmode = !sending;
    if !opts.no_system_rc {
        interp::load(
            &mut Ctx {
                s: &mut s,
                rd: &mut rd,
            },
            "/etc/mail.rc",
        );
    }
    s.replyto_at_start = s.is_set("REPLYTO");
    let rc = std::env::var("MAILRC").unwrap_or_else(|_| "~/.mailrc".to_string());
    if let Ok(path) = expand::expand_quiet(&s, &rc) {
        interp::load(
            &mut Ctx {
                s: &mut s,
                rd: &mut rd,
            },
            &path,
        );
    }
    for (n, v) in &opts.assignments {
        if n.is_empty() {
            continue;
        }
        s.vars.set(n, v);
    }
    if let Some(f) = &opts.from {
        s.vars.set("from", f);
    }
    if !s.rcvmode {
        let mut attachments = Vec::new();
        let paths = opts
            .attachments
            .iter()
            .map(|a| expand::expand_quiet(&s, a).unwrap_or_else(|_| a.clone()))
            .chain(a_files.into_iter().cloned())
            .collect::<Vec<_>>();
        for path in paths {
            match send::mime::load_attachment(&path) {
                Ok(att) => attachments.push(att),
                Err(e) => {
                    util::warn(&path, &e);
                    return 1;
                }
            }
        }
        let header = send::Header {
            attachments,
            to,
            subject: opts.subject.clone(),
            subject_charset: opts.subject_charset.clone(),
            cc: opts.cc.clone(),
            bcc: opts.bcc.clone(),
            extra: extra_headers
                .iter()
                .map(|h| send::extra_header_line(h))
                .collect(),
            ..Default::default()
        };
        return compose::send_from_command_line(
            &mut s,
            &mut ComposeHost { rd: &mut rd },
            header,
            send::SendOpts {
                dry_run: opts.debug,
                record_by_recipient: opts.record_by_recipient,
            },
            opts.read_header.then_some(opts.from.is_some()),
        );
    }
    interp::read_loop::read_mode(
        &mut Ctx {
            s: &mut s,
            rd: &mut rd,
        },
        &opts,
        file,
    )
}
