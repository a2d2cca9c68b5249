//! Rewriting an mbox in place (the system mailbox, the spool directory,
//! a directory we cannot write, hard links): the new content first goes to
//! a durable recovery file, disk space is reserved with `fallocate`, then
//! the mailbox is overwritten from offset 0 and truncated, never unlinked.
//! [`recover_interrupted`] finishes the job after a crash.

use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{FileExt, OpenOptionsExt};
use std::path::{Path, PathBuf};

use rustix::fs::FallocateFlags;
use rustix::io::Errno;

use super::rewrite::{Check, beside_check, produce};
use super::stream::StreamOut;
use super::{WriteError, io_at, sync_dir};
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::hash::fnv;
use crate::mailbox::lock::{LockOptions, MailboxLock};
use crate::mailbox::mbox::Mailbox;
use crate::mailbox::reader::RangeReader;
use crate::util::strerror;

/// The recovery file name for a mailbox (one per mailbox path).
fn recovery_path(backup_dir: &Path, mailbox: &Path) -> PathBuf {
    let abs = fs::canonicalize(mailbox).unwrap_or_else(|_| mailbox.to_path_buf());
    let base = mailbox
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    backup_dir.join(format!(
        ".mailx-rewrite-{base}-{:016x}",
        fnv(abs.as_os_str().as_bytes())
    ))
}

/// The first bytes of a recovery file: `v2` is followed by the old size,
/// the hash of the old bytes that followed the new content's end (see
/// [`old_tail_sample`]) and the mailbox path; `v1` (older versions) had no
/// hash.
const RECOVERY_MAGIC: &[u8] = b"mailx-rewrite v2 ";
const RECOVERY_MAGIC_V1: &[u8] = b"mailx-rewrite v1 ";

/// How many old bytes after the new content's end [`old_tail_sample`]
/// hashes.
const SAMPLE: u64 = 4096;

/// The hash of what the mailbox holds at `n` (the end of the new content)
/// up to the old size `old`, at most [`SAMPLE`] bytes: the old bytes there
/// until the overwrite truncates the file. A crash between the last write
/// and the truncation leaves the whole new content followed by these old
/// bytes, which recovery must not take for mail appended afterwards.
/// The first line of a recovery file.
fn recovery_header(old: u64, sample: u64, path: &Path) -> String {
    format!(
        "{}{old} {sample:016x} {}\n",
        String::from_utf8_lossy(RECOVERY_MAGIC),
        path.display()
    )
}

/// Where [`recovery_header`] puts the sample's 16 hex digits.
fn sample_offset(old: u64) -> u64 {
    (RECOVERY_MAGIC.len() + old.to_string().len() + 1) as u64
}

fn old_tail_sample(f: &File, n: u64, old: u64) -> io::Result<u64> {
    let len = old.saturating_sub(n).min(SAMPLE) as usize;
    let mut buf = vec![0u8; len];
    f.read_exact_at(&mut buf, n)?;
    Ok(fnv(&buf))
}

pub(super) fn rewrite_in_place(
    mb: &Mailbox,
    lock: &MailboxLock,
    cur: u64,
    keep: &dyn Fn(MsgFlags) -> bool,
    path: &Path,
    backup_dir: &Path,
    check: Check,
) -> Result<(), WriteError> {
    let rec = recovery_path(backup_dir, path);
    let partial = rec.with_extension("partial");
    // 1. The new content, durably, outside the mailbox.
    // The sample's hash is filled in once the new content's length is
    // known.
    let header = recovery_header(cur, 0, path);
    let sample_at = sample_offset(cur);
    let (checked, r) = beside_check(mb, lock.file(), check, || -> io::Result<(File, u64)> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(true)
            .mode(0o600)
            .open(&partial)?;
        let mut w = StreamOut::buffered(&f);
        w.write_all(header.as_bytes())?;
        let n = produce(mb, lock.file(), cur, keep, &mut w)?;
        w.flush()?;
        drop(w);
        let sample = old_tail_sample(lock.file(), n, cur)?;
        f.write_all_at(format!("{sample:016x}").as_bytes(), sample_at)?;
        f.sync_all()?;
        Ok((f, n))
    });
    // Only a checked mailbox gets a recovery file (one left by a crash is
    // put back at the next open).
    if let Err(m) = checked {
        let _ = fs::remove_file(&partial);
        return Err(WriteError::Changed(m));
    }
    let r = r.and_then(|(f, n)| {
        fs::rename(&partial, &rec)?;
        sync_dir(backup_dir)?;
        Ok((f, n))
    });
    let (copy, n) = match r {
        Ok(x) => x,
        Err(e) => {
            let _ = fs::remove_file(&partial);
            return Err(WriteError::Io(partial, e));
        }
    };
    // 2. Overwrite the mailbox under the locks.
    let r = overwrite(lock.file(), &copy, header.len() as u64, n, cur);
    match r {
        Ok(()) => {
            let _ = fs::remove_file(&rec);
            Ok(())
        }
        Err(Overwrite::Untouched(e)) => {
            let _ = fs::remove_file(&rec);
            Err(WriteError::Io(path.to_path_buf(), e))
        }
        Err(Overwrite::Damaged(e)) => Err(WriteError::Io(
            path.to_path_buf(),
            io::Error::new(
                e.kind(),
                format!(
                    "{}; the new content is kept in {}",
                    strerror(&e),
                    rec.display()
                ),
            ),
        )),
    }
}

pub(super) enum Overwrite {
    /// Failed before the mailbox was changed.
    Untouched(io::Error),
    /// Failed after; the recovery file is needed.
    Damaged(io::Error),
}

/// Copies `n` bytes of `src` (from `src_off`) over `dst`, which held `old`
/// bytes, then truncates it to `n`.
pub(super) fn overwrite(
    dst: &File,
    src: &File,
    src_off: u64,
    n: u64,
    old: u64,
) -> Result<(), Overwrite> {
    if n > old {
        // Reserve the blocks first (without changing the size, so an
        // interrupted overwrite leaves size = max(old, bytes written)), so
        // the overwrite cannot hit ENOSPC.
        match rustix::fs::fallocate(dst, FallocateFlags::KEEP_SIZE, 0, n) {
            Ok(()) | Err(Errno::OPNOTSUPP) => {}
            Err(e) => return Err(Overwrite::Untouched(e.into())),
        }
    }
    let r = (|| -> io::Result<()> {
        let mut buf = vec![0u8; 1 << 16];
        let mut done = 0u64;
        while done < n {
            let k = ((n - done) as usize).min(buf.len());
            src.read_exact_at(&mut buf[..k], src_off + done)?;
            dst.write_all_at(&buf[..k], done)?;
            done += k as u64;
        }
        dst.set_len(n)?;
        dst.sync_all()
    })();
    r.map_err(Overwrite::Damaged)
}

/// Finishes a rewrite that was interrupted (crash, kill -9) while the
/// mailbox was being overwritten in place: if a recovery file for
/// `mailbox` exists in `backup_dir`, the mailbox is locked and set to the
/// saved content followed by anything appended after the interrupted
/// write. Returns true if something was recovered. Call it before
/// [`Mailbox::open`] on the system mailbox.
pub fn recover_interrupted(
    mailbox: &Path,
    backup_dir: &Path,
    lock: &LockOptions,
    warn: &mut dyn Write,
) -> Result<bool, WriteError> {
    let rec = recovery_path(backup_dir, mailbox);
    let _ = fs::remove_file(rec.with_extension("partial"));
    let mut f = match File::open(&rec) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(WriteError::Io(rec, e)),
    };
    let mut head = Vec::new();
    {
        let mut b = [0u8; 1];
        while head.len() < 8192 && f.read(&mut b).map_err(io_at(&rec))? == 1 {
            head.push(b[0]);
            if b[0] == b'\n' {
                break;
            }
        }
    }
    let bad = || WriteError::Changed(format!("{}: not a mailx recovery file", rec.display()));
    let (rest, v2) = match head.strip_prefix(RECOVERY_MAGIC) {
        Some(r) => (r, true),
        None => (head.strip_prefix(RECOVERY_MAGIC_V1).ok_or_else(bad)?, false),
    };
    let mut words = rest.splitn(3, |&b| b == b' ');
    let mut number = |radix: u32| {
        words
            .next()
            .and_then(|w| std::str::from_utf8(w).ok())
            .and_then(|w| u64::from_str_radix(w, radix).ok())
            .ok_or_else(bad)
    };
    let old = number(10)?;
    let sample = if v2 { Some(number(16)?) } else { None };
    let hlen = head.len() as u64;
    let n = f.metadata().map_err(io_at(&rec))?.len() - hlen;
    let l = MailboxLock::acquire(mailbox, lock, warn).map_err(WriteError::Lock)?;
    let size = l.file().metadata().map_err(io_at(mailbox))?.len();
    // Where did mail appended after the interruption start? The mailbox
    // holds a prefix of the new content (length m), then either old bytes
    // up to `old` or, when the new content was longer, nothing more of ours.
    // The whole new content is there: the file was truncated to it, or the
    // crash came between the last write and the truncation, in which case
    // the old bytes follow it (their sample tells, and the size is at
    // least the old one).
    let m = common_prefix(l.file(), &f, hlen, n.min(size)).map_err(io_at(mailbox))?;
    let untruncated =
        |h: u64| -> io::Result<bool> { Ok(size >= old && old_tail_sample(l.file(), n, old)? == h) };
    let tail_start = match sample {
        Some(h) if m == n && n < old && untruncated(h).map_err(io_at(mailbox))? => old,
        _ if m == n || m >= old => m,
        _ => old,
    };
    let mut tail = Vec::new();
    if size > tail_start {
        RangeReader::new(l.file(), tail_start, size - tail_start)
            .read_to_end(&mut tail)
            .map_err(io_at(mailbox))?;
    }
    let mut full = OpenOptions::new()
        .append(true)
        .open(&rec)
        .map_err(io_at(&rec))?;
    full.write_all(&tail).map_err(io_at(&rec))?;
    full.sync_all().map_err(io_at(&rec))?;
    let total = n + tail.len() as u64;
    match overwrite(l.file(), &f, hlen, total, size) {
        Ok(()) => {
            let _ = fs::remove_file(&rec);
            Ok(true)
        }
        Err(Overwrite::Untouched(e)) | Err(Overwrite::Damaged(e)) => {
            Err(WriteError::Io(mailbox.to_path_buf(), e))
        }
    }
}

/// Length of the common prefix of `a` (from 0) and `b` (from `b_off`),
/// looking at `n` bytes at most.
fn common_prefix(a: &File, b: &File, b_off: u64, n: u64) -> io::Result<u64> {
    let mut x = vec![0u8; 1 << 16];
    let mut y = vec![0u8; 1 << 16];
    let mut done = 0u64;
    while done < n {
        let k = ((n - done) as usize).min(x.len());
        a.read_exact_at(&mut x[..k], done)?;
        b.read_exact_at(&mut y[..k], b_off + done)?;
        if let Some(p) = x[..k].iter().zip(&y[..k]).position(|(p, q)| p != q) {
            return Ok(done + p as u64);
        }
        done += k as u64;
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::testutil::{A, B, tmpdir};

    #[test]
    fn recovery_after_interrupted_in_place_rewrite() {
        let d = tmpdir();
        let p = d.join("box");
        let old = format!("{A}{B}");
        fs::write(&p, &old).unwrap();
        // Simulate: the new content (only B) was saved, the overwrite got
        // half-way, then the MTA appended a message.
        let new = B.replace("Subject: b\n", "Subject: b\nStatus: O\n");
        let rec = recovery_path(&d, &p);
        fs::write(
            &rec,
            format!("mailx-rewrite v1 {} {}\n{new}", old.len(), p.display()),
        )
        .unwrap();
        let mut cut = new.as_bytes()[..10].to_vec();
        cut.extend_from_slice(&old.as_bytes()[10..]);
        cut.extend_from_slice(A.replace("a@b", "late@x").as_bytes());
        fs::write(&p, &cut).unwrap();
        let lo = LockOptions {
            timeout: std::time::Duration::from_secs(1),
            ..Default::default()
        };
        assert!(recover_interrupted(&p, &d, &lo, &mut io::sink()).unwrap());
        assert_eq!(
            fs::read_to_string(&p).unwrap(),
            format!("{new}{}", A.replace("a@b", "late@x"))
        );
        assert!(!rec.exists());
        assert!(!recover_interrupted(&p, &d, &lo, &mut io::sink()).unwrap());
        fs::remove_dir_all(&d).unwrap();
    }

    /// A v2 recovery file for `new` replacing `old` in `p`.
    fn v2_recovery(d: &Path, p: &Path, old: &str, new: &str) -> PathBuf {
        fs::write(p, old).unwrap();
        let sample =
            old_tail_sample(&File::open(p).unwrap(), new.len() as u64, old.len() as u64).unwrap();
        let rec = recovery_path(d, p);
        fs::write(
            &rec,
            format!("{}{new}", recovery_header(old.len() as u64, sample, p)),
        )
        .unwrap();
        rec
    }

    /// Killed between the overwrite's last write and the truncation: the
    /// whole new content, then the old bytes after it. They are not mail
    /// appended later (they were taken for it, bringing deleted messages
    /// back behind a cut one).
    #[test]
    fn recovery_after_a_kill_before_the_truncation() {
        let d = tmpdir();
        let p = d.join("box");
        let c = A.replace("a@b", "c@d");
        let old = format!("{A}{B}{c}");
        let new = format!("{B}{c}");
        let late = A.replace("a@b", "late@x");
        let lo = LockOptions {
            timeout: std::time::Duration::from_secs(1),
            ..Default::default()
        };
        for appended in ["", late.as_str()] {
            let rec = v2_recovery(&d, &p, &old, &new);
            let mut state = new.clone().into_bytes();
            state.extend_from_slice(&old.as_bytes()[new.len()..]);
            state.extend_from_slice(appended.as_bytes());
            fs::write(&p, &state).unwrap();
            assert!(recover_interrupted(&p, &d, &lo, &mut io::sink()).unwrap());
            assert_eq!(fs::read_to_string(&p).unwrap(), format!("{new}{appended}"));
            assert!(!rec.exists());
        }
        // Truncated, then more mail than the cut-off part came: all of it
        // is kept.
        let many = late.repeat(3);
        assert!(new.len() + many.len() > old.len());
        v2_recovery(&d, &p, &old, &new);
        fs::write(&p, format!("{new}{many}")).unwrap();
        assert!(recover_interrupted(&p, &d, &lo, &mut io::sink()).unwrap());
        assert_eq!(fs::read_to_string(&p).unwrap(), format!("{new}{many}"));
        // Half-way through the overwrite, as with v1.
        v2_recovery(&d, &p, &old, &new);
        let mut cut = new.as_bytes()[..10].to_vec();
        cut.extend_from_slice(&old.as_bytes()[10..]);
        cut.extend_from_slice(late.as_bytes());
        fs::write(&p, &cut).unwrap();
        assert!(recover_interrupted(&p, &d, &lo, &mut io::sink()).unwrap());
        assert_eq!(fs::read_to_string(&p).unwrap(), format!("{new}{late}"));
        fs::remove_dir_all(&d).unwrap();
    }

    /// The header `rewrite_in_place` writes with a zero sample, then the
    /// sample written at [`sample_offset`], is the header with the sample.
    #[test]
    fn the_sample_lands_in_the_header() {
        for old in [0u64, 7, 12345, u64::MAX] {
            let path = Path::new("/var/mail/x y");
            let mut h = recovery_header(old, 0, path).into_bytes();
            let at = sample_offset(old) as usize;
            h[at..at + 16].copy_from_slice(b"0123456789abcdef");
            assert_eq!(
                String::from_utf8(h).unwrap(),
                recovery_header(old, 0x0123456789abcdef, path)
            );
        }
    }
}
