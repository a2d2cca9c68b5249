//! IMAP folders: `imap://[user@]host[:port][/folder]` (STARTTLS on port
//! 143) and `imaps://…` (TLS, port 993), opened wherever a folder name is
//! taken. Behind the cargo feature `imap` (on by default); without it such
//! a name fails with a clear error.
//!
//! | file | concern |
//! |---|---|
//! | `url` | the folder name: parse, show (never the password), loopback |
//! | `tls` | rustls set-up: system roots plus `tls-ca-file`, the handshake |
//! | `conn` | the connection: timeouts, framing of responses with size limits, tags |
//! | `client` | the commands: STARTTLS, log-in, SELECT, FETCH, STORE, EXPUNGE, COPY/MOVE, APPEND |
//! | `folder` | [`Folder`] over a selected mailbox: summary, lazy text, changes at quit |
//! | `ops` | what read mode asks besides the folder: open, save/copy to IMAP |
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
mod ops;
#[cfg(feature = "imap")]
mod tls;
mod url;

pub(crate) use ops::{open, save_on_server};
pub(crate) use url::is_imap;
