//! IMAP folder names: `imap://[user@]host[:port][/folder]` (STARTTLS,
//! port 143) and `imaps://…` (TLS from the first byte, port 993). The
//! folder defaults to `INBOX`; `%XX` escapes in the user and folder are
//! decoded. A password in the URL (`user:pass@`) is accepted, as for
//! `smtp://`, and never shown: [`ImapUrl::display`] leaves it out.

use crate::util::percent_decode;
use std::net::IpAddr;

/// A parsed IMAP folder name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ImapUrl {
    /// `imaps://`: TLS from the start.
    pub tls: bool,
    pub user: Option<String>,
    pub password: Option<String>,
    pub host: String,
    pub port: u16,
    /// The mailbox on the server (`INBOX` when the URL names none).
    pub mailbox: String,
}

/// True if `name` is an IMAP folder name (the scheme, any case).
pub(crate) fn is_imap(name: &str) -> bool {
    let l = name.len().min(8);
    let head = name[..l].to_ascii_lowercase();
    head.starts_with("imap://") || head.starts_with("imaps://")
}

#[cfg_attr(not(feature = "imap"), allow(dead_code))]
impl ImapUrl {
    /// Parses an `imap://` or `imaps://` name; Err says what is wrong.
    pub(crate) fn parse(name: &str) -> Result<ImapUrl, String> {
        let bad = |why: &str| Err(format!("bad IMAP folder name \"{}\": {why}", shown(name)));
        let (tls, rest) = match name.find("://") {
            Some(p) if name[..p].eq_ignore_ascii_case("imap") => (false, &name[p + 3..]),
            Some(p) if name[..p].eq_ignore_ascii_case("imaps") => (true, &name[p + 3..]),
            _ => return bad("not imap:// or imaps://"),
        };
        let (auth, path) = match rest.find('/') {
            Some(p) => (&rest[..p], &rest[p + 1..]),
            None => (rest, ""),
        };
        let (userinfo, hostport) = match auth.rfind('@') {
            Some(p) => (Some(&auth[..p]), &auth[p + 1..]),
            None => (None, auth),
        };
        let (user, password) = match userinfo {
            None => (None, None),
            Some(u) => match u.find(':') {
                Some(c) => (
                    Some(percent_decode(&u[..c])),
                    Some(percent_decode(&u[c + 1..])),
                ),
                None => (Some(percent_decode(u)), None),
            },
        };
        if user.as_deref() == Some("") {
            return bad("empty user name");
        }
        let (host, port) = if let Some(h) = hostport.strip_prefix('[') {
            // [v6 address]:port
            let Some(end) = h.find(']') else {
                return bad("unclosed [");
            };
            let port = match h[end + 1..].strip_prefix(':') {
                Some(p) => Some(p),
                None if h.len() == end + 1 => None,
                None => return bad("junk after ]"),
            };
            (h[..end].to_string(), port)
        } else {
            match hostport.rfind(':') {
                Some(c) => (hostport[..c].to_string(), Some(&hostport[c + 1..])),
                None => (hostport.to_string(), None),
            }
        };
        if host.is_empty() {
            return bad("no host");
        }
        let port = match port {
            None => {
                if tls {
                    993
                } else {
                    143
                }
            }
            Some(p) => match p.parse::<u16>() {
                Ok(n) if n > 0 => n,
                _ => return bad("bad port"),
            },
        };
        let mailbox = percent_decode(path.trim_end_matches('/'));
        let mailbox = if mailbox.is_empty() || mailbox.eq_ignore_ascii_case("inbox") {
            "INBOX".to_string()
        } else {
            mailbox
        };
        Ok(ImapUrl {
            tls,
            user,
            password,
            host,
            port,
            mailbox,
        })
    }

    /// The folder as shown to the user: no password.
    pub(crate) fn display(&self) -> String {
        let scheme = if self.tls { "imaps" } else { "imap" };
        let user = self
            .user
            .as_ref()
            .map(|u| format!("{u}@"))
            .unwrap_or_default();
        let host = if self.host.contains(':') {
            format!("[{}]", self.host)
        } else {
            self.host.clone()
        };
        let default = if self.tls { 993 } else { 143 };
        let port = if self.port == default {
            String::new()
        } else {
            format!(":{}", self.port)
        };
        format!("{scheme}://{user}{host}{port}/{}", self.mailbox)
    }

    /// True when the server is this machine (`localhost`, 127/8, ::1):
    /// plain text may go there without STARTTLS.
    pub(crate) fn is_loopback(&self) -> bool {
        self.host.eq_ignore_ascii_case("localhost")
            || self.host.parse::<IpAddr>().is_ok_and(|a| a.is_loopback())
    }
}

/// `name` with any `user:password@` password replaced, for messages.
pub(crate) fn shown(name: &str) -> String {
    if let Some(i) = name.find("://") {
        let rest = &name[i + 3..];
        let end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@')
            && let Some(c) = rest[..at].find(':')
        {
            return format!("{}{}:<secret>{}", &name[..i + 3], &rest[..c], &rest[at..]);
        }
    }
    name.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_forms() {
        let u = ImapUrl::parse("imap://bob@mail.example:1143/Lists/rust").unwrap();
        assert_eq!(
            (
                u.tls,
                u.user.as_deref(),
                u.host.as_str(),
                u.port,
                u.mailbox.as_str()
            ),
            (false, Some("bob"), "mail.example", 1143, "Lists/rust")
        );
        let u = ImapUrl::parse("IMAPS://mail.example").unwrap();
        assert_eq!(
            (u.tls, u.port, u.mailbox.as_str(), u.user),
            (true, 993, "INBOX", None)
        );
        let u = ImapUrl::parse("imap://a%40b:p%3Aw@[::1]:99/inbox").unwrap();
        assert_eq!(u.user.as_deref(), Some("a@b"));
        assert_eq!(u.password.as_deref(), Some("p:w"));
        assert_eq!(
            (u.host.as_str(), u.port, u.mailbox.as_str()),
            ("::1", 99, "INBOX")
        );
        assert!(u.is_loopback());
        assert_eq!(u.display(), "imap://a@b@[::1]:99/INBOX");
        assert!(!u.display().contains("p:w"));
        for bad in [
            "imap://",
            "imap://h:0/",
            "imap://h:x",
            "imap://@h",
            "pop://h",
            "imap://[::1",
        ] {
            assert!(ImapUrl::parse(bad).is_err(), "{bad}");
        }
        let e = ImapUrl::parse("imap://u:hunter2@h:bad").unwrap_err();
        assert!(!e.contains("hunter2"), "{e}");
        assert!(is_imap("IMAP://x") && is_imap("imaps://x") && !is_imap("/imap://x"));
    }
}
