//! The one variable store (`set`, `unset`, `-S`, imported environment values).
//!
//! Names are kept in byte order, which is the order bsd-mailx's `set` lists
//! them in (it sorts with strcmp).

use std::borrow::Cow;
use std::collections::{BTreeMap, BTreeSet};

/// Environment variables bsd-mailx (Debian patch 05) copies into variables at
/// start-up; no other environment variable becomes a mail variable.
pub(crate) const IMPORTED_ENV: &[&str] = &[
    "DEAD", "EDITOR", "LISTER", "MBOX", "PAGER", "REPLYTO", "SHELL", "VISUAL",
];

/// Variables that have a value until they are unset (s-nail's built-in
/// defaults), without being listed by `set`: [`Vars::get_or_default`].
const DEFAULTED: &[(&str, &str)] = &[
    ("datefield", "%Y-%m-%d %H:%M"),
    ("datefield-markout-older", "%Y-%m-%d"),
];

#[derive(Default, Debug, Clone)]
pub struct Vars {
    map: BTreeMap<String, String>,
    /// Names of [`DEFAULTED`] that `unset` removed.
    unset_defaults: BTreeSet<String>,
}

impl Vars {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets `name` to `value` (a boolean variable has the empty string).
    pub fn set(&mut self, name: &str, value: &str) {
        self.unset_defaults.remove(name);
        self.map.insert(name.to_string(), value.to_string());
    }

    /// Removes `name`; returns false when it was not set.
    pub fn unset(&mut self, name: &str) -> bool {
        let had_default = DEFAULTED.iter().any(|(n, _)| *n == name)
            && self.unset_defaults.insert(name.to_string());
        self.map.remove(name).is_some() || had_default
    }

    /// The value of `name`, or its built-in default (s-nail's) when it was
    /// never set nor unset.
    pub fn get_or_default(&self, name: &str) -> Option<&str> {
        if let Some(v) = self.get(name) {
            return Some(v);
        }
        if self.unset_defaults.contains(name) {
            return None;
        }
        DEFAULTED.iter().find(|(n, _)| *n == name).map(|(_, v)| *v)
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.map.get(name).map(|s| s.as_str())
    }

    pub fn is_set(&self, name: &str) -> bool {
        self.map.contains_key(name)
    }

    /// A variable's value when it is set and not empty.
    pub fn nonempty(&self, name: &str) -> Option<&str> {
        self.get(name).filter(|s| !s.is_empty())
    }

    /// All variables in listing order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, &str)> {
        self.map.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// Copies the imported environment variables in.
    pub fn import_env(&mut self) {
        for name in IMPORTED_ENV {
            if let Some(v) = std::env::var_os(name) {
                self.set(name, &v.to_string_lossy());
            }
        }
    }
}

/// True for a variable whose value is a secret (for the line editor's
/// history, too): any name containing
/// `password` (`smtp-auth-password`, later `imap-auth-password`) except the
/// `…-command` variables, which hold a command, not its output.
pub(crate) fn is_secret_var(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    (n.contains("password") || n.contains("token")) && !n.ends_with("-command")
}

/// A variable's value as `set` lists it: `<secret>` for a secret variable,
/// and a URL's `user:password@` shown as `user:<secret>@`.
pub(crate) fn shown_value<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    if is_secret_var(name) {
        return Cow::Borrowed("<secret>");
    }
    if let Some(i) = value.find("://") {
        let rest = &value[i + 3..];
        let end = rest.find('/').unwrap_or(rest.len());
        if let Some(at) = rest[..end].rfind('@')
            && let Some(colon) = rest[..at].find(':')
        {
            return Cow::Owned(format!(
                "{}{}<secret>{}",
                &value[..i + 3],
                &rest[..=colon],
                &rest[at..]
            ));
        }
    }
    Cow::Borrowed(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn set_get_unset_and_order() {
        let mut v = Vars::new();
        v.set("b", "2");
        v.set("a", "");
        v.set("B", "x");
        assert_eq!(v.get("b"), Some("2"));
        assert!(v.is_set("a"));
        assert_eq!(v.nonempty("a"), None);
        let names: Vec<_> = v.iter().map(|(k, _)| k).collect();
        assert_eq!(names, ["B", "a", "b"]);
        assert!(v.unset("a"));
        assert!(!v.unset("a"));
    }
}

/// The kind of value a variable takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// Set or unset.
    Bool,
    /// A string (a path, a command, an address).
    Text,
    /// A number.
    Number,
}

/// One documented variable.
pub struct VarDoc {
    pub name: &'static str,
    pub kind: VarKind,
    pub help: &'static str,
}

const fn v(name: &'static str, kind: VarKind, help: &'static str) -> VarDoc {
    VarDoc { name, kind, help }
}

use VarKind::*;

/// Every variable the program looks at. The man page is generated from this
/// table, and a test fails when the code reads a variable that is not here.
pub const KNOWN: &[VarDoc] = &[
    v(
        "allnet",
        Bool,
        "treat login@any-host as yourself when matching your own address",
    ),
    v(
        "append",
        Bool,
        "append messages to mbox at quit instead of putting them first",
    ),
    v(
        "ask",
        Bool,
        "prompt for a subject when composing interactively (same as asksub)",
    ),
    v(
        "askbcc",
        Bool,
        "prompt for Bcc: recipients after the message",
    ),
    v("askcc", Bool, "prompt for Cc: recipients after the message"),
    v(
        "asksub",
        Bool,
        "prompt for a subject when composing interactively",
    ),
    v("autoinc", Bool, "look for new mail before each prompt"),
    v(
        "autoprint",
        Bool,
        "print the next message after delete and undelete",
    ),
    v(
        "crt",
        Number,
        "page messages longer than this many lines (the screen height if empty)",
    ),
    v("DEAD", Text, "the dead.letter file (default ~/dead.letter)"),
    v("dot", Bool, "a line holding only a dot ends the message"),
    v(
        "EDITOR",
        Text,
        "editor for ~e and edit (default /usr/bin/editor)",
    ),
    v("escape", Text, "the tilde-escape character (default ~)"),
    v(
        "expandaddr",
        Bool,
        "deliver to /file, +folder and |command recipients yourself",
    ),
    v(
        "folder",
        Text,
        "the folder directory for +name (relative to home)",
    ),
    v(
        "from",
        Text,
        "the From: address and the envelope sender (-r sets it)",
    ),
    v(
        "history-file",
        Text,
        "file of the prompt's line-editing history on a terminal (default ~/.mailx_history, created 0600; empty: none)",
    ),
    v(
        "history-size",
        Number,
        "command lines kept in the prompt's history, in memory and in the history file (default 500; 0: no history)",
    ),
    v(
        "hold",
        Bool,
        "keep read messages in the system mailbox instead of mbox",
    ),
    v(
        "hostname",
        Text,
        "the host name used for SMTP (EHLO, Message-ID, qualifying bare names)",
    ),
    v(
        "ignore",
        Bool,
        "ignore interrupts while composing (print @)",
    ),
    v(
        "ignoreeof",
        Bool,
        "end of file does not end a message or the session",
    ),
    v(
        "imap-allow-plaintext",
        Bool,
        "let imap:// log in without STARTTLS to a server that does not offer it (always allowed to localhost)",
    ),
    v(
        "imap-auth",
        Text,
        "the IMAP log-in mechanism: plain (AUTHENTICATE PLAIN) or login (LOGIN) with a password, xoauth2 or oauthbearer with an OAuth2 token; default PLAIN where offered",
    ),
    v(
        "imap-auth-password",
        Text,
        "the IMAP password or OAuth2 token (set lists it as <secret>)",
    ),
    v(
        "imap-auth-password-command",
        Text,
        "a command ($SHELL -c) that prints the IMAP password or OAuth2 token; run again for a fresh token when the server refuses one",
    ),
    v(
        "imap-newmail-interval",
        Number,
        "with autoinc, ask an IMAP server for new mail (NOOP) at most every so many seconds, unless it has already told of some (default 5; 0: at every prompt; read when the folder is opened)",
    ),
    v(
        "imap-timeout",
        Number,
        "seconds to wait for the IMAP server at each step (default 60)",
    ),
    v(
        "indentprefix",
        Text,
        "prefix of lines inserted by ~m (default a tab)",
    ),
    v(
        "interactive",
        Bool,
        "set when standard input is a terminal or -I is given",
    ),
    v(
        "keep",
        Bool,
        "do not remove an empty system mailbox (it is truncated in any case)",
    ),
    v("keepsave", Bool, "also move saved messages to mbox"),
    v("LISTER", Text, "the command folders runs (default /bin/ls)"),
    v("MBOX", Text, "the mbox file (default ~/mbox)"),
    v(
        "metoo",
        Bool,
        "keep yourself in alias expansions; pass -m to sendmail",
    ),
    v(
        "netrc-lookup",
        Bool,
        "take SMTP credentials from ~/.netrc (or $NETRC)",
    ),
    v(
        "newfolders",
        Text,
        "maildir: new folders that save, copy, record and MBOX create are Maildirs",
    ),
    v(
        "noheader",
        Bool,
        "do not print the header summary at start-up (-N), nor after sort and thread",
    ),
    v(
        "noheadercache",
        Bool,
        "do not use or write the Maildir header cache, the mbox index cache or the IMAP header cache ($XDG_CACHE_HOME/mailx, else ~/.cache/mailx)",
    ),
    v(
        "nosave",
        Bool,
        "do not save an interrupted message to dead.letter",
    ),
    v(
        "outfolder",
        Bool,
        "Save/Copy/followup files go in the folder directory",
    ),
    v("PAGER", Text, "the pager (default /usr/bin/pager)"),
    v("quiet", Bool, "no banner and no Message N: lines"),
    v(
        "record",
        Text,
        "a file (or Maildir) that gets a copy of every message sent",
    ),
    v("REPLYTO", Text, "a Reply-To: header for outgoing mail"),
    v("Replyall", Bool, "swap the meanings of reply and Reply"),
    v("screen", Number, "header lines per screen"),
    v(
        "searchheaders",
        Bool,
        "/field:text message lists search that header",
    ),
    v(
        "sendmail",
        Text,
        "the mail transfer agent (default /usr/sbin/sendmail)",
    ),
    v(
        "SHELL",
        Text,
        "the shell for !, ~!, | and pipes (default /bin/sh)",
    ),
    v(
        "show-rcpt",
        Bool,
        "show the recipient instead of the sender in header lines",
    ),
    v(
        "headline",
        Text,
        "the format of header summary lines (s-nail's %-specifiers); unset: bsd-mailx's line",
    ),
    v(
        "headline-plain",
        Bool,
        "with headline: ASCII > and < for the current message in a UTF-8 locale",
    ),
    v(
        "datefield",
        Text,
        "with headline: the strftime format of %d from the Date: header (default %Y-%m-%d %H:%M; unset: the delivery date)",
    ),
    v(
        "datefield-markout-older",
        Text,
        "with headline: the strftime format of %d for mail older than six months or dated in the future (default %Y-%m-%d)",
    ),
    v(
        "attrlist",
        Text,
        "with headline: the 14 status letters %a shows (default NUROSPMFAT+-$~)",
    ),
    v(
        "bsdflags",
        Bool,
        "with headline: %a uses the BSD letters NU  *HMFAT+-$~",
    ),
    v(
        "showname",
        Bool,
        "show the sender's name instead of the address in header lines",
    ),
    v(
        "showto",
        Bool,
        "show the recipient in header lines of mail you sent",
    ),
    v("sign", Text, "text inserted by ~a"),
    v("Sign", Text, "text inserted by ~A"),
    v(
        "skipempty",
        Bool,
        "do not send a message whose body is empty (-E)",
    ),
    v(
        "smtp",
        Text,
        "send over SMTP to host[:port], smtp://host[:port] or smtps://host[:port] instead of sendmail",
    ),
    v(
        "smtp-auth",
        Text,
        "the SMTP AUTH mechanism to use: plain or login (a password), xoauth2 or oauthbearer (an OAuth2 token)",
    ),
    v(
        "smtp-auth-password",
        Text,
        "the SMTP AUTH password or OAuth2 token (set lists it as <secret>)",
    ),
    v(
        "smtp-auth-password-command",
        Text,
        "a command ($SHELL -c) that prints the SMTP password or OAuth2 token; run again for a fresh token when the server refuses one",
    ),
    v("smtp-auth-user", Text, "the SMTP AUTH user name"),
    v(
        "smtp-ca-file",
        Text,
        "a PEM file of certificates to trust for SMTP TLS, besides the system store",
    ),
    v(
        "smtp-timeout",
        Number,
        "seconds to wait for the SMTP server at each step, and for smtp-auth-password-command (default 60)",
    ),
    v(
        "smtp-use-starttls",
        Bool,
        "require STARTTLS on SMTP connections",
    ),
    v(
        "tls-ca-file",
        Text,
        "a PEM file of certificates to trust for IMAP TLS, besides the system store",
    ),
    v(
        "toplines",
        Number,
        "lines the top command prints (default 5)",
    ),
    v(
        "verbose",
        Bool,
        "pass -v to sendmail; on opening an IMAP folder, tell on standard error how many summaries came from the header cache and how many were fetched",
    ),
    v(
        "VISUAL",
        Text,
        "editor for ~v and visual (default /usr/bin/vi)",
    ),
];

/// Looks a documented variable up.
pub fn doc(name: &str) -> Option<&'static VarDoc> {
    KNOWN.iter().find(|d| d.name == name)
}
