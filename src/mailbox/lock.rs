//! Locking a mailbox the way mail transport agents do on `/var/mail`.
//!
//! This module owns the two locks Debian Policy §11.6 asks for:
//!
//! 1. a **dotlock** `<mailbox>.lock`, made with liblockfile's rules: a
//!    unique temporary file in the same directory holding our pid,
//!    `link()`ed to the lock name, success when the link succeeds or the
//!    temporary file's link count is 2 (the NFS-safe test); a lock is stale
//!    when it holds the pid of a dead process, or holds no pid and is older
//!    than 300 s; retries with growing sleeps until the timeout.
//!    When the directory is not writable (Debian's `/var/mail` is
//!    `root:mail 2775`), `/usr/bin/dotlockfile` (setgid mail, from
//!    liblockfile-bin) makes the lock for us, as Debian's bsd-mailx does
//!    through liblockfile; without it we keep only the fcntl lock and say so
//!    once on stderr.
//! 2. an **fcntl** write lock (`F_SETLK`, whole file; not `flock`, which
//!    MTAs do not see), retried until the timeout.
//!
//! The dotlock is taken first, then the fcntl lock: MTAs (Postfix, Exim,
//! procmail) take the dotlock before opening the file, so the other order
//! could deadlock with them until one side times out.
//!
//! POSIX caveat: an fcntl lock belongs to the process and is dropped when
//! **any** descriptor of the file is closed in this process. Keep the
//! [`MailboxLock`] (and the [`Mailbox`](super::Mailbox) descriptor) open, and
//! open no other descriptor of the file while the lock is held.
//!
//! Both locks are released when the [`MailboxLock`] is dropped.

use std::ffi::OsStr;
use std::fmt;
use std::fs::{self, File, OpenOptions};
use std::io::{self, Read, Write};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use rustix::fs::FlockOperation;
use rustix::io::Errno;
use rustix::process::Pid;

use super::hash::rand_u64;
use crate::child::{self, Exit};
use crate::util::{progname, strerror};

/// liblockfile's helper program.
pub(crate) const DOTLOCKFILE: &str = "/usr/bin/dotlockfile";

/// A lock older than this with no pid in it is stale (liblockfile's rule).
const STALE_AGE: Duration = Duration::from_secs(300);

/// How to lock.
#[derive(Clone, Debug)]
pub struct LockOptions {
    /// Give up after this long (liblockfile's default is about 30 s).
    pub timeout: Duration,
    /// Take the dotlock (true for the system mailbox).
    pub dotlock: bool,
    /// The helper used when the directory is not writable; `None` disables
    /// the fallback.
    pub helper: Option<PathBuf>,
}

impl Default for LockOptions {
    fn default() -> Self {
        LockOptions {
            timeout: Duration::from_secs(30),
            dotlock: true,
            helper: Some(PathBuf::from(DOTLOCKFILE)),
        }
    }
}

/// Why a lock could not be taken. The `Display` text follows bsd-mailx
/// (`Cannot create lockfile /var/mail/alice.lock: Failed after max tries.`).
#[derive(Debug)]
pub enum LockError {
    /// The dotlock stayed busy until the timeout.
    DotlockBusy(PathBuf),
    /// The dotlock could not be created (other than busy).
    Dotlock(PathBuf, io::Error),
    /// The fcntl lock stayed busy until the timeout.
    FcntlBusy(PathBuf),
    /// Opening or locking the mailbox failed.
    Io(PathBuf, io::Error),
}

impl fmt::Display for LockError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LockError::DotlockBusy(p) => write!(
                f,
                "Cannot create lockfile {}: Failed after max tries.",
                p.display()
            ),
            LockError::Dotlock(p, e) => {
                write!(f, "Cannot create lockfile {}: {}", p.display(), strerror(e))
            }
            LockError::FcntlBusy(p) => {
                write!(f, "{}: Unable to lock mailbox: timed out", p.display())
            }
            LockError::Io(p, e) => write!(f, "{}: {}", p.display(), strerror(e)),
        }
    }
}

impl std::error::Error for LockError {}

/// How the dotlock was made (so it is removed the same way).
#[derive(Debug)]
enum Dot {
    Own(PathBuf),
    Helper(PathBuf, PathBuf),
}

/// A held mailbox lock: an fcntl write lock on [`MailboxLock::file`] and,
/// usually, a dotlock. Released on drop.
#[derive(Debug)]
pub struct MailboxLock {
    file: File,
    dot: Option<Dot>,
}

static WARNED: AtomicBool = AtomicBool::new(false);

impl MailboxLock {
    /// Locks `path` (which must exist), opening it read/write. Messages
    /// about a missing dotlock go to `warn` (once per process).
    pub fn acquire(
        path: &Path,
        opts: &LockOptions,
        warn: &mut dyn Write,
    ) -> Result<MailboxLock, LockError> {
        let deadline = Instant::now() + opts.timeout;
        let dot = if opts.dotlock {
            dotlock(path, opts, deadline, warn)?
        } else {
            None
        };
        // From here on, `guard` removes the dotlock if we fail.
        let guard = MailboxLock {
            file: match OpenOptions::new().read(true).write(true).open(path) {
                Ok(f) => f,
                Err(e) => {
                    if let Some(d) = dot {
                        remove_dot(d);
                    }
                    return Err(LockError::Io(path.to_path_buf(), e));
                }
            },
            dot,
        };
        let mut sleep = Duration::from_millis(5);
        loop {
            match fcntl_lock(&guard.file, FlockOperation::NonBlockingLockExclusive) {
                Ok(()) => break,
                Err(e)
                    if matches!(
                        e.raw_os_error(),
                        Some(libc::EAGAIN) | Some(libc::EACCES) | Some(libc::EINTR)
                    ) =>
                {
                    let now = Instant::now();
                    if now >= deadline {
                        return Err(LockError::FcntlBusy(path.to_path_buf()));
                    }
                    std::thread::sleep(sleep.min(deadline - now));
                    sleep = (sleep * 2).min(Duration::from_millis(500));
                }
                Err(e) => return Err(LockError::Io(path.to_path_buf(), e)),
            }
        }
        Ok(guard)
    }

    /// The read/write descriptor holding the fcntl lock.
    pub fn file(&self) -> &File {
        &self.file
    }

    /// True if a dotlock is held (by us or through the helper).
    pub fn has_dotlock(&self) -> bool {
        self.dot.is_some()
    }

    /// True if the dotlock was made by us (so the directory is writable).
    pub fn own_dotlock(&self) -> bool {
        matches!(self.dot, Some(Dot::Own(_)))
    }

    /// Refreshes the dotlock's time stamp (for long operations), as
    /// liblockfile's `lockfile_touch` does.
    pub fn touch(&self) {
        let p = match &self.dot {
            Some(Dot::Own(p)) | Some(Dot::Helper(_, p)) => p,
            None => return,
        };
        if let Ok(f) = OpenOptions::new()
            .append(true)
            .custom_flags(libc::O_NOFOLLOW)
            .open(p)
        {
            let _ = f.set_modified(SystemTime::now());
        }
    }
}

impl Drop for MailboxLock {
    fn drop(&mut self) {
        // Release fcntl first (explicitly; closing would do it too), then
        // the dotlock, the reverse order of taking them.
        let _ = fcntl_lock(&self.file, FlockOperation::NonBlockingUnlock);
        if let Some(d) = self.dot.take() {
            remove_dot(d);
        }
    }
}

fn remove_dot(d: Dot) {
    match d {
        Dot::Own(p) => {
            let _ = fs::remove_file(p);
        }
        Dot::Helper(helper, p) => {
            let _ = child::run_quiet(&helper, [OsStr::new("-u"), p.as_os_str()]);
        }
    }
}

/// `F_SETLK` over the whole file (`l_whence = SEEK_SET`, `l_start = 0`,
/// `l_len = 0`; a process-associated lock, not an OFD lock): rustix's
/// non-blocking operations are exactly that call.
fn fcntl_lock(f: &File, op: FlockOperation) -> io::Result<()> {
    rustix::fs::fcntl_lock(f, op).map_err(io::Error::from)
}

/// True when no process `pid` exists (`kill(pid, 0)` fails with ESRCH);
/// false for a live process, one we may not signal, or an invalid pid.
pub(crate) fn process_is_gone(pid: i32) -> bool {
    pid > 0
        && Pid::from_raw(pid)
            .is_some_and(|p| rustix::process::test_kill_process(p) == Err(Errno::SRCH))
}

/// The dotlock name for a mailbox.
pub fn lock_path(path: &Path) -> PathBuf {
    let mut s = path.as_os_str().to_os_string();
    s.push(".lock");
    PathBuf::from(s)
}

fn hostname() -> String {
    fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|s| s.trim().chars().take(16).collect())
        .unwrap_or_else(|_| "localhost".into())
}

/// Does the lock file name a live process, or is it fresh enough?
/// Returns true when it may be removed.
///
/// The lock is examined with lstat and opened with O_NOFOLLOW: a symbolic
/// link planted at `<mailbox>.lock` (which no locker makes) is never
/// followed; it holds no pid, so it is judged by its own age and, when
/// stale, the link itself is removed (CVE-2017-5899 class: a lock path must
/// not lead us to files elsewhere).
fn is_stale(lock: &Path) -> bool {
    let Ok(meta) = fs::symlink_metadata(lock) else {
        return false;
    };
    let mut s = String::new();
    if meta.file_type().is_file()
        && let Ok(mut f) = OpenOptions::new()
            .read(true)
            .custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK)
            .open(lock)
    {
        let _ = Read::by_ref(&mut f).take(64).read_to_string(&mut s);
    }
    match s.trim().parse::<i32>() {
        Ok(pid) if pid > 0 => process_is_gone(pid),
        _ => meta
            .modified()
            .ok()
            .and_then(|m| SystemTime::now().duration_since(m).ok())
            .is_some_and(|age| age > STALE_AGE),
    }
}

fn dotlock(
    path: &Path,
    opts: &LockOptions,
    deadline: Instant,
    warn: &mut dyn Write,
) -> Result<Option<Dot>, LockError> {
    let lock = lock_path(path);
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let tmp = dir.join(format!(
        ".lk{:05}{:x}{}",
        std::process::id(),
        rand_u64() & 0xffff,
        hostname()
    ));
    let mut sleep = Duration::from_millis(10);
    loop {
        match try_link_lock(&tmp, &lock) {
            Ok(true) => return Ok(Some(Dot::Own(lock))),
            Ok(false) => {
                // A stale lock is removed and we try again at once; if it
                // cannot be removed we wait like for a live one.
                if is_stale(&lock) && fs::remove_file(&lock).is_ok() {
                    continue;
                }
            }
            Err(e)
                if matches!(
                    e.raw_os_error(),
                    Some(libc::EACCES) | Some(libc::EPERM) | Some(libc::EROFS)
                ) =>
            {
                return helper_lock(&lock, opts, deadline, warn, e);
            }
            Err(e) => return Err(LockError::Dotlock(lock, e)),
        }
        let now = Instant::now();
        if now >= deadline {
            return Err(LockError::DotlockBusy(lock));
        }
        std::thread::sleep(sleep.min(deadline - now));
        sleep = (sleep * 2).min(Duration::from_secs(5));
    }
}

/// One attempt: make the temporary file, link it to the lock name.
/// `Ok(false)` when the lock is held by someone else.
fn try_link_lock(tmp: &Path, lock: &Path) -> io::Result<bool> {
    let _ = fs::remove_file(tmp);
    {
        let mut f = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o644)
            .open(tmp)?;
        if let Err(e) = writeln!(f, "{}", std::process::id()) {
            let _ = fs::remove_file(tmp);
            return Err(e);
        }
    }
    let linked = fs::hard_link(tmp, lock);
    let nlink = fs::metadata(tmp).map(|m| m.nlink()).unwrap_or(0);
    let _ = fs::remove_file(tmp);
    match linked {
        Ok(()) => Ok(true),
        Err(_) if nlink == 2 => Ok(true),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => Ok(false),
        Err(e) => Err(e),
    }
}

fn helper_lock(
    lock: &Path,
    opts: &LockOptions,
    deadline: Instant,
    warn: &mut dyn Write,
    why: io::Error,
) -> Result<Option<Dot>, LockError> {
    if let Some(helper) = opts.helper.as_ref().filter(|h| h.exists()) {
        // dotlockfile sleeps 5, 10, 15 … s between tries.
        let left = deadline.saturating_duration_since(Instant::now()).as_secs();
        let mut retries = 0u64;
        let mut total = 0u64;
        while total + 5 * (retries + 1) <= left {
            retries += 1;
            total += 5 * retries;
        }
        let retries = retries.to_string();
        let args = [
            OsStr::new("-l"),
            OsStr::new("-r"),
            OsStr::new(&retries),
            OsStr::new("-p"),
            lock.as_os_str(),
        ];
        let st = child::run_quiet(helper, args)
            .map_err(|e| LockError::Dotlock(lock.to_path_buf(), e))?;
        // liblockfile's codes: 0 locked; 4 (L_MAXTRYS) busy until the end;
        // 2/3 (L_TMPLOCK/L_TMPWRITE) the helper cannot create files there
        // either (the directory is not writable for group mail): then, as
        // without a helper, only the fcntl lock is kept, with a warning,
        // rather than refusing to ever write the mailbox back.
        match st {
            Exit::Code(0) => return Ok(Some(Dot::Helper(helper.clone(), lock.to_path_buf()))),
            Exit::Code(2 | 3) => {}
            _ => return Err(LockError::DotlockBusy(lock.to_path_buf())),
        }
    }
    if !WARNED.swap(true, Ordering::Relaxed) {
        let _ = writeln!(
            warn,
            "{}: cannot create lock file {}: {}; using only fcntl locking",
            progname(),
            lock.display(),
            strerror(&why)
        );
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tmpdir() -> PathBuf {
        let d = std::env::temp_dir().join(format!("mailx-lock-{}", rand_u64()));
        fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn dotlock_busy_then_free() {
        let d = tmpdir();
        let p = d.join("box");
        fs::write(&p, b"").unwrap();
        let opts = LockOptions {
            timeout: Duration::from_millis(200),
            ..Default::default()
        };
        let mut err = Vec::new();
        let l = MailboxLock::acquire(&p, &opts, &mut err).unwrap();
        assert!(l.own_dotlock());
        assert!(lock_path(&p).exists());
        // The dotlock holds our (live) pid: a second try times out.
        match MailboxLock::acquire(&p, &opts, &mut err) {
            Err(LockError::DotlockBusy(_)) => {}
            other => panic!("{other:?}"),
        }
        drop(l);
        assert!(!lock_path(&p).exists());
        // A stale lock (dead pid) is removed.
        fs::write(lock_path(&p), b"999999999\n").unwrap();
        let l = MailboxLock::acquire(&p, &opts, &mut err).unwrap();
        drop(l);
        fs::remove_dir_all(&d).unwrap();
    }

    #[test]
    fn error_text() {
        let e = LockError::DotlockBusy(PathBuf::from("/var/mail/alice.lock"));
        assert_eq!(
            e.to_string(),
            "Cannot create lockfile /var/mail/alice.lock: Failed after max tries."
        );
    }
}
