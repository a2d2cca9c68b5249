//! One IMAP connection: TCP with connect, read and write timeouts, plain
//! or TLS (from the start or after STARTTLS), and the framing of server
//! responses. A response is read whole (its line plus every `{N}` literal
//! and the lines that follow) into one buffer and handed to imap-proto's
//! parser; a line longer than [`MAX_LINE`] or a literal larger than
//! [`MAX_LITERAL`] (a response larger than twice that) is refused before
//! it is read, so nothing a server sends makes memory grow past that
//! limit. The one exception is a message's text: while a [`Spool`] is set
//! ([`Conn::set_spool`], for the UID FETCH of BODY.PEEK[]), a literal
//! larger than its threshold goes to the spool file as it arrives, and the
//! parser sees an empty literal in its place. Commands are tagged `A1`, `A2`, ….
//! Nothing this module writes or reports contains what a command carried
//! (a password goes in a command; errors name the command's verb only).

use std::io::{self, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::ops::Range;
use std::sync::Arc;
use std::time::Duration;

use imap_proto::{MailboxDatum, Response, ResponseCode, Status};
use rustls::ClientConfig;

use super::spool::Spool;
use super::tls::{self, TlsStream};
use crate::mimeview::quietly;

/// The longest line (outside literals) a server may send.
pub(crate) const MAX_LINE: usize = 1 << 20;

/// The largest literal held in memory (a header block of the summary, a
/// folder name, a message text while no spool is set).
pub(crate) const MAX_LITERAL: usize = 16 << 20;

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
    /// Literals over this many bytes go to the spool (see [`Conn::set_spool`]).
    spool: Option<(usize, Spool)>,
    /// The last `* N EXISTS` the server sent, and how many `* N EXPUNGE`:
    /// what it told of the selected mailbox, whatever the command.
    pub exists: Option<u32>,
    pub expunges: u64,
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
                        max_literal: MAX_LITERAL,
                        last_read_only: false,
                        dead: None,
                        spool: None,
                        exists: None,
                        expunges: 0,
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

    /// From now on, literals larger than `over` bytes are written to
    /// `spool` as they arrive (None: every literal in memory, up to the
    /// limit).
    pub(crate) fn set_spool(&mut self, spool: Option<(usize, Spool)>) {
        self.spool = spool;
    }

    /// Reads one whole response: its first line, and for each `{N}` that
    /// ends a line, N bytes of literal and the line after them (see
    /// [`frame`]); a literal to be spooled is written to the spool and
    /// replaced by `{0}`.
    pub(crate) fn read_response(&mut self) -> io::Result<Vec<u8>> {
        loop {
            let over = self.spool.as_ref().map(|s| s.0);
            match frame_at(&self.buf[self.pos..], self.max_literal, over) {
                Ok(Frame::Spill { brace, data, len }) => {
                    let Some((over, spool)) = self.spool.take() else {
                        continue;
                    };
                    let r = self.spill(&spool, brace, data, len);
                    self.spool = Some((over, spool));
                    if let Err(e) = r {
                        return Err(self.kill(e));
                    }
                }
                Ok(Frame::More) => self.fill()?,
                Ok(Frame::Whole(n)) => {
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
                Err(e) => return Err(self.kill(e)),
            }
        }
    }

    /// Writes the literal of `len` bytes announced by `{N}` at `brace` (of
    /// the response at `pos`) and starting at `data` to `spool`, reading
    /// the rest of it from the server; the announcement becomes `{0}` and
    /// the literal leaves the buffer. A connection that ends or goes quiet
    /// before the last byte is an error.
    fn spill(
        &mut self,
        spool: &Spool,
        brace: Range<usize>,
        data: usize,
        len: u64,
    ) -> io::Result<()> {
        if self.pos > 0 {
            self.buf.drain(..self.pos);
            self.pos = 0;
        }
        let shrink = brace.len() - 3;
        self.buf.splice(brace, b"{0}".iter().copied());
        let data = data - shrink;
        let disk = |e: io::Error| {
            io::Error::new(
                e.kind(),
                format!("cannot write a message to its temporary file: {e} (connection dropped)"),
            )
        };
        spool.begin().map_err(disk)?;
        let mut left = len;
        loop {
            let k = (self.buf.len() - data).min(usize::try_from(left).unwrap_or(usize::MAX));
            spool.write(&self.buf[data..data + k]).map_err(disk)?;
            self.buf.drain(data..data + k);
            left -= k as u64;
            if left == 0 {
                break;
            }
            self.fill()?;
        }
        spool.end().map_err(disk)
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
                Some(r) => {
                    match &r {
                        Response::MailboxData(MailboxDatum::Exists(n)) => self.exists = Some(*n),
                        Response::Expunge(_) => self.expunges += 1,
                        _ => {}
                    }
                    each(r)?
                }
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
    Ok(match frame_at(buf, max_literal, None)? {
        Frame::Whole(n) => Some(n),
        _ => None,
    })
}

/// What [`frame_at`] found.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Frame {
    /// A whole response of this many bytes.
    Whole(usize),
    /// More must be read.
    More,
    /// A literal of `len` bytes to be spooled: announced by the `{N}` at
    /// `brace`, its data from `data` on.
    Spill {
        brace: Range<usize>,
        data: usize,
        len: u64,
    },
}

/// [`frame`], where a literal larger than `spill_over` (when Some) is
/// handed back to be spooled, whatever its size.
pub(crate) fn frame_at(
    buf: &[u8],
    max_literal: usize,
    spill_over: Option<usize>,
) -> io::Result<Frame> {
    let mut i = 0;
    loop {
        let Some(p) = memchr::memchr(b'\n', &buf[i..]) else {
            if buf.len() - i > MAX_LINE {
                return Err(overlong());
            }
            return Ok(Frame::More);
        };
        if p >= MAX_LINE {
            return Err(overlong());
        }
        let line_end = i + p + 1;
        let n = match literal_len(&buf[i..line_end]) {
            None => return Ok(Frame::Whole(line_end)),
            Some((Some(n), open)) if spill_over.is_some_and(|o| n > o as u64) => {
                let close = line_end - if buf[line_end - 2] == b'\r' { 3 } else { 2 };
                return Ok(Frame::Spill {
                    brace: i + open..close + 1,
                    data: line_end,
                    len: n,
                });
            }
            Some((Some(n), _)) if n <= max_literal as u64 => n as usize,
            Some(_) => return Err(too_big(max_literal)),
        };
        if line_end + n > 2 * max_literal {
            return Err(too_big(max_literal));
        }
        if buf.len() < line_end + n {
            return Ok(Frame::More);
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

/// `Some((Some(n), at))` when the line ends with a literal announcement
/// `{n}` (or `{n+}`) whose `{` is at `at`, `Some((None, at))` when the
/// number is too big, None otherwise.
fn literal_len(line: &[u8]) -> Option<(Option<u64>, usize)> {
    let l = line.strip_suffix(b"\n")?;
    let l = l.strip_suffix(b"\r").unwrap_or(l);
    let l = l.strip_suffix(b"}")?;
    let open = memchr::memrchr(b'{', l)?;
    let digits = &l[open + 1..];
    let digits = digits.strip_suffix(b"+").unwrap_or(digits);
    if digits.is_empty() || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some((std::str::from_utf8(digits).ok()?.parse::<u64>().ok(), open))
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
        assert_eq!(
            literal_len(b"* 1 FETCH (BODY[] {12}\r\n"),
            Some((Some(12), 18))
        );
        assert_eq!(literal_len(b"x {3+}\r\n"), Some((Some(3), 2)));
        assert_eq!(
            literal_len(b"x {99999999999999999999999}\r\n"),
            Some((None, 2))
        );
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
    fn large_literals_are_handed_back_for_the_spool() {
        let r = b"* 1 FETCH (UID 7 BODY[] {3000000000}\r\nabc";
        assert_eq!(
            frame_at(r, 100, Some(10)).unwrap(),
            Frame::Spill {
                brace: 24..36,
                data: 38,
                len: 3_000_000_000
            }
        );
        assert_eq!(&r[24..36], b"{3000000000}");
        // Without a spool (or under the threshold) the limit holds.
        assert!(frame_at(r, 100, None).is_err());
        let small = b"* 1 FETCH (UID 7 BODY[] {3}\nabc)\r\n";
        assert_eq!(
            frame_at(small, 100, Some(10)).unwrap(),
            Frame::Whole(small.len())
        );
        let lf = b"x {11}\n";
        assert_eq!(
            frame_at(lf, 100, Some(10)).unwrap(),
            Frame::Spill {
                brace: 2..6,
                data: 7,
                len: 11
            }
        );
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
