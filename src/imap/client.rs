//! The IMAP commands mailx uses, over one [`Conn`]: the greeting,
//! CAPABILITY, STARTTLS (required on `imap://` unless the server is on
//! loopback or `imap-allow-plaintext` is set), log-in (AUTHENTICATE PLAIN,
//! LOGIN, or AUTHENTICATE XOAUTH2/OAUTHBEARER with a token), SELECT/EXAMINE
//! (mailbox names in modified UTF-7, `utf7`), the one UID FETCH of the summary
//! (and the UIDs and flags of all messages, for the header cache), the
//! message text with BODY.PEEK, UID STORE, (UID) EXPUNGE, NOOP, UID COPY,
//! APPEND and LOGOUT. Errors are `io::Error`s whose text is
//! fit for the user: the command's name and the server's words, never an
//! argument (a password is an argument).

use std::io;
use std::path::PathBuf;
use std::time::Duration;

use data_encoding::BASE64;
use imap_proto::{
    AttributeValue, Capability, MailboxDatum, NameAttribute, Response, ResponseCode, Status,
};

use super::conn::{Conn, MAX_LINE, failed, parse, verb_of};
use super::spool::{Region, Spool};
use super::tls;
use super::url::ImapUrl;
use super::utf7;
use crate::secrets::{Secret, TokenMech, initial_response};

/// What the connection needs besides the URL (from variables).
#[derive(Debug, Clone)]
pub(crate) struct ConnectOptions {
    pub timeout: Duration,
    pub ca_file: Option<PathBuf>,
    pub allow_plaintext: bool,
    /// `imap-auth`: None (PLAIN where offered, else LOGIN), "plain",
    /// "login", "xoauth2" or "oauthbearer".
    pub auth: Option<String>,
}

/// The header fields the summary fetch asks for (what the summary,
/// `from`, `sort`, `thread`, searches and replies read before a message is
/// shown): at least `mailbox::kept`'s lists (a unit test checks).
pub(crate) const SUMMARY_FIELDS: &str = "DATE FROM SENDER REPLY-TO TO CC BCC SUBJECT SUBJ \
MESSAGE-ID IN-REPLY-TO REFERENCES RETURN-PATH STATUS CONTENT-TYPE MIME-VERSION \
MAIL-FOLLOWUP-TO MAIL-REPLY-TO LIST-POST";

/// How to log in (`imap-auth`).
enum Auth {
    Default,
    Plain,
    Login,
    Token(TokenMech),
}

fn auth_kind(auth: Option<&str>) -> io::Result<Auth> {
    Ok(match auth.map(str::to_ascii_lowercase).as_deref() {
        None => Auth::Default,
        Some("plain") => Auth::Plain,
        Some("login") => Auth::Login,
        Some("xoauth2") => Auth::Token(TokenMech::Xoauth2),
        Some("oauthbearer") => Auth::Token(TokenMech::OAuthBearer),
        Some(m) => {
            return Err(err(format!(
                "imap-auth \"{m}\" is not supported (plain, login, xoauth2 or oauthbearer)"
            )));
        }
    })
}

/// True for `imap-auth` values that log in with an OAuth2 token.
pub(crate) fn is_token_auth(auth: Option<&str>) -> bool {
    matches!(auth_kind(auth), Ok(Auth::Token(_)))
}

/// A server's NO to a log-in, as `PermissionDenied` (other errors as
/// they are).
fn refused(e: io::Error) -> io::Error {
    if e.to_string().contains("answered NO") {
        return io::Error::new(io::ErrorKind::PermissionDenied, e.to_string());
    }
    e
}

/// One message as the summary fetch gives it.
#[derive(Debug, Default, Clone)]
pub(crate) struct Summary {
    pub uid: u32,
    pub flags: Vec<String>,
    pub size: u64,
    pub internal_date: String,
    pub header: Vec<u8>,
}

/// A message's text as fetched.
#[derive(Debug)]
pub(crate) enum Text {
    /// In memory, CRLF as the server sent it.
    Mem(Vec<u8>),
    /// In the folder's spool file, LF line ends.
    Spooled(Region),
}

/// What SELECT said.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Selected {
    pub exists: u32,
    pub uidvalidity: u32,
    pub readonly: bool,
}

/// A logged-in connection.
pub(crate) struct Client {
    conn: Conn,
    caps: Vec<String>,
}

fn err(msg: String) -> io::Error {
    io::Error::other(msg)
}

fn caps_of(list: &[Capability<'_>]) -> Vec<String> {
    list.iter()
        .map(|c| match c {
            Capability::Imap4rev1 => "IMAP4REV1".to_string(),
            Capability::Auth(a) => format!("AUTH={}", a.to_ascii_uppercase()),
            Capability::Atom(a) => a.to_ascii_uppercase(),
        })
        .collect()
}

/// `s` as an IMAP quoted string; Err for what a quoted string cannot hold.
pub(crate) fn quoted(s: &str) -> io::Result<String> {
    if s.bytes().any(|b| b == b'\r' || b == b'\n' || b == 0) {
        return Err(err(
            "a name or password with a line break cannot be sent".into()
        ));
    }
    let mut q = String::with_capacity(s.len() + 2);
    q.push('"');
    for c in s.chars() {
        if c == '"' || c == '\\' {
            q.push('\\');
        }
        q.push(c);
    }
    q.push('"');
    Ok(q)
}

/// A mailbox name as a command argument: in modified UTF-7, quoted.
pub(crate) fn mailbox_arg(name: &str) -> io::Result<String> {
    quoted(&utf7::encode(name))
}

/// Commands in flight at once (their answers must fit in the socket
/// buffers while we are still writing).
const PIPELINE_WINDOW: usize = 8;

/// The longest UID set put in one command: servers limit a command line
/// (Dovecot to 64 KiB by default), so a long set is split.
const MAX_SET: usize = 4000;

/// [`uid_set`] split at commas into sets of at most [`MAX_SET`] bytes.
pub(crate) fn uid_sets(uids: &[u32]) -> Vec<String> {
    let all = uid_set(uids);
    let mut out = Vec::new();
    let mut cur = String::new();
    for part in all.split(',').filter(|p| !p.is_empty()) {
        if !cur.is_empty() && cur.len() + 1 + part.len() > MAX_SET {
            out.push(std::mem::take(&mut cur));
        }
        if !cur.is_empty() {
            cur.push(',');
        }
        cur.push_str(part);
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

fn sorted(v: &[u32]) -> Vec<u32> {
    let mut v = v.to_vec();
    v.sort_unstable();
    v.dedup();
    v
}

/// True when the answer to UID SEARCH DELETED in a mailbox of `exists`
/// messages whose highest UID is `max_uid` surely fits in a line we read
/// ([`MAX_LINE`]): each UID counted with one digit more than `max_uid` has
/// (messages that came since have higher UIDs) and a space, and room left
/// for a quarter as many again.
pub(crate) fn search_fits(exists: usize, max_uid: u32) -> bool {
    let per = max_uid.checked_ilog10().unwrap_or(0) as usize + 3;
    exists.saturating_add(exists / 4).saturating_mul(per) < MAX_LINE - 64
}

/// UIDs as an IMAP sequence set of ranges (`1:3,7,9:10`).
pub(crate) fn uid_set(uids: &[u32]) -> String {
    let mut v = uids.to_vec();
    v.sort_unstable();
    v.dedup();
    let mut out = String::new();
    let mut i = 0;
    while i < v.len() {
        let mut j = i;
        while j + 1 < v.len() && v[j + 1] == v[j] + 1 {
            j += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        if i == j {
            out.push_str(&v[i].to_string());
        } else {
            out.push_str(&format!("{}:{}", v[i], v[j]));
        }
        i = j + 1;
    }
    out
}

/// The summary in a FETCH response, if it is one with everything the
/// summary fetch asks for (a FETCH without it is an unsolicited flag
/// update, or a broken server's).
pub(crate) fn summary_of(r: Response<'_>) -> Option<Summary> {
    let Response::Fetch(_, attrs) = r else {
        return None;
    };
    let mut s = Summary::default();
    let mut got_header = false;
    for a in attrs {
        match a {
            AttributeValue::Uid(u) => s.uid = u,
            AttributeValue::Flags(f) => s.flags = f.iter().map(|x| x.to_string()).collect(),
            AttributeValue::Rfc822Size(n) => s.size = u64::from(n),
            AttributeValue::InternalDate(d) => s.internal_date = d.to_string(),
            AttributeValue::BodySection { data, .. } => {
                got_header = true;
                s.header = data.map(|d| d.into_owned()).unwrap_or_default();
            }
            _ => {}
        }
    }
    (s.uid != 0 && got_header).then_some(s)
}

impl Client {
    /// Connects, secures the connection and reads the capabilities; no
    /// log-in yet. Returns whether the server pre-authenticated us.
    pub(crate) fn connect(url: &ImapUrl, o: &ConnectOptions) -> io::Result<(Client, bool)> {
        let mut conn = Conn::connect(&url.host, url.port, o.timeout)?;
        if url.tls {
            let cfg = tls::config(o.ca_file.as_deref())?;
            conn.start_tls(cfg, &url.host)?;
        }
        let greeting = conn.read_response()?;
        let (preauth, mut caps) = match parse(&greeting) {
            Some(Response::Data { status, outcome }) => {
                let caps = match &outcome.code {
                    Some(ResponseCode::Capabilities(c)) => caps_of(c),
                    _ => Vec::new(),
                };
                match status {
                    Status::Ok => (false, caps),
                    Status::PreAuth => (true, caps),
                    s => {
                        let text = outcome.information.as_deref().unwrap_or("");
                        return Err(failed("greeting", &s, text));
                    }
                }
            }
            _ => {
                return Err(err(
                    "the server's greeting is not IMAP (connection dropped)".into(),
                ));
            }
        };
        let mut c = Client {
            conn,
            caps: Vec::new(),
        };
        if caps.is_empty() {
            caps = c.capability()?;
        }
        c.caps = caps;
        if !url.tls && !preauth {
            if c.has("STARTTLS") {
                let cfg = tls::config(o.ca_file.as_deref())?;
                c.conn.run(b"STARTTLS", &mut |_| Ok(()))?;
                c.conn.start_tls(cfg, &url.host)?;
                // Capabilities before TLS are not to be trusted (RFC 3501).
                c.caps = c.capability()?;
            } else if !(url.is_loopback() || o.allow_plaintext) {
                return Err(err(format!(
                    "{}: the server does not offer STARTTLS; refusing to log in over plain text \
                     (use imaps://, or set imap-allow-plaintext)",
                    url.host
                )));
            }
        }
        Ok((c, preauth))
    }

    fn capability(&mut self) -> io::Result<Vec<String>> {
        let mut caps = Vec::new();
        self.conn.run(b"CAPABILITY", &mut |r| {
            if let Response::Capabilities(c) = r {
                caps = caps_of(&c);
            }
            Ok(())
        })?;
        Ok(caps)
    }

    /// True if the server announced `cap` (upper case).
    pub(crate) fn has(&self, cap: &str) -> bool {
        self.caps.iter().any(|c| c == cap)
    }

    /// Logs in as `user` with `secret`: AUTHENTICATE PLAIN where offered
    /// (or asked for with `imap-auth=plain`), else LOGIN; with
    /// `imap-auth=xoauth2` or `oauthbearer` the secret is an OAuth2 token.
    /// A refused log-in is an error of kind `PermissionDenied`.
    pub(crate) fn login(
        &mut self,
        user: &str,
        secret: &Secret,
        auth: Option<&str>,
        host: &str,
        port: u16,
    ) -> io::Result<()> {
        match auth_kind(auth)? {
            Auth::Default if self.has("AUTH=PLAIN") => self.plain(user, secret)?,
            Auth::Plain => self.plain(user, secret)?,
            Auth::Default | Auth::Login => {
                if self.has("LOGINDISABLED") {
                    return Err(err("the server does not allow LOGIN here".into()));
                }
                let cmd = format!("LOGIN {} {}", quoted(user)?, quoted(secret.expose())?);
                self.conn
                    .run(cmd.as_bytes(), &mut |_| Ok(()))
                    .map_err(refused)?;
            }
            Auth::Token(m) => {
                let ir = initial_response(m, user, secret, host, port);
                // The answer to an error challenge ends the exchange.
                let ack: &[u8] = match m {
                    TokenMech::OAuthBearer => b"AQ==",
                    TokenMech::Xoauth2 => b"",
                };
                self.authenticate(&m.to_string(), ir.as_bytes(), ack)?;
            }
        }
        // Capabilities may change after log-in.
        self.caps = self.capability()?;
        Ok(())
    }

    fn plain(&mut self, user: &str, secret: &Secret) -> io::Result<()> {
        let mut ir = vec![0];
        ir.extend_from_slice(user.as_bytes());
        ir.push(0);
        ir.extend_from_slice(secret.expose().as_bytes());
        self.authenticate("PLAIN", &ir, b"*")
    }

    /// AUTHENTICATE `mech`: the initial response `ir` (base64) after the
    /// server's first `+`; `ack` (already base64, or `*` to cancel) to any
    /// further challenge. Ends with the tagged answer.
    fn authenticate(&mut self, mech: &str, ir: &[u8], ack: &[u8]) -> io::Result<()> {
        let verb = format!("AUTHENTICATE {mech}");
        let tag = self.conn.send(verb.as_bytes())?;
        let mut first = true;
        loop {
            let r = self.conn.read_response()?;
            if r.starts_with(b"+") {
                let mut line = if first {
                    BASE64.encode(ir).into_bytes()
                } else {
                    ack.to_vec()
                };
                first = false;
                line.extend_from_slice(b"\r\n");
                self.conn.write_raw(&line)?;
                continue;
            }
            match parse(&r) {
                Some(Response::Done {
                    tag: t,
                    status,
                    outcome,
                }) if t.0 == tag => {
                    return match status {
                        Status::Ok => Ok(()),
                        s => Err(refused(failed(
                            &verb,
                            &s,
                            outcome.information.as_deref().unwrap_or(""),
                        ))),
                    };
                }
                Some(_) if r.starts_with(b"* ") => {}
                _ => return Err(err(format!("{verb}: unexpected answer"))),
            }
        }
    }

    /// SELECT (or EXAMINE when `readonly`) the mailbox.
    pub(crate) fn select(&mut self, mailbox: &str, readonly: bool) -> io::Result<Selected> {
        let verb = if readonly { "EXAMINE" } else { "SELECT" };
        let mut sel = Selected {
            readonly,
            ..Default::default()
        };
        let cmd = format!("{verb} {}", mailbox_arg(mailbox)?);
        let tag = self.conn.send(cmd.as_bytes())?;
        self.conn.finish(&tag, verb, &mut |r| {
            match r {
                Response::MailboxData(MailboxDatum::Exists(n)) => sel.exists = n,
                Response::Data { outcome, .. } => {
                    if let Some(ResponseCode::UidValidity(v)) = outcome.code {
                        sel.uidvalidity = v;
                    }
                }
                _ => {}
            }
            Ok(())
        })?;
        sel.readonly |= self.conn.last_read_only;
        Ok(sel)
    }

    /// The summary of messages `range` (a UID set such as `1:*`): one
    /// UID FETCH, each message handed to `each` as its answer arrives (so
    /// that it is stored compactly at once; in the server's order, which
    /// may repeat a message).
    pub(crate) fn fetch_summaries(
        &mut self,
        range: &str,
        each: &mut dyn FnMut(Summary),
    ) -> io::Result<()> {
        let cmd = format!(
            "UID FETCH {range} (UID FLAGS RFC822.SIZE INTERNALDATE BODY.PEEK[HEADER.FIELDS ({SUMMARY_FIELDS})])"
        );
        self.conn.run(cmd.as_bytes(), &mut |r| {
            if let Some(s) = summary_of(r) {
                each(s);
            }
            Ok(())
        })?;
        Ok(())
    }

    /// Sends `UID FETCH 1:* (UID FLAGS)` (every message's UID and
    /// flags: the header cache's exact list of what is there); its answer
    /// is read with [`Client::flags_answer`], so that the cache can be read
    /// while the server works.
    pub(crate) fn ask_flags(&mut self) -> io::Result<String> {
        self.conn.send(b"UID FETCH 1:* (UID FLAGS)")
    }

    /// The answer to [`Client::ask_flags`] sent with `tag`: each message's
    /// UID and flags to `each` (in the server's order, which may repeat a
    /// message).
    pub(crate) fn flags_answer(
        &mut self,
        tag: &str,
        each: &mut dyn FnMut(u32, &[String]),
    ) -> io::Result<()> {
        let mut flags = Vec::new();
        self.conn.finish(tag, "UID FETCH", &mut |r| {
            if let Response::Fetch(_, attrs) = r {
                let mut uid = 0;
                let mut got = false;
                flags.clear();
                for a in attrs {
                    match a {
                        AttributeValue::Uid(u) => uid = u,
                        AttributeValue::Flags(f) => {
                            got = true;
                            flags.extend(f.iter().map(|x| x.to_string()));
                        }
                        _ => {}
                    }
                }
                if uid != 0 && got {
                    each(uid, &flags);
                }
            }
            Ok(())
        })?;
        Ok(())
    }

    /// The whole message `uid`, without setting \Seen: in memory (CRLF
    /// as the server sends it) when it is at most `over` bytes, else
    /// written to `spool` as it arrives (LF line ends).
    pub(crate) fn fetch_message(
        &mut self,
        uid: u32,
        over: usize,
        spool: &Spool,
    ) -> io::Result<Text> {
        let cmd = format!("UID FETCH {uid} (UID BODY.PEEK[])");
        let mut body = None;
        let mut bad = false;
        spool.take_done();
        self.conn.set_spool(Some((over, spool.clone())));
        let r = self.conn.run(cmd.as_bytes(), &mut |r| {
            // The literals of this response that went to the spool.
            let spooled = spool.take_done();
            if let Response::Fetch(_, attrs) = r {
                let mut this = None;
                let mut data = None;
                for a in attrs {
                    match a {
                        AttributeValue::Uid(u) => this = Some(u),
                        AttributeValue::BodySection { data: d, .. } => {
                            data = Some(d.map(|d| d.into_owned()).unwrap_or_default())
                        }
                        _ => {}
                    }
                }
                if this == Some(uid)
                    && let Some(d) = data
                {
                    body = match spooled[..] {
                        [] => Some(Text::Mem(d)),
                        [r] if d.is_empty() => Some(Text::Spooled(r)),
                        // Several large literals: which one is the text?
                        _ => {
                            bad = true;
                            None
                        }
                    };
                }
            }
            Ok(())
        });
        self.conn.set_spool(None);
        r?;
        if bad {
            return Err(err(format!(
                "the server's answer for message UID {uid} is not IMAP"
            )));
        }
        body.ok_or_else(|| err(format!("the server did not send message UID {uid}")))
    }

    /// UID STORE `op` (e.g. `+FLAGS.SILENT (\Seen)`) on `uids`.
    pub(crate) fn store(&mut self, uids: &[u32], op: &str) -> io::Result<()> {
        let cmds = uid_sets(uids)
            .iter()
            .map(|set| format!("UID STORE {set} {op}"))
            .collect();
        self.pipelined(cmds)
    }

    /// Sends `cmds` a window at a time without waiting for each answer,
    /// then reads the answers; the first failure is returned once every
    /// sent command has been answered (the connection stays in step).
    fn pipelined(&mut self, cmds: Vec<String>) -> io::Result<()> {
        let mut first_err = None;
        for window in cmds.chunks(PIPELINE_WINDOW) {
            let mut tags = Vec::with_capacity(window.len());
            for c in window {
                tags.push((self.conn.send(c.as_bytes())?, verb_of(c.as_bytes())));
            }
            for (tag, verb) in tags {
                if let Err(e) = self.conn.finish(&tag, &verb, &mut |_| Ok(())) {
                    if !self.conn.alive() {
                        return Err(e);
                    }
                    first_err.get_or_insert(e);
                }
            }
        }
        first_err.map_or(Ok(()), Err)
    }

    /// Removes the \Deleted messages `uids`: UID EXPUNGE with UIDPLUS,
    /// else EXPUNGE (which also removes others' \Deleted messages, as
    /// every client without UIDPLUS does).
    ///
    /// With UIDPLUS, when the messages marked \Deleted are exactly `uids`
    /// (UID SEARCH DELETED, asked only where its answer fits in a line:
    /// see [`search_fits`]; `exists` messages, the highest UID `max_uid`),
    /// one EXPUNGE does it: each UID EXPUNGE makes some servers (Dovecot
    /// on Maildir) go through the whole folder again.
    pub(crate) fn expunge(&mut self, uids: &[u32], exists: usize, max_uid: u32) -> io::Result<()> {
        let plain = !self.has("UIDPLUS")
            || (search_fits(exists, max_uid) && self.deleted()? == sorted(uids));
        if plain {
            self.conn.run(b"EXPUNGE", &mut |_| Ok(()))?;
            return Ok(());
        }
        let cmds = uid_sets(uids)
            .iter()
            .map(|set| format!("UID EXPUNGE {set}"))
            .collect();
        self.pipelined(cmds)
    }

    /// The UIDs of the messages marked \Deleted (sorted).
    fn deleted(&mut self) -> io::Result<Vec<u32>> {
        let mut found = Vec::new();
        self.conn.run(b"UID SEARCH DELETED", &mut |r| {
            if let Response::MailboxData(MailboxDatum::Search(v)) = r {
                found.extend(v);
            }
            Ok(())
        })?;
        Ok(sorted(&found))
    }

    /// The names of the server's folders (LIST "" "*"), those that can
    /// be selected, sorted.
    pub(crate) fn list(&mut self) -> io::Result<Vec<String>> {
        let mut names = Vec::new();
        self.conn.run(b"LIST \"\" \"*\"", &mut |r| {
            if let Response::MailboxData(MailboxDatum::List(l)) = r
                && !l
                    .name_attributes
                    .iter()
                    .any(|a| matches!(a, NameAttribute::NoSelect))
            {
                // A name that is not modified UTF-7 is shown as sent.
                names.push(utf7::decode(&l.name).unwrap_or_else(|| l.name.into_owned()));
            }
            Ok(())
        })?;
        names.sort();
        Ok(names)
    }

    /// What the server has told of the selected mailbox so far, with any
    /// command: the last EXISTS and the number of EXPUNGEs. A change means
    /// messages came or went.
    pub(crate) fn mailbox_news(&self) -> (Option<u32>, u64) {
        (self.conn.exists, self.conn.expunges)
    }

    /// NOOP: the number of messages the server now reports (EXISTS).
    pub(crate) fn noop(&mut self) -> io::Result<Option<u32>> {
        let mut exists = None;
        self.conn.run(b"NOOP", &mut |r| {
            if let Response::MailboxData(MailboxDatum::Exists(n)) = r {
                exists = Some(n);
            }
            Ok(())
        })?;
        Ok(exists)
    }

    /// UID COPY of `uids` to `mailbox` on this server. (Never UID MOVE:
    /// `save` keeps the message in the folder until quit decides, as in a
    /// local folder, and `exit` must leave the source unchanged.)
    pub(crate) fn copy(&mut self, uids: &[u32], mailbox: &str) -> io::Result<()> {
        let to = mailbox_arg(mailbox)?;
        let cmds = uid_sets(uids)
            .iter()
            .map(|set| format!("UID COPY {set} {to}"))
            .collect();
        self.pipelined(cmds)
    }

    /// APPEND one message (CRLF line ends) with `flags` (e.g. `\Seen`).
    pub(crate) fn append(&mut self, mailbox: &str, flags: &str, msg: &[u8]) -> io::Result<()> {
        let cmd = format!(
            "APPEND {} ({flags}) {{{}}}",
            mailbox_arg(mailbox)?,
            msg.len()
        );
        let tag = self.conn.send(cmd.as_bytes())?;
        let cont = self.conn.read_response()?;
        if !cont.starts_with(b"+") {
            return match parse(&cont) {
                Some(Response::Done {
                    status, outcome, ..
                }) => Err(failed(
                    "APPEND",
                    &status,
                    outcome.information.as_deref().unwrap_or(""),
                )),
                _ => Err(err("APPEND: unexpected answer".into())),
            };
        }
        self.conn.write_raw(msg)?;
        self.conn.write_raw(b"\r\n")?;
        self.conn.finish(&tag, "APPEND", &mut |_| Ok(()))?;
        Ok(())
    }

    /// LOGOUT (errors ignored: the session is over either way).
    pub(crate) fn logout(&mut self) {
        let _ = self.conn.run(b"LOGOUT", &mut |_| Ok(()));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox;

    /// One list of what a summary and a sort read (`mailbox::kept`): the
    /// summary fetch asks for all of it.
    #[test]
    fn the_summary_fetch_asks_for_every_kept_field() {
        let asked: Vec<String> = SUMMARY_FIELDS
            .split_whitespace()
            .map(str::to_ascii_lowercase)
            .collect();
        for n in mailbox::SUMMARY_FIELDS
            .iter()
            .chain(&mailbox::THREAD_FIELDS)
            .chain(&["to"])
        {
            assert!(asked.iter().any(|a| a == n), "{n}");
        }
    }

    #[test]
    fn sets_and_quoting() {
        assert_eq!(uid_set(&[5, 1, 2, 3, 9, 10, 3]), "1:3,5,9:10");
        assert_eq!(uid_set(&[7]), "7");
        assert!(uid_sets(&[]).is_empty());
        let every_other: Vec<u32> = (1..=100_000).step_by(2).collect();
        let sets = uid_sets(&every_other);
        assert!(sets.len() > 1 && sets.iter().all(|s| s.len() <= MAX_SET));
        assert_eq!(sets.join(","), uid_set(&every_other));
        assert_eq!(quoted("a\"b\\c").unwrap(), "\"a\\\"b\\\\c\"");
        // 100,000 messages (UIDs up to 6 digits) are searched; a million,
        // or 100,000 with 10-digit UIDs, are not.
        assert!(search_fits(100_000, 100_000) && search_fits(100_000, 999_999));
        assert!(search_fits(0, 0) && search_fits(3, 3));
        assert!(!search_fits(1_000_000, 1_000_000));
        assert!(!search_fits(100_000, 4_000_000_000));
        assert!(!search_fits(usize::MAX, u32::MAX));
        // What is searched fits even with a quarter more, one digit longer.
        for (n, max) in [
            (100_000usize, 999_999u32),
            (50_000, 9_999_999),
            (1, u32::MAX),
        ] {
            if search_fits(n, max) {
                let line = format!(
                    "* SEARCH{}\r\n",
                    format!(" {}", u64::from(max) * 10).repeat(n + n / 4)
                );
                assert!(line.len() < MAX_LINE, "{n} {max}");
            }
        }
        assert!(quoted("a\r\nb").is_err());
        assert_eq!(mailbox_arg("Entwürfe").unwrap(), "\"Entw&APw-rfe\"");
        assert_eq!(mailbox_arg("a&b").unwrap(), "\"a&-b\"");
    }
}
