//! Closing a mailbox (`quit`, end of input, switching with `file`): bsd-mailx's
//! `quit()` for a system mailbox (mbox / hold / preserve, `Saved N messages
//! in`, `Held N messages in`, new mail kept) and `edstop()` for a `-f`
//! folder (`"name" complete` / `"name" truncated`).
//!
//! ADAPTER: the mailbox engine (`mailbox::write`, `mailbox::lock`) had not
//! landed when this was written; this module decides each message's fate
//! with bsd-mailx's rules and writes with the engine's renderer. Switch the
//! file writing and the spool locking to the engine's API once it exists.

use super::ReadState;
use crate::mailbox::{MsgFlags, RenderOptions, render_message};
use crate::session::Session;
use std::fs::{File, OpenOptions};
use std::io::{self, Read, Seek, SeekFrom, Write};
use std::os::unix::fs::{FileExt, OpenOptionsExt};

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

/// Bytes appended to the mailbox since it was read (new mail).
fn new_mail(st: &ReadState, f: &File) -> io::Result<Option<Vec<u8>>> {
    let len = f.metadata()?.len();
    let old = st.mb.scanned_len();
    if len <= old {
        return Ok(None);
    }
    let mut v = vec![0u8; (len - old) as usize];
    f.read_exact_at(&mut v, old)?;
    Ok(Some(v))
}

/// Renders the chosen messages (all headers, regenerated Status) into a
/// private temporary file, rewound.
fn render_to_temp(st: &ReadState, pick: &dyn Fn(MsgFlags) -> bool) -> io::Result<(File, usize)> {
    let mut tmp = crate::util::anon_temp_file("Rq")?;
    let mut n = 0;
    {
        let mut w = io::BufWriter::new(&mut tmp);
        for i in 0..st.count() {
            let f = st.flags(i);
            if pick(f) {
                render_message(&st.mb, i, f, &RenderOptions::default(), &mut w)?;
                n += 1;
            }
        }
        w.flush()?;
    }
    tmp.seek(SeekFrom::Start(0))?;
    Ok((tmp, n))
}

/// Replaces the content of `target` with `parts`, then truncates it.
fn rewrite(target: &mut File, tmp: &mut File, extra: Option<&[u8]>) -> io::Result<()> {
    target.seek(SeekFrom::Start(0))?;
    let mut w = io::BufWriter::new(&mut *target);
    io::copy(tmp, &mut w)?;
    if let Some(e) = extra {
        w.write_all(e)?;
    }
    w.flush()?;
    drop(w);
    let pos = target.stream_position()?;
    target.set_len(pos)?;
    Ok(())
}

/// Writes the state back. Prints bsd-mailx's messages.
pub fn quit(s: &mut Session) {
    let hold = s.is_set("hold");
    let keepsave = s.is_set("keepsave");
    let append = s.is_set("append");
    let save_ignore = s.save_ignore.clone();
    let mbox = crate::expand::mbox_path(s);
    let Some(st) = s.read.as_deref_mut() else {
        return;
    };
    if st.readonly() {
        return;
    }
    if st.edit {
        edstop(st);
        return;
    }
    let mailname = st.mailname.clone();
    let mut fbuf = match OpenOptions::new().read(true).write(true).open(&mailname) {
        Ok(f) => f,
        Err(_) => {
            // bsd-mailx: the spool vanished.
            crate::outln!("Thou hast new mail.");
            return;
        }
    };
    let rbuf = match new_mail(st, &fbuf) {
        Ok(Some(v)) => {
            crate::outln!("New mail has arrived.");
            Some(v)
        }
        _ => None,
    };
    let holdbit = if hold {
        MsgFlags::PRESERVE
    } else {
        MsgFlags::MBOX
    };
    let mut nohold = MsgFlags::MBOX | MsgFlags::SAVED | MsgFlags::DELETED | MsgFlags::PRESERVE;
    if keepsave {
        nohold.remove(MsgFlags::SAVED);
    }
    let mut anystat = 0;
    let n = st.count();
    for i in 0..n {
        let f = st.flags_mut(i);
        if f.contains(MsgFlags::NEW) {
            f.remove(MsgFlags::NEW);
            f.insert(MsgFlags::STATUS);
        }
        if f.contains(MsgFlags::STATUS) {
            anystat += 1;
        }
        if !f.contains(MsgFlags::TOUCH) {
            f.insert(MsgFlags::PRESERVE);
        }
        if !f.intersects(nohold) {
            f.insert(holdbit);
        }
    }
    let (mut c, mut p, mut modify) = (0, 0, 0);
    for i in 0..n {
        let f = st.flags(i);
        if f.contains(MsgFlags::MBOX) {
            c += 1;
        }
        if f.contains(MsgFlags::PRESERVE) {
            p += 1;
        }
        if f.contains(MsgFlags::MODIFY) {
            modify += 1;
        }
    }
    if p == n && modify == 0 && anystat == 0 {
        crate::outln!("Held {p} message{} in {mailname}", plural(p));
        return;
    }
    if c == 0 {
        if p != 0 {
            writeback(st, &mut fbuf, rbuf.as_deref());
            return;
        }
        cream(&mut fbuf, rbuf.as_deref(), &mailname);
        return;
    }
    let Some(mbox) = mbox else {
        return;
    };
    if let Err(e) = write_mbox(append, save_ignore, st, &mbox) {
        crate::util::warn(&mbox, &e);
        return;
    }
    crate::outln!("Saved {c} message{} in {mbox}", plural(c));
    if p != 0 {
        writeback(st, &mut fbuf, rbuf.as_deref());
        return;
    }
    cream(&mut fbuf, rbuf.as_deref(), &mailname);
}

/// Puts the MBOX-marked messages into the mbox: appended, or in front of
/// the old content when `append` is not set.
fn write_mbox(
    append: bool,
    ign: crate::session::IgnoreTab,
    st: &ReadState,
    mbox: &str,
) -> io::Result<()> {
    let pred = |name: &str| ign.hides(name);
    let opts = RenderOptions {
        ignore: Some(&pred),
        ..Default::default()
    };
    let render_all = |w: &mut dyn Write| -> io::Result<()> {
        for i in 0..st.count() {
            let f = st.flags(i);
            if f.contains(MsgFlags::MBOX) {
                render_message(&st.mb, i, f, &opts, w)?;
            }
        }
        Ok(())
    };
    if append {
        let f = OpenOptions::new()
            .append(true)
            .create(true)
            .mode(0o600)
            .open(mbox)?;
        let mut w = io::BufWriter::new(f);
        render_all(&mut w)?;
        w.flush()?;
        return Ok(());
    }
    let mut old = Vec::new();
    if let Ok(mut f) = File::open(mbox) {
        f.read_to_end(&mut old)?;
    }
    let f = OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(mbox)?;
    let mut w = io::BufWriter::new(f);
    render_all(&mut w)?;
    w.write_all(&old)?;
    w.flush()
}

/// Writes the preserved and untouched messages (and new mail) back to the spool.
fn writeback(st: &ReadState, fbuf: &mut File, rbuf: Option<&[u8]>) {
    let pick = |f: MsgFlags| f.contains(MsgFlags::PRESERVE) || !f.contains(MsgFlags::TOUCH);
    let res = render_to_temp(st, &pick).and_then(|(mut tmp, p)| {
        rewrite(fbuf, &mut tmp, rbuf)?;
        Ok(p)
    });
    match res {
        Ok(p) => crate::outln!("Held {p} message{} in {}", plural(p), st.mailname),
        Err(e) => crate::util::warn(&st.mailname, &e),
    }
}

/// Nothing stays: keep only new mail, or truncate the spool (never unlink).
fn cream(fbuf: &mut File, rbuf: Option<&[u8]>, mailname: &str) {
    let r = (|| -> io::Result<()> {
        fbuf.seek(SeekFrom::Start(0))?;
        if let Some(b) = rbuf {
            fbuf.write_all(b)?;
        }
        let pos = fbuf.stream_position()?;
        fbuf.set_len(pos)
    })();
    if let Err(e) = r {
        crate::util::warn(mailname, &e);
    }
}

/// `-f` folder: rewrite in place when anything changed.
fn edstop(st: &mut ReadState) {
    let mut gotcha = false;
    for i in 0..st.count() {
        let f = st.flags_mut(i);
        if f.contains(MsgFlags::NEW) {
            f.remove(MsgFlags::NEW);
            f.insert(MsgFlags::STATUS);
        }
        if f.intersects(MsgFlags::MODIFY | MsgFlags::DELETED | MsgFlags::STATUS) {
            gotcha = true;
        }
    }
    if !gotcha {
        return;
    }
    let mailname = st.mailname.clone();
    let extra = File::open(&mailname)
        .ok()
        .and_then(|f| new_mail(st, &f).ok().flatten());
    crate::outp!("\"{mailname}\" ");
    crate::output::flush();
    let mut obuf = match OpenOptions::new().read(true).write(true).open(&mailname) {
        Ok(f) => f,
        Err(e) => {
            crate::util::warn(&mailname, &e);
            return;
        }
    };
    let pick = |f: MsgFlags| !f.contains(MsgFlags::DELETED);
    let res = render_to_temp(st, &pick).and_then(|(mut tmp, c)| {
        rewrite(&mut obuf, &mut tmp, extra.as_deref())?;
        Ok(c)
    });
    match res {
        Ok(c) => {
            if c == 0 && extra.is_none() {
                crate::outln!("truncated");
            } else {
                crate::outln!("complete");
            }
        }
        Err(e) => crate::util::warn(&mailname, &e),
    }
}
