//! Buffered standard output shared by the whole program.
//!
//! bsd-mailx writes through stdio: fully buffered off a terminal, flushed
//! before a prompt and before a child runs. We keep one buffer, flush it at
//! the same points, and treat a closed reader (EPIPE: `mail -H | head`) as
//! "stop writing" instead of a panic: Rust ignores SIGPIPE, so a write error
//! is the only signal we get.

use std::cell::RefCell;
use std::io::{self, Write};
use std::os::fd::{AsFd, BorrowedFd};

struct Out {
    buf: Vec<u8>,
    broken: bool,
}

thread_local! {
    static OUT: RefCell<Out> = const { RefCell::new(Out { buf: Vec::new(), broken: false }) };
}

const LIMIT: usize = 64 * 1024;

/// write(2) of all of `data` straight to `fd` (no std buffer in between),
/// retried on EINTR.
fn write_fd(fd: BorrowedFd<'_>, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        match rustix::io::write(fd, data) {
            Ok(n) => data = &data[n..],
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
    Ok(())
}

/// Appends bytes to standard output (public: the exported `outln!` uses it).
pub(crate) fn bytes(data: &[u8]) {
    OUT.with(|o| {
        let mut o = o.borrow_mut();
        if o.broken {
            return;
        }
        o.buf.extend_from_slice(data);
        if o.buf.len() >= LIMIT {
            flush_inner(&mut o);
        }
    });
}

fn flush_inner(o: &mut Out) {
    if o.buf.is_empty() {
        return;
    }
    if write_fd(io::stdout().as_fd(), &o.buf).is_err() {
        o.broken = true;
    }
    o.buf.clear();
}

/// Writes everything buffered so far to fd 1.
pub(crate) fn flush() {
    OUT.with(|o| flush_inner(&mut o.borrow_mut()));
}

/// Drops everything buffered (for fuzzing and tests that only check behaviour).
pub fn discard() {
    OUT.with(|o| o.borrow_mut().buf.clear());
}

/// True once a write to stdout failed (the reader went away).
pub(crate) fn is_broken() -> bool {
    OUT.with(|o| o.borrow().broken)
}

/// A `Write` handle onto the shared buffer, for code that wants `write!`.
pub(crate) struct Stdout;

impl Write for Stdout {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        bytes(data);
        Ok(data.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        flush();
        Ok(())
    }
}

/// `print!` onto the shared buffer.
#[macro_export]
macro_rules! outp {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = write!($crate::output::Stdout, $($arg)*);
    }};
}

/// `println!` onto the shared buffer.
#[macro_export]
macro_rules! outln {
    () => { $crate::output::bytes(b"\n") };
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!($crate::output::Stdout, $($arg)*);
    }};
}

/// Writes a message to stderr after flushing stdout, so the two keep their order on a terminal.
pub(crate) fn err_line(msg: &str) {
    flush();
    let mut s = String::with_capacity(msg.len() + 1);
    s.push_str(msg);
    s.push('\n');
    let _ = write_fd(io::stderr().as_fd(), s.as_bytes());
}
