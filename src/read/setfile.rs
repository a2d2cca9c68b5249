//! Choosing and opening a mailbox (bsd-mailx's `setfile`): `%` (the system
//! mailbox, `$MAIL` rules), `%user`, `&`, `+folder`, `#`, a path; the open
//! errors (`No mail for USER`, `mail: path: strerror`); closing the previous
//! mailbox with the quit rules; and `inc` (new mail during the session).

use super::{ReadState, announce, newfileinfo};
use std::path::{Path, PathBuf};

use crate::mailbox::{LockOptions, MsgFlags, index_cache, open_folder, set_cache_dir};
use crate::session::Session;
use crate::{expand, imap, outln, output, user, util};

/// Where caches go (a Maildir's header cache, a big mbox's index, an IMAP
/// mailbox's header cache): `$XDG_CACHE_HOME/mailx` (an absolute
/// path), else `~/.cache/mailx`; None with `noheadercache` or no home.
fn header_cache_dir(s: &Session) -> Option<PathBuf> {
    if s.is_set("noheadercache") {
        return None;
    }
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| user::files_home(s).map(|h| Path::new(&h).join(".cache")))?;
    Some(base.join("mailx"))
}

/// Why a mailbox could not be opened (the message was already printed).
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum OpenError {
    /// The system mailbox is missing or empty (`No mail for USER`).
    NoMail,
    /// Any other failure.
    Failed,
}

/// Opens `name` (before expansion) as the current mailbox. A previous
/// mailbox is written back first. With `quiet_nomail` the `No mail for`
/// message is not printed (for `-e`).
pub(crate) fn setfile(
    s: &mut Session,
    rd: &mut Option<ReadState>,
    name: &str,
    quiet_nomail: bool,
) -> Result<(), OpenError> {
    let isedit = !name.starts_with('%');
    let who = if name.len() > 1 && name.starts_with('%') {
        name[1..].to_string()
    } else {
        s.myname.clone()
    };
    let nomail = |q: bool| {
        if !q {
            output::err_line(&format!("No mail for {who}"));
        }
        Err(OpenError::NoMail)
    };
    let Some(path) = expand::expand(s, name) else {
        return Err(OpenError::Failed);
    };
    let cache = header_cache_dir(s);
    index_cache::set_dir(cache.clone());
    imap::set_cache_dir(cache.clone());
    set_cache_dir(cache);
    let remote = imap::is_imap(&path);
    let opened = if remote {
        imap::open(s, &path)
    } else {
        open_folder(path.as_ref())
    };
    let mb = match opened {
        Ok(mb) => mb,
        Err(e) if remote => {
            util::warnx(&e.to_string());
            return Err(OpenError::Failed);
        }
        Err(e) => {
            if !isedit && e.kind() == std::io::ErrorKind::NotFound {
                return nomail(quiet_nomail);
            }
            util::warn(&path, &e);
            return Err(OpenError::Failed);
        }
    };
    let mb = if remote {
        // A server folder is not a file the old one's write-back can
        // change: keep the connection.
        if let Some(old) = rd.as_mut().filter(|st| !st.placeholder) {
            super::quit::quit(s, old);
        }
        mb
    } else if let Some(old) = rd.as_mut().filter(|st| !st.placeholder) {
        // Write the current mailbox back first, then read the new one
        // afresh: it may be the same file, just rewritten.
        drop(mb);
        super::quit::quit(s, old);
        match open_folder(path.as_ref()) {
            Ok(mb) => mb,
            Err(e) => {
                *rd = None;
                util::warn(&path, &e);
                return Err(OpenError::Failed);
            }
        }
    } else {
        mb
    };
    // bsd-mailx keeps these in globals: they survive a switch of files.
    let (mut screen, mut lastcolmod, mut lastscan) = (0, 0, String::new());
    if let Some(old) = rd.take() {
        screen = old.screen;
        lastcolmod = old.lastcolmod;
        lastscan = old.lastscan;
        if !old.mailname.is_empty() {
            s.prevfile = Some(old.mailname);
        }
    }
    s.mailname = Some(path.clone());
    let count = mb.len();
    let mut st = ReadState::new(mb, path, isedit);
    // The header screen and search state survive a file switch (bsd-mailx globals).
    st.screen = screen;
    st.lastcolmod = lastcolmod;
    st.lastscan = lastscan;
    *rd = Some(st);
    if !isedit && count == 0 {
        return nomail(quiet_nomail);
    }
    Ok(())
}

/// `inc`: takes in mail appended since the mailbox was read.
/// Returns the number of new messages, or None on failure.
pub(crate) fn incfile(st: &mut ReadState) -> Option<usize> {
    // bsd-mailx locks the mailbox while reading the new part.
    let lock = LockOptions {
        dotlock: !st.edit,
        ..Default::default()
    };
    let mut warn = Vec::new();
    let r = st.mb.incorporate(&lock, &mut warn).ok();
    // The last message may have been recounted with its new tail.
    st.header_cache.clear();
    if !warn.is_empty() {
        output::err_line(String::from_utf8_lossy(&warn).trim_end());
    }
    r
}

/// The `inc` command.
pub(crate) fn inc(s: &Session, st: &mut ReadState) -> bool {
    let before = st.count();
    match incfile(st) {
        Some(0) => outln!("No new mail."),
        Some(_) => {
            let mdot = newfileinfo(s, st, before);
            st.dot = mdot - 1;
        }
        None => outln!("\"inc\" command failed..."),
    }
    true
}

/// `file`/`folder` with no argument: the file info line; then new
/// messages stop being new (bsd-mailx's `clearnew`).
pub(crate) fn fileinfo(s: &Session, st: &mut ReadState) {
    newfileinfo(s, st, 0);
    for i in 0..st.count() {
        let f = st.flags_mut(i);
        if f.contains(MsgFlags::NEW) {
            f.remove(MsgFlags::NEW);
            f.insert(MsgFlags::STATUS);
        }
    }
}

/// `file name`: write back the current mailbox and open another one.
pub(crate) fn switch(s: &mut Session, rd: &mut Option<ReadState>, name: &str) -> bool {
    if setfile(s, rd, name, false).is_err() {
        return false;
    }
    if let Some(st) = rd.as_mut() {
        announce(s, st);
    }
    true
}
