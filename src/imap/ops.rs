//! What read mode asks of IMAP besides the [`Folder`] methods: opening an
//! `imap://` folder with the session's settings (log-in included), and
//! `save`/`copy` whose target is an IMAP folder: UID COPY when the source
//! is a folder on the same server as the same user, else APPEND over a
//! connection of its own, each message with its flags.

use std::io;

use super::url::ImapUrl;
#[cfg(not(feature = "imap"))]
use super::url::shown;
use crate::mailbox::Folder;
use crate::session::Session;

#[cfg(feature = "imap")]
mod on {
    use std::io;
    use std::path::PathBuf;
    use std::time::Duration;

    use super::super::client::{Client, ConnectOptions, is_token_auth};
    use super::super::folder::{ImapFolder, to_crlf};
    use super::super::hcache::Key;
    use super::super::url::ImapUrl;
    use crate::expand;
    use crate::mailbox::{Folder, MsgFlags};
    use crate::secrets::{self, Query, Source};
    use crate::session::Session;
    use crate::util;

    fn options(s: &Session) -> ConnectOptions {
        let timeout = s
            .vars
            .nonempty("imap-timeout")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .filter(|v| *v > 0.0)
            // try_: a value too large for a Duration must not panic.
            .and_then(|v| Duration::try_from_secs_f64(v).ok())
            .unwrap_or(Duration::from_secs(60));
        let ca_file = s
            .vars
            .nonempty("tls-ca-file")
            .map(|p| PathBuf::from(expand::expand_quiet(s, p).unwrap_or_else(|_| p.to_string())));
        ConnectOptions {
            timeout,
            ca_file,
            allow_plaintext: s.is_set("imap-allow-plaintext"),
            auth: s.vars.nonempty("imap-auth").map(str::to_string),
        }
    }

    /// Connects to the server of `url` and logs in: the client and the
    /// user name it logged in as (the URL's for a pre-authenticated one).
    pub(super) fn connect(s: &Session, url: &ImapUrl) -> io::Result<(Client, String)> {
        let o = options(s);
        let (mut c, preauth) = Client::connect(url, &o)?;
        if preauth {
            return Ok((c, url.user.clone().unwrap_or_default()));
        }
        let q = Query {
            service: "imap",
            host: &url.host,
            user: url.user.as_deref(),
            url_password: url.password.as_deref(),
        };
        let login = secrets::lookup(s, &q)
            .map_err(io::Error::other)?
            .ok_or_else(|| {
                io::Error::other(format!(
                    "no user name for {} (give imap://user@{}, or set netrc-lookup and add it to ~/.netrc)",
                    url.host, url.host
                ))
            })?;
        let auth = o.auth.as_deref();
        match c.login(&login.user, &login.secret, auth, &url.host, url.port) {
            // A refused token is fetched again once from the command, as
            // for SMTP (an access token expires).
            Err(e)
                if e.kind() == io::ErrorKind::PermissionDenied
                    && is_token_auth(auth)
                    && login.source == Source::Command =>
            {
                let fresh = secrets::run_command(s, "imap", &url.host, &login.user)
                    .map_err(io::Error::other)?;
                c.login(&login.user, &fresh, auth, &url.host, url.port)?;
            }
            r => r?,
        }
        Ok((c, login.user))
    }

    /// `e` with the folder's name (no password) in front.
    fn named(url: &ImapUrl, e: io::Error) -> io::Error {
        io::Error::new(e.kind(), format!("{}: {e}", url.display()))
    }

    /// Opens the mailbox of `url` as a folder.
    pub(super) fn open(s: &Session, url: &ImapUrl) -> io::Result<Box<dyn Folder>> {
        open_inner(s, url).map_err(|e| named(url, e))
    }

    fn open_inner(s: &Session, url: &ImapUrl) -> io::Result<Box<dyn Folder>> {
        let (mut c, user) = connect(s, url)?;
        let sel = c.select(&url.mailbox, false)?;
        // The header cache (`hcache`), of this server, user and mailbox;
        // none where the server tells no UIDVALIDITY.
        let key = (sel.uidvalidity != 0)
            .then(|| Key::new(&url.host, url.port, &user, &url.mailbox, sel.uidvalidity));
        // autoinc asks the server at most this often (unless it has
        // already told of new mail).
        let poll_every = s
            .vars
            .nonempty("imap-newmail-interval")
            .and_then(|v| v.trim().parse::<f64>().ok())
            .and_then(|v| Duration::try_from_secs_f64(v).ok())
            .unwrap_or(Duration::from_secs(5));
        let f = ImapFolder::open(
            url.display(),
            url.clone(),
            c,
            sel.exists,
            sel.readonly,
            poll_every,
            key.as_ref(),
        )?;
        if s.is_set("verbose") {
            util::warnx(&format!(
                "{}: {} messages; header cache: {}",
                url.display(),
                f.len(),
                f.cache_note()
            ));
        }
        Ok(Box::new(f))
    }

    /// The folders on the server of `url`.
    pub(super) fn list(s: &Session, url: &ImapUrl) -> io::Result<Vec<String>> {
        let (mut c, _) = connect(s, url).map_err(|e| named(url, e))?;
        let names = c.list().map_err(|e| named(url, e))?;
        c.logout();
        Ok(names)
    }

    /// The IMAP flags of a message's session flags.
    fn flag_list(f: MsgFlags) -> String {
        let mut v = Vec::new();
        if f.contains(MsgFlags::READ) {
            v.push("\\Seen");
        }
        if f.contains(MsgFlags::ANSWERED) {
            v.push("\\Answered");
        }
        if f.contains(MsgFlags::FLAGGED) {
            v.push("\\Flagged");
        }
        v.join(" ")
    }

    /// UID COPY when `src` is a folder of the same server and user.
    pub(super) fn copy_on_server(
        src: &dyn Folder,
        which: &[usize],
        url: &ImapUrl,
    ) -> Option<io::Result<()>> {
        let f = src.as_any()?.downcast_ref::<ImapFolder>()?;
        if !f.same_account(url) {
            return None;
        }
        let uids = f.uids(which);
        Some(f.with_client(|c| c.copy(&uids, &url.mailbox)))
    }

    /// APPEND each message (without its envelope line) to `url`.
    pub(super) fn append(
        s: &Session,
        src: &dyn Folder,
        which: &[usize],
        url: &ImapUrl,
    ) -> io::Result<()> {
        append_inner(s, src, which, url).map_err(|e| named(url, e))
    }

    fn append_inner(
        s: &Session,
        src: &dyn Folder,
        which: &[usize],
        url: &ImapUrl,
    ) -> io::Result<()> {
        let (mut c, _) = connect(s, url)?;
        for &i in which {
            let raw = src.raw_message(i)?;
            let mut body = match memchr::memchr(b'\n', &raw) {
                Some(p) if raw.starts_with(b"From ") => raw[p + 1..].to_vec(),
                _ => raw,
            };
            // The empty line that ends a message as a folder hands it out.
            if body.ends_with(b"\n\n") {
                body.pop();
            }
            c.append(&url.mailbox, &flag_list(src.flags(i)), &to_crlf(&body))?;
        }
        c.logout();
        Ok(())
    }
}

#[cfg(not(feature = "imap"))]
fn not_built(name: &str) -> io::Error {
    io::Error::other(format!(
        "{}: this mailx was built without IMAP support (cargo feature \"imap\")",
        shown(name)
    ))
}

/// Opens the IMAP folder `name` with the session's settings.
pub(crate) fn open(s: &Session, name: &str) -> io::Result<Box<dyn Folder>> {
    let url = ImapUrl::parse(name).map_err(io::Error::other)?;
    #[cfg(feature = "imap")]
    {
        on::open(s, &url)
    }
    #[cfg(not(feature = "imap"))]
    {
        let _ = (s, url);
        Err(not_built(name))
    }
}

/// `save`/`copy` of messages `which` of `src` to the IMAP folder `name`:
/// UID COPY on the same server, else APPEND.
pub(crate) fn save_on_server(
    s: &Session,
    src: &dyn Folder,
    which: &[usize],
    name: &str,
) -> io::Result<()> {
    let url = ImapUrl::parse(name).map_err(io::Error::other)?;
    #[cfg(feature = "imap")]
    {
        if let Some(r) = on::copy_on_server(src, which, &url) {
            return r;
        }
        on::append(s, src, which, &url)
    }
    #[cfg(not(feature = "imap"))]
    {
        let _ = (s, src, which, url);
        Err(not_built(name))
    }
}

/// `folders` when `folder` is an IMAP URL: the server's folders (LIST).
pub(crate) fn list_folders(s: &Session, name: &str) -> io::Result<Vec<String>> {
    let url = ImapUrl::parse(name).map_err(io::Error::other)?;
    #[cfg(feature = "imap")]
    {
        on::list(s, &url)
    }
    #[cfg(not(feature = "imap"))]
    {
        let _ = (s, url);
        Err(not_built(name))
    }
}
