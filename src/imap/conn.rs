//! One IMAP connection: TCP with connect, read and write timeouts, plain
//! or TLS (from the start or after STARTTLS), and the framing of server
//! responses. A response is read whole (its line plus every `{N}` literal
//! and the lines that follow) into one buffer and handed to imap-proto's
//! parser; a line longer than [`MAX_LINE`] or a literal or response larger
//! than the limit is refused before it is read, so nothing a server sends
//! makes memory grow past that limit. Commands are tagged `A1`, `A2`, ….
//! Nothing this module writes or reports contains what a command carried
//! (a password goes in a command; errors name the command's verb only).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Arc;
use std::time::Duration;

use imap_proto::{Response, ResponseCode, Status};
use rustls::ClientConfig;

use super::tls::{self, TlsStream};
use crate::mimeview::quietly;

/// The longest line (outside literals) a server may send.
pub(crate) const MAX_LINE: usize = 1 << 20;

enum Stream {
    Plain(TcpStream),
    Tls(Box<TlsStream>),
}

impl Stream {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            Stream::Plain(s) => s.read(buf),
            Stream::Tls(s) => s.read(buf),
        }
    }
    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Stream::Plain(s) => s.write_all(buf).and_then(|_| s.flush()),
            Stream::Tls(s) => s.write_all(buf).and_then(|_| s.flush()),
        }
    }
}

/// How a command ended, when it did not end with OK.
pub(crate) fn failed(verb: &str, status: &Status, text: &str) -> io::Error {
    let word = match status {
        Status::No => "NO",
        Status::Bad => "BAD",
        Status::Bye => "BYE",
        _ => "an unexpected answer",
    };
    io::Error::other(format!("{verb}: the server answered {word}: {text}"))
}

/// A connection to one server.
pub(crate) struct Conn {
    stream: Option<Stream>,
    buf: Vec<u8>,
    pos: usize,
    tag: u32,
    timeout: Duration,
    /// The largest literal (and response) accepted.
    pub max_literal: usize,
    /// The last tagged OK carried `[READ-ONLY]`.
    pub last_read_only: bool,
    /// Why the connection was dropped (repeated by every later call).
    dead: Option<String>,
}

impl Conn {
    /// Connects to `host:port` (each address in turn, `timeout` for each)
    /// and sets the read and write timeouts.
    pub(crate) fn connect(host: &str, port: u16, timeout: Duration) -> io::Result<Conn> {
        let addrs = (host, port).to_socket_addrs()?;
        let mut last = io::Error::new(io::ErrorKind::NotFound, "no address for the host");
        for a in addrs {
            match TcpStream::connect_timeout(&a, timeout) {
                Ok(s) => {
                    s.set_read_timeout(Some(timeout))?;
                    s.set_write_timeout(Some(timeout))?;
                    let _ = s.set_nodelay(true);
                    return Ok(Conn {
                        stream: Some(Stream::Plain(s)),
                        buf: Vec::with_capacity(1 << 16),
                        pos: 0,
                        tag: 0,
                        timeout,
                        max_literal: 256 << 20,
                        last_read_only: false,
                        dead: None,
                    });
                }
                Err(e) => last = e,
            }
        }
        Err(self::timeout_text(last, timeout))
    }

    /// Starts TLS on the connection (`imaps://`, or after STARTTLS). Data
    /// the server sent before the handshake is an injection: refused.
    pub(crate) fn start_tls(&mut self, cfg: Arc<ClientConfig>, host: &str) -> io::Result<()> {
        if self.pos < self.buf.len() {
            return Err(io::Error::other(
                "the server sent data before the TLS handshake (refused)",
            ));
        }
        let Some(Stream::Plain(tcp)) = self.stream.take() else {
            return Err(io::Error::other("TLS is already on"));
        };
        let s = tls::handshake(cfg, host, tcp).map_err(|e| timeout_text(e, self.timeout))?;
        self.stream = Some(Stream::Tls(Box::new(s)));
        Ok(())
    }

    fn stream(&mut self) -> io::Result<&mut Stream> {
        let why = self.dead.clone();
        self.stream.as_mut().ok_or_else(|| {
            io::Error::other(match why {
                Some(w) => format!("the connection was dropped earlier: {w}"),
                None => "the connection is closed".to_string(),
            })
        })
    }

    /// True while the connection is up.
    pub(crate) fn alive(&self) -> bool {
        self.stream.is_some()
    }

    /// Drops the connection for `e`, which later calls repeat.
    fn kill(&mut self, e: io::Error) -> io::Error {
        self.stream = None;
        if self.dead.is_none() {
            self.dead = Some(e.to_string());
        }
        e
    }

    /// Reads more bytes into the buffer; Err on end of file or timeout.
    fn fill(&mut self) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let start = self.buf.len();
        self.buf.resize(start + (1 << 16), 0);
        let t = self.timeout;
        if let Err(e) = self.stream() {
            self.buf.truncate(start);
            return Err(e);
        }
        let n = match self.stream.as_mut() {
            Some(s) => s.read(&mut self.buf[start..]),
            None => Ok(0),
        };
        match n {
            Ok(0) => {
                self.buf.truncate(start);
                Err(self.kill(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    "the server closed the connection",
                )))
            }
            Ok(n) => {
                self.buf.truncate(start + n);
                Ok(())
            }
            Err(e) => {
                self.buf.truncate(start);
                Err(self.kill(timeout_text(e, t)))
            }
        }
    }

    /// Reads one whole response: its first line, and for each `{N}` that
    /// ends a line, N bytes of literal and the line after them (see
    /// [`frame`]).
    pub(crate) fn read_response(&mut self) -> io::Result<Vec<u8>> {
        loop {
            match frame(&self.buf[self.pos..], self.max_literal) {
                Ok(Some(n)) => {
                    let start = self.pos;
                    if start == 0 && n >= self.buf.len() / 2 {
                        // A large response (a message): handed over without
                        // copying it; the little after it is moved.
                        let rest = self.buf.split_off(n);
                        return Ok(std::mem::replace(&mut self.buf, rest));
                    }
                    // A small one (a summary line): copied out.
                    self.pos += n;
                    return Ok(self.buf[start..start + n].to_vec());
                }
                Ok(None) => self.fill()?,
                Err(e) => return Err(self.kill(e)),
            }
        }
    }

    /// Sends `A<n> <cmd>\r\n`; returns the tag.
    pub(crate) fn send(&mut self, cmd: &[u8]) -> io::Result<String> {
        self.tag += 1;
        let tag = format!("A{}", self.tag);
        let mut line = Vec::with_capacity(tag.len() + cmd.len() + 3);
        line.extend_from_slice(tag.as_bytes());
        line.push(b' ');
        line.extend_from_slice(cmd);
        line.extend_from_slice(b"\r\n");
        self.write_raw(&line)?;
        Ok(tag)
    }

    /// Writes bytes as they are (a literal's data, a SASL answer).
    pub(crate) fn write_raw(&mut self, b: &[u8]) -> io::Result<()> {
        let t = self.timeout;
        let r = self.stream()?.write_all(b);
        if let Err(e) = r {
            return Err(self.kill(timeout_text(e, t)));
        }
        Ok(())
    }

    /// Reads responses until the one tagged `tag`, handing each untagged
    /// one (parsed) to `each`. Ok when the command ended with OK; the
    /// error names `verb` and the server's text otherwise. A response the
    /// parser cannot read is skipped when it is untagged and not a FETCH
    /// (an extension we do not know), else an error.
    pub(crate) fn finish(
        &mut self,
        tag: &str,
        verb: &str,
        each: &mut dyn FnMut(Response<'_>) -> io::Result<()>,
    ) -> io::Result<String> {
        loop {
            let raw = self.read_response()?;
            match parse(&raw) {
                Some(Response::Done {
                    tag: t,
                    status,
                    outcome,
                }) => {
                    let text = outcome.information.as_deref().unwrap_or("").to_string();
                    if t.0 != tag {
                        return Err(self.kill(io::Error::other(format!(
                            "{verb}: the server answered a command that was not sent (connection dropped)"
                        ))));
                    }
                    self.last_read_only = matches!(outcome.code, Some(ResponseCode::ReadOnly));
                    return match status {
                        Status::Ok => Ok(text),
                        s => Err(failed(verb, &s, &text)),
                    };
                }
                Some(Response::Data {
                    status: Status::Bye,
                    outcome,
                }) => {
                    let text = outcome.information.as_deref().unwrap_or("").to_string();
                    return Err(self.kill(io::Error::other(format!(
                        "{verb}: the server closed the connection: {text}"
                    ))));
                }
                Some(r) => each(r)?,
                None => {
                    if !raw.starts_with(b"* ") || is_fetch(&raw) {
                        return Err(self.kill(io::Error::other(format!(
                            "{verb}: the server sent a response that is not IMAP: {} (connection dropped)",
                            excerpt(&raw)
                        ))));
                    }
                }
            }
        }
    }

    /// Sends `cmd` and waits for its end (untagged responses to `each`).
    pub(crate) fn run(
        &mut self,
        cmd: &[u8],
        each: &mut dyn FnMut(Response<'_>) -> io::Result<()>,
    ) -> io::Result<String> {
        let verb = verb_of(cmd);
        let tag = self.send(cmd)?;
        self.finish(&tag, &verb, each)
    }
}

/// The length of the response `buf` starts with: Some(n) when the first
/// `n` bytes are a whole response (a line, and after each line ending in a
/// literal announcement `{N}` the N bytes and the next line), None when
/// more must be read. Err when a line outside literals is longer than
/// [`MAX_LINE`], a literal larger than `max_literal` is announced, or the
/// response would pass twice that: refused before it is read.
pub(crate) fn frame(buf: &[u8], max_literal: usize) -> io::Result<Option<usize>> {
    let mut i = 0;
    loop {
        let Some(p) = memchr::memchr(b'\n', &buf[i..]) else {
            if buf.len() - i > MAX_LINE {
                return Err(overlong());
            }
            return Ok(None);
        };
        if p >= MAX_LINE {
            return Err(overlong());
        }
        let line_end = i + p + 1;
        let n = match literal_len(&buf[i..line_end]) {
            None => return Ok(Some(line_end)),
            Some(Some(n)) if n <= max_literal as u64 => n as usize,
            Some(_) => return Err(too_big(max_literal)),
        };
        if line_end + n > 2 * max_literal {
            return Err(too_big(max_literal));
        }
        if buf.len() < line_end + n {
            return Ok(None);
        }
        i = line_end + n;
    }
}

fn overlong() -> io::Error {
    io::Error::other(format!(
        "the server sent a line longer than {MAX_LINE} bytes (connection dropped)"
    ))
}

fn too_big(limit: usize) -> io::Error {
    io::Error::other(format!(
        "the server announced a literal larger than the limit of {limit} bytes (connection dropped)"
    ))
}

/// imap-proto's parser, with its panics turned into "not IMAP" (it
/// unwraps `INTERNALDATE NIL` and slices text by bytes: a server must not
/// be able to crash us; found by fuzz/fuzz_targets/imap_responses.rs).
pub(crate) fn parse(raw: &[u8]) -> Option<Response<'_>> {
    quietly(|| Response::parse(raw).ok().map(|(_, r)| r)).flatten()
}

/// The command's name (and UID prefix) for messages: never its arguments.
pub(crate) fn verb_of(cmd: &[u8]) -> String {
    let s = String::from_utf8_lossy(cmd);
    let mut w = s.split(' ');
    let first = w.next().unwrap_or("").to_ascii_uppercase();
    if first == "UID" {
        format!("UID {}", w.next().unwrap_or("").to_ascii_uppercase())
    } else {
        first
    }
}

/// `* <n> FETCH`: a FETCH response (which must parse).
fn is_fetch(raw: &[u8]) -> bool {
    let mut w = raw.split(|&b| b == b' ');
    w.next();
    w.next()
        .is_some_and(|n| !n.is_empty() && n.iter().all(u8::is_ascii_digit))
        && w.next()
            .is_some_and(|v| v.len() >= 5 && v[..5].eq_ignore_ascii_case(b"FETCH"))
}

/// The start of a bad response, printable, for an error message.
fn excerpt(raw: &[u8]) -> String {
    let line = raw.split(|&b| b == b'\n').next().unwrap_or(raw);
    let s: String = String::from_utf8_lossy(&line[..line.len().min(60)])
        .chars()
        .map(|c| if c.is_control() { '?' } else { c })
        .collect();
    format!("\"{}\"", s.trim_end_matches('?'))
}

/// `Some(Some(n))` when the line ends with a literal announcement `{n}`
/// (or `{n+}`), `Some(None)` when the number is too big, None otherwise.
fn literal_len(line: &[u8]) -> Option<Option<u64>> {
    let l = line.strip_suffix(b"\n")?;
    let l = l.strip_suffix(b"\r").unwrap_or(l);
    let l = l.strip_suffix(b"}")?;
    let open = memchr::memrchr(b'{', l)?;
    let digits = &l[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(std::str::from_utf8(digits).ok()?.parse::<u64>().ok())
}

/// A timeout in words; other errors as they are.
fn timeout_text(e: io::Error, t: Duration) -> io::Error {
    if matches!(
        e.kind(),
        io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
    ) {
        return io::Error::new(
            io::ErrorKind::TimedOut,
            format!("timed out (no answer within {} s)", t.as_secs_f64()),
        );
    }
    e
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literal_announcements() {
        assert_eq!(literal_len(b"* 1 FETCH (BODY[] {12}\r\n"), Some(Some(12)));
        assert_eq!(literal_len(b"x {3+}\r\n"), Some(Some(3)));
        assert_eq!(literal_len(b"x {99999999999999999999999}\r\n"), Some(None));
        assert_eq!(literal_len(b"x {}\r\n"), None);
        assert_eq!(literal_len(b"x {1a}\r\n"), None);
        assert_eq!(literal_len(b"x 12}\r\n"), None);
    }

    #[test]
    fn framing() {
        let r = b"* 1 FETCH (BODY[] {3}\r\nabc)\r\nA1 OK\r\n";
        assert_eq!(frame(r, 100).unwrap(), Some(r.len() - 7));
        assert_eq!(frame(&r[..20], 100).unwrap(), None);
        assert_eq!(frame(&r[..26], 100).unwrap(), None);
        assert!(frame(b"* 1 FETCH (BODY[] {101}\r\n", 100).is_err());
        assert!(frame(&vec![b'x'; MAX_LINE + 1], 100).is_err());
        assert_eq!(frame(b"", 100).unwrap(), None);
    }

    #[test]
    fn parser_panics_are_not_imap() {
        // fuzz/artifacts/imap_responses/crash-23bef9c5…: INTERNALDATE NIL.
        assert!(parse(b"* 1 FETCH (UID 1 INTERNALDATE NIL)\r\n").is_none());
        assert!(parse(b"* 1 FETCH (UID 1)\r\n").is_some());
    }

    #[test]
    fn verbs_never_carry_arguments() {
        assert_eq!(verb_of(b"LOGIN bob hunter2"), "LOGIN");
        assert_eq!(verb_of(b"uid fetch 1:* (FLAGS)"), "UID FETCH");
        assert!(is_fetch(b"* 12 FETCH (x"));
        assert!(!is_fetch(b"* OK x"));
    }
}
