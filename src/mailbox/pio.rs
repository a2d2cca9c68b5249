//! Positional I/O on an open file: `pread` retried on EINTR, and `pread`
//! until a buffer is full. The scanners and readers use only these, so the
//! file offset of the shared descriptor is never moved.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// One `pread` (retried on EINTR); returns the bytes read (0 at the end).
pub(crate) fn read_some_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    loop {
        match f.read_at(buf, off) {
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            r => return r,
        }
    }
}

/// `pread` until `buf` is full or the end of file; returns the bytes read.
pub(crate) fn read_full_at(f: &File, buf: &mut [u8], off: u64) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match read_some_at(f, &mut buf[n..], off + n as u64)? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}
