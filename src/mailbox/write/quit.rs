//! `quit` on an mbox (bsd-mailx's `quit()` and `edstop()` in quit.c):
//! the system mailbox (mbox file, `hold`, `keepsave`, dotlock) or a `-f`
//! folder, the messages printed about it, and the update of the mbox file
//! (appended, or put in front of the old content).

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt, PermissionsExt};

use super::in_place::{Overwrite, overwrite};
use super::plan::{keep_in_folder, keep_in_system, plan_edit, plan_system, to_mbox};
use super::rewrite::{Check, rewrite_mailbox};
use super::stream::StreamOut;
use super::{
    QuitOptions, QuitOutcome, WriteError, dir_writable, io_at, mbox_is_maildir, parent_dir, plural,
    remove_stale_temps, sync_dir, temp_name,
};
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::lock::{LockError, LockOptions, MailboxLock};
use crate::mailbox::maildir::deliver_all;
use crate::mailbox::mbox::Mailbox;
use crate::mailbox::render::{RenderOptions, render_message_seq};

/// Ends the session on `mb`: decides each message's fate from its flags,
/// writes mbox and the mailbox, prints bsd-mailx's messages to `out`
/// (warnings, e.g. about a missing dotlock, to `warn`). Flags are updated
/// as bsd-mailx does (new messages lose `NEW` and gain `STATUS`).
/// A read-only mailbox is left alone.
pub fn quit(
    mb: &mut Mailbox,
    opts: &QuitOptions<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<QuitOutcome, WriteError> {
    if mb.readonly() {
        return Ok(QuitOutcome::default());
    }
    if opts.system {
        quit_system(mb, opts, out, warn)
    } else {
        quit_edit(mb, opts, out, warn)
    }
}

fn quit_system(
    mb: &mut Mailbox,
    opts: &QuitOptions<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<QuitOutcome, WriteError> {
    let path = mb.path().to_path_buf();
    let name = path.display().to_string();
    let lock = match MailboxLock::acquire(&path, &opts.lock, warn) {
        Ok(l) => l,
        Err(LockError::Io(_, e)) if e.kind() == io::ErrorKind::NotFound => {
            // bsd-mailx's answer when the spool vanished.
            let _ = writeln!(out, "Thou hast new mail.");
            return Ok(QuitOutcome::default());
        }
        Err(e) => return Err(WriteError::Lock(e)),
    };
    let cur = mb
        .verify_unchanged(lock.file())
        .map_err(WriteError::Changed)?;
    let mut res = QuitOutcome {
        new_mail: cur > mb.scanned_len(),
        ..Default::default()
    };
    if res.new_mail {
        let _ = writeln!(out, "New mail has arrived.");
    }

    let plan = plan_system(mb, opts.hold, opts.keepsave);
    let (c, p) = (plan.to_mbox, plan.held);
    if plan.unchanged {
        let _ = writeln!(out, "Held {p} message{} in {name}", plural(p));
        res.held = p;
        return Ok(res);
    }
    if c > 0 {
        write_mbox(mb, opts, to_mbox)?;
        let _ = writeln!(
            out,
            "Saved {c} message{} in {}",
            plural(c),
            opts.mbox.display()
        );
        res.to_mbox = c;
    }
    // Preserved messages (if any) and new mail go back to the spool.
    rewrite_mailbox(mb, &lock, cur, opts, &keep_in_system, Check::Done)?;
    res.rewritten = true;
    if p != 0 {
        let _ = writeln!(out, "Held {p} message{} in {name}", plural(p));
    }
    res.held = p;
    Ok(res)
}

fn quit_edit(
    mb: &mut Mailbox,
    opts: &QuitOptions<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<QuitOutcome, WriteError> {
    if !plan_edit(mb) {
        return Ok(QuitOutcome::default());
    }
    let path = mb.path().to_path_buf();
    let lopts = LockOptions {
        dotlock: false,
        ..opts.lock.clone()
    };
    let lock = MailboxLock::acquire(&path, &lopts, warn).map_err(WriteError::Lock)?;
    // The From_ lines and samples are checked while the new content is
    // written (see `Check::Deferred`).
    let cur = mb
        .check_identity(lock.file())
        .map_err(WriteError::Changed)?;
    let kept = (0..mb.len())
        .filter(|&i| keep_in_folder(mb.flags(i)))
        .count();
    let new_mail = cur > mb.scanned_len();
    rewrite_mailbox(mb, &lock, cur, opts, &keep_in_folder, Check::Deferred)?;
    let what = if kept == 0 && !new_mail {
        "truncated"
    } else {
        "complete"
    };
    let _ = writeln!(out, "\"{}\" {what}", path.display());
    Ok(QuitOutcome {
        to_mbox: 0,
        held: kept,
        new_mail,
        rewritten: true,
    })
}

/// Writes the messages selected by `sel` to the mbox file (a Maildir
/// gets them delivered, see `maildir`).
fn write_mbox(
    mb: &Mailbox,
    opts: &QuitOptions<'_>,
    sel: impl Fn(MsgFlags) -> bool,
) -> Result<(), WriteError> {
    if mbox_is_maildir(opts)? {
        let which: Vec<usize> = (0..mb.len()).filter(|&i| sel(mb.flags(i))).collect();
        return deliver_all(mb, &which, &opts.mbox, opts.save_ignore)
            .map(|_| ())
            .map_err(io_at(&opts.mbox));
    }
    let ropts = RenderOptions {
        ignore: opts.save_ignore,
        ..Default::default()
    };
    let write_sel = |w: &mut dyn Write| -> io::Result<()> {
        let mut seq = mb.seq_reader(|i| sel(mb.flags(i)));
        for i in 0..mb.len() {
            if sel(mb.flags(i)) {
                render_message_seq(mb, i, mb.flags(i), &ropts, &mut seq, w)?;
            }
        }
        Ok(())
    };
    write_mbox_file(opts, &write_sel)
}

/// Writes what `write_sel` writes to the mbox file: appended (`append`)
/// or put in front of the old content (via a temporary file and rename,
/// so a crash never cuts the old mbox).
pub(crate) fn write_mbox_file(
    opts: &QuitOptions<'_>,
    write_sel: &dyn Fn(&mut dyn Write) -> io::Result<()>,
) -> Result<(), WriteError> {
    let mbox = &opts.mbox;
    let err = io_at(mbox);
    // An mbox that is not a regular file (`MBOX=/dev/null`, a FIFO) is only
    // ever appended to: never renamed over (as root that would replace
    // /dev/null with a file), never chmod-ed, never synced.
    let special = fs::metadata(mbox).is_ok_and(|m| !m.file_type().is_file());
    if opts.append || special {
        let f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(mbox)
            .map_err(&err)?;
        if !special {
            let _ = f.set_permissions(fs::Permissions::from_mode(0o600));
        }
        let old = f.metadata().map_err(&err)?.len();
        let r = (|| {
            let mut w = BufWriter::with_capacity(1 << 16, &f);
            write_sel(&mut w)?;
            w.flush()?;
            drop(w);
            if special { Ok(()) } else { f.sync_all() }
        })();
        if let Err(e) = r {
            // Take back the partial append.
            if !special {
                let _ = f.set_len(old);
            }
            let _ = f.sync_all();
            return Err(err(e));
        }
        return Ok(());
    }
    // Prepend: new messages, then the old mbox, into a temporary file that
    // is renamed over mbox (through a symbolic link to the real file). A
    // hard-linked mbox, one owned by someone else, or one in a directory we
    // cannot write is overwritten in place from that temporary copy
    // instead (kept in `backup_dir`, so a crash loses nothing).
    let target = fs::canonicalize(mbox).unwrap_or_else(|_| mbox.to_path_buf());
    let dir = parent_dir(&target);
    let old = match File::open(&target) {
        Ok(f) => Some(f),
        Err(e) if e.kind() == io::ErrorKind::NotFound => None,
        Err(e) => return Err(err(e)),
    };
    let meta = old.as_ref().and_then(|f| f.metadata().ok());
    let mode = meta.as_ref().map(|m| m.mode() & 0o7777).unwrap_or(0o600);
    let euid = rustix::process::geteuid().as_raw();
    let in_place = meta
        .as_ref()
        .is_some_and(|m| m.nlink() > 1 || m.uid() != euid)
        || !dir_writable(&dir);
    let tmp_dir = if in_place {
        opts.backup_dir.clone()
    } else {
        dir.clone()
    };
    let mbase = target
        .file_name()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    remove_stale_temps(&tmp_dir, &mbase);
    let tmp = tmp_dir.join(temp_name(&mbase));
    let r = (|| -> io::Result<()> {
        let f = OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&tmp)?;
        let mut w = StreamOut::buffered(&f);
        write_sel(&mut w)?;
        if let Some(mut o) = old.as_ref() {
            io::copy(&mut o, &mut w)?;
        }
        w.flush()?;
        drop(w);
        f.sync_all()?;
        if in_place {
            // Not truncated here: `overwrite` sets the length at the end.
            let dst = OpenOptions::new()
                .write(true)
                .create(true)
                .truncate(false)
                .mode(0o600)
                .open(&target)?;
            let n = f.metadata()?.len();
            let old_len = dst.metadata()?.len();
            match overwrite(&dst, &f, 0, n, old_len) {
                Ok(()) => {}
                Err(Overwrite::Untouched(e)) | Err(Overwrite::Damaged(e)) => return Err(e),
            }
            drop(f);
            fs::remove_file(&tmp)
        } else {
            f.set_permissions(fs::Permissions::from_mode(mode))?;
            f.sync_all()?;
            fs::rename(&tmp, &target)?;
            sync_dir(&dir)
        }
    })();
    if let Err(e) = r {
        let _ = fs::remove_file(&tmp);
        return Err(err(e));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::mailbox::testutil::{A, B, tmpdir};

    #[test]
    fn mbox_through_symlink_and_hard_link() {
        for hard in [false, true] {
            let d = tmpdir();
            let spool = d.join("box");
            fs::write(&spool, format!("{A}{B}")).unwrap();
            let real = d.join("real-mbox");
            fs::write(&real, "From old@x Mon Jan  1 00:00:00 2001\n\nold\n\n").unwrap();
            let mbox = d.join("mbox");
            if hard {
                fs::hard_link(&real, &mbox).unwrap();
            } else {
                std::os::unix::fs::symlink(&real, &mbox).unwrap();
            }
            let mut mb = Mailbox::open(&spool).unwrap();
            mb.flags_mut(0)
                .insert(MsgFlags::TOUCH | MsgFlags::READ | MsgFlags::STATUS);
            let mut o = QuitOptions::new(true, mbox.clone());
            o.backup_dir = d.clone();
            let mut out = Vec::new();
            quit(&mut mb, &o, &mut out, &mut io::sink()).unwrap();
            let got = fs::read_to_string(&real).unwrap();
            assert!(got.starts_with("From a@b"), "{got}");
            assert!(got.ends_with("old\n\n"), "{got}");
            assert_eq!(fs::read_to_string(&mbox).unwrap(), got);
            assert_eq!(
                fs::symlink_metadata(&mbox)
                    .unwrap()
                    .file_type()
                    .is_symlink(),
                !hard
            );
            let left = fs::read_dir(&d)
                .unwrap()
                .filter(|e| {
                    e.as_ref()
                        .unwrap()
                        .file_name()
                        .to_string_lossy()
                        .ends_with(".tmp")
                })
                .count();
            assert_eq!(left, 0);
            fs::remove_dir_all(&d).unwrap();
        }
    }
}
