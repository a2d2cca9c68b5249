//! Writing into a Maildir the Maildir way: a new unique name in `tmp/`,
//! the message written and fsynced, renamed into `cur/` with its flags
//! (or into `new/`), the directory fsynced. A failure leaves no file in
//! `new/` or `cur/` (the `tmp/` file is removed). Also: creating a
//! Maildir, and a folder's message as a Maildir file (no envelope line).

use std::fs::{self, DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::name::unique;
use crate::mailbox::fields::is_c_space;
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::folder::{Folder, FolderKind};
use crate::mailbox::from_line::parse_from_line;
use crate::mailbox::hash::rand_u64;

/// Creates `path` (whose parent must exist) as an empty Maildir: the
/// directory and its `cur/`, `new/`, `tmp/`, mode 0700.
pub(crate) fn create(path: &Path) -> io::Result<()> {
    let mut b = DirBuilder::new();
    b.mode(0o700);
    b.create(path)?;
    for s in ["cur", "new", "tmp"] {
        b.create(path.join(s))?;
    }
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    File::open(&parent)?.sync_all()
}

/// This host's name for unique file names.
fn hostname() -> String {
    let u = rustix::system::uname();
    let h = u.nodename().to_string_lossy().into_owned();
    if h.is_empty() { "localhost".into() } else { h }
}

/// Delivers one message into the Maildir `dir`: `content` written into
/// `tmp/`, fsynced, renamed into `new/` (`info` None) or into `cur/` as
/// `NAME:2,INFO`, and `cur/` or `new/` fsynced. Returns the final path.
/// On error nothing is left behind.
pub(crate) fn deliver(dir: &Path, info: Option<&str>, content: &[u8]) -> io::Result<PathBuf> {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    let host = hostname();
    let (tmp, file, name) = loop {
        let name = unique(secs, std::process::id(), rand_u64(), &host);
        let tmp = dir.join("tmp").join(&name);
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)
        {
            Ok(f) => break (tmp, f, name),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    };
    let (sub, fin) = match info {
        None => ("new", name),
        Some(fl) => ("cur", format!("{name}:2,{fl}")),
    };
    let dst = dir.join(sub).join(fin);
    let r = (|| -> io::Result<()> {
        let mut f = &file;
        f.write_all(content)?;
        file.sync_all()?;
        fs::rename(&tmp, &dst)?;
        File::open(dir.join(sub))?.sync_all()
    })();
    match r {
        Ok(()) => Ok(dst),
        Err(e) => {
            let _ = fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Where a copy of a message with `flags` goes: `None` (into `new/`) for
/// a new unread message, else the `cur/` flag letters.
pub(crate) fn info_for(flags: MsgFlags) -> Option<String> {
    if flags.contains(MsgFlags::NEW) && !flags.contains(MsgFlags::READ) {
        return None;
    }
    let mut s = String::new();
    if flags.contains(MsgFlags::FLAGGED) {
        s.push('F');
    }
    if flags.contains(MsgFlags::ANSWERED) {
        s.push('R');
    }
    if flags.contains(MsgFlags::READ) {
        s.push('S');
    }
    Some(s)
}

/// Message `i` of `src` as a Maildir file: the envelope line and the
/// empty line that ends a message as a folder hands it out left out;
/// header fields `ignore` hides (the `saveignore` list) left out; from an
/// mbox, the envelope sender added as `Return-Path:` when there is none.
/// Everything else byte for byte.
pub(crate) fn maildir_bytes(
    src: &dyn Folder,
    i: usize,
    ignore: Option<&dyn Fn(&str) -> bool>,
) -> io::Result<Vec<u8>> {
    let mut raw = src.raw_message(i)?;
    // The empty line ending a message as handed out (mbox: the separator;
    // Maildir: the one added after the file).
    if src.kind() != FolderKind::Mbox || raw.ends_with(b"\n\n") {
        raw.pop();
    }
    let (first, rest) = match memchr::memchr(b'\n', &raw) {
        Some(p) => (&raw[..p], &raw[p + 1..]),
        None => (&raw[..], &raw[raw.len()..]),
    };
    let mut out = Vec::with_capacity(raw.len() + 64);
    let has_rp = super::scan::return_path(rest).is_some()
        || header_names(rest).any(|n| n.eq_ignore_ascii_case(b"return-path"));
    if src.kind() == FolderKind::Mbox
        && !has_rp
        && let Some(((s, e), _)) = parse_from_line(first)
    {
        out.extend_from_slice(b"Return-Path: <");
        out.extend_from_slice(&first[s..e]);
        out.extend_from_slice(b">\n");
    }
    match ignore {
        None => out.extend_from_slice(rest),
        Some(ig) => {
            let mut pos = 0;
            let mut skipping = false;
            while pos < rest.len() {
                let end = memchr::memchr(b'\n', &rest[pos..]).map_or(rest.len(), |p| pos + p + 1);
                let line = &rest[pos..end];
                if line == b"\n" || line == b"\r\n" {
                    out.extend_from_slice(&rest[pos..]);
                    return Ok(out);
                }
                if !(line[0] == b' ' || line[0] == b'\t') {
                    let name = field_name(line);
                    skipping =
                        name.is_some_and(|n| ig(&String::from_utf8_lossy(n).to_ascii_lowercase()));
                }
                if !skipping {
                    out.extend_from_slice(line);
                }
                pos = end;
            }
        }
    }
    Ok(out)
}

/// Delivers messages `which` of `src` into the Maildir `dir`, each as
/// [`maildir_bytes`] makes it, with its flags ([`info_for`]). On error the
/// ones already delivered by this call are removed again.
pub(crate) fn deliver_all(
    src: &dyn Folder,
    which: &[usize],
    dir: &Path,
    ignore: Option<&dyn Fn(&str) -> bool>,
) -> io::Result<u64> {
    let mut done: Vec<PathBuf> = Vec::new();
    let mut bytes = 0;
    let r = (|| -> io::Result<()> {
        for &i in which {
            let content = maildir_bytes(src, i, ignore)?;
            bytes += content.len() as u64;
            done.push(deliver(dir, info_for(src.flags(i)).as_deref(), &content)?);
        }
        Ok(())
    })();
    if let Err(e) = r {
        for p in &done {
            let _ = fs::remove_file(p);
        }
        return Err(e);
    }
    Ok(bytes)
}

/// The field name of a header line (None if it is not a field).
fn field_name(line: &[u8]) -> Option<&[u8]> {
    let mut c = 0;
    while c < line.len() && line[c] != b':' && !is_c_space(line[c]) {
        c += 1;
    }
    let end = c;
    while c < line.len() && is_c_space(line[c]) && line[c] != b'\n' {
        c += 1;
    }
    (c < line.len() && line[c] == b':').then(|| &line[..end])
}

/// The names of the header block's fields.
fn header_names(data: &[u8]) -> impl Iterator<Item = &[u8]> {
    data.split(|&b| b == b'\n')
        .take_while(|l| !l.is_empty() && *l != b"\r")
        .filter_map(field_name)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::mbox::Mailbox;
    use crate::mailbox::testutil::tmpdir;

    #[test]
    fn deliver_into_cur_and_new() {
        let d = tmpdir().join("md");
        create(&d).unwrap();
        let p = deliver(&d, Some("S"), b"Subject: x\n\nhi\n").unwrap();
        assert!(p.starts_with(d.join("cur")));
        assert!(p.to_string_lossy().ends_with(":2,S"));
        assert_eq!(fs::read(&p).unwrap(), b"Subject: x\n\nhi\n");
        let p = deliver(&d, None, b"x").unwrap();
        assert!(p.starts_with(d.join("new")));
        assert_eq!(fs::read_dir(d.join("tmp")).unwrap().count(), 0);
        assert!(create(&d).is_err());
    }

    #[test]
    fn mbox_message_as_maildir_file() {
        let mb = Mailbox::from_bytes(
            b"From a@b Mon Jan  1 10:00:00 2001\nSubject: s\nStatus: RO\nX-Y: 1\n z\n\nbody\n>From x\n",
        )
        .unwrap();
        let got = maildir_bytes(&mb, 0, None).unwrap();
        assert_eq!(
            got,
            b"Return-Path: <a@b>\nSubject: s\nStatus: RO\nX-Y: 1\n z\n\nbody\n>From x\n"
        );
        let ig = |n: &str| n == "x-y";
        let got = maildir_bytes(&mb, 0, Some(&ig)).unwrap();
        assert_eq!(
            got,
            b"Return-Path: <a@b>\nSubject: s\nStatus: RO\n\nbody\n>From x\n"
        );
    }
}
