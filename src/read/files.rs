//! Writing messages to files: `save`, `copy`, `write` (bsd-mailx's `save1`:
//! the file is the last word of the line, `"file" [New file]` /
//! `"file" [Appended]`), and the POSIX `Save`/`Copy`, which name the file
//! after the sender's login (in the `folder` directory when `outfolder` is set).

use super::ReadState;
use super::msglist::MsgReq;
use super::msglist::{self, ListKind};
use crate::mailbox::maildir::is_maildir;
use crate::mailbox::{MsgFlags, RenderOptions, append_messages};
use crate::session::{IgnoreTab, Session};
use crate::{expand, imap, names, outln, outp, output, util};

/// Which of the three commands.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Save,
    Copy,
    Write,
}

impl Mode {
    fn name(self) -> &'static str {
        match self {
            Mode::Save => "save",
            Mode::Copy => "copy",
            Mode::Write => "write",
        }
    }
}

/// bsd-mailx's `snarf`: splits off the file name (the last blank-separated
/// word). Returns (message list part, file, whether a list part exists).
fn snarf(line: &str) -> Option<(&str, &str, bool)> {
    let t = line.trim_end_matches(|c: char| c.is_ascii_whitespace());
    if t.is_empty() {
        outln!("No file specified.");
        return None;
    }
    match t.rfind(|c: char| c.is_ascii_whitespace()) {
        Some(p) => Some((&t[..p], &t[p + 1..], true)),
        None => Some((&t[..0], t, false)),
    }
}

/// `save`, `copy`, `write` with their raw argument string.
pub(crate) fn save1(s: &mut Session, st: &mut ReadState, args: &str, mode: Mode) -> bool {
    let Some((list, file, has_list)) = snarf(args) else {
        return false;
    };
    let searchheaders = s.is_set("searchheaders");
    let msgvec = if !has_list {
        match msglist::first(st, MsgReq::Normal) {
            Some(m) => vec![m],
            None => {
                outln!("No messages to {}.", mode.name());
                return false;
            }
        }
    } else {
        let kind = ListKind {
            want_deleted: false,
            takes_names: true,
        };
        match msglist::getmsglist(st, list, &kind, searchheaders) {
            Some(v) => v,
            None => return false,
        }
    };
    let Some(path) = expand::expand(s, file) else {
        return false;
    };
    write_messages(s, st, &msgvec, &path, mode)
}

/// Appends the messages to `path` (through the mailbox engine's
/// `append_messages`) and prints the `"file" [..]` line.
fn write_messages(
    s: &mut Session,
    st: &mut ReadState,
    msgvec: &[usize],
    path: &str,
    mode: Mode,
) -> bool {
    outp!("\"{path}\" ");
    output::flush();
    if imap::is_imap(path) {
        return save_to_server(s, st, msgvec, path, mode);
    }
    let disp = if std::path::Path::new(path).exists() {
        "[Appended]"
    } else {
        "[New file]"
    };
    // A folder that is or becomes a Maildir: `append_messages` reports.
    let new_maildir = s.value("newfolders") == Some("maildir");
    let p = std::path::Path::new(path);
    let dir_target = is_maildir(p) || (!p.exists() && (new_maildir || path.ends_with('/')));
    // bsd-mailx's fopen(path, "a") failure message.
    if !dir_target
        && let Err(e) = std::fs::OpenOptions::new()
            .append(true)
            .create(true)
            .open(path)
    {
        util::warn("fopen", &e);
        util::note_write_failure();
        return false;
    }
    let ign: IgnoreTab = s.save_ignore.clone();
    let pred = |name: &str| ign.hides(name);
    let opts = if mode == Mode::Write {
        RenderOptions {
            ignore_all: true,
            ..Default::default()
        }
    } else {
        RenderOptions {
            ignore: Some(&pred),
            ..Default::default()
        }
    };
    deliver(st, msgvec, mode, disp, false, |st, which| {
        append_messages(&*st.mb, which, path.as_ref(), &opts, new_maildir)
            .map(drop)
            .map_err(|e| e.to_string())
    })
}

/// The part `save`, `copy` and `write` share whatever the target: touch
/// the messages, `append` them, and then mark them saved (not for `copy`)
/// and finish the `"file" ` line with `disp`; or report the error (on a
/// line of its own when `newline` is set) and note the failed write.
fn deliver(
    st: &mut ReadState,
    msgvec: &[usize],
    mode: Mode,
    disp: &str,
    newline: bool,
    append: impl FnOnce(&ReadState, &[usize]) -> Result<(), String>,
) -> bool {
    let which: Vec<usize> = msgvec.iter().take(st.count()).map(|m| m - 1).collect();
    for &i in &which {
        st.touch(i);
    }
    if let Err(e) = append(st, &which) {
        if newline {
            outln!();
        }
        util::warnx(&e);
        util::note_write_failure();
        return false;
    }
    if mode != Mode::Copy {
        for &i in &which {
            st.flags_mut(i).insert(MsgFlags::SAVED);
        }
    }
    outln!("{disp}");
    true
}

/// `save`/`copy`/`write` to an IMAP folder (`write` as `copy`: a server
/// folder holds whole messages): UID COPY on the same server, else APPEND.
fn save_to_server(
    s: &mut Session,
    st: &mut ReadState,
    msgvec: &[usize],
    path: &str,
    mode: Mode,
) -> bool {
    deliver(st, msgvec, mode, "[Appended]", true, |st, which| {
        imap::save_on_server(s, &*st.mb, which, path).map_err(|e| e.to_string())
    })
}

/// POSIX `Save`/`Copy`: to a file named after the login part of the first
/// message's sender, in the folder directory when `outfolder` is set.
pub(crate) fn save_by_sender(
    s: &mut Session,
    st: &mut ReadState,
    msgvec: &[usize],
    mark: bool,
) -> bool {
    let Some(&first) = msgvec.first() else {
        return false;
    };
    let sender = st.nameof(first - 1, 0);
    let login = names::sender_login(&sender);
    if login.is_empty() {
        outln!("No file specified.");
        return false;
    }
    let path = expand::by_name_path(s, login);
    write_messages(
        s,
        st,
        msgvec,
        &path,
        if mark { Mode::Save } else { Mode::Copy },
    )
}
