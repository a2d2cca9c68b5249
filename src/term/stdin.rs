//! The one shared standard-input reader, with push-back (bsd-mailx's stdio
//! `stdin`): the command loop, the line editor and the composer all read
//! fd 0 through one buffer, so whatever follows a line (keys typed ahead,
//! the rest of a paste, a message body for `mail`) stays for the next
//! reader and nothing is lost or read twice. Reads report SIGINT and SIGHUP
//! that arrive while waiting (`term::signals`).

use super::signals::{hangup, take_continued_while_composing, take_interrupt};
use crate::outln;
use crate::output;
use rustix::event::{PollFd, PollFlags, Timespec, poll};
use std::cell::RefCell;
use std::io::{self, IsTerminal};
use std::sync::OnceLock;

/// What reading a line from the terminal gave.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Line {
    Text(Vec<u8>),
    Eof,
    Interrupt,
    Hangup,
}

thread_local! {
    static STDIN_BUF: RefCell<(Vec<u8>, usize)> = const { RefCell::new((Vec::new(), 0)) };
}

/// Reads one line from standard input through the one shared stdin buffer
/// (the command loop and the composer both read through it, as bsd-mailx's
/// stdio `stdin`), reporting SIGINT and SIGHUP that arrive while waiting.
pub(crate) fn read_line_fd0() -> Line {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        let mut line = Vec::new();
        loop {
            let (buf, pos) = &mut *st;
            if *pos < buf.len() {
                let avail = &buf[*pos..];
                if let Some(i) = memchr::memchr(b'\n', avail) {
                    line.extend_from_slice(&avail[..=i]);
                    *pos += i + 1;
                    return Line::Text(line);
                }
                line.extend_from_slice(avail);
                *pos = buf.len();
            }
            if AFTER_EOF.with(|a| a.borrow().is_some()) {
                drop(st);
                take_deferred_eof();
                return if line.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(line)
                };
            }
            buf.clear();
            *pos = 0;
            buf.resize(64 * 1024, 0);
            let n = match read_fd0(buf) {
                Ok(n) => n,
                Err(e) => {
                    buf.clear();
                    if e.kind() == io::ErrorKind::Interrupted {
                        if hangup() {
                            return Line::Hangup;
                        }
                        if take_interrupt() {
                            return Line::Interrupt;
                        }
                        if take_continued_while_composing() {
                            outln!("(continue)");
                            output::flush();
                        }
                        continue;
                    }
                    return if line.is_empty() {
                        Line::Eof
                    } else {
                        Line::Text(line)
                    };
                }
            };
            buf.truncate(n);
            if n == 0 {
                return if line.is_empty() {
                    Line::Eof
                } else {
                    Line::Text(line)
                };
            }
        }
    })
}

/// One read(2) of fd 0 into `buf` (EINTR is returned, not retried: the
/// caller looks at the signal flags). When standard output is a terminal,
/// what is buffered for it is written first, so whatever the user is asked
/// or shown (a prompt, a reply's header preview) is on the screen before
/// the program waits for a key (stdio's line-buffered terminal output does
/// the same for bsd-mailx). Output to a pipe or file keeps its buffering.
fn read_fd0(buf: &mut [u8]) -> io::Result<usize> {
    static STDOUT_TTY: OnceLock<bool> = OnceLock::new();
    if *STDOUT_TTY.get_or_init(|| io::stdout().is_terminal()) {
        output::flush();
    }
    Ok(rustix::io::read(io::stdin(), buf)?)
}

/// Waits up to `ms` milliseconds for input on fd 0; the number of ready
/// descriptors (0: none in time).
fn poll_fd0(ms: i32) -> Result<usize, rustix::io::Errno> {
    let stdin = io::stdin();
    let mut fds = [PollFd::new(&stdin, PollFlags::IN)];
    let ms = i64::from(ms.max(0));
    let t = Timespec {
        tv_sec: ms / 1000,
        tv_nsec: (ms % 1000) * 1_000_000,
    };
    poll(&mut fds, Some(&t))
}

/// One byte from standard input for the line editor.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Byte {
    /// The next byte.
    Got(u8),
    Eof,
    Hangup,
    /// Nothing arrived within the wait (only when a timeout was given).
    Timeout,
}

/// Takes one byte from the shared stdin buffer, reading fd 0 when it is
/// empty (all bytes read stay in the buffer: what follows a command line is
/// there for the composer or the next prompt). With `timeout_ms`, gives up
/// when nothing arrives in that time.
pub(crate) fn read_byte(timeout_ms: Option<i32>) -> Byte {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        loop {
            let (buf, pos) = &mut *st;
            if *pos < buf.len() {
                let b = buf[*pos];
                *pos += 1;
                return Byte::Got(b);
            }
            if AFTER_EOF.with(|a| a.borrow().is_some()) {
                drop(st);
                take_deferred_eof();
                return Byte::Eof;
            }
            if let Some(ms) = timeout_ms
                && poll_fd0(ms) == Ok(0)
            {
                return Byte::Timeout;
            }
            buf.clear();
            *pos = 0;
            buf.resize(4096, 0);
            let n = match read_fd0(buf) {
                Ok(n) => n,
                Err(e) => {
                    buf.clear();
                    if e.kind() == io::ErrorKind::Interrupted {
                        if hangup() {
                            return Byte::Hangup;
                        }
                        continue;
                    }
                    return Byte::Eof;
                }
            };
            buf.truncate(n);
            if n == 0 {
                return Byte::Eof;
            }
        }
    })
}

thread_local! {
    /// Bytes after a ^D that arrived while the terminal was raw: the reader
    /// sees end of input first (as the tty would have given it), then these.
    static AFTER_EOF: RefCell<Option<Vec<u8>>> = const { RefCell::new(None) };
}

/// Bytes that arrived while the terminal was raw did not get the tty's
/// line discipline (CR → NL, ^D as end of input); apply it to what is still
/// buffered before going back to cooked mode, so the composer sees the lines
/// as it would have.
pub(crate) fn translate_pending_cr() {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        let (buf, pos) = &mut *st;
        for b in buf[*pos..].iter_mut() {
            if *b == b'\r' {
                *b = b'\n';
            }
        }
        if let Some(k) = buf[*pos..].iter().position(|&b| b == 4) {
            let at = *pos + k;
            let rest = buf[at + 1..].to_vec();
            buf.truncate(at);
            AFTER_EOF.with(|a| *a.borrow_mut() = Some(rest));
        }
    });
}

/// A ^D held back by `translate_pending_cr`: true (once) when the buffer is
/// used up and end of input is due; the bytes after it become readable.
fn take_deferred_eof() -> bool {
    let Some(rest) = AFTER_EOF.with(|a| a.borrow_mut().take()) else {
        return false;
    };
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        st.0 = rest;
        st.1 = 0;
    });
    true
}

/// Takes the next buffered byte if it is `want` (never reads fd 0).
pub(crate) fn take_buffered_if(want: u8) -> bool {
    STDIN_BUF.with(|cell| {
        let mut st = cell.borrow_mut();
        let (buf, pos) = &mut *st;
        if *pos < buf.len() && buf[*pos] == want {
            *pos += 1;
            true
        } else {
            false
        }
    })
}
