//! Scanning a Maildir: every regular file in `new/` and `cur/` whose name
//! does not start with `.`, read once for its size, line count and
//! envelope, ordered by delivery time (the time prefix of the unique name,
//! else the file's mtime), then by name.

use std::collections::{HashMap, HashSet};
use std::fs;
use std::io::{self, Write};
use std::os::unix::fs::MetadataExt;
use std::path::Path;

use super::name::{Name, bytes};
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::from_line::mbox_date;
use crate::sys::localtime;
use crate::util::strerror;

/// Which subdirectory a message file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Sub {
    /// `new/`: delivered, never seen by a mail reader.
    New,
    /// `cur/`: seen by a mail reader (flags in the name).
    Cur,
}

impl Sub {
    /// The directory name.
    pub(crate) fn dir(self) -> &'static str {
        match self {
            Sub::New => "new",
            Sub::Cur => "cur",
        }
    }
}

/// One message file as scanned.
#[derive(Clone, Debug)]
pub(crate) struct Entry {
    /// Where it was (or was last found).
    pub(crate) sub: Sub,
    /// The file name (bytes).
    pub(crate) name: Vec<u8>,
    /// Delivery time, seconds since the epoch.
    pub(crate) time: u64,
    /// Bytes and lines of the file (of the edited text after `edit`).
    pub(crate) size: u64,
    pub(crate) lines: u64,
    /// The made-up envelope line `From sender date\n`.
    pub(crate) envelope: Vec<u8>,
    /// Session flags.
    pub(crate) flags: MsgFlags,
    /// The edited message (without the envelope line), written at quit.
    pub(crate) replaced: Option<Vec<u8>>,
}

impl Entry {
    /// The unique base name.
    pub(crate) fn base(&self) -> &[u8] {
        Name::parse(&self.name).base
    }
}

/// Scans `dir`'s `new/` and `cur/` for files whose base name is not in
/// `known`. Files that cannot be read are reported on `warn` and left out.
/// A subdirectory that cannot be listed is an error.
///
/// `new/` is listed before `cur/`, the direction other programs move
/// files in, so a file moved meanwhile is seen at least once; a file seen
/// in both (moved between the two listings) is taken once, as found in
/// `cur/`; one gone between listing and reading is left out silently
/// (moved: found in `cur/`; removed: not a message any more).
pub(crate) fn scan(
    dir: &Path,
    known: &HashSet<Vec<u8>>,
    warn: &mut dyn Write,
) -> io::Result<Vec<Entry>> {
    let mut out: Vec<Entry> = Vec::new();
    // Base name → index in `out`.
    let mut at: HashMap<Vec<u8>, usize> = HashMap::new();
    for sub in [Sub::New, Sub::Cur] {
        let d = dir.join(sub.dir());
        for e in fs::read_dir(&d)? {
            let e = e?;
            let fname = e.file_name();
            let name = bytes(&fname);
            if name.starts_with(b".") || known.contains(Name::parse(name).base) {
                continue;
            }
            // Regular files only: no symbolic links, directories, FIFOs.
            if !e.file_type().is_ok_and(|t| t.is_file()) {
                continue;
            }
            let path = d.join(&fname);
            let (data, mtime) = match fs::read(&path).and_then(|d| {
                let m = fs::symlink_metadata(&path)?;
                Ok((d, m.mtime()))
            }) {
                Ok(x) => x,
                Err(err) if err.kind() == io::ErrorKind::NotFound => continue,
                Err(err) => {
                    let _ = writeln!(warn, "{}: {}", path.display(), strerror(&err));
                    continue;
                }
            };
            let e = entry(sub, name.to_vec(), &data, mtime);
            match at.get(e.base()) {
                Some(&k) => out[k] = e,
                None => {
                    at.insert(e.base().to_vec(), out.len());
                    out.push(e);
                }
            }
        }
    }
    out.sort_by(|a, b| (a.time, &a.name).cmp(&(b.time, &b.name)));
    Ok(out)
}

/// An entry for a file named `name` in `sub` with content `data`.
pub(crate) fn entry(sub: Sub, name: Vec<u8>, data: &[u8], mtime: i64) -> Entry {
    let n = Name::parse(&name);
    let time = n.time().unwrap_or(mtime.max(0) as u64);
    let mut flags = MsgFlags::USED;
    if n.has(b'S') {
        flags.insert(MsgFlags::READ);
    } else if sub == Sub::New {
        flags.insert(MsgFlags::NEW);
    }
    if n.has(b'F') {
        flags.insert(MsgFlags::FLAGGED);
    }
    if n.has(b'R') {
        flags.insert(MsgFlags::ANSWERED);
    }
    let envelope = envelope_line(data, time);
    Entry {
        sub,
        name,
        time,
        size: data.len() as u64,
        lines: count_lines(data),
        envelope,
        flags,
        replaced: None,
    }
}

/// Lines of `data`: its newlines, plus one for an unterminated last line.
pub(crate) fn count_lines(data: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', data).count() as u64;
    n + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// `From sender date\n`: the sender from `Return-Path:` (`MAILER-DAEMON`
/// when it is `<>` or missing), the date the delivery time as an mbox date.
pub(crate) fn envelope_line(data: &[u8], time: u64) -> Vec<u8> {
    let sender = return_path(data).unwrap_or_else(|| b"MAILER-DAEMON".to_vec());
    let mut v = b"From ".to_vec();
    v.extend_from_slice(&sender);
    v.push(b' ');
    v.extend_from_slice(mbox_date(&localtime(time.min(i64::MAX as u64) as i64)).as_bytes());
    v.push(b'\n');
    v
}

/// The address of the first `Return-Path:` field of the header block,
/// without its angle brackets (None if missing or empty).
pub(crate) fn return_path(data: &[u8]) -> Option<Vec<u8>> {
    for line in data.split(|&b| b == b'\n') {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.len() > 12 && line[..12].eq_ignore_ascii_case(b"return-path:") {
            let v: Vec<u8> = line[12..]
                .iter()
                .copied()
                .filter(|&b| b != b'<' && b != b'>' && !b.is_ascii_whitespace())
                .collect();
            return if v.is_empty() { None } else { Some(v) };
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::testutil::tmpdir;

    #[test]
    fn entry_flags_and_counts() {
        let e = entry(
            Sub::New,
            b"100.a.h".to_vec(),
            b"Return-Path: <a@b>\nSubject: x\n\nbody",
            5,
        );
        assert_eq!((e.time, e.size, e.lines), (100, 35, 4));
        assert!(e.flags.contains(MsgFlags::NEW));
        assert!(e.envelope.starts_with(b"From a@b "), "{:?}", e.envelope);
        let e = entry(Sub::Cur, b"x:2,FRS".to_vec(), b"", 7);
        assert_eq!((e.time, e.size, e.lines), (7, 0, 0));
        assert!(
            e.flags
                .contains(MsgFlags::READ | MsgFlags::FLAGGED | MsgFlags::ANSWERED)
        );
        assert!(e.envelope.starts_with(b"From MAILER-DAEMON "));
        let e = entry(Sub::Cur, b"x:2,".to_vec(), b"Return-Path: <>\n\n", 7);
        assert!(!e.flags.intersects(MsgFlags::READ | MsgFlags::NEW));
        assert!(e.envelope.starts_with(b"From MAILER-DAEMON "));
    }

    #[test]
    fn a_file_seen_in_new_and_cur_is_one_message_as_in_cur() {
        let d = tmpdir();
        for sub in ["cur", "new", "tmp"] {
            fs::create_dir_all(d.join(sub)).unwrap();
        }
        fs::write(d.join("new/100.a.h"), "Subject: a\n\n").unwrap();
        fs::write(d.join("cur/100.a.h:2,S"), "Subject: a\n\n").unwrap();
        fs::write(d.join("new/200.b.h"), "Subject: b\n\n").unwrap();
        let v = scan(&d, &HashSet::new(), &mut Vec::new()).unwrap();
        let got: Vec<(Sub, &[u8])> = v.iter().map(|e| (e.sub, &e.name[..])).collect();
        assert_eq!(
            got,
            [(Sub::Cur, &b"100.a.h:2,S"[..]), (Sub::New, &b"200.b.h"[..])]
        );
    }
}
