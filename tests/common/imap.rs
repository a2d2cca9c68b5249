//! The one fake IMAP server of the tests: a thread on a random port that
//! takes one connection and speaks enough IMAP4rev1 for a read-mode
//! session (CAPABILITY, LOGIN, AUTHENTICATE PLAIN, SELECT, UID FETCH of
//! summaries and of BODY.PEEK[], UID STORE, UID SEARCH DELETED, EXPUNGE,
//! UID EXPUNGE, NOOP, UID COPY, LIST,
//! APPEND, LOGOUT) over plain text or TLS (`imaps://`, [`make_certs`]
//! makes a CA and a certificate with the openssl command), with the faults Dovecot will not
//! produce ([`Fault`]). It records every line the client sent and returns
//! the mailbox as it was left ([`Ended`]).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use data_encoding::BASE64;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::{ServerConfig, ServerConnection, StreamOwned};

/// The one password the fake server takes (user `tester`).
pub const PASSWORD: &str = "s3cret-pw";

/// The one OAuth2 token the fake server takes (XOAUTH2, OAUTHBEARER).
pub const GOOD_TOKEN: &str = "good-token";

/// What the server does wrong.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    None,
    /// The summary FETCH answer is not IMAP.
    MalformedFetch,
    /// A message's literal is announced 100 bytes longer than sent, and
    /// then the server stays silent.
    ShortLiteral,
    /// The server answers nothing after SELECT.
    StopAfterSelect,
    /// Message 1 is 2 GiB ([`GIANT`] bytes: its header, then generated
    /// lines, see [`giant_line`]), sent as it is generated.
    GiantLiteral,
    /// A message's literal is announced as 4 MiB; 2 MiB are sent, then
    /// the server stays silent.
    StopMidLiteral,
    /// As `StopMidLiteral`, but the server closes the connection.
    CloseMidLiteral,
    /// The summary FETCH announces a 2 GiB header literal (nothing more is
    /// sent): only a message's text may be that large.
    GiantHeaderLiteral,
    /// The greeting is garbage.
    BadGreeting,
    /// Not a fault: a new message arrives just before the first NOOP.
    NewMailAtNoop,
    /// Not a fault: another client marked message 1 \Deleted.
    ForeignDeleted,
    /// Not a fault: a new message arrives while message text is fetched,
    /// and the server says so (`* N EXISTS`) before the fetch's OK.
    NewMailAtFetch,
    /// Not a fault: the server does not offer UIDPLUS (no UID EXPUNGE).
    NoUidplus,
}

/// The size of the message of [`Fault::GiantLiteral`]: 2 GiB.
pub const GIANT: u64 = 1 << 31;

/// The header of the message of [`Fault::GiantLiteral`]: 128 bytes, so
/// that the body is whole lines.
pub const GIANT_HEADER: &[u8] = b"Return-Path: <big@example.test>\r\nFrom: big@example.test\r\nSubject: giant\r\nX-Pad: 12345678901234567890123456789012345678901234\r\n\r\n";

/// Line `i` of the giant message's body: 128 bytes with its CRLF
/// (`line 0000000042 ` and a letter).
pub fn giant_line(i: u64) -> [u8; 128] {
    let mut l = [b'a' + (i % 26) as u8; 128];
    l[..5].copy_from_slice(b"line ");
    let mut n = i;
    for k in (5..15).rev() {
        l[k] = b'0' + (n % 10) as u8;
        n /= 10;
    }
    l[15] = b' ';
    l[126] = b'\r';
    l[127] = b'\n';
    l
}

/// The giant message's body (after [`GIANT_HEADER`]) from byte `from`
/// on, `n` bytes.
fn giant_body(from: u64, n: usize, out: &mut Vec<u8>) {
    let mut pos = from;
    while out.len() < n {
        let l = giant_line(pos / 128);
        let k = ((pos % 128) as usize..128).len().min(n - out.len());
        let at = (pos % 128) as usize;
        out.extend_from_slice(&l[at..at + k]);
        pos += k as u64;
    }
}

/// One message on the server.
#[derive(Clone, Debug)]
pub struct Msg {
    pub uid: u32,
    pub flags: Vec<String>,
    /// CRLF line ends.
    pub raw: Vec<u8>,
    /// Another mailbox's name when it was copied there.
    pub mailbox: String,
}

/// How a session ended.
pub struct Ended {
    /// Every line the client sent (literals and SASL answers included).
    pub lines: Vec<String>,
    /// The messages left, in every mailbox.
    pub msgs: Vec<Msg>,
}

impl Ended {
    /// Lines sent that start with a command (after the tag) `verb`.
    pub fn commands(&self, verb: &str) -> Vec<String> {
        self.lines
            .iter()
            .filter(|l| {
                l.split_once(' ')
                    .is_some_and(|(_, r)| r.to_ascii_uppercase().starts_with(verb))
            })
            .cloned()
            .collect()
    }
    /// The flags of `uid` in INBOX (None when it is gone).
    pub fn flags(&self, uid: u32) -> Option<Vec<String>> {
        self.msgs
            .iter()
            .find(|m| m.uid == uid && m.mailbox == "INBOX")
            .map(|m| m.flags.clone())
    }
}

pub struct FakeImap {
    pub addr: SocketAddr,
    handle: thread::JoinHandle<Ended>,
}

/// A test message: `From:`, `Subject:`, a body of `n` lines.
pub fn message(from: &str, subject: &str, n: usize) -> Vec<u8> {
    let mut s = format!(
        "Return-Path: <{from}>\r\nFrom: {from}\r\nTo: tester@example.test\r\nSubject: {subject}\r\nDate: Mon, 1 Jan 2024 10:00:00 +0000\r\n\r\n"
    );
    for i in 0..n {
        s.push_str(&format!("line {i} of {subject}\r\n"));
    }
    s.into_bytes()
}

impl FakeImap {
    /// Starts on 127.0.0.1 with INBOX holding `msgs` (UIDs 1, 2, …).
    pub fn start(msgs: Vec<Vec<u8>>, starttls: bool, fault: Fault) -> FakeImap {
        Self::start_on("127.0.0.1:0".parse().unwrap(), msgs, starttls, fault)
    }

    /// Starts on `bind`.
    pub fn start_on(
        bind: SocketAddr,
        msgs: Vec<Vec<u8>>,
        starttls: bool,
        fault: Fault,
    ) -> FakeImap {
        let l = TcpListener::bind(bind).unwrap();
        let addr = l.local_addr().unwrap();
        let msgs = numbered(msgs);
        let mut msgs = msgs;
        if fault == Fault::ForeignDeleted {
            msgs[0].flags.push("\\Deleted".into());
        }
        let handle = thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            serve(s, msgs, starttls, fault)
        });
        FakeImap { addr, handle }
    }

    /// Starts an `imaps://` server on 127.0.0.1 (TLS from the first byte)
    /// with the certificate chain and key of the PEM files.
    pub fn start_tls(msgs: Vec<Vec<u8>>, cert: &Path, key: &Path) -> FakeImap {
        let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        let key = PrivateKeyDer::from_pem_file(key).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let cfg = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        let cfg = Arc::new(cfg);
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let msgs = numbered(msgs);
        let handle = thread::spawn(move || {
            let (s, _) = l.accept().unwrap();
            s.set_read_timeout(Some(Duration::from_secs(60))).unwrap();
            let conn = ServerConnection::new(cfg).unwrap();
            serve(StreamOwned::new(conn, s), msgs, false, Fault::None)
        });
        FakeImap { addr, handle }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// Waits for the session to end.
    pub fn ended(self) -> Ended {
        self.handle.join().unwrap()
    }
}

fn numbered(msgs: Vec<Vec<u8>>) -> Vec<Msg> {
    msgs.into_iter()
        .enumerate()
        .map(|(i, raw)| Msg {
            uid: i as u32 + 1,
            flags: Vec::new(),
            raw,
            mailbox: "INBOX".into(),
        })
        .collect()
}

/// A test CA and a server certificate it signed for `names` (openssl
/// subjectAltName syntax, e.g. `DNS:localhost,IP:127.0.0.1`), made with
/// the openssl command in `dir`: (ca.pem, cert.pem, key.pem).
pub fn make_certs(dir: &Path, names: &str) -> (PathBuf, PathBuf, PathBuf) {
    let run = |args: &[&str]| {
        let o = Command::new("openssl")
            .args(args)
            .current_dir(dir)
            .output()
            .expect("run openssl");
        assert!(
            o.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    };
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let mut a = vec!["req", "-x509"];
    a.extend(ec);
    a.extend([
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=mailx test CA",
    ]);
    run(&a);
    let mut a = vec!["req"];
    a.extend(ec);
    a.extend([
        "-keyout",
        "key.pem",
        "-out",
        "srv.csr",
        "-subj",
        "/CN=mailx test server",
    ]);
    run(&a);
    std::fs::write(
        dir.join("ext.cnf"),
        format!("basicConstraints=CA:FALSE\nsubjectAltName={names}\nextendedKeyUsage=serverAuth\n"),
    )
    .unwrap();
    run(&[
        "x509",
        "-req",
        "-in",
        "srv.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "cert.pem",
        "-days",
        "2",
        "-extfile",
        "ext.cnf",
    ]);
    (
        dir.join("ca.pem"),
        dir.join("cert.pem"),
        dir.join("key.pem"),
    )
}

fn uid_range(spec: &str, max: u32) -> (u32, u32) {
    let spec = spec.split(',').next().unwrap_or("");
    match spec.split_once(':') {
        Some((a, b)) => {
            let a: u32 = a.parse().unwrap_or(1);
            let b: u32 = if b == "*" {
                max.max(a)
            } else {
                b.parse().unwrap_or(a)
            };
            (a, b)
        }
        None => {
            let a: u32 = spec.parse().unwrap_or(0);
            (a, a)
        }
    }
}

fn in_set(spec: &str, uid: u32) -> bool {
    spec.split(',').any(|p| match p.split_once(':') {
        Some((a, b)) => {
            let a: u32 = a.parse().unwrap_or(u32::MAX);
            let b: u32 = if b == "*" {
                u32::MAX
            } else {
                b.parse().unwrap_or(0)
            };
            (a..=b).contains(&uid)
        }
        None => p.parse() == Ok(uid),
    })
}

fn header_of(raw: &[u8]) -> &[u8] {
    let end = raw
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .map_or(raw.len(), |p| p + 4);
    &raw[..end]
}

/// Writes to the stream under the reader.
struct W<'a, S: Read + Write>(&'a mut BufReader<S>);

impl<S: Read + Write> W<'_, S> {
    fn write_all(&mut self, b: &[u8]) -> std::io::Result<()> {
        let s = self.0.get_mut();
        s.write_all(b)?;
        s.flush()
    }
}

fn serve<S: Read + Write>(s: S, mut msgs: Vec<Msg>, starttls: bool, fault: Fault) -> Ended {
    let mut r = BufReader::new(s);
    let mut lines = Vec::new();
    let caps = match (starttls, fault == Fault::NoUidplus) {
        (true, false) => "IMAP4rev1 STARTTLS AUTH=PLAIN UIDPLUS",
        (false, false) => "IMAP4rev1 AUTH=PLAIN UIDPLUS",
        (true, true) => "IMAP4rev1 STARTTLS AUTH=PLAIN",
        (false, true) => "IMAP4rev1 AUTH=PLAIN",
    };
    if fault == Fault::BadGreeting {
        let _ = W(&mut r).write_all(b"220 smtp.example.test ESMTP\r\n");
    } else {
        let _ = W(&mut r).write_all(format!("* OK [CAPABILITY {caps}] fake ready\r\n").as_bytes());
    }
    let mut silent = false;
    loop {
        let mut line = String::new();
        match r.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let line = line.trim_end().to_string();
        lines.push(line.clone());
        if silent {
            continue;
        }
        let (tag, rest) = line.split_once(' ').unwrap_or((&line, ""));
        let up = rest.to_ascii_uppercase();
        let mut out: Vec<u8> = Vec::new();
        let max = msgs.iter().map(|m| m.uid).max().unwrap_or(0);
        let inbox: Vec<usize> = (0..msgs.len())
            .filter(|&i| msgs[i].mailbox == "INBOX")
            .collect();
        if up.starts_with("CAPABILITY") {
            out.extend(format!("* CAPABILITY {caps}\r\n{tag} OK done\r\n").bytes());
        } else if up.starts_with("LOGIN") {
            if rest == format!("LOGIN \"tester\" \"{PASSWORD}\"") {
                out.extend(format!("{tag} OK logged in\r\n").bytes());
            } else {
                out.extend(format!("{tag} NO [AUTHENTICATIONFAILED] wrong\r\n").bytes());
            }
        } else if up.starts_with("AUTHENTICATE PLAIN") {
            let _ = W(&mut r).write_all(b"+ \r\n");
            let mut a = String::new();
            let _ = r.read_line(&mut a);
            lines.push(a.trim_end().to_string());
            let got = BASE64.decode(a.trim_end().as_bytes()).unwrap_or_default();
            if got == format!("\0tester\0{PASSWORD}").as_bytes() {
                out.extend(format!("{tag} OK authenticated\r\n").bytes());
            } else {
                out.extend(format!("{tag} NO [AUTHENTICATIONFAILED] wrong\r\n").bytes());
            }
        } else if up.starts_with("AUTHENTICATE XOAUTH2")
            || up.starts_with("AUTHENTICATE OAUTHBEARER")
        {
            let _ = W(&mut r).write_all(b"+ \r\n");
            let mut a = String::new();
            let _ = r.read_line(&mut a);
            lines.push(a.trim_end().to_string());
            let got = String::from_utf8_lossy(
                &BASE64.decode(a.trim_end().as_bytes()).unwrap_or_default(),
            )
            .into_owned();
            let good = if up.contains("XOAUTH2") {
                got == format!("user=tester\x01auth=Bearer {GOOD_TOKEN}\x01\x01")
            } else {
                got.starts_with("n,a=tester,\x01host=127.0.0.1\x01port=")
                    && got.ends_with(&format!("\x01auth=Bearer {GOOD_TOKEN}\x01\x01"))
            };
            if good {
                out.extend(format!("{tag} OK authenticated\r\n").bytes());
            } else {
                // RFC 7628's error challenge; the client's answer is recorded.
                let json = BASE64.encode(br#"{"status":"invalid_token"}"#);
                let _ = W(&mut r).write_all(format!("+ {json}\r\n").as_bytes());
                let mut ack = String::new();
                let _ = r.read_line(&mut ack);
                lines.push(format!("ack:{}", ack.trim_end()));
                out.extend(format!("{tag} NO [AUTHENTICATIONFAILED] invalid token\r\n").bytes());
            }
        } else if up.starts_with("SELECT") || up.starts_with("EXAMINE") {
            out.extend(
                format!(
                    "* {} EXISTS\r\n* 0 RECENT\r\n* OK [UIDVALIDITY 42] ok\r\n* OK [UIDNEXT {}] ok\r\n{tag} OK [READ-WRITE] selected\r\n",
                    inbox.len(),
                    max + 1
                )
                .bytes(),
            );
            if fault == Fault::StopAfterSelect {
                let _ = W(&mut r).write_all(&out);
                silent = true;
                continue;
            }
        } else if up.starts_with("UID FETCH") {
            let args: Vec<&str> = rest.splitn(4, ' ').collect();
            let (a, b) = uid_range(args.get(2).unwrap_or(&""), max);
            let body = up.contains("BODY.PEEK[]") || up.contains("BODY[]");
            let set_seen = up.contains("BODY[]");
            for (seq, &i) in inbox.iter().enumerate() {
                let m = &mut msgs[i];
                if m.uid < a || m.uid > b {
                    continue;
                }
                if body {
                    if set_seen && !m.flags.iter().any(|f| f == "\\Seen") {
                        m.flags.push("\\Seen".into());
                    }
                    match fault {
                        Fault::ShortLiteral => {
                            out.extend(
                                format!(
                                    "* {} FETCH (UID {} BODY[] {{{}}}\r\n",
                                    seq + 1,
                                    m.uid,
                                    m.raw.len() + 100
                                )
                                .bytes(),
                            );
                            out.extend_from_slice(&m.raw);
                            let _ = W(&mut r).write_all(&out);
                            silent = true;
                            out.clear();
                            break;
                        }
                        Fault::GiantLiteral if m.uid == 1 => {
                            out.extend(
                                format!(
                                    "* {} FETCH (UID {} BODY[] {{{GIANT}}}\r\n",
                                    seq + 1,
                                    m.uid
                                )
                                .bytes(),
                            );
                            out.extend_from_slice(GIANT_HEADER);
                            let body = GIANT - GIANT_HEADER.len() as u64;
                            let mut sent = 0u64;
                            let mut chunk = Vec::with_capacity(1 << 20);
                            while sent < body {
                                chunk.clear();
                                giant_body(sent, (body - sent).min(1 << 20) as usize, &mut chunk);
                                sent += chunk.len() as u64;
                                if W(&mut r).write_all(&out).is_err()
                                    || W(&mut r).write_all(&chunk).is_err()
                                {
                                    break;
                                }
                                out.clear();
                            }
                            out.clear();
                            out.extend(b")\r\n");
                            continue;
                        }
                        Fault::StopMidLiteral | Fault::CloseMidLiteral => {
                            out.extend(
                                format!(
                                    "* {} FETCH (UID {} BODY[] {{{}}}\r\n",
                                    seq + 1,
                                    m.uid,
                                    4 << 20
                                )
                                .bytes(),
                            );
                            out.extend_from_slice(&m.raw);
                            out.resize(2 << 20, b'x');
                            let _ = W(&mut r).write_all(&out);
                            out.clear();
                            if fault == Fault::CloseMidLiteral {
                                return Ended { lines, msgs };
                            }
                            silent = true;
                            break;
                        }
                        _ => {}
                    }
                    out.extend(
                        format!(
                            "* {} FETCH (UID {} BODY[] {{{}}}\r\n",
                            seq + 1,
                            m.uid,
                            m.raw.len()
                        )
                        .bytes(),
                    );
                    out.extend_from_slice(&m.raw);
                    out.extend(b")\r\n");
                } else if fault == Fault::GiantHeaderLiteral {
                    out.extend(
                        format!(
                            "* {} FETCH (UID {} FLAGS () BODY[HEADER.FIELDS (FROM SUBJECT)] {{{GIANT}}}\r\n",
                            seq + 1,
                            m.uid
                        )
                        .bytes(),
                    );
                    let _ = W(&mut r).write_all(&out);
                    out.clear();
                    silent = true;
                    break;
                } else if fault == Fault::MalformedFetch {
                    out.extend(
                        format!("* {} FETCH (UID {} FLAGS ((( garbage\r\n", seq + 1, m.uid).bytes(),
                    );
                } else {
                    let h = header_of(&m.raw);
                    out.extend(
                        format!(
                            "* {} FETCH (UID {} FLAGS ({}) RFC822.SIZE {} INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" BODY[HEADER.FIELDS (FROM SUBJECT)] {{{}}}\r\n",
                            seq + 1,
                            m.uid,
                            m.flags.join(" "),
                            if fault == Fault::GiantLiteral && m.uid == 1 {
                                GIANT
                            } else {
                                m.raw.len() as u64
                            },
                            h.len()
                        )
                        .bytes(),
                    );
                    out.extend_from_slice(h);
                    out.extend(b")\r\n");
                }
            }
            if silent {
                continue;
            }
            if fault == Fault::NewMailAtFetch && body && !msgs.iter().any(|m| m.uid > 3) {
                msgs.push(Msg {
                    uid: max + 1,
                    flags: vec!["\\Recent".into()],
                    raw: message("dave@example.test", "late arrival", 1),
                    mailbox: "INBOX".into(),
                });
                out.extend(format!("* {} EXISTS\r\n", inbox.len() + 1).bytes());
            }
            out.extend(format!("{tag} OK fetched\r\n").bytes());
        } else if up.starts_with("UID STORE") {
            let args: Vec<&str> = rest.splitn(5, ' ').collect();
            let set = args.get(2).copied().unwrap_or("");
            let op = args.get(3).copied().unwrap_or("");
            let flags: Vec<String> = args
                .get(4)
                .unwrap_or(&"")
                .trim_matches(|c| c == '(' || c == ')')
                .split(' ')
                .filter(|f| !f.is_empty())
                .map(str::to_string)
                .collect();
            for m in msgs
                .iter_mut()
                .filter(|m| m.mailbox == "INBOX" && in_set(set, m.uid))
            {
                for f in &flags {
                    if op.starts_with('+') && !m.flags.contains(f) {
                        m.flags.push(f.clone());
                    } else if op.starts_with('-') {
                        m.flags.retain(|x| x != f);
                    }
                }
            }
            out.extend(format!("{tag} OK stored\r\n").bytes());
        } else if up.starts_with("UID SEARCH DELETED") {
            let found: Vec<String> = msgs
                .iter()
                .filter(|m| m.mailbox == "INBOX" && m.flags.iter().any(|f| f == "\\Deleted"))
                .map(|m| m.uid.to_string())
                .collect();
            out.extend(format!("* SEARCH {}\r\n{tag} OK searched\r\n", found.join(" ")).bytes());
        } else if up.starts_with("UID EXPUNGE") && fault == Fault::NoUidplus {
            out.extend(format!("{tag} BAD no UIDPLUS here\r\n").bytes());
        } else if up.starts_with("UID EXPUNGE") || up.starts_with("EXPUNGE") {
            let set = rest.split(' ').nth(2).unwrap_or("1:*").to_string();
            let gone = |m: &Msg| {
                m.mailbox == "INBOX"
                    && in_set(&set, m.uid)
                    && m.flags.iter().any(|f| f == "\\Deleted")
            };
            let mut seq = 0;
            let mut kept = Vec::new();
            for m in msgs.drain(..) {
                if m.mailbox == "INBOX" {
                    seq += 1;
                }
                if gone(&m) {
                    out.extend(format!("* {seq} EXPUNGE\r\n").bytes());
                    seq -= 1;
                } else {
                    kept.push(m);
                }
            }
            msgs = kept;
            out.extend(format!("{tag} OK expunged\r\n").bytes());
        } else if up.starts_with("UID COPY") {
            let args: Vec<&str> = rest.splitn(4, ' ').collect();
            let set = args.get(2).copied().unwrap_or("");
            let to = args.get(3).unwrap_or(&"").trim_matches('"').to_string();
            let copies: Vec<Msg> = msgs
                .iter()
                .filter(|m| m.mailbox == "INBOX" && in_set(set, m.uid))
                .map(|m| Msg {
                    mailbox: to.clone(),
                    ..m.clone()
                })
                .collect();
            msgs.extend(copies);
            out.extend(format!("{tag} OK copied\r\n").bytes());
        } else if up.starts_with("APPEND") {
            let to = rest
                .split(' ')
                .nth(1)
                .unwrap_or("")
                .trim_matches('"')
                .to_string();
            let flags: Vec<String> = rest
                .split_once('(')
                .and_then(|(_, x)| x.split_once(')'))
                .map(|(f, _)| {
                    f.split(' ')
                        .filter(|x| !x.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default();
            let n: usize = rest
                .rsplit_once('{')
                .and_then(|(_, x)| x.trim_end_matches('}').parse().ok())
                .unwrap_or(0);
            let _ = W(&mut r).write_all(b"+ go ahead\r\n");
            let mut raw = vec![0; n];
            let _ = r.read_exact(&mut raw);
            let mut end = String::new();
            let _ = r.read_line(&mut end);
            lines.push(String::from_utf8_lossy(&raw).into_owned());
            msgs.push(Msg {
                uid: max + 1,
                flags,
                raw,
                mailbox: to,
            });
            out.extend(format!("{tag} OK appended\r\n").bytes());
        } else if up.starts_with("LIST") {
            out.extend(b"* LIST (\\HasChildren \\Noselect) \".\" Lists\r\n");
            out.extend(b"* LIST (\\HasNoChildren) \".\" Lists.rust\r\n");
            out.extend(b"* LIST (\\HasNoChildren) \".\" INBOX\r\n");
            out.extend(format!("{tag} OK listed\r\n").bytes());
        } else if up.starts_with("NOOP") {
            let mut n = inbox.len();
            if fault == Fault::NewMailAtNoop && !msgs.iter().any(|m| m.uid > 3) {
                msgs.push(Msg {
                    uid: max + 1,
                    flags: vec!["\\Recent".into()],
                    raw: message("dave@example.test", "late arrival", 1),
                    mailbox: "INBOX".into(),
                });
                n += 1;
            }
            out.extend(format!("* {n} EXISTS\r\n{tag} OK noop\r\n").bytes());
        } else if up.starts_with("LOGOUT") {
            out.extend(format!("* BYE bye\r\n{tag} OK logged out\r\n").bytes());
            let _ = W(&mut r).write_all(&out);
            break;
        } else {
            out.extend(format!("{tag} BAD unknown command\r\n").bytes());
        }
        let _ = W(&mut r).write_all(&out);
    }
    Ended { lines, msgs }
}

/// A session of ours against an IMAP server, in `t`: HOME `t/home` with a
/// ~/.netrc (0600) giving `login`/`password` for `host`, the start-up
/// file `t/rc` holding `rc`, a clean environment (user tester, C.UTF-8),
/// `t` the working directory, stdin/stdout/stderr piped; `args` given.
pub fn imap_session(
    t: &super::TempDir,
    host: &str,
    login: &str,
    password: &str,
    rc: &str,
    args: &[&str],
) -> Command {
    use std::os::unix::fs::PermissionsExt;
    use std::process::Stdio;
    let home = t.join("home");
    std::fs::create_dir_all(&home).unwrap();
    let netrc = home.join(".netrc");
    std::fs::write(
        &netrc,
        format!("machine {host} login {login} password {password}\n"),
    )
    .unwrap();
    std::fs::set_permissions(&netrc, std::fs::Permissions::from_mode(0o600)).unwrap();
    std::fs::write(t.join("rc"), rc).unwrap();
    let mut c = Command::new(super::ours());
    c.args(args)
        .env_clear()
        .env("HOME", &home)
        .env("USER", "tester")
        .env("LOGNAME", "tester")
        .env("PATH", "/usr/bin:/bin")
        .env("LANG", "C.UTF-8")
        .env("MAILRC", t.join("rc"))
        .current_dir(t.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    c
}
