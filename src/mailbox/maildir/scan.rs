//! Scanning a Maildir: every regular file in `new/` and `cur/` whose name
//! does not start with `.`, ordered by delivery time (the time prefix of
//! the unique name, else the file's mtime), then by name.
//!
//! The directories are listed with `getdents` (a large buffer, no
//! allocation per name), unless the header cache's listing holds for
//! them (their stamps unchanged: `hcache`), which then gives the names,
//! the order and the directories. What the summary needs of a file (its
//! size, line count and envelope sender) is its [`Info`]: taken from the
//! header cache (`hcache`) when the cache has a record for that very
//! name, and then checked against the file's size and mtime the first
//! time it is used ([`Entry`] holds both); every other file is read when
//! the folder is opened, by several threads at once.

use std::collections::HashSet;
use std::ffi::OsStr;
use std::fs::File;
use std::io::{self, Read, Write};
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::OsStrExt;
use std::path::Path;
use std::sync::OnceLock;

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir};

use super::hcache::{self, Key, Loaded, Rec, key_cmp};
use super::name::Name;
use super::stamp::Stamp;
use crate::mailbox::flags::MsgFlags;
use crate::mailbox::from_line::mbox_date;
use crate::sys::localtime;
use crate::util::strerror;

/// Which subdirectory a message file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
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

/// What was read from a message file (or, after `edit`, of the new text).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Info {
    /// Bytes and lines.
    pub(crate) size: u64,
    pub(crate) lines: u64,
    /// The file's mtime (seconds, nanoseconds) when it was read.
    pub(crate) mtime: (i64, u32),
    /// The address of `Return-Path:` (None: missing or `<>`).
    pub(crate) sender: Option<Box<[u8]>>,
}

/// One message file as scanned.
#[derive(Debug)]
pub(crate) struct Entry {
    /// Where it was (or was last found).
    pub(crate) sub: Sub,
    /// The file name (bytes; boxed: 100,000 of them are held).
    pub(crate) name: Box<[u8]>,
    /// Delivery time, seconds since the epoch.
    pub(crate) time: u64,
    /// Session flags.
    pub(crate) flags: MsgFlags,
    /// The edited message (without the envelope line), written at quit.
    pub(crate) replaced: Option<Box<[u8]>>,
    /// The header cache's record for this name, not yet checked.
    pub(crate) cached: Option<Rec>,
    /// Set once: None when the cached record proved right, else what the
    /// file holds.
    pub(crate) info: OnceLock<Option<Box<Info>>>,
}

impl Entry {
    /// The unique base name.
    pub(crate) fn base(&self) -> &[u8] {
        Name::parse(&self.name).base
    }

    /// A new entry for `name` in `sub`, its flags from the name.
    pub(crate) fn new(sub: Sub, name: impl Into<Box<[u8]>>, time: u64) -> Entry {
        let name = name.into();
        let n = Name::parse(&name);
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
        Entry {
            sub,
            name,
            time,
            flags,
            replaced: None,
            cached: None,
            info: OnceLock::new(),
        }
    }
}

/// The names of the message files of `sub` (regular files whose name does
/// not start with `.`), read with `getdents`.
fn list(dir: &Path, sub: Sub, out: &mut Vec<Entry>) -> io::Result<()> {
    let fd: OwnedFd = rustix::fs::open(
        dir.join(sub.dir()),
        OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC,
        Mode::empty(),
    )?;
    let mut buf = vec![MaybeUninit::<u8>::uninit(); 1 << 16];
    let mut rd = RawDir::new(&fd, &mut buf);
    while let Some(e) = rd.next() {
        let e = e?;
        let name = e.file_name().to_bytes();
        if name.starts_with(b".") {
            continue;
        }
        let regular = match e.file_type() {
            FileType::RegularFile => true,
            FileType::Unknown => rustix::fs::statat(&fd, e.file_name(), AtFlags::SYMLINK_NOFOLLOW)
                .is_ok_and(|st| FileType::from_raw_mode(st.st_mode) == FileType::RegularFile),
            _ => false,
        };
        if regular {
            let time = Name::parse(name).time();
            out.push(Entry::new(sub, name, time.unwrap_or(0)));
        }
    }
    Ok(())
}

/// What a scan found.
pub(crate) struct Scanned {
    /// The messages, in order.
    pub(crate) entries: Vec<Entry>,
    /// The header cache the entries' records point into.
    pub(crate) cache: Option<Loaded>,
    /// The stamp of the directories before the listing the entries are,
    /// exactly (None: not a whole listing: files not taken in because of
    /// `known`, files left out because they could not be read, or no
    /// header cache to keep it in).
    pub(crate) listing: Option<Stamp>,
    /// The directories were listed (the cache's listing was not used).
    pub(crate) listed: bool,
}

/// Scans `dir`'s `new/` and `cur/` for files whose base name is not in
/// `known`. With `use_cache`, names the header cache has a record for
/// are taken from it (checked when first used); and when the cache's
/// listing is trusted for the directories as they are now (see
/// `hcache`), the names, their order and their directories too, and the
/// directories are not listed. The other files are read now. Files that
/// cannot be read are reported on `warn` and left out. A subdirectory
/// that cannot be listed is an error.
pub(crate) fn scan(
    dir: &Path,
    known: Option<&HashSet<Vec<u8>>>,
    use_cache: bool,
    warn: &mut dyn Write,
) -> io::Result<Scanned> {
    let mut out = Vec::new();
    let mut opened = if use_cache { hcache::open(dir) } else { None };
    // The directories' stamp, taken before they are listed.
    let stamp = if use_cache && known.is_none() && hcache::enabled() {
        Stamp::take(dir).ok()
    } else {
        None
    };
    let mut loaded = None;
    let mut listing = None;
    if let (Some(o), Some(now)) = (&opened, &stamp)
        && o.trusted_for(now)
    {
        // A hint only (the file is not yet proved whole): if that much
        // cannot be had, the list grows as it goes.
        let _ = out.try_reserve_exact(o.count_hint());
        let r = o.items(&mut |sub, name, time, rec| {
            let mut e = Entry::new(sub, name, time.unwrap_or(0));
            e.cached = rec;
            out.push(e);
        });
        match r {
            Ok(()) => {
                listing = o.listing();
                loaded = opened.take().map(|o| o.loaded(false));
            }
            Err(_) => {
                // Damaged: listed, without the cache.
                out = Vec::new();
                opened = None;
            }
        }
    }
    let listed = loaded.is_none();
    if listed {
        list_sorted(dir, known, &mut out)?;
        if use_cache && known.is_none() {
            listing = stamp;
        }
    }
    if let Some(o) = opened {
        // A name without a time is ordered by its file's mtime: it is
        // read now, so the order never rests on the cache.
        let idx: Vec<usize> = (0..out.len())
            .filter(|&k| out[k].time != 0 || Name::parse(&out[k].name).time().is_some())
            .collect();
        // The names lent to the keys while the records go to `out`.
        let names: Vec<Box<[u8]>> = idx
            .iter()
            .map(|&k| std::mem::take(&mut out[k].name))
            .collect();
        let keys: Vec<Key<'_>> = idx
            .iter()
            .zip(&names)
            .map(|(&k, n)| (out[k].time, &n[..], out[k].sub))
            .collect();
        let mut set = |k: usize, r: Rec| out[idx[k]].cached = Some(r);
        let mut cleared = false;
        loaded = o.attach(&keys, &mut set, &mut || cleared = true);
        drop(keys);
        for (&k, n) in idx.iter().zip(names) {
            out[k].name = n;
            if cleared {
                out[k].cached = None;
            }
        }
    }
    // Names without a time are ordered by their files' mtimes, read now
    // (listed, they come first, for now; from the cache, where their
    // mtimes were).
    let untimed = |e: &Entry| e.time == 0 && Name::parse(&e.name).time().is_none();
    let n_untimed = out.iter().filter(|e| untimed(e)).count();
    let to_read: Vec<usize> = (0..out.len())
        .filter(|&k| out[k].cached.is_none())
        .collect();
    // The files' infos go straight into the entries (no second list of
    // 100,000 of them); the errors come back in `to_read` order.
    let errors = read_all(dir, &out, &to_read);
    if n_untimed > 0 {
        // A name without a time takes its file's mtime.
        for e in out.iter_mut().filter(|e| untimed(e)) {
            if let Some(Some(info)) = e.info.get() {
                e.time = info.mtime.0.max(0) as u64;
            }
        }
    }
    let mut gone = vec![false; if errors.is_empty() { 0 } else { out.len() }];
    for (k, err) in errors {
        // Gone between listing and reading: moved (found in `cur/`) or
        // removed (not a message any more); left out silently.
        if err.kind() != io::ErrorKind::NotFound {
            let e = &out[k];
            let path = dir.join(e.sub.dir()).join(OsStr::from_bytes(&e.name));
            let _ = writeln!(warn, "{}: {}", path.display(), strerror(&err));
        }
        gone[k] = true;
    }
    if gone.iter().any(|&g| g) {
        // The entries are no longer the listing.
        listing = None;
        let mut k = 0;
        out.retain(|_| {
            k += 1;
            !gone[k - 1]
        });
    }
    if n_untimed > 0 {
        sort_entries(&mut out);
    }
    Ok(Scanned {
        entries: out,
        cache: loaded,
        listing,
        listed,
    })
}

/// Lists `dir`'s `new/` and `cur/` into `out` (a file found in both
/// once, as in `cur/`; none whose base name is in `known`), sorted.
fn list_sorted(
    dir: &Path,
    known: Option<&HashSet<Vec<u8>>>,
    out: &mut Vec<Entry>,
) -> io::Result<()> {
    // `new/` before `cur/`, the direction other programs move files in, so
    // a file moved meanwhile is seen at least once.
    list(dir, Sub::New, out)?;
    let in_new = out.len();
    list(dir, Sub::Cur, out)?;
    if in_new > 0 && out.len() > in_new {
        // A file seen in both (moved between the two listings) is one
        // message, taken as found in `cur/`. The set is made of the
        // shorter listing's names.
        let (short, long) = if in_new <= out.len() - in_new {
            (&out[..in_new], &out[in_new..])
        } else {
            (&out[in_new..], &out[..in_new])
        };
        let short_bases: HashSet<&[u8]> = short.iter().map(Entry::base).collect();
        let moved: HashSet<Vec<u8>> = long
            .iter()
            .map(Entry::base)
            .filter(|b| short_bases.contains(b))
            .map(<[u8]>::to_vec)
            .collect();
        if !moved.is_empty() {
            let mut k = 0;
            out.retain(|e| {
                k += 1;
                k > in_new || !moved.contains(e.base())
            });
        }
    }
    if let Some(known) = known {
        out.retain(|e| !known.contains(e.base()));
    }
    // The order of the messages (files are read, and problems reported,
    // in this order); names without a time come first, for now.
    sort_entries(out);
    Ok(())
}

/// Sorts `v` by [`key_cmp`] of (time, name, directory). The keys are
/// sorted (12 bytes each, names looked at only when times are equal),
/// then the entries put in that order by one pass of swaps: cheaper than
/// moving 96-byte entries around in the sort.
fn sort_entries(v: &mut [Entry]) {
    fn key(e: &Entry) -> Key<'_> {
        (e.time, &e.name[..], e.sub)
    }
    let mut order: Vec<(u64, u32)> = v
        .iter()
        .enumerate()
        .map(|(i, e)| (e.time, i as u32))
        .collect();
    order.sort_unstable_by(|a, b| {
        a.0.cmp(&b.0)
            .then_with(|| key_cmp(key(&v[a.1 as usize]), key(&v[b.1 as usize])))
    });
    // v[i] becomes the old v[order[i]]: follow each cycle once.
    const DONE: u32 = u32::MAX;
    for start in 0..order.len() {
        if order[start].1 == DONE {
            continue;
        }
        let mut i = start;
        loop {
            let src = order[i].1 as usize;
            order[i].1 = DONE;
            if src == start {
                break;
            }
            v.swap(i, src);
            i = src;
        }
    }
}

/// Reads the files `which` of `entries` (in `dir`), by several threads,
/// and sets each one's `info`. Returns the files that could not be read
/// (index into `entries`, error), in the order of `which`.
fn read_all(dir: &Path, entries: &[Entry], which: &[usize]) -> Vec<(usize, io::Error)> {
    let threads = if which.len() < 64 {
        1
    } else {
        std::thread::available_parallelism().map_or(2, |n| n.get().clamp(2, 4))
    };
    let per = which.len().div_ceil(threads).max(1);
    let fds = [Sub::New, Sub::Cur].map(|s| {
        rustix::fs::open(
            dir.join(s.dir()),
            OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC,
            Mode::empty(),
        )
    });
    let read_part = |part: &[usize]| -> Vec<(usize, io::Error)> {
        let mut buf = Vec::new();
        let mut errors = Vec::new();
        for &k in part {
            let e = &entries[k];
            let f = match &fds[usize::from(e.sub == Sub::Cur)] {
                Ok(d) => rustix::fs::openat(
                    d,
                    &e.name[..],
                    OFlags::RDONLY | OFlags::CLOEXEC,
                    Mode::empty(),
                )
                .map(File::from)
                .map_err(io::Error::from),
                Err(_) => File::open(dir.join(e.sub.dir()).join(OsStr::from_bytes(&e.name))),
            };
            match f.and_then(|f| read_info(f, &mut buf)) {
                Ok(info) => {
                    let _ = e.info.set(Some(Box::new(info)));
                }
                Err(err) => errors.push((k, err)),
            }
        }
        errors
    };
    if threads == 1 {
        return read_part(which);
    }
    std::thread::scope(|sc| {
        let handles: Vec<_> = which
            .chunks(per)
            .skip(1)
            .map(|part| sc.spawn(move || read_part(part)))
            .collect();
        let mut out = read_part(&which[..per.min(which.len())]);
        for (h, part) in handles.into_iter().zip(which.chunks(per).skip(1)) {
            out.extend(h.join().unwrap_or_else(|_| read_part(part)));
        }
        out
    })
}

/// Reads the open file `f` for its [`Info`] (`buf` is scratch space).
pub(crate) fn read_info(mut f: File, buf: &mut Vec<u8>) -> io::Result<Info> {
    let st = rustix::fs::fstat(&f)?;
    buf.clear();
    buf.reserve(st.st_size.max(0) as usize + 1);
    // Through `take`: no second fstat and lseek for a size hint.
    Read::by_ref(&mut f).take(u64::MAX).read_to_end(buf)?;
    Ok(info_of(buf, (st.st_mtime, st.st_mtime_nsec as u32)))
}

/// The [`Info`] of message text `data`.
pub(crate) fn info_of(data: &[u8], mtime: (i64, u32)) -> Info {
    Info {
        size: data.len() as u64,
        lines: count_lines(data),
        mtime,
        sender: return_path(data).map(Vec::into_boxed_slice),
    }
}

/// Lines of `data`: its newlines, plus one for an unterminated last line.
pub(crate) fn count_lines(data: &[u8]) -> u64 {
    let n = memchr::memchr_iter(b'\n', data).count() as u64;
    n + u64::from(!data.is_empty() && !data.ends_with(b"\n"))
}

/// `From sender date\n`: the sender (`MAILER-DAEMON` when there is none),
/// the date the delivery time as an mbox date.
pub(crate) fn envelope_line(sender: Option<&[u8]>, time: u64) -> Vec<u8> {
    let sender = sender.unwrap_or(b"MAILER-DAEMON");
    let mut v = Vec::with_capacity(32 + sender.len());
    v.extend_from_slice(b"From ");
    v.extend_from_slice(sender);
    v.push(b' ');
    v.extend_from_slice(mbox_date(&localtime(time.min(i64::MAX as u64) as i64)).as_bytes());
    v.push(b'\n');
    v
}

/// The address of the first `Return-Path:` field of the header block,
/// without its angle brackets (None if missing or empty).
pub(crate) fn return_path(data: &[u8]) -> Option<Vec<u8>> {
    // Line by line with memchr (a read of every header of a big folder
    // passes here): the same lines as splitting at every LF.
    let mut start = 0;
    while start <= data.len() {
        let end = memchr::memchr(b'\n', &data[start..]).map_or(data.len(), |k| start + k);
        let line = &data[start..end];
        start = end + 1;
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line.is_empty() {
            break;
        }
        if line.len() > 12
            && matches!(line[0], b'r' | b'R')
            && line[..12].eq_ignore_ascii_case(b"return-path:")
        {
            return path_address(&line[12..]);
        }
    }
    None
}

/// A `Return-Path:` value without angle brackets and blanks (None if
/// nothing is left).
fn path_address(value: &[u8]) -> Option<Vec<u8>> {
    let v: Vec<u8> = value
        .iter()
        .copied()
        .filter(|&b| b != b'<' && b != b'>' && !b.is_ascii_whitespace())
        .collect();
    if v.is_empty() { None } else { Some(v) }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`return_path`] gives what splitting at every LF gives (its first
    /// form), on random headers.
    #[test]
    fn return_path_reads_the_lines_a_split_reads() {
        fn by_split(data: &[u8]) -> Option<Vec<u8>> {
            for line in data.split(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r").unwrap_or(line);
                if line.is_empty() {
                    break;
                }
                if line.len() > 12 && line[..12].eq_ignore_ascii_case(b"return-path:") {
                    return path_address(&line[12..]);
                }
            }
            None
        }
        let pieces: [&[u8]; 10] = [
            b"Return-Path: <a@b>",
            b"return-path:x@y",
            b"RETURN-PATH:  <>",
            b"Return-Path:",
            b"Received: r",
            b"\n",
            b"\r\n",
            b"\r",
            b" <c@d>",
            b"Subject: s",
        ];
        let mut seed = 99u64;
        for _ in 0..20_000 {
            let mut h = Vec::new();
            seed = seed.wrapping_mul(6364136223846793005).wrapping_add(1);
            let mut k = seed;
            for _ in 0..(seed >> 60) {
                h.extend_from_slice(pieces[(k % 10) as usize]);
                k /= 10;
                if k.is_multiple_of(3) {
                    h.push(b'\n');
                }
            }
            assert_eq!(
                return_path(&h),
                by_split(&h),
                "{:?}",
                String::from_utf8_lossy(&h)
            );
        }
    }

    /// One entry per message is held for the whole session (100,000 for
    /// the benchmark's Maildir, whose peak RSS must stay under 32 MiB):
    /// keep it at 96 bytes, its cache record at 32.
    /// The permutation sort gives the order of a plain sort by key.
    #[test]
    fn sort_entries_orders_by_key() {
        let mut seed = 12345u64;
        let mut rnd = || {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            seed >> 33
        };
        for n in [0usize, 1, 2, 3, 10, 257, 1000] {
            let mut v: Vec<Entry> = (0..n)
                .map(|_| {
                    let t = rnd() % 20;
                    let sub = if rnd() % 2 == 0 { Sub::New } else { Sub::Cur };
                    Entry::new(sub, format!("{t}.M{}.h", rnd() % 30).into_bytes(), t)
                })
                .collect();
            let mut want: Vec<(u64, Vec<u8>, Sub)> =
                v.iter().map(|e| (e.time, e.name.to_vec(), e.sub)).collect();
            want.sort_by(|a, b| key_cmp((a.0, &a.1, a.2), (b.0, &b.1, b.2)));
            sort_entries(&mut v);
            let got: Vec<(u64, Vec<u8>, Sub)> =
                v.iter().map(|e| (e.time, e.name.to_vec(), e.sub)).collect();
            assert_eq!(got, want, "n = {n}");
        }
    }

    #[test]
    fn entry_stays_small() {
        assert_eq!(std::mem::size_of::<Option<Rec>>(), 32);
        assert!(std::mem::size_of::<Entry>() <= 96);
    }

    #[test]
    fn entry_flags_and_counts() {
        let e = Entry::new(Sub::New, b"100.a.h".to_vec(), 100);
        assert!(e.flags.contains(MsgFlags::NEW));
        let i = info_of(b"Return-Path: <a@b>\nSubject: x\n\nbody", (5, 0));
        assert_eq!((i.size, i.lines), (35, 4));
        assert_eq!(i.sender.as_deref(), Some(&b"a@b"[..]));
        assert!(envelope_line(i.sender.as_deref(), 100).starts_with(b"From a@b "));
        let e = Entry::new(Sub::Cur, b"x:2,FRS".to_vec(), 7);
        assert!(
            e.flags
                .contains(MsgFlags::READ | MsgFlags::FLAGGED | MsgFlags::ANSWERED)
        );
        let i = info_of(b"", (7, 0));
        assert_eq!((i.size, i.lines, i.sender), (0, 0, None));
        assert!(envelope_line(None, 7).starts_with(b"From MAILER-DAEMON "));
        let e = Entry::new(Sub::Cur, b"x:2,".to_vec(), 7);
        assert!(!e.flags.intersects(MsgFlags::READ | MsgFlags::NEW));
        assert_eq!(info_of(b"Return-Path: <>\n\n", (7, 0)).sender, None);
    }

    #[test]
    fn listing_skips_dot_files_and_non_files() {
        let t = crate::mailbox::testutil::tmpdir();
        let d = &t;
        for s in ["cur", "new", "tmp"] {
            std::fs::create_dir_all(d.join(s)).unwrap();
        }
        std::fs::write(d.join("new/1.a.h"), "x").unwrap();
        std::fs::write(d.join("new/.hidden"), "x").unwrap();
        std::fs::create_dir(d.join("cur/2.b.h:2,")).unwrap();
        std::os::unix::fs::symlink("1.a.h", d.join("new/3.c.h")).unwrap();
        let mut v = Vec::new();
        list(d, Sub::New, &mut v).unwrap();
        list(d, Sub::Cur, &mut v).unwrap();
        let names: Vec<_> = v.iter().map(|l| l.name.to_vec()).collect();
        assert_eq!(names, [b"1.a.h".to_vec()]);
        std::fs::remove_dir_all(d).unwrap();
    }
}
