//! Producing the new content of an mbox at quit and putting it in place:
//! rename over the old file where that is safe (temporary file in the same
//! directory, owner and mode kept, directory fsynced), else in place (see
//! `in_place`). The content is the kept messages as `sendmessage` writes
//! them, then the mail that arrived since the mailbox was read.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{FileExt, MetadataExt, OpenOptionsExt, PermissionsExt};
use std::path::{Path, PathBuf};

use super::in_place::rewrite_in_place;
use super::stream::StreamOut;
use super::{
    QuitOptions, RewriteMethod, WriteError, dir_writable, is_spool_dir, parent_dir,
    remove_stale_temps, sync_dir, temp_name,
};
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::lock::MailboxLock;
use crate::mailbox::mbox::Mailbox;
use crate::mailbox::reader::RangeReader;
use crate::mailbox::render::{RenderOptions, render_message_seq};

/// Writes the new mailbox content: a non-blank preamble (kept so that no
/// data is lost; bsd-mailx drops it), the selected messages as
/// `sendmessage` writes them, then the bytes appended since the scan.
///
/// A message that does not end with an empty line (possible after `inc`
/// or `edit`) gets one before the next message, so that the file reads
/// back with the same messages (bsd-mailx would glue them together).
pub(super) fn produce(
    mb: &Mailbox,
    lockf: &File,
    cur: u64,
    keep: &dyn Fn(MsgFlags) -> bool,
    w: &mut dyn Write,
) -> io::Result<u64> {
    let mut t = Tail {
        w,
        n: 0,
        last: [b'\n', b'\n'],
    };
    if mb.preamble_len() > 0 && !mb.preamble_is_blank()? {
        io::copy(
            &mut RangeReader::new(mb.file(), 0, mb.preamble_len()),
            &mut t,
        )?;
    }
    let ropts = RenderOptions::default();
    let mut need_sep = false;
    let mut seq = mb.seq_reader(|i| keep(mb.flags(i)));
    for i in 0..mb.len() {
        if keep(mb.flags(i)) {
            if need_sep {
                t.separate()?;
            }
            render_message_seq(mb, i, mb.flags(i), &ropts, &mut seq, &mut t)?;
            need_sep = !mb.entry(i).ends_blank;
        }
    }
    let start = mb.scanned_len();
    if cur > start {
        let mut first = [0u8; 5];
        let k = (cur - start).min(5) as usize;
        lockf.read_exact_at(&mut first[..k], start)?;
        if need_sep && first[..k].starts_with(b"From ") {
            t.separate()?;
        }
        io::copy(&mut RangeReader::new(lockf, start, cur - start), &mut t)?;
    }
    Ok(t.n)
}

/// How much of the check that the mailbox is unchanged (see
/// [`Mailbox::verify_unchanged`]) is left when the write-back starts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Check {
    /// All of it was done before.
    Done,
    /// Only [`Mailbox::check_identity`] was: the From_ lines and samples
    /// are checked in a helper thread while the new content is produced,
    /// and the verdict is taken before anything that cannot be undone
    /// (the rename; the recovery file and the overwrite).
    Deferred,
}

/// Runs `work`; with [`Check::Deferred`], `mb.verify_contents` runs beside
/// it in a helper thread (after it, in this thread, if no thread can be
/// started). Returns the check's verdict and `work`'s result.
pub(super) fn beside_check<T>(
    mb: &Mailbox,
    f: &File,
    check: Check,
    work: impl FnOnce() -> T,
) -> (Result<(), String>, T) {
    if check == Check::Done {
        return (Ok(()), work());
    }
    std::thread::scope(|s| {
        let helper = std::thread::Builder::new()
            .spawn_scoped(s, || mb.verify_contents(f, false))
            .ok();
        let r = work();
        let verdict = match helper {
            Some(h) => h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)),
            None => mb.verify_contents(f, false),
        };
        (verdict, r)
    })
}

/// A writer that remembers the last two bytes written.
struct Tail<'a> {
    w: &'a mut dyn Write,
    n: u64,
    last: [u8; 2],
}

impl Tail<'_> {
    /// Ends the previous message with an empty line.
    fn separate(&mut self) -> io::Result<()> {
        if self.n == 0 {
            return Ok(());
        }
        if self.last[1] == b'\n' {
            self.write_all(b"\n")
        } else {
            self.write_all(b"\n\n")
        }
    }
}

impl Write for Tail<'_> {
    fn write(&mut self, b: &[u8]) -> io::Result<usize> {
        let k = self.w.write(b)?;
        if k >= 2 {
            self.last = [b[k - 2], b[k - 1]];
        } else if k == 1 {
            self.last = [self.last[1], b[0]];
        }
        self.n += k as u64;
        Ok(k)
    }
    fn flush(&mut self) -> io::Result<()> {
        self.w.flush()
    }
}

/// Replaces the mailbox content (see the module comment for the method).
pub(super) fn rewrite_mailbox(
    mb: &Mailbox,
    lock: &MailboxLock,
    cur: u64,
    opts: &QuitOptions<'_>,
    keep: &dyn Fn(MsgFlags) -> bool,
    check: Check,
) -> Result<(), WriteError> {
    let path = mb.path().to_path_buf();
    // Rename replaces the directory entry: resolve symbolic links first so
    // the link stays a link, and keep hard links intact by writing in place.
    let real = fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
    let dir = parent_dir(&real);
    let nlink = lock.file().metadata().map(|m| m.nlink()).unwrap_or(1);
    // Never rename over a system mailbox (or anything in the spool
    // directory): an MTA delivering to it may already hold the old file open
    // waiting for the lock, and Postfix then defers that delivery ("target
    // file status changed unexpectedly"). Those are rewritten in place, as
    // bsd-mailx does, behind the durable recovery copy.
    let use_rename = opts.method == RewriteMethod::Auto
        && nlink == 1
        && dir_writable(&dir)
        && !opts.system
        && !is_spool_dir(&dir);
    if use_rename {
        match rewrite_rename(mb, lock, cur, keep, &real, &dir, check) {
            Ok(()) => return Ok(()),
            // Fall back to in place (the contents were checked).
            Err(RenameFail::Owner) => {
                return rewrite_in_place(mb, lock, cur, keep, &path, &opts.backup_dir, Check::Done);
            }
            Err(RenameFail::Changed(m)) => return Err(WriteError::Changed(m)),
            Err(RenameFail::Io(p, e)) => return Err(WriteError::Io(p, e)),
        }
    }
    rewrite_in_place(mb, lock, cur, keep, &path, &opts.backup_dir, check)
}

enum RenameFail {
    /// The new file could not be given the old owner: use in place.
    Owner,
    /// The deferred check found the mailbox changed.
    Changed(String),
    Io(PathBuf, io::Error),
}

fn rewrite_rename(
    mb: &Mailbox,
    lock: &MailboxLock,
    cur: u64,
    keep: &dyn Fn(MsgFlags) -> bool,
    path: &Path,
    dir: &Path,
    check: Check,
) -> Result<(), RenameFail> {
    let base = path
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(dir, &base);
    let tmp = dir.join(temp_name(&base));
    let meta = lock
        .file()
        .metadata()
        .map_err(|e| RenameFail::Io(path.to_path_buf(), e))?;
    let fail = |e: io::Error| RenameFail::Io(tmp.clone(), e);
    let f = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&tmp)
        .map_err(fail)?;
    let (checked, r) = beside_check(mb, lock.file(), check, || -> io::Result<()> {
        let mut w = StreamOut::buffered(&f);
        produce(mb, lock.file(), cur, keep, &mut w)?;
        w.flush()
    });
    if let Err(m) = checked {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Changed(m));
    }
    if let Err(e) = r {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Io(tmp.clone(), e));
    }
    let tm = f.metadata().map_err(fail)?;
    if (tm.uid(), tm.gid()) != (meta.uid(), meta.gid())
        && std::os::unix::fs::fchown(&f, Some(meta.uid()), Some(meta.gid())).is_err()
    {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Owner);
    }
    if let Err(e) = f.set_permissions(fs::Permissions::from_mode(meta.mode() & 0o7777)) {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Io(path.to_path_buf(), e));
    }
    // One fsync for the data, the owner and the mode, before the rename
    // (the owner and mode are set after the data: a write by a non-root
    // user would clear set-id bits).
    if let Err(e) = f.sync_all() {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Io(tmp.clone(), e));
    }
    let r = (|| -> io::Result<()> {
        fs::rename(&tmp, path)?;
        sync_dir(dir)
    })();
    if let Err(e) = r {
        let _ = fs::remove_file(&tmp);
        return Err(RenameFail::Io(path.to_path_buf(), e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::hash::SAMPLE_STEP;
    use crate::mailbox::reader::set_test_block;
    use crate::mailbox::render::render_message;
    use crate::mailbox::testutil::{A, B, mailbox, tmpdir};
    use crate::mailbox::write::{WriteError, quit};

    #[test]
    fn edited_message_is_written_back() {
        let d = tmpdir();
        let p = d.join("box");
        fs::write(&p, format!("{A}{B}")).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        mb.replace_message(
            0,
            b"From a@b Mon Jan  1 10:00:00 2001 remote from x\nSubject: edited\n\nnew".to_vec(),
        );
        let mut out = Vec::new();
        let o = QuitOptions::new(false, d.join("mbox"));
        quit(&mut mb, &o, &mut out, &mut io::sink()).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            format!("\"{}\" complete\n", p.display())
        );
        let got = fs::read_to_string(&p).unwrap();
        assert_eq!(
            got,
            "From a@b Mon Jan  1 10:00:00 2001 remote from x\nSubject: edited\nStatus: O\n\nnew\n\n\
             From c@d Mon Jan  1 10:00:00 2001\nSubject: b\nStatus: O\n\nbody b\n\n"
        );
        assert_eq!(Mailbox::open(&p).unwrap().len(), 2);
        fs::remove_dir_all(&d).unwrap();
    }

    /// The write-back as it was done before the sequential reader:
    /// `render_message` for each kept message, separators, the new tail.
    fn expected_write_back(mb: &Mailbox, tail: &[u8]) -> Vec<u8> {
        let mut w = Vec::new();
        let sep = |w: &mut Vec<u8>| {
            if !w.is_empty() {
                w.extend_from_slice(if w.ends_with(b"\n") { b"\n" } else { b"\n\n" });
            }
        };
        let mut need_sep = false;
        for i in 0..mb.len() {
            if !mb.flags(i).contains(MsgFlags::DELETED) {
                if need_sep {
                    sep(&mut w);
                }
                render_message(mb, i, mb.flags(i), &RenderOptions::default(), &mut w).unwrap();
                need_sep = !mb.entry(i).ends_blank;
            }
        }
        if need_sep && tail.starts_with(b"From ") {
            sep(&mut w);
        }
        w.extend_from_slice(tail);
        w
    }

    #[test]
    fn write_back_through_the_sequential_reader() {
        let d = tmpdir();
        let p = d.join("box");
        let mut case = 0;
        for block in [0u64, 1, 7, 4096, 8191] {
            for method in [RewriteMethod::Auto, RewriteMethod::InPlace] {
                case += 1;
                let data = mailbox(case, 80_000, false);
                fs::write(&p, &data).unwrap();
                let mut mb = Mailbox::open(&p).unwrap();
                for i in 0..mb.len() {
                    let f = mb.flags_mut(i);
                    if f.contains(MsgFlags::NEW) {
                        f.remove(MsgFlags::NEW);
                        f.insert(MsgFlags::STATUS);
                    }
                    if (i + case as usize).is_multiple_of(3) {
                        f.insert(MsgFlags::DELETED | MsgFlags::TOUCH);
                    }
                }
                if case % 2 == 0 {
                    mb.replace_message(
                        1,
                        b"From e@x Mon Jan  1 10:00:00 2001\nSubject: e\n\nFrom x\nno blank"
                            .to_vec(),
                    );
                    mb.flags_mut(1).remove(MsgFlags::DELETED);
                }
                // New mail after the scan (not incorporated) is kept as is.
                let tail: &[u8] = match case % 3 {
                    0 => b"",
                    1 => b"From late@x Mon Jan  1 10:00:00 2001\r\n\r\nlate\r\n",
                    _ => b"not a From_ line\n",
                };
                let want = expected_write_back(&mb, tail);
                OpenOptions::new()
                    .append(true)
                    .open(&p)
                    .unwrap()
                    .write_all(tail)
                    .unwrap();
                let mut o = QuitOptions::new(false, d.join("mbox"));
                o.method = method;
                o.backup_dir = d.clone();
                set_test_block(block);
                let r = quit(&mut mb, &o, &mut io::sink(), &mut io::sink());
                set_test_block(0);
                r.unwrap();
                assert!(fs::read(&p).unwrap() == want, "block {block} {method:?}");
            }
        }
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn inc_after_unterminated_message_keeps_messages_apart() {
        let d = tmpdir();
        let p = d.join("box");
        for first in [
            "From a@b Mon Jan  1 10:00:00 2001\nSubject: a\n\nno newline",
            "From a@b Mon Jan  1 10:00:00 2001\nSubject: a\n\nno blank line\n",
        ] {
            fs::write(&p, first).unwrap();
            let mut mb = Mailbox::open(&p).unwrap();
            let mut f = OpenOptions::new().append(true).open(&p).unwrap();
            f.write_all(B.as_bytes()).unwrap();
            // As bsd-mailx's `inc`, the appended From_ line starts a message.
            assert_eq!(mb.incorporate_new().unwrap(), 1);
            assert_eq!(mb.len(), 2);
            let o = QuitOptions::new(false, d.join("mbox"));
            quit(&mut mb, &o, &mut io::sink(), &mut io::sink()).unwrap();
            // Both messages survive a re-read (an empty line was added).
            let again = Mailbox::open(&p).unwrap();
            assert_eq!(again.len(), 2, "{first:?}");
            assert!(again.raw_message(0).unwrap().ends_with(b"\n\n"));
        }
        // Appended bytes that do not start with a From_ line join the last
        // message.
        fs::write(&p, A).unwrap();
        let mut mb = Mailbox::open(&p).unwrap();
        let mut f = OpenOptions::new().append(true).open(&p).unwrap();
        f.write_all(b"more text\n\n").unwrap();
        f.write_all(B.as_bytes()).unwrap();
        assert_eq!(mb.incorporate_new().unwrap(), 1);
        assert_eq!(mb.entry(0).size, (A.len() + 11) as u64);
        assert_eq!(mb.entry(0).lines, 7);
        fs::remove_dir_all(&d).unwrap();
    }

    /// A `-f` folder changed behind our back is refused by the check that
    /// runs beside the writing (both methods): the folder keeps its bytes,
    /// and neither a temporary nor a recovery file is left.
    #[test]
    fn deferred_check_refuses_a_changed_folder() {
        let d = tmpdir();
        let p = d.join("box");
        let backup = d.join("backup");
        fs::create_dir(&backup).unwrap();
        let mut data = Vec::new();
        let mut offsets = Vec::new();
        for k in 0..300 {
            offsets.push(data.len() as u64);
            data.extend_from_slice(
                format!(
                    "From a{k}@b Mon Jan  1 10:00:00 2001\nSubject: {k}\n\n{}\n\n",
                    "x".repeat(300)
                )
                .as_bytes(),
            );
        }
        for method in [RewriteMethod::Auto, RewriteMethod::InPlace] {
            for (m, sample) in [(0usize, false), (250, false), (0, true)] {
                fs::write(&p, &data).unwrap();
                let mut mb = Mailbox::open(&p).unwrap();
                for i in (0..mb.len()).step_by(2) {
                    mb.flags_mut(i).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
                }
                let f = OpenOptions::new().write(true).open(&p).unwrap();
                let (at, byte, want) = if sample {
                    // A sampled body byte (same length).
                    let at = SAMPLE_STEP;
                    assert_eq!(data[at as usize], b'x');
                    (
                        at,
                        data[at as usize] ^ 0x20,
                        "modified by another program".to_string(),
                    )
                } else {
                    // "From aN@b" -> "From XN@b".
                    (
                        offsets[m] + 5,
                        b'X',
                        format!("message {} was changed by another program", m + 1),
                    )
                };
                f.write_all_at(&[byte], at).unwrap();
                let changed = fs::read(&p).unwrap();
                let mut o = QuitOptions::new(false, d.join("mbox"));
                o.method = method;
                o.backup_dir = backup.clone();
                match quit(&mut mb, &o, &mut io::sink(), &mut io::sink()) {
                    Err(WriteError::Changed(e)) => assert!(e.contains(&want), "{e}"),
                    other => panic!("{method:?} {m} {sample}: {other:?}"),
                }
                assert!(fs::read(&p).unwrap() == changed, "{method:?} {m}");
                let left = |dir: &Path| fs::read_dir(dir).unwrap().count();
                assert_eq!(left(&d), 2, "{method:?}: a temporary file was left");
                assert_eq!(left(&backup), 0, "{method:?}: a recovery file was left");
            }
        }
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn symlinks_and_hard_links_survive() {
        let d = tmpdir();
        let real = d.join("real");
        fs::write(&real, format!("{A}{B}")).unwrap();
        let link = d.join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let hard = d.join("hard");
        fs::hard_link(&real, &hard).unwrap();
        let mut mb = Mailbox::open(&link).unwrap();
        mb.flags_mut(0).insert(MsgFlags::DELETED | MsgFlags::TOUCH);
        let mut o = QuitOptions::new(false, d.join("mbox"));
        o.backup_dir = d.clone();
        quit(&mut mb, &o, &mut io::sink(), &mut io::sink()).unwrap();
        assert!(
            fs::symlink_metadata(&link)
                .unwrap()
                .file_type()
                .is_symlink()
        );
        let want = B.replace("Subject: b\n", "Subject: b\nStatus: O\n");
        assert_eq!(fs::read_to_string(&real).unwrap(), want);
        assert_eq!(fs::read_to_string(&hard).unwrap(), want);
        fs::remove_dir_all(&d).unwrap();
    }
}
