//! The one pseudo-terminal driver of the tests: a program on its own pty
//! (the controlling terminal of a new session, as a login shell gives it),
//! keys typed into it, its screen read back.
//!
//! Two ways to drive it:
//! - [`Pty`]: step by step, expect-style (`expect` some text, `send` keys,
//!   `ctrl`, `signal`, `resize`, then `finish`), for the prompt and composer
//!   tests;
//! - [`run_on_pty`]: a fixed script of keys typed with pauses, for the
//!   side-by-side comparisons with bsd-mailx, where both programs must get
//!   exactly the same timing.
//!
//! A reader thread drains the master all the time, so the program never
//! blocks on a full terminal buffer; everything it shows is kept.

use std::fs::File;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use super::require::{Req, require};

/// How long [`Pty::expect`] waits for its text.
pub const EXPECT_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Default)]
struct Screen {
    data: Vec<u8>,
    /// The slave side is closed: nothing more will come.
    eof: bool,
}

type Shared = Arc<(Mutex<Screen>, Condvar)>;

/// A program running on a pseudo-terminal. Dropping it kills the program
/// if it is still running.
pub struct Pty {
    master: File,
    child: Child,
    screen: Shared,
    /// How far `expect` has consumed the screen.
    pos: usize,
}

/// Opens a pty pair with an optional window size (rows, columns).
fn open(size: Option<(u16, u16)>) -> std::io::Result<(OwnedFd, OwnedFd)> {
    let ws = size.map(|(rows, cols)| libc::winsize {
        ws_row: rows,
        ws_col: cols,
        ws_xpixel: 0,
        ws_ypixel: 0,
    });
    let (mut master, mut slave) = (0, 0);
    // SAFETY: openpty fills two fds that we then own; `ws` outlives the call.
    let r = unsafe {
        libc::openpty(
            &mut master,
            &mut slave,
            std::ptr::null_mut(),
            std::ptr::null(),
            ws.as_ref().map_or(std::ptr::null(), |w| w as *const _),
        )
    };
    if r != 0 {
        return Err(std::io::Error::last_os_error());
    }
    // SAFETY: both fds come from openpty and are owned from here on.
    Ok(unsafe { (OwnedFd::from_raw_fd(master), OwnedFd::from_raw_fd(slave)) })
}

/// For `Req::Pty`: can this machine open a pseudo-terminal?
pub(super) fn probe() -> Result<(), String> {
    open(None).map(drop).map_err(|e| format!("openpty: {e}"))
}

impl Pty {
    /// Starts `cmd` on a new pty of the given size (`None`: the kernel's
    /// 0x0), stdin, stdout and stderr all on it. `echo: false` turns the
    /// terminal's echo off first (so the screen holds only what the program
    /// writes). None when there are no pseudo-terminals (see `require`).
    pub fn spawn(mut cmd: Command, size: Option<(u16, u16)>, echo: bool) -> Option<Pty> {
        if !require(Req::Pty) {
            return None;
        }
        let (master, slave) = open(size).expect("openpty");
        if !echo {
            // SAFETY: tcgetattr/tcsetattr on the slave fd we own, into and
            // from a local termios.
            unsafe {
                let mut t: libc::termios = std::mem::zeroed();
                assert_eq!(libc::tcgetattr(slave.as_raw_fd(), &mut t), 0);
                t.c_lflag &= !libc::ECHO;
                assert_eq!(libc::tcsetattr(slave.as_raw_fd(), libc::TCSANOW, &t), 0);
            }
        }
        cmd.stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave.try_clone().unwrap()));
        // SAFETY: setsid and ioctl(TIOCSCTTY) between fork and exec are
        // async-signal-safe; they make the pty the controlling terminal.
        unsafe {
            cmd.pre_exec(|| {
                libc::setsid();
                libc::ioctl(0, libc::TIOCSCTTY, 0);
                Ok(())
            });
        }
        let child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("spawn {:?} on a pty: {e}", cmd.get_program()));
        drop(cmd);
        drop(slave);
        let master = File::from(master);
        let screen: Shared = Arc::default();
        let mut reader = master.try_clone().unwrap();
        let shared = Arc::clone(&screen);
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            loop {
                // EIO once the last slave fd is closed (the program exited).
                let n = match reader.read(&mut buf) {
                    Ok(0) | Err(_) => 0,
                    Ok(n) => n,
                };
                let (lock, cv) = &*shared;
                let mut s = lock.lock().unwrap();
                if n == 0 {
                    s.eof = true;
                } else {
                    s.data.extend_from_slice(&buf[..n]);
                }
                cv.notify_all();
                if n == 0 {
                    return;
                }
            }
        });
        Some(Pty {
            master,
            child,
            screen,
            pos: 0,
        })
    }

    /// Types `keys`.
    pub fn send(&mut self, keys: impl AsRef<[u8]>) {
        self.master
            .write_all(keys.as_ref())
            .expect("write to the pty");
        self.master.flush().unwrap();
    }

    /// Types a line and a newline.
    pub fn send_line(&mut self, line: &str) {
        self.send(format!("{line}\n"));
    }

    /// Types a control character: `ctrl('c')` is ^C.
    pub fn ctrl(&mut self, c: char) {
        self.send([c.to_ascii_uppercase() as u8 & 0x1f]);
    }

    /// Sends a signal to the program.
    pub fn signal(&self, sig: i32) {
        // SAFETY: kill(2) on our child, which has not been waited for.
        unsafe { libc::kill(self.child.id() as i32, sig) };
    }

    /// Changes the window size (the program gets SIGWINCH).
    pub fn resize(&self, rows: u16, cols: u16) {
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        // SAFETY: TIOCSWINSZ on the master we own with a winsize we own.
        unsafe { libc::ioctl(self.master.as_raw_fd(), libc::TIOCSWINSZ, &ws) };
    }

    /// Waits (up to [`EXPECT_TIMEOUT`]) until `text` appears after what
    /// earlier calls matched; returns the screen between the two. Err (with
    /// the screen so far) on a timeout or when the program closed the
    /// terminal first.
    pub fn expect(&mut self, text: &str) -> Result<String, String> {
        let deadline = Instant::now() + EXPECT_TIMEOUT;
        let (lock, cv) = &*self.screen;
        let mut s = lock.lock().unwrap();
        loop {
            let rest = &s.data[self.pos..];
            if let Some(i) = find(rest, text.as_bytes()) {
                let before = String::from_utf8_lossy(&rest[..i]).into_owned();
                self.pos += i + text.len();
                return Ok(before);
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if s.eof || left.is_zero() {
                return Err(format!(
                    "{} waiting for {text:?}; the screen so far:\n{}",
                    if s.eof { "end of output" } else { "timed out" },
                    String::from_utf8_lossy(&s.data)
                ));
            }
            s = cv.wait_timeout(s, left).unwrap().0;
        }
    }

    /// Everything the terminal has shown so far.
    pub fn screen(&self) -> Vec<u8> {
        self.screen.0.lock().unwrap().data.clone()
    }

    /// Waits up to `timeout` for the program to exit (then kills it) and
    /// for its last output; returns the exit status and the whole screen.
    pub fn finish(mut self, timeout: Duration) -> (ExitStatus, Vec<u8>) {
        let deadline = Instant::now() + timeout;
        let status = loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                break st;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                break self.child.wait().unwrap();
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // A child of the program may still hold the terminal: wait a little.
        let (lock, cv) = &*self.screen;
        let s = lock.lock().unwrap();
        let s = cv
            .wait_timeout_while(s, Duration::from_secs(1), |s| !s.eof)
            .unwrap()
            .0;
        (status, s.data.clone())
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    if needle.is_empty() {
        return Some(0);
    }
    hay.windows(needle.len()).position(|w| w == needle)
}

/// How [`run_on_pty`] types: the terminal size (`None`: the kernel's
/// default), the pause before the first key, between keys, and how long
/// the program may run after the last one.
pub struct PtyScript<'a> {
    pub size: Option<(u16, u16)>,
    pub keys: &'a [&'a [u8]],
    pub first_ms: u64,
    pub gap_ms: u64,
    pub timeout: Duration,
}

/// Runs `cmd` on a new pty (echo on, as a terminal is), types
/// `script.keys` with pauses and waits for it to exit (killed after
/// `script.timeout`). Returns its exit status and everything the terminal
/// showed, or `None` when this machine has no pseudo-terminals.
pub fn run_on_pty(cmd: Command, script: &PtyScript<'_>) -> Option<(ExitStatus, Vec<u8>)> {
    let mut p = Pty::spawn(cmd, script.size, true)?;
    // The first key never arrives before the signal handlers are in place.
    std::thread::sleep(Duration::from_millis(script.first_ms));
    for (i, k) in script.keys.iter().enumerate() {
        if i > 0 {
            std::thread::sleep(Duration::from_millis(script.gap_ms));
        }
        p.send(k);
    }
    Some(p.finish(script.timeout))
}
