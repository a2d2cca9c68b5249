//! Small shared helpers: the program name used in messages and libc's error texts.

use crate::output;
use crate::sys;
use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

static PROGNAME: OnceLock<String> = OnceLock::new();
static ARGV0: OnceLock<String> = OnceLock::new();

/// argv[0] exactly as given: glibc getopt prefixes its messages with it
/// (`/usr/bin/mail: invalid option -- 'x'`), while the usage text and all
/// other messages use the basename.
pub(crate) fn argv0() -> &'static str {
    ARGV0
        .get()
        .map(|s| s.as_str())
        .unwrap_or_else(|| progname())
}

/// Records the basename the program was invoked as (`mail`, `Mail`, `mailx`, ...).
pub(crate) fn set_progname(argv0: &str) {
    let _ = ARGV0.set(argv0.to_string());
    let base = argv0.rsplit('/').next().unwrap_or(argv0);
    let _ = PROGNAME.set(if base.is_empty() {
        "mail".to_string()
    } else {
        base.to_string()
    });
}

/// The basename used as the prefix of error messages.
pub(crate) fn progname() -> &'static str {
    PROGNAME.get().map(|s| s.as_str()).unwrap_or("mail")
}

/// libc's text for an error, without Rust's "(os error N)" suffix, as err(3) prints it.
pub(crate) fn strerror(err: &io::Error) -> String {
    err.raw_os_error()
        .and_then(sys::strerror)
        .unwrap_or_else(|| err.to_string())
}

/// Creates a private (0600, O_EXCL) temporary file in `$TMPDIR` (or /tmp),
/// unlinks its name at once and returns it open for reading and writing.
pub(crate) fn anon_temp_file(tag: &str) -> io::Result<File> {
    let (f, path) = named_temp_file(tag)?;
    let _ = std::fs::remove_file(&path);
    Ok(f)
}

/// Creates a private (0600, O_EXCL) temporary file and returns it with its path.
pub(crate) fn named_temp_file(tag: &str) -> io::Result<(File, PathBuf)> {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let dir = std::env::var_os("TMPDIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp"));
    let mut last = None;
    for _ in 0..100 {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let n = COUNTER.fetch_add(1, Ordering::Relaxed);
        let name = format!("mail.{tag}{}.{:08x}{:04x}", std::process::id(), nanos, n);
        let path = dir.join(name);
        match OpenOptions::new()
            .read(true)
            .write(true)
            .create_new(true)
            .mode(0o600)
            .custom_flags(libc::O_CLOEXEC)
            .open(&path)
        {
            Ok(f) => return Ok((f, path)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| io::Error::other("cannot create a temporary file")))
}

/// Appends bytes to a file created with mode 0600 when new.
pub(crate) fn append_private(path: &str, data: &[&[u8]]) -> io::Result<()> {
    let mut f = OpenOptions::new()
        .append(true)
        .create(true)
        .mode(0o600)
        .open(path)?;
    for d in data {
        f.write_all(d)?;
    }
    f.flush()
}

/// Prints `prog: msg` on stderr (err(3)'s warnx).
pub(crate) fn warnx(msg: &str) {
    output::err_line(&format!("{}: {}", progname(), msg));
}

/// Prints `prog: what: strerror` on stderr (err(3)'s warn).
pub(crate) fn warn(what: &str, e: &io::Error) {
    output::err_line(&format!("{}: {}: {}", progname(), what, strerror(e)));
}

/// Set when data could not be written where it belongs (mailbox write-back,
/// mbox, save/copy/write, dead.letter). Read mode then exits 1 at
/// the end, where bsd-mailx exits 0 whatever happened: a script must be
/// able to see that mail did not land where it asked.
static WRITE_FAILED: AtomicBool = AtomicBool::new(false);

/// Records a failed write (see [`write_failed`]).
pub(crate) fn note_write_failure() {
    WRITE_FAILED.store(true, Ordering::Relaxed);
}

/// True once any write of mail data has failed in this run.
pub(crate) fn write_failed() -> bool {
    WRITE_FAILED.load(Ordering::Relaxed)
}

/// fsync(2) for files we append mail to. A file that cannot be synced
/// because it is not a regular file (`DEAD=/dev/null`, `set record=/dev/null`,
/// a FIFO: EINVAL) is fine: there is nothing to make durable.
pub(crate) fn sync_appended(f: &File) -> io::Result<()> {
    match f.sync_data() {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        r => r,
    }
}

/// The value of one hexadecimal digit.
pub(crate) fn hex(c: u8) -> Option<u8> {
    (c as char).to_digit(16).map(|d| d as u8)
}

/// `%XX` escapes of a URL part (user, password, path) decoded; a `%` not
/// followed by two hexadecimal digits stays as it is.
pub(crate) fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%'
            && i + 2 < b.len()
            && let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2]))
        {
            out.push(h << 4 | l);
            i += 3;
            continue;
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn percent_escapes_decode_and_broken_ones_stay() {
        assert_eq!(percent_decode("a%40b%2Fc%2f"), "a@b/c/");
        assert_eq!(percent_decode("%zz%4%+1%"), "%zz%4%+1%");
        assert_eq!(percent_decode("x%41"), "xA");
        assert_eq!(percent_decode("%C3%BC"), "ü");
    }
}
