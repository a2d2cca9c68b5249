//! IMAP folders: `imap://[user@]host[:port][/folder]` (STARTTLS on port
//! 143) and `imaps://…` (TLS, port 993), opened wherever a folder name is
//! taken. Behind the cargo feature `imap` (on by default); without it such
//! a name fails with a clear error.
//!
//! | file | concern |
//! |---|---|
//! | `url` | the folder name: parse, show (never the password), loopback |
//! | `utf7` | mailbox names outside ASCII: modified UTF-7 (RFC 3501 §5.1.3) |
//! | `tls` | rustls set-up: system roots plus `tls-ca-file`, the handshake |
//! | `conn` | the connection: timeouts, framing of responses with size limits, tags |
//! | `client` | the commands: STARTTLS, log-in, SELECT, FETCH, STORE, EXPUNGE, COPY/MOVE, APPEND |
//! | `spool` | message texts too large for memory, in one private temporary file |
//! | `folder` | [`Folder`] over a selected mailbox: summary, lazy text, changes at quit |
//! | `hcache` | the header cache: the summaries of a mailbox kept between sessions, by UIDVALIDITY |
//! | `ops` | what read mode asks besides the folder: open, save/copy to IMAP, `folders` (LIST) |
//!
//! The variables (`vars::KNOWN`): `imap-auth`, `imap-auth-password`,
//! `imap-auth-password-command` (through `secrets::lookup` with service
//! `imap`, like SMTP's; `~/.netrc` as well), `imap-timeout`,
//! `imap-allow-plaintext`, `tls-ca-file` (s-nail's names where s-nail
//! has one).

#[cfg(feature = "imap")]
mod client;
#[cfg(feature = "imap")]
mod conn;
#[cfg(feature = "imap")]
mod folder;
#[cfg(feature = "imap")]
mod hcache;
mod ops;
#[cfg(feature = "imap")]
mod spool;
#[cfg(feature = "imap")]
mod tls;
mod url;
#[cfg(feature = "imap")]
mod utf7;

#[cfg(feature = "imap")]
pub(crate) use hcache::set_dir as set_cache_dir;
pub(crate) use ops::{list_folders, open, save_on_server};

/// Without IMAP there is no IMAP header cache.
#[cfg(not(feature = "imap"))]
pub(crate) fn set_cache_dir(_: Option<std::path::PathBuf>) {}

/// For the fuzz target `imap_responses`: frames `data` into responses as
/// the connection does (also where a literal is spooled), parses each, and
/// turns FETCH answers into summary entries and message text as the folder
/// does; reads `data` as a modified UTF-7 folder name too. Never panics;
/// every response lies within `data`.
#[cfg(feature = "imap")]
#[doc(hidden)]
pub fn fuzz_responses(data: &[u8]) {
    // The spool's framing: a literal handed back to be spooled lies within
    // the data, after its `{N}`.
    if let Ok(conn::Frame::Spill {
        brace, data: at, ..
    }) = conn::frame_at(data, 1 << 16, Some(64))
    {
        assert!(brace.start < brace.end && brace.end < at && at <= data.len());
        assert!(data[brace.start] == b'{' && data[brace.end - 1] == b'}');
    }
    // A mailbox name as LIST gives it: decoded, encoded and decoded again.
    if let Some(name) = std::str::from_utf8(data).ok().and_then(utf7::decode) {
        assert_eq!(utf7::decode(&utf7::encode(&name)).as_deref(), Some(&*name));
    }
    let mut rest = data;
    // A small literal limit, so that the limit paths are reached too.
    while let Ok(Some(n)) = conn::frame(rest, 1 << 16) {
        assert!(n > 0 && n <= rest.len());
        if let Some(r) = conn::parse(&rest[..n])
            && let Some(s) = client::summary_of(r)
        {
            let body = folder::to_lf(s.header.clone());
            let _ = folder::to_crlf(&body);
            let _ = folder::summary_entry(s);
        }
        rest = &rest[n..];
    }
}
pub(crate) use url::is_imap;
