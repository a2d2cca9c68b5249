//! The end of a session on a Maildir, with the same POSIX rules as an mbox
//! (`write::plan`): for the system mailbox, messages go to the mbox file
//! (`MBOX`, itself a Maildir or an mbox) unless `hold`, deleted or saved
//! ones are removed, the rest stay; for a `-f` folder, deleted ones are
//! removed. A message that stays gets its flags into its name: `S` read,
//! `R` answered, `F` flagged, only where this session changed them (what
//! another program set meanwhile is kept; a preserved message stays
//! unread); seen messages move from `new/`
//! to `cur/`; an edited one is rewritten through `tmp/`. The mbox file is
//! written first: if that fails nothing in the Maildir is changed.

use std::collections::HashMap;
use std::ffi::OsStr;
use std::fs;
use std::io::{self, Write};
use std::os::unix::ffi::OsStrExt;
use std::path::Path;

use super::name::Name;
use super::scan::Sub;
use super::{Maildir, deliver_all};
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::folder::Folder;
use crate::mailbox::render::{RenderOptions, render_message};
use crate::mailbox::write::plan::{
    keep_in_folder, keep_in_system, plan_edit, plan_system, to_mbox,
};
use crate::mailbox::write::{
    QuitOptions, QuitOutcome, WriteError, mbox_is_maildir, plural, write_mbox_file,
};
use crate::util::strerror;

pub(super) fn quit(
    md: &mut Maildir,
    opts: &QuitOptions<'_>,
    out: &mut dyn Write,
    warn: &mut dyn Write,
) -> Result<QuitOutcome, WriteError> {
    if md.readonly {
        return Ok(QuitOutcome::default());
    }
    let name = md.path.display().to_string();
    if !opts.system {
        if !plan_edit(md) {
            return Ok(QuitOutcome::default());
        }
        let kept = (0..md.len())
            .filter(|&i| keep_in_folder(md.flags(i)))
            .count();
        apply(md, &keep_in_folder, &[], warn);
        let what = if kept == 0 { "truncated" } else { "complete" };
        let _ = writeln!(out, "\"{name}\" {what}");
        return Ok(QuitOutcome {
            held: kept,
            rewritten: true,
            ..Default::default()
        });
    }
    let mut res = QuitOutcome {
        new_mail: arrived(md),
        ..Default::default()
    };
    if res.new_mail {
        let _ = writeln!(out, "New mail has arrived.");
    }
    let preserved: Vec<bool> = (0..md.len())
        .map(|i| md.flags(i).contains(MsgFlags::PRESERVE))
        .collect();
    let plan = plan_system(md, opts.hold, opts.keepsave);
    let (c, p) = (plan.to_mbox, plan.held);
    if plan.unchanged {
        let _ = writeln!(out, "Held {p} message{} in {name}", plural(p));
        res.held = p;
        return Ok(res);
    }
    if c > 0 {
        let which: Vec<usize> = (0..md.len()).filter(|&i| to_mbox(md.flags(i))).collect();
        if mbox_is_maildir(opts)? {
            deliver_all(md, &which, &opts.mbox, opts.save_ignore)
                .map_err(|e| WriteError::Io(opts.mbox.clone(), e))?;
        } else {
            let ropts = RenderOptions {
                ignore: opts.save_ignore,
                ..Default::default()
            };
            let md_ref: &Maildir = md;
            write_mbox_file(opts, &|w: &mut dyn Write| {
                for &i in &which {
                    render_message(md_ref, i, md_ref.flags(i), &ropts, w)?;
                }
                Ok(())
            })?;
        }
        let _ = writeln!(
            out,
            "Saved {c} message{} in {}",
            plural(c),
            opts.mbox.display()
        );
        res.to_mbox = c;
    }
    apply(md, &|f| keep_in_system(f) && !to_mbox(f), &preserved, warn);
    res.rewritten = true;
    if p != 0 {
        let _ = writeln!(out, "Held {p} message{} in {name}", plural(p));
    }
    res.held = p;
    Ok(res)
}

/// Has a file appeared in `new/` or `cur/` that we have not taken in?
fn arrived(md: &Maildir) -> bool {
    [Sub::New, Sub::Cur].iter().any(|s| {
        fs::read_dir(md.path.join(s.dir())).is_ok_and(|rd| {
            rd.flatten().any(|e| {
                let n = e.file_name();
                let n = n.as_bytes();
                !n.starts_with(b".") && !md.known_bases().contains(Name::parse(n).base)
            })
        })
    })
}

/// Base name → where the file is and its whole name.
type Listing = HashMap<Vec<u8>, (Sub, Vec<u8>)>;

/// Every message file of `new/` and `cur/` by base name.
fn listing(dir: &Path) -> Listing {
    let mut m = HashMap::new();
    for sub in [Sub::New, Sub::Cur] {
        let Ok(rd) = fs::read_dir(dir.join(sub.dir())) else {
            continue;
        };
        for e in rd.flatten() {
            let n = e.file_name();
            let n = n.as_bytes();
            if !n.starts_with(b".") {
                m.insert(Name::parse(n).base.to_vec(), (sub, n.to_vec()));
            }
        }
    }
    m
}

/// The flag letters (of F, R, S) message flags `f` stand for.
fn letters(f: MsgFlags) -> Vec<u8> {
    let mut v = Vec::new();
    for (bit, c) in [
        (MsgFlags::FLAGGED, b'F'),
        (MsgFlags::ANSWERED, b'R'),
        (MsgFlags::READ, b'S'),
    ] {
        if f.contains(bit) {
            v.push(c);
        }
    }
    v
}

/// How often one message's removal or rename is tried again when its
/// file was renamed by another program between finding and changing it.
const ATTEMPTS: usize = 5;

/// Removes the messages `keep` rejects; gives the others their new name
/// and place (`preserved`: the messages `preserve` marked, which stay
/// unread). Problems are reported on `warn` and that message is left
/// as it is; a message someone else removed is reported once. A file
/// another program renames meanwhile is looked for again by its base
/// name, so its removal or rename still happens.
fn apply(
    md: &mut Maildir,
    keep: &dyn Fn(MsgFlags) -> bool,
    preserved: &[bool],
    warn: &mut dyn Write,
) {
    let mut touched = [false, false];
    // Where files another program renamed are now: one listing, made at
    // the first one missing (so quit stays linear).
    let mut moved: Option<Listing> = None;
    for i in 0..md.len() {
        for attempt in 0..ATTEMPTS {
            let found = if attempt > 0 {
                md.locate(i).ok()
            } else if md.exists(i) {
                Some((md.msgs[i].sub, md.msgs[i].name.to_vec()))
            } else {
                let map = moved.get_or_insert_with(|| listing(&md.path));
                match map.get(md.msgs[i].base()).cloned() {
                    Some(x) => Some(x),
                    None => md.locate(i).ok(),
                }
            };
            let Some((sub, cur_name)) = found else {
                if keep(md.msgs[i].flags) {
                    let _ = writeln!(
                        warn,
                        "{}: message {} was removed by another program",
                        md.path.display(),
                        i + 1
                    );
                }
                break;
            };
            match apply_one(md, i, keep, preserved, sub, &cur_name, &mut touched) {
                Err(err) if err.kind() == io::ErrorKind::NotFound && attempt + 1 < ATTEMPTS => {
                    continue;
                }
                Err(err) => {
                    let p = md.path.join(sub.dir()).join(OsStr::from_bytes(&cur_name));
                    let _ = writeln!(warn, "{}: {}", p.display(), strerror(&err));
                }
                Ok(()) => {}
            }
            break;
        }
    }
    for (k, s) in [(0, Sub::New), (1, Sub::Cur)] {
        if touched[k] {
            let _ = fs::File::open(md.path.join(s.dir())).and_then(|d| d.sync_all());
        }
    }
}

/// Removes or renames message `i`, whose file is now `sub/cur_name`.
/// NotFound when that file was renamed or removed meanwhile.
fn apply_one(
    md: &mut Maildir,
    i: usize,
    keep: &dyn Fn(MsgFlags) -> bool,
    preserved: &[bool],
    sub: Sub,
    cur_name: &[u8],
    touched: &mut [bool; 2],
) -> io::Result<()> {
    let dir = md.path.join(sub.dir());
    let cur_path = dir.join(OsStr::from_bytes(cur_name));
    let e = &md.msgs[i];
    let f = e.flags;
    if !keep(f) {
        md.files_changed = true;
        fs::remove_file(&cur_path)?;
        touched[(sub == Sub::Cur) as usize] = true;
        return Ok(());
    }
    // Our flags where this session changed them, else what the file
    // has now (another program may have changed them meanwhile).
    let orig = Name::parse(&e.name);
    let now = Name::parse(cur_name);
    let mut ours = letters(f);
    if preserved.get(i).copied().unwrap_or(false) && !orig.has(b'S') {
        // `preserve` keeps a message unread.
        ours.retain(|&c| c != b'S');
    }
    let mut set = Vec::new();
    for c in [b'F', b'R', b'S'] {
        let on = if ours.contains(&c) != orig.has(c) {
            ours.contains(&c)
        } else {
            now.has(c)
        };
        if on {
            set.push(c);
        }
    }
    let seen = f.intersects(MsgFlags::TOUCH | MsgFlags::READ | MsgFlags::MODIFY);
    let now_set: Vec<u8> = [b'F', b'R', b'S']
        .into_iter()
        .filter(|&c| now.has(c))
        .collect();
    let (tsub, tname) = if sub == Sub::New && !seen && set.is_empty() {
        (Sub::New, cur_name.to_vec())
    } else if sub == Sub::Cur && set == now_set {
        // Nothing to change: the name stays as it is.
        (Sub::Cur, cur_name.to_vec())
    } else {
        let n = match now.with_flags(&set) {
            Some(n) => n,
            None => {
                let mut n = cur_name.to_vec();
                if now.other_info.is_none() {
                    // A file in `cur/` has info, if only `:2,`.
                    n.extend_from_slice(b":2,");
                }
                n
            }
        };
        (Sub::Cur, n)
    };
    let tpath = md.path.join(tsub.dir()).join(OsStr::from_bytes(&tname));
    let same = tpath == cur_path && e.replaced.is_none();
    md.files_changed |= !same;
    match &md.msgs[i].replaced {
        Some(content) => rewrite(&md.path, content, &cur_path, &tpath)?,
        None if same => {}
        None => fs::rename(&cur_path, &tpath)?,
    }
    touched[(sub == Sub::Cur) as usize] = true;
    touched[(tsub == Sub::Cur) as usize] = true;
    let e = &mut md.msgs[i];
    e.sub = tsub;
    e.name = tname.into();
    Ok(())
}

/// Replaces the file `old` by `content` at `new`: written into `tmp/`,
/// fsynced, renamed over `old` (the message's content changes in one
/// step), then `old` renamed to `new` if that is another name. At no
/// moment are there two files for the message, nor none.
fn rewrite(dir: &Path, content: &[u8], old: &Path, new: &Path) -> io::Result<()> {
    let tmp = dir.join("tmp").join(format!(
        ".edit.{}.{:x}",
        std::process::id(),
        crate::mailbox::hash::rand_u64()
    ));
    let r = (|| {
        fs::write(&tmp, content)?;
        fs::File::open(&tmp)?.sync_all()?;
        // Not over a file that is gone (renamed meanwhile): that would
        // make a second file for the message.
        fs::symlink_metadata(old)?;
        fs::rename(&tmp, old)?;
        if old != new {
            fs::rename(old, new)?;
        }
        Ok(())
    })();
    if r.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    r
}
