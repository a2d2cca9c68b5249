//! Buffered standard output shared by the whole program.
//!
//! bsd-mailx writes through stdio: fully buffered off a terminal, flushed
//! before a prompt and before a child runs. We keep one buffer, flush it at
//! the same points, and treat a closed reader (EPIPE: `mail -H | head`) as
//! "stop writing" instead of a panic: Rust ignores SIGPIPE, so a write error
//! is the only signal we get.

use std::cell::RefCell;
use std::io::{self, Write};

struct Out {
    buf: Vec<u8>,
    broken: bool,
}

thread_local! {
    static OUT: RefCell<Out> = const { RefCell::new(Out { buf: Vec::new(), broken: false }) };
}

const LIMIT: usize = 64 * 1024;

fn write_fd(fd: i32, mut data: &[u8]) -> io::Result<()> {
    while !data.is_empty() {
        // SAFETY: plain write(2) on a valid slice; the fd is the process's stdout.
        let n = unsafe { libc::write(fd, data.as_ptr().cast(), data.len()) };
        if n < 0 {
            let e = io::Error::last_os_error();
            if e.kind() == io::ErrorKind::Interrupted {
                continue;
            }
            return Err(e);
        }
        data = &data[n as usize..];
    }
    Ok(())
}

/// Appends bytes to standard output.
pub fn bytes(data: &[u8]) {
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
    if write_fd(1, &o.buf).is_err() {
        o.broken = true;
    }
    o.buf.clear();
}

/// Writes everything buffered so far to fd 1.
pub fn flush() {
    OUT.with(|o| flush_inner(&mut o.borrow_mut()));
}

/// Drops everything buffered (for fuzzing and tests that only check behaviour).
pub fn discard() {
    OUT.with(|o| o.borrow_mut().buf.clear());
}

/// True once a write to stdout failed (the reader went away).
pub fn is_broken() -> bool {
    OUT.with(|o| o.borrow().broken)
}

/// A `Write` handle onto the shared buffer, for code that wants `write!`.
pub struct Stdout;

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
pub fn err_line(msg: &str) {
    flush();
    let mut s = String::with_capacity(msg.len() + 1);
    s.push_str(msg);
    s.push('\n');
    let _ = write_fd(2, s.as_bytes());
}
