//! Composing a message: from a pipe (the body is read as is) or, when
//! interactive, with the Subject/Cc/Bcc prompts, `.`/EOF handling and tilde
//! escapes.

use crate::collect::{self, Body};
use crate::send::{self, Header, SendOpts};
use crate::session::Session;
use std::io::{self, BufRead, IsTerminal, Write};
use std::sync::atomic::{AtomicI32, Ordering};

/// Send mode from the command line: collect the body, then send.
pub fn send_from_command_line(s: &mut Session, header: Header, opts: SendOpts) -> i32 {
    let mut header = header;
    let body = if s.interactive() {
        match collect_interactive(s, &mut header) {
            Ok(Some(b)) => b,
            // Aborted: exit 0, or 1 after a hangup (as bsd-mailx).
            Ok(None) => return i32::from(COLLECT_SIGNAL.load(Ordering::SeqCst) == libc::SIGHUP),
            Err(e) => {
                crate::util::warn("temporary file", &e);
                return 1;
            }
        }
    } else {
        let guard = CollectSignals::install();
        let r = collect::collect_stream_interruptible(&mut io::stdin().lock(), &|| {
            COLLECT_SIGNAL.load(Ordering::SeqCst) != 0
        });
        drop(guard);
        match r {
            Ok((b, false)) => b,
            Ok((b, true)) => return collect_interrupted(s, &b),
            Err(e) => {
                crate::util::warn("cannot read the message", &e);
                return 1;
            }
        }
    };
    send::mail1(s, header, body, opts)
}

/// The signal (SIGINT or SIGHUP) that interrupted the collection of a piped body.
static COLLECT_SIGNAL: AtomicI32 = AtomicI32::new(0);

extern "C" fn on_collect_signal(sig: libc::c_int) {
    COLLECT_SIGNAL.store(sig, Ordering::SeqCst);
}

/// SIGINT and SIGHUP handlers (without SA_RESTART, so a blocked read returns
/// EINTR) while a piped body is read; the old dispositions come back on drop.
/// A signal our parent ignored (nohup, background jobs) stays ignored.
struct CollectSignals {
    old: Vec<(libc::c_int, libc::sigaction)>,
}

impl CollectSignals {
    fn install() -> CollectSignals {
        let mut old = Vec::new();
        for sig in [libc::SIGINT, libc::SIGHUP] {
            // SAFETY: sigaction with a zeroed struct and a handler that only
            // stores into an atomic (async-signal-safe); the old action is kept.
            unsafe {
                let mut prev: libc::sigaction = std::mem::zeroed();
                libc::sigaction(sig, std::ptr::null(), &mut prev);
                if prev.sa_sigaction == libc::SIG_IGN {
                    continue;
                }
                let mut sa: libc::sigaction = std::mem::zeroed();
                sa.sa_sigaction = on_collect_signal as extern "C" fn(libc::c_int) as usize;
                libc::sigemptyset(&mut sa.sa_mask);
                sa.sa_flags = 0;
                libc::sigaction(sig, &sa, std::ptr::null_mut());
                old.push((sig, prev));
            }
        }
        CollectSignals { old }
    }
}

impl Drop for CollectSignals {
    fn drop(&mut self) {
        for (sig, prev) in &self.old {
            // SAFETY: restoring the action saved in install().
            unsafe {
                libc::sigaction(*sig, prev, std::ptr::null_mut());
            }
        }
    }
}

/// A piped body was interrupted, as bsd-mailx handles it off a terminal:
/// SIGINT aborts at once (the complete lines so far go to dead.letter unless
/// `nosave`, exit 0); SIGHUP always saves them and exits 1. Nothing is sent.
/// An empty body creates no dead.letter.
fn collect_interrupted(s: &Session, body: &Body) -> i32 {
    let hup = COLLECT_SIGNAL.load(Ordering::SeqCst) == libc::SIGHUP;
    if body.len > 0 && (hup || !s.is_set("nosave")) {
        send::save_dead_letter(s, &[], Some(body));
    }
    if hup { 1 } else { 0 }
}

/// Reads one line from stdin for a prompt; None at EOF.
fn read_line_stdin() -> Option<String> {
    let mut line = String::new();
    match io::stdin().lock().read_line(&mut line) {
        Ok(0) | Err(_) => None,
        Ok(_) => {
            if line.ends_with('\n') {
                line.pop();
            }
            Some(line)
        }
    }
}

fn prompt(text: &str) {
    crate::outp!("{text}");
    crate::output::flush();
}

/// Splits a typed recipient line (blanks and commas) into names.
fn typed_names(line: &str) -> Vec<String> {
    crate::names::extract(line, crate::names::Kind::To)
        .into_iter()
        .map(|n| n.name)
        .collect()
}

/// Reads one line (through its newline, if any) from stdin into `raw`.
/// Returns the number of bytes (0 at EOF), or None as soon as `stop()` is
/// true: a signal handler set it and the read returned EINTR. A partial line
/// read before that is dropped by the caller, as bsd-mailx does.
fn read_line_interruptible(
    raw: &mut Vec<u8>,
    stop: &dyn Fn() -> bool,
) -> io::Result<Option<usize>> {
    let stdin = io::stdin();
    let mut lock = stdin.lock();
    let mut total = 0;
    loop {
        if stop() {
            return Ok(None);
        }
        let (done, used) = {
            let buf = match lock.fill_buf() {
                Ok(b) => b,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(e),
            };
            if buf.is_empty() {
                return Ok(Some(total));
            }
            match memchr::memchr(b'\n', buf) {
                Some(i) => {
                    raw.extend_from_slice(&buf[..=i]);
                    (true, i + 1)
                }
                None => {
                    raw.extend_from_slice(buf);
                    (false, buf.len())
                }
            }
        };
        lock.consume(used);
        total += used;
        if done {
            return Ok(Some(total));
        }
    }
}

/// The interactive composer. Returns None when the message was aborted.
pub fn collect_interactive(s: &mut Session, h: &mut Header) -> io::Result<Option<Body>> {
    let tty = io::stdin().is_terminal();
    if tty && h.subject.is_none() && (s.is_set("ask") || s.is_set("asksub")) {
        prompt("Subject: ");
        h.subject = Some(read_line_stdin().unwrap_or_default());
    }
    let mut body = Body::new()?;
    let dot = s.is_set("dot") || s.is_set("ignoreeof");
    let mut eofcount = 0;
    // Signals while collecting, as bsd-mailx's collint/collhup:
    // - SIGHUP: save the complete lines (even with nosave), exit 1.
    // - SIGINT off a terminal (-I with a pipe): abort at once.
    // - SIGINT on a terminal: with `ignore` print `@` and go on; otherwise
    //   the first one prints `(Interrupt -- one more to kill letter)` and the
    //   partial line is dropped; a second one with no line read in between
    //   aborts (lines saved unless nosave, exit 0).
    let guard = CollectSignals::install();
    let stop = || COLLECT_SIGNAL.load(Ordering::SeqCst) != 0;
    let mut interrupted = false;
    let mut hadintr = false;
    {
        let mut w = body.writer();
        loop {
            let mut raw = Vec::new();
            let Some(n) = read_line_interruptible(&mut raw, &stop)? else {
                let sig = COLLECT_SIGNAL.load(Ordering::SeqCst);
                if tty && sig == libc::SIGINT {
                    if s.is_set("ignore") {
                        COLLECT_SIGNAL.store(0, Ordering::SeqCst);
                        crate::outln!("@");
                        crate::output::flush();
                        continue;
                    }
                    if !hadintr {
                        hadintr = true;
                        COLLECT_SIGNAL.store(0, Ordering::SeqCst);
                        crate::output::err_line("\n(Interrupt -- one more to kill letter)");
                        continue;
                    }
                }
                interrupted = true;
                break;
            };
            hadintr = false;
            if n == 0 {
                // bsd-mailx: `++eofcount < 25`, so the reminder is printed 24 times.
                if s.is_set("ignoreeof") && eofcount < 24 {
                    eofcount += 1;
                    crate::outln!("Use \".\" to terminate letter");
                    crate::output::flush();
                    continue;
                }
                break;
            }
            let line_end = raw.last() == Some(&b'\n');
            let content = if line_end {
                &raw[..raw.len() - 1]
            } else {
                &raw[..]
            };
            if dot && content == b"." {
                break;
            }
            // A last line without a newline is followed by another read, as
            // with fgets: EOF then ends the message (or, with ignoreeof, asks
            // for ".").
            w.write_all(&raw)?;
        }
        if interrupted {
            w.finish_complete_lines()?;
        } else {
            w.finish()?;
        }
    }
    drop(guard);
    if interrupted {
        collect_interrupted(s, &body);
        return Ok(None);
    }
    let ask_cc = s.is_set("askcc");
    let ask_bcc = s.is_set("askbcc");
    if tty && (ask_cc || ask_bcc) {
        if ask_cc {
            prompt("Cc: ");
            if let Some(l) = read_line_stdin() {
                h.cc.extend(typed_names(&l));
            }
        }
        if ask_bcc {
            prompt("Bcc: ");
            if let Some(l) = read_line_stdin() {
                h.bcc.extend(typed_names(&l));
            }
        }
    } else if !ask_cc || tty {
        crate::outln!("EOT");
    }
    crate::output::flush();
    Ok(Some(body))
}
