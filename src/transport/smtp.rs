//! Built-in SMTP submission (RFC 5321), used instead of the sendmail program
//! when the `smtp` variable (or `sendmail=smtp://…`) is set.
//!
//! The dialogue is driven step by step over lettre's `SmtpConnection`, so each
//! failure can name its stage and every rejected recipient is reported:
//! greeting and EHLO, STARTTLS (whenever offered; required by
//! `smtp-use-starttls`; `smtps://` is TLS from the first byte), AUTH PLAIN or
//! LOGIN through lettre, or XOAUTH2/OAUTHBEARER with an OAuth2 token
//! (oauth.rs; one retry with a fresh token from the password command), the
//! user from `smtp-auth-user` and the secret from `secrets`, MAIL FROM,
//! one RCPT TO per To/Cc/Bcc recipient, DATA. The message is the finished
//! message's header text without its Bcc: field, plus From:/Date:/Message-ID:
//! when missing (a local sendmail adds those; an SMTP relay need not), then
//! the body; LF becomes CRLF here and lettre's codec dot-stuffs. Every connect
//! and every reply waits at most `smtp-timeout` seconds (default 60).
//!
//! Variables: `smtp`, `sendmail` (URL form), `smtp-use-starttls`,
//! `smtp-auth-user`, `smtp-auth-password`, `smtp-auth-password-command`,
//! `smtp-auth` (`plain`/`login`/`xoauth2`/`oauthbearer`),
//! `smtp-ca-file` (extra PEM roots to trust), `smtp-timeout`, `netrc-lookup`,
//! `hostname` (EHLO name and domain for bare local names).

// Without the `smtp` feature only `Target` and the error-returning `send`
// are used.
#![cfg_attr(not(feature = "smtp"), allow(dead_code))]

use super::Message;
use crate::names::{self, Name};
use crate::secrets::{self, Login, Query};
use crate::session::Session;
use crate::sys::localtime_now;
use crate::util::percent_decode;
use crate::vars;

/// Where to submit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Target {
    pub host: String,
    pub port: u16,
    /// `smtps://`: TLS from the start (port 465 by default).
    pub implicit_tls: bool,
    /// `smtp://user[:password]@host` (percent-decoded).
    pub user: Option<String>,
    pub password: Option<String>,
}

impl Target {
    /// Parses `host[:port]`, `smtp://host[:port]` or `smtps://host[:port]`,
    /// with optional `user[:password]@` and an IPv6 `[addr]`. `url_only`:
    /// the scheme is required (the `sendmail` variable).
    pub(crate) fn parse(v: &str, url_only: bool) -> Result<Target, String> {
        // The value may hold a password: messages show it as <secret>.
        let bad = |why: &str| {
            format!(
                "SMTP: bad server \"{}\": {why}",
                vars::shown_value("smtp", v)
            )
        };
        let t = v.trim();
        let lower = t.to_ascii_lowercase();
        let (implicit_tls, rest) = if lower.starts_with("smtps://") {
            (true, &t[8..])
        } else if lower.starts_with("smtp://") {
            (false, &t[7..])
        } else if url_only || t.contains("://") {
            return Err(bad("only smtp:// and smtps:// are supported"));
        } else {
            (false, t)
        };
        let rest = rest.strip_suffix('/').unwrap_or(rest);
        let (userinfo, hostport) = match rest.rsplit_once('@') {
            Some((u, h)) => (Some(u), h),
            None => (None, rest),
        };
        let (user, password) = match userinfo {
            Some(u) => {
                let (n, p) = match u.split_once(':') {
                    Some((n, p)) => (n, Some(percent_decode(p))),
                    None => (u, None),
                };
                (Some(percent_decode(n)), p)
            }
            None => (None, None),
        };
        let (host, port) = if let Some(r) = hostport.strip_prefix('[') {
            let (h, after) = r.split_once(']').ok_or_else(|| bad("unclosed ["))?;
            (h, after.strip_prefix(':'))
        } else {
            match hostport.rsplit_once(':') {
                Some((h, p)) => (h, Some(p)),
                None => (hostport, None),
            }
        };
        if host.is_empty() || host.contains(['/', '?', '#', ' ']) {
            return Err(bad("no host name"));
        }
        let port = match port {
            Some(p) => p
                .parse::<u16>()
                .ok()
                .filter(|&n| n != 0)
                .ok_or_else(|| bad("the port is not a number from 1 to 65535"))?,
            None if implicit_tls => 465,
            None => 25,
        };
        Ok(Target {
            host: host.to_string(),
            port,
            implicit_tls,
            user,
            password,
        })
    }

    /// `host:port` (IPv6 in brackets) for messages.
    pub(crate) fn display(&self) -> String {
        if self.host.contains(':') {
            format!("[{}]:{}", self.host, self.port)
        } else {
            format!("{}:{}", self.host, self.port)
        }
    }

    fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self
                .host
                .parse::<std::net::IpAddr>()
                .is_ok_and(|a| a.is_loopback())
    }
}

/// The host name: the `hostname` variable, else the kernel's node name.
pub(crate) fn hostname(s: &Session) -> String {
    if let Some(h) = s.vars.nonempty("hostname") {
        return h.to_string();
    }
    let u = rustix::system::uname();
    let n = u.nodename().to_string_lossy();
    if n.is_empty() {
        "localhost".to_string()
    } else {
        n.into_owned()
    }
}

/// A bare address for the envelope: skinned, `\name` unescaped, a local
/// name qualified with `@host`.
fn envelope_address(name: &str, host: &str) -> String {
    let a = names::skin(name);
    let a = a.strip_prefix('\\').unwrap_or(&a).trim().to_string();
    if a.contains('@') || a.is_empty() {
        a
    } else {
        format!("{a}@{host}")
    }
}

/// The envelope sender: the message's `from` (skinned, qualified), else
/// login@host.
pub(crate) fn envelope_from(s: &Session, msg: &Message, host: &str) -> String {
    match &msg.from {
        Some(f) => envelope_address(f, host),
        None => format!("{}@{}", s.myname, host),
    }
}

/// The envelope recipients: every To/Cc/Bcc name, bare and qualified, once each.
pub(crate) fn envelope_recipients(to: &[Name], host: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for n in to {
        let a = envelope_address(&n.name, host);
        if !a.is_empty() && !out.iter().any(|x| x.eq_ignore_ascii_case(&a)) {
            out.push(a);
        }
    }
    out
}

fn header_is(line: &str, field: &str) -> bool {
    line.split_once(':')
        .map(|(n, _)| n.trim_end_matches([' ', '\t']).eq_ignore_ascii_case(field))
        .unwrap_or(false)
}

/// An RFC 5322 date for now, in local time with its offset.
pub(crate) fn rfc5322_date() -> String {
    const DAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let tm = localtime_now();
    let off = tm.tm_gmtoff / 60;
    let (sign, off) = if off < 0 { ('-', -off) } else { ('+', off) };
    format!(
        "{}, {} {} {} {:02}:{:02}:{:02} {}{:02}{:02}",
        DAYS[tm.tm_wday.rem_euclid(7) as usize],
        tm.tm_mday,
        MONTHS[tm.tm_mon.rem_euclid(12) as usize],
        tm.tm_year + 1900,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        sign,
        off / 60,
        off % 60
    )
}

/// A new, unique Message-ID: `<time.pid.random@host>`.
pub(crate) fn message_id(host: &str) -> String {
    use std::io::Read;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap_or_default();
    let mut rnd = [0u8; 8];
    let got = std::fs::File::open("/dev/urandom").and_then(|mut f| f.read_exact(&mut rnd));
    let r = match got {
        Ok(()) => u64::from_le_bytes(rnd),
        Err(_) => u64::from(now.subsec_nanos()).wrapping_mul(0x9E37_79B9_7F4A_7C15),
    };
    let host: String = host
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || "-.".contains(*c))
        .collect();
    let host = if host.is_empty() {
        "localhost".into()
    } else {
        host
    };
    format!(
        "<{}.{}.{:016x}@{}>",
        now.as_secs(),
        std::process::id(),
        r,
        host
    )
}

/// A header block without its `Bcc:` fields (each with its continuation
/// lines), and without the blank line that ends it.
fn without_bcc(head: &str) -> String {
    let mut out = String::with_capacity(head.len());
    let mut in_bcc = false;
    for line in head.split_inclusive('\n') {
        if line == "\n" {
            break;
        }
        if !line.starts_with([' ', '\t']) {
            in_bcc = header_is(line, "Bcc");
        }
        if !in_bcc {
            out.push_str(line);
        }
    }
    out
}

/// The header for the DATA phase: the finished message's header text
/// without Bcc:, with From:, Date: and Message-ID: added when missing. LF
/// line ends; ends with the blank line.
pub(crate) fn smtp_header(s: &Session, head: &str, host: &str) -> String {
    let head = without_bcc(head);
    let has = |f: &str| head.lines().any(|l| header_is(l, f));
    let mut add = String::new();
    if !has("From") {
        add.push_str(&format!("From: {}@{}\n", s.myname, host));
    }
    if !has("Date") {
        add.push_str(&format!("Date: {}\n", rfc5322_date()));
    }
    if !has("Message-ID") {
        add.push_str(&format!("Message-ID: {}\n", message_id(host)));
    }
    let mut out = add;
    out.push_str(&head);
    out.push('\n');
    out
}

/// Converts LF line ends to CRLF (a CR already before an LF is kept). The
/// final CRLF is left off: the DATA terminator `CRLF . CRLF` supplies it.
pub(crate) fn to_crlf_for_data(data: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(data.len() + data.len() / 32 + 8);
    let mut prev = 0u8;
    for &b in data {
        if b == b'\n' && prev != b'\r' {
            out.push(b'\r');
        }
        out.push(b);
        prev = b;
    }
    if out.ends_with(b"\r\n") {
        out.truncate(out.len() - 2);
    }
    out
}

/// The login to use, if any (see `secrets` for the order): the user is
/// `smtp-auth-user` or the URL's; with no user, `~/.netrc` when
/// `netrc-lookup` is set.
fn credentials(s: &Session, t: &Target) -> Result<Option<Login>, String> {
    let user = s
        .vars
        .nonempty("smtp-auth-user")
        .map(str::to_string)
        .or_else(|| t.user.clone());
    let q = Query {
        service: "smtp",
        host: &t.host,
        user: user.as_deref(),
        url_password: t.password.as_deref(),
    };
    secrets::lookup(s, &q).map_err(|e| format!("SMTP AUTH at {}: {e}", t.display()))
}

/// Sends the message over SMTP. Err holds one line per failure (without the
/// `Can't send mail: ` prefix).
#[cfg(not(feature = "smtp"))]
pub(crate) fn send(_s: &Session, t: &Target, _msg: &Message) -> Result<(), Vec<String>> {
    Err(vec![format!(
        "SMTP to {}: this mailx was built without SMTP support (cargo feature \"smtp\")",
        t.display()
    )])
}

#[cfg(feature = "smtp")]
use crate::outln;
#[cfg(feature = "smtp")]
pub(crate) use client::send;

#[cfg(feature = "smtp")]
mod client {
    use super::*;
    use crate::secrets::Source;
    use crate::transport::oauth::{self, Failure, TokenMech};
    use crate::{expand, output, util};
    use lettre::Address;
    use lettre::transport::smtp::Error as SmtpError;
    use lettre::transport::smtp::authentication::{Credentials, Mechanism};
    use lettre::transport::smtp::client::{Certificate, SmtpConnection, TlsParameters};
    use lettre::transport::smtp::commands::{Data, Mail, Rcpt};
    use lettre::transport::smtp::extension::{
        ClientId, Extension, MailBodyParameter, MailParameter,
    };
    use std::time::Duration;

    /// `smtp-timeout` in seconds (fractions allowed), default 60.
    fn timeout(s: &Session) -> Duration {
        s.vars
            .nonempty("smtp-timeout")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| v.is_finite() && *v > 0.0)
            .map(Duration::from_secs_f64)
            .unwrap_or(Duration::from_secs(60))
    }

    /// A readable reason for a lettre error: the server's reply for a
    /// negative reply, libc's text for a system error, "timed out" for a timeout.
    fn reason(e: &SmtpError, limit: Duration) -> String {
        if let Some(code) = e.status() {
            let msg = std::error::Error::source(e)
                .map(|m| m.to_string())
                .unwrap_or_default();
            return format!("{code} {msg}").trim_end().to_string();
        }
        let mut src: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
        let mut last = None;
        while let Some(err) = src {
            if let Some(io) = err.downcast_ref::<std::io::Error>() {
                if matches!(
                    io.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) {
                    return format!("timed out (no answer within {} s)", limit.as_secs_f64());
                }
                if io.raw_os_error().is_some() {
                    return util::strerror(io);
                }
            }
            last = Some(err.to_string());
            src = err.source();
        }
        match last {
            Some(l) if l == "incomplete response" => {
                "the server closed the connection without a reply".to_string()
            }
            Some(l) if e.is_tls() => format!("TLS: {l}"),
            Some(l) => l,
            None => e.to_string(),
        }
    }

    fn tls_parameters(s: &Session, t: &Target) -> Result<TlsParameters, String> {
        let mut b = TlsParameters::builder(t.host.clone());
        if let Some(path) = s.vars.nonempty("smtp-ca-file") {
            let path = expand::expand_quiet(s, path).unwrap_or_else(|_| path.to_string());
            let pem = std::fs::read(&path)
                .map_err(|e| format!("SMTP smtp-ca-file {path}: {}", util::strerror(&e)))?;
            let cert = Certificate::from_pem(&pem)
                .map_err(|_| format!("SMTP smtp-ca-file {path}: no PEM certificate in it"))?;
            b = b.add_root_certificate(cert);
        }
        b.build_rustls()
            .map_err(|e| format!("SMTP TLS set-up for {}: {e}", t.display()))
    }

    /// How to log in: a SASL mechanism lettre speaks with a password, or an
    /// OAuth2 token mechanism (oauth.rs).
    pub(super) enum AuthKind {
        Password(Vec<Mechanism>),
        Token(TokenMech),
    }

    fn auth_kind(s: &Session) -> Result<AuthKind, String> {
        match s.vars.nonempty("smtp-auth").map(|v| v.to_ascii_lowercase()) {
            None => Ok(AuthKind::Password(vec![Mechanism::Plain, Mechanism::Login])),
            Some(m) if m == "plain" => Ok(AuthKind::Password(vec![Mechanism::Plain])),
            Some(m) if m == "login" => Ok(AuthKind::Password(vec![Mechanism::Login])),
            Some(m) if m == "xoauth2" => Ok(AuthKind::Token(TokenMech::Xoauth2)),
            Some(m) if m == "oauthbearer" => Ok(AuthKind::Token(TokenMech::OAuthBearer)),
            Some(m) => Err(format!(
                "SMTP: smtp-auth \"{m}\" is not supported (plain, login, xoauth2 or oauthbearer)"
            )),
        }
    }

    fn parse_address(a: &str, what: &str) -> Result<Address, String> {
        a.parse::<Address>()
            .map_err(|e| format!("SMTP: {what} \"{a}\" is not a valid address: {e}"))
    }

    /// Sends the message over SMTP. Err holds one line per failure (without
    /// the `Can't send mail: ` prefix); the caller saves dead.letter.
    pub(crate) fn send(s: &Session, t: &Target, msg: &Message) -> Result<(), Vec<String>> {
        let one = |m: String| vec![m];
        let host = hostname(s);
        let server = t.display();
        let limit = timeout(s);

        // Everything that can fail without the network first.
        let from = envelope_from(s, msg, &host);
        let from_addr = parse_address(&from, "sender").map_err(one)?;
        let rcpts = envelope_recipients(&msg.recipients, &host);
        if rcpts.is_empty() {
            return Err(one("SMTP: no recipients".into()));
        }
        let rcpt_addrs = rcpts
            .iter()
            .map(|r| parse_address(r, "recipient"))
            .collect::<Result<Vec<_>, _>>()
            .map_err(one)?;
        let creds = credentials(s, t).map_err(one)?;
        let kind = auth_kind(s).map_err(one)?;
        if let (AuthKind::Token(m), None) = (&kind, &creds) {
            return Err(one(format!(
                "SMTP AUTH {m} at {server}: no user (set smtp-auth-user)"
            )));
        }
        let mut raw = smtp_header(s, &msg.head, &host).into_bytes();
        msg.body
            .write_to(&mut raw)
            .map_err(|e| one(format!("SMTP: reading the message: {}", util::strerror(&e))))?;
        let data = to_crlf_for_data(&raw);
        drop(raw);
        let tls = if t.implicit_tls {
            Some(tls_parameters(s, t).map_err(one)?)
        } else {
            None
        };

        let hello = match host.parse::<std::net::IpAddr>() {
            Ok(std::net::IpAddr::V4(a)) => ClientId::Ipv4(a),
            Ok(std::net::IpAddr::V6(a)) => ClientId::Ipv6(a),
            Err(_) => ClientId::Domain(host.clone()),
        };
        output::flush();
        let mut conn = SmtpConnection::connect(
            (t.host.as_str(), t.port),
            Some(limit),
            &hello,
            tls.as_ref(),
            None,
        )
        .map_err(|e| one(format!("SMTP connect to {server}: {}", reason(&e, limit))))?;

        // From here on, any failure closes the connection (QUIT when possible).
        let r = dialogue(
            &mut conn, s, t, &hello, creds, &kind, from_addr, rcpt_addrs, &data, limit,
        );
        match r {
            Ok(reply) => {
                let _ = conn.quit();
                if s.is_set("verbose") {
                    outln!("SMTP {server}: {reply}");
                }
                Ok(())
            }
            Err(lines) => {
                conn.abort();
                Err(lines)
            }
        }
    }

    /// AUTH PLAIN or LOGIN through lettre.
    fn password_auth(
        conn: &mut SmtpConnection,
        s: &Session,
        t: &Target,
        mechs: &[Mechanism],
        login: Login,
        limit: Duration,
    ) -> Result<(), Vec<String>> {
        let server = t.display();
        let info = conn.server_info();
        let Some(mech) = info.get_auth_mechanism(mechs) else {
            let names: Vec<String> = mechs.iter().map(|m| m.to_string()).collect();
            return Err(vec![format!(
                "SMTP AUTH at {server}: the server offers no AUTH {}",
                names.join(" or ")
            )]);
        };
        let user = login.user;
        if s.is_set("verbose") {
            outln!(
                "SMTP {server}: AUTH {mech} as \"{user}\" {} (from {})",
                login.secret,
                login.source.describe("smtp")
            );
        }
        let creds = Credentials::new(user.clone(), login.secret.expose().to_string());
        conn.auth(&[mech], &creds).map(|_| ()).map_err(|e| {
            vec![format!(
                "SMTP AUTH as \"{user}\" at {server}: {}",
                reason(&e, limit)
            )]
        })
    }

    /// AUTH XOAUTH2 or OAUTHBEARER; a rejected token is replaced once by a
    /// fresh one from `smtp-auth-password-command`, when the token came
    /// from it.
    fn token_auth(
        conn: &mut SmtpConnection,
        s: &Session,
        t: &Target,
        mech: TokenMech,
        login: Login,
        limit: Duration,
    ) -> Result<(), Vec<String>> {
        let server = t.display();
        let one = |m: String| vec![m];
        let verbose = s.is_set("verbose");
        if mech == TokenMech::Xoauth2
            && !conn
                .server_info()
                .supports_feature(Extension::Authentication(Mechanism::Xoauth2))
        {
            return Err(one(format!(
                "SMTP AUTH at {server}: the server offers no AUTH XOAUTH2"
            )));
        }
        let user = login.user;
        let mut token = login.secret;
        let mut source = login.source;
        let mut retried = false;
        loop {
            if verbose {
                outln!(
                    "SMTP {server}: AUTH {mech} as \"{user}\" {token} (from {})",
                    source.describe("smtp")
                );
            }
            let what = format!("SMTP AUTH {mech} as \"{user}\" at {server}");
            match oauth::attempt(conn, mech, &user, &token, &t.host, t.port) {
                Ok(()) => return Ok(()),
                Err(Failure::Rejected(_, challenge)) if !retried && source == Source::Command => {
                    if verbose {
                        outln!(
                            "SMTP {server}: token refused{}; running smtp-auth-password-command again",
                            challenge.map(|c| format!(" ({c})")).unwrap_or_default()
                        );
                    }
                    token = secrets::run_command(s, "smtp", &t.host, &user)
                        .map_err(|e| one(format!("{what}: {e}")))?;
                    source = Source::Command;
                    retried = true;
                }
                Err(Failure::Rejected(e, challenge)) => {
                    let said = challenge.map(|c| format!(" ({c})")).unwrap_or_default();
                    let again = if retried {
                        " again, with a fresh token"
                    } else {
                        ""
                    };
                    return Err(one(format!(
                        "{what}: the server refused the token{again}: {}{said}",
                        reason(&e, limit)
                    )));
                }
                Err(Failure::Other(e)) => {
                    return Err(one(format!("{what}: {}", reason(&e, limit))));
                }
                Err(Failure::Unexpected(r)) => {
                    return Err(one(format!("{what}: unexpected reply {r}")));
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn dialogue(
        conn: &mut SmtpConnection,
        s: &Session,
        t: &Target,
        hello: &ClientId,
        creds: Option<Login>,
        kind: &AuthKind,
        from: Address,
        rcpts: Vec<Address>,
        data: &[u8],
        limit: Duration,
    ) -> Result<String, Vec<String>> {
        let one = |m: String| vec![m];
        let server = t.display();
        let fail = |stage: &str, e: SmtpError| {
            one(format!("SMTP {stage} at {server}: {}", reason(&e, limit)))
        };

        if conn.can_starttls() {
            let p = tls_parameters(s, t).map_err(one)?;
            conn.starttls(&p, hello).map_err(|e| fail("STARTTLS", e))?;
        } else if !conn.is_encrypted() && s.is_set("smtp-use-starttls") {
            return Err(one(format!(
                "SMTP STARTTLS at {server}: the server does not offer STARTTLS (smtp-use-starttls is set)"
            )));
        }

        if let Some(login) = creds {
            if !conn.is_encrypted() && !t.is_loopback() {
                return Err(one(format!(
                    "SMTP AUTH at {server}: refusing to send the password over an unencrypted connection (the server does not offer STARTTLS)"
                )));
            }
            match kind {
                AuthKind::Password(mechs) => password_auth(conn, s, t, mechs, login, limit)?,
                AuthKind::Token(mech) => token_auth(conn, s, t, *mech, login, limit)?,
            }
        }

        let info = conn.server_info();
        let mut params = Vec::new();
        let non_ascii_addr =
            !from.to_string().is_ascii() || rcpts.iter().any(|r| !r.to_string().is_ascii());
        if non_ascii_addr {
            if !info.supports_feature(Extension::SmtpUtfEight) {
                return Err(one(format!(
                    "SMTP MAIL FROM at {server}: an address is not ASCII and the server does not offer SMTPUTF8"
                )));
            }
            params.push(MailParameter::SmtpUtfEight);
        }
        // 8-bit text goes out as it is; BODY=8BITMIME is declared when offered.
        if !data.is_ascii() && info.supports_feature(Extension::EightBitMime) {
            params.push(MailParameter::Body(MailBodyParameter::EightBitMime));
        }
        conn.command(Mail::new(Some(from.clone()), params))
            .map_err(|e| fail(&format!("MAIL FROM:<{from}>"), e))?;

        // Every recipient is tried, so all rejections are reported together;
        // one rejection fails the whole send (nothing is half-delivered).
        let mut rejected = Vec::new();
        for r in rcpts {
            if let Err(e) = conn.command(Rcpt::new(r.clone(), vec![])) {
                if e.status().is_none() {
                    return Err(fail(&format!("RCPT TO:<{r}>"), e));
                }
                rejected.push(format!(
                    "SMTP RCPT TO:<{r}> at {server}: {}",
                    reason(&e, limit)
                ));
            }
        }
        if !rejected.is_empty() {
            return Err(rejected);
        }

        conn.command(Data).map_err(|e| fail("DATA", e))?;
        let reply = conn
            .message(data)
            .map_err(|e| fail("end of DATA (message refused)", e))?;
        let text: Vec<&str> = reply.message().collect();
        Ok(format!("{} {}", reply.code(), text.join(" ")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::names::Kind;
    use crate::transport::Content;
    use std::io::{self, Write};

    struct Empty;
    impl Content for Empty {
        fn write_to(&self, _w: &mut dyn Write) -> io::Result<()> {
            Ok(())
        }
    }

    fn msg(from: Option<&str>) -> Message<'static> {
        Message {
            from: from.map(str::to_string),
            recipients: Vec::new(),
            head: String::new(),
            body: &Empty,
        }
    }

    #[test]
    fn parse_targets() {
        let t = Target::parse("smtp://u%40x:p%3Aw@[::1]:2525", false).unwrap();
        assert_eq!(t.host, "::1");
        assert_eq!(t.port, 2525);
        assert_eq!(t.user.as_deref(), Some("u@x"));
        assert_eq!(t.password.as_deref(), Some("p:w"));
        assert_eq!(t.display(), "[::1]:2525");
        let t = Target::parse("mail.example.org", false).unwrap();
        assert_eq!((t.port, t.implicit_tls), (25, false));
        let t = Target::parse("SMTPS://mail.example.org/", false).unwrap();
        assert_eq!((t.port, t.implicit_tls), (465, true));
        assert!(Target::parse("mail.example.org", true).is_err());
        assert!(Target::parse("imap://x", false).is_err());
        assert!(Target::parse("x:0", false).is_err());
        assert!(Target::parse("smtp://", false).is_err());
        let e = Target::parse("smtp://u:pw-in-url@h:0", false).unwrap_err();
        assert!(
            e.contains("smtp://u:<secret>@h:0") && !e.contains("pw-in-url"),
            "{e}"
        );
    }

    #[test]
    fn envelope() {
        let s = Session::new("alice".into(), None);
        assert_eq!(
            envelope_from(&s, &msg(None), "h.example"),
            "alice@h.example"
        );
        let m = msg(Some("Bob Smith <bob>"));
        assert_eq!(envelope_from(&s, &m, "h.example"), "bob@h.example");
        let m = msg(Some("bob@x.org (Bob)"));
        assert_eq!(envelope_from(&s, &m, "h.example"), "bob@x.org");
        let to = vec![
            Name::new("Carol <carol@x.org>", Kind::To),
            Name::new("dave", Kind::Cc),
            Name::new("CAROL@x.org", Kind::Bcc),
            Name::new("erin@y.org", Kind::Bcc),
        ];
        assert_eq!(
            envelope_recipients(&to, "h"),
            ["carol@x.org", "dave@h", "erin@y.org"]
        );
    }

    #[test]
    fn header_drops_bcc_and_adds_missing_fields() {
        let s = Session::new("alice".into(), None);
        // A Bcc: folded over three lines, and one given with -a.
        let head = "From: Alice <a@x>\nTo: b@x\nSubject: S\n\
                    Bcc: secret@x, =?UTF-8?B?SsO2cmc=?=\n <j@x>,\n    more@x\n\
                    BCC : other@x\nDate: Mon, 1 Jan 2024 00:00:00 +0000\n\
                    MIME-Version: 1.0\n\n";
        let out = smtp_header(&s, head, "h.example");
        // No Bcc field (the Message-ID's random hex may contain "bcc").
        assert!(
            !out.lines()
                .any(|l| l.to_ascii_lowercase().trim_start().starts_with("bcc")),
            "{out}"
        );
        assert!(!out.contains("secret") && !out.contains("j@x") && !out.contains("more"));
        assert!(out.starts_with("Message-ID: <"), "{out}");
        assert!(out.contains("@h.example>\n"));
        assert_eq!(out.matches("Date:").count(), 1);
        assert!(
            out.ends_with(
                "From: Alice <a@x>\nTo: b@x\nSubject: S\n\
                 Date: Mon, 1 Jan 2024 00:00:00 +0000\nMIME-Version: 1.0\n\n"
            ),
            "{out}"
        );
        let s2 = Session::new("zed".into(), None);
        let out = smtp_header(&s2, "MIME-Version: 1.0\n\n", "h");
        assert!(out.starts_with("From: zed@h\nDate: "), "{out}");
        assert!(out.ends_with("\nMIME-Version: 1.0\n\n"), "{out}");
    }

    #[test]
    fn date_shape() {
        let d = rfc5322_date();
        // "Fri, 27 Nov 2026 10:41:13 +0000"
        let parts: Vec<&str> = d.split(' ').collect();
        assert_eq!(parts.len(), 6, "{d}");
        assert!(parts[0].ends_with(','));
        assert_eq!(parts[5].len(), 5);
    }

    #[test]
    fn crlf_conversion() {
        assert_eq!(to_crlf_for_data(b"a\nb\r\n.\n"), b"a\r\nb\r\n.");
        assert_eq!(to_crlf_for_data(b"H: v\n\n"), b"H: v\r\n");
        assert_eq!(to_crlf_for_data(b"no newline"), b"no newline");
    }
}
