//! The stamp of a Maildir's `new/` and `cur/` that the header cache's
//! listing is kept with (`hcache`): each directory's device, inode,
//! mtime and ctime (to the nanosecond), taken before the listing, and
//! whether the listing is settled: started at least [`SETTLE`] after both
//! mtimes, so that a change made right after the stamp was taken, in the
//! same coarse clock tick, cannot leave an mtime as recorded (the rule
//! of `index_cache`). Any file added, removed or renamed in a directory
//! changes its mtime and ctime; the ctime cannot be set back (but by
//! setting the clock back), so an mtime set back is seen too.

use std::io;
use std::path::Path;
use std::time::{Duration, SystemTime};

use rustix::fs::Stat;

use super::scan::Sub;

/// A listing is trusted only if it started this long after the
/// directories' mtimes (as `index_cache::SETTLE`).
pub(crate) const SETTLE: Duration = Duration::from_secs(2);
/// Bytes of the listing's stamp in the file.
pub(crate) const STAMP_LEN: usize = 1 + 2 * (8 + 8 + 12 + 12);

/// What `stat` says of a directory: which one it is and when its
/// entries (mtime) or anything of it (ctime) last changed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct DirStamp {
    dev: u64,
    ino: u64,
    mtime: (i64, u32),
    ctime: (i64, u32),
}

impl DirStamp {
    fn of(st: &Stat) -> DirStamp {
        DirStamp {
            dev: st.st_dev,
            ino: st.st_ino,
            mtime: (st.st_mtime, st.st_mtime_nsec as u32),
            ctime: (st.st_ctime, st.st_ctime_nsec as u32),
        }
    }
}

/// The stamps of `new/` and `cur/` before a listing, and whether the
/// listing may be trusted while they stay the same.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Stamp {
    pub(crate) dirs: [DirStamp; 2],
    /// The listing started at least [`SETTLE`] after both mtimes.
    pub(crate) settled: bool,
}

impl Stamp {
    /// The stamps of `folder`'s `new/` and `cur/` now, for a listing that
    /// starts right after.
    pub(crate) fn take(folder: &Path) -> io::Result<Stamp> {
        let new = rustix::fs::stat(folder.join(Sub::New.dir()))?;
        let cur = rustix::fs::stat(folder.join(Sub::Cur.dir()))?;
        let dirs = [DirStamp::of(&new), DirStamp::of(&cur)];
        let started = SystemTime::now();
        let settled = dirs.iter().all(|d| {
            let Ok(s) = u64::try_from(d.mtime.0) else {
                return true;
            };
            SystemTime::UNIX_EPOCH
                .checked_add(Duration::new(s, d.mtime.1.min(999_999_999)))
                .and_then(|changed| changed.checked_add(SETTLE))
                .is_some_and(|t| t <= started)
        });
        Ok(Stamp { dirs, settled })
    }

    pub(crate) fn encode(stamp: Option<&Stamp>) -> [u8; STAMP_LEN] {
        let mut b = [0u8; STAMP_LEN];
        let Some(s) = stamp else {
            return b;
        };
        b[0] = if s.settled { 2 } else { 1 };
        let mut at = 1;
        let mut put = |v: &[u8]| {
            b[at..at + v.len()].copy_from_slice(v);
            at += v.len();
        };
        for d in &s.dirs {
            put(&d.dev.to_le_bytes());
            put(&d.ino.to_le_bytes());
            put(&d.mtime.0.to_le_bytes());
            put(&d.mtime.1.to_le_bytes());
            put(&d.ctime.0.to_le_bytes());
            put(&d.ctime.1.to_le_bytes());
        }
        b
    }

    pub(crate) fn decode(b: &[u8]) -> Option<Stamp> {
        if b.len() != STAMP_LEN || b[0] == 0 || b[0] > 2 {
            return None;
        }
        let mut at = 1;
        let mut take = |n: usize| {
            at += n;
            &b[at - n..at]
        };
        let mut dirs = [DirStamp::default(); 2];
        for d in &mut dirs {
            let dev = u64::from_le_bytes(take(8).try_into().ok()?);
            let ino = u64::from_le_bytes(take(8).try_into().ok()?);
            let ms = i64::from_le_bytes(take(8).try_into().ok()?);
            let mn = u32::from_le_bytes(take(4).try_into().ok()?);
            let cs = i64::from_le_bytes(take(8).try_into().ok()?);
            let cn = u32::from_le_bytes(take(4).try_into().ok()?);
            *d = DirStamp {
                dev,
                ino,
                mtime: (ms, mn),
                ctime: (cs, cn),
            };
        }
        Some(Stamp {
            dirs,
            settled: b[0] == 2,
        })
    }
}
