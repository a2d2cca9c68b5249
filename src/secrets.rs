//! Where passwords and OAuth2 tokens come from, and how they are kept out of
//! sight. Used by SMTP (`service` "smtp") and IMAP (`service` "imap"), which
//! also share the OAuth2 initial responses ([`initial_response`]).
//!
//! For a server `host` and a login `user`, the secret is the first of:
//! 1. `<service>-auth-password-command`: run through `$SHELL -c` by
//!    `child::capture` (at most `smtp-timeout` seconds; the command gets
//!    `MAILX_HOST` and `MAILX_USER` in its environment, never a secret), its
//!    standard output with the final newline removed. It is run again for a
//!    fresh token when a server rejects an OAuth2 token ([`run_command`]).
//! 2. `<service>-auth-password`: a static password or token.
//! 3. the password of a `smtp://user:password@host` URL.
//! 4. `~/.netrc` (or `$NETRC`): the entry for `host` with login `user` (or
//!    with no login), else the `default` entry. A file that group or others
//!    can read is refused, as ftp(1) and s-nail refuse it.
//! 5. a prompt without echo on the terminal, when standard input is one.
//!
//! With no user known, only `~/.netrc` is asked (when `netrc-lookup` is
//! set), and it names the user too.
//!
//! A secret is held as a [`Secret`], whose `Debug` and `Display` print
//! `<secret>`; it is never put on a command line, in a child's environment,
//! in a message, or in dead.letter. `vars::is_secret_var` names the variables
//! whose values are secrets (`set` lists them as `<secret>`, and the line
//! editor's history may leave them out).
//!
//! The `~/.netrc` reader follows the format as GNU inetutils' ftp and curl
//! read it: tokens separated by white space, `"quoted tokens"` with `\`
//! escapes, `#` starting a comment to the end of the line (at the start of
//! a token), `machine NAME`, `default`, `login`, `password`, `account`, and
//! `macdef NAME` whose body runs to the next empty line and is never read as
//! tokens.
// Without SMTP and IMAP nothing logs in: the login parts are unused.
#![cfg_attr(not(any(feature = "smtp", feature = "imap")), allow(dead_code))]

use crate::child::{self, Exit};
use crate::session::Session;
use crate::term::lineedit::{Got, read_hidden};
use crate::{output, user, util};
use std::fmt;
use std::io::{BufRead, IsTerminal, Write};
use std::os::unix::fs::MetadataExt;
use std::time::Duration;

/// A password or token. Shown as `<secret>` by `{}` and `{:?}`.
#[derive(Clone, PartialEq, Eq)]
pub(crate) struct Secret(String);

impl Secret {
    #[cfg(test)]
    pub(crate) fn new(s: String) -> Secret {
        Secret(s)
    }

    /// The secret itself, for the one place that sends it.
    pub(crate) fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<secret>")
    }
}

/// Where a secret came from (for `-v` and for messages).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Command,
    Variable,
    Url,
    Netrc,
    Prompt,
}

impl Source {
    pub(crate) fn describe(self, service: &str) -> String {
        match self {
            Source::Command => format!("{service}-auth-password-command"),
            Source::Variable => format!("{service}-auth-password"),
            Source::Url => "the URL".to_string(),
            Source::Netrc => "~/.netrc".to_string(),
            Source::Prompt => "the terminal".to_string(),
        }
    }
}

/// A user with the secret to log in with.
#[derive(Debug, Clone)]
pub(crate) struct Login {
    pub user: String,
    pub secret: Secret,
    pub source: Source,
}

/// What to look up: the service (variable prefix), the server and, when
/// known, the user and a password given in the server's URL.
pub(crate) struct Query<'a> {
    pub service: &'a str,
    pub host: &'a str,
    pub user: Option<&'a str>,
    pub url_password: Option<&'a str>,
}

/// The seconds a password command may take: `smtp-timeout`, default 60.
fn command_timeout(s: &Session) -> Duration {
    s.vars
        .nonempty("smtp-timeout")
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|v| v.is_finite() && *v > 0.0)
        .map(Duration::from_secs_f64)
        .unwrap_or(Duration::from_secs(60))
}

/// The command variable's value, if set.
pub(crate) fn command(s: &Session, service: &str) -> Option<String> {
    s.vars
        .nonempty(&format!("{service}-auth-password-command"))
        .map(str::to_string)
}

/// Runs the password command for `host`/`user`: its stdout without the final
/// newline. A failure names the command's variable and how it ended, never
/// what it printed.
pub(crate) fn run_command(
    s: &Session,
    service: &str,
    host: &str,
    user: &str,
) -> Result<Secret, String> {
    let var = format!("{service}-auth-password-command");
    let Some(cmd) = command(s, service) else {
        return Err(format!("{var} is not set"));
    };
    let env = [("MAILX_HOST", host), ("MAILX_USER", user)];
    let limit = command_timeout(s);
    match child::capture(&s.shell(), &cmd, &env, limit) {
        Ok((out, Exit::Code(0))) => {
            let mut out = String::from_utf8(out)
                .map_err(|_| format!("{var}: the command's output is not UTF-8"))?;
            if out.ends_with('\n') {
                out.pop();
                if out.ends_with('\r') {
                    out.pop();
                }
            }
            if out.is_empty() {
                return Err(format!("{var}: the command printed nothing"));
            }
            Ok(Secret(out))
        }
        Ok((_, Exit::Code(n))) => Err(format!("{var}: the command exited with status {n}")),
        Ok((_, Exit::Signal(n))) => Err(format!("{var}: the command was killed by signal {n}")),
        Err(e) if e.kind() == std::io::ErrorKind::TimedOut => Err(format!(
            "{var}: the command did not finish within {} s (killed)",
            limit.as_secs_f64()
        )),
        Err(e) => Err(format!(
            "{var}: cannot run the command: {}",
            util::strerror(&e)
        )),
    }
}

/// Finds the login for a server, in the order the module documents.
/// Ok(None): no user is known (and `~/.netrc` gave none), so no login.
pub(crate) fn lookup(s: &Session, q: &Query<'_>) -> Result<Option<Login>, String> {
    let Some(user) = q.user else {
        if !s.is_set("netrc-lookup") {
            return Ok(None);
        }
        return Ok(netrc_credentials(s, q.host, None)?.map(|(u, p)| Login {
            user: u,
            secret: Secret(p),
            source: Source::Netrc,
        }));
    };
    let login = |secret: Secret, source: Source| {
        Ok(Some(Login {
            user: user.to_string(),
            secret,
            source,
        }))
    };
    if command(s, q.service).is_some() {
        return login(run_command(s, q.service, q.host, user)?, Source::Command);
    }
    if let Some(p) = s.vars.get(&format!("{}-auth-password", q.service)) {
        return login(Secret(p.to_string()), Source::Variable);
    }
    if let Some(p) = q.url_password {
        return login(Secret(p.to_string()), Source::Url);
    }
    if let Some((_, p)) = netrc_credentials(s, q.host, Some(user))? {
        return login(Secret(p), Source::Netrc);
    }
    if let Some(p) = prompt(&format!("Password for {user}@{}: ", q.host)) {
        return login(Secret(p), Source::Prompt);
    }
    Err(format!(
        "no password for \"{user}\" (set {svc}-auth-password or {svc}-auth-password-command, or add it to ~/.netrc)",
        svc = q.service
    ))
}

/// Reads a secret from the terminal, nothing of it shown, when standard
/// input is a terminal: through the line editor (the same keys as every
/// other terminal read, never in its history), else (a terminal the editor
/// cannot drive, `TERM=dumb`) a plain read with echo off. None when stdin
/// is not a terminal, on end of file or ^C.
fn prompt(text: &str) -> Option<String> {
    use rustix::termios::{self, LocalModes, OptionalActions};
    if !std::io::stdin().is_terminal() {
        return None;
    }
    if let Some(got) = read_hidden(text) {
        return match got {
            Got::Line(l) => Some(l),
            Got::Eof | Got::Interrupt => None,
        };
    }
    let tty = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .open("/dev/tty")
        .ok()?;
    output::flush();
    let old = termios::tcgetattr(&tty).ok()?;
    let mut quiet = old.clone();
    quiet.local_modes &= !LocalModes::ECHO;
    quiet.local_modes |= LocalModes::ECHONL;
    (&tty).write_all(text.as_bytes()).ok()?;
    let _ = (&tty).flush();
    termios::tcsetattr(&tty, OptionalActions::Flush, &quiet).ok()?;
    let mut line = String::new();
    let got = std::io::BufReader::new(&tty).read_line(&mut line);
    let _ = termios::tcsetattr(&tty, OptionalActions::Flush, &old);
    match got {
        Ok(n) if n > 0 => {
            let l = line.trim_end_matches(['\n', '\r']);
            Some(l.to_string())
        }
        _ => None,
    }
}

/// The netrc file: `$NETRC`, else `~/.netrc` in the files' home.
fn netrc_path(s: &Session) -> Option<String> {
    match std::env::var("NETRC") {
        Ok(p) if !p.is_empty() => Some(p),
        _ => Some(format!("{}/.netrc", user::files_home(s)?)),
    }
}

/// The login and password for `host` (and `user`) from the netrc file.
/// Err when the entry's password is in a file others can read.
fn netrc_credentials(
    s: &Session,
    host: &str,
    user: Option<&str>,
) -> Result<Option<(String, String)>, String> {
    let Some(path) = netrc_path(s) else {
        return Ok(None);
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let Some(found) = netrc_lookup(&text, host, user) else {
        return Ok(None);
    };
    let mode = std::fs::metadata(&path).map(|m| m.mode()).unwrap_or(0);
    if mode & 0o077 != 0 {
        return Err(format!(
            "{path} can be read by group or others: not using the password in it (fix: chmod 600 {path})"
        ));
    }
    Ok(Some(found))
}

/// One netrc entry: `machine` (None for `default`), `login`, `password`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NetrcEntry {
    pub machine: Option<String>,
    pub login: Option<String>,
    pub password: Option<String>,
}

/// The next token from `b[*i..]`: white space skipped, a `#` comment runs to
/// the end of its line, a `"quoted token"` may hold white space and `\`
/// escapes.
fn next_token(b: &[u8], i: &mut usize) -> Option<String> {
    loop {
        while *i < b.len() && b[*i].is_ascii_whitespace() {
            *i += 1;
        }
        if *i >= b.len() {
            return None;
        }
        if b[*i] == b'#' {
            while *i < b.len() && b[*i] != b'\n' {
                *i += 1;
            }
            continue;
        }
        break;
    }
    let mut out = Vec::new();
    if b[*i] == b'"' {
        *i += 1;
        while *i < b.len() && b[*i] != b'"' {
            if b[*i] == b'\\' && *i + 1 < b.len() {
                *i += 1;
                out.push(match b[*i] {
                    b'n' => b'\n',
                    b'r' => b'\r',
                    b't' => b'\t',
                    c => c,
                });
            } else {
                out.push(b[*i]);
            }
            *i += 1;
        }
        // The closing quote.
        *i = (*i + 1).min(b.len());
    } else {
        while *i < b.len() && !b[*i].is_ascii_whitespace() {
            out.push(b[*i]);
            *i += 1;
        }
    }
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Skips a `macdef` body: the rest of the `macdef` line, then every line up
/// to and including the first empty one.
fn skip_macro(b: &[u8], i: &mut usize) {
    while *i < b.len() && b[*i] != b'\n' {
        *i += 1;
    }
    while *i < b.len() {
        // At a newline: the next line starts after it.
        *i += 1;
        let start = *i;
        while *i < b.len() && b[*i] != b'\n' {
            *i += 1;
        }
        let line = &b[start..*i];
        if line.is_empty() || line == b"\r" {
            return;
        }
    }
}

/// Every entry of a netrc text, in order.
pub fn netrc_entries(text: &str) -> Vec<NetrcEntry> {
    let b = text.as_bytes();
    let mut i = 0;
    let mut entries: Vec<NetrcEntry> = Vec::new();
    while let Some(t) = next_token(b, &mut i) {
        match t.as_str() {
            "machine" => entries.push(NetrcEntry {
                machine: Some(next_token(b, &mut i).unwrap_or_default()),
                ..NetrcEntry::default()
            }),
            "default" => entries.push(NetrcEntry::default()),
            "login" | "password" | "account" => {
                let v = next_token(b, &mut i);
                if let (Some(e), Some(v)) = (entries.last_mut(), v) {
                    match t.as_str() {
                        "login" => e.login = Some(v),
                        "password" => e.password = Some(v),
                        _ => {}
                    }
                }
            }
            "macdef" => skip_macro(b, &mut i),
            _ => {}
        }
    }
    entries
}

/// Finds `(login, password)` for `host` in a netrc text: the first `machine`
/// entry for it (case-insensitive) with a password, else the first
/// `default` entry. With `user` given, only an entry with that login or
/// with none matches, and the login returned is `user` when the entry has
/// none.
pub fn netrc_lookup(text: &str, host: &str, user: Option<&str>) -> Option<(String, String)> {
    let entries = netrc_entries(text);
    let matches = |e: &NetrcEntry, want_machine: bool| {
        let machine_ok = match &e.machine {
            Some(m) => want_machine && m.eq_ignore_ascii_case(host),
            None => !want_machine,
        };
        let user_ok = match (user, &e.login) {
            (Some(u), Some(l)) => u == l,
            _ => true,
        };
        machine_ok && user_ok && e.password.is_some()
    };
    entries
        .iter()
        .find(|e| matches(e, true))
        .or_else(|| entries.iter().find(|e| matches(e, false)))
        .map(|e| {
            (
                e.login
                    .clone()
                    .or(user.map(str::to_string))
                    .unwrap_or_default(),
                e.password.clone().unwrap_or_default(),
            )
        })
}

/// An OAuth2 token mechanism (SMTP AUTH and IMAP AUTHENTICATE).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum TokenMech {
    Xoauth2,
    OAuthBearer,
}

impl fmt::Display for TokenMech {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TokenMech::Xoauth2 => "XOAUTH2",
            TokenMech::OAuthBearer => "OAUTHBEARER",
        })
    }
}

/// The client's initial response, before base64.
pub(crate) fn initial_response(
    mech: TokenMech,
    user: &str,
    token: &Secret,
    host: &str,
    port: u16,
) -> String {
    match mech {
        TokenMech::Xoauth2 => format!("user={user}\x01auth=Bearer {}\x01\x01", token.expose()),
        TokenMech::OAuthBearer => {
            // RFC 7628 §3.1: `,` and `=` in the authzid are escaped.
            let a = user.replace('=', "=3D").replace(',', "=2C");
            format!(
                "n,a={a},\x01host={host}\x01port={port}\x01auth=Bearer {}\x01\x01",
                token.expose()
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vars::{is_secret_var, shown_value};

    #[test]
    fn netrc_basic_lookup() {
        let text = "machine other login x password y\n\
                    machine Mail.Example.org login alice password s3cret\n\
                    default login anon password guest\n";
        assert_eq!(
            netrc_lookup(text, "mail.example.org", None),
            Some(("alice".into(), "s3cret".into()))
        );
        assert_eq!(
            netrc_lookup(text, "mail.example.org", Some("alice")),
            Some(("alice".into(), "s3cret".into()))
        );
        assert_eq!(netrc_lookup(text, "mail.example.org", Some("bob")), None);
        assert_eq!(
            netrc_lookup(text, "unknown.host", None),
            Some(("anon".into(), "guest".into()))
        );
        assert_eq!(netrc_lookup("", "h", None), None);
    }

    /// A macro body is not tokens: its `machine … password evil` line must
    /// not become an entry.
    #[test]
    fn netrc_macdef_body_is_skipped() {
        let text = "macdef init\nmachine mail.x login alice password evil\ncd /tmp\n\n\
                    machine mail.x login alice password good\n";
        assert_eq!(
            netrc_lookup(text, "mail.x", Some("alice")),
            Some(("alice".into(), "good".into()))
        );
        // A macro after the entry does not override it either.
        let text = "machine mail.x login alice password good\n\
                    macdef m\n default login alice password evil\n\n";
        assert_eq!(netrc_entries(text).len(), 1);
        // Tokens after the empty line are read again.
        let text = "macdef m\nx\n\nmachine h password p\n";
        assert_eq!(
            netrc_lookup(text, "h", None),
            Some((String::new(), "p".into()))
        );
    }

    #[test]
    fn netrc_comment_lines_are_ignored() {
        let text = "# machine mail.x login alice password old\n\
                    machine mail.x login alice password new # trailing comment password x\n\
                    \t# indented comment machine mail.x password bad\n";
        assert_eq!(
            netrc_lookup(text, "mail.x", Some("alice")),
            Some(("alice".into(), "new".into()))
        );
        assert_eq!(netrc_entries(text).len(), 1);
    }

    #[test]
    fn netrc_quoted_tokens() {
        let text = "machine mail.x login \"alice smith\" password \"a b\\\"c\\\\d\"\n";
        assert_eq!(
            netrc_lookup(text, "mail.x", None),
            Some(("alice smith".into(), "a b\"c\\d".into()))
        );
        // A quoted password starting with # is a password, not a comment.
        let text = "machine h password \"#x y\"\n";
        assert_eq!(netrc_lookup(text, "h", None).unwrap().1, "#x y");
    }

    #[test]
    fn netrc_truncated_input_does_not_panic() {
        for t in [
            "machine",
            "machine h password",
            "\"",
            "macdef",
            "macdef x\n",
            "#",
        ] {
            let _ = netrc_entries(t);
        }
    }

    #[test]
    fn secret_shows_as_placeholder() {
        let s = Secret::new("hunter2".into());
        assert_eq!(format!("{s} {s:?}"), "<secret> <secret>");
        assert!(is_secret_var("smtp-auth-password"));
        assert!(!is_secret_var("smtp-auth-password-command"));
        assert!(!is_secret_var("smtp-auth-user"));
        assert_eq!(shown_value("smtp-auth-password", "x"), "<secret>");
        assert_eq!(
            shown_value("smtp", "smtp://u:p%40ss@h:25/"),
            "smtp://u:<secret>@h:25/"
        );
        assert_eq!(shown_value("smtp", "smtp://u@h"), "smtp://u@h");
        assert_eq!(shown_value("folder", "a:b@c"), "a:b@c");
    }
}
