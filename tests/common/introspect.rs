//! A tiny OAuth2 token-introspection server (RFC 7662) for the Postfix
//! rig: Dovecot's `oauth2` passdb (scripts/postfix-test-setup.sh) POSTs
//! `token=<token>&client_id=&client_secret=` to
//! `http://127.0.0.1:28080/introspect` and reads a JSON object back. This
//! server answers `{"active":true,"username":<user>}` for the tokens it was
//! told are good and `{"active":false}` for every other one, and records
//! each token it was asked about.
//!
//! The port is fixed (Dovecot's configuration names it), so only one
//! server can run on the machine at a time: [`Introspect::start`] waits
//! (up to a minute) for the port while another test, or another test run,
//! holds it.

use std::io::{ErrorKind, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

/// Where the rig's Dovecot looks for the introspection endpoint.
pub const INTROSPECT_ADDR: &str = "127.0.0.1:28080";

/// A running introspection server; stopped (and its port freed) on drop.
pub struct Introspect {
    seen: Arc<Mutex<Vec<String>>>,
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Introspect {
    /// Serves on [`INTROSPECT_ADDR`]: `good` tokens are active and belong
    /// to `user`.
    pub fn start(user: &str, good: &[&str]) -> Introspect {
        let listener = bind_waiting(INTROSPECT_ADDR, Duration::from_secs(60));
        listener.set_nonblocking(true).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (user, good): (String, Vec<String>) =
            (user.into(), good.iter().map(|s| s.to_string()).collect());
        let thread = {
            let (seen, stop) = (seen.clone(), stop.clone());
            thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    match listener.accept() {
                        Ok((s, _)) => {
                            if let Some(token) = answer(s, &user, &good) {
                                seen.lock().unwrap().push(token);
                            }
                        }
                        Err(e) if e.kind() == ErrorKind::WouldBlock => {
                            thread::sleep(Duration::from_millis(10));
                        }
                        Err(e) => panic!("introspection accept: {e}"),
                    }
                }
            })
        };
        Introspect {
            seen,
            stop,
            thread: Some(thread),
        }
    }

    /// The tokens asked about so far, in order.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for Introspect {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Binds `addr`, retrying while something else holds it.
fn bind_waiting(addr: &str, limit: Duration) -> TcpListener {
    let start = Instant::now();
    loop {
        match TcpListener::bind(addr) {
            Ok(l) => return l,
            Err(e) if e.kind() == ErrorKind::AddrInUse && start.elapsed() < limit => {
                thread::sleep(Duration::from_millis(100));
            }
            Err(e) => panic!("introspection server: bind {addr}: {e}"),
        }
    }
}

/// Reads one HTTP request, answers it, and closes the connection; returns
/// the token asked about.
fn answer(mut s: TcpStream, user: &str, good: &[String]) -> Option<String> {
    s.set_nonblocking(false).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i + 4;
        }
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    while buf.len() < head_end + length {
        let n = s.read(&mut chunk).ok()?;
        if n == 0 {
            break;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let body = String::from_utf8_lossy(&buf[head_end..]).into_owned();
    let token = body
        .split('&')
        .find_map(|kv| kv.strip_prefix("token="))
        .unwrap_or("")
        .to_string();
    let json = if head.starts_with("POST /introspect ") && good.contains(&token) {
        format!("{{\"active\":true,\"username\":\"{user}\"}}")
    } else {
        "{\"active\":false}".to_string()
    };
    let reply = format!(
        "HTTP/1.0 200 OK\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\
         Connection: close\r\n\r\n{json}",
        json.len()
    );
    let _ = s.write_all(reply.as_bytes());
    Some(token)
}
